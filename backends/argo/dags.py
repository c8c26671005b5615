"""DAG templates: one per DAG component, plus one wrapper per throttled or collecting loop.

A DAG task passes every parameter in K-form through expression tags (values.py). Dependencies use
`depends` with explicit results, so a skipped or failed producer never lets a consumer run on
missing data. Tasks that must run after failures (exit handlers, ignore_upstream_failure) make
their DAG keep going (`failFast: false`) while still ending Failed: the failed upstreams are listed
as DAG targets (argo.md §6).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from kfpc.errors import UnsupportedError
from kfpc.plan import model as p
from kfpc.plan.values import text_form

from kfpc_backends.argo import conditions, escape, values
from kfpc_backends.argo.containers import meta_param

if TYPE_CHECKING:
    from kfpc_backends.argo.workflow import Renderer

COMPLETED = ("Succeeded", "Failed", "Errored", "Skipped", "Omitted")
ITEM_INDEX = "kfpc-index"


def dag_inputs(component: p.DagComponent) -> dict[str, Any]:
    params = [{"name": q.name} if q.required or q.has_default else {"name": q.name, "default": ""}
              for q in component.interface.in_params]
    params += [{"name": meta_param(a.name), "default": "{}"} for a in component.interface.in_artifacts]
    arts = [{"name": a.name, **({"optional": True} if a.optional else {})} for a in component.interface.in_artifacts]
    out: dict[str, Any] = {}
    if params:
        out["parameters"] = params
    if arts:
        out["artifacts"] = arts
    return out


def root_inputs(component: p.DagComponent) -> dict[str, Any]:
    """The entrypoint receives the workflow's argument artifacts; its parameters are read from
    `workflow.parameters` instead, where Argo keeps the raw values."""
    arts = [{"name": a.name, **({"optional": True} if a.optional else {})} for a in component.interface.in_artifacts]
    return {"artifacts": arts} if arts else {}


class DagBuilder:
    def __init__(self, renderer: "Renderer", component: p.DagComponent, is_root: bool):
        self.r = renderer
        self.c = component
        self.is_root = is_root
        self.scope = values.Scope(is_root, {t.key: t.name for t in component.tasks},
                                  renderer.encoded_params if is_root else frozenset(), renderer.pipeline_root)
        self.virtual = {t.key for t in component.tasks
                        if isinstance(renderer.plan.component(t.component), p.ImporterComponent)}

    def build(self) -> dict[str, Any]:
        tasks = [self.task(t) for t in self.c.tasks if t.key not in self.virtual]
        dag: dict[str, Any] = {"tasks": tasks}
        finally_tasks = [t for t in self.c.tasks if t.run_after_failure and t.key not in self.virtual]
        if finally_tasks:
            dag["failFast"] = False
            dag["target"] = " ".join(self.targets(finally_tasks))
        template: dict[str, Any] = {"name": self.c.name}
        inputs = root_inputs(self.c) if self.is_root else dag_inputs(self.c)
        if inputs:
            template["inputs"] = inputs
        outputs = self.outputs()
        if outputs:
            template["outputs"] = outputs
        template["dag"] = dag
        return template

    # -- dependencies -----------------------------------------------------------------------

    def real_depends(self, task: p.Task) -> list[str]:
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

    def depends(self, task: p.Task) -> str | None:
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

    def targets(self, finally_tasks: list[p.Task]) -> list[str]:
        real = [t for t in self.c.tasks if t.key not in self.virtual]
        has_dependents = {d for t in real for d in self.real_depends(t)}
        names = {t.name for t in real if t.key not in has_dependents}
        for t in finally_tasks:
            names.update(self.scope.task(k) for k in self.real_depends(t))
        return sorted(names)

    # -- tasks ------------------------------------------------------------------------------

    def task(self, task: p.Task) -> dict[str, Any]:
        target = self.r.plan.component(task.component)
        if task.loop is not None and (task.loop.parallelism or self._has_outputs(target)):
            template_name, declared = self.r.loop_wrapper(self, task)
            entry = self._entry(task, template_name)
            entry["arguments"] = self.arguments(task, declared, wrapper=True)
            return _compact(entry)
        template_name, declared = self.r.template_for(target, task)
        entry = self._entry(task, template_name)
        if task.loop is not None:
            entry.update(self.loop_items(task.loop))
        entry["arguments"] = self.arguments(task, declared)
        return _compact(entry)

    @staticmethod
    def _has_outputs(target: p.Component) -> bool:
        return bool(target.interface.out_params or target.interface.out_artifacts)

    def _entry(self, task: p.Task, template: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": task.name, "template": template}
        depends = self.depends(task)
        if depends:
            entry["depends"] = depends
        if task.condition is not None:
            entry["when"] = conditions.when(task.condition, self.scope)
        return entry

    def loop_items(self, loop: p.Loop, items_param: str | None = None) -> dict[str, Any]:
        if loop.over_artifacts:
            raise UnsupportedError("loops over artifact lists are not supported by the Argo backend yet")
        if loop.items is not None:
            return {"withItems": [f"{i}:{_b64(text_form(item))}" for i, item in enumerate(loop.items)]}
        assert loop.source is not None
        if items_param is not None:
            raw = escape.u_expr(f"inputs.parameters[{escape.string_literal(items_param)}]")
        else:
            raw = values.raw(loop.source, self.scope)  # type: ignore[arg-type]
        encode = f"string(#index) + ':' + sprig.b64enc({values.text_of('#')})"
        return {"withParam": escape.tag(f"toJson(map(fromJSON({raw}), {{{encode}}}))")}

    def arguments(self, task: p.Task, declared: dict[str, Any], wrapper: bool = False) -> dict[str, Any]:
        params = []
        item_input = task.loop.item_input if task.loop is not None and not wrapper else None
        for entry in declared.get("parameters", []):
            name = entry["name"]
            if name == item_input:
                value = escape.tag(escape.k_expr("sprig.b64dec(split(item, ':')[1])"))
            elif name == ITEM_INDEX and not wrapper and task.loop is not None:
                value = escape.tag("split(item, ':')[0]")
            elif name == WRAPPED_ITEMS:
                value = values.argument(task.loop.source, self.scope, task.key)  # type: ignore[union-attr, arg-type]
            elif name.startswith("kfpc-meta-"):
                value = self.meta_value(task, name[len("kfpc-meta-"):])
                if value is None:
                    continue
            else:
                binding = task.param(name)
                if binding is None:
                    continue
                value = values.argument(binding.source, self.scope, task.key, binding.type)
            params.append({"name": name, "value": value})
        arts = []
        for entry in declared.get("artifacts", []):
            binding = task.artifact(entry["name"])
            if binding is not None:
                arts.append(self.artifact_argument(binding))
        out: dict[str, Any] = {}
        if params:
            out["parameters"] = params
        if arts:
            out["artifacts"] = arts
        return out

    def artifact_argument(self, binding: p.ArtifactBinding) -> dict[str, Any]:
        source = binding.source
        if isinstance(source, p.FromInputArtifact):
            return {"name": binding.name, "from": f"{{{{inputs.artifacts.{source.name}}}}}"}
        if source.task in self.virtual:
            return {"name": binding.name, **self.r.import_location(self, self.c.task(source.task))}
        if source.collected:
            raise UnsupportedError("collected artifacts (dsl.Collected of artifacts) are not supported by the Argo "
                                   "backend yet")
        return {"name": binding.name, "from": f"{{{{tasks.{self.scope.task(source.task)}.outputs.artifacts."
                                              f"{source.output}}}}}"}

    def meta_value(self, task: p.Task, artifact: str) -> str | None:
        binding = task.artifact(artifact)
        if binding is None:
            return None
        source = binding.source
        if isinstance(source, p.FromInputArtifact):
            if self.is_root:  # a workflow argument artifact: its location is all Argo knows about it
                return escape.literal('{"metadata":{}}')
            return escape.tag(f"inputs.parameters[{escape.string_literal(meta_param(source.name))}]")
        if source.task in self.virtual:
            return self.r.import_meta(self, self.c.task(source.task))
        producer = self.r.plan.component(self.c.task(source.task).component)
        if isinstance(producer, p.ContainerComponent) and not producer.needs_launcher:
            return escape.literal('{"metadata":{}}')
        ref = (f"tasks[{escape.string_literal(self.scope.task(source.task))}].outputs.parameters"
               f"[{escape.string_literal(meta_param(source.output))}]")
        return escape.tag(escape.k_expr(ref))

    # -- outputs ----------------------------------------------------------------------------

    def outputs(self) -> dict[str, Any]:
        params = []
        for out in self.c.out_params:
            entry: dict[str, Any] = {"name": out.name, "valueFrom": self.param_from(out.sources)}
            if self.is_root:
                entry["globalName"] = out.name
            params.append(entry)
        arts = []
        for out in self.c.out_artifacts:
            art: dict[str, Any] = {"name": out.name, **self.artifact_from(out.sources)}
            if self.is_root:
                art["globalName"] = out.name
            arts.append(art)
            params.append({"name": meta_param(out.name), "valueFrom": self.meta_from(out.sources)})
        result: dict[str, Any] = {}
        if params:
            result["parameters"] = params
        if arts:
            result["artifacts"] = arts
        return result

    def _ref(self, source: p.FromTask | p.FromTaskArtifact, kind: str, name: str) -> str:
        return (f"tasks[{escape.string_literal(self.scope.task(source.task))}].outputs.{kind}"
                f"[{escape.string_literal(name)}]")

    def _chain(self, sources, kind: str, name_of) -> str:
        """OneOf: the first branch that ran (argo.md §5); the untaken branches are never evaluated."""
        *firsts, last = sources
        text = self._ref(last, kind, name_of(last))
        for source in reversed(firsts):
            status = f"tasks[{escape.string_literal(self.scope.task(source.task))}].status"
            text = f"{status} == 'Succeeded' ? {self._ref(source, kind, name_of(source))} : ({text})"
        return text

    def param_from(self, sources: tuple[p.FromTask, ...]) -> dict[str, Any]:
        if len(sources) == 1:
            s = sources[0]
            return {"parameter": f"{{{{tasks.{self.scope.task(s.task)}.outputs.parameters.{s.output}}}}}"}
        return {"expression": self._chain(sources, "parameters", lambda s: s.output)}

    def artifact_from(self, sources: tuple[p.FromTaskArtifact, ...]) -> dict[str, Any]:
        for s in sources:
            if s.task in self.virtual:
                raise UnsupportedError("a DAG output that is an imported artifact is not supported by the Argo "
                                       "backend yet")
        if len(sources) == 1:
            s = sources[0]
            return {"from": f"{{{{tasks.{self.scope.task(s.task)}.outputs.artifacts.{s.output}}}}}"}
        return {"fromExpression": self._chain(sources, "artifacts", lambda s: s.output)}

    def meta_from(self, sources: tuple[p.FromTaskArtifact, ...]) -> dict[str, Any]:
        def producer_meta(s: p.FromTaskArtifact) -> str:
            producer = self.r.plan.component(self.c.task(s.task).component)
            if isinstance(producer, p.ContainerComponent) and not producer.needs_launcher:
                return "'{\"metadata\":{} }'"
            return self._ref(s, "parameters", meta_param(s.output))

        if len(sources) == 1:
            return {"expression": producer_meta(sources[0]), "default": "{}"}
        *firsts, last = sources
        text = producer_meta(last)
        for source in reversed(firsts):
            status = f"tasks[{escape.string_literal(self.scope.task(source.task))}].status"
            text = f"{status} == 'Succeeded' ? {producer_meta(source)} : ({text})"
        return {"expression": text, "default": "{}"}


WRAPPED_ITEMS = "kfpc-items"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _compact(entry: dict[str, Any]) -> dict[str, Any]:
    if not entry.get("arguments"):
        entry.pop("arguments", None)
    return entry
