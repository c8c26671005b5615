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


def test_a_loop_over_values_computed_at_run_time_is_warned_about_at_what_its_gate_can_list(tmp_path: Path) -> None:
    """Its length is unknown until the run: not refused, but warned about at the 508 keys its gate's
    4096-byte result can hold (Tekton's 256 cap applies to a literal Matrix only, matrix_types.go:307-314
    @v1.15.0)."""
    proc = run_kfpc("compile", str(looped_chain_ir(tmp_path, over_output=True)), "-b", "tekton")
    assert proc.returncode == 0, proc.stderr
    assert "as many as the gate task's result can list (about 508 for one loop)" in proc.stderr
    assert "256" not in proc.stderr


def constant_loop_ir(tmp: Path, loops: int, items: int) -> Path:
    """`loops` loops over a constant list of `items` numbers: above 256 a gate task lists the keys."""
    @dsl.pipeline(name="wide-constant-loops")
    def pipeline():
        for i in range(loops):
            with dsl.ParallelFor(list(range(items))) as item:
                use(s=str(item)).set_display_name(f"iteration-of-loop-number-{i}-with-a-descriptive-display-name")

    ir = tmp / f"loops-{loops}x{items}.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    return ir


def gate_spec(documents: list[dict]) -> dict:
    (gate,) = [t for d in documents if d.get("kind") == "PipelineRun"
               for t in d["spec"]["pipelineSpec"]["tasks"] if t["name"].startswith("gate-")]
    (step,) = gate["taskSpec"]["steps"]
    return json.loads(next(e["value"] for e in step["env"] if e["name"] == "KFPC_SPEC"))


def test_a_constant_loop_too_wide_for_its_gate_result_is_refused(tmp_path: Path) -> None:
    """Tekton caps only a literal Matrix (matrix_types.go:307-314 @v1.15.0); a Matrix over a gate's
    result fans out over all of it, but the gate's `keys` result must fit a 4096-byte termination
    message (pkg/termination/write.go:35,103-105 @v1.15.0): 508 keys do, 509 do not. The runtime's
    gate, given the compiled spec, agrees with the compiler on that edge."""
    from kfpc_backends.tekton import gate_keys

    from tekton_sim import runtime_functions

    target = tmp_path / "run.yaml"
    fits = run_kfpc("compile", str(constant_loop_ir(tmp_path, 1, 508)), "-b", "tekton", "-o", str(target))
    assert fits.returncode == 0 and "gate" not in fits.stderr, fits.stderr
    spec = gate_spec(list(yaml.safe_load_all(target.read_text())))
    for items, refused in ((508, False), (509, True), (9000, True)):
        if items != 508:
            proc = run_kfpc("compile", str(constant_loop_ir(tmp_path, 1, items)), "-b", "tekton", "-o",
                            str(tmp_path / "refused.yaml"))
            assert proc.returncode == 1 and "KFPC400" in proc.stderr and "Traceback" not in proc.stderr
            assert f"has {items:,} iterations" in proc.stderr and "'use'" in proc.stderr, proc.stderr
            assert not (tmp_path / "refused.yaml").exists()
        rt = runtime_functions(results_dir=str(tmp_path / f"results-{items}"))
        (tmp_path / f"results-{items}").mkdir()
        rt["SPEC"] = {**spec, "L": [["P", ["c", list(range(items))]]]}
        if refused:
            with pytest.raises(SystemExit):
                rt["gate"]([])
        else:
            rt["gate"]([])
            assert len(json.loads((tmp_path / "results-508" / "keys").read_text())) == 508
    assert gate_keys.capacity(1, 2) == 508


def test_wide_constant_loops_count_every_iteration(tmp_path: Path) -> None:
    """A Matrix over a gate's result makes one TaskRun per key, beyond the 256 Tekton checks on a
    literal Matrix (pipelinerunresolution.go:728-732 @v1.15.0): four 500-item loops are estimated
    as Tekton would store them once every key is known; sixteen are over etcd's limit."""
    from kfpc_backends.tekton import limits

    target = tmp_path / "run.yaml"
    proc = run_kfpc("compile", str(constant_loop_ir(tmp_path, 4, 500)), "-b", "tekton", "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    (run,) = [d for d in yaml.safe_load_all(target.read_text()) if d["kind"] == "PipelineRun"]
    # The keys the gates publish, substituted as Tekton does once the gates have run.
    literal = json.loads(json.dumps(run).replace(
        '"$(tasks.gate-use', '"KEYS$(tasks.gate-use'))
    for task in literal["spec"]["pipelineSpec"]["tasks"]:
        for param in task.get("matrix", {}).get("params", []):
            if param["value"].startswith("KEYS"):
                param["value"] = [str(i) for i in range(500)]
    real = stored_run(run)
    real["status"]["childReferences"] = stored_run(literal)["status"]["childReferences"]
    assert len(real["status"]["childReferences"]) == 4 * 500 + 1  # the loops share one gate (the same list)
    estimate = limits.size(run) + limits.size(limits.resolve(run["spec"]["pipelineSpec"], run, None)) + \
        limits._child_references(run, limits.resolve(run["spec"]["pipelineSpec"], run, None)) + limits.STATUS_BASE
    assert abs(estimate - stored_size(real)) < 0.02 * stored_size(real), (estimate, stored_size(real))
    proc = run_kfpc("compile", str(constant_loop_ir(tmp_path, 16, 500)), "-b", "tekton", "-o", str(target.with_name("x")))
    assert proc.returncode == 1 and "KFPC400" in proc.stderr and "over the 1.5 MiB" in proc.stderr, proc.stderr


@dsl.container_component
def shout(word: str):
    return dsl.ContainerSpec(image="alpine:3.19", command=["echo"], args=[word])


def container_loop_ir(tmp: Path, words: list[str]) -> Path:
    @dsl.pipeline(name="container-loop")
    def pipeline():
        with dsl.ParallelFor(words) as word:
            shout(word=word)

    ir = tmp / f"words-{len(words)}.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    return ir


def test_a_container_loop_counts_the_values_its_gate_publishes_too(tmp_path: Path) -> None:
    """A container component fanned out over loop items receives them from the gate's `vals`
    result, in the same 4096-byte message as the keys: 250 short words fit as keys alone but not
    with their values. The runtime's gate agrees on both sides."""
    from tekton_sim import runtime_functions

    for items, refused in ((200, False), (250, True)):
        words = [f"w{i:03d}" for i in range(items)]

        ir = container_loop_ir(tmp_path, words)
        target = tmp_path / f"words-{items}.tekton.yaml"
        proc = run_kfpc("compile", str(ir), "-b", "tekton", "-o", str(target))
        assert proc.returncode == (1 if refused else 0), proc.stderr
        spec = {"L": [["P", ["c", words]]], "v": ["i", 0, []]}
        if not refused:
            spec = gate_spec(list(yaml.safe_load_all(target.read_text())))
            assert spec["v"] == ["i", 0, []] and spec["L"] == [["P", ["c", words]]]
        else:
            assert f"has {items} iterations" in proc.stderr and not target.exists()
        results = tmp_path / f"results-{items}"
        results.mkdir()
        rt = runtime_functions(results_dir=str(results))
        rt["SPEC"] = spec
        if refused:
            with pytest.raises(SystemExit):
                rt["gate"]([])
        else:
            rt["gate"]([])
            assert json.loads((results / "vals").read_text()) == words
