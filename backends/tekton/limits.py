"""Whether the objects kfpc writes can be stored, once Tekton has added what it keeps in them.

On its first reconcile Tekton substitutes the run's parameter values (the `-p` values or defaults)
and its context into every pipeline task and inline taskSpec (ApplyParameters, ApplyContexts:
pkg/reconciler/pipelinerun/resources/apply.go:89,400,594 @v1.15.0, :51,346 @v0.59.6) and stores
the result in the PipelineRun's `status.pipelineSpec` (pkg/reconciler/pipelinerun/pipelinerun.go:710
@v1.15.0, :561 @v0.59.6). A value used by many tasks is stored once per use. It lists every TaskRun
it creates in `status.childReferences` (apiVersion, kind, name, displayName, pipelineTaskName and
the task's `when`: one per TaskRun, so one per Matrix combination; GetChildReferences and
getDisplayName, pkg/reconciler/pipelinerun/resources/pipelinerunstate.go:276-336 @v1.15.0; the type
at pkg/apis/pipeline/v1/pipelinerun_types.go:508-522 @v1.15.0). A PipelineRun with an inline
`pipelineSpec` therefore holds its pipeline twice. Kubernetes keeps every object in etcd, which
refuses a request over 1.5 MiB by default (kfpc/stored.py, shared with the Argo backend): a run above that
is accepted by nobody (kubectl create fails) or, when only the status pushes it over, is created
but can never record its progress. So kfpc refuses such a run rather than write it.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from kfpc.errors import UnsupportedError
from kfpc.stored import ETCD_REQUEST_LIMIT, go_json_size, go_text_size
from kfpc.stored import kib as _kib

from kfpc_backends.tekton import gate_keys
from kfpc_backends.tekton import wire

WARN_FRACTION = 0.8
STATUS_BASE = 1024  # conditions, start time, provenance: a generous allowance
RUN_NAME_SUFFIX = 5  # generateName adds 5 characters; TaskRun names are <run>-<task>[-<i>]
UID = "0" * 36  # a Kubernetes uid as Tekton substitutes it
NAMESPACE = "x" * 20  # unknown at compile time when not given: a typical length
_REF = re.compile(r"\$\(([^()]*)\)")


def size(obj: Any) -> int:
    """Bytes of the object as the API server stores a custom resource (compact JSON)."""
    return go_json_size(obj)


def check(documents: list[dict[str, Any]]) -> list[str]:
    """Refuse an object etcd would not store; warn when one is close. Returns the warnings."""
    pipelines = {d["metadata"].get("name"): d for d in documents if d.get("kind") == "Pipeline"}
    warnings: list[str] = []
    for doc in documents + [run for d in documents if d.get("kind") == "CronJob" for run in _scheduled(d)]:
        pipeline = pipelines.get(doc["spec"].get("pipelineRef", {}).get("name")) if doc.get("kind") == "PipelineRun" \
            else None
        spec = doc["spec"].get("pipelineSpec") or (pipeline or {}).get("spec") if doc.get("kind") == "PipelineRun" \
            else None
        if spec is None:
            own = size(doc)
            stored, written, bounded, what, hint = own, own, own, f"the {doc['kind']}", "split the pipeline, or use --backend argo"
        else:
            written_spec, resolved, copy = stored_spec(spec, doc, pipeline["metadata"]["name"] if pipeline else None)
            own = size(doc) if spec is not doc["spec"].get("pipelineSpec") else \
                size({**doc, "spec": {**doc["spec"], "pipelineSpec": {}}}) - len("{}") + written_spec
            references = _child_references(doc, copy)
            stored = own + resolved + references + STATUS_BASE
            if any("matrix" in task for section in copy.values() for task in section):
                references = _child_references(doc, copy, bounded=True)
            bounded = own + resolved + references + STATUS_BASE
            written = own if pipeline is None else own + written_spec
            what = ("the PipelineRun, with the copy of its pipeline Tekton keeps in status.pipelineSpec "
                    "(parameter values substituted) and the list of its TaskRuns,")
            hint = _hint(doc, stored, written_spec, resolved)
        if stored > ETCD_REQUEST_LIMIT:
            raise UnsupportedError(
                f"{what} would be about {_kib(stored)} (written: {_kib(written)}), over the 1.5 MiB etcd stores by "
                "default; Kubernetes would refuse it or it could not record its progress", hint=hint)
        if stored > WARN_FRACTION * ETCD_REQUEST_LIMIT:
            warnings.append(f"{what} will be about {_kib(stored)} once running, close to the 1.5 MiB etcd stores "
                            "by default")
        elif bounded > WARN_FRACTION * ETCD_REQUEST_LIMIT:
            # Not refused: such a loop usually runs far fewer iterations than its gate can list.
            warnings.append(f"{what} grows with the iterations of loops over values computed at run time: with "
                            f"as many as the gate task's result can list (about {gate_keys.capacity(1, 1)} for one "
                            f"loop) it would be about {_kib(bounded)}, over "
                            f"{_kib(int(WARN_FRACTION * ETCD_REQUEST_LIMIT))}; etcd stores 1.5 MiB by default")
    return warnings


def _scheduled(cron: dict[str, Any]) -> list[dict[str, Any]]:
    """The PipelineRun a `--kind cron` CronJob creates (kinds._scheduler carries it base64-encoded)."""
    out = []
    for container in cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]:
        for entry in container.get("env", []):
            if entry["name"] == "KFPC_SPEC":
                out.append(json.loads(base64.b64decode(json.loads(entry["value"])["run"])))
    return out


def run_name(run: dict[str, Any]) -> str:
    return run["metadata"].get("name") or run["metadata"].get("generateName", "") + "x" * RUN_NAME_SUFFIX


def resolve(spec: dict[str, Any], run: dict[str, Any], pipeline_name: str | None) -> dict[str, Any]:
    """The pipeline spec as Tekton keeps it in status.pipelineSpec: parameter values, then context
    values, substituted into the tasks (params, matrix, when, displayName, inline taskSpec), a task's
    own param of the same name taking the place of the pipeline's in its taskSpec (propagateParams,
    apply.go:594-632 @v1.15.0; contexts at :389-407). The pipeline name of an embedded spec is the
    run's (pkg/reconciler/pipelinerun/pipelinespec/pipelinespec.go:53-54 @v1.15.0)."""
    params, context = _values(spec, run, pipeline_name)
    out = dict(spec)
    for section in ("tasks", "finally"):
        if section in spec:
            out[section] = [_substituted(_task_with(task, params), context) for task in spec[section]]
    return out


def _values(spec: dict[str, Any], run: dict[str, Any], pipeline_name: str | None) -> tuple[dict[str, str], ...]:
    """What Tekton substitutes: the parameter references (in their three spellings), then the context."""
    values = {p["name"]: p["default"] for p in spec.get("params", []) if isinstance(p.get("default"), str)}
    values.update({p["name"]: p["value"] for p in run["spec"].get("params", []) if isinstance(p.get("value"), str)})
    params = {key.format(name): value for name, value in values.items() for key in _SPELLINGS}
    name = run_name(run)
    context = {"context.pipelineRun.name": name, "context.pipeline.name": pipeline_name or name,
               "context.pipelineRun.namespace": run["metadata"].get("namespace") or NAMESPACE,
               "context.pipelineRun.uid": UID}
    return params, context


_SPELLINGS = ("params.{}", 'params["{}"]', "params['{}']")
_COUNTED = ("name", "displayName", "when", "matrix")  # what _child_references reads of a task


def stored_spec(spec: dict[str, Any], run: dict[str, Any], pipeline_name: str | None) -> tuple[int, int, dict[str, Any]]:
    """`size(spec)` and `size(resolve(...))` without building the resolved copy (most of a large run's
    check time): each task is written as compact JSON once and substituted as text, which changes the
    same references (keys and values JSON-escaped). Also returns the tasks as _child_references reads
    them: the keys it uses resolved, and the whole task for the gate tasks whose keys a loop counts."""
    params, context = _values(spec, run, pipeline_name)
    sections = [s for s in ("tasks", "finally") if s in spec]
    written = total = size({**spec, **{s: [] for s in sections}})
    light: dict[str, Any] = {}
    for section in sections:
        tasks = spec[section]
        commas = max(len(tasks) - 1, 0)
        sizes = [_task_sizes(task, params, context) for task in tasks]
        written += sum(w for w, _ in sizes) + commas
        total += sum(r for _, r in sizes) + commas
        light[section] = [{k: _substituted(_substituted(task[k], params), context) for k in _COUNTED if k in task}
                          for task in tasks]
    gates = {m.group(1) for task in light.get("tasks", []) + light.get("finally", [])
             for param in (task.get("matrix") or {}).get("params", [])
             if isinstance(param.get("value"), str) for m in [_GATE_KEYS.match(param["value"])] if m}
    for section in sections:
        light[section] = [_substituted(_task_with(task, params), context) if task.get("name") in gates else copy
                          for task, copy in zip(spec[section], light[section])]
    return written, total, light


def _task_sizes(task: dict[str, Any], params: dict[str, str], context: dict[str, str]) -> tuple[int, int]:
    """Stored bytes of one task as written and as `resolve` writes it (see _task_with)."""
    outside = {k: v for k, v in task.items() if k != "taskSpec"}
    text = _json(outside)
    written, resolved = go_text_size(text), go_text_size(_text_substituted(_text_substituted(text, params), context))
    if "taskSpec" not in task:
        return written, resolved
    mine = dict(params)
    for param in _substituted(outside.get("params", []), params):
        if isinstance(param.get("value"), str):
            mine.update({k.format(param["name"]): param["value"] for k in _SPELLINGS if k.format(param["name"]) in params})
    text = _json(task["taskSpec"])
    extra = len('"taskSpec":') + (1 if outside else 0)
    return (written + extra + go_text_size(text),
            resolved + extra + go_text_size(_text_substituted(_text_substituted(text, mine), context)))


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _text_substituted(text: str, mapping: dict[str, str]) -> str:
    """_substituted on a value's JSON text: a reference's name is read back from its escaped form and
    the value put in escaped."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if "\\" in key:
            try:
                key = json.loads(f'"{key}"')
            except ValueError:
                return match.group(0)
        found = mapping.get(key)
        return match.group(0) if found is None else _json(found)[1:-1]

    return _REF.sub(value, text) if "$(" in text else text


def _task_with(task: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    outside = {k: _substituted(v, params) for k, v in task.items() if k != "taskSpec"}
    if "taskSpec" not in task:
        return outside
    own = dict(params)
    for param in outside.get("params", []):
        if isinstance(param.get("value"), str):
            own.update({k.format(param["name"]): param["value"] for k in ("params.{}", 'params["{}"]', "params['{}']")
                        if k.format(param["name"]) in params})
    return {**outside, "taskSpec": _substituted(task["taskSpec"], own)}


def _substituted(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _REF.sub(lambda m: mapping.get(m.group(1), m.group(0)), value) if "$(" in value else value
    if isinstance(value, list):
        return [_substituted(v, mapping) for v in value]
    if isinstance(value, dict):
        return {k: _substituted(v, mapping) for k, v in value.items()}
    return value


_GATE_KEYS = re.compile(r"^\$\(tasks\.([^.()]+)\.results\.(?:keys|vals)\[\*\]\)$")  # build.py: keys, or values as many


def _child_references(run: dict[str, Any], spec: dict[str, Any], bounded: bool = False) -> int:
    """One reference per TaskRun, so one per Matrix combination (GetChildReferences,
    pipelinerunstate.go:276-305 @v1.15.0). A loop kfpc fans out over a gate task's `keys` (or `vals`) result
    runs as many TaskRuns as its list has items, known here when the list is a constant or a
    parameter value; a list computed at run time counts as one TaskRun, or (`bounded`) as many as
    the gate's result can list (gate_keys.capacity)."""
    name = run_name(run)
    tasks = {t["name"]: t for t in spec.get("tasks", [])}
    total = 0
    for task in spec.get("tasks", []) + spec.get("finally", []):
        runs, most = _matrix_runs(task, tasks)
        for index in range(runs if runs is not None else most if bounded else 1):
            suffix = f"-{index}" if task.get("matrix") else ""
            entry = {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "name": f"{name}-{task['name']}{suffix}"[:63]}
            if task.get("displayName"):
                entry["displayName"] = task["displayName"]
            entry["pipelineTaskName"] = task["name"]
            if task.get("when"):
                entry["whenExpressions"] = task["when"]
            total += size(entry) + 1
    return total


def _matrix_runs(task: dict[str, Any], tasks: dict[str, dict[str, Any]]) -> tuple[int | None, int]:
    """The TaskRuns a task's Matrix fans out into (None when unknown), and the most it can: a literal
    Matrix counts exactly (build.py keeps it within Tekton's admission cap); one over a gate's result
    has as many as the gate lists, at most what that result can hold."""
    total: int | None = 1
    bound = 1
    for param in (task.get("matrix") or {}).get("params", []):
        value = param.get("value")
        gate = _GATE_KEYS.match(value) if isinstance(value, str) else None
        count: int | None
        if isinstance(value, list):
            count, most = len(value), len(value)
        elif gate:
            count, most = _gate_keys(task, tasks.get(gate.group(1)))
        else:
            return None, 1
        total = None if total is None or count is None else total * count
        bound *= most
    return total, bound


def _gate_keys(task: dict[str, Any], gate: dict[str, Any] | None) -> tuple[int | None, int]:
    """How many keys a gate task lists: the product of its loop levels' lengths when each is a
    constant list or a parameter value (substituted by resolve; conditions may list fewer), else
    None; and the most its result can hold. Refuses a loop whose keys are known and cannot fit."""
    for step in (gate or {}).get("taskSpec", {}).get("steps", []):
        env = {e["name"]: e.get("value") for e in step.get("env", [])}
        try:
            spec = json.loads(env.get("KFPC_SPEC") or "{}")
        except ValueError:
            return None, 1
        table = spec.get(wire.Spec.LOOPS) if isinstance(spec, dict) else None
        if not isinstance(table, list):
            continue
        containers = int(spec.get(wire.Spec.POD_CONTAINERS) or 3)
        most = gate_keys.capacity(len(table), containers)
        lengths = [_level_items(level, env) for level in table]
        if any(items is None for items in lengths):
            return None, most
        counts = [len(items or ()) for items in lengths]
        keys = gate_keys.iteration_keys(counts)
        vals = gate_keys.loop_values(spec.get(wire.Spec.VALUE), [items or [] for items in lengths])
        if not spec.get(wire.Spec.GUARDS) and gate_keys.message_size(keys, vals) > gate_keys.result_limit(containers):
            _refuse_wide_loop(task, counts, len(keys), most)
        return len(keys), len(keys)
    return None, 1


def _refuse_wide_loop(task: dict[str, Any], counts: list[int], count: int, most: int) -> None:
    name = task.get("displayName") or task["name"]
    levels = " x ".join(str(c) for c in counts)
    raise UnsupportedError(
        f"the loop of task {name!r} (pipeline task {task['name']!r}) has {count:,} iterations ({levels} items): "
        f"Tekton would receive their keys from a gate task's result, which can hold the keys of at most about {most} "
        "iterations (a task result is at most 4096 bytes), so the gate would fail every run",
        hint="loop over fewer items (or split the list into several loops), or use --backend argo")


def _level_items(level: Any, env: dict[str, Any]) -> list[Any] | None:
    """A loop level's items (sources.Descriptors.loop_table): a constant, or an env value holding a list."""
    if not (isinstance(level, list) and len(level) == 2 and level[0] == "P" and isinstance(level[1], list)):
        return None
    kind, *rest = level[1]
    if kind == "c" and rest and isinstance(rest[0], list):
        return rest[0]
    if kind == "e" and rest and isinstance(env.get(rest[0]), str):
        try:
            items = json.loads(env[rest[0]])
        except ValueError:
            return None
        return items if isinstance(items, list) else None
    return None


def _hint(run: dict[str, Any], stored: int, spec: int, resolved: int) -> str:
    hints = []
    if resolved - spec > ETCD_REQUEST_LIMIT // 8:
        hints.append(f"parameter values substituted into the tasks that use them add {_kib(resolved - spec)}: pass a "
                     "large value as an input artifact (a file) rather than a parameter")
    if "pipelineSpec" in run["spec"] and stored - spec <= ETCD_REQUEST_LIMIT:
        hints.append("--kind template stores the pipeline once, in a Pipeline the run refers to")
    return "; ".join(hints + ["otherwise split the pipeline, or use --backend argo"])
