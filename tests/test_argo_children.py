"""A run too large for one Workflow runs as a Workflow of Workflows (backends/argo/children.py):
every object at most 1 MiB and valid, every child's running Workflow storable, and, through
tests/argo_sim.py's model of resource templates and child Workflows, the same values and failures
as the one-Workflow run."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import argo_sim
import kfpc
from argo_checks import inline_libraries, problems, problems_any
from kfpc.backend import Options
from kfpc.errors import KfpcError
from kfpc.run_options import RunOptions
from synthetic import chain_ir

MIB = 1024 * 1024
MARK = '{{workflow.name}}{{=1}}"$(HOME)\n'  # what each step appends: never substituted on its way


def with_output(ir: dict[str, Any], task: str) -> dict[str, Any]:
    """The chain with a pipeline output: the given task's Output."""
    ir = copy.deepcopy(ir)
    ir["root"]["outputDefinitions"] = {"parameters": {"Output": {"parameterType": "STRING"}}}
    ir["root"]["dag"]["outputs"] = {"parameters": {"Output": {"valueFromParameter": {
        "producerSubtask": task, "outputParameterKey": "Output"}}}}
    return ir


def compile_ir(ir: dict[str, Any], *extra: tuple[str, str], run: RunOptions | None = None) -> Any:
    options = Options(extra=extra, run=run or RunOptions())
    return kfpc.compile_text(json.dumps(ir), "argo", options, name="chain.json")


def children_of(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [group[-1] for group in argo_sim.run_groups(documents)[1:]]


@pytest.mark.parametrize("stride", [10, 1])  # ten chains; one chain, too deep to nest in one Workflow
def test_10000_tasks_compile_to_objects_argo_can_create_and_store(stride: int) -> None:
    from kfpc_backends.argo import size

    result = compile_ir(chain_ir(10000, stride=stride))
    documents = result.documents
    groups = argo_sim.run_groups(documents)
    assert len(groups) >= 4 and documents[-1]["kind"] == "Workflow"
    assert sum(len(g) for g in groups) == len(documents)  # every object belongs to a run
    for document in documents:
        assert size.go_json_size(document) <= MIB, document["metadata"]
        assert not argo_sim.api_server_admits(document)
    for group in groups:
        assert not problems_any(inline_libraries(group)) if len(group) > 1 else not problems_any(group[0])
        assert sum(size.estimate(group).values()) <= size.GREY * MIB  # storable, with room for retries
        assert argo_sim.running_workflow_size(group) <= MIB
    assert any("child Workflows" in w for w in result.warnings)


def test_small_pipelines_stay_one_workflow() -> None:
    documents = compile_ir(chain_ir(400)).documents
    assert [d["kind"] for d in documents] == ["Workflow"]
    assert not any("resource" in t for t in documents[0]["spec"]["templates"])


def chain_cluster(documents: list[dict[str, Any]], failing: set[int] = frozenset()) -> argo_sim.Cluster:
    """Each step pod returns `previous,index`, read from what the kubelet hands it; `failing` steps fail."""
    seen: list[tuple[int, str]] = []

    def leaf(template: dict[str, Any], args: dict[str, str], globals_: dict[str, str]) -> tuple[str, dict]:
        _, env = argo_sim.pod(template, args, globals_)
        index = int(float(env["KFPC_IN_index"]))
        seen.append((index, env["KFPC_IN_previous"]))
        if index in failing:
            return "Failed", {}
        return "Succeeded", {"Output": f"{env['KFPC_IN_previous']},{index}{MARK}"}

    cluster = argo_sim.Cluster(documents, leaf)
    cluster.seen = seen  # type: ignore[attr-defined]
    return cluster


def run(documents: list[dict[str, Any]], seed: str, failing: set[int] = frozenset()) -> tuple[dict, list]:
    cluster = chain_cluster(documents, failing)
    main = copy.deepcopy(documents[-1])
    for param in main["spec"]["arguments"]["parameters"]:
        if param["name"] == "seed":
            param["value"] = seed
    workflow = cluster.create(main)
    return workflow, sorted(cluster.seen)  # type: ignore[attr-defined]


ONE_DAG = ("argo-version", "3.7")  # the reference run: one Workflow, its DAG whole (no parts, no gates)
SMALL = ("max-workflow-size", "80Ki")  # a 600-task chain no longer fits: children of about 100 tasks


@pytest.fixture(scope="module")
def chain_600() -> tuple[list[dict], list[dict]]:
    ir = with_output(chain_ir(600), "step-599")
    one = compile_ir(ir, ONE_DAG).documents
    split = compile_ir(ir, SMALL).documents
    return one, split


def test_the_model_of_a_resource_template(chain_600: Any) -> None:
    """What argo_sim models, on its own: selectors, jsonpath, ownership."""
    obj = {"status": {"phase": "Error", "outputs": {"parameters": [{"name": "a", "value": "x y"}]}}}
    assert argo_sim.label_selector_matches("status.phase in (Failed, Error)", obj)
    assert not argo_sim.label_selector_matches("status.phase == Succeeded", obj)
    assert argo_sim.kubectl_jsonpath('{.status.outputs.parameters[?(@.name=="a")].value}', obj) == "x y"
    assert argo_sim.kubectl_jsonpath('{.status.outputs.parameters[?(@.name=="b")].value}', obj) == ""
    _, split = chain_600
    cluster = chain_cluster(split)
    cluster.create(split[-1])
    parent, *kids = cluster.workflows.values()
    assert len(kids) == len(children_of(split)) >= 3
    for kid in kids:
        owner, = kid["metadata"]["ownerReferences"]  # deleting the parent deletes them
        assert owner["name"] == parent["metadata"]["name"] and owner["controller"]


def test_values_cross_children_as_in_one_workflow(chain_600: Any) -> None:
    one, split = chain_600
    assert len(one) == 1 and len(children_of(split)) >= 3
    for document in split:
        assert not problems_any(document)
    seed = 'a "b" $(HOME) $$ \\n ü\t'
    expected = seed + "".join(f",{i}{MARK}" for i in range(600))
    for documents in (one, split):
        workflow, seen = run(documents, seed)
        assert workflow["status"]["phase"] == "Succeeded"
        assert workflow["status"]["outputs"]["parameters"] == [{"name": "Output", "value": expected}]
        assert [i for i, _ in seen] == list(range(600))
        assert seen[599][1] == expected[: -len(f",599{MARK}")]
    assert run(one, seed)[1] == run(split, seed)[1]


def test_a_default_argo_would_substitute_reaches_every_child() -> None:
    """A parameter default holding `{{` is kfpc:b64-encoded in the parent (workflow.py); the parent
    decodes it before handing it on, so the children see the text once encoded, not twice."""
    ir = with_output(chain_ir(600), "step-599")
    ir["root"]["inputDefinitions"]["parameters"]["seed"]["defaultValue"] = "x{{workflow.name}}y"
    expected = "x{{workflow.name}}y" + "".join(f",{i}{MARK}" for i in range(600))
    for extra in (ONE_DAG, SMALL):
        documents = compile_ir(ir, extra).documents
        workflow = chain_cluster(documents).create(documents[-1])
        assert workflow["status"]["outputs"]["parameters"] == [{"name": "Output", "value": expected}], extra


@pytest.mark.parametrize("failing", [{10}, {250}, {599}])
def test_a_failure_stops_the_run_as_in_one_workflow(chain_600: Any, failing: set[int]) -> None:
    one, split = chain_600
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 5000))  # the model walks a failed branch back through 600 tasks
    try:
        results = [run(documents, "s", failing) for documents in (one, split)]
    finally:
        sys.setrecursionlimit(limit)
    for workflow, seen in results:
        assert workflow["status"]["phase"] == "Failed"
        assert "outputs" not in workflow["status"]
        assert max(i for i, _ in seen) == min(failing)  # nothing after the failed step started
    assert results[0][1] == results[1][1]


def test_fail_slow_keeps_independent_children_running() -> None:
    """Two independent chains of several parts each: after step 3 (the odd chain's second) fails, the
    even chain finishes under both policies, as in one Workflow (a DAG's failFast decides only its
    phase; the stop on new tasks reads a template-level failFast kfpc never sets: argo_sim.WorkflowRun)."""
    ir = chain_ir(1200, stride=2)
    for policy in ("fast", "slow"):
        options = RunOptions(failure_policy=policy)
        one = compile_ir(ir, ONE_DAG, run=options).documents
        split = compile_ir(ir, SMALL, run=options).documents
        assert len(children_of(split)) >= 2
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 5000))  # the model walks a failed branch back through 600 tasks
        try:
            outcomes = [run(documents, "s", {3}) for documents in (one, split)]
        finally:
            sys.setrecursionlimit(limit)
        assert [w["status"]["phase"] for w, _ in outcomes] == ["Failed", "Failed"]
        one_ran, split_ran = ({i for i, _ in seen} for _, seen in outcomes)
        for ran in (one_ran, split_ran):
            assert 1198 in ran and 1199 not in ran and not {i for i in ran if i % 2 and i > 3}
        assert outcomes[0][1] == outcomes[1][1]


def test_what_cannot_cross_children_is_refused() -> None:
    ir = chain_ir(600)
    with pytest.raises(KfpcError, match="--parallelism"):
        compile_ir(ir, SMALL, run=RunOptions(parallelism=4))
    documents = compile_ir(ir, ("max-workflow-size", "40Ki")).documents  # a tighter limit: more, smaller children
    assert len(children_of(documents)) > len(children_of(compile_ir(ir, SMALL).documents))
    with pytest.raises(KfpcError, match=r"2 KiB.*tasks 'step-[0-2]'.*cannot cut further"):
        compile_ir(chain_ir(3), ("max-workflow-size", "2Ki"))
    compile_ir(ir, SMALL, run=RunOptions(run_semaphore="runs:kfpc"))  # the parent holds it for the run


def golden_copied(case: str, copies: int) -> str:
    """A golden case's IR with each top-level task copied `copies` times (the copies read what the
    original reads): a pipeline as large as needed, of the shapes the case has."""
    import yaml

    with open(Path(__file__).parent.parent / "golden" / case / "pipeline.yaml", encoding="utf-8") as fh:
        docs = list(yaml.safe_load_all(fh))
    tasks = docs[0]["root"]["dag"]["tasks"]
    for key in list(tasks):
        for n in range(copies):
            tasks[f"{key}-c{n}"] = copy.deepcopy(tasks[key])
    return yaml.safe_dump_all(docs)


@pytest.mark.parametrize("whole_first", [False, True])
def test_an_artifact_crossing_children_is_refused_naming_its_task(monkeypatch: pytest.MonkeyPatch,
                                                                  whole_first: bool) -> None:
    """The seed pipeline's tasks, each copied 40 times: a dataset and a model pass between tasks
    that land in different children. The refusal says which output of which task, before any child
    is built; a child's build used to refuse first, asking for `-p kfpc-x-...=URI` as if the
    crossing artifact were a pipeline input."""
    from kfpc_backends.argo import probe

    if whole_first:
        monkeypatch.setattr(probe, "estimate", lambda plan, settings: None)
    options = Options(params=(("raw_data_path", "gs://b/x"),), extra=(("max-workflow-size", "24Ki"),))
    with pytest.raises(KfpcError, match=r"artifact output '(model_path|output_path)' of task '(train-model|"
                                        r"preprocess-data)' would cross from one child to another") as caught:
        kfpc.compile_text(golden_copied("seed_ml_pipeline", 40), "argo", options)
    assert caught.value.code == "KFPC400" and "kfpc-x-" not in str(caught.value)


def test_a_parent_too_large_itself_is_refused_as_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    """At a 24 KiB limit, 171 tasks in 16 children: the parent's 16 starters alone are over it. The
    refusal says it is the parent (it used to read like the one-Workflow refusal)."""
    from kfpc_backends.argo import probe

    monkeypatch.setattr(probe, "estimate", lambda plan, settings: None)  # the whole render's count
    with pytest.raises(KfpcError, match=r"run as 16 child Workflows, the parent Workflow that starts them is too "
                                        r"large itself: the running Workflow would hold about 24 KiB"):
        kfpc.compile_text(golden_copied("hostile_strings", 8), "argo", Options(extra=(("max-workflow-size", "24Ki"),)))


def test_children_keep_room_for_loops_and_retries() -> None:
    """Three children of 200 tasks each would hold 87% of a 90 KiB limit: kfpc cuts smaller
    children instead (more of them, nothing close to the limit to warn about)."""
    from kfpc_backends.argo import size

    result = compile_ir(chain_ir(600), ("max-workflow-size", "90Ki"))
    groups = argo_sim.run_groups(result.documents)[1:]
    assert len(groups) > 3
    assert all(sum(size.estimate(g).values()) <= size.GREY * 90 * 1024 for g in groups)
    assert not any("close to" in w for w in result.warnings)


def test_run_options_land_on_the_right_objects() -> None:
    ir = chain_ir(600)
    options = RunOptions(kind="cron", schedule="0 * * * *", run_semaphore="runs:kfpc", service_account="ml",
                         timeout="1h", ttl_seconds=60)
    documents = compile_ir(ir, SMALL, run=options).documents
    cron = documents[-1]
    assert cron["kind"] == "CronWorkflow"
    spec = cron["spec"]["workflowSpec"]
    assert spec["synchronization"] == {"semaphores": [{"configMapKeyRef": {"name": "runs", "key": "kfpc"}}]}
    assert spec["ttlStrategy"] == {"secondsAfterCompletion": 60}
    assert all("timeout" not in t for t in spec["templates"])  # a resource pod waits for a whole child
    for child in children_of(documents):
        assert child["kind"] == "WorkflowTemplate"
        assert "synchronization" not in child["spec"]
        assert child["spec"]["ttlStrategy"]["secondsAfterSuccess"] >= 86400  # not the parent's 60 s
        assert child["spec"]["serviceAccountName"] == "ml"
        assert any(t.get("timeout") == "1h" for t in child["spec"]["templates"])
    assert not problems_any(cron)


def test_setup_grants_the_pods_what_a_resource_template_does() -> None:
    from kfpc_backends.argo import setup

    docs = setup.manifests(setup.Target(namespace="ml", service_account="runner"))
    pods = ("ml", "runner")
    for verb in ("create", "get"):  # kubectl create, the status polls and the output reads
        assert argo_sim.rbac_allows(docs, pods, "ml", verb, "argoproj.io/workflows")
    assert not argo_sim.rbac_allows(docs, pods, "ml", "delete", "argoproj.io/workflows")
    assert not argo_sim.rbac_allows(docs, pods, "other", "create", "argoproj.io/workflows")


def test_the_parent_passes_only_base64_through_the_manifest(chain_600: Any) -> None:
    _, split = chain_600
    parent = split[-1]
    for template in parent["spec"]["templates"]:
        if "resource" not in template:
            continue
        manifest = json.loads(template["resource"]["manifest"])
        for param in manifest["spec"]["arguments"]["parameters"]:
            if param["name"].startswith("kfpc-run-"):  # the run's identity: Argo's own tags, never a value
                assert param["value"] in ("{{workflow.name}}", "{{workflow.uid}}", "{{workflow.creationTimestamp}}",
                                          "{{workflow.scheduledTime}}")
            else:
                assert param["value"] == f"kfpc:b64:{{{{inputs.parameters.{param['name']}}}}}"
    assert not problems(parent)


def test_every_child_sees_the_runs_identity() -> None:
    """KFP's run-time values (PIPELINE_JOB_ID/NAME, create and schedule time) are the run's: a child
    Workflow's workflow.uid and name are its own (operator.go:678-683 @v4.1.2), so the parent hands
    its own to every child. A task in the first child and in the last see the parent's."""
    ir = chain_ir(600)
    wanted = {0: "{{$.pipeline_job_uuid}}", 597: "{{$.pipeline_job_name}}",
              598: "{{$.pipeline_job_schedule_time_utc}}", 599: "{{$.pipeline_job_uuid}}", 1: "{{$.pipeline_job_create_time_utc}}"}
    for i, placeholder in wanted.items():
        ir["components"][f"comp-step-{i}"]["inputDefinitions"]["parameters"]["job"] = {"parameterType": "STRING"}
        ir["root"]["dag"]["tasks"][f"step-{i}"]["inputs"]["parameters"]["job"] = {"runtimeValue": {"constant": placeholder}}
    documents = compile_ir(ir, SMALL).documents
    assert len(children_of(documents)) >= 3
    seen: dict[int, str] = {}

    def leaf(template: dict[str, Any], args: dict[str, str], globals_: dict[str, str]) -> tuple[str, dict]:
        _, env = argo_sim.pod(template, args, globals_)
        index = int(float(env["KFPC_IN_index"]))
        if "KFPC_IN_job" in env:
            seen[index] = env["KFPC_IN_job"]
        return "Succeeded", {"Output": f"{env['KFPC_IN_previous']},{index}"}

    cluster = argo_sim.Cluster(documents, leaf)
    parent = cluster.create(documents[-1])
    name = parent["metadata"]["name"]
    assert parent["status"]["phase"] == "Succeeded"
    assert seen == {0: f"uid-{name}", 1: f"created-{name}", 597: name, 598: f"created-{name}", 599: f"uid-{name}"}
    # A CronWorkflow's runs know the time they were scheduled for (operator.go:684-688 @v4.1.2).
    cron = compile_ir(ir, SMALL, run=RunOptions(kind="cron", schedule="@daily")).documents[-1]
    for template in cron["spec"]["workflowSpec"]["templates"]:
        if "resource" in template:
            given = {p["name"]: p["value"] for p in json.loads(template["resource"]["manifest"])["spec"]["arguments"]["parameters"]}
            assert given["kfpc-run-scheduled"] == "{{workflow.scheduledTime}}"


def test_children_start_in_the_parents_namespace() -> None:
    """Compiled with `-n ml`, then moved to another namespace (as kustomize's `namespace` does, editing
    metadata but not the manifest text inside a resource template): the children follow the parent."""
    documents = compile_ir(chain_ir(600), SMALL, run=RunOptions(namespace="ml")).documents
    moved = copy.deepcopy(documents)
    for document in moved:
        document["metadata"]["namespace"] = "team-b"
    cluster = chain_cluster(moved)
    cluster.create(moved[-1])
    parent, *kids = cluster.workflows.values()
    assert len(kids) >= 3
    assert {kid["metadata"]["namespace"] for kid in kids} == {"team-b"}


@pytest.mark.parametrize("default", [{"secondsAfterSuccess": 0}, {"secondsAfterCompletion": 0},
                                     {"secondsAfterFailure": 0, "secondsAfterSuccess": 5}])
def test_a_cluster_default_ttl_cannot_delete_a_child_before_the_parent_reads_it(
        chain_600: Any, default: dict[str, int]) -> None:
    """The controller merges its `workflowDefaults` into each child key by key, the child's own keys
    winning (workflow/controller/operator.go:4595-4626, workflow/util/merge.go:192-230 @v4.1.2), and
    GC reads secondsAfterSuccess/Failure before secondsAfterCompletion (gccontroller/gc_controller.go
    :262-275 @v4.1.2). Without a TTL of its own a child that Succeeded was deleted at once under a
    default of 0 s, and the parent's resource pod then failed to read its outputs."""
    _, split = chain_600
    for child in children_of(split):
        merged = {**default, **child["spec"].get("ttlStrategy", {})}
        for phase, key in (("Succeeded", "secondsAfterSuccess"), ("Failed", "secondsAfterFailure")):
            kept = merged.get(key, merged.get("secondsAfterCompletion"))
            assert kept is not None and kept >= 3600, (child["metadata"]["name"], phase, merged)


INSTANCE = "workflows.argoproj.io/controller-instanceid"


def seen_by(instance_id: str | None, labels: dict[str, str]) -> bool:
    """Whether a controller with this `instanceID` lists the object (workflow/util/util.go:88-100,
    workflow/controller/controller.go:1132-1147 @v4.1.2): the label equal to it, or absent without one."""
    return labels.get(INSTANCE) == instance_id if instance_id else INSTANCE not in labels


@pytest.mark.parametrize("how", ["option", "label"])
def test_an_instance_id_controller_runs_the_parent_and_every_child(how: str) -> None:
    """A resource template gives the child only the parent's ownerReference (operator.go:3935-3949
    @v4.1.2): without the instance-id label a controller with `instanceID` never ran the children and
    the parent waited for ever."""
    if how == "option":
        documents = compile_ir(chain_ir(600), SMALL, ("instance-id", "ml")).documents
    else:
        documents = compile_ir(chain_ir(600), SMALL, run=RunOptions(labels=((INSTANCE, "ml"),))).documents
    assert len(documents) > 2
    for document in documents:  # the parent, the children's WorkflowTemplates and their libraries
        assert seen_by("ml", document["metadata"]["labels"]), (document["kind"], document["metadata"])
    starters = [t for t in documents[-1]["spec"]["templates"] if "resource" in t]
    assert starters
    for template in starters:
        manifest = json.loads(template["resource"]["manifest"])
        assert seen_by("ml", manifest["metadata"]["labels"]) and not seen_by(None, manifest["metadata"]["labels"])
    # without it, nothing is labelled: a controller without instanceID runs it all
    plain = compile_ir(chain_ir(600), SMALL).documents
    assert all(seen_by(None, d["metadata"]["labels"]) for d in plain)


def test_an_instance_id_reaches_a_cron_workflows_runs_and_bad_values_are_refused() -> None:
    cron = compile_ir(chain_ir(3), ("instance-id", "ml"), run=RunOptions(kind="cron", schedule="0 * * * *")).documents[-1]
    assert seen_by("ml", cron["metadata"]["labels"])  # the cron controller lists it (cron/controller.go:330 @v4.1.2)
    assert seen_by("ml", cron["spec"]["workflowMetadata"]["labels"])
    for bad, extra in (("-ml", ()), ("", ()), ("ml", ((INSTANCE, "other"),))):
        with pytest.raises(KfpcError, match="instance-id"):
            compile_ir(chain_ir(3), ("instance-id", bad), run=RunOptions(labels=extra))


def test_the_controllers_parallelism_a_workflow_of_workflows_needs_is_said(chain_600: Any) -> None:
    """A Workflow over the controller's parallelism stays Pending while a Running one is never
    postponed (workflow/controller/controller.go:969-985 @v4.1.2): a parent holding the last slot
    waits on its child for ever. `kfpc setup argo` and the compile warning say so; with
    --pipeline-timeout the parent's deadline bounds every pod that starts a child
    (workflow/controller/workflowpod.go:449-466 @v4.1.2)."""
    from kfpc_backends.argo import setup

    role = next(d for d in setup.manifests(setup.Target()) if d["metadata"]["name"] == "kfpc-children")
    assert "parallelism" in role["metadata"]["annotations"][setup.DESCRIPTION]
    output = compile_ir(chain_ir(600), SMALL, run=RunOptions(pipeline_timeout="2h"))
    assert any("parallelism" in w and "at least 2" in w for w in output.warnings)
    assert output.documents[-1]["spec"]["activeDeadlineSeconds"] == 7200
