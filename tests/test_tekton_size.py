"""Tekton's size limit: a PipelineRun holds its pipeline twice once running (spec and
status.pipelineSpec, where Tekton has substituted every parameter value into every task that uses
it), and etcd stores at most 1.5 MiB per object by default; kfpc refuses a run that cannot be
stored and says where the limit is. The stored form is tekton_sim.stored_run. (No `from
__future__ import annotations`: the kfp SDK reads the components' annotations as types.)"""

import base64
import json
from pathlib import Path

import pytest
import yaml
from tekton_sim import stored_run

import synthetic
from conftest import run_kfpc

LIMIT = 1572864  # etcd's default --max-request-bytes

dsl = pytest.importorskip("kfp.dsl")
compiler = pytest.importorskip("kfp.compiler")


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    work = tmp_path_factory.mktemp("ir")
    out = {}
    for n in (450, 700):
        out[n] = work / f"chain-{n}.yaml"
        out[n].write_text(yaml.safe_dump(synthetic.chain_ir(n, stride=10, name=f"chain-{n}")))
    return out


def stored_size(obj: dict) -> int:
    return len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())


@dsl.component(base_image="python:3.11-slim")
def use(s: str) -> int:
    return len(s)


def big_param_ir(tmp: Path, uses: int) -> Path:
    """A 40 KB string parameter read by `uses` tasks."""
    @dsl.pipeline(name="bigparam")
    def pipeline(big: str = "x" * 40000):
        for _ in range(uses):
            use(s=big)

    ir = tmp / "bigparam.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    return ir


def scheduled_run(cron: dict) -> dict:
    """The PipelineRun a `--kind cron` CronJob creates (kinds._scheduler)."""
    (container,) = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    spec = json.loads(next(e["value"] for e in container["env"] if e["name"] == "KFPC_SPEC"))
    return json.loads(base64.b64decode(spec["run"]))


def test_a_run_that_fits_once_running_is_written(chains: dict[int, Path]) -> None:
    proc = run_kfpc("compile", str(chains[450]), "-b", "tekton")
    assert proc.returncode == 0, proc.stderr
    (run,) = yaml.safe_load_all(proc.stdout)
    written = stored_size(run)
    assert written > LIMIT // 3  # big enough that the copy in the status matters
    assert stored_size(stored_run(run)) <= LIMIT


def test_a_run_too_large_to_store_once_running_is_refused(chains: dict[int, Path], tmp_path: Path) -> None:
    target = tmp_path / "run.yaml"
    proc = run_kfpc("compile", str(chains[700]), "-b", "tekton", "-o", str(target))
    assert proc.returncode == 1 and not target.exists()
    assert "KFPC400" in proc.stderr and "status.pipelineSpec" in proc.stderr and "1.5 MiB" in proc.stderr
    assert str(chains[700]) in proc.stderr and "--kind template" in proc.stderr and "Traceback" not in proc.stderr
    # the same pipeline as a Pipeline and a run referring to it holds the pipeline once: it fits
    proc = run_kfpc("compile", str(chains[700]), "-b", "tekton", "--kind", "template")
    assert proc.returncode == 0, proc.stderr
    pipeline, run = yaml.safe_load_all(proc.stdout)
    written = stored_size({**run, "spec": {**run["spec"], "pipelineSpec": pipeline["spec"]}})
    assert written - stored_size(run) > LIMIT // 2  # the inline form would not fit twice
    assert stored_size(stored_run(run, pipeline)) <= LIMIT and stored_size(pipeline) <= LIMIT


@pytest.mark.parametrize("kind", [["--kind", "template"], ["--kind", "cron", "--schedule", "@daily"]])
def test_a_standalone_pipeline_stores_the_runtime_once_per_run(chains: dict[int, Path], kind: list[str]) -> None:
    """Tekton substitutes params into every inline taskSpec before storing the spec in the status: the
    8 KiB runtime must not travel as a param each step reads (it once did: 450 tasks -> ~8 MB)."""
    proc = run_kfpc("compile", str(chains[450]), "-b", "tekton", *kind)
    assert proc.returncode == 0, proc.stderr
    pipeline, *rest = yaml.safe_load_all(proc.stdout)
    run = rest[0] if rest[0]["kind"] == "PipelineRun" else scheduled_run(rest[-1])
    running = stored_run(run, pipeline)
    added = stored_size(running) - stored_size(run) - stored_size(pipeline["spec"])
    assert 0 < added < 80 * 1024, added  # the child references and context values, not a runtime per task
    assert stored_size(running) < LIMIT


def test_parameter_values_are_measured_as_tekton_substitutes_them(tmp_path: Path) -> None:
    ir = big_param_ir(tmp_path, 40)
    target = tmp_path / "run.yaml"
    for kind in (["--kind", "run"], ["--kind", "template"], ["--kind", "cron", "--schedule", "@daily"]):
        proc = run_kfpc("compile", str(ir), "-b", "tekton", "-o", str(target), *kind)
        assert proc.returncode == 1 and not target.exists(), kind
        assert "KFPC400" in proc.stderr and "parameter values" in proc.stderr and "artifact" in proc.stderr
    # a small -p value is what the run carries: it fits
    proc = run_kfpc("compile", str(ir), "-b", "tekton", "-p", "big=small")
    assert proc.returncode == 0, proc.stderr


def test_the_estimate_covers_what_tekton_stores(tmp_path: Path) -> None:
    from kfpc_backends.tekton import limits

    proc = run_kfpc("compile", str(big_param_ir(tmp_path, 31)), "-b", "tekton")
    assert proc.returncode == 0, proc.stderr
    (run,) = yaml.safe_load_all(proc.stdout)
    actual = stored_size(stored_run(run))
    assert actual > 0.8 * LIMIT and stored_size(run) < LIMIT // 8  # nearly all of it is substituted values
    assert limits.check([run]) and "close to the 1.5 MiB" in limits.check([run])[0]
    estimate = stored_size(run) + stored_size(limits.resolve(run["spec"]["pipelineSpec"], run, None))
    assert abs(estimate - (actual - stored_size(stored_run(run)["status"]["childReferences"]))) < 2048

    spec = {"tasks": [{"name": f"task-{i}", "taskSpec": {"steps": [{"name": "main", "image": "python",
                                                                    "args": ["x" * 2000]}]}} for i in range(400)]}
    run = {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"generateName": "p-"},
           "spec": {"pipelineSpec": spec}}
    assert stored_size(stored_run(run)) > LIMIT
    with pytest.raises(Exception, match="over the 1.5 MiB"):
        limits.check([run])
    spec["tasks"] = spec["tasks"][:330]
    assert stored_size(stored_run(run)) > 0.8 * LIMIT
    assert limits.check([run]) and "close to the 1.5 MiB" in limits.check([run])[0]


def test_child_references_count_matrix_runs_and_display_names() -> None:
    from kfpc_backends.tekton import limits

    task = {"name": "fan", "displayName": "d" * 200, "matrix": {"params": [{"name": "k", "value": [str(i) for i in
                                                                                            range(200)]}]},
            "taskSpec": {"steps": [{"name": "main", "image": "python"}]}}
    run = {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"generateName": "p-"},
           "spec": {"pipelineSpec": {"tasks": [{**task, "name": f"fan-{i}"} for i in range(30)]}}}
    actual = stored_size(stored_run(run))
    assert actual > LIMIT  # 6000 TaskRuns, each listed with its display name
    with pytest.raises(Exception, match="over the 1.5 MiB"):
        limits.check([run])


@dsl.component(base_image="python:3.11-slim")
def listed(n: int) -> list:
    return list(range(n))


def looped_chain_ir(tmp: Path, over_output: bool) -> Path:
    """A 31-task chain inside a loop over a 250-item parameter default, or over a task's output."""
    @dsl.pipeline(name="loop-chain")
    def pipeline(items: list = list(range(250))):  # noqa: B006 (the pipeline parameter's default)
        source = listed(n=250).output if over_output else items
        with dsl.ParallelFor(source):
            step = use(s="x")
            for _ in range(30):
                step = use(s=str(step.output))

    ir = tmp / f"loop-chain-{over_output}.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    return ir


def test_a_loop_over_a_known_list_counts_one_task_run_per_item(tmp_path: Path) -> None:
    """Tekton lists every TaskRun of a Matrix (pipelinerunstate.go:276-305 @v1.15.0), also one fanned
    out over a gate task's keys: a parameter's 250 items times 31 tasks is over the limit."""
    ir = looped_chain_ir(tmp_path, over_output=False)
    target = tmp_path / "run.yaml"
    for kind in ("run", "template"):
        proc = run_kfpc("compile", str(ir), "-b", "tekton", "--kind", kind, "-o", str(target))
        assert proc.returncode == 1 and not target.exists() and "KFPC400" in proc.stderr, (kind, proc.stderr)
    proc = run_kfpc("compile", str(ir), "-b", "tekton", "-p", "items=[1,2,3]")
    assert proc.returncode == 0 and "1.5 MiB" not in proc.stderr, proc.stderr


def test_a_loop_over_values_computed_at_run_time_is_warned_about_at_tektons_cap(tmp_path: Path) -> None:
    """Its length is unknown until the run: not refused, but warned about at 256 iterations
    (default-max-matrix-combinations-count, pkg/apis/config/default.go:46 @v1.15.0)."""
    proc = run_kfpc("compile", str(looped_chain_ir(tmp_path, over_output=True)), "-b", "tekton")
    assert proc.returncode == 0, proc.stderr
    assert "loops over values computed at run time: with 256 each" in proc.stderr
