"""What the Tekton webhook admits: standalone Pipelines (`--kind template`, `--kind cron`) on every
supported version, as tests/tekton_checks.py checks them. (No `from __future__ import annotations`:
the kfp SDK reads the components' annotations as types.)"""

from pathlib import Path

import pytest
import tekton_checks

import kfpc
from conftest import GOLDEN
from kfpc.backend import Options
from kfpc.run_options import RunOptions

dsl = pytest.importorskip("kfp.dsl")
compiler = pytest.importorskip("kfp.compiler")


def compile_kind(ir: Path, kind: str, **run: str) -> list[dict]:
    options = Options(run=RunOptions(kind=kind, **run))
    return kfpc.compile_file(str(ir), backend="tekton", options=options).documents


@dsl.container_component
def say(message: str):
    return dsl.ContainerSpec(image="alpine:3.19", command=["echo"], args=[message])


@dsl.component(base_image="python:3.11-slim")
def seeded(seed: int) -> int:
    return seed


def test_the_v059_rule_catches_a_step_using_an_undeclared_pipeline_param() -> None:
    pipeline = {"kind": "Pipeline", "spec": {"params": [{"name": "seed", "type": "string"}], "tasks": [
        {"name": "t", "taskSpec": {"steps": [{"name": "s", "image": "x", "args": ["$(params.seed)"]}]}}]}}
    assert tekton_checks.standalone_pipeline(pipeline, "v0.59")
    assert tekton_checks.standalone_pipeline(pipeline, "v1") == []


@pytest.mark.parametrize("kind", ["template", "cron"])
def test_standalone_pipelines_declare_every_param_their_task_specs_use(tmp_path: Path, kind: str) -> None:
    @dsl.pipeline(name="standalone")
    def pipeline(message: str = "hi", seed: int = 3):
        say(message=message)
        seeded(seed=seed)
        with dsl.ExitHandler(say(message=message).set_display_name("bye")):
            seeded(seed=seed)

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    run = {"schedule": "0 2 * * *"} if kind == "cron" else {}
    documents = compile_kind(ir, kind, **run)
    pipeline_doc = documents[0]
    assert pipeline_doc["kind"] == "Pipeline"
    used = [t for t in pipeline_doc["spec"]["tasks"] + pipeline_doc["spec"].get("finally", [])
            if "$(params.message)" in str(t["taskSpec"]["steps"])]
    assert used, "the container's step reads the pipeline param"
    for task in used:
        assert {"name": "message", "value": "$(params.message)"} in task["params"]
        assert {"name": "message", "type": "string"} in task["taskSpec"]["params"]
    assert tekton_checks.problems_all(documents) == []
    assert tekton_checks.standalone_pipeline(pipeline_doc, "v0.59") == []


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN.iterdir() if (p / "pipeline.yaml").is_file()))
def test_every_golden_pipeline_is_admitted_as_a_standalone_pipeline(case: str) -> None:
    from conftest import golden_options
    from kfpc.errors import UnsupportedError

    extra = golden_options(case, "tekton")
    options = Options(run=RunOptions(kind="template"), extra=extra.extra if extra else ())
    try:
        documents = kfpc.compile_file(str(GOLDEN / case / "pipeline.yaml"), backend="tekton", options=options).documents
    except UnsupportedError:
        pytest.skip("not compiled for Tekton")
    assert tekton_checks.standalone_pipeline(documents[0], "v0.59") == []


@dsl.component(base_image="python:3.11-slim")
def maybe_fail(fail: bool) -> str:
    if fail:
        raise RuntimeError("boom")
    return "made"


@dsl.container_component
def report(text: str = "default"):
    return dsl.ContainerSpec(image="alpine:3.19", command=["echo"], args=[text])


@dsl.component(base_image="python:3.11-slim")
def report_py(text: str = "default") -> str:
    print("got", text)
    return text


def test_a_container_reading_a_failed_tasks_output_in_finally_is_refused(tmp_path: Path) -> None:
    """Tekton substitutes results only of tasks that succeeded into a finally task; the container
    would see `$(tasks.maybe-fail.results...)` literally instead of the input's default."""
    from kfpc.errors import UnsupportedError

    @dsl.pipeline(name="finally-reads-failed")
    def pipeline(fail: bool = True):
        report(text=maybe_fail(fail=fail).output).ignore_upstream_failure()

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    with pytest.raises(UnsupportedError) as err:
        compile_kind(ir, "run")
    text = err.value.diagnostics[0].render()
    assert "maybe-fail" in text and "default" in text and "Python component" in text


def test_a_python_component_in_finally_gets_the_default_of_a_failed_tasks_output(tmp_path: Path) -> None:
    from tekton_sim import simulate

    @dsl.pipeline(name="finally-default")
    def pipeline(fail: bool = True):
        report_py(text=maybe_fail(fail=fail).output).ignore_upstream_failure()

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    (run,) = compile_kind(ir, "run")
    for version in ("v1", "v0.59"):
        failed = simulate(run, tmp_path / f"f-{version}", version=version)
        assert failed.status == "Failed" and "got default" in failed.stdout("report-py")
        ok = simulate(run, tmp_path / f"ok-{version}", version=version, params={"fail": "false"})
        assert ok.status == "Succeeded" and "got made" in ok.stdout("report-py")


def test_no_pipeline_output_can_fail_the_run_after_its_tasks_succeeded(tmp_path: Path) -> None:
    """Tekton fails a finished run whose pipeline result names a result that a task which succeeded did
    not write (CouldntGetPipelineResult; tekton_sim raises it). Here a sub-pipeline's OneOf over branches:
    kfp requires an Else, so some branch always writes it (a pipeline output cannot be a parameter)."""
    from tekton_sim import simulate

    @dsl.component(base_image="python:3.11-slim")
    def pick(x: str) -> str:
        return x

    @dsl.pipeline(name="branches")
    def branches(flag: str) -> str:
        with dsl.If(flag == "a"):
            first = pick(x="a")
        with dsl.Else():
            second = pick(x="other")
        return dsl.OneOf(first.output, second.output)

    @dsl.pipeline(name="maybe-outputs")
    def pipeline(flag: str = "no") -> str:
        return branches(flag=flag).output

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    (run,) = compile_kind(ir, "run")
    assert run["spec"]["pipelineSpec"]["results"]
    for flag, expected in (("a", "a"), ("no", "other")):
        for version in ("v1", "v0.59"):
            outcome = simulate(run, tmp_path / f"{flag}-{version}", version=version, params={"flag": flag})
            assert outcome.status in ("Succeeded", "Completed")
            assert list(outcome.results.values()) == [expected]


def test_a_value_task_for_a_pipeline_result_always_writes_it(tmp_path: Path) -> None:
    """A helper that computes a pipeline result writes it even when the value does not exist."""
    import json
    import os
    import subprocess
    import sys

    from kfpc_backends.tekton.runtime import generate

    results = tmp_path / "results"
    results.mkdir()
    source = generate.render(workspace=str(tmp_path / "ws"), results_dir=str(results))
    env = {**os.environ, "KFPC_SPEC": json.dumps({"v": ["f", "gone", "Output", 0, []], "raw": 1})}
    done = subprocess.run([sys.executable, "-c", source, "value"], env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert (results / "v").read_text("utf-8") == ""


def test_a_pipeline_too_large_for_client_side_apply_is_warned_about() -> None:
    wide = kfpc.compile_file(str(GOLDEN / "wide_dag" / "pipeline.yaml"), backend="tekton",
                             options=Options(run=RunOptions(kind="template")))
    assert any("kubectl apply --server-side" in w and "256 KiB" in w for w in wide.warnings)
    small = kfpc.compile_file(str(GOLDEN / "hello_container" / "pipeline.yaml"), backend="tekton",
                              options=Options(run=RunOptions(kind="template")))
    assert not any("server-side" in w for w in small.warnings)


def test_each_import_that_is_not_downloaded_is_warned_about(tmp_path: Path) -> None:
    @dsl.component(base_image="python:3.11-slim")
    def size(data: dsl.Input[dsl.Dataset]) -> str:
        return data.uri

    @dsl.pipeline(name="imports")
    def pipeline(uri: str = "s3://bucket/b.csv"):
        size(data=dsl.importer(artifact_uri="gs://bucket/a.csv", artifact_class=dsl.Dataset).output)
        size(data=dsl.importer(artifact_uri=uri, artifact_class=dsl.Dataset).output)
        size(data=dsl.importer(artifact_uri="https://example.com/c.csv", artifact_class=dsl.Dataset).output)

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    warnings = kfpc.compile_file(str(ir), backend="tekton").warnings
    found = [w for w in warnings if "downloads nothing" in w]
    assert len(found) == 2 and any("gs://bucket/a.csv" in w for w in found) and any("s3://" in w for w in found)


@pytest.mark.parametrize("version", ["v0.59", "v1.9", "v1.11", "v1.15"])
@pytest.mark.parametrize("case", ["loops", "exit_handler", "conditions"])
def test_no_task_run_stops_at_tektons_default_timeout_on_any_version(case: str, version: str) -> None:
    """Before v1.11 a PipelineRun's timeouts never reach its TaskRuns (60-minute default); from v1.11
    `timeouts.tasks`/`finally` do, but a task's own timeout still wins: kfpc's `timeout: 0s` on every
    task means the same on every version, and `--timeout` sets each task's."""
    from tekton_sim import task_run_timeout

    for options, expected in ((Options(), "0s"), (Options(run=RunOptions(timeout="30m", pipeline_timeout="2h")), "30m")):
        run = kfpc.compile_file(str(GOLDEN / case / "pipeline.yaml"), backend="tekton", options=options).documents[0]
        spec = run["spec"]["pipelineSpec"]
        for task in spec["tasks"] + spec.get("finally", []):
            assert task_run_timeout(run, task["name"], version) == expected, task["name"]


def test_the_timeout_model_follows_the_v1_11_change() -> None:
    from tekton_sim import task_run_timeout

    run = {"spec": {"pipelineSpec": {"tasks": [{"name": "t"}]}, "timeouts": {"tasks": "0s"}}}
    assert task_run_timeout(run, "t", "v1.9") == "60m"
    assert task_run_timeout(run, "t", "v1.11") == "0s"
    run["spec"]["timeouts"] = {"pipeline": "0s"}
    assert task_run_timeout(run, "t", "v1.15") == "60m", "timeouts.pipeline is not passed down"


def test_the_v114_rule_catches_unknown_variables_in_when_and_params() -> None:
    spec = {"tasks": [{"name": "t", "params": [{"name": "p", "value": "a$(KFPC_D)b"}],
                       "when": [{"input": "$(params.x)", "operator": "in", "values": ["$(KFPC_D)5"]}],
                       "taskSpec": {"steps": [{"name": "s", "args": ["$(KFPC_D)"]}]}}]}
    found = tekton_checks.variable_prefixes(spec)
    assert len(found) == 2 and all("$(KFPC_D)" in f for f in found)


@pytest.mark.parametrize("price, ran", [("$5", True), ("5", False)])
def test_dollar_literals_in_conditions_admit_on_v114(tmp_path: Path, price: str, ran: bool) -> None:
    """`$` of user text is `$(KFPC_D)`, which Tekton v1.14+ refuses in `when` values and pipeline task
    params: comparisons with such literals go through a condition task, and display names keep their `$`."""
    import tekton_sim

    @dsl.component(base_image="python:3.11-slim")
    def cost(p: str) -> str:
        return p

    @dsl.pipeline(name="dollars")
    def pipeline(price: str = "$5"):
        with dsl.If(price == "$5"):
            say(message="cheap").set_display_name("costs $(price) $HOME")
        with dsl.If(cost(p=price).output != "$(x)"):
            say(message="any")

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    run = kfpc.compile_file(str(ir), backend="tekton").documents[0]
    assert tekton_checks.problems(run) == []
    shown = [t.get("displayName", "") for t in run["spec"]["pipelineSpec"]["tasks"]]
    assert "costs $\u2060(price) $HOME" in shown
    outcome = tekton_sim.simulate(run, tmp_path / "run", params={"price": price.replace("$", "$(KFPC_D)")})
    assert outcome.status in ("Succeeded", "Completed")
    says = [t for t in outcome.states if t.startswith("say") and outcome.ran(t)]
    assert len(says) == (2 if ran else 1), outcome.states


@pytest.mark.parametrize("value, ok", [("$", True), ("USD", False)])
def test_literal_values_with_a_dollar_are_checked_in_the_pod(tmp_path: Path, value: str, ok: bool) -> None:
    import tekton_sim
    import yaml

    fixture = Path(__file__).parent / "ir_fixtures" / "literal_input.yaml"
    doc = yaml.safe_load(fixture.read_text("utf-8"))
    doc["root"]["inputDefinitions"]["parameters"]["environment"]["literals"] = ["$", "$(x)", "dev"]
    run = kfpc.compile_text(yaml.safe_dump(doc), backend="tekton").documents[0]
    assert tekton_checks.problems(run) == []
    outcome = tekton_sim.simulate(run, tmp_path, params={"environment": value.replace("$", "$(KFPC_D)")})
    assert (outcome.status != "Failed") == ok and outcome.ran("consumer") == ok


@dsl.component(base_image="python:3.11-slim")
def shout(word: str) -> str:
    return word.upper()


def test_a_standalone_pipeline_runs_without_kfpcs_pipeline_run(tmp_path: Path) -> None:
    """`tkn pipeline start`, the Dashboard or Triggers create a PipelineRun of their own: with no pod
    template env the steps must still find the runtime and `KFPC_D` (pkg/pod/pod.go:316-326 @v1.15.0)."""
    import tekton_sim

    @dsl.pipeline(name="standalone-run")
    def pipeline(word: str = "a$b"):
        say(message=shout(word=word).output)
        say(message="costs $5")

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    pipeline_doc, run_doc = compile_kind(ir, "template")
    assert tekton_checks.standalone_pipeline(pipeline_doc, "v0.59") == []
    started = {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"generateName": "by-tkn-"},
               "spec": {"pipelineSpec": pipeline_doc["spec"], "workspaces": run_doc["spec"]["workspaces"]}}
    assert tekton_checks.problems(started) == []
    for version in ("v1", "v0.59"):
        outcome = tekton_sim.simulate(started, tmp_path / version, version=version)
        assert outcome.status == "Succeeded", outcome.states
        printed = sorted(outcome.stdout(t) for t in outcome.states if t.startswith("say"))
        assert printed == ["A$B\n", "costs $5\n"]
    assert "env" not in run_doc["spec"].get("taskRunTemplate", {}).get("podTemplate", {}), "no second copy"


def started_by_tkn(pipeline_doc: dict, run_doc: dict) -> dict:
    """The PipelineRun `tkn pipeline start` creates: the Pipeline's spec, the workspace, nothing of kfpc's."""
    return {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"generateName": "by-tkn-"},
            "spec": {"pipelineSpec": pipeline_doc["spec"], "workspaces": run_doc["spec"]["workspaces"]}}


@dsl.component(base_image="python:3.11-slim")
def bye(status: dsl.PipelineTaskFinalStatus) -> str:
    print("exit", status.state)
    return status.state


def runtime_everywhere(tmp_path: Path) -> tuple[dict, dict]:
    @dsl.pipeline(name="runtime-everywhere")
    def pipeline(word: str = "a$b", n: int = 2):
        with dsl.ExitHandler(bye()):
            say(message="no runtime")
            with dsl.ParallelFor(["x", "y"]) as item:
                shout(word=item)
            with dsl.If(n > 1):
                say(message=shout(word=word).output)

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    pipeline_doc, run_doc = compile_kind(ir, "template")
    return pipeline_doc, run_doc


def test_a_standalone_pipeline_carries_the_runtime_once_and_every_step_finds_it(tmp_path: Path) -> None:
    """Tekton substitutes params into every inline taskSpec before it stores the spec in the run's status
    (apply.go:594 @v1.15.0): the runtime is written into the run's volume by a first task, once, and every
    step that runs it (loops, conditions, finally) waits for that task."""
    import json

    import tekton_sim

    from kfpc_backends.tekton.runtime import packed as tekton_packed

    pipeline_doc, run_doc = runtime_everywhere(tmp_path)
    assert json.dumps(pipeline_doc).count(tekton_packed()) == 1
    assert "$(params.kfpc-runtime)" not in json.dumps(pipeline_doc)
    started = started_by_tkn(pipeline_doc, run_doc)
    assert tekton_checks.problems(started) == [] and tekton_checks.problems_all([pipeline_doc, run_doc]) == []
    for version in ("v1", "v0.59"):
        outcome = tekton_sim.simulate(started, tmp_path / version, version=version)
        assert outcome.status == "Succeeded", outcome.states
        printed = sorted(outcome.stdout(t) for t in outcome.states if t.startswith("say"))
        assert printed == ["A$B\n", "no runtime\n"]
        assert "exit COMPLETE" in "".join(outcome.stdout(t) for t in outcome.states)


def test_no_step_runs_the_runtime_when_the_task_writing_it_failed(tmp_path: Path) -> None:
    import tekton_sim

    pipeline_doc, run_doc = runtime_everywhere(tmp_path)
    writer = pipeline_doc["spec"]["tasks"][0]
    writer["taskSpec"]["steps"][0]["command"] = ["python3", "-c", "import sys; sys.exit(3)"]
    outcome = tekton_sim.simulate(started_by_tkn(pipeline_doc, run_doc), tmp_path / "run")
    assert outcome.status == "Failed" and outcome.states[writer["name"]].status == "Failed"
    tasks = {t["name"]: t for t in pipeline_doc["spec"]["tasks"] + pipeline_doc["spec"]["finally"]}
    ran = {t for t, s in outcome.states.items() if s.status != "None"} - {writer["name"]}
    assert ran == {"say"} and ".kfpc/runtime" not in str(tasks["say"]), outcome.states  # a plain container
    assert all(outcome.states[t["name"]].reason == "WhenExpressionsSkip" for t in pipeline_doc["spec"]["finally"])
    for name, state in outcome.states.items():
        for run in state.runs:
            assert not any("FileNotFoundError" in err or "KFPC_RT" in err for _, _, _, err in run.steps), name


def test_the_runtime_check_catches_a_step_that_does_not_wait_for_it(tmp_path: Path) -> None:
    pipeline_doc, _ = runtime_everywhere(tmp_path)
    spec = pipeline_doc["spec"]
    for task in spec["tasks"]:
        task["runAfter"] = [d for d in task.get("runAfter", []) if d != spec["tasks"][0]["name"]]
    spec["finally"][0]["when"] = []
    found = tekton_checks.runtime_file_order(spec)
    assert any("without waiting" in f for f in found) and any("even when" in f for f in found)


@dsl.component(base_image="python:3.11-slim")
def show(s: str) -> str:
    print(repr(s))
    return s


@pytest.mark.parametrize("kind", ["run", "template"])
def test_text_that_looks_like_kfpcs_dollar_reaches_the_task_as_written(tmp_path: Path, kind: str) -> None:
    """`$` travels as `$(KFPC_D)`, which the runtime turns back into `$` once. The kubelet expands
    `$(KFPC_D)` in an env value only when KFPC_D is defined before it
    (kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables):
    a runtime step's KFPC_D must come after the values, as the pod template's does in `--kind run`
    (pkg/pod/pod.go:321-325 @v1.15.0), or the value is decoded twice."""
    import tekton_sim

    text = "cost: $(KFPC_D) and $(HOME)"

    @dsl.pipeline(name="dd")
    def pipeline(p: str = text):
        show(s=p)

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    documents = compile_kind(ir, kind)
    run = documents[0] if kind == "run" else started_by_tkn(*documents)
    for name, value in (("default", None), ("given", text + " $5")):
        params = {"p": value.replace("$", "$(KFPC_D)")} if value else {}
        outcome = tekton_sim.simulate(run, tmp_path / f"{kind}-{name}", params=params)
        assert outcome.status == "Succeeded", outcome.states
        assert repr(value or text) in outcome.stdout("show").splitlines()


@pytest.mark.parametrize("version", ["v1", "v0.59"])
def test_a_literal_check_that_fails_keeps_exit_tasks_from_running(tmp_path: Path, version: str) -> None:
    """KFP refuses a run whose dsl.Literal parameter is not allowed before anything starts; on Tekton the
    check is a task, and finally tasks run whatever failed (pipelinerunstate.go:504-519 @v1.15.0)."""
    import tekton_sim
    import yaml

    @dsl.pipeline(name="literal-exit")
    def pipeline(mode: str = "a"):
        with dsl.ExitHandler(bye()):
            shout(word=mode)

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    doc = yaml.safe_load(ir.read_text("utf-8"))  # the kfp SDK here writes no dsl.Literal for pipeline inputs
    doc["root"]["inputDefinitions"]["parameters"]["mode"]["literals"] = ["a", "b"]
    ir.write_text(yaml.safe_dump(doc), "utf-8")
    for kind in ("run", "template"):
        documents = compile_kind(ir, kind)
        run = documents[0] if kind == "run" else started_by_tkn(*documents)
        assert tekton_checks.problems(run) == []
        bad = tekton_sim.simulate(run, tmp_path / f"{kind}-bad", params={"mode": "c"}, version=version)
        assert bad.status == "Failed" and not bad.ran("shout"), bad.states
        assert not any(bad.ran(t["name"]) for t in run["spec"]["pipelineSpec"]["finally"]), bad.states
        good = tekton_sim.simulate(run, tmp_path / f"{kind}-good", params={"mode": "b"}, version=version)
        assert good.ran("shout") and "exit COMPLETE" in "".join(good.stdout(t) for t in good.states)


def written_runtime(step: dict, volume: Path) -> None:
    """Run the writer step's program as its pod would, with the run's volume at `volume`."""
    import subprocess
    import sys

    from kfpc_backends.tekton.sources import RUN_ROOT

    args = [a.replace(RUN_ROOT, str(volume / "uid")) for a in step["args"]]
    env = {e["name"]: e["value"] for e in step["env"]}
    assert step["command"][:2] == ["python3", "-c"]
    subprocess.run([sys.executable, *step["command"][1:], *args], env=env, capture_output=True, check=True)


def test_the_writer_makes_the_run_folder_for_the_pods_group_and_keeps_the_runtime_its_own(tmp_path: Path) -> None:
    """The writer runs as root; the steps may not (a component's runAsUser). The run folder it makes
    is group-writable and setgid (2775), as the first runtime step makes it in `--kind run`: task
    folders belong to the pod's fsGroup. The runtime's folder and file (2755, 0644) are not
    writable by the steps that run it. Retried, it writes the same file."""
    import stat

    from kfpc_backends.tekton.runtime import packed as tekton_packed

    pipeline_doc, _ = runtime_everywhere(tmp_path)
    writer = pipeline_doc["spec"]["tasks"][0]
    volume = tmp_path / "volume"
    volume.mkdir()
    made = [volume / "uid", volume / "uid" / ".kfpc", volume / "uid" / ".kfpc" / "runtime"]
    for _attempt in range(2):
        written_runtime(writer["taskSpec"]["steps"][0], volume)
        assert [oct(stat.S_IMODE(p.stat().st_mode)) for p in made] == [oct(0o2775), oct(0o2755), oct(0o644)]
        assert (made[1] / "runtime").read_text() == tekton_packed()
        assert sorted(p.name for p in made[1].iterdir()) == ["runtime"]
    assert writer["retries"] == 2


@dsl.component(base_image="python:3.11-slim")
def kfpc_runtime(x: str) -> str:
    return x


def named_container(name: str):
    def component(x: str):
        return dsl.ContainerSpec(image="alpine:3.19", command=["echo"], args=[x])
    component.__name__ = component.__qualname__ = name
    return dsl.container_component(component)


def test_the_runtime_task_takes_a_name_no_task_has(tmp_path: Path) -> None:
    """Tasks named like the runtime task and the names it would fall back to (KFP names a
    component's second and third task `-2`, `-3`)."""
    clashing = [kfpc_runtime] * 3 + [named_container(f"kfpc_runtime_{c}") for c in "abcdefgh"]

    @dsl.pipeline(name="clash")
    def pipeline():
        for component in clashing:
            component(x="1")

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    pipeline_doc, _ = compile_kind(ir, "template")
    names = [t["name"] for t in pipeline_doc["spec"]["tasks"]]
    assert {"kfpc-runtime-a", "kfpc-runtime-h", "kfpc-runtime-3"} <= set(names)
    assert len(set(names)) == len(names) == 12 and names[0] == "kfpc-runtime-4"
    assert tekton_checks.runtime_file_order(pipeline_doc["spec"]) == []
