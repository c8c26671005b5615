"""Checks an Argo Workflow the way Argo itself would before running it.

* JSON Schema (schemas/argo/schema.json) and the full v4 CRD (schemas/argo/workflow-crd.json), with
  unknown fields rejected like `kubectl apply` with strict field validation would;
* the CRD's CEL rules (x-kubernetes-validations), re-implemented since jsonschema cannot run CEL;
* every `{{...}}` simple tag resolves in the scope Argo's validator gives it (workflow/validate),
  and every expression tag names only inputs, tasks and parameters that exist (Argo's validator
  skips expression tags, and a missing task reference hangs v3.7.11+ at run time).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any, Iterator

import jsonschema

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas" / "argo"
_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
_VALIDATED_PREFIXES = ("item.", "steps.", "inputs.", "outputs.", "pod.", "workflow.", "tasks.")
_WORKFLOW_GLOBALS = {"workflow.name", "workflow.namespace", "workflow.uid", "workflow.serviceAccountName",
                     "workflow.creationTimestamp", "workflow.mainEntrypoint", "workflow.priority",
                     "workflow.duration", "workflow.scheduledTime"}


@functools.lru_cache(maxsize=1)
def _schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / "schema.json").read_text("utf-8"))
    ref = {"$ref": "#/definitions/io.argoproj.workflow.v1alpha1.Workflow", "definitions": schema["definitions"]}
    return jsonschema.Draft202012Validator(ref)


@functools.lru_cache(maxsize=1)
def crd_schema() -> dict[str, Any]:
    return json.loads((SCHEMAS / "workflow-crd.json").read_text("utf-8"))


@functools.lru_cache(maxsize=1)
def _crd_validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(crd_schema())


@functools.lru_cache(maxsize=None)
def _kind_validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / "schema.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator({"$ref": f"#/definitions/io.argoproj.workflow.v1alpha1.{kind}",
                                            "definitions": schema["definitions"]})


def problems_any(doc: dict[str, Any]) -> list[str]:
    """A Workflow, WorkflowTemplate or CronWorkflow: its own schema, then every Workflow check on the
    workflow it describes."""
    if doc["kind"] == "Workflow":
        return problems(doc)
    found = [f"schema.json {doc['kind']}: {e.json_path}: {e.message[:200]}"
             for e in _kind_validator(doc["kind"]).iter_errors(doc)]
    spec = doc["spec"]["workflowSpec"] if doc["kind"] == "CronWorkflow" else doc["spec"]
    workflow = {"apiVersion": doc["apiVersion"], "kind": "Workflow",
                "metadata": {"generateName": doc["metadata"]["name"] + "-"}, "spec": spec}
    return found + problems(workflow)


def problems(wf: dict[str, Any]) -> list[str]:
    found = [f"schema.json: {e.json_path}: {e.message[:200]}" for e in _schema_validator().iter_errors(wf)]
    found += [f"crd: {e.json_path}: {e.message[:200]}" for e in _crd_validator().iter_errors(wf)]
    found += [f"crd unknown field: {p}" for p in unknown_fields(wf, crd_schema(), "$")]
    found += cel_rules(wf)
    found += argument_values(wf)
    found += references(wf)
    return found


def argument_values(wf: dict[str, Any]) -> list[str]:
    """Every workflow argument artifact needs `from`, a location or a key, optional or not, for a
    Workflow, WorkflowTemplate and CronWorkflow alike (workflow/validate/validate.go:1051-1053 @v4.1.2,
    :969 @v3.7.18, :959 @v3.6.19)."""
    return [f"spec.arguments.artifacts.{art.get('name')}.from, artifact location, or key is required"
            for art in wf["spec"].get("arguments", {}).get("artifacts", [])
            if "from" not in art and not any(k in art for k in _LOCATIONS)]


def unknown_fields(value: Any, schema: dict[str, Any], where: str) -> Iterator[str]:
    if isinstance(value, dict):
        if schema.get("x-kubernetes-preserve-unknown-fields"):
            return
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if props is not None and key in props:
                yield from unknown_fields(item, props[key], f"{where}.{key}")
            elif isinstance(extra, dict):
                yield from unknown_fields(item, extra, f"{where}.{key}")
            elif props is not None and key not in props and where != "$.metadata":
                yield f"{where}.{key}"
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            yield from unknown_fields(item, schema["items"], f"{where}[{i}]")


_TYPES = ("container", "script", "dag", "steps", "resource", "suspend", "data", "http", "plugin", "containerSet")
_LOCATIONS = ("s3", "git", "http", "artifactory", "hdfs", "raw", "oss", "gcs", "azure", "plugin")


def cel_rules(wf: dict[str, Any]) -> list[str]:
    out = []
    for t in wf["spec"].get("templates", []):
        kinds = [k for k in _TYPES if k in t]
        if len(kinds) != 1:
            out.append(f"template {t.get('name')}: exactly one template type expected, found {kinds}")
        if ("timeout" in t or "activeDeadlineSeconds" in t) and ("steps" in t or "dag" in t):
            out.append(f"template {t.get('name')}: timeout/activeDeadlineSeconds only on leaf templates")
        for task in t.get("dag", {}).get("tasks", []):
            if "depends" in task and ("dependencies" in task or "continueOn" in task):
                out.append(f"task {task['name']}: depends with dependencies/continueOn")
            for art in task.get("arguments", {}).get("artifacts", []):
                if sum(1 for k in _LOCATIONS if k in art) > 1:
                    out.append(f"task {task['name']}: artifact {art['name']} has several locations")
    return out


# ---------------------------------------------------------------------------------------------
# References


def _tags(value: Any) -> Iterator[str]:
    text = json.dumps(value, ensure_ascii=False)
    for match in _TAG.finditer(text):
        yield json.loads('"' + match.group(1) + '"').strip()


def _expr_refs(expr: str) -> Iterator[tuple[str, ...]]:
    for m in re.finditer(r'inputs\.parameters\["([^"]+)"\]', expr):
        yield ("inputs", m.group(1))
    for m in re.finditer(r'workflow\.parameters\["([^"]+)"\]', expr):
        yield ("workflow", m.group(1))
    for m in re.finditer(r'tasks\["([^"]+)"\]\.outputs\.(parameters|artifacts)\["([^"]+)"\]', expr):
        yield ("task-output", m.group(1), m.group(2), m.group(3))
    for m in re.finditer(r'tasks\["([^"]+)"\]\.status', expr):
        yield ("task-status", m.group(1))
    if re.search(r"(?<![\w.\"])(inputs|tasks|workflow)\['", expr):
        yield ("unquoted",)


def references(wf: dict[str, Any]) -> list[str]:
    spec = wf["spec"]
    templates = {t["name"]: t for t in spec.get("templates", [])}
    wf_params = {p["name"] for p in spec.get("arguments", {}).get("parameters", [])}
    globals_ = set(_WORKFLOW_GLOBALS) | {f"workflow.parameters.{n}" for n in wf_params}
    out: list[str] = []
    if spec.get("entrypoint") not in templates:
        out.append(f"entrypoint {spec.get('entrypoint')!r} is not a template")
    for t in templates.values():
        inputs = {p["name"] for p in t.get("inputs", {}).get("parameters", [])}
        in_arts = {a["name"] for a in t.get("inputs", {}).get("artifacts", [])}
        if "dag" in t:
            out += _dag_references(t, templates, inputs, in_arts, globals_, wf_params)
        else:
            scope = set(globals_) | {f"inputs.parameters.{n}" for n in inputs} | \
                {f"inputs.artifacts.{n}.path" for n in in_arts} | {"pod.name", "node.name"}
            for step in (s for group in t.get("steps", []) for s in group):  # kfpc's entrypoint wrapper
                params, arts = _outputs_of(templates.get(step["template"], {}))
                scope |= {f"steps.{step['name']}.outputs.parameters.{p}" for p in params}
                scope |= {f"steps.{step['name']}.outputs.artifacts.{a}" for a in arts}
                if step["template"] not in templates:
                    out.append(f"{t['name']}.{step['name']}: unknown template {step['template']!r}")
            if "retryStrategy" in t:
                scope |= {"retries"}
            for tag in _tags(t):
                out += _check_tag(tag, scope, t["name"], inputs, {}, wf_params, set())
    return out


def _outputs_of(template: dict[str, Any]) -> tuple[set[str], set[str]]:
    outputs = template.get("outputs", {})
    return {p["name"] for p in outputs.get("parameters", [])}, {a["name"] for a in outputs.get("artifacts", [])}


def _dag_references(t, templates, inputs, in_arts, globals_, wf_params) -> list[str]:
    out = []
    tasks = {task["name"]: task for task in t["dag"]["tasks"]}
    deps = {name: set(re.findall(r"([A-Za-z0-9][-A-Za-z0-9]*)\.[A-Z]", task.get("depends", "")))
            for name, task in tasks.items()}
    outputs = {}
    for name, task in tasks.items():
        target = templates.get(task["template"])
        if target is None:
            out.append(f"{t['name']}.{name}: unknown template {task['template']!r}")
            continue
        outputs[name] = _outputs_of(target)
        for dep in deps[name]:
            if dep not in tasks:
                out.append(f"{t['name']}.{name}: depends on unknown task {dep!r}")
        declared = {p["name"] for p in target.get("inputs", {}).get("parameters", [])}
        required = {p["name"] for p in target.get("inputs", {}).get("parameters", [])
                    if "default" not in p and "value" not in p}
        given = {p["name"] for p in task.get("arguments", {}).get("parameters", [])}
        for missing in sorted(required - given):
            out.append(f"{t['name']}.{name}: argument {missing!r} of {task['template']} not supplied")
        for extra in sorted(given - declared):
            out.append(f"{t['name']}.{name}: argument {extra!r} is not an input of {task['template']}")
        art_declared = {a["name"] for a in target.get("inputs", {}).get("artifacts", [])}
        art_required = {a["name"] for a in target.get("inputs", {}).get("artifacts", []) if not a.get("optional")}
        art_given = {a["name"] for a in task.get("arguments", {}).get("artifacts", [])}
        for missing in sorted(art_required - art_given):
            out.append(f"{t['name']}.{name}: artifact {missing!r} of {task['template']} not supplied")
        for extra in sorted(art_given - art_declared):
            out.append(f"{t['name']}.{name}: artifact {extra!r} is not an input of {task['template']}")

    def ancestors(name: str) -> set[str]:
        seen: set[str] = set()
        stack = list(deps.get(name, ()))
        while stack:
            d = stack.pop()
            if d not in seen and d in tasks:
                seen.add(d)
                stack.extend(deps[d])
        return seen

    base = set(globals_) | {f"inputs.parameters.{n}" for n in inputs} | {f"inputs.artifacts.{n}" for n in in_arts}
    for name, task in tasks.items():
        anc = ancestors(name)
        scope = set(base)
        for other, (params, arts) in outputs.items():
            scope |= {f"tasks.{other}.outputs.parameters.{p}" for p in params}
            scope |= {f"tasks.{other}.outputs.artifacts.{a}" for a in arts}
        scope |= {f"tasks.{a}.status" for a in anc}
        if "withItems" in task or "withParam" in task:
            scope.add("item")
        for tag in _tags(task):
            out += _check_tag(tag, scope, f"{t['name']}.{name}", inputs, outputs, wf_params, anc)
        for arg in task.get("arguments", {}).get("parameters", []) + task.get("arguments", {}).get("artifacts", []):
            text = str(arg.get("value", arg.get("from", "")))
            if text.startswith("{{tasks."):
                ref = text.split(".")[1]
                if ref not in anc:
                    out.append(f"{t['name']}.{name}: argument {arg['name']!r} reads task {ref!r} without depending "
                               "on it")
    out_scope = set(base)
    for other, (params, arts) in outputs.items():
        out_scope |= {f"tasks.{other}.outputs.parameters.{p}" for p in params}
        out_scope |= {f"tasks.{other}.outputs.artifacts.{a}" for a in arts}
    for tag in _tags(t.get("outputs", {})):
        out += _check_tag(tag, out_scope, f"{t['name']}.outputs", inputs, outputs, wf_params, set(tasks))
    for param in t.get("outputs", {}).get("parameters", []) + t.get("outputs", {}).get("artifacts", []):
        vf = param.get("valueFrom", {})
        for expr in (vf.get("expression"), param.get("fromExpression")):
            if expr:
                out += _check_expr(expr, f"{t['name']}.outputs", inputs, outputs, wf_params, set(tasks))
    return out


def _check_tag(tag: str, scope: set[str], where: str, inputs: set[str], outputs: dict, wf_params: set[str],
               ancestors: set[str]) -> list[str]:
    if tag.startswith("="):
        return _check_expr(tag[1:], where, inputs, outputs, wf_params, ancestors)
    if tag == "item" or not tag.startswith(_VALIDATED_PREFIXES):
        return []
    if tag in scope or tag.startswith("workflow.creationTimestamp") or tag.startswith("item."):
        return []
    return [f"{where}: {{{{{tag}}}}} does not resolve"]


def _check_expr(expr: str, where: str, inputs: set[str], outputs: dict, wf_params: set[str],
                ancestors: set[str]) -> list[str]:
    out = []
    for ref in _expr_refs(expr):
        if ref[0] == "inputs" and ref[1] not in inputs:
            out.append(f"{where}: expression reads undeclared input {ref[1]!r}")
        elif ref[0] == "workflow" and ref[1] not in wf_params:
            out.append(f"{where}: expression reads unknown workflow parameter {ref[1]!r}")
        elif ref[0] == "task-output":
            task, kind, name = ref[1:]
            if task not in ancestors:
                out.append(f"{where}: expression reads task {task!r}, which is not an ancestor")
            elif task in outputs and name not in outputs[task][0 if kind == "parameters" else 1]:
                out.append(f"{where}: expression reads {kind} {name!r} that task {task!r} does not declare")
        elif ref[0] == "task-status" and ref[1] not in ancestors:
            out.append(f"{where}: expression reads the status of {ref[1]!r}, which is not an ancestor")
        elif ref[0] == "unquoted":
            out.append(f"{where}: single-quoted reference in expression (kfpc writes double quotes)")
    return out


def inline_libraries(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """The last document (the run) with the templates its `templateRef`s name copied in from the
    library WorkflowTemplates before it, so the checks above see one workflow."""
    import copy

    *libraries, main = documents
    found = {(lib["metadata"]["name"], t["name"]): t for lib in libraries for t in lib["spec"]["templates"]}
    main = copy.deepcopy(main)
    spec = main["spec"].get("workflowSpec", main["spec"])
    names = {t["name"] for t in spec["templates"]}
    todo: list[tuple[dict[str, Any], str | None]] = [(t, None) for t in spec["templates"]]
    while todo:  # a library template calls plain names in its own WorkflowTemplate (context.go:258-268 @v4.1.2)
        template, where = todo.pop()
        for call in template.get("dag", {}).get("tasks", []) + [s for g in template.get("steps", []) for s in g]:
            ref = call.pop("templateRef", None)
            if ref is None and where is None:
                continue
            key = (ref["name"], ref["template"]) if ref else (where, call["template"])
            target = copy.deepcopy(found[key])  # KeyError: a reference to nothing
            call["template"] = key[1]
            if key[1] not in names:
                spec["templates"].append(target)
                names.add(key[1])
                todo.append((target, key[0]))
    return main


def schema_problems(doc: dict[str, Any]) -> list[str]:
    """What the API server would refuse in one object (schemas, CRD limits and CEL rules), for
    objects whose templateRefs point elsewhere (references need inline_libraries)."""
    spec = doc["spec"]["workflowSpec"] if doc["kind"] == "CronWorkflow" else doc["spec"]
    wf = {"apiVersion": doc["apiVersion"], "kind": "Workflow", "metadata": {"generateName": "x-"}, "spec": spec}
    found = [f"crd: {e.json_path}: {e.message[:200]}" for e in _crd_validator().iter_errors(wf)]
    found += [f"crd unknown field: {p}" for p in unknown_fields(wf, crd_schema(), "$")]
    return found + cel_rules(wf)
