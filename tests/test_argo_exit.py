"""Exit handlers that wrap the whole pipeline run as the workflow's onExit (which Argo runs after
the deadline and after `argo stop`, unlike DAG tasks), and task display names Argo can show."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

import argo_checks
import argo_sim
import kfpc
from conftest import GOLDEN
from kfpc.backend import Options
from kfpc.errors import KfpcError

EXIT_IR = GOLDEN / "exit_handler" / "pipeline.yaml"
SHAPE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-.]{0,61}[a-zA-Z0-9]$")  # operator.go:2951 @v4.1.2


def whole_pipeline_exit() -> str:
    """golden/exit_handler with only the handler group and its exit task at the root."""
    docs = list(yaml.safe_load_all(EXIT_IR.read_text("utf-8")))
    tasks = docs[0]["root"]["dag"]["tasks"]
    del tasks["cleanup"], tasks["maybe-fail-2"]
    return yaml.safe_dump_all(docs, sort_keys=False)


def by_name(wf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in wf["spec"]["templates"]}


def test_a_handler_around_the_whole_pipeline_is_the_workflow_on_exit() -> None:
    (wf,) = kfpc.compile_text(whole_pipeline_exit(), "argo").documents
    templates = by_name(wf)
    handler = templates[wf["spec"]["onExit"]]
    (task,) = handler["dag"]["tasks"]
    assert task["name"] == "report-status" and "depends" not in task
    root = templates[wf["spec"]["entrypoint"]]
    assert [t["name"] for t in root["dag"]["tasks"]] == ["exit-handler-1"] and "target" not in root["dag"]
    assert not argo_checks.problems(wf)
    status = next(a["value"] for a in task["arguments"]["parameters"] if a["name"] == "status")
    globals_ = {"workflow.name": "wf-1"}
    for phase, state in (("Succeeded", "COMPLETE"), ("Failed", "FAILED"), ("Error", "FAILED")):
        # workflow.status is the workflow's phase when onExit runs (operator.go:446-457 @v4.1.2)
        value = json.loads(argo_sim.kubelet(argo_sim.resolve(status, {**globals_, "workflow.status": phase}),
                                            {"KFPC_L": "{"}))
        assert value["state"] == state and value["pipelineTaskName"] == "guarded", (phase, value)
        assert (value["error"]["code"] == 0) == (phase == "Succeeded")


def test_a_handler_around_part_of_the_pipeline_stays_a_dag_task() -> None:
    (wf,) = kfpc.compile_file(str(EXIT_IR), "argo").documents
    assert "onExit" not in wf["spec"]
    root = by_name(wf)[wf["spec"]["entrypoint"]]
    assert "report-status" in {t["name"] for t in root["dag"]["tasks"]}


def test_display_names_are_shown_where_argo_accepts_them() -> None:
    result = kfpc.compile_file(str(GOLDEN / "conditions" / "pipeline.yaml"), "argo")
    (wf,) = result.documents
    shown = {t["metadata"]["annotations"]["workflows.argoproj.io/display-name"]
             for t in wf["spec"]["templates"] if "metadata" in t}
    assert {"is-heads", "mode-is-fast", "after-branches"} <= shown
    assert all(SHAPE.match(name) for name in shown)
    assert not result.warnings
    hostile = kfpc.compile_file(str(GOLDEN / "hostile_strings" / "pipeline.yaml"), "argo")
    assert any("echo-argv-8" in w and "not shown" in w for w in hostile.warnings)
    old = kfpc.compile_file(str(GOLDEN / "conditions" / "pipeline.yaml"), "argo",
                            options=Options(extra=(("argo-version", "3.6"),)))
    assert any("3.7" in w and "display names" in w for w in old.warnings)


def test_ignore_upstream_failure_without_a_default_is_refused(tmp_path: Any) -> None:
    """The KFP SDK refuses `.ignore_upstream_failure()` on a task whose input takes an upstream
    output and has no default (sdk/python/kfp/dsl/pipeline_task.py:876-887 @sdk-2.17.0-1); kfpc used
    to compile it into `?? ""`, so the task silently got an empty string when the upstream failed."""
    from kfpc import cli

    ir = yaml.safe_load((GOLDEN / "exit_handler" / "pipeline.yaml").read_text("utf-8"))
    spec = ir["components"]["comp-cleanup"]["inputDefinitions"]["parameters"]["upstream_result"]
    del spec["defaultValue"], spec["isOptional"]
    with pytest.raises(KfpcError, match=r"'upstream_result' takes an output of 'maybe-fail-2' and has no default"
                       ) as caught:
        kfpc.compile_text(yaml.safe_dump(ir), "argo")
    assert caught.value.diagnostics[0].ir_path == "root.dag.tasks.cleanup.inputs.parameters.upstream_result"
    source, out = tmp_path / "p.yaml", tmp_path / "wf.yaml"
    source.write_text(yaml.safe_dump(ir), encoding="utf-8")
    assert cli.main(["compile", str(source), "-o", str(out)]) == 1 and not out.exists()
    kfpc.compile_text((GOLDEN / "exit_handler" / "pipeline.yaml").read_text("utf-8"), "argo")  # with a default: fine
