"""Argo 4's CRD limits (backends/argo/caps.py: spec.templates <= 200, dag.tasks <= 200,
inputs.parameters <= 500; manifests/base/crds/full/argoproj.io_workflows.yaml:40412, 25354, 29394
@v4.1.2): kept by construction, and checked by the compiler before anything is written."""

from __future__ import annotations

import re

from typing import Any

import pytest
import yaml

import argo_checks
import argo_sim
import kfpc
from kfpc.backend import Options
from kfpc.run_options import RunOptions
from kfpc.errors import KfpcError
from kfpc_backends.argo import caps, pack
from synthetic import chain_ir


def distinct_chain(n: int, extra_params: int = 0) -> str:
    """n tasks, each with its own executor (different code), as a big real pipeline has."""
    ir = chain_ir(n)
    for i, (_, executor) in enumerate(sorted(ir["deploymentSpec"]["executors"].items())):
        executor["container"]["command"][-1] += f"\n# variant {i}\n"
    params = ir["root"]["inputDefinitions"]["parameters"]
    for i in range(extra_params):
        params[f"p{i}"] = {"parameterType": "STRING", "defaultValue": str(i)}
    return yaml.safe_dump(ir)


def counts(document: dict[str, Any]) -> tuple[int, int, int]:
    templates = caps.spec_of(document)["templates"]
    return (len(templates), max((len(t.get("dag", {}).get("tasks", [])) for t in templates), default=0),
            max((len(t.get("inputs", {}).get("parameters", [])) for t in templates), default=0))


def test_many_distinct_components_fit_by_moving_leaves_to_workflow_templates() -> None:
    result = kfpc.compile_text(distinct_chain(260), "argo")
    *libraries, run = result.documents
    assert [d["kind"] for d in libraries] == ["WorkflowTemplate"] and run["kind"] == "Workflow"
    for document in result.documents:
        assert not list(caps.problems(document)), document["metadata"]
        templates, tasks, params = counts(document)
        assert templates <= 200 and tasks <= 200 and params <= 500
        assert not argo_checks.schema_problems(document), document["metadata"]  # the v4 CRD's own maxItems
    whole = argo_checks.inline_libraries(result.documents)
    assert len(whole["spec"]["templates"]) == 264  # 260 leaves, root, 2 parts, the gate: nothing lost
    assert not argo_checks.references(whole)
    again = kfpc.compile_text(distinct_chain(260), "argo")
    assert again.text() == result.text()  # deterministic names: re-applying changes nothing


def test_argo_3_keeps_one_object() -> None:
    """Argo 3's CRD has no caps: one object, and the DAG is not split either."""
    result = kfpc.compile_text(distinct_chain(260), "argo", Options(extra=(("argo-version", "3.7"),)))
    assert len(result.documents) == 1 and counts(result.documents[0])[:2] == (261, 260)


def test_split_parts_declare_only_the_inputs_they_read() -> None:
    """Every part used to take every pipeline parameter: 600 of them broke the 500 cap."""
    result = kfpc.compile_text(distinct_chain(210, extra_params=600), "argo")
    for document in result.documents:
        assert not list(caps.problems(document))
    run = result.documents[-1]
    parts = [t for t in run["spec"]["templates"] if t["name"].startswith("root-part-")]
    assert parts and all(len(t.get("inputs", {}).get("parameters", [])) <= 2 for t in parts)


def test_the_compiler_refuses_what_does_not_fit() -> None:
    too_many_inputs = {"kind": "Workflow", "metadata": {"name": "x"}, "spec": {"templates": [
        {"name": "t", "inputs": {"parameters": [{"name": f"p{i}"} for i in range(501)]}, "container": {}}]}}
    too_many_tasks = {"kind": "WorkflowTemplate", "metadata": {"name": "y"}, "spec": {"templates": [
        {"name": "d", "dag": {"tasks": [{"name": f"t{i}", "template": "t"} for i in range(201)]}}]}}
    too_many_templates = {"kind": "CronWorkflow", "metadata": {"name": "z"}, "spec": {"workflowSpec": {
        "templates": [{"name": f"t{i}", "container": {}} for i in range(201)]}}}
    for document, what in ((too_many_inputs, "501 input parameters"), (too_many_tasks, "201 DAG tasks"),
                           (too_many_templates, "201 templates")):
        with pytest.raises(KfpcError, match=what):
            caps.check([document], "4.1")
        caps.check([document], "3.7")  # no caps before v4.0's CRD


def many_sub_dags(n: int) -> dict[str, Any]:
    """A pipeline of n sub-pipelines (one DAG template each), each running one task."""
    ir = yaml.safe_load(distinct_chain(1))
    for i in range(n):
        ir["components"][f"comp-group-{i}"] = {"dag": {"tasks": {"inner": {
            "componentRef": {"name": "comp-step-0"}, "taskInfo": {"name": "inner"},
            "inputs": {"parameters": {"index": {"runtimeValue": {"constant": float(i)}},
                                      "previous": {"componentInputParameter": "seed"}}}}}},
            "inputDefinitions": {"parameters": {"seed": {"parameterType": "STRING"}}}}
        ir["root"]["dag"]["tasks"][f"group-{i}"] = {
            "componentRef": {"name": f"comp-group-{i}"}, "taskInfo": {"name": f"group-{i}"},
            "inputs": {"parameters": {"seed": {"componentInputParameter": "seed"}}}}
    return ir


def test_more_dag_templates_than_fit_move_into_workflow_templates() -> None:
    """More than 200 sub-DAG templates: no leaf can make room, so the DAG templates move too (they
    used to be refused); a library template calls what lives in its own WorkflowTemplate by name and
    anything else with templateRef."""
    result = kfpc.compile_text(yaml.safe_dump(many_sub_dags(201)), "argo")
    *libraries, run = result.documents
    assert libraries and all(d["kind"] == "WorkflowTemplate" for d in libraries)
    for document in result.documents:
        assert not list(caps.problems(document)), document["metadata"]
        assert not argo_checks.schema_problems(document), document["metadata"]
    assert [t["name"] for t in run["spec"]["templates"]] == [run["spec"]["entrypoint"]]
    whole = argo_checks.inline_libraries(result.documents)  # a KeyError for a reference to nothing
    assert len(whole["spec"]["templates"]) == sum(len(d["spec"]["templates"]) for d in result.documents)
    assert not argo_checks.references(whole)  # (the inlined whole is over the caps by design)
    homes = {t["name"]: d["metadata"]["name"] for d in libraries for t in d["spec"]["templates"]}
    for library in libraries:
        for template in library["spec"]["templates"]:
            for call in template.get("dag", {}).get("tasks", []):
                if "template" in call:
                    assert homes[call["template"]] == library["metadata"]["name"]
                else:
                    assert homes[call["templateRef"]["template"]] == call["templateRef"]["name"]
    sim = argo_sim.WorkflowRun(whole, {"inner": "Failed"})
    assert sim.run() == "Failed"
    # The size check counts every library template the run reaches as stored in its status.
    from kfpc_backends.argo import size

    assert set(size.stored_templates(caps.spec_of(run), libraries)) == {
        f"namespaced/{home}/{name}" for name, home in homes.items()}
    assert argo_sim.running_workflow_size(list(result.documents)) > sum(
        len(yaml.safe_dump(d)) for d in libraries) // 2


def wide(n: int, nested: bool = False) -> dict[str, Any]:
    """A pipeline of `n` parameters p0..p<n-1> (default `v<i>`) that one component reads all of;
    `nested`: through a sub-pipeline that takes them all as inputs."""
    ir = chain_ir(1)
    comp = ir["components"]["comp-step-0"]
    task = ir["root"]["dag"]["tasks"]["step-0"]
    for i in range(n):
        ir["root"]["inputDefinitions"]["parameters"][f"p{i}"] = {"parameterType": "STRING", "defaultValue": f"v{i}"}
        comp["inputDefinitions"]["parameters"][f"p{i}"] = {"parameterType": "STRING"}
        task["inputs"]["parameters"][f"p{i}"] = {"componentInputParameter": f"p{i}"}
    if nested:
        inner = {"dag": {"tasks": {"step-0": task}}, "inputDefinitions": {"parameters": {
            name: {"parameterType": "STRING"} for name in list(ir["root"]["inputDefinitions"]["parameters"])}}}
        ir["components"]["comp-inner"] = inner
        ir["root"]["dag"]["tasks"] = {"inner": {"componentRef": {"name": "comp-inner"}, "taskInfo": {"name": "inner"},
                                                "inputs": {"parameters": {name: {"componentInputParameter": name}
                                                           for name in inner["inputDefinitions"]["parameters"]}}}}
    return ir


@pytest.mark.parametrize("nested", [False, True])
def test_600_parameters_fit_by_packing_the_surplus(nested: bool) -> None:
    """A template over 500 inputs (the component, and with `nested` the sub-pipeline's DAG too) keeps
    499 and takes the rest in one JSON parameter its callers build (pack.py); every value still
    reaches the container (kfpc used to refuse the pipeline)."""
    result = kfpc.compile_text(yaml.safe_dump(wide(600, nested)), "argo", Options(extra=(("argo-version", "4.1"),)))
    for document in result.documents:
        assert not list(caps.problems(document)) and not argo_checks.schema_problems(document)
    wf = result.documents[-1]
    templates = {t["name"]: t for t in caps.spec_of(wf)["templates"]}
    packed = [t for t in templates.values() if any(p["name"] == pack.PACK for p in t.get("inputs", {}).get("parameters", []))]
    assert len(packed) == (2 if nested else 1)
    assert all(len(t["inputs"]["parameters"]) == 500 for t in packed)
    sim = argo_sim.WorkflowRun(wf)
    assert sim.run() == "Succeeded"
    globals_ = {f"workflow.parameters.{p['name']}": p["value"] for p in wf["spec"]["arguments"]["parameters"]}
    _, env = argo_sim.pod(templates["step-0"], sim.task_arguments()["step-0"], globals_)
    assert env["KFPC_IN_p550"] == "v550"
    assert all(env[f"KFPC_IN_p{i}"] == f"v{i}" for i in range(600))


def expression_nodes_at_least(expression: str) -> int:
    """A lower bound of the nodes expr-lang's parser builds for `expression`: one per string literal
    and one per call (parser/parser.go:528, :820 of expr v1.17.8), counted independently of pack.py."""
    strings = re.findall(r'"(?:[^"\\]|\\.)*"', expression)
    return len(strings) + re.sub(r'"(?:[^"\\]|\\.)*"', '""', expression).count("(")


def test_2000_parameters_fit_in_packs_expr_lang_can_parse() -> None:
    """expr-lang refuses an expression of more than 10,000 nodes (MaxNodes, parser/parser.go:100-113
    of expr v1.17.8, the version Argo v4.1.2 builds with), and Argo then fails the node before the pod
    starts (dag.go:605-611 @v4.1.2); one pack of 1,503 values held over 12,000. The surplus is cut
    into several packs, and every value still reaches the container."""
    result = kfpc.compile_text(yaml.safe_dump(wide(2000)), "argo", Options(extra=(("argo-version", "4.1"),)))
    wf = result.documents[-1]
    assert not list(caps.problems(wf)) and not argo_checks.schema_problems(wf)
    templates = {t["name"]: t for t in caps.spec_of(wf)["templates"]}
    packs = [p["name"] for p in templates["step-0"]["inputs"]["parameters"] if p["name"].startswith(pack.PACK)]
    assert len(packs) > 1 and len(templates["step-0"]["inputs"]["parameters"]) <= 500
    calls = [a for t in templates.values() for task in t.get("dag", {}).get("tasks", [])
             for a in task.get("arguments", {}).get("parameters", []) if a["name"].startswith(pack.PACK)]
    assert calls and max(expression_nodes_at_least(a["value"]) for a in calls) < 10_000
    sim = argo_sim.WorkflowRun(wf)
    assert sim.run() == "Succeeded"
    globals_ = {f"workflow.parameters.{p['name']}": p["value"] for p in wf["spec"]["arguments"]["parameters"]}
    _, env = argo_sim.pod(templates["step-0"], sim.task_arguments()["step-0"], globals_)
    assert all(env[f"KFPC_IN_p{i}"] == f"v{i}" for i in range(2000))


def test_a_joined_string_is_not_taken_for_one_expression() -> None:
    """A KFP joined string (`{{$.inputs.parameters[...]}}-{{...}}`) is rendered as two tags; the packer
    took `{{=a}}-{{=b}}` for one tag and stopped with an internal error."""
    ir = wide(600)
    task = ir["root"]["dag"]["tasks"]["step-0"]
    for name in ("p0", "p1"):
        task["inputs"]["parameters"][f"pipelinechannel--{name}"] = {"componentInputParameter": name}
    for i in range(595, 600):
        task["inputs"]["parameters"][f"p{i}"] = {"runtimeValue": {"constant": (
            "{{$.inputs.parameters['pipelinechannel--p0']}}-{{$.inputs.parameters['pipelinechannel--p1']}}")}}
    result = kfpc.compile_text(yaml.safe_dump(ir), "argo", Options(extra=(("argo-version", "4.1"),)))
    wf = result.documents[-1]
    assert not list(caps.problems(wf))
    templates = {t["name"]: t for t in caps.spec_of(wf)["templates"]}
    sim = argo_sim.WorkflowRun(wf)
    assert sim.run() == "Succeeded"
    globals_ = {f"workflow.parameters.{p['name']}": p["value"] for p in wf["spec"]["arguments"]["parameters"]}
    _, env = argo_sim.pod(templates["step-0"], sim.task_arguments()["step-0"], globals_)
    assert env["KFPC_IN_p597"] == "v0-v1" and env["KFPC_IN_p550"] == "v550"


def test_what_cannot_be_packed_is_refused() -> None:
    """An input read with a simple tag (substituted by a pass an expression does not see) cannot
    move into the pack: past 500 such inputs the template is refused, naming the cap and the count."""
    names = [f"p{i}" for i in range(520)]
    spec = {"templates": [
        {"name": "main", "dag": {"tasks": [{"name": "t", "template": "t", "arguments": {"parameters": [
            {"name": n, "value": "x"} for n in names]}}]}},
        {"name": "t", "inputs": {"parameters": [{"name": n} for n in names]},
         "container": {"image": "x", "args": [f"{{{{inputs.parameters.{n}}}}}" for n in names[:510]]}}]}
    with pytest.raises(KfpcError, match=r"template 't' has 520 input parameters .* at most 500 .* only 10 of them"):
        pack.pack_inputs(spec)
    spec["templates"][1]["container"]["args"] = [f"{{{{inputs.parameters.{n}}}}}" for n in names[:499]]
    pack.pack_inputs(spec)  # 21 that can move, as many as must
    assert len(spec["templates"][1]["inputs"]["parameters"]) == 500


def test_independent_work_lands_in_independent_parts() -> None:
    """Two chains that share nothing (task i reads i-2): each part holds whole chains, so neither
    part waits for, or is stopped by, the other (today's split made part-2 wait for part-1)."""
    result = kfpc.compile_text(yaml.safe_dump(chain_ir(300, stride=2)), "argo")
    root = argo_sim.root_dag(result.documents[-1])
    parts = root["dag"]["tasks"]
    assert [p["name"] for p in parts] == ["part-1", "part-2"] and not any("depends" in p for p in parts)
    templates = {t["name"]: t for t in result.documents[-1]["spec"]["templates"]}
    chains = []
    for part in parts:
        tasks = templates[part["template"]]["dag"]["tasks"]
        indices = {int(a["value"]) for t in tasks for a in t["arguments"]["parameters"] if a["name"] == "index"}
        assert len(indices) == 150
        chains.append({i % 2 for i in indices})
    assert sorted(map(sorted, chains)) == [[0], [1]]  # one whole chain per part


def test_library_templates_come_with_the_commands_that_create_them_first(tmp_path: Any) -> None:
    """`argo submit` skips the library (argo_sim.argo_submit_takes), a second `kubectl create -f`
    of both fails with AlreadyExists, and the controller reads templateRefs from its cache: the
    compiler says to apply the library first, and --output-dir writes it to its own file."""
    from kfpc import cli

    result = kfpc.compile_text(distinct_chain(260), "argo")
    library = result.documents[0]["metadata"]["name"]
    assert argo_sim.argo_submit_takes(list(result.documents)) == [result.documents[-1]]  # the library is never created
    (warning,) = [w for w in result.warnings if library in w]
    assert "kubectl apply --server-side -f" in warning and "argo submit" in warning
    assert not any("WorkflowTemplate" in w for w in kfpc.compile_text(distinct_chain(3), "argo").warnings)
    source = tmp_path / "big.yaml"
    source.write_text(distinct_chain(260), encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["compile", str(source), "--output-dir", str(out)]) == 0
    library_file, run_file = out / "big.workflowtemplate.yaml", out / "big.workflow.yaml"
    assert sorted(p.name for p in out.iterdir()) == [run_file.name, library_file.name]
    assert [d["kind"] for d in yaml.safe_load_all(library_file.read_text("utf-8"))] == ["WorkflowTemplate"]
    (run,) = yaml.safe_load_all(run_file.read_text("utf-8"))
    assert run["kind"] == "Workflow" and argo_sim.argo_submit_takes([run]) == [run]
    cron = kfpc.compile_text(distinct_chain(260), "argo", Options(run=RunOptions(kind="cron", schedule="@daily")))
    assert any("the whole output, which lists them first" in w for w in cron.warnings)
