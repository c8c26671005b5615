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
