"""A run too large for one Workflow, as a Workflow of Workflows (issue 13).

size.py measures what the running Workflow must store; above the controller's MAX_WORKFLOW_SIZE
nothing kfpc writes into one Workflow helps (library templates are copied back into
`status.storedTemplates`). So, only then, the pipeline's root DAG is cut between its top-level
tasks into sibling parts (siblings.py), each a child WorkflowTemplate written by kfpc (split again
by split.py where Argo 4's caps need it) whose running Workflow size.py estimates under the limit,
and a small parent Workflow runs them:

- Each child is started by a `resource` template of the parent (action `create`, manifest: a
  Workflow with `workflowTemplateRef` and arguments). The controller runs it as a pod, `argoexec
  resource` (workflow/controller/operator.go:3926-3961 @v4.1.2, :3495-3527 @v3.6.19), with the
  workflow's service account: `kubectl create -f` (workflow/executor/resource.go:36-57, 122-174
  @v4.1.2), then a GET of the child every RESOURCE_STATE_CHECK_INTERVAL (5 s,
  cmd/argoexec/executor/init.go:110 @v4.1.2) until `failureCondition` or `successCondition` holds
  (resource.go:198-314 @v4.1.2, the failure condition first; gjson paths read as label selectors),
  then `kubectl get -o jsonpath=...` per output parameter (resource.go:318-357 @v4.1.2, :297-343
  @v3.6.19). Hence the RBAC `kfpc setup argo` prints for the pods: create and get on workflows.
- `setOwnerReference: true` makes the controller add the parent as the child's controller owner
  before the pod starts (operator.go:3939-3953 @v4.1.2), so deleting the parent deletes its
  children (Kubernetes garbage collection); `argo stop`/`terminate` of the parent does not reach
  them.
- A child's values reach the parent through `status.outputs.parameters`: the child's root DAG
  declares every value a later child (or the pipeline) reads as an output with a `globalName`,
  which kfpc's entrypoint steps wrapper exports (workflow.export_outputs; steps.go:183-188,
  util/util.go:610-641 @v4.1.2), before the child's phase is Succeeded.
- Values cross as `kfpc:b64:` text: the parent's task arguments base64 them with an expression
  (sprig.b64enc, util/expr/env/env.go:28 @v4.1.2), the manifest holds only base64 (valid YAML,
  checked at validation: workflow/validate/validate.go:947-958 @v4.1.2), and the child decodes its
  workflow parameters (values.workflow_param), so no `{{` of a value is ever seen by Argo's
  substitution of the child's spec (operator.go:4694-4716 @v4.1.2).
- Limit on values: the resource template reaches its pod as the env var ARGO_TEMPLATE; above
  131072 bytes (workflow/common/common.go:246, workflow/controller/workflowpod.go:830-905 @v4.1.2;
  workflowpod.go:52, 436-470 @v3.6.19) the controller moves it into a ConfigMap it creates in the
  workflow's namespace, which the stock controller role may not do (only get/watch/list on
  configmaps). The values handed to one child are in that template twice, base64 (4/3 of their
  size), as its inputs and in its manifest: together at most about 45 KiB on a stock install.
  The controller's manifests: workflowpod_submit.go:101, workflowpod.go:875 @v4.1.2 create it;
  manifests/cluster-install-no-crds/workflow-controller-rbac/workflow-controller-clusterrole.yaml
  :19-27 @v4.1.2 grants get/watch/list only.

Reached two ways: `build`, once the whole pipeline was rendered as one Workflow and measured over
the limit (the count of children follows from that size), and `build_direct`, for a pipeline
probe.py estimates at twice the limit or more, without that whole render (the count follows from the
estimate; anything build would refuse, or children that do not confirm the estimate, send the
compile back to the whole render). Both cut, build and check the children the same way.

What is refused, because it cannot be made right across Workflows: an artifact that crosses from
one child to another (a resource template has output parameters only, resource.go:318 @v4.1.2,
and a global output artifact keeps only its name: workflow.export_outputs), pipeline input or
output artifacts, a whole-pipeline exit handler, KFP's shared workspace (one claim per Workflow),
`--parallelism` (it counts the pods of one Workflow, operator.go:3299 @v4.1.2).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from kfpc import names, run_options
from kfpc.errors import UnsupportedError
from kfpc.plan.model import Component, DagComponent, FromInput, FromTask, ImporterComponent, Param, Plan

from kfpc_backends.argo import caps, escape, kinds, library, siblings, size, split, values, workflow

TARGET = 0.6  # share of the limit a child aims at: loops and retries add node status at run time
SUCCESS = "status.phase == Succeeded"  # gjson path, label-selector syntax (resource.go:198-230 @v4.1.2)
FAILURE = "status.phase in (Failed, Error)"
CHILD_KEEP_SECONDS = 86400  # a finished child stays a day at the least (_child_ttl)
# build_direct keeps its children only if what they hold, each repeated template counted once
# (_held_once), is this many times the limit, and this share of probe.py's estimate. Not less than
# 2: what children hold beyond the whole run is not all repeats (a child reads a pipeline parameter
# through a base64 decode, which can take a task's bytes up to about 1.7 times).
CONFIRM, AGREE = 2.0, 0.75


@dataclass(frozen=True)
class Context:
    """What the one-Workflow compile already decided."""

    pipeline_root: str
    cache: Any  # memo.Cache | None
    run: run_options.RunOptions
    version: str
    limit: int
    offload: bool  # Argo 4's caps apply: library WorkflowTemplates
    helper_image: str = workflow.HELPER_IMAGE


def build(plan: Plan, whole: list[dict[str, Any]], parts_of_whole: dict[str, int],
          ctx: Context) -> tuple[list[dict[str, Any]], list[str]]:
    """`[child libraries and WorkflowTemplates..., parent]` and warnings; `plan` is the pipeline before
    split.py, `whole` the one-Workflow output that does not fit (size.estimate: `parts_of_whole`)."""
    _refuse_what_cannot_cross(plan, whole, parts_of_whole, ctx)
    outer, children = _cut(plan, sum(parts_of_whole.values()), ctx)
    largest = max(children, key=lambda c: c.total)
    if len(children) < 2 or largest.total > ctx.limit:
        tasks = largest.tasks
        which = repr(tasks[0]) if len(tasks) == 1 else f"{tasks[0]!r} .. {tasks[-1]!r}, {len(tasks)} tasks,"
        _refuse(whole, parts_of_whole, ctx,
                f"cut into child Workflows between its top-level tasks, one child would still hold about "
                f"{largest.total // 1024} KiB (pipeline tasks {which} that kfpc cannot cut further)")
    return _assemble(plan, whole[-1], outer, children, ctx)


@dataclass(frozen=True)
class Direct:
    """What build_direct made: the documents and warnings build would return, and the warnings of
    the renders (the children's, deduplicated, and the run options' on the parent)."""

    documents: list[dict[str, Any]]
    warnings: list[str]
    rendered: list[str]


class _Unconfirmed(Exception):
    """build_direct's children do not confirm probe.py's estimate: the whole render decides."""


@dataclass(frozen=True)
class _Attempt:
    """What build_direct asks of each cut: at most `most` children (twice the count the estimate
    implies: a top-level task far larger than the prefixes' is not worth cutting around) holding
    at least `least` bytes, repeats counted once (_held_once). A finer cut only adds repeats, so a
    cut holding less ends the attempt."""

    most: int
    least: float


def build_direct(plan: Plan, total: int, ctx: Context) -> Direct | None:
    """What build returns, for a pipeline probe.py estimates at `total` bytes, without rendering it
    whole first; None wherever build would refuse, or the children do not confirm that the whole is
    over the limit (the caller then renders it whole and decides as before)."""
    if _cannot_cross(plan, ctx, whole_pipeline_exit=False):  # probe.py: 3 top-level tasks or more, no onExit
        return None
    count = math.ceil(total / (TARGET * ctx.limit))
    try:
        outer, children = _cut(plan, total, ctx, _Attempt(2 * count, max(CONFIRM * ctx.limit, AGREE * total)))
    except (UnsupportedError, _Unconfirmed):
        return None
    if len(children) < 2 or max(c.total for c in children) > ctx.limit:
        return None
    shell, applied = kinds.apply(workflow.shell(plan), ctx.run, ctx.version, plan.k8s_name[:63].rstrip("-"))
    try:
        documents, warnings = _assemble(plan, shell, outer, children, ctx)
    except UnsupportedError:
        return None
    return Direct(documents, warnings, list(dict.fromkeys(n for child in children for n in child.notes)) + applied)


_CHILD_OWN = ("templates", "arguments", "entrypoint")  # what differs from child to child


def _held_once(children: list["Child"]) -> int:
    """What the children's running Workflows hold, less what one Workflow would hold only once:
    a template several children carry alike (by content: each child's render names its templates
    in the order it meets them, _digests), the run's settings (the launcher's pod patch, a service
    account, a TTL), annotations and labels, and its own status fields."""
    held = sum(c.total for c in children) - (len(children) - 1) * size.STATUS_FIELDS
    for child in children[1:]:  # the run's own settings, annotations and labels, in every child
        main = child.documents[-1]
        held -= size.go_json_size({k: v for k, v in caps.spec_of(main).items() if k not in _CHILD_OWN})
        held -= size.go_json_size({k: v for k, v in main.get("metadata", {}).items() if k in ("annotations", "labels")})
    seen: set[str] = set()
    every = [{t["name"]: t for d in child.documents for t in caps.spec_of(d).get("templates", [])} for child in children]
    outlines = [_outlines(child, templates) for child, templates in zip(children, every)]
    common = Counter(outline for found in outlines for outline in set(found.values()))
    for child, templates, found in zip(children, every, outlines):
        for name, digest in _digests(child, templates, {n for n, o in found.items() if common[o] > 1}).items():
            if digest in seen:
                held -= size.go_json_size(templates[name])
            seen.add(digest)
    return held


def _outlines(child: "Child", templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each template's outline: a container template's content digest, a DAG's or steps template's
    task names with the outlines of what they call. Only templates whose outline another child has
    too can be alike (_digests compares them whole); the outline costs no serialization."""
    found: dict[str, Any] = {}

    def outline(name: str) -> Any:
        if name not in found:
            found[name] = child.contents.get(name, name)
            calls = size.calls(templates[name])
            if calls:
                found[name] = tuple((c["name"], outline(size.called(c)) if size.called(c) in templates
                                     else size.called(c)) for c in calls)
        return found[name]

    return {name: outline(name) for name in templates}


def _digests(child: "Child", templates: dict[str, dict[str, Any]], shared: set[str]) -> dict[str, str]:
    """The content digest of each container template (from its render, workflow.build) and of each
    DAG or steps template in `shared`, with every template it calls named by that template's
    digest: alike whatever the child named them."""
    found: dict[str, str] = dict(child.contents)

    def digest(name: str) -> str:
        if name not in found:
            found[name] = name  # a template calling itself through others (none kfpc writes) stays itself
            body = {k: v for k, v in templates[name].items() if k != "name"}
            if "dag" in body:
                body["dag"] = {**body["dag"], "tasks": [_called(c, digest, templates) for c in body["dag"]["tasks"]]}
            if "steps" in body:
                body["steps"] = [[_called(c, digest, templates) for c in group] for group in body["steps"]]
            found[name] = hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()
        return found[name]

    return {name: digest(name) for name in templates if name in child.contents or name in shared}


def _called(call: dict[str, Any], digest: Any, templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A DAG task or step with the template it calls named by that template's digest."""
    if call.get("template") in templates:
        return {**call, "template": digest(call["template"])}
    ref = call.get("templateRef")
    if ref and ref.get("template") in templates:
        return {**call, "templateRef": {**ref, "template": digest(ref["template"])}}
    return call


def _assemble(plan: Plan, whole: dict[str, Any], outer: DagComponent, children: list["Child"],
              ctx: Context) -> tuple[list[dict[str, Any]], list[str]]:
    parent = _parent(plan, whole, outer, children, ctx)
    documents = [d for child in children for d in child.documents] + [parent]
    warnings = [_how_to_apply(children, parent)]
    for child in children:  # a child between 75% and 100% of the limit: what loops and retries may add
        warnings += [f"child {child.name}: {w}" for w in size.check(child.documents, ctx.limit, ctx.version, child.parts)]
    try:
        warnings += [f"the parent Workflow: {w}" for w in size.check([parent], ctx.limit, ctx.version)]
    except UnsupportedError as exc:  # many children at a small limit: their starters alone are too many
        first = exc.diagnostics[0]
        raise UnsupportedError(f"run as {len(children)} child Workflows, the parent Workflow that starts them is "
                               f"too large itself: {first.message}", hint=first.hint) from None
    return documents, warnings


def _cut(plan: Plan, total: int, ctx: Context,
         attempt: _Attempt | None = None) -> tuple[DagComponent, list["Child"]]:
    """Children of whole top-level tasks (siblings.py), as few as keep each under the limit with
    room to spare; each child is split again by split.py where Argo 4's caps need it."""
    root = plan.root_dag
    real = [t for t in root.tasks if not isinstance(plan.component(t.component), ImporterComponent)]
    count = max(2, math.ceil(total / (TARGET * ctx.limit)))
    while True:
        if attempt is not None and count > attempt.most:
            raise _Unconfirmed()
        per = max(1, math.ceil(len(real) / count))
        parts, outer = siblings.cut(root, dict(plan.components), per)
        _refuse_crossing_artifacts(parts)
        children = [_child(plan, part, i + 1, ctx) for i, part in enumerate(parts)]
        if attempt is not None and _held_once(children) < attempt.least:
            raise _Unconfirmed()
        largest = max(c.total for c in children)
        if largest <= size.GREY * ctx.limit or per == 1:
            return outer, children
        count = max(count + 1, math.ceil(count * largest / (TARGET * ctx.limit)))


def _refuse_crossing_artifacts(parts: list[DagComponent]) -> None:
    """An artifact one part would hand another (the pipeline's own input artifacts are refused
    before any cut): checked before the children are built, whose inputs it would become."""
    made = {o.name: o.sources[0] for part in parts for o in part.out_artifacts}
    for part in parts:
        for artifact in part.interface.in_artifacts:
            source = made.get(artifact.name)
            what = f"output {source.output!r} of task {source.task!r}" if source else repr(artifact.name)
            raise UnsupportedError(
                f"the pipeline is too large for one Workflow and is run as {len(parts)} child Workflows, but "
                f"artifact {what} would cross from one child to another: a resource template passes only "
                "parameters (workflow/executor/resource.go:318 @v4.1.2), and Argo's global output artifacts keep "
                "only their name",
                hint="pass the value as a parameter, or keep producer and consumer close together in the pipeline "
                     "(kfpc cuts between top-level tasks, in the pipeline's order)")


@dataclass
class Child:
    part: DagComponent
    name: str  # the WorkflowTemplate's
    documents: list[dict[str, Any]]  # its library WorkflowTemplates, then itself
    parts: dict[str, int]  # what its running Workflow holds (size.estimate)
    tasks: list[str]  # the pipeline's top-level tasks in it
    notes: list[str]  # what rendering it warned of (build_direct reports them for the whole)
    contents: dict[str, str]  # its shared templates' content digests, by name (workflow.build)

    @property
    def total(self) -> int:
        return sum(self.parts.values())


def _child(plan: Plan, part: DagComponent, index: int, ctx: Context) -> Child:
    """One child: the part as the root DAG of a plan whose parameters are the part's inputs, all
    arriving `kfpc:b64:`-encoded from the parent."""
    components = reachable(plan, replace(part, name=plan.root))
    inputs = tuple(Param(q.name, q.type) for q in part.interface.in_params)
    child_plan = replace(plan, inputs=inputs, components=components,
                         run_config=replace(plan.run_config, ttl_on_completion=None, ttl_on_success=None,
                                            ttl_on_failure=None) if plan.run_config else None)
    if ctx.offload:  # Argo 4's caps: no DAG of more than 200 tasks
        child_plan = split.split_large_dags(child_plan)
    notes: list[str] = []
    contents: dict[str, str] = {}
    document = workflow.build(child_plan, ctx.pipeline_root, ctx.cache, notes, ctx.helper_image,
                              encoded=frozenset(q.name for q in inputs), parent_run=True,
                              fail_slow=ctx.run.failure_policy == "slow", contents=contents)
    digest = hashlib.sha256(json.dumps(document["spec"], sort_keys=True).encode("utf-8")).hexdigest()[:10]
    name = f"{plan.k8s_name[:40].rstrip('-')}-c{index}-{digest}"
    # A child is the parent's: no schedule, name, semaphore or parent's TTL (it must outlive the
    # parent's read of its outputs, _child_ttl; it goes with the parent).
    run = replace(ctx.run, kind="template", name=name, ttl_seconds=None, parallelism=None, run_semaphore=None,
                  schedule=None, max_concurrency=None, timezone=None)
    document, _ = kinds.apply(document, run, ctx.version, name)
    document["spec"]["ttlStrategy"] = _child_ttl(ctx.run)
    documents = library.offload(document, name) if ctx.offload else [document]
    caps.check(documents, ctx.version)
    return Child(part, name, documents, size.estimate(documents, ctx.version), _ir_tasks(plan, part), notes, contents)


def _child_ttl(run: run_options.RunOptions) -> dict[str, int]:
    """A child's own TTL, so that a cluster's default cannot delete it before the parent's resource
    pod reads its outputs: the controller merges `workflowDefaults` into every Workflow, a field the
    Workflow or its template sets winning key by key (workflow/controller/operator.go:4595-4626,
    workflow/util/merge.go:192-230 @v4.1.2), and GC deletes a Workflow after whichever of the three
    keys fits its phase (workflow/gccontroller/gc_controller.go:262-275 @v4.1.2), so all three are
    set. The ownerReference still deletes the children with the parent, sooner."""
    keep = max(run.ttl_seconds or 0, CHILD_KEEP_SECONDS)
    return {"secondsAfterCompletion": keep, "secondsAfterSuccess": keep, "secondsAfterFailure": keep}


def _ir_tasks(plan: Plan, dag: DagComponent) -> list[str]:
    """The pipeline's own top-level task keys in a child, through the parts split.py made (which
    keep the root's IR key)."""
    found = []
    for task in dag.tasks:
        comp = plan.component(task.component)
        if isinstance(comp, DagComponent) and comp.ir_key == plan.root_dag.ir_key:
            found += _ir_tasks(plan, comp)
        else:
            found.append(task.key)
    return found


def reachable(plan: Plan, root: DagComponent) -> dict[str, Component]:
    """The components `root` (a child's, or a probe's: probe.py) calls, directly or through
    sub-DAGs (the others would only cost the renderer time)."""
    found: dict[str, Component] = {plan.root: root}
    stack = [root]
    while stack:
        for task in stack.pop().tasks:
            if task.component not in found:
                comp = plan.component(task.component)
                found[task.component] = comp
                if isinstance(comp, DagComponent):
                    stack.append(comp)
    return found


def _task_name(outer_task: str) -> str:
    return "child-" + outer_task.removeprefix("part-")


def _parent(plan: Plan, whole: dict[str, Any], outer: DagComponent, children: list[Child],
            ctx: Context) -> dict[str, Any]:
    """The Workflow that runs the children in the order the root DAG needs, with the pipeline's
    parameters and outputs."""
    spec_whole = caps.spec_of(whole)
    arguments = spec_whole.get("arguments", {})
    encoded = {a["name"] for a in arguments.get("parameters", [])
               if str(a.get("value", "")).startswith(values.ENCODED_PREFIX)}
    template_of = {child.part.name: child for child in children}
    tasks, templates = [], []
    for task in outer.tasks:
        child = template_of[task.component]
        name = _task_name(task.name)
        args = []
        for binding in task.params:
            source = binding.source
            if isinstance(source, FromInput):
                ref = values.workflow_param(source.name, source.name in encoded)
            else:
                assert isinstance(source, FromTask)
                ref = (f"tasks[{escape.string_literal(_task_name(source.task))}].outputs.parameters"
                       f"[{escape.string_literal(source.output)}]")
            args.append({"name": binding.name, "value": escape.tag(f"sprig.b64enc({ref})")})
        entry: dict[str, Any] = {"name": name, "template": name}
        if task.depends:
            entry["depends"] = " && ".join(f"{_task_name(d)}.Succeeded" for d in task.depends)
        if args:
            entry["arguments"] = {"parameters": args}
        tasks.append(entry)
        templates.append(_starter(name, child, ctx.run))
    root: dict[str, Any] = {"name": plan.root, "dag": {"tasks": tasks}}
    outputs = []
    for out in outer.out_params:
        if len(out.sources) != 1:
            raise UnsupportedError(f"pipeline output {out.name!r} comes from one of several tasks (dsl.OneOf), which "
                                   "kfpc cannot pass out of a pipeline run as child Workflows")
        source = out.sources[0]
        outputs.append({"name": out.name, "globalName": out.name, "valueFrom": {
            "parameter": f"{{{{tasks.{_task_name(source.task)}.outputs.parameters.{source.output}}}}}"}})
    if outputs:
        root["outputs"] = {"parameters": outputs}
    namer = names.Namer()
    for template in [root, *templates]:
        namer.reserve(template["name"])
    spec: dict[str, Any] = {"entrypoint": plan.root}
    for key in ("arguments", "activeDeadlineSeconds", "ttlStrategy"):
        if key in spec_whole:
            spec[key] = spec_whole[key]
    all_templates = workflow.export_outputs([root, *templates], namer)
    spec["entrypoint"] = all_templates[0]["name"]
    spec["templates"] = all_templates
    metadata = {"generateName": plan.k8s_name[:57].rstrip("-") + "-",
                **{k: v for k, v in whole["metadata"].items() if k in ("annotations", "labels")}}
    document = {"apiVersion": whole["apiVersion"], "kind": "Workflow", "metadata": metadata, "spec": spec}
    # The parent's own leaves are resource pods that wait for a whole child: no per-task timeout.
    document, _ = kinds.apply(document, replace(ctx.run, timeout=None), ctx.version, plan.k8s_name[:63].rstrip("-"))
    caps.check([document], ctx.version)
    return document


def _starter(name: str, child: Child, run: run_options.RunOptions) -> dict[str, Any]:
    """The parent's resource template that creates one child and waits for it."""
    params = [q.name for q in child.part.interface.in_params]
    # The parent's own namespace, not the compile-time one: a tool that moves the objects (kustomize's
    # `namespace`) leaves text inside the manifest alone, and `kubectl create -f` puts the object in
    # its metadata.namespace (workflow/executor/resource.go:113-175 @v4.1.2, no -n flag).
    metadata: dict[str, Any] = {"generateName": "{{workflow.name}}-", "namespace": "{{workflow.namespace}}",
                                "labels": {f"{workflow.ANNOTATION_PREFIX}/child": child.name,
                                           # a resource template adds only the ownerReference (operator.go:3935-3949
                                           # @v4.1.2): an instance-id controller needs its label (kinds.with_instance_id)
                                           **{k: v for k, v in run.labels if k == kinds.INSTANCE_ID}}}
    spec: dict[str, Any] = {"workflowTemplateRef": {"name": child.name}}
    manifest = {"apiVersion": workflow.API_VERSION, "kind": "Workflow", "metadata": metadata, "spec": spec}
    spec["arguments"] = {"parameters": [
        {"name": q, "value": f"{values.ENCODED_PREFIX}{{{{inputs.parameters.{q}}}}}"} for q in params
    ] + _run_identity(run)}
    template: dict[str, Any] = {"name": name}
    if params:
        template["inputs"] = {"parameters": [{"name": q} for q in params]}
    outs = [o.name for o in child.part.out_params]
    if outs:
        template["outputs"] = {"parameters": [
            {"name": o, "valueFrom": {"jsonPath": f'{{.status.outputs.parameters[?(@.name=="{o}")].value}}'}}
            for o in outs]}
    template["resource"] = {"action": "create", "setOwnerReference": True, "successCondition": SUCCESS,
                            "failureCondition": FAILURE,
                            "manifest": json.dumps(manifest, separators=(",", ":"), ensure_ascii=False)}
    return template


def _run_identity(run: run_options.RunOptions) -> list[dict[str, str]]:
    """The parent's name, uid and times for KFP's run-time values in every child (values.RUN_PARAMS):
    the resource manifest is substituted with the parent's globals before it is created
    (operator.go:3926-3961, 678-701 @v4.1.2). `workflow.scheduledTime` exists only in a Workflow a
    CronWorkflow started (operator.go:684-688 @v4.1.2); otherwise KFP's schedule time is the creation time."""
    scheduled = "{{workflow.scheduledTime}}" if run.kind == "cron" else "{{workflow.creationTimestamp}}"
    given = {"kfpc-run-name": "{{workflow.name}}", "kfpc-run-uid": "{{workflow.uid}}",
             "kfpc-run-created": "{{workflow.creationTimestamp}}", "kfpc-run-scheduled": scheduled}
    assert set(given) == set(values.RUN_PARAMS.values())
    return [{"name": name, "value": given[name]} for name in sorted(given)]


def _cannot_cross(plan: Plan, ctx: Context, whole_pipeline_exit: bool) -> list[str]:
    """What a Workflow of Workflows cannot run, as the refusal names it."""
    found = []
    if ctx.run.parallelism is not None:
        found.append("--parallelism (Argo counts the pods of one Workflow: operator.go:3299 @v4.1.2)")
    if whole_pipeline_exit:
        found.append("an exit handler around the whole pipeline (it would run in the parent, which sees only the "
                     "child Workflows)")
    if plan.run_config is not None and plan.run_config.workspace_size:
        found.append("KFP's shared workspace (each Workflow gets its own claim)")
    root = plan.root_dag
    if root.interface.in_artifacts or root.out_artifacts:
        found.append("pipeline input or output artifacts (a resource template passes only parameters)")
    return found


def _refuse_what_cannot_cross(plan: Plan, whole: list[dict[str, Any]], parts_of_whole: dict[str, int],
                              ctx: Context) -> None:
    found = _cannot_cross(plan, ctx, "onExit" in caps.spec_of(whole[-1]))
    if found:
        _refuse(whole, parts_of_whole, ctx, f"kfpc runs a pipeline this large as child Workflows, but not "
                                                   f"with {found[0]}")


def _refuse(whole: list[dict[str, Any]], parts_of_whole: dict[str, int], ctx: Context, why: str) -> None:
    """The one-Workflow refusal (size.check), saying why child Workflows do not help either."""
    try:
        size.check(whole, ctx.limit, ctx.version, parts_of_whole)
    except UnsupportedError as exc:
        first = exc.diagnostics[0]
        raise UnsupportedError(f"{first.message}; {why}", hint=first.hint) from None
    raise AssertionError("children.build is only for runs over the limit")


def _how_to_apply(children: list[Child], parent: dict[str, Any]) -> str:
    count = sum(len(c.documents) for c in children)
    return (f"too large for one Workflow: the run is {len(children)} child Workflows, started one after another as "
            f"the pipeline needs by the {parent['kind']} at the end; the {count} WorkflowTemplates before it must "
            "exist first (`kubectl apply --server-side -f` them, then create the run a few seconds later; with "
            "--output-dir they are in <input>.workflowtemplate.yaml), and the run's service account needs create "
            "and get on workflows (`kfpc setup argo`); the controller's parallelism (and namespaceParallelism) "
            "must admit the parent and its running children together, at least 2 per concurrent run, or the parent "
            "waits on a Pending child until --pipeline-timeout, if any (controller.go:969-985 @v4.1.2)")
