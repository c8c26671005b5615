"""Golden pipelines run end to end on the Tekton backend: compiled, then executed by tests/tekton_sim.py
(Tekton's substitution passes and scheduling, the kubelet, the kfpc runtime and kfp's own executor
as local processes), under Tekton v1 rules and v0.59 rules, whose skip cascades differ.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

import kfpc
from conftest import GOLDEN, golden_options
from tekton_sim import Outcome, simulate

pytest.importorskip("kfp.dsl.executor_main")

VERSIONS = ["v1", "v0.59"]
_RUNS: dict[tuple, Outcome] = {}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tekton")


def run(workdir: Path, case: str, version: str, **params: str) -> Outcome:
    key = (case, version, tuple(sorted(params.items())))
    if key not in _RUNS:
        manifest = kfpc.compile_file(str(GOLDEN / case / "pipeline.yaml"), backend="tekton",
                                     options=golden_options(case, "tekton")).documents[0]
        _RUNS[key] = simulate(manifest, workdir / f"run{len(_RUNS)}", params=params, version=version)
    return _RUNS[key]


def output(outcome: Outcome, task: str, name: str, key: str = "") -> str:
    base = outcome.workspace / "uid-1234" / task
    return (base / key / name if key else base / name).read_text("utf-8")


def printed(outcome: Outcome, task: str) -> list[str]:
    """What the component itself printed (kfp's executor logs removed)."""
    return [line for line in outcome.stdout(task).splitlines()
            if line and not line.startswith(("[KFP", " ", "{", "}"))]


def ran(outcome: Outcome) -> dict[str, str]:
    return {name: state.status for name, state in outcome.states.items()}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("case", ["hello_container", "conditions", "loops", "collected_artifacts", "exit_handler",
                                  "oneof_artifacts", "subpipelines", "python_types", "pipeline_placeholders",
                                  "container_placeholders", "hostile_strings", "retry_resources_env"])
def test_golden_pipeline_runs(workdir: Path, case: str, version: str) -> None:
    outcome = run(workdir, case, version)
    failed = {n: [s[3][-800:] for r in st.runs for s in r.steps if s[1]] for n, st in outcome.states.items()
              if st.status == "Failed"}
    assert not failed, failed
    assert outcome.status in ("Succeeded", "Completed")


@pytest.mark.parametrize("case,params", [("conditions", {}), ("conditions", {"seed": "1"}), ("loops", {}),
                                         ("exit_handler", {"should_fail": "true"}), ("oneof_artifacts", {}),
                                         ("oneof_artifacts", {"use_csv": "false"})])
def test_the_same_tasks_run_on_every_tekton_version(workdir: Path, case: str, params: dict) -> None:
    """Every task in a condition's scope carries its own guard, so no version-specific cascade
    decides what runs (the order of skip reasons changed in v1.0:
    pkg/reconciler/pipelinerun/resources/pipelinerunresolution.go:328-333 @v0.59.6, :471-476 @v1.15.0)."""
    assert ran(run(workdir, case, "v1", **params)) == ran(run(workdir, case, "v0.59", **params))


def _seed_for(face: str) -> int:
    for seed in range(1000):
        random.seed(seed)
        if random.choice(["heads", "tails", "edge"]) == face:
            return seed
    raise AssertionError(face)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("face,branch", [("heads", "say"), ("tails", "say-2"), ("edge", "say-3")])
def test_if_elif_else_runs_one_branch_and_oneof_picks_it(workdir: Path, version: str, face: str, branch: str) -> None:
    outcome = run(workdir, "conditions", version, seed=str(_seed_for(face)))
    branches = {"say": "got heads", "say-2": "got tails", "say-3": "landed on its edge"}
    assert {b for b in branches if outcome.ran(b)} == {branch}
    assert printed(outcome, "say-4") == [branches[branch]], "the task after the branches reads the OneOf"
    assert outcome.results == {"Output": branches[branch]}


@pytest.mark.parametrize("version", VERSIONS)
def test_numeric_boolean_and_parameter_conditions(workdir: Path, version: str) -> None:
    big = run(workdir, "conditions", version, seed="42")
    assert printed(big, "say-5") == ["number > 5"] and printed(big, "say-6") == ["number > 5 and even"]
    assert printed(big, "say-8") == ["fast mode"] and printed(big, "say-9") == ["number >= threshold parameter"]
    small = run(workdir, "conditions", version, seed="3", mode="slow", threshold="4")
    for task in ("say-5", "say-6", "is-even", "say-8", "say-9"):
        assert not small.ran(task), task
    odd = run(workdir, "conditions", version, seed="7")
    assert odd.ran("say-5") and not odd.ran("say-6")


@pytest.mark.parametrize("version", VERSIONS)
def test_loops_fan_out_filter_and_collect_in_item_order(workdir: Path, version: str) -> None:
    outcome = run(workdir, "loops", version)
    assert outcome.results == {"Output": "[1,4,9,16]"}
    assert printed(outcome, "total") == ["[1, 4, 9, 16]"]
    assert len(outcome.states["square"].runs) == 4
    assert sorted(printed(outcome, "say-3")) == ["big square", "big square"], "x*x > 4 for x = 3, 4 only"
    pairs = sorted(json.loads(json.dumps(output(outcome, "pair", "Output", f"{i}.{j}")))
                   for i in range(2) for j in range(3))
    assert pairs == sorted(f"{name}/{n}" for name in ("alice", "bob") for n in (1, 2, 3))


@pytest.mark.parametrize("version", VERSIONS)
def test_loop_over_a_run_time_list_with_eleven_items_keeps_item_order(workdir: Path, version: str) -> None:
    """Matrix orders aggregated results by TaskRun name (0, 1, 10, 2, ...): kfpc collects by key."""
    outcome = run(workdir, "loops", version, n="11")
    assert len(outcome.states["say-2"].runs) == 11
    assert sorted(printed(outcome, "say-2")) == sorted(f"item-{i}" for i in range(11))


@pytest.mark.parametrize("version", VERSIONS)
def test_collected_artifacts_and_artifact_iterators(workdir: Path, version: str) -> None:
    outcome = run(workdir, "collected_artifacts", version)
    merged = output(outcome, "merge-shards", "merged")
    assert merged == "shard 1\nshard 2\nshard 3\n"
    assert output(outcome, "merge-shards", "Output") == "3"
    assert output(outcome, "merge-shards-2", "merged") == "shard 10\nshard 20\n"
    reads = sorted(output(outcome, "read-shard", "Output", str(i)) for i in range(2))
    assert reads == ["shard 10\n", "shard 20\n"]


@pytest.mark.parametrize("version", VERSIONS)
def test_exit_handler_reports_the_groups_state(workdir: Path, version: str) -> None:
    ok = run(workdir, "exit_handler", version)
    assert "state: COMPLETE" in printed(ok, "report-status")
    assert printed(ok, "cleanup") == ["cleanup after: did not fail"]
    failing = run(workdir, "exit_handler", version, should_fail="true")
    assert failing.status == "Failed"
    assert "state: FAILED" in printed(failing, "report-status")
    assert "task: guarded" in printed(failing, "report-status")
    assert printed(failing, "cleanup") == ["cleanup after: upstream failed"], "ignore_upstream_failure + default"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("use_csv,kind", [("true", "csv"), ("false", "json")])
def test_oneof_artifact_reads_the_branch_that_ran(workdir: Path, version: str, use_csv: str, kind: str) -> None:
    outcome = run(workdir, "oneof_artifacts", version, use_csv=use_csv)
    assert output(outcome, "read-dataset", "Output") == kind


@pytest.mark.parametrize("version", VERSIONS)
def test_subpipeline_outputs_cross_dag_boundaries(workdir: Path, version: str) -> None:
    report = run(workdir, "subpipelines", version).results["report"]
    assert report.startswith("first trained on ") and " | second trained on " in report


@pytest.mark.parametrize("version", VERSIONS)
def test_python_types_round_trip(workdir: Path, version: str) -> None:
    outcome = run(workdir, "python_types", version)
    assert output(outcome, "produce", "out_str") == "HELLO"
    assert output(outcome, "produce", "out_bool") == "false"
    assert json.loads(output(outcome, "produce", "out_dict")) == {"nested": {"deep": [1, 2]}, "empty": {},
                                                                  "lr": 0.01}
    assert outcome.ran("consume") and outcome.ran("produce-2")


@pytest.mark.parametrize("version", VERSIONS)
def test_pipeline_placeholders_get_run_values(workdir: Path, version: str) -> None:
    outcome = run(workdir, "pipeline_placeholders", version)
    text = "\n".join(outcome.stdout(t) for t in outcome.states)
    assert "kfpc-run" in text and "uid-1234" in text


@pytest.mark.parametrize("version", VERSIONS)
def test_container_placeholders_render_argv(workdir: Path, version: str) -> None:
    outcome = run(workdir, "container_placeholders", version)
    assert all(state.status == "Succeeded" for state in outcome.states.values())


def test_retries_rerun_a_failing_task(workdir: Path, tmp_path: Path) -> None:
    manifest = kfpc.compile_file(str(GOLDEN / "retry_resources_env" / "pipeline.yaml"), backend="tekton",
                                 options=golden_options("retry_resources_env", "tekton")).documents[0]
    retried = [t for t in manifest["spec"]["pipelineSpec"]["tasks"] if t.get("retries")]
    assert sorted(t["retries"] for t in retried) == [1, 3]


def test_hello_container_parameter_override(workdir: Path) -> None:
    message = "hi $(params.message) $(context.pipelineRun.name) $$ $(HOME) 'q\" \\n"
    outcome = run(workdir, "hello_container", "v1", message=message.replace("$", "$(KFPC_D)"))
    assert outcome.stdout("echo") == message + "\n"
    plain = run(workdir, "hello_container", "v1", message="plain words")
    assert plain.stdout("echo") == "plain words\n"


def test_simulator_executes_the_packed_runtime_source() -> None:
    """The simulator runs the runtime rendered for local paths; the manifest carries the same
    program, packed: only the directory constants differ."""
    import base64
    import zlib

    from kfpc.runtime.generate import minified
    from kfpc_backends.tekton.runtime import generate, packed as tekton_packed

    packed = zlib.decompress(base64.b64decode(tekton_packed())).decode()
    assert packed == minified(generate.render())
    assert sys.version_info >= (3, 8)


@pytest.mark.parametrize("case,params", [("loops", {}), ("exit_handler", {"should_fail": "true"}),
                                         ("exit_handler", {}), ("conditions", {"seed": "42"}), ("subpipelines", {}),
                                         ("hostile_strings", {})])
def test_a_standalone_pipeline_started_elsewhere_runs_the_same_tasks(workdir: Path, case: str, params: dict) -> None:
    """`--kind template` started as `tkn pipeline start` would: no pod template, the runtime read from the
    file its first task writes into the run's volume (kinds.deliver_runtime)."""
    import tekton_checks

    from kfpc.backend import Options
    from kfpc.run_options import RunOptions

    extra = golden_options(case, "tekton")
    options = Options(run=RunOptions(kind="template"), extra=extra.extra if extra else ())
    pipeline, run_doc = kfpc.compile_file(str(GOLDEN / case / "pipeline.yaml"), backend="tekton",
                                          options=options).documents
    assert tekton_checks.runtime_file_order(pipeline["spec"]) == []
    started = {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"generateName": "by-tkn-"},
               "spec": {"pipelineSpec": pipeline["spec"], "workspaces": run_doc["spec"]["workspaces"]}}
    outcome = simulate(started, workdir / f"standalone-{case}-{len(params)}", params=params, version="v1")
    inline = run(workdir, case, "v1", **params)
    assert outcome.status == inline.status
    writer = pipeline["spec"]["tasks"][0]["name"]
    assert {k: v for k, v in ran(outcome).items() if k != writer} == ran(inline) and ran(outcome)[writer] == "Succeeded"
    assert json.dumps(outcome.results).replace(str(outcome.workspace), "WS") == \
        json.dumps(inline.results).replace(str(inline.workspace), "WS")


@pytest.mark.parametrize("kind", ["run", "template"])
def test_the_run_folder_is_group_writable_and_the_runtime_file_is_not(workdir: Path, kind: str) -> None:
    """Both kinds make the run's folder the same way, whichever step comes first: 2775, so each
    step's task folder inherits the group (setgid: the pod's fsGroup) and stays group-writable for
    steps running as other users in it; nothing is writable by others, and with `--kind template`
    the runtime's folder and file (which later steps, some as root, run) cannot be changed by them."""
    import stat

    from kfpc.backend import Options
    from kfpc.run_options import RunOptions

    documents = kfpc.compile_file(str(GOLDEN / "exit_handler" / "pipeline.yaml"), backend="tekton",
                                  options=Options(run=RunOptions(kind=kind))).documents
    run_doc = documents[-1]
    if kind == "template":
        run_doc = {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"generateName": "by-tkn-"},
                   "spec": {"pipelineSpec": documents[0]["spec"], "workspaces": run_doc["spec"]["workspaces"]}}
    outcome = simulate(run_doc, workdir / f"modes-{kind}", version="v1")
    assert outcome.status == "Succeeded"
    root = outcome.workspace / "uid-1234"

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(root) == 0o2775
    folders = [p for p in root.iterdir() if p.is_dir() and p.name != ".kfpc"]
    assert folders
    for folder in folders:
        assert mode(folder) & 0o2070 == 0o2070 and folder.stat().st_gid == root.stat().st_gid, folder
    assert not [p for p in root.rglob("*") if mode(p) & stat.S_IWOTH]
    if kind == "template":
        assert mode(root / ".kfpc") == 0o2755 and mode(root / ".kfpc" / "runtime") == 0o644
    else:
        assert not (root / ".kfpc").exists()
