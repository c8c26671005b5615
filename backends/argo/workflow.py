"""Assemble the Workflow: templates (deduplicated), arguments, and the launcher when needed."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from kfpc import names
from kfpc.errors import UnsupportedError, UsageError, agree, named
from kfpc.plan import k8s
from kfpc.plan.model import (
    ArtifactBinding, Component, Concat, Constant, ContainerComponent, DagComponent, DagOutputParam, FromInputArtifact, FromTaskArtifact, ImporterComponent, InputValue, Loop, ParamType, Plan,
    PvcComponent, Task,
)
from kfpc.plan import importers, scopes
from kfpc.plan.values import text_form

from kfpc_backends.argo import collect, containers, dags, escape, imports, memo, pvc, shapes, values

API_VERSION = "argoproj.io/v1alpha1"
ANNOTATION_PREFIX = "kfpc.dev"
WORKSPACE_CLAIM = "kfp-workspace"
HELPER_IMAGE = "python:3.12-slim"  # the Tekton backend's helper image, for workspace imports (imports.py)
_SAFE_DEFAULT = re.compile(r"\{\{|\}\}")
_DISPLAY_NAME_SHAPE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-.]{0,61}[a-zA-Z0-9]$")  # operator.go:2951 @v4.1.2


class Renderer:
    """Renders every template reachable from the root DAG, sharing identical ones."""

    def __init__(self, plan: Plan, pipeline_root: str, cache: memo.Cache | None = memo.Cache(),
                 helper_image: str = HELPER_IMAGE):
        self.plan = plan
        self.helper_image = helper_image
        self.pipeline_root = pipeline_root
        self.cache = cache  # None: caching disabled for the whole run
        self.encoded_params = encoded_defaults(plan)
        self.templates: dict[str, dict[str, Any]] = {}
        self.namer = names.Namer()
        self.by_content: dict[str, str] = {}
        self.rendered: dict[tuple, tuple[str, dict[str, Any]]] = {}
        self.reads_task_name: dict[str, bool] = {}  # containers.reads_task_name, by component digest
        self.dag_names: dict[str, str] = {}
        self.uses_launcher = False
        self.parent_run = False  # a child Workflow (children.py): run-time values are the parent's
        self.fail_slow = False  # --failure-policy slow: every DAG gets `failFast: false` (kinds.apply)
        self.on_exit_task: dict[str, Any] | None = None  # dags.DagBuilder.whole_pipeline_exit
        self.warnings: list[str] = []
        self.launcher_features: set[str] = set()
        self.keyed = collect.uses_keys(plan)
        self.memoized = memo.memoized(plan, cache, self.keyed)
        self.id_producers = memo.id_producers(plan, self.memoized)  # they report who made each artifact
        self.callers = scopes.callers(plan)
        self.loop_bodies = collect.loop_bodies(plan)
        self.in_workspace: dict[str, frozenset[str]] = {}  # DAG -> its input artifacts in KFP's workspace
        for comp in sorted(plan.components.values(), key=lambda c: c.name):
            if isinstance(comp, DagComponent):
                self.namer.reserve(comp.name)

    def render(self) -> list[dict[str, Any]]:
        self.dag_template(self.plan.root_dag, is_root=True)
        root = self.templates.pop(self.plan.root)
        return [root] + [self.templates[k] for k in sorted(self.templates)]

    # -- templates --------------------------------------------------------------------------

    def dag_template(self, component: DagComponent, is_root: bool = False) -> str:
        if component.name not in self.dag_names:
            self.dag_names[component.name] = component.name
            self.templates[component.name] = {}  # reserve first: DAG components never recurse (checked)
            self.templates[component.name] = dags.DagBuilder(self, component, is_root).build()
        return component.name

    def template_for(self, component: Component, task: Task,
                     builder: dags.DagBuilder) -> tuple[str, dict[str, Any]]:
        if isinstance(component, DagComponent):
            name = self.dag_template(component)
            shown = self.shown_name(task, shown=len(self.callers.get(component.name, ())) == 1)
            if shown:  # the DAG template serves this one task
                self.templates[name].setdefault("metadata", {"annotations": {containers.DISPLAY_NAME: shown}})
            return name, dags.inputs_of(component, self.keyed, False, self.workspace_inputs(component))
        if isinstance(component, ContainerComponent):
            call = containers.Call(task, self.imported_infos(task, builder), self.pipeline_root, self.keyed,
                                   self.cache if (builder.c.name, task.key) in self.memoized else None,
                                   (builder.c.name, task.key) in self.id_producers, self.shown_name(task),
                                   parent_run=self.parent_run)
            reads_name = self.reads_task_name.get(component.digest)
            if reads_name is None:
                reads_name = self.reads_task_name[component.digest] = containers.reads_task_name(component)
            signature = containers.call_signature(component, call, reads_name)
            known = self.rendered.get(signature)
            if known is not None:  # the same executor called the same way: render once
                return known
            template = containers.render(component, call)
            if component.needs_launcher:
                self.uses_launcher = True
                self.launcher_features |= containers.launcher_features(component, call)
            known = self.add(component.name, template), template.get("inputs", {})
            self.rendered[signature] = known
            return known
        if isinstance(component, PvcComponent):
            template = pvc.render(component, task)
            return self.add(component.name, template), template.get("inputs", {})
        if isinstance(component, ImporterComponent) and component.download_to_workspace:
            template = imports.template(self.helper_image)
            return self.add(imports.TEMPLATE, template), template["inputs"]
        raise UnsupportedError(f"task {task.key!r} uses a {component.kind} component that Argo cannot run")

    def shown_name(self, task: Task, shown: bool = True) -> str | None:
        """A task's own display name (`set_display_name`) where Argo can show it: as the annotation of
        a container's template, when Argo accepts its shape; otherwise a warning says it is dropped."""
        name = task.display_name
        if not name or name in (task.key, task.name):
            return None
        if shown and _DISPLAY_NAME_SHAPE.match(name):
            return name
        why = ("its sub-DAG serves several tasks" if not shown else
               "Argo shows only display names of letters, digits, '-' and '.' (at most 63)")
        self.warnings.append(f"task {task.key!r}: display name {name!r} is not shown on Argo ({why})")
        return None

    def add(self, base: str, template: dict[str, Any]) -> str:
        body = dict(template)
        body.pop("name", None)
        key = json.dumps(body, sort_keys=True, ensure_ascii=False)
        if key in self.by_content:
            return self.by_content[key]
        name = self.namer.name(base)
        template = {"name": name, **body}
        self.templates[name] = template
        self.by_content[key] = name
        return name

    def imported_infos(self, task: Task, builder: dags.DagBuilder) -> dict[str, dict[str, Any]]:
        """For each input the task takes from an importer: its URI when constant, its scheme, and
        whether it is in KFP's workspace (then the URI comes with its metadata when not constant)."""
        infos: dict[str, dict[str, Any]] = {}
        imported = importers.imported_inputs(builder.c, task, builder.importers)
        for binding in task.artifacts:
            source = binding.source
            if binding.name in imported:
                constant, _, scheme = self.importer_uri(builder, imported[binding.name])
                infos[binding.name] = {"uri": constant, "scheme": scheme}
                if imported[binding.name].key in builder.workspace_imports:
                    infos[binding.name]["workspace"] = True
            elif isinstance(source, FromInputArtifact) and source.name in self.workspace_inputs(builder.c):
                infos[binding.name] = {"uri": None, "scheme": "", "workspace": True}
        return infos

    def workspace_inputs(self, dag: DagComponent) -> frozenset[str]:
        """A DAG's input artifacts that every call feeds from KFP's workspace (a workspace import,
        or such an input of the calling DAG): the DAG then takes only their URI and metadata."""
        if dag.name not in self.in_workspace:
            found = set()
            for art in dag.interface.in_artifacts:
                fed = [self.fed_from_workspace(parent, call.artifact(art.name))
                       for parent, call in self.callers.get(dag.name, ()) if call.artifact(art.name) is not None]
                if any(fed) and not all(fed):
                    raise UnsupportedError(f"input artifact {art.name!r} of {dag.ir_key!r} comes from an importer that "
                                           "downloads into the KFP workspace at one call and from elsewhere at another; "
                                           "the Argo backend needs one or the other")
                if fed and all(fed):
                    found.add(art.name)
            self.in_workspace[dag.name] = frozenset(found)
        return self.in_workspace[dag.name]

    def fed_from_workspace(self, parent: DagComponent, binding: ArtifactBinding | None) -> bool:
        source = binding.source if binding is not None else None
        if isinstance(source, FromInputArtifact):
            return source.name in self.workspace_inputs(parent)
        if isinstance(source, FromTaskArtifact):
            comp = self.plan.component(parent.task(source.task).component)
            return isinstance(comp, ImporterComponent) and comp.download_to_workspace
        return False

    # -- loops ------------------------------------------------------------------------------

    def loop_wrapper(self, builder: dags.DagBuilder, task: Task) -> tuple[str, dict[str, Any]]:
        """A DAG around one loop: `parallelism` applies per template, aggregated parameters are
        normalised into KFP's typed list (Argo 3.5.11+ parses the values only when every one is a JSON object
        or list, workflow/controller/operator.go:3841 @v4.1.2; earlier releases keep strings),
        and collected artifacts are described by where their iterations stored them (collect.py)."""
        loop = task.loop
        assert loop is not None
        body = self.plan.component(task.component)
        assert isinstance(body, DagComponent), "loop bodies are DAG components"
        body_name = self.dag_template(body)
        body_inputs = dags.inputs_of(body, self.keyed, False, self.workspace_inputs(body))
        declared = _wrapper_inputs(loop, body_inputs)
        arguments = _body_arguments(task, loop, body_inputs)
        inner: dict[str, Any] = {"name": task.name, "template": body_name}
        inner.update(builder.loop_items(loop, dags.WRAPPED_ITEMS if loop.source is not None else None))
        if arguments:
            inner["arguments"] = arguments
        outputs = self.collected_outputs(task, body)
        template: dict[str, Any] = {"name": "", "inputs": declared} if declared else {"name": ""}
        if outputs:
            template["outputs"] = {"parameters": outputs}
        if loop.parallelism:
            template["parallelism"] = loop.parallelism
        template["dag"] = {"tasks": [inner]}
        return self.add(f"{builder.c.name}-{task.name}", template), declared

    def collected_outputs(self, task: Task, body: DagComponent) -> list[dict[str, Any]]:
        """The wrapper's outputs: each body output as the list of its iterations' values."""
        outputs = []
        for out in body.out_params:
            ref = f"tasks[{escape.string_literal(task.name)}].outputs.parameters[{escape.string_literal(out.name)}]"
            outputs.append({"name": out.name, "valueFrom": {
                "expression": collect_expression(ref, self.element_type(body, out)), "default": "[]"}})
        for art in body.out_artifacts:
            outputs.append({"name": collect.list_param(art.name), "valueFrom": {
                "expression": self.list_descriptor(task, body, art.name)}})
        return outputs

    def yields_list(self, dag: DagComponent, source: FromTaskArtifact) -> bool:
        """Whether an artifact output carries a collected list rather than one artifact. KFP marks
        every output inside a loop as a list; only a loop (or a DAG passing one on) really makes one."""
        found: scopes.Produced | None = scopes.produced(self.plan, dag, source.task, source.output, artifact=True)
        while found is not None:
            if found.task.loop is not None:
                return True
            found = found.inner[0] if found.inner else None
        return False

    def list_descriptor(self, task: Task, body: DagComponent, output: str) -> str:
        """`<depth>|<metadata prefix>|<prefix>|<items>` for one collected artifact output (collect.py)."""
        route = collect.route(self.plan, body, output)
        path = f"inputs.parameters[{escape.string_literal(collect.PATH)}]"
        idx = f"inputs.parameters[{escape.string_literal(collect.IDX)}]"
        prefix = f"{path} + {escape.string_literal(route.rel + '/' + collect.data_output(route.output))} + {idx}"
        # Always a real prefix, never "": an empty key would make Argo download the repository's root.
        meta = f"{path} + {escape.string_literal(route.rel + '/' + collect.meta_output(route.output))} + {idx}"
        if route.depth == 0:
            # `get`/`??`: an empty loop is a Skipped node, not a TaskGroup, so Argo aggregates no outputs for it
            # (workflow/controller/dag.go:636 and 730 @v4.1.2)
            ran = values.lenient(task.name, collect.ran_param(output), "[]")
            items = f"toJson(map(filter(fromJSON({ran}), {{# != ''}}), {{sprig.trimPrefix({idx}, #)}}))"
        else:
            items = '""'
        return f"{escape.string_literal(str(route.depth + 1))} + '|' + {meta} + '|' + {prefix} + '|' + {items}"

    def element_type(self, body: DagComponent, out: DagOutputParam) -> ParamType:
        source = out.sources[0]
        inner = body.task(source.task)
        if inner.loop is not None:
            return ParamType.LIST
        comp = self.plan.component(inner.component)
        spec = comp.interface.out_param(source.output)
        return spec.type if spec else ParamType.STRING

    # -- importers --------------------------------------------------------------------------

    def importer_uri(self, builder: dags.DagBuilder, task: Task) -> tuple[str | None, str | None, str]:
        """(constant URI, raw expression, scheme) for an importer task.

        Argo needs the storage driver at compile time, so a URI known only at run time must get its
        scheme from the values that can reach it (kfpc.plan.importers.uri): constants and
        pipeline-parameter defaults, followed through every call site of the DAG it lives in."""
        comp = self.plan.component(task.component)
        assert isinstance(comp, ImporterComponent)
        imported = importers.uri(self.plan, builder.c, task, self.callers)
        constant, schemes = imported.constant, set(imported.schemes)
        expression = None if constant is not None else values.raw(imported.source, builder.scope)
        if len(schemes) > 1:
            raise UnsupportedError(f"importer {task.key!r} reads a URI whose possible values "
                                   f"({', '.join(sorted(imported.known))}) are on different kinds of storage; Argo "
                                   "needs one per import")
        scheme = schemes.pop() if schemes else ""
        if comp.download_to_workspace and scheme not in ("gs", "s3", ""):
            what = repr(constant) if constant is not None else f"a URI whose scheme is {scheme}://"
            raise UnsupportedError(f"importer {task.key!r} downloads {what} into the KFP workspace; the Argo backend "
                                   "downloads gs:// and s3:// URIs there", path=(task.path,))
        return constant, expression, scheme

    def import_location(self, builder: dags.DagBuilder, task: Task) -> dict[str, Any] | None:
        """Where Argo downloads an imported artifact from; None for oci:// images, which the consuming
        pod copies from an init container instead (containers.py)."""
        comp = self.plan.component(task.component)
        assert isinstance(comp, ImporterComponent)
        constant, expression, scheme = self.importer_uri(builder, task)
        if expression is None:
            return uri_location(constant or "", f"importer {task.key!r} reads")
        if scheme == "oci":
            return None
        if scheme == "" and comp.download_to_workspace:
            # KFP downloads only <scheme>://<bucket>/<key> URIs into its workspace (its pod refuses
            # others): read the key from the workflow's artifact repository, the one storage Argo knows.
            self.warnings.append(f"importer {task.key!r}: the scheme of the URI it downloads into the KFP workspace "
                                 "is known only at run time; its key is read from the workflow's artifact "
                                 "repository, and the run fails unless it is a gs://, s3:// or minio:// URI there")
            uri = expression or "''"
            key = f"sprig.regexReplaceAll('^[a-z0-9]+://[^/]*/?', {uri}, '')"
            # never an empty key, which would name the repository's root
            return {"s3": {"key": escape.tag(f"({key} == '' ? {uri} : {key})")}}
        if scheme == "":
            return {"s3": {"key": escape.tag(expression)}}
        if scheme in ("http", "https"):
            return {"http": {"url": escape.tag(expression)}}
        if scheme in ("gs", "s3"):
            bucket = escape.tag(f"sprig.regexReplaceAll('^[a-z0-9]+://([^/]*).*$', {expression}, '$1')")
            key = escape.tag(f"sprig.regexReplaceAll('^[a-z0-9]+://[^/]*/?', {expression}, '')")
            return _bucket_location(scheme, bucket, key)
        raise UnsupportedError(f"importer {task.key!r} reads a {scheme}:// URI; {IMPORTED_SCHEMES}")

    def import_scheme(self, builder: dags.DagBuilder, task: Task) -> str:
        return self.importer_uri(builder, task)[2]

    def import_meta(self, builder: dags.DagBuilder, task: Task) -> str:
        comp = self.plan.component(task.component)
        assert isinstance(comp, ImporterComponent)
        constant, expression, _ = self.importer_uri(builder, task)
        uri = escape.string_literal(constant or "") if expression is None else expression
        meta = _metadata_expression(importers.metadata(comp), task, builder.scope)
        return escape.tag(escape.k_expr(f"toJson({{'uri': {uri}, 'metadata': {meta} }})"))

    def import_uri_argument(self, builder: dags.DagBuilder, task: Task) -> str:
        """The URI a workspace import downloads, in K-form for its pod (imports.py)."""
        constant, expression, _ = self.importer_uri(builder, task)
        return escape.literal(constant) if constant is not None else escape.tag(escape.k_expr(expression or "''"))


def collect_expression(ref: str, element: ParamType) -> str:
    convert = {
        ParamType.INTEGER: "int(asFloat(#))",
        ParamType.DOUBLE: "asFloat(#)",
        ParamType.BOOLEAN: "(sprig.lower(#) in ['true', 't', '1'])",
        ParamType.LIST: "(sprig.kindIs('string', #) ? fromJSON(#) : #)",
        ParamType.STRUCT: "(sprig.kindIs('string', #) ? fromJSON(#) : #)",
    }.get(element, "(sprig.kindIs('string', #) ? # : toJson(#))")
    return f"toJson(map(fromJSON({ref}), {{{convert}}}))"


def _wrapper_inputs(loop: Loop, body_inputs: dict[str, Any]) -> dict[str, Any]:
    """What a loop wrapper takes: the body's inputs but the item (and its metadata), which the
    wrapper makes per iteration, plus the items list when it comes from another task."""
    item_meta = containers.meta_param(loop.item_input)
    params = [entry for entry in body_inputs.get("parameters", [])
              if entry["name"] not in (loop.item_input, item_meta)]
    if loop.source is not None:
        params.append({"name": dags.WRAPPED_ITEMS})
    arts = [art for art in body_inputs.get("artifacts", []) if art["name"] != loop.item_input]
    return shapes.io(params, arts)


def _body_arguments(task: Task, loop: Loop, body_inputs: dict[str, Any]) -> dict[str, Any]:
    """The arguments of the body's one task inside the wrapper: the current item, the wrapper's own
    inputs passed on, and the storage path and index extended by the iteration."""
    item_meta = containers.meta_param(loop.item_input)
    params = []
    for entry in body_inputs.get("parameters", []):
        name = entry["name"]
        if name == loop.item_input:
            value = escape.tag(escape.k_expr(dags.ITEM_VALUE))
        elif name == item_meta and loop.over_artifacts:
            value = escape.literal(dags.EMPTY_META)
        elif name == collect.PATH:
            value = f"{{{{inputs.parameters.{collect.PATH}}}}}"
        elif name == collect.IDX:
            value = f"{{{{inputs.parameters.{collect.IDX}}}}}/" + escape.tag(dags.ITEM_INDEX)
        elif name.startswith(("kfpc-meta-", "kfpc-list-")) or task.param(name) is not None:
            value = escape.tag(f"inputs.parameters[{escape.string_literal(name)}]")
        else:
            continue
        params.append({"name": name, "value": value})
    arts = []
    for art in body_inputs.get("artifacts", []):
        if art["name"] == loop.item_input:
            descriptor = f"inputs.parameters[{escape.string_literal(dags.WRAPPED_ITEMS)}]"
            arts.append(dags.located(art["name"], {"s3": {
                "key": escape.tag(f"split({descriptor}, '|')[2]") + escape.tag(dags.ITEM_VALUE)}}))
        elif task.artifact(art["name"]) is not None:
            arts.append({"name": art["name"], "from": f"{{{{inputs.artifacts.{art['name']}}}}}"})
    return shapes.io(params, arts)


IMPORTED_SCHEMES = "the Argo backend imports gs://, s3://, http(s):// and oci:// URIs"


def uri_location(uri: str, who: str) -> dict[str, Any] | None:
    """Where Argo downloads the artifact at a URI known at compile time; None for oci:// (copied by
    the consuming pod instead). A URI without a scheme is a key in the workflow's artifact
    repository, the one storage every kfpc run has: Argo completes a key-only location from it."""
    scheme = importers.scheme(uri)
    if scheme == "oci":
        return None
    if scheme == "":
        return {"s3": {"key": escape.tag(escape.string_literal(uri))}}
    if scheme in ("http", "https"):
        return {"http": {"url": uri}}
    if scheme in ("gs", "s3"):
        bucket, _, key = uri.split("://", 1)[1].partition("/")
        return _bucket_location(scheme, bucket, key)
    raise UnsupportedError(f"{who} {uri}; {IMPORTED_SCHEMES}")


def _bucket_location(scheme: str, bucket: str, key: str) -> dict[str, Any]:
    if scheme == "gs":
        return {"gcs": {"bucket": bucket, "key": key}}
    return {"s3": {"endpoint": "s3.amazonaws.com", "bucket": bucket, "key": key, "useSDKCreds": True}}


def root_artifact_arguments(plan: Plan) -> list[dict[str, Any]]:
    """`spec.arguments.artifacts`: the pipeline's input artifacts, each with the location its
    `-p NAME=URI` gives. Argo refuses a workflow argument artifact without `from`, a location or a
    key, optional or not (workflow/validate/validate.go:1051-1053 @v4.1.2, :969 @v3.7.18,
    :959 @v3.6.19, :902 @v3.5.15), for WorkflowTemplates and CronWorkflows too, and `argo submit`
    cannot supply one; so a required artifact without a URI is refused here. An optional one
    without a URI is left out: a template input marked optional may go unsupplied
    (workflow/common/util.go:239-242 @v4.1.2), and its tasks' `from` still resolves, to an
    artifact without location, since every declared input is in scope
    (workflow/controller/scope.go:157-159 @v4.1.2)."""
    arguments, missing = [], []
    for a in plan.root_dag.interface.in_artifacts:
        uri = plan.artifact_uri(a.name)
        if uri is None:
            if not a.optional:
                missing.append(a.name)
            continue
        if "{{" in uri:  # spec.arguments is substituted as a whole; no tag may appear there
            raise UsageError(f"input artifact {a.name!r}: the URI {uri!r} holds `{{{{`, which Argo would read as a "
                             "template tag", file=plan.source)
        # Without a scheme: a key in the artifact repository, a key-only location the executor
        # completes from it (workflow/executor/executor.go:879, pkg/apis/workflow/v1alpha1/
        # workflow_types.go:1506-1519 @v4.1.2).
        location = uri_location(uri, f"input artifact {a.name!r} is") if importers.scheme(uri) else {"s3": {"key": uri}}
        if location is None:
            raise UnsupportedError(f"input artifact {a.name!r} is {uri}: an oci:// artifact can be imported "
                                   "inside the pipeline (dsl.importer), not given as a pipeline input on Argo")
        arguments.append(dags.located(a.name, location, a.optional))
    if missing:
        raise UsageError(f"{named('pipeline input artifact', missing)} {agree(missing, 'has', 'have')} no URI; Argo "
                         "refuses a Workflow argument artifact without a location, and `argo submit` cannot give one",
                         hint=f"give it at compile time with -p {missing[0]}=URI (s3://bucket/key, gs://bucket/key, "
                              "https://..., or a key in the artifact repository)", file=plan.source)
    return arguments


def _metadata_expression(metadata: Any, task: Task, scope: values.Scope) -> str:
    """Importer metadata as an expr-lang value; strings may hold `{{$.inputs.parameters['x']}}`."""
    from kfpc.plan import placeholders

    if isinstance(metadata, dict):
        if not metadata:
            return "{ }"
        items = ", ".join(f"{escape.string_literal(str(k))}: {_metadata_expression(v, task, scope)}"
                          for k, v in metadata.items())
        return "{" + items + " }"
    if isinstance(metadata, list):
        return "[" + ", ".join(_metadata_expression(v, task, scope) for v in metadata) + "]"
    if isinstance(metadata, str) and "{{$" in metadata:
        try:
            parsed = placeholders.parse_string(metadata)
        except placeholders.PlaceholderError:
            return escape.string_literal(metadata)
        parts = parsed.parts if isinstance(parsed, Concat) else (parsed,)
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(escape.string_literal(part))
            elif isinstance(part, InputValue) and task.param(part.name) is not None:
                out.append(values.raw(task.param(part.name).source, scope))  # type: ignore[union-attr]
            else:
                out.append("''")
        return " + ".join(out)
    if isinstance(metadata, bool):
        return "true" if metadata else "false"
    if isinstance(metadata, (int, float)):
        return repr(metadata)
    if metadata is None:
        return "nil"
    return escape.string_literal(str(metadata))


def workflow_arguments(plan: Plan, encoded: frozenset[str]) -> list[dict[str, Any]]:
    params = []
    for q in plan.inputs:
        entry: dict[str, Any] = {"name": q.name}
        if q.has_default:
            text = text_form(q.default)
            entry["value"] = (values.ENCODED_PREFIX + _b64(text)) if q.name in encoded else text
        elif q.optional:
            entry["value"] = ""
        if q.description and inert(q.description):
            entry["description"] = q.description
        if q.literals is not None and q.name not in encoded and (not q.has_default or any(
                text_form(v) == entry.get("value") for v in q.literals)):
            entry["enum"] = [text_form(v) for v in q.literals]  # the Argo UI offers these as a choice
        params.append(entry)
    return params


def inert(text: str) -> bool:
    """Whether Argo leaves this text alone outside `templates`: the controller runs its template
    substitution over the whole spec but the templates (operator.go:4694-4716 @v4.1.2,
    :4204-4226 @v3.5.15), where an unclosed `{{` stops the workflow (util/template/template.go:25-31
    @v4.1.2, fasttemplate) and `{{...}}` / `{{=...}}` are replaced or evaluated."""
    return "{{" not in text


def moved_descriptions(plan: Plan) -> dict[str, str]:
    """Parameter descriptions Argo would substitute: kept verbatim in an annotation instead (metadata
    is never substituted), so the spec holds no user text that Argo reads as a tag."""
    return {q.name: q.description for q in plan.inputs if q.description and not inert(q.description)}


PIPELINE_STEP = "pipeline"


def export_outputs(templates: list[dict[str, Any]], namer: names.Namer) -> list[dict[str, Any]]:
    """Pipeline outputs into `status.outputs`: Argo exports a steps template's own outputs with a
    `globalName` (workflow/controller/steps.go:183-188 @v4.1.2, :174-181 @v3.5.15), but of a DAG
    only its tasks' outputs, never the DAG's own (dag.go:411 @v4.1.2, :349 @v3.5.15). So a root DAG
    with outputs runs as the one step of an entrypoint steps template that declares them. Artifacts
    resolved from another node keep only their name (scope.go:195-228, operator.go:3455-3505
    @v4.1.2), so no `globalName` can carry them: they are outputs of the workflow's own node."""
    root = templates[0]
    outputs = root.get("outputs")
    if not outputs:
        return templates
    params, arts = [], []
    for out in outputs.get("parameters", []):
        entry = {"name": out["name"], "valueFrom": {
            "parameter": f"{{{{steps.{PIPELINE_STEP}.outputs.parameters.{out['name']}}}}}"}}
        if "globalName" in out:
            entry["globalName"] = out["globalName"]
        params.append(entry)
    for art in outputs.get("artifacts", []):
        arts.append({"name": art["name"], "from": f"{{{{steps.{PIPELINE_STEP}.outputs.artifacts.{art['name']}}}}}"})
    inner = {**root, "outputs": {k: [{key: v for key, v in o.items() if key != "globalName"} for o in items]
                                 for k, items in outputs.items()}}
    wrapper = {"name": namer.name("kfpc-main"), "outputs": shapes.io(params, arts),
               "steps": [[{"name": PIPELINE_STEP, "template": root["name"]}]]}
    return [wrapper, inner, *templates[1:]]


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def build(plan: Plan, pipeline_root: str, cache: memo.Cache | None = memo.Cache(),
          warnings: list[str] | None = None, helper_image: str = HELPER_IMAGE,
          encoded: frozenset[str] = frozenset(), parent_run: bool = False, fail_slow: bool = False,
          contents: dict[str, str] | None = None) -> dict[str, Any]:
    """`encoded`: parameters that may arrive `kfpc:b64:`-encoded (a child Workflow's, children.py);
    `parent_run`: a child Workflow, whose run-time values come from its parent (values.RUN_PARAMS);
    `fail_slow`: `--failure-policy slow`, which kinds.apply turns into `failFast: false` on every DAG
    and which decides the order of a split DAG's targets (dags.DagBuilder.targets); `contents`, when
    given, receives a digest of each shared template's content by its name, which another render may
    have given another name (children._held_once)."""
    from kfpc_backends.argo.runtime import packed

    renderer = Renderer(plan, pipeline_root, cache, helper_image)
    renderer.encoded_params |= encoded
    renderer.parent_run = parent_run
    renderer.fail_slow = fail_slow
    templates = renderer.render()
    metadata = _workflow_metadata(plan)
    templates = export_outputs(templates, renderer.namer)
    spec: dict[str, Any] = {"entrypoint": templates[0]["name"]}
    _arguments(plan, renderer.encoded_params, parent_run, spec)
    # Merged into every pod (Argo merges workflow- and template-level patches): the outputs volume,
    # and one copy of the launcher per workflow. templateDefaults would need a placeholder image.
    main: dict[str, Any] = {"name": "main", "volumeMounts": [{"name": containers.VOLUME,
                                                              "mountPath": containers.OUTPUTS}]}
    if renderer.uses_launcher:
        main["env"] = [{"name": containers.LAUNCHER_ENV, "value": packed(renderer.launcher_features)}]
    patch = {"containers": [main], "volumes": [{"name": containers.VOLUME, "emptyDir": {}}]}
    config = plan.run_config
    if config is not None and config.workspace_size:
        # KFP's shared workspace: one claim per run (Argo names it <workflow>-kfp-workspace), in every pod.
        claim = {"accessModes": ["ReadWriteOnce"], **dict(config.workspace_patch or {}),
                 "resources": {"requests": {"storage": config.workspace_size}}}
        spec["volumeClaimTemplates"] = [{"metadata": {"name": WORKSPACE_CLAIM}, "spec": claim}]
        main["volumeMounts"].append({"name": WORKSPACE_CLAIM, "mountPath": "/kfp-workspace"})
        patch["volumes"].append({"name": WORKSPACE_CLAIM,
                                 "persistentVolumeClaim": {"claimName": "{{workflow.name}}-" + WORKSPACE_CLAIM}})
    if config is not None:
        _run_limits(config, spec)
    pull_secrets, pull_warnings = entrypoint_pull_secrets(plan)
    if pull_secrets:
        spec["imagePullSecrets"] = [{"name": name} for name in pull_secrets]
    renderer.warnings.extend(pull_warnings)
    spec["podSpecPatch"] = json.dumps(patch, separators=(",", ":"))
    if renderer.on_exit_task is not None:
        name = renderer.namer.name("kfpc-exit")
        templates.append({"name": name, "dag": {"tasks": [renderer.on_exit_task]}})
        spec["onExit"] = name
    _check_inert(spec)
    spec["templates"] = templates
    if warnings is not None:
        warnings.extend(renderer.warnings)
    if contents is not None:
        contents.update((name, hashlib.sha256(key.encode("utf-8")).hexdigest()) for key, name in renderer.by_content.items())
    return {"apiVersion": API_VERSION, "kind": "Workflow", "metadata": metadata, "spec": spec}


def shell(plan: Plan) -> dict[str, Any]:
    """The Workflow `build` writes, without its templates: what the parent of child Workflows takes
    from it (children.build_direct), made without rendering the pipeline."""
    spec: dict[str, Any] = {}
    _arguments(plan, encoded_defaults(plan), False, spec)
    if plan.run_config is not None:
        _run_limits(plan.run_config, spec)
    spec["templates"] = []
    return {"apiVersion": API_VERSION, "kind": "Workflow", "metadata": _workflow_metadata(plan), "spec": spec}


def encoded_defaults(plan: Plan) -> frozenset[str]:
    """Parameters whose default Argo would read as a tag: written `kfpc:b64:`-encoded."""
    return frozenset(q.name for q in plan.inputs if q.has_default and _SAFE_DEFAULT.search(text_form(q.default)))


def _arguments(plan: Plan, encoded: frozenset[str], parent_run: bool, spec: dict[str, Any]) -> None:
    args = workflow_arguments(plan, encoded)
    if parent_run:  # no value: the parent's starter always passes them (children._starter)
        args += [{"name": name} for name in sorted(set(values.RUN_PARAMS.values()))]
    arts = root_artifact_arguments(plan)
    if args or arts:
        spec["arguments"] = {**({"parameters": args} if args else {}), **({"artifacts": arts} if arts else {})}


def _workflow_metadata(plan: Plan) -> dict[str, Any]:
    metadata: dict[str, Any] = {"generateName": plan.k8s_name[:57].rstrip("-") + "-"}
    annotations = {f"{ANNOTATION_PREFIX}/pipeline-name": plan.name}
    if plan.display_name:
        annotations["workflows.argoproj.io/title"] = plan.display_name
    if plan.description:
        annotations["workflows.argoproj.io/description"] = plan.description
    if plan.sdk_version:
        annotations[f"{ANNOTATION_PREFIX}/sdk-version"] = plan.sdk_version
    moved = moved_descriptions(plan)
    if moved:
        annotations[f"{ANNOTATION_PREFIX}/parameter-descriptions"] = json.dumps(moved, ensure_ascii=False, sort_keys=True)
    metadata["annotations"] = annotations
    metadata["labels"] = {f"{ANNOTATION_PREFIX}/pipeline": plan.k8s_name[:63].rstrip("-")}
    return metadata


def _run_limits(config: k8s.RunConfig, spec: dict[str, Any]) -> None:
    if config.active_deadline_seconds:
        spec["activeDeadlineSeconds"] = config.active_deadline_seconds
    ttl = {key: value for key, value in (("secondsAfterCompletion", config.ttl_on_completion),
                                         ("secondsAfterSuccess", config.ttl_on_success),
                                         ("secondsAfterFailure", config.ttl_on_failure)) if value is not None}
    if ttl:
        spec["ttlStrategy"] = ttl


def entrypoint_pull_secrets(plan: Plan) -> tuple[list[str], list[str]]:
    """Image pull secrets for the workflow's `imagePullSecrets`, and warnings. A container with no
    command makes the controller look up the image's entrypoint in the registry before the pod
    exists, with only the workflow's imagePullSecrets and its service account's secrets
    (workflow/controller/workflowpod.go:755-760 @v4.1.2, :405-411 @v3.6.19), never a template's
    podSpecPatch. So every constant pull secret also goes to the workflow (a union, sorted; pods
    only gain a secret to try); one known only at run time cannot, and is worth a warning where the
    image has no command."""
    found: set[str] = set()
    warnings: list[str] = []
    for comp in sorted(plan.components.values(), key=lambda c: c.name):
        if not isinstance(comp, DagComponent):
            continue
        for task in comp.tasks:
            secrets = task.k8s.image_pull_secrets if task.k8s is not None else ()
            found.update(text_form(s.value) for s in secrets if isinstance(s, Constant) and text_form(s.value))
            component = plan.component(task.component)
            if (any(not isinstance(s, Constant) for s in secrets) and isinstance(component, ContainerComponent)
                    and not component.command and not component.needs_launcher):
                warnings.append(f"task {task.key!r}: its image has no command, so Argo's controller reads the "
                                "image's entrypoint from the registry itself, with the workflow's imagePullSecrets "
                                "and service account only; the pull secret named at run time is not among them "
                                "(give the command, a constant secret name, or the secret to the service account)")
    return sorted(found), warnings


def _check_inert(spec: dict[str, Any]) -> None:
    """Outside `templates` Argo substitutes every `{{` (inert()); kfpc writes one tag there itself,
    the KFP workspace claim's name. User text holding one (e.g. in the workspace's Kubernetes
    patch) is refused rather than rewritten or left to stop the run."""
    text = json.dumps(spec, ensure_ascii=False).replace("{{workflow.name}}-" + WORKSPACE_CLAIM, "")
    if not inert(text):
        at = text.index("{{")
        raise UnsupportedError(f"text Argo would substitute outside the templates: ...{text[max(0, at - 40):at + 40]}...",
                               hint="remove `{{` from pipeline-level settings such as the workspace's Kubernetes patch")
