"""DAG templates: one per DAG component, plus one wrapper per throttled or collecting loop.

A DAG task passes every parameter in K-form through expression tags (values.py). Dependencies use
`depends` with explicit results, so a skipped or failed producer never lets a consumer run on
missing data. Tasks that must run after failures (exit handlers, ignore_upstream_failure) make
their DAG keep going (`failFast: false`) while still ending Failed: the failed upstreams are listed
as DAG targets, whose phases decide the DAG's (workflow/controller/dag.go:303-307, 358 @v4.1.2). Artifact
lists travel as descriptors (collect.py).
"""

from __future__ import annotations

import base64
import dataclasses
from typing import TYPE_CHECKING, Any

from kfpc.errors import UnsupportedError
from kfpc.plan import importers
from kfpc.plan.model import (
    ArtifactBinding, ArtifactSource, ContainerComponent, DagComponent, FromInputArtifact, FromTask,
    FromTaskArtifact, Interpolation, Loop, ParamSource, Task,
)
from kfpc.plan.values import text_form

from kfpc_backends.argo import collect, conditions, escape, imports, memo, shapes, split, values
from kfpc_backends.argo.containers import meta_param
from kfpc_backends.argo.k8s import INPUT_PREFIX as K8S_INPUT

if TYPE_CHECKING:
    from kfpc_backends.argo.workflow import Renderer

COMPLETED = ("Succeeded", "Failed", "Errored", "Skipped", "Omitted")
WRAPPED_ITEMS = "kfpc-items"
ITEM_INDEX = "split(item, ':')[0]"
ITEM_VALUE = "sprig.b64dec(split(item, ':')[1])"
EMPTY_META = '{"metadata":{}}'
PADDED_INDEX = f"sprig.repeat({collect.INDEX_WIDTH} - len(string(#index)), '0') + string(#index)"


def located(name: str, location: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    """An argument artifact that carries its own location replaces the template's input wholesale
    (Argo's ProcessArgs), so the input's `archive: none` and `optional` must be repeated here."""
    return {"name": name, **location, "archive": {"none": {}}, **({"optional": True} if optional else {})}


def inputs_of(component: DagComponent, keyed: bool, is_root: bool,
              in_workspace: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Root parameters are read from `workflow.parameters`, where Argo keeps the raw values; the
    root's artifacts are the workflow's argument artifacts. An artifact in KFP's workspace
    (`in_workspace`, imports.py) comes as its metadata parameter alone."""
    params: list[dict[str, Any]] = []
    arts: list[dict[str, Any]] = []
    if not is_root:
        params += [{"name": q.name} if q.required or q.has_default else {"name": q.name, "default": ""}
                   for q in component.interface.in_params]
    for a in component.interface.in_artifacts:
        if a.is_list and not is_root:
            params.append({"name": collect.list_param(a.name), "default": ""})
            continue
        if not is_root:
            params.append({"name": meta_param(a.name), "default": EMPTY_META})
        if a.name in in_workspace:
            continue
        arts.append({"name": a.name, **({"optional": True} if a.optional else {})})
    if keyed:
        params += [{"name": collect.PATH, "default": collect.ROOT_PATH if is_root else ""},
                   {"name": collect.IDX, "default": ""}]
    return shapes.io(params, arts)


def _ref(kind: str, name: str) -> str:
    return f"{kind}.parameters[{escape.string_literal(name)}]"


class DagBuilder:
    def __init__(self, renderer: "Renderer", component: DagComponent, is_root: bool):
        self.r = renderer
        self.c = component
        self.is_root = is_root
        self.keyed = renderer.keyed
        globals_ = component.workflow_inputs if isinstance(component, split.Part) else frozenset()
        self.scope = values.Scope(is_root, {t.key: t.name for t in component.tasks},
                                  renderer.encoded_params if is_root or globals_ else frozenset(),
                                  renderer.pipeline_root, workflow_inputs=globals_, parent_run=renderer.parent_run)
        self.importers = importers.importers(renderer.plan, component)
        # Importers run no pod, except those that download into KFP's workspace (imports.py).
        self.workspace_imports = {k for k, c in self.importers.items() if c.download_to_workspace}
        self.virtual = set(self.importers) - self.workspace_imports
        self.list_inputs = {a.name for a in component.interface.in_artifacts if a.is_list and not is_root}
        self.failure_tolerant_upstreams: set[str] = set()
        self.calling_part = False

    def build(self) -> dict[str, Any]:
        exit_task = self.whole_pipeline_exit() if self.is_root else None
        if exit_task is not None:
            # The handler runs as the workflow's onExit (workflow.py): also after the deadline
            # (workflow/controller/workflowpod.go:455 @v4.1.2) and after `argo stop`
            # (pkg/apis/workflow/v1alpha1/workflow_types.go:634-642 @v4.1.2), which stop DAG tasks.
            entry = self.task(exit_task, on_exit=True)
            entry.pop("depends", None)
            self.r.on_exit_task = entry
        tasks = [self.task(t) for t in self.c.tasks if t.key not in self.virtual and t is not exit_task]
        dag: dict[str, Any] = {"tasks": tasks}
        calls = [t for t in self.c.tasks if t.depends and self.calls_part(t)]
        finally_tasks = [t for t in self.c.tasks if t.run_after_failure and t.key not in self.virtual
                         and t is not exit_task and t not in calls]
        if finally_tasks or (isinstance(self.c, split.Part) and self.c.keep_going):
            dag["failFast"] = False
        if finally_tasks or calls:
            # kinds.apply sets `failFast: false` on every DAG under --failure-policy slow, after this
            fail_fast = dag.get("failFast", True) and not self.r.fail_slow
            dag["target"] = " ".join(self.targets(finally_tasks + calls, fail_fast))
        template: dict[str, Any] = {"name": self.c.name}
        inputs = inputs_of(self.c, self.keyed, self.is_root,
                           frozenset() if self.is_root else self.r.workspace_inputs(self.c))
        if inputs:
            template["inputs"] = inputs
        outputs = self.outputs()
        if outputs:
            template["outputs"] = outputs
        template["dag"] = dag
        return template

    def whole_pipeline_exit(self) -> Task | None:
        """The exit task of an exit handler that wraps the whole pipeline: the root holds only the
        handler's group and one task that runs after it whatever happened, reading nothing from it
        but its final status. Then nothing else is left to run when it starts, as with onExit."""
        real = [t for t in self.c.tasks if t.key not in self.virtual]
        if len(real) != 2 or len(real) != len(self.c.tasks):
            return None
        for exit_task, group in (real, real[::-1]):
            if (exit_task.run_after_failure and not group.run_after_failure and exit_task.depends == (group.key,)
                    and exit_task.loop is None and exit_task.condition is None and group.loop is None
                    and group.condition is None and not exit_task.artifacts
                    and isinstance(self.r.plan.component(group.component), DagComponent)
                    and not any(isinstance(b.source, FromTask) for b in exit_task.params)
                    and not (exit_task.k8s and any(isinstance(s, FromTask) for _, s in exit_task.k8s.sources()))):
                return exit_task
        return None

    def calls_part(self, task: Task) -> bool:
        """A task that runs a part of a split DAG (split.py): inside a part it waits for its upstreams to
        complete in any phase, which must not make the part keep going after failures; its upstreams
        are targets instead, so their failures still fail the part."""
        return isinstance(self.r.plan.component(task.component), split.Part)

    # -- dependencies -----------------------------------------------------------------------

    def real_depends(self, task: Task) -> list[str]:
        """Dependencies with importer tasks (which Argo never runs) replaced by what they wait for."""
        seen: set[str] = set()
        out: list[str] = []
        stack = list(task.depends)
        while stack:
            key = stack.pop(0)
            if key in seen:
                continue
            seen.add(key)
            if key in self.virtual:
                stack.extend(self.c.task(key).depends)
            else:
                out.append(key)
        return sorted(out)

    def depends(self, task: Task) -> str | None:
        terms = []
        for key in self.real_depends(task):
            name = self.scope.task(key)
            upstream = self.c.task(key)
            if task.run_after_failure:
                terms.append("(" + " || ".join(f"{name}.{result}" for result in COMPLETED) + ")")
            elif upstream.loop is not None:
                terms.append(f"({name}.Succeeded || {name}.Skipped)")  # an empty loop still "ran"
            else:
                terms.append(f"{name}.Succeeded")
        return " && ".join(terms) or None

    def targets(self, finally_tasks: list[Task], fail_fast: bool = True) -> list[str]:
        real = [t for t in self.c.tasks if t.key not in self.virtual]
        has_dependents = {d for t in real for d in self.real_depends(t)}
        names = {t.name for t in real if t.key not in has_dependents}
        for t in finally_tasks:
            names.update(self.scope.task(k) for k in self.real_depends(t))
        # A DAG takes the phase of its first failed target under failFast, of its last one without
        # (dag.go:217-245 @v4.1.2): a failed upstream's own phase, which the unsplit DAG takes, must
        # win over that of a call of a part.
        calls = {self.scope.task(t.key) for t in real if self.calls_part(t)}
        return sorted(names, key=lambda name: ((name in calls) == fail_fast, name))

    # -- tasks ------------------------------------------------------------------------------

    def task(self, task: Task, on_exit: bool = False) -> dict[str, Any]:
        if on_exit:  # its final-status inputs read the workflow's status (values.final_status)
            scope, self.scope = self.scope, dataclasses.replace(self.scope, on_exit=True)
            try:
                return self.task(task)
            finally:
                self.scope = scope
        target = self.r.plan.component(task.component)
        wrapped = task.loop is not None and (task.loop.parallelism or target.interface.out_params
                                             or target.interface.out_artifacts)
        if wrapped:
            template_name, declared = self.r.loop_wrapper(self, task)
        else:
            template_name, declared = self.r.template_for(target, task, self)
        entry: dict[str, Any] = {"name": task.name, "template": template_name}
        depends = self.depends(task)
        if depends:
            entry["depends"] = depends
        if task.condition is not None:
            entry["when"] = conditions.when(task.condition, self.scope)
        if task.loop is not None and not wrapped:
            entry.update(self.loop_items(task.loop))
        arguments = self.arguments(task, declared, looped=task.loop is not None and not wrapped)
        if arguments:
            entry["arguments"] = arguments
        return entry

    def loop_items(self, loop: Loop, items_param: str | None = None) -> dict[str, Any]:
        """Every item travels as `<index>:<base64>`: Argo before v3.7.16/4.0 JSON-escapes string
        items, and the index names the iteration's keys."""
        if loop.items is not None:
            return {"withItems": [f"{i:0{collect.INDEX_WIDTH}d}:{_b64(text_form(item))}"
                                  for i, item in enumerate(loop.items)]}
        assert loop.source is not None
        if loop.over_artifacts:
            desc = _ref("inputs", items_param) if items_param else self.descriptor(loop.source)  # type: ignore[arg-type]
            items = f"split({desc}, '|')[3]"
            listed = f"({items} == '' ? [] : fromJSON({items}))"
            encode = f"{PADDED_INDEX} + ':' + sprig.b64enc(#)"
            return {"withParam": escape.tag(f"toJson(map({listed}, {{{encode}}}))")}
        if items_param is not None:
            raw = escape.u_expr(_ref("inputs", items_param))
        else:
            raw = values.raw(loop.source, self.scope)  # type: ignore[arg-type]
        encode = f"{PADDED_INDEX} + ':' + sprig.b64enc({values.text_of('#')})"
        return {"withParam": escape.tag(f"toJson(map(fromJSON({raw}), {{{encode}}}))")}

    def path_value(self, task: Task) -> str:
        return f"{{{{inputs.parameters.{collect.PATH}}}}}/{task.name}"

    def idx_value(self, looped: bool) -> str:
        idx = f"{{{{inputs.parameters.{collect.IDX}}}}}"
        return idx + "/" + escape.tag(ITEM_INDEX) if looped else idx

    def arguments(self, task: Task, declared: dict[str, Any], looped: bool = False,
                  wrapper: bool = False) -> dict[str, Any]:
        self.failure_tolerant_upstreams = set(self.real_depends(task)) if task.run_after_failure else set()
        self.calling_part = self.calls_part(task)
        item_input = task.loop.item_input if task.loop is not None and looped else None
        params = []
        for entry in declared.get("parameters", []):
            value = self.param_argument(task, entry["name"], item_input, looped)
            if value is not None:
                params.append({"name": entry["name"], "value": value})
        arts = []
        for entry in declared.get("artifacts", []):
            argument = self.artifact_argument_for(task, entry["name"], item_input)
            if argument is not None:
                arts.append(argument)
        self.calling_part = False  # descriptors of loops and outputs are read strictly
        return shapes.io(params, arts)

    def param_argument(self, task: Task, name: str, item_input: str | None, looped: bool) -> str | None:
        """The value a task hands its template's input parameter `name`: kfpc's own inputs by their
        prefix (loop items, storage paths, metadata, cache fingerprints, part phases, pods' ids,
        platform values), else the task's own binding; None when nothing is bound."""
        if name == item_input and not task.loop.over_artifacts:  # type: ignore[union-attr]
            return escape.tag(escape.k_expr(ITEM_VALUE))
        if name == collect.PATH:
            return self.path_value(task)
        if name == collect.IDX:
            return self.idx_value(looped)
        if name == WRAPPED_ITEMS:
            source = task.loop.source  # type: ignore[union-attr]
            return (escape.tag(self.descriptor(source)) if task.loop.over_artifacts  # type: ignore[union-attr, arg-type]
                    else values.argument(source, self.scope, task.key))  # type: ignore[arg-type]
        if name.startswith("kfpc-list-"):
            binding = task.artifact(name[len("kfpc-list-"):])
            return escape.tag(self.descriptor(binding.source)) if binding else None
        if name.startswith("kfpc-meta-"):
            artifact = name[len("kfpc-meta-"):]
            return escape.literal(EMPTY_META) if artifact == item_input else self.meta_value(task, artifact)
        if name == memo.FINGERPRINT and task.caching is not None:
            return memo.fingerprint_value(task.caching.fingerprint)
        if name.startswith(split.STATUS):
            return self.phase_of(name)
        if name.startswith("kfpc-id-"):
            return self.producer_id(task, name[len("kfpc-id-"):])
        if name == imports.URI_PARAM and task.key in self.workspace_imports:
            return self.r.import_uri_argument(self, task)
        if name.startswith(K8S_INPUT) and task.k8s is not None:  # kfp-kubernetes values (k8s.py)
            source = task.k8s.sources()[int(name[len(K8S_INPUT):])][1]
            return values.argument(source, self.scope_for(task, name), task.key)
        param = task.param(name)
        if param is not None and task.run_after_failure:
            self.require_default(task, name, param.source)
        return None if param is None else values.argument(param.source, self.scope_for(task, name), task.key,
                                                          param.type)

    def artifact_argument_for(self, task: Task, name: str, item_input: str | None) -> dict[str, Any] | None:
        """The argument a task hands its template's input artifact `name`, or None."""
        if item_input is not None and name == item_input:
            desc = self.descriptor(task.loop.source)  # type: ignore[union-attr, arg-type]
            return located(name, {"s3": {"key": escape.tag(f"split({desc}, '|')[2]") + escape.tag(ITEM_VALUE)}})
        if name == imports.SOURCE and task.key in self.workspace_imports:
            return located(name, self.r.import_location(self, task))  # type: ignore[arg-type]
        if name.startswith("kfpc-meta-"):
            binding = task.artifact(name[len("kfpc-meta-"):])
            if binding is None:
                return None
            key = escape.tag(f"split({self.descriptor(binding.source)}, '|')[1]")
            return located(name, {"s3": {"key": key}}, optional=True)
        binding = task.artifact(name)
        if binding is None:
            return None
        if binding.is_list:
            key = escape.tag(f"split({self.descriptor(binding.source)}, '|')[2]")
            return located(name, {"s3": {"key": key}}, optional=True)
        return self.artifact_argument(binding)

    def phase_of(self, param: str) -> str:
        """The value of a part's phase input `param` (split.status_param): the upstream's task status
        here (operator.go:3654-3656 @v4.1.2), or this part's own input when the task lives further out."""
        upstream = next((key for key in self.scope.task_names if split.status_param(key) == param), None)
        if upstream is not None:
            return escape.tag(f"tasks[{escape.string_literal(self.scope.task(upstream))}].status")
        return escape.tag(_ref("inputs", param))

    def require_default(self, task: Task, name: str, source: ParamSource) -> None:
        """A task that runs after failures and reads an upstream's output needs the input's default
        for when that upstream failed; the KFP SDK refuses the pipeline otherwise
        (`ignore_upstream_failure`, sdk/python/kfp/dsl/pipeline_task.py:876-887 @sdk-2.17.0-1), and
        without it kfpc would pass an empty string the component never asked for."""
        spec = self.r.plan.component(task.component).interface.in_param(name)
        if spec is None or spec.has_default or spec.optional:
            return
        parts = source.parts if isinstance(source, Interpolation) else (source,)
        upstream = next((s.task for s in parts if isinstance(s, FromTask) and s.task in self.real_depends(task)), None)
        if upstream is None:
            return
        where = ("root",) if self.c.ir_key == "root" else ("components", self.c.ir_key)
        raise UnsupportedError(
            f"task {task.key!r} runs even when its upstream tasks fail (ignore_upstream_failure), but its input "
            f"{name!r} takes an output of {upstream!r} and has no default for when {upstream!r} fails",
            path=where + ("dag", "tasks", task.key, "inputs", "parameters", name), code="KFPC306",
            hint=f"give the component's {name!r} parameter a default value (the KFP SDK refuses this pipeline too)")

    def scope_for(self, task: Task, input_name: str) -> values.Scope:
        """A task that runs after failures reads its upstreams' outputs leniently: a failed producer
        wrote none, and KFP then gives the consumer the input's default (`ignore_upstream_failure`)."""
        if not task.run_after_failure:
            return self.scope
        spec = self.r.plan.component(task.component).interface.in_param(input_name)
        fallback = text_form(spec.default) if spec is not None and spec.has_default else ""
        return dataclasses.replace(self.scope, failed_ok={k: fallback for k in self.real_depends(task)})

    def descriptor(self, source: ArtifactSource) -> str:
        """Expression for the list descriptor of an artifact-list source (collect.py)."""
        if isinstance(source, FromInputArtifact):
            if source.name not in self.list_inputs:
                raise UnsupportedError(f"input {source.name!r} is used as an artifact list but is a single artifact")
            return _ref("inputs", collect.list_param(source.name))
        return self.output_ref(source.task, collect.list_param(source.output), "")

    def artifact_argument(self, binding: ArtifactBinding) -> dict[str, Any] | None:
        source = binding.source
        if isinstance(source, FromInputArtifact):
            return {"name": binding.name, "from": f"{{{{inputs.artifacts.{source.name}}}}}"}
        if self.c.task(source.task).key in self.failure_tolerant_upstreams:
            if self.calling_part:  # read only if it succeeded; Argo drops an optional one it lacks (dag.go:864 @v4.1.2)
                return {"name": binding.name, "from": f"{{{{tasks.{self.scope.task(source.task)}.outputs.artifacts."
                                                      f"{source.output}}}}}", "optional": True}
            raise UnsupportedError(f"task {source.task!r} may fail before it writes artifact {source.output!r}, and "
                                   "a task that runs after failures cannot read it on Argo; pass a parameter instead")
        if source.task in self.workspace_imports:
            return None  # read in KFP's workspace, downloaded once by the import's own pod
        if source.task in self.virtual:
            location = self.r.import_location(self, self.c.task(source.task))
            return located(binding.name, location) if location else None
        return {"name": binding.name, "from": f"{{{{tasks.{self.scope.task(source.task)}.outputs.artifacts."
                                              f"{source.output}}}}}"}

    def producer_id(self, task: Task, artifact: str) -> str | None:
        """Who made an input artifact, for the memoization key (memo.py): the producing pod, or what
        an importer imports."""
        binding = task.artifact(artifact)
        if binding is None or not isinstance(binding.source, FromTaskArtifact):
            return None
        source = binding.source
        if source.task in self.virtual or source.task in self.workspace_imports:
            return self.r.import_meta(self, self.c.task(source.task))
        ref = (f"tasks[{escape.string_literal(self.scope.task(source.task))}].outputs.parameters"
               f"[{escape.string_literal(memo.PRODUCER_ID)}]")
        return escape.tag(escape.k_expr(ref))

    def meta_value(self, task: Task, artifact: str) -> str | None:
        binding = task.artifact(artifact)
        if binding is None:
            return None
        source = binding.source
        if isinstance(source, FromInputArtifact):
            if self.is_root:  # a workflow argument artifact: its location is all Argo knows about it
                return escape.literal(EMPTY_META)
            return escape.tag(_ref("inputs", meta_param(source.name)))
        if source.task in self.virtual or source.task in self.workspace_imports:
            return self.r.import_meta(self, self.c.task(source.task))
        producer = self.r.plan.component(self.c.task(source.task).component)
        if isinstance(producer, ContainerComponent) and not producer.needs_launcher:
            return escape.literal(EMPTY_META)
        return escape.tag(escape.k_expr(self.output_ref(source.task, meta_param(source.output), EMPTY_META)))

    def output_ref(self, task: str, output: str, fallback: str) -> str:
        """An upstream's output parameter; read leniently (with `fallback`) by a task that runs after
        the upstream failed, which then wrote none (values.lenient)."""
        if self.calling_part and task in self.failure_tolerant_upstreams:
            return values.lenient(self.scope.task(task), output, fallback)
        return f"tasks[{escape.string_literal(self.scope.task(task))}].outputs.parameters[{escape.string_literal(output)}]"

    # -- outputs ----------------------------------------------------------------------------

    def outputs(self) -> dict[str, Any]:
        params = []
        for name, sources in [(o.name, o.sources) for o in self.c.out_params] + \
                [(o.name, o.sources) for o in self.c.out_artifacts]:
            self.refuse_one_of_across_parts(name, sources)
        for param in self.c.out_params:
            entry: dict[str, Any] = {"name": param.name, "valueFrom": self.param_from(param.sources)}
            if isinstance(self.c, split.Part) and self.c.hands_on:
                # A value handed out of a part is missing only when its producer never ran, which
                # happens only when the enclosing part fails anyway; without a default the part's
                # outputs fail to resolve and the part ends Error instead (operator.go:3466-3481,
                # dag.go:413-416, operator.go:2576-2577 @v4.1.2), unlike the unsplit DAG.
                entry["valueFrom"]["default"] = ""
            if self.is_root:
                entry["globalName"] = param.name
            params.append(entry)
        arts = []
        is_body = self.c.name in self.r.loop_bodies
        for out in self.c.out_artifacts:
            if is_body:
                # One artifact per iteration: the loop's wrapper lists where they are (collect.py).
                producer = self.scope.task(collect.route(self.r.plan, self.c, out.name).producer)
                ran = (f"tasks[{escape.string_literal(producer)}].status == 'Succeeded' ? "
                       f"{_ref('inputs', collect.IDX)} : ''")
                params.append({"name": collect.ran_param(out.name), "valueFrom": {"expression": ran, "default": ""}})
                continue
            if out.is_list and self.r.yields_list(self.c, out.sources[0]):
                source = out.sources[0]
                entry = {"name": collect.list_param(out.name), "valueFrom": {
                    "parameter": f"{{{{tasks.{self.scope.task(source.task)}.outputs.parameters."
                                 f"{collect.list_param(source.output)}}}}}"}}
                if self.is_root:
                    entry["globalName"] = collect.list_param(out.name)
                params.append(entry)
                continue
            art: dict[str, Any] = {"name": out.name, **self.artifact_from(out.sources)}
            if isinstance(self.c, split.Part) and self.c.hands_on:
                # As a handed-on value above: when its producer did not succeed, an optional one is
                # left out (operator.go:3490-3498 @v4.1.2, :3065-3072 @v3.6.19) and the part still
                # ends as its tasks say; only tasks that would be Omitted read it.
                art["optional"] = True
            if self.is_root:
                art["globalName"] = out.name
            arts.append(art)
            params.append({"name": meta_param(out.name), "valueFrom": self.meta_from(out.sources)})
        return shapes.io(params, arts)

    def refuse_one_of_across_parts(self, name: str, sources: tuple) -> None:
        """OneOf picks the first branch whose producer Succeeded (_first_that_ran). Once split.py has
        moved the producers into parts, the sources are the calls of those parts, which succeed whether
        or not the producer inside ran and then hand on '' (an output's default, operator.go:3466-3481
        @v4.1.2): the first call would always win, so that shape is refused rather than miscompiled."""
        if len(sources) > 1 and any(self.calls_part(self.c.task(s.task)) for s in sources):
            raise UnsupportedError(
                f"output {name!r} of {self.c.ir_key or 'the pipeline'!r} comes from one of several tasks "
                f"(dsl.OneOf) in a DAG of more than {split.LIMIT} tasks, which kfpc splits into parts for Argo 4's "
                "CRD limits; the Argo backend cannot yet tell from outside a part which branch ran",
                hint="keep the DAG holding the dsl.If/Elif/Else branches under 200 tasks (move large branches into "
                     "sub-pipelines), or compile with -O argo-version=3.7, whose CRD has no limits")

    def _out_ref(self, source: FromTask | FromTaskArtifact, kind: str, name: str) -> str:
        return (f"tasks[{escape.string_literal(self.scope.task(source.task))}].outputs.{kind}"
                f"[{escape.string_literal(name)}]")

    def _first_that_ran(self, sources, render) -> str:
        """OneOf: the first branch that ran. Argo evaluates a DAG output's `expression` with expr-lang
        (workflow/controller/scope.go:171-177 @v4.1.2), whose ternary never evaluates the untaken branch."""
        *firsts, last = sources
        text = render(last)
        for source in reversed(firsts):
            status = f"tasks[{escape.string_literal(self.scope.task(source.task))}].status"
            text = f"{status} == 'Succeeded' ? {render(source)} : ({text})"
        return text

    def param_from(self, sources: tuple[FromTask, ...]) -> dict[str, Any]:
        if len(sources) == 1:
            s = sources[0]
            return {"parameter": f"{{{{tasks.{self.scope.task(s.task)}.outputs.parameters.{s.output}}}}}"}
        return {"expression": self._first_that_ran(sources, lambda s: self._out_ref(s, "parameters", s.output))}

    def artifact_from(self, sources: tuple[FromTaskArtifact, ...]) -> dict[str, Any]:
        for s in sources:
            if s.task in self.virtual or s.task in self.workspace_imports:
                raise UnsupportedError("a DAG output that is an imported artifact is not supported by the Argo "
                                       "backend yet")
        if len(sources) == 1:
            s = sources[0]
            return {"from": f"{{{{tasks.{self.scope.task(s.task)}.outputs.artifacts.{s.output}}}}}"}
        return {"fromExpression": self._first_that_ran(sources, lambda s: self._out_ref(s, "artifacts", s.output))}

    def meta_from(self, sources: tuple[FromTaskArtifact, ...]) -> dict[str, Any]:
        def producer_meta(s: FromTaskArtifact) -> str:
            producer = self.r.plan.component(self.c.task(s.task).component)
            if isinstance(producer, ContainerComponent) and not producer.needs_launcher:
                return escape.string_literal(EMPTY_META)
            return self._out_ref(s, "parameters", meta_param(s.output))

        return {"expression": self._first_that_ran(sources, producer_meta), "default": EMPTY_META}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
