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
THREE = chain_ir(450, stride=3)  # three independent chains of 150: one part each, called side by side
CASES = [  # (pipeline, task outcomes, pod durations)
    (THREE, {"step-4": "Failed"}, None),  # the other parts run to their end, under both policies
    (THREE, {"step-4": "Failed"}, {"step-5": 40}),  # ... also a part slower than the failure
    (THREE, {"step-448": "Error"}, {"step-4": 3}),
    (LADDER, {"step-2": "Failed"}, None),  # the other chain goes on, under both policies
    (LADDER, {"step-300": "Failed"}, None),  # a failure in a later part
    (LADDER, {"step-300": "Failed"}, {"step-5": 300}),  # ... while a slow task holds the other chain
    (LADDER, {"step-399": "Error"}, None),
    (CROSSED, {"step-100": "Failed"}, None),  # a task in a later part that needs the failed one
    (AFTER_FAILURE, {"step-150": "Failed"}, None),  # it runs after an upstream in another part failed
    (AFTER_FAILURE, {"step-350": "Failed"}, None),
    (AFTER_FAILURE, {}, None),
]


@pytest.mark.parametrize("policy", ["fast", "slow"])
@pytest.mark.parametrize("ir,outcome,duration", CASES)
def test_split_runs_as_the_unsplit_dag(ir: dict[str, Any], outcome: dict[str, str],
                                       duration: dict[str, int] | None, policy: str) -> None:
    """Which tasks run, are omitted or never start, and how the run ends: the same as the unsplit DAG.
    (The split used to make each later part wait for the earlier one to succeed, and refused tasks
    that run after failures across parts.) Neither DAG stops starting tasks after a failure: only the
    template-level failFast would, and kfpc never sets it (argo_sim.WorkflowRun)."""
    split_wf = workflow(ir, "4", policy)
    assert len(dags(split_wf)) > 2 and not list(caps.problems(split_wf))
    assert run(ir, "4", policy, outcome, duration) == run(ir, "3.7", policy, outcome, duration)


def toy_workflow(template_fail_fast: bool | None = None) -> dict[str, Any]:
    """`a` fails at once; `b` (3 passes) then `c` do not need it."""
    dag: dict[str, Any] = {"name": "main", "dag": {"tasks": [
        {"name": "a", "template": "pod"}, {"name": "b", "template": "pod"},
        {"name": "c", "template": "pod", "depends": "b.Succeeded"}]}}
    if template_fail_fast is not None:
        dag["failFast"] = template_fail_fast
    return {"spec": {"entrypoint": "main", "templates": [dag, {"name": "pod", "container": {"image": "x"}}]}}


def test_a_dags_failfast_starts_tasks_after_a_failure() -> None:
    """Argo truth (argo_sim.WorkflowRun): `dag.failFast` (default true) is read only by assessDAGPhase
    (dag.go:217 @v4.1.2); checkParallelism stops new children only for a template-level `failFast:
    true` (Template.IsFailFast, workflow_types.go:931; operator.go:3342-3352 @v4.1.2, the same at
    v3.6.19). The model used to stop on `dag.failFast`, so `c` never started."""
    sim = argo_sim.WorkflowRun(toy_workflow(), {"a": "Failed"}, {"b": 3})
    assert sim.run() == "Failed"
    assert sim.task_phases() == {"a": "Failed", "b": "Succeeded", "c": "Succeeded"}
    assert sim.passes == 5  # Failed only once c, started after b's 3 passes, has finished
    stopped = argo_sim.WorkflowRun(toy_workflow(template_fail_fast=True), {"a": "Failed"}, {"b": 3})
    assert stopped.run() == "Failed"
    assert stopped.task_phases() == {"a": "Failed", "b": "Succeeded"}  # b ran on; c was never created
    assert argo_sim.WorkflowRun(toy_workflow(template_fail_fast=False), {"a": "Failed"}, {"b": 3}).run() == "Failed"


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


def artifact_chain(n: int, stride: int = 1) -> dict[str, Any]:
    """chain_ir whose tasks also hand each other an artifact: task i reads task i-`stride`'s `data`."""
    ir = chain_ir(n, stride)
    kind = {"artifactType": {"schemaTitle": "system.Artifact", "schemaVersion": "0.0.1"}}
    for i in range(n):
        component = ir["components"][f"comp-step-{i}"]
        component["outputDefinitions"]["artifacts"] = {"data": kind}
        if i >= stride:
            component["inputDefinitions"]["artifacts"] = {"prev": kind}
            ir["root"]["dag"]["tasks"][f"step-{i}"]["inputs"]["artifacts"] = {"prev": {"taskOutputArtifact": {
                "producerTask": f"step-{i - stride}", "outputArtifactKey": "data"}}}
    return ir


@pytest.mark.parametrize("policy", ["fast", "slow"])
@pytest.mark.parametrize("failing", ["step-150", "step-199", "step-201"])
def test_a_part_handing_on_artifacts_fails_as_the_unsplit_dag(policy: str, failing: str) -> None:
    """A part whose producer of a handed-on artifact was Omitted after a failure still succeeds; its
    output artifacts are `optional`, so Argo leaves the missing one out (operator.go:3490-3498
    @v4.1.2, :3065-3072 @v3.6.19) instead of ending the part Error, which made the run Error."""
    ir = artifact_chain(450)
    ir["root"]["outputDefinitions"] = {"artifacts": {"Output": {"artifactType": {
        "schemaTitle": "system.Artifact", "schemaVersion": "0.0.1"}}}}
    ir["root"]["dag"]["outputs"] = {"artifacts": {"Output": {"artifactSelectors": [
        {"producerSubtask": "step-449", "outputArtifactKey": "data"}]}}}
    split_wf = workflow(ir, "4", policy)
    handed_on = [a for name, t in dags(split_wf).items() if "-part-" in name
                 for a in t.get("outputs", {}).get("artifacts", [])]
    assert len(handed_on) >= 2 and all(a.get("optional") is True for a in handed_on)
    split_run = argo_sim.WorkflowRun(split_wf, {failing: "Failed"})
    unsplit_run = argo_sim.WorkflowRun(workflow(ir, "3.7", policy), {failing: "Failed"})
    assert split_run.run() == unsplit_run.run() == "Failed"
    assert split_run.dag_phase == unsplit_run.dag_phase == "Failed"
    assert "Error" not in split_run.node_phases().values(), split_run.node_phases()
    assert split_run.task_phases() == unsplit_run.task_phases()
    assert run(ir, "4", policy, {}) == run(ir, "3.7", policy, {})  # nothing fails: every artifact arrives
    assert set(run(ir, "4", policy, {})[1].values()) == {"Succeeded"}


def reads_from_two_parts() -> dict[str, Any]:
    """A chain of 650 and two side tasks: `step-650` (no upstream, so in the first part) and `step-651`
    (after step-250, in the second); step-450, in the third part, reads both."""
    ir = chain_ir(652)
    tasks = ir["root"]["dag"]["tasks"]
    tasks["step-650"].pop("dependentTasks")
    tasks["step-650"]["inputs"]["parameters"]["previous"] = {"componentInputParameter": "seed"}
    tasks["step-651"]["dependentTasks"] = ["step-250"]
    tasks["step-651"]["inputs"]["parameters"]["previous"]["taskOutputParameter"]["producerTask"] = "step-250"
    reader = tasks["step-450"]
    for name, producer in (("far", "step-650"), ("near", "step-651")):
        ir["components"]["comp-step-450"]["inputDefinitions"]["parameters"][name] = {"parameterType": "STRING"}
        reader["inputs"]["parameters"][name] = {"taskOutputParameter": {"producerTask": producer,
                                                                        "outputParameterKey": "Output"}}
        reader["dependentTasks"].append(producer)
    return ir


def holder(wf: dict[str, Any], task: str) -> str:
    return next(name for name, t in dags(wf).items() if any(x["name"] == task for x in t["dag"]["tasks"]))


def test_a_part_called_from_a_part_waits_for_what_it_reads() -> None:
    """Part B (holding step-450) is called from part A, itself called from part E: the call of B waits
    for the task of A it reads (step-651) and the call of A for the task of E that B reads through A
    (step-650), both slow; step-450 then receives both values. Without either wait step-450 never
    gets the value: the call starts before its producer finished."""
    wf = workflow(reads_from_two_parts())
    e, a, b = holder(wf, "step-650"), holder(wf, "step-651"), holder(wf, "step-450")
    assert len({e, a, b}) == 3
    call_a = next(t for t in dags(wf)[e]["dag"]["tasks"] if t.get("template") == a)
    call_b = next(t for t in dags(wf)[a]["dag"]["tasks"] if t.get("template") == b)
    assert "step-650" in call_a["depends"] and "step-651" in call_b["depends"]
    slow = {"step-650": 300, "step-651": 300}
    sim = argo_sim.WorkflowRun(wf, {}, slow)
    assert sim.run() == "Succeeded"
    args = sim.task_arguments()["step-450"]
    assert (args["far"], args["near"], args["previous"]) == ("step-650.Output", "step-651.Output", "step-449.Output")
    for call, producer in ((call_a, "step-650"), (call_b, "step-651")):  # the control: drop one wait
        kept = call["depends"]
        call["depends"] = " && ".join(term for term in kept.split(" && ") if producer not in term)
        broken = argo_sim.WorkflowRun(wf, {}, slow)
        broken.run()
        got = broken.task_arguments().get("step-450", {}).get({"step-650": "far", "step-651": "near"}[producer])
        assert got != f"{producer}.Output"  # its gate read the producer Running: step-450 was Omitted
        call["depends"] = kept


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


def test_a_final_status_read_across_parts_keeps_the_tasks_display_name() -> None:
    """The exit-handler case's tasks copied 199 times: a root of about 800 tasks, split for Argo 4,
    where an exit task reads its group's final status from another part. The part rebuilt the
    status without the group's display name, and rendering its message raised a TypeError (found by
    an independent review)."""
    import re

    from test_argo_children import golden_copied

    text = golden_copied("exit_handler", 199)
    named = {}
    for version in ("4", "3.7"):
        documents = kfpc.compile_text(text, "argo", Options(extra=(("argo-version", version),))).documents
        named[version] = set(re.findall(r"'pipelineTaskName': ([^,]+),", json.dumps(documents)))
    assert named["4"] == named["3.7"] == {'\\"guarded\\"'}


def fan_in_ir(producers: int) -> dict[str, Any]:
    """`producers` independent tasks with one output each, and one task that reads them all."""
    outputs = {"outputDefinitions": {"parameters": {"o": {"parameterType": "STRING"}}}}
    inputs = {"inputDefinitions": {"parameters": {f"i{k:04d}": {"parameterType": "STRING"} for k in range(producers)}}}
    components = {"comp-p": {"executorLabel": "exec-p", **outputs}, "comp-f": {"executorLabel": "exec-f", **inputs}}
    executors = {"exec-p": {"container": {"image": "alpine", "command": [
                     "sh", "-c", "echo x > {{$.outputs.parameters['o'].output_file}}"]}},
                 "exec-f": {"container": {"image": "alpine", "command": ["sh", "-c", "true"]}}}
    tasks: dict[str, Any] = {f"p{i:04d}": {"componentRef": {"name": "comp-p"}, "taskInfo": {"name": f"p{i:04d}"}}
                             for i in range(producers)}
    tasks["fan-in"] = {"componentRef": {"name": "comp-f"}, "taskInfo": {"name": "fan-in"},
                       "dependentTasks": sorted(tasks),
                       "inputs": {"parameters": {f"i{k:04d}": {"taskOutputParameter": {
                           "producerTask": f"p{k:04d}", "outputParameterKey": "o"}} for k in range(producers)}}}
    return {"components": components, "deploymentSpec": {"executors": executors}, "pipelineInfo": {"name": "fan"},
            "root": {"dag": {"tasks": tasks}}, "schemaVersion": "2.1.0", "sdkVersion": "kfp-2.17.3"}


def test_a_task_waiting_for_more_tasks_than_a_part_holds_is_refused_not_split_for_ever() -> None:
    """One task reading 201 others: each cut left a part holding it with a gate for every producer
    elsewhere, as large as the DAG it came from, and the split looped for ever (found by an
    independent review). Argo 3's DAGs have no cap, so it compiles there."""
    import signal

    def hung(signum: int, frame: Any) -> None:
        raise TimeoutError("the split did not end")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        with pytest.raises(kfpc.KfpcError, match=r"task 'fan-in' waits for 201 tasks; .* would still be over 200"):
            kfpc.compile_text(json.dumps(fan_in_ir(201)), "argo")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    documents = kfpc.compile_text(json.dumps(fan_in_ir(201)), "argo", Options(extra=(("argo-version", "3.7"),))).documents
    assert [d["kind"] for d in documents] == ["Workflow"]
    assert len(kfpc.compile_text(json.dumps(fan_in_ir(150)), "argo").documents) == 1
