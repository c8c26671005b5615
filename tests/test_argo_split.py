"""DAGs over Argo 4's 200-task limit are split (split.py) without losing a dependency, a value, or
what happens after a failure: each case runs the split Workflow and the unsplit one (Argo 3.7, whose
CRD has no caps, keeps the DAG whole) in argo_sim.WorkflowRun and compares every task's phase and
the workflow's, under both failure policies."""

from __future__ import annotations

import json
from typing import Any

import pytest

import argo_sim
import kfpc
from argo_checks import problems
from kfpc.backend import Options
from kfpc.run_options import RunOptions
from kfpc_backends.argo import caps
from synthetic import chain_ir


def workflow(ir: dict[str, Any], version: str = "4", policy: str = "fast") -> dict[str, Any]:
    options = Options(extra=(("argo-version", version),), run=RunOptions(failure_policy=policy))
    return kfpc.compile_text(json.dumps(ir), "argo", options).documents[-1]


def run(ir: dict[str, Any], version: str, policy: str, outcome: dict[str, str],
        duration: dict[str, int] | None = None) -> tuple[str, dict[str, str]]:
    sim = argo_sim.WorkflowRun(workflow(ir, version, policy), outcome, duration)
    return sim.run(), sim.task_phases()


def dags(wf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in wf["spec"]["templates"] if "dag" in t}


@pytest.mark.parametrize("n,stride", [(450, 1), (250, 7), (201, 200)])
def test_split_keeps_every_task_and_value(n: int, stride: int) -> None:
    wf = workflow(chain_ir(n, stride))
    assert not problems(wf) and not list(caps.problems(wf))
    assert all(len(t["dag"]["tasks"]) <= 200 for t in dags(wf).values())
    leaf_tasks = [task["name"] for t in dags(wf).values() for task in t["dag"]["tasks"] if task["name"].startswith("step-")]
    assert sorted(leaf_tasks) == sorted(f"step-{i}" for i in range(n))
    # Every value that crosses into a part is one of its inputs, and its task reads it from there.
    for template in dags(wf).values():
        declared = {q["name"] for q in template.get("inputs", {}).get("parameters", [])}
        for task in template["dag"]["tasks"]:
            for argument in task.get("arguments", {}).get("parameters", []):
                for name in argo_sim.re.findall(r'inputs\.parameters\["([^"]+)"\]', argument["value"]):
                    assert name in declared, (template["name"], task["name"], name)
    assert run(chain_ir(n, stride), "4", "fast", {}) == run(chain_ir(n, stride), "3.7", "fast", {})


def test_small_dags_are_untouched() -> None:
    wf = workflow(chain_ir(200))
    assert [t["name"] for t in wf["spec"]["templates"] if "dag" in t] == ["root"]


# Shapes over 200 tasks: a "ladder" of two chains that share their first task (one connected group,
# so the split must cut through it), and a chain with a task that runs after failures.
LADDER = chain_ir(450, stride=2, also={1: (0,)})
CROSSED = chain_ir(450, stride=2, also={1: (0,), 301: (100,)})  # task 301 also waits for task 100
AFTER_FAILURE = chain_ir(450, after_failure=(199, 200, 300))  # 199/200: just after a cut
CASES = [  # (pipeline, task outcomes, pod durations, what only the split starts under `fast`)
    (LADDER, {"step-2": "Failed"}, None, set()),  # the other chain must go on under `slow`
    (LADDER, {"step-300": "Failed"}, None, {"step-301"}),  # a failure in a later part
    (LADDER, {"step-300": "Failed"}, {"step-5": 300}, set()),  # ... while a slow task holds the other chain
    (LADDER, {"step-399": "Error"}, None, {"step-402"}),
    (CROSSED, {"step-100": "Failed"}, None, set()),  # a task in a later part that needs the failed one
    (AFTER_FAILURE, {"step-150": "Failed"}, None, set()),  # it runs after an upstream in another part failed
    (AFTER_FAILURE, {"step-350": "Failed"}, None, set()),
    (AFTER_FAILURE, {}, None, set()),
]


@pytest.mark.parametrize("policy", ["fast", "slow"])
@pytest.mark.parametrize("ir,outcome,duration,lag", CASES)
def test_split_runs_as_the_unsplit_dag(ir: dict[str, Any], outcome: dict[str, str],
                                       duration: dict[str, int] | None, lag: set[str], policy: str) -> None:
    """Which tasks run, are omitted or never start, and how the run ends: the same as the unsplit DAG.
    (The split used to make each later part wait for the earlier one to succeed, and refused tasks
    that run after failures across parts.) Under `fast`, a part sees a failure in a part beside it
    only once that part has failed: a task that became ready in the very pass the failure happened
    (`lag`) still starts there, as it would in the unsplit DAG had its upstream finished a moment
    before the failing task."""
    split_wf = workflow(ir, "4", policy)
    assert len(dags(split_wf)) > 2 and not list(caps.problems(split_wf))
    phase, tasks = run(ir, "4", policy, outcome, duration)
    unsplit_phase, unsplit_tasks = run(ir, "3.7", policy, outcome, duration)
    extra = lag if policy == "fast" else set()
    assert phase == unsplit_phase
    assert {k: v for k, v in tasks.items() if k not in extra} == unsplit_tasks
    assert all(k not in unsplit_tasks for k in extra)


def test_a_task_in_a_later_part_gates_on_its_own_upstream() -> None:
    """Under `slow`, a failure in part 1 leaves the other chain running to its end, in part 2 too."""
    phase, tasks = run(LADDER, "4", "slow", {"step-2": "Failed"})
    assert phase == "Failed"
    assert all(tasks[f"step-{i}"] == "Succeeded" for i in range(1, 450, 2))
    assert all(tasks[f"step-{i}"] == "Omitted" for i in range(4, 450, 2))


def test_parts_read_pipeline_parameters_where_the_root_does() -> None:
    """A part of the root DAG reads a pipeline parameter from workflow.parameters, as the root does:
    no part takes one as an input (parts run inside parts would otherwise hand every parameter their
    inner parts read through themselves, past Argo 4's 500 inputs)."""
    ir = chain_ir(450)
    for i in range(450):
        ir["components"][f"comp-step-{i}"]["inputDefinitions"]["parameters"]["extra"] = {"parameterType": "STRING"}
        ir["root"]["dag"]["tasks"][f"step-{i}"]["inputs"]["parameters"]["extra"] = {"componentInputParameter": f"p{i}"}
        ir["root"]["inputDefinitions"]["parameters"][f"p{i}"] = {"parameterType": "STRING", "defaultValue": f"v{i}"}
    wf = workflow(ir)
    assert not list(caps.problems(wf))
    parts = {name: t for name, t in dags(wf).items() if "-part-" in name}
    assert len(parts) >= 3
    for template in parts.values():
        assert not any(q["name"].startswith("p") for q in template.get("inputs", {}).get("parameters", []))
    inner = next(t for t in parts.values() if any(task["name"] == "step-420" for task in t["dag"]["tasks"]))
    globals_ = {f"workflow.parameters.p{i}": f"v{i}" for i in range(450)}
    args = argo_sim.dag_arguments(inner, "step-420", globals_, {}, {})
    assert args["extra"] == "v420"


def test_parts_never_take_the_name_of_a_users_sub_pipeline() -> None:
    """A sub-pipeline the user called `root-part-1` stays itself: the part that holds the task
    calling it gets another name, so no template calls itself (Argo would recurse until its
    depth limit, starting pods at every level)."""
    ir = chain_ir(210, stride=7)
    ir["components"]["comp-root-part-1"] = {"dag": {"tasks": {"inner": {
        "componentRef": {"name": "comp-step-0"}, "taskInfo": {"name": "inner"},
        "inputs": {"parameters": {"index": {"runtimeValue": {"constant": 99.0}},
                                  "previous": {"runtimeValue": {"constant": "x"}}}}}}}}
    ir["root"]["dag"]["tasks"]["sub"] = {"componentRef": {"name": "comp-root-part-1"}, "taskInfo": {"name": "sub"}}
    wf = workflow(ir)
    assert not problems(wf) and not list(caps.problems(wf))
    templates = {t["name"]: t for t in wf["spec"]["templates"]}
    user_dag = templates["root-part-1"]
    assert [task["name"] for task in user_dag["dag"]["tasks"]] == ["inner"]
    for name, template in templates.items():
        for task in template.get("dag", {}).get("tasks", []):
            assert task.get("template") != name, f"{name} calls itself"


def test_values_crossing_parts_get_names_argo_accepts() -> None:
    """IR task keys may hold characters Argo's parameter names may not (validate.go:1691 @v4.1.2)."""
    ir = json.loads(json.dumps(chain_ir(210)).replace('"step-', '"étape.'))
    wf = workflow(ir)
    names = {q["name"] for t in wf["spec"]["templates"] for side in ("inputs", "outputs")
             for q in t.get(side, {}).get("parameters", [])}
    assert any(n.startswith("kfpc-x-") for n in names)
    assert all(argo_sim.re.fullmatch(r"[-a-zA-Z0-9_]+", n) for n in names), sorted(
        n for n in names if not argo_sim.re.fullmatch(r"[-a-zA-Z0-9_]+", n))
    assert run(ir, "4", "fast", {}) == run(ir, "3.7", "fast", {})


def with_output(ir: dict[str, Any], producer: str) -> dict[str, Any]:
    """The pipeline's output `Output` is `producer`'s."""
    ir = json.loads(json.dumps(ir))
    ir["root"]["outputDefinitions"] = {"parameters": {"Output": {"parameterType": "STRING"}}}
    ir["root"]["dag"]["outputs"] = {"parameters": {"Output": {"valueFromParameter": {
        "producerSubtask": producer, "outputParameterKey": "Output"}}}}
    return ir


@pytest.mark.parametrize("policy", ["fast", "slow"])
def test_a_split_dag_with_outputs_fails_as_the_unsplit_one(policy: str) -> None:
    """After a failure, a later part whose tasks were all Omitted still succeeds and resolves the
    values it hands on: without a default the missing one made it Error (operator.go:3466-3481
    @v4.1.2), and that Error, the first failed target of the part around it, became the root DAG's
    phase instead of the failed task's Failed."""
    ir = with_output(chain_ir(450), "step-449")
    split_run = argo_sim.WorkflowRun(workflow(ir, "4", policy), {"step-150": "Failed"})
    unsplit_run = argo_sim.WorkflowRun(workflow(ir, "3.7", policy), {"step-150": "Failed"})
    assert split_run.run() == unsplit_run.run() == "Failed"
    assert split_run.dag_phase == unsplit_run.dag_phase == "Failed"
    assert "Error" not in split_run.node_phases().values()
    assert split_run.task_phases() == unsplit_run.task_phases()
    # and when nothing fails, every part hands the value on
    phase, _ = run(ir, "4", policy, {})
    assert phase == "Succeeded"


MESH = chain_ir(450, stride=10, also={i: (i - 11,) for i in range(11, 450) if i % 10})


@pytest.mark.parametrize("errored,failed", [("step-189", "step-400"), ("step-400", "step-189")])
def test_slow_policy_ends_in_the_unsplit_phase(errored: str, failed: str) -> None:
    """Under --failure-policy slow every DAG keeps going (`failFast: false`), and then its LAST failed
    target decides its phase (workflow/controller/dag.go:217-245 @v4.1.2): the calls of nested parts
    must come first among a part's targets, as they do for a part that keeps going on its own. They
    came last (the order for failFast), so an Error in one nested part and a Failure in another ended
    the split run in the other phase than the unsplit one, in both orders."""
    outcome = {errored: "Error", failed: "Failed"}
    assert run(MESH, "4", "slow", outcome)[0] == run(MESH, "3.7", "slow", outcome)[0]


def test_a_one_of_across_parts_is_refused_not_miscompiled() -> None:
    """OneOf takes the first producer that Succeeded; once its producers sit in parts, the sources
    are the parts' calls, which succeed (handing on '') whether or not the producer ran, so the
    first call always won. Refused until the producers' own phases are read; Argo 3 keeps it whole."""
    ir = chain_ir(450, stride=10)
    ir["root"]["outputDefinitions"] = {"parameters": {"Output": {"parameterType": "STRING"}}}
    ir["root"]["dag"]["outputs"] = {"parameters": {"Output": {"valueFromOneof": {"parameterSelectors": [
        {"producerSubtask": "step-9", "outputParameterKey": "Output"},
        {"producerSubtask": "step-449", "outputParameterKey": "Output"}]}}}}
    with pytest.raises(kfpc.KfpcError, match="dsl.OneOf"):
        workflow(ir, "4")
    root = next(t for t in workflow(ir, "3.7")["spec"]["templates"] if t["name"] == "root")
    assert "tasks[\"step-9\"].status" in root["outputs"]["parameters"][0]["valueFrom"]["expression"]
