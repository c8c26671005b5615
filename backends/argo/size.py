"""How large the running Workflow gets, checked before anything is written.

Argo's controller refuses to store a Workflow whose JSON is over 1 MiB (`MAX_WORKFLOW_SIZE` of
the controller, default 1024*1024: workflow/packer/packer.go:17-23 @v4.1.2, :16-22 @v3.6.19). When
the object grows past it, the controller first gzips the node status into
`status.compressedNodes` and measures again (packer.go:63-99 @v4.1.2); if it still does not fit,
and node status offloading to a database is not configured (it is not on a stock install:
workflow/controller/config.go:29 @v4.1.2 installs the "explosive" repository), the workflow ends in
Error "workflow is longer than maximum allowed size" (hydrator/hydrator.go:100-123,
controller/operator.go:816-819 @v4.1.2). Above ~1.5 MiB even `kubectl create` fails (etcd's request
limit).

What counts is the whole object the controller writes back:
- the spec as compiled (a Workflow submitted from a WorkflowTemplate or a CronWorkflow holds the same
  spec, in `status.storedWorkflowTemplateSpec` or its own spec: operator.go:4595-4626 @v4.1.2);
- every template called through `templateRef`, copied once into `status.storedTemplates`
  (workflow/templateresolution/context.go:207-218 @v4.1.2; pkg/apis/workflow/v1alpha1/
  workflow_types.go:3939-3961 stores only references to other objects), so the library
  WorkflowTemplates do not make the run smaller;
- the node status, compressed (at least one node per task; loops and retries add more at run time);
- `status.taskResultsCompletionStatus`, one uncompressed entry per pod (workflow_types.go:2245).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from typing import Any

from kfpc.errors import UnsupportedError, UsageError

from kfpc_backends.argo import caps

LIMIT = 1024 * 1024  # packer.go:20 @v4.1.2, :19 @v3.6.19 (the controller's MAX_WORKFLOW_SIZE default)
GREY = 0.75  # above this share of the limit, loops and retries may push the run over: a warning
_STATUS = 600  # phase, timestamps, progress, conditions, artifact repository reference


def go_json_size(value: Any) -> int:
    """Bytes of Go's `json.Marshal`: UTF-8 kept as is, but `<`, `>` and `&` written as `\\u003c`
    etc. (encoding/json's HTML escaping), five bytes more each."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-8")) + 5 * sum(text.count(c) for c in "<>&")


def parse_limit(text: str) -> int:
    """`-O max-workflow-size`: bytes, or with a Ki / Mi suffix (the controller's MAX_WORKFLOW_SIZE)."""
    units = {"Ki": 1024, "Mi": 1024 * 1024}
    number, factor = text.strip(), 1
    for suffix, scale in units.items():
        if number.endswith(suffix):
            number, factor = number[: -len(suffix)], scale
    if not number.isdigit() or int(number) == 0:
        raise UsageError(f"-O max-workflow-size={text!r} is not a size such as 1048576, 1024Ki or 1Mi")
    return int(number) * factor


def stored_templates(spec: dict[str, Any], libraries: list[dict[str, Any]]) -> dict[str, Any]:
    """`status.storedTemplates` once every templateRef has run: `namespaced/<object>/<template>`."""
    found = {(lib["metadata"]["name"], t["name"]): t for lib in libraries for t in caps.spec_of(lib)["templates"]}
    stored = {}
    for template in spec.get("templates", []):
        for call in _calls(template):
            ref = call.get("templateRef")
            if ref and (ref["name"], ref["template"]) in found:
                stored[f"namespaced/{ref['name']}/{ref['template']}"] = found[(ref["name"], ref["template"])]
    return stored


def _calls(template: dict[str, Any]) -> list[dict[str, Any]]:
    return template.get("dag", {}).get("tasks", []) + [s for g in template.get("steps", []) for s in g]


def _node_id(path: str) -> str:
    return "w-" + str(int(hashlib.sha256(path.encode("utf-8")).hexdigest()[:12], 16) % 10**10)


def node_status(spec: dict[str, Any], libraries: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """A model of `status.nodes` after one pass of every task (each call once; no loop iterations,
    no retries): ids, names, phase, times, the inputs the call passes and the outputs it declares.
    Returns the nodes and the ids of pod nodes."""
    templates = {t["name"]: t for t in spec.get("templates", [])}
    templates.update({t["name"]: t for lib in libraries for t in caps.spec_of(lib)["templates"]})
    nodes: dict[str, Any] = {}
    pods: list[str] = []

    def visit(name: str, path: str, parent: str | None, depth: int) -> str:
        template = templates.get(name, {})
        node_id = _node_id(path)
        composite = "dag" in template or "steps" in template
        node: dict[str, Any] = {
            "id": node_id, "name": path, "displayName": path.rsplit(".", 1)[-1],
            "type": "DAG" if "dag" in template else "Steps" if "steps" in template else "Pod",
            "templateName": name, "templateScope": "local/w", "phase": "Succeeded",
            "startedAt": _time(len(nodes)), "finishedAt": _time(len(nodes) * 7 + 60), "progress": "1/1",
            "resourcesDuration": {"cpu": len(nodes) % 97 + 1, "memory": len(nodes) * 13 % 997 + 1}}
        if parent:
            node["boundaryID"] = parent
        declared = template.get("outputs", {})
        outputs = {"parameters": [{"name": o["name"], "value": "x"} for o in declared.get("parameters", [])],
                   "artifacts": [{"name": o["name"], "s3": {"key": f"w/{node_id}/{o['name']}.tgz"}}
                                 for o in declared.get("artifacts", [])]}
        if any(outputs.values()):
            node["outputs"] = {k: v for k, v in outputs.items() if v}
        nodes[node_id] = node
        if composite and depth < 50:
            children = []
            for call in _calls(template):
                target = call.get("template") or call.get("templateRef", {}).get("template", "")
                child = visit(target, f"{path}.{call['name']}", node_id, depth + 1)
                nodes[child]["inputs"] = {"parameters": call.get("arguments", {}).get("parameters", [])}
                children.append(child)
            node["children"] = children
        elif not composite:
            node["hostNodeName"] = "node-1"
            pods.append(node_id)
        return node_id

    entry = spec.get("entrypoint")
    if entry:
        visit(entry, "w", None, 0)
    if spec.get("onExit"):
        visit(spec["onExit"], "w.onExit", None, 0)
    return nodes, pods


def _time(seconds: int) -> str:
    """Distinct times, as real nodes have (they compress less well than equal ones)."""
    return f"2026-01-01T{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"


def compressed_size(value: Any) -> int:
    """`status.compressedNodes`: gzip, then base64 (util/file/fileutil.go:139-141 @v4.1.2)."""
    raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return len(base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)))


def estimate(documents: list[dict[str, Any]]) -> dict[str, int]:
    """Bytes the running Workflow holds, by part: the object as compiled, the stored library
    templates, the compressed node status and the per-pod completion entries."""
    *libraries, main = documents
    spec = caps.spec_of(main)
    workflow = {"apiVersion": main.get("apiVersion"), "kind": "Workflow", "metadata": main.get("metadata", {}),
                "spec": spec}
    nodes, pods = node_status(spec, libraries)
    stored = stored_templates(spec, libraries)
    return {"spec": go_json_size(workflow),
            "stored templates": go_json_size(stored) if stored else 0,
            "node status": min(compressed_size(nodes), go_json_size(nodes)) + _STATUS,
            "pod results": sum(len(f'"{pod}":true,') for pod in pods)}


def check(documents: list[dict[str, Any]], limit: int = LIMIT, parts: dict[str, int] | None = None) -> list[str]:
    """Refuse a run Argo cannot store; warn when loops or retries may take it over the limit.
    `parts`: estimate(documents), when the caller has it already."""
    parts = estimate(documents) if parts is None else parts
    total = sum(parts.values())
    detail = ", ".join(f"{name} {value // 1024} KiB" for name, value in parts.items() if value)
    if total > limit:
        raise UnsupportedError(
            f"the running Workflow would hold about {total // 1024} KiB of JSON ({detail}); Argo's controller "
            f"stores at most {limit} bytes ({_human(limit)}) per Workflow and marks a larger one Error "
            "(\"workflow is longer than maximum allowed size\"); library WorkflowTemplates do not help, since "
            "Argo copies every template they supply into the Workflow's status.storedTemplates",
            hint="make the pipeline smaller: share components and images instead of many near-copies, move "
                 "large inline code into images; or, if the controller's MAX_WORKFLOW_SIZE is raised (or node "
                 "status offloading is on), pass -O max-workflow-size=<bytes>")
    if total > GREY * limit:
        return [f"the running Workflow will hold about {total // 1024} KiB of JSON ({detail}), close to Argo's "
                f"{_human(limit)} limit per Workflow: loop iterations and retries add node status at run time "
                "and can take it over (the workflow then ends in Error)"]
    return []


def _human(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB" if size % (1024 * 1024) == 0 else f"{size // 1024} KiB"
