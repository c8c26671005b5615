"""Checks a Tekton PipelineRun the way the Tekton webhook and the API server would before running it.

* schemas: the PipelineRun against its CRD, the inline pipelineSpec against the Pipeline CRD's spec,
  each inline taskSpec against the Task CRD's spec (the PipelineRun CRD leaves both open), unknown
  fields rejected like strict field validation;
* fields: every field kfpc writes into a Tekton type exists in v0.59's API (the oldest version kfpc
  supports), from v0.59's swagger.json;
* names and structure: DNS-1123 task and step names, parameter and result name patterns, runAfter
  targets, no cycles, finally tasks without runAfter, Matrix size and parameter declarations;
* references: every `$(...)` in the run is a reference Tekton resolves in that place (or kfpc's
  `$(KFPC_D)`, which Tekton leaves alone and the kubelet expands from the pod's env).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any, Iterator

import jsonschema

from argo_checks import unknown_fields
from kfpc_backends.tekton.units import strings as _strings

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas" / "tekton"
_REF = re.compile(r"\$\(([^()]*)\)")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_PARAM = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9.-]*$")
_RESULT = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_CONTEXT_PIPELINE = {"context.pipelineRun.name", "context.pipelineRun.namespace", "context.pipelineRun.uid",
                     "context.pipeline.name"}
_CONTEXT_TASK = {"context.taskRun.name", "context.taskRun.namespace", "context.taskRun.uid", "context.task.name",
                 "context.task.retry-count"}
MAX_MATRIX = 256


@functools.lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text("utf-8"))


@functools.lru_cache(maxsize=None)
def _validator(name: str, part: str) -> jsonschema.Draft7Validator:
    s = schema(name)
    return jsonschema.Draft7Validator(s if part == "" else s["properties"][part])


def _validate(value: Any, name: str, part: str, where: str) -> list[str]:
    sub = schema(name) if part == "" else schema(name)["properties"][part]
    found = [f"{where}: {name}: {e.json_path}: {e.message[:200]}" for e in _validator(name, part).iter_errors(value)]
    found += [f"{where}: {name} unknown field: {p}" for p in unknown_fields(value, sub, "$")]
    return found


def tasks_of(run: dict[str, Any]) -> list[dict[str, Any]]:
    spec = run["spec"]["pipelineSpec"]
    return list(spec.get("tasks", [])) + list(spec.get("finally", []))


NO_ASSISTANT = (("affinity-assistant", "disabled"), ("access-mode", "ReadWriteMany"))


def compile_any(path: str) -> Any:
    """Compile for a stock Tekton; a pipeline whose tasks need different nodes is refused there (the
    affinity assistant), and is then compiled for a cluster without it, as that error says to."""
    import kfpc
    from kfpc.backend import Options
    from kfpc.errors import UnsupportedError

    try:
        return kfpc.compile_file(path, backend="tekton")
    except UnsupportedError as err:
        if "affinity-assistant=disabled" not in err.diagnostics[0].render():
            raise
    return kfpc.compile_file(path, backend="tekton", options=Options(extra=NO_ASSISTANT))


def problems_all(documents: list[dict[str, Any]]) -> list[str]:
    """Every document of a compile: a PipelineRun, or a Pipeline and a PipelineRun referring to it
    (checked as one run), plus the scheduling objects of `--kind cron`."""
    pipelines = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Pipeline"}
    out = []
    for doc in documents:
        if doc["kind"] == "Pipeline":
            out += _validate(doc, "pipeline-crd.json", "", "Pipeline")
            out += standalone_pipeline(doc)
        elif doc["kind"] == "PipelineRun" and "pipelineRef" in doc["spec"]:
            ref = doc["spec"]["pipelineRef"]["name"]
            if ref not in pipelines:
                out.append(f"PipelineRun refers to Pipeline {ref!r}, which is not among the documents")
                continue
            out += _validate(doc, "pipelinerun-crd.json", "", "PipelineRun")
            joined = {**doc, "spec": {**{k: v for k, v in doc["spec"].items() if k != "pipelineRef"},
                                      "pipelineSpec": pipelines[ref]["spec"]}}
            out += problems(joined)
        elif doc["kind"] == "PipelineRun":
            out += problems(doc)
        elif doc["kind"] == "CronJob":
            container = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
            if len(doc["metadata"]["name"]) > 52 or not container.get("command"):
                out.append("CronJob: a name of at most 52 characters and a command are needed")
        elif doc["kind"] not in ("ServiceAccount", "Role", "RoleBinding"):
            out.append(f"unexpected document kind {doc['kind']}")
    return out


def standalone_pipeline(pipeline: dict[str, Any], version: str = "v0.59") -> list[str]:
    """A Pipeline created on its own, as the webhook admits it. Pipeline.Validate checks that every
    `$(params.x)` in an inline taskSpec's steps is declared (pkg/apis/pipeline/v1/pipeline_validation.go:63,
    388, via validateUsageOfDeclaredPipelineTaskParameters :157 and task_validation.go:109-113
    @v0.59.6): v0.59 counts only the taskSpec's own params; from v0.60.0 (commit 1b74ff31e,
    "Propagate params in pipelines") the Pipeline's params count too (pipeline_validation.go:165
    @v1.15.0). Inline specs in a PipelineRun are not held to this (PipelineRun validation does not call it)."""
    spec = pipeline["spec"]
    out = []
    pipeline_params = {p["name"] for p in spec.get("params", [])} if version != "v0.59" else set()
    for task in spec.get("tasks", []) + spec.get("finally", []):
        task_spec = task.get("taskSpec")
        if task_spec is None:
            continue
        declared = {d["name"] for d in task_spec.get("params", [])} | pipeline_params
        for ref in sorted({r for r in _refs(task_spec.get("steps", [])) if r.startswith("params.")}):
            name = re.split(r"[.\[]", ref[len("params."):], maxsplit=1)[0]
            if name not in declared:
                out.append(f"Pipeline task {task['name']}: $({ref}) in a step is not a param its taskSpec declares "
                           f"(Tekton {version} rejects the Pipeline)")
    return out


_V114_REF = re.compile(r"\$\([_a-zA-Z0-9.-]+(\.[_a-zA-Z0-9.-]+)*(\[([0-9]+|\*)\])?\)")
_V114_PREFIXES = ("params", "tasks", "finally", "context", "workspaces", "results")


def variable_prefixes(pipeline_spec: dict[str, Any]) -> list[str]:
    """From v1.14.0 (commit b0feac468) the webhook rejects a Pipeline, or a PipelineRun's
    pipelineSpec, in which a pipeline task's params, `when` (input and values) or Matrix params
    (and include params) hold a `$(...)` whose first dotted part is not params, tasks, finally,
    context, workspaces or results (validateVarSubstitutionExpressions,
    pkg/apis/pipeline/v1/pipeline_validation.go:873-930, called at :100-101 @v1.15.0; the references
    are what VariableSubstitutionRegex finds, resultref.go:45,94 @v1.15.0). So `$(KFPC_D)` may not
    appear there; steps are not checked."""
    out = []
    for task in pipeline_spec.get("tasks", []) + pipeline_spec.get("finally", []):
        matrix = task.get("matrix", {})
        places = [("params", task.get("params", [])), ("when", task.get("when", [])),
                  ("matrix", matrix.get("params", [])), ("matrix include", [p for i in matrix.get("include", [])
                                                                            for p in i.get("params", [])])]
        for where, value in places:
            for text in _strings(value):
                for m in _V114_REF.finditer(text):
                    if m.group(0)[2:-1].split(".", 1)[0] not in _V114_PREFIXES:
                        out.append(f"task {task['name']} {where}: {m.group(0)} is an unknown variable, which "
                                   "Tekton v1.14+ rejects")
    return out


def problems(run: dict[str, Any]) -> list[str]:
    found = _validate(run, "pipelinerun-crd.json", "", "PipelineRun")
    spec = run["spec"]["pipelineSpec"]
    found += _validate(spec, "pipeline-crd.json", "spec", "pipelineSpec")
    for task in tasks_of(run):
        found += _validate(task["taskSpec"], "task-crd.json", "spec", f"task {task.get('name')}")
    found += v059_fields(run)
    found += structure(run)
    found += references(run)
    found += variable_prefixes(spec)
    found += runtime_file_order(spec)
    return found


_RUNTIME_FILE = re.compile(r"open\('([^']+)'\)\.read\(\)")


def runtime_file_order(pipeline_spec: dict[str, Any]) -> list[str]:
    """A step that runs the kfpc runtime from a file in the run's volume (standalone Pipelines) runs
    only after the task that writes it succeeded. A DAG task starts once every task it depends on is
    done (dag.GetCandidateTasks, pkg/reconciler/pipeline/dag/dag.go:103 @v1.15.0), and a task that
    fails stops the others from starting (pipelinerunstate.go:420 @v1.15.0): the writer must be
    among its dependencies, followed through runAfter and result references. Finally tasks start
    after every DAG task (pipelinerunstate.go:504-519 @v1.15.0), whatever happened: they need a
    `when` on the writer's state being Succeeded."""
    tasks = {t["name"]: t for t in pipeline_spec.get("tasks", [])}
    files = {m.group(1) for t in tasks_of({"spec": {"pipelineSpec": pipeline_spec}}) for step in t["taskSpec"]["steps"]
             for m in [_RUNTIME_FILE.search(" ".join(step.get("command", [])))] if m}
    writers = {t["name"] for t in tasks.values() for step in t["taskSpec"]["steps"] if files & set(step.get("args", []))}
    out = []

    def waits(name: str, seen: set[str]) -> bool:
        if name in writers:
            return True
        seen.add(name)
        return any(waits(d, seen) for d in sorted(_deps(tasks[name])) if d in tasks and d not in seen)

    for section in ("tasks", "finally"):
        for task in pipeline_spec.get(section, []):
            readers = [s for s in task["taskSpec"]["steps"] if _RUNTIME_FILE.search(" ".join(s.get("command", [])))]
            if not readers:
                continue
            if section == "tasks" and not any(waits(d, set()) for d in _deps(task) if d in tasks):
                out.append(f"task {task['name']} runs the runtime from the run's volume without waiting for the task "
                           "that writes it")
            if section == "finally" and not any(
                    w["operator"] == "in" and w["values"] == ["Succeeded"]
                    and w["input"] in {f"$(tasks.{n}.status)" for n in writers} for w in task.get("when", [])):
                out.append(f"finally task {task['name']} runs the runtime from the run's volume even when the task "
                           "that writes it failed")
    return out


# ---------------------------------------------------------------------------------------------
# Fields that exist in Tekton v0.59


@functools.lru_cache(maxsize=1)
def _v059() -> dict[str, Any]:
    return json.loads((SCHEMAS / "v0.59-swagger.json").read_text("utf-8"))["definitions"]


def _fields(value: Any, definition: str, where: str) -> Iterator[str]:
    """Keys of `value` missing from the v0.59 definition; k8s core types are not in that file."""
    definitions = _v059()
    if definition not in definitions or not isinstance(value, dict):
        return
    props = definitions[definition].get("properties", {})
    for key, item in value.items():
        if key not in props:
            yield f"{where}.{key}: not in Tekton v0.59 ({definition})"
            continue
        target = props[key]
        ref = target.get("$ref") or target.get("items", {}).get("$ref") or \
            (target.get("additionalProperties") or {}).get("$ref")
        if not ref:
            continue
        name = ref.rsplit("/", 1)[-1]
        if isinstance(item, list):
            for i, element in enumerate(item):
                yield from _fields(element, name, f"{where}.{key}[{i}]")
        else:
            yield from _fields(item, name, f"{where}.{key}")


def v059_fields(run: dict[str, Any]) -> list[str]:
    return list(_fields(run["spec"], "v1.PipelineRunSpec", "$.spec"))


# ---------------------------------------------------------------------------------------------
# Names and structure


def structure(run: dict[str, Any]) -> list[str]:
    out = []
    spec = run["spec"]["pipelineSpec"]
    dag = {t["name"]: t for t in spec.get("tasks", [])}
    fin = {t["name"]: t for t in spec.get("finally", [])}
    names = [t["name"] for t in tasks_of(run)]
    if len(set(names)) != len(names):
        out.append("duplicate pipeline task names")
    for p in spec.get("params", []):
        if not _PARAM.match(p["name"]):
            out.append(f"pipeline param {p['name']!r}: invalid name")
    lowered = [p["name"].lower() for p in spec.get("params", [])]
    if len(set(lowered)) != len(lowered):
        out.append("pipeline params are not unique case-insensitively")
    generate = run["metadata"].get("generateName", "")
    if len(generate) > 58 or not re.match(r"^[a-z0-9]([-a-z0-9]*)?-$", generate):
        out.append(f"generateName {generate!r}: not a DNS-1123 prefix of at most 58 characters")
    for task in tasks_of(run):
        name = task["name"]
        if not _DNS_LABEL.match(name) or len(name) > 63:
            out.append(f"task {name!r}: not a DNS-1123 label")
        for dep in task.get("runAfter", []):
            if dep not in dag:
                out.append(f"task {name}: runAfter {dep!r} is not a pipeline task")
        if name in fin and "runAfter" in task:
            out.append(f"finally task {name}: runAfter is not allowed")
        if not re.fullmatch(r"(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+", str(task.get("timeout", ""))):
            out.append(f"task {name}: an explicit timeout is needed (Tekton's default would end it after an hour)")
        ts = task["taskSpec"]
        steps = [s["name"] for s in ts["steps"]]
        if len(set(steps)) != len(steps) or any(not _DNS_LABEL.match(s) or len(s) > 58 for s in steps):
            out.append(f"task {name}: step names must be unique DNS-1123 labels of at most 58 characters")
        for r in ts.get("results", []):
            if not _RESULT.match(r["name"]):
                out.append(f"task {name}: result {r['name']!r}: invalid name")
        declared = {p["name"] for p in ts.get("params", [])}
        given = [p["name"] for p in task.get("params", [])]
        matrix = task.get("matrix", {}).get("params", [])
        for p in given + [m["name"] for m in matrix]:
            if p not in declared:
                out.append(f"task {name}: param {p!r} is not declared by its taskSpec")
        if set(given) & {m["name"] for m in matrix}:
            out.append(f"task {name}: a param is both in params and in matrix")
        combos = 1
        for m in matrix:
            combos *= len(m["value"]) if isinstance(m["value"], list) else 1
        if combos > MAX_MATRIX:
            out.append(f"task {name}: {combos} Matrix combinations (Tekton's default limit is {MAX_MATRIX})")
        for w in task.get("when", []):
            if w.get("operator") not in ("in", "notin") or not w.get("values"):
                out.append(f"task {name}: malformed when {w}")
        for step in ts["steps"]:
            env = [e["name"] for e in step.get("env", [])]
            if len(set(env)) != len(env):
                out.append(f"task {name} step {step['name']}: duplicate env names")
    fanned = {t["name"] for t in tasks_of(run) if t.get("matrix")}
    for name in names:
        base, _, index = name.rpartition("-")
        if index.isdigit() and base in fanned:
            out.append(f"task {name!r}: its TaskRun would be named like run {index} of fanned-out task {base!r}")
    out += _cycles(dag)
    ws = {w["name"] for w in spec.get("workspaces", [])}
    bound = {w["name"] for w in run["spec"].get("workspaces", [])}
    if ws != bound:
        out.append(f"workspaces declared {sorted(ws)} but bound {sorted(bound)}")
    return out


def _cycles(dag: dict[str, dict[str, Any]]) -> list[str]:
    state: dict[str, int] = {}

    def visit(n: str) -> bool:
        if state.get(n) == 1:
            return True
        if state.get(n) == 2 or n not in dag:
            return False
        state[n] = 1
        if any(visit(d) for d in _deps(dag[n])):
            return True
        state[n] = 2
        return False

    return [f"cycle through {n}" for n in sorted(dag) if visit(n)][:1]


def _deps(task: dict[str, Any]) -> set[str]:
    deps = set(task.get("runAfter", []))
    for ref in _refs({k: v for k, v in task.items() if k != "taskSpec"}):
        m = re.match(r"tasks\.([^.]+)\.results\.", ref)
        if m:
            deps.add(m.group(1))
    return deps


# ---------------------------------------------------------------------------------------------
# References


def _refs(value: Any) -> Iterator[str]:
    for text in _strings(value):
        for m in _REF.finditer(text):
            yield m.group(1)


def references(run: dict[str, Any]) -> list[str]:
    spec = run["spec"]["pipelineSpec"]
    params = {p["name"] for p in spec.get("params", [])}
    dag = {t["name"]: t for t in spec.get("tasks", [])}
    results = {t["name"]: {r["name"]: r.get("type", "string") for r in t["taskSpec"].get("results", [])}
               for t in tasks_of(run)}
    out = []

    def result_ok(ref: str, where: str, allow_array: bool) -> str | None:
        m = re.fullmatch(r"tasks\.([^.]+)\.results\.([^.\[]+)(\[\*\])?", ref)
        if not m:
            return f"{where}: malformed result reference $({ref})"
        task, result, star = m.groups()
        if task not in dag:
            return f"{where}: $({ref}) names no pipeline task (finally results cannot be read)"
        if result not in results[task]:
            return f"{where}: $({ref}): task {task} declares no result {result!r}"
        if bool(star) != (results[task][result] == "array"):
            return f"{where}: $({ref}): array results are read whole with [*], string results without"
        if star and not allow_array:
            return f"{where}: $({ref}): a whole array can only be a param or Matrix value of its own"
        return None

    def pipeline_level(value: Any, where: str, finally_: bool, whole: bool) -> None:
        for text in _strings(value):
            for ref in (m.group(1) for m in _REF.finditer(text)):
                if ref == "KFPC_D":
                    continue
                if ref.startswith("params."):
                    if ref[len("params."):] not in params:
                        out.append(f"{where}: $({ref}) is not a pipeline param")
                elif ref.startswith("tasks.") and ref.endswith(".status") or ref == "tasks.status":
                    if not finally_:
                        out.append(f"{where}: $({ref}) only finally tasks may read task states")
                    elif ref != "tasks.status" and ref.split(".")[1] not in dag:
                        out.append(f"{where}: $({ref}) names no pipeline task")
                elif ref.startswith("tasks."):
                    problem = result_ok(ref, where, whole and text == f"$({ref})")
                    if problem:
                        out.append(problem)
                elif ref not in _CONTEXT_PIPELINE:
                    out.append(f"{where}: $({ref}) is not a reference Tekton resolves here")

    for task in tasks_of(run):
        name = task["name"]
        finally_ = name not in dag
        pipeline_level(task.get("params", []), f"task {name} params", finally_, True)
        pipeline_level(task.get("matrix", {}), f"task {name} matrix", finally_, True)
        pipeline_level(task.get("when", []), f"task {name} when", finally_, False)
        pipeline_level(task.get("workspaces", []), f"task {name} workspaces", finally_, False)
        pipeline_level(task.get("displayName", ""), f"task {name} displayName", finally_, False)
        ts = task["taskSpec"]
        declared = {p["name"]: p.get("type", "string") for p in ts.get("params", [])}
        own_results = {r["name"] for r in ts.get("results", [])}
        steps = {s["name"] for s in ts["steps"]}
        for step in ts["steps"]:
            where = f"task {name} step {step['name']}"
            for field in ("image", "command", "args", "env", "volumeMounts", "workingDir", "script"):
                for text in _strings(step.get(field, [])):
                    for ref in (m.group(1) for m in _REF.finditer(text)):
                        if ref == "KFPC_D":
                            continue
                        if ref.startswith("params."):
                            pname = ref[len("params."):]
                            star = pname.endswith("[*]")
                            pname = pname[:-3] if star else pname
                            if pname in declared:
                                if (declared[pname] == "array") != star:
                                    out.append(f"{where}: $({ref}): array params are read whole with [*]")
                                elif star and (field != "args" or text != f"$({ref})"):
                                    out.append(f"{where}: $({ref}) must be an args element of its own")
                            elif pname not in params:
                                out.append(f"{where}: $({ref}) is neither a task nor a pipeline param")
                        elif ref.startswith("tasks."):
                            if ref.endswith(".status"):
                                if not finally_:
                                    out.append(f"{where}: $({ref}) outside a finally task")
                            else:
                                problem = result_ok(ref, where, False)
                                if problem:
                                    out.append(problem)
                        elif ref.startswith("results."):
                            m = re.fullmatch(r"results\.([^.]+)\.path", ref)
                            if not m or m.group(1) not in own_results:
                                out.append(f"{where}: $({ref}) names no result of this task")
                        elif ref.startswith("steps."):
                            m = re.fullmatch(r"steps\.step-([^.]+)\.exitCode\.path", ref)
                            if not m or m.group(1) not in steps:
                                out.append(f"{where}: $({ref}) names no step of this task")
                        elif ref.startswith("workspaces."):
                            if ref not in {f"workspaces.{w['name']}.path" for w in ts.get("workspaces", [])}:
                                out.append(f"{where}: $({ref}) names no workspace of this task")
                        elif ref not in _CONTEXT_PIPELINE | _CONTEXT_TASK:
                            out.append(f"{where}: $({ref}) is not a reference Tekton resolves here")
    for result in spec.get("results", []):
        for ref in _refs(result["value"]):
            problem = result_ok(ref, f"pipeline result {result['name']}", False)
            if problem:
                out.append(problem)
    podenv = run["spec"].get("taskRunTemplate", {}).get("podTemplate", {}).get("env", [])
    for text in _strings(podenv):
        if "$(" in text:
            out.append("the pod template's env must be literal")
    return out
