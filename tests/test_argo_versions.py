"""Behaviour that changed between Argo releases, modelled in argo_sim with the source it follows:
v3.5's `%v` formatting of expression results, v3.7.11+'s strict DAG substitution (a missing
`tasks.*` reference requeues, for ever if it never comes), and v3.7.16/v4.0.7's failure of an
expression output that resolves to nil. kfpc's manifests must behave the same on all of them."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

import argo_sim
import kfpc
from conftest import GOLDEN, golden_cases

VERSIONS = ["3.5.15", "3.6.19", "3.7.10", "3.7.18", "4.0.6", "4.1.2"]
COMPLETED = ("Succeeded", "Failed", "Errored", "Skipped", "Omitted")


def compiled(case: str) -> dict[str, Any]:
    return kfpc.compile_file(str(GOLDEN / case / "pipeline.yaml"), "argo").documents[-1]


def test_the_model_itself() -> None:
    assert argo_sim.format_result([1, "a"], "3.5.15") == "[1 a]"
    assert argo_sim.format_result({"k": True}, "3.5.15") == "map[k:true]"
    assert argo_sim.format_result([1, "a"], "3.6.19") == '[1,"a"]'
    flat = {"tasks.a.status": "Skipped"}
    with pytest.raises(argo_sim.Requeue):
        argo_sim.substitute('"{{tasks.a.outputs.parameters.x}}"', flat, "3.7.11", strict=True)
    assert argo_sim.substitute('"{{tasks.a.outputs.parameters.x}}"', flat, "3.7.10", strict=True) \
        == '"{{tasks.a.outputs.parameters.x}}"'
    nil = {"name": "o", "valueFrom": {"expression": "get(tasks.a, 'x')"}}
    assert argo_sim.output_parameter(nil, {"tasks.a.status": "Skipped"}, "3.7.15") == ""
    with pytest.raises(argo_sim.NodeFailed):
        argo_sim.output_parameter(nil, {"tasks.a.status": "Skipped"}, "3.7.16")
    with pytest.raises(argo_sim.NodeFailed):
        argo_sim.output_parameter(nil, {"tasks.a.status": "Skipped"}, "4.0.7")
    assert argo_sim.output_parameter(nil, {"tasks.a.status": "Skipped"}, "4.0.6") == ""


@pytest.mark.parametrize("case", ["hostile_strings", "python_types"])
def test_values_reach_the_pod_alike_on_every_version(case: str) -> None:
    """Every value kfpc passes through an expression tag arrives the same under v3.5's `%v` and
    v3.6+'s JSON formatting: kfpc's expressions yield text (lists and maps go through toJson)."""
    wf = compiled(case)
    templates = {t["name"]: t for t in wf["spec"]["templates"]}
    root = argo_sim.root_dag(wf)
    globals_ = {"workflow.name": "wf-1", "workflow.uid": "u", "workflow.creationTimestamp": "2026-01-01T00:00:00Z",
                **{f"workflow.parameters.{p['name']}": p.get("value", "")
                   for p in wf["spec"].get("arguments", {}).get("parameters", [])}}
    outputs = {f"tasks.{t['name']}.outputs.parameters.{p['name']}": '[1, {"a": true}]'
               for t in root["dag"]["tasks"] for p in templates[t["template"]].get("outputs", {}).get("parameters", [])}
    seen = 0
    for task in root["dag"]["tasks"]:
        if "container" not in templates[task["template"]] or "withParam" in task or "withItems" in task:
            continue
        runs = []
        for version in ("3.5.15", "4.1.2"):
            args = argo_sim.dag_arguments(root, task["name"], globals_, {}, outputs, version)
            runs.append(argo_sim.pod(templates[task["template"]], args, globals_, version))
        assert runs[0] == runs[1], (case, task["name"])
        seen += 1
    assert seen >= 3


def _lenient_upstreams(task: dict[str, Any]) -> set[str]:
    """Upstreams a task may run after although they failed, so without their outputs. (Skipped
    upstreams get their declared outputs' defaults in recent versions, dag.go:407-410 @v4.1.2,
    which this model leaves out.)"""
    return {m.group(1) for m in re.finditer(r"([A-Za-z0-9][-A-Za-z0-9]*)\.(Failed|Errored)",
                                              task.get("depends", ""))}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("case", golden_cases())
def test_a_task_after_a_failed_or_skipped_upstream_never_hangs(case: str, version: str) -> None:
    """A task that runs although an upstream produced nothing must not reference its outputs
    strictly: on v3.7.11+ that requeues for ever (dag.go:834-845 @v4.1.2)."""
    wf = compiled(case)
    for template in wf["spec"]["templates"]:
        tasks = {t["name"]: t for t in template.get("dag", {}).get("tasks", [])}
        for name, task in tasks.items():
            lenient = _lenient_upstreams(task)
            if not lenient:
                continue
            flat: dict[str, Any] = {"workflow.name": "wf", "workflow.uid": "u", "workflow.namespace": "ns",
                                    "workflow.status": "Failed"}
            for other in tasks:
                flat[f"tasks.{other}.status"] = "Failed" if other in lenient else "Succeeded"
            body = {k: v for k, v in task.items() if k not in ("withParam", "withItems", "when")}
            try:
                argo_sim.substitute(json.dumps(body), flat, version, strict=True)
            except argo_sim.Requeue as exc:
                pytest.fail(f"{case}: {template['name']}.{name} would wait for ever on {version}: {exc}")


@pytest.mark.parametrize("version", ["3.7.15", "3.7.16", "4.0.7", "4.1.2"])
@pytest.mark.parametrize("case", golden_cases())
def test_dag_outputs_read_from_whichever_branch_ran(case: str, version: str) -> None:
    """A DAG output read from tasks of which only some run (OneOf branches, loops) resolves
    whichever ran, without the nil that fails the DAG from v3.7.16/v4.0.7 (scope.go:181-186 @v4.1.2)."""
    wf = compiled(case)
    templates = {t["name"]: t for t in wf["spec"]["templates"]}
    for template in wf["spec"]["templates"]:
        if "dag" not in template:
            continue
        tasks = {t["name"]: t for t in template["dag"]["tasks"]}
        for param in template.get("outputs", {}).get("parameters", []):
            source = param["valueFrom"]
            read = set(re.findall(r'tasks\["([^"]+)"\]', source.get("expression", "")))
            conditional = {t for t in read if t in tasks and "when" in tasks[t]}
            if len(conditional) < 2:
                continue
            for ran in sorted(conditional):
                flat: dict[str, Any] = {f"tasks.{t}.status": "Skipped" for t in conditional}
                flat[f"tasks.{ran}.status"] = "Succeeded"
                target = tasks[ran].get("template") or tasks[ran]["templateRef"]["template"]
                for out in templates[target].get("outputs", {}).get("parameters", []):
                    flat[f"tasks.{ran}.outputs.parameters.{out['name']}"] = f"from-{ran}"
                try:
                    value = argo_sim.output_parameter(param, flat, version)
                except argo_sim.NodeFailed as exc:
                    pytest.fail(f"{case}: {template['name']}.{param['name']} fails on {version} when {ran} ran: {exc}")
                assert value in (f"from-{ran}", source.get("default")), (case, param["name"], ran, value)


@pytest.mark.parametrize("case", golden_cases())
def test_every_golden_is_admitted_by_the_argo_4_api_server(case: str) -> None:
    result = kfpc.compile_file(str(GOLDEN / case / "pipeline.yaml"), "argo")
    for document in result.documents:
        assert argo_sim.api_server_admits(document, "4.1.2") == [], case


def test_the_api_server_model_refuses_what_the_cap_forbids() -> None:
    big = {"spec": {"templates": [{"name": f"t{i}", "container": {}} for i in range(201)]}}
    assert argo_sim.api_server_admits(big, "4.0.0") == ["spec.templates"]
    assert argo_sim.api_server_admits(big, "3.7.18") == []
