"""Pipeline outputs reach `status.outputs` (argo_sim.status_outputs models which outputs Argo makes
global, citing dag.go/steps.go)."""

from __future__ import annotations

import argo_checks
import argo_sim
import kfpc
from conftest import GOLDEN


def leaf_values(workflow: dict, value: str | None = None) -> dict[str, dict[str, str]]:
    """Every leaf template ends with a value naming it in each declared output parameter (or with
    `value`: loops' collecting expressions want JSON lists)."""
    leaves = {}
    for template in workflow["spec"]["templates"]:
        if "dag" not in template and "steps" not in template:
            leaves[template["name"]] = {p["name"]: value or f"v-{template['name']}-{p['name']}"
                                        for p in template.get("outputs", {}).get("parameters", [])}
    return leaves


def test_pipeline_output_parameters_are_global() -> None:
    wf = kfpc.compile_file(str(GOLDEN / "subpipelines" / "pipeline.yaml"), "argo").documents[0]
    exported, entry = argo_sim.status_outputs(wf, leaf_values(wf))
    report_leaf = next(t["template"] for t in next(t for t in wf["spec"]["templates"] if t["name"] == "root")
                       ["dag"]["tasks"] if t["name"] == "report")
    assert exported == {"report": entry["report"]}
    assert entry["report"].startswith("v-") and "Output" in entry["report"], report_leaf
    assert not argo_checks.problems(wf)


def test_every_golden_with_pipeline_outputs_exports_them() -> None:
    for case in ("conditions", "loops", "collected_artifacts", "subpipelines"):
        wf = kfpc.compile_file(str(GOLDEN / case / "pipeline.yaml"), "argo").documents[0]
        entry = next(t for t in wf["spec"]["templates"] if t["name"] == wf["spec"]["entrypoint"])
        declared = {p["globalName"] for p in entry.get("outputs", {}).get("parameters", []) if "globalName" in p}
        assert declared, case
        exported, _ = argo_sim.status_outputs(wf, leaf_values(wf, "[]"))
        assert declared <= set(exported), (case, declared, exported)


def test_a_pipeline_without_outputs_keeps_its_dag_as_entrypoint() -> None:
    wf = kfpc.compile_file(str(GOLDEN / "hello_container" / "pipeline.yaml"), "argo").documents[0]
    assert wf["spec"]["entrypoint"] == "root"


def test_pipeline_output_artifacts_are_outputs_of_the_workflow_node() -> None:
    """A globalName cannot carry an artifact passed up from a task (README): the entry node has them."""
    wf = kfpc.compile_file(str(GOLDEN / "oneof_artifacts" / "pipeline.yaml"), "argo").documents[0]
    entry = next(t for t in wf["spec"]["templates"] if t["name"] == wf["spec"]["entrypoint"])
    assert "steps" in entry and [a["name"] for a in entry["outputs"]["artifacts"]] == ["Output"]
    assert not argo_checks.problems(wf)
