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
- the node status, compressed (at least one node per task; loops and retries add more at run time).
  Node names and IDs start with the running Workflow's name: the root node is named after it and
  the others `<name>.<task>...`, with IDs `<name>-<fnv32a of the node name>`
  (pkg/apis/workflow/v1alpha1/workflow_types.go:3868-3877 @v4.1.2), so a longer name makes a larger
  status. That name is the Workflow's own, or its generateName plus the API server's five random
  characters; `argo submit --from workflowtemplate/T` uses generateName `T-`
  (workflow/common/convert.go:59-62 @v4.1.2); a CronWorkflow's runs are `<name>-<Unix seconds>`
  (workflow/cron/operator.go:585-587 @v4.1.2);
- where each pod's task result is tracked, which depends on the Argo version (`-O argo-version`):
  up to 3.6 an uncompressed `status.taskResultsCompletionStatus` map, one `"<node ID>":true` per pod,
  created on first use (workflow_types.go:1983-1994 @v3.6.19, :1967-1979 @v3.5.15); from 3.7 that
  map is written only if it already exists and nothing creates it (workflow_types.go:2249-2279
  @v4.1.2, :2036-2064 @v3.7.18), and each pod node carries `taskResultSynced` instead
  (workflow/controller/operator.go:3066-3068 @v4.1.2, :2789-2791 @v3.7.18), inside the node status.

Independently of `-O max-workflow-size`, every object written must be one Kubernetes stores at all
(kfpc/stored.py: etcd's 1.5 MiB request limit), and so must the part of the running Workflow that
no node-status offloading removes: its spec and stored templates.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from kfpc.errors import UnsupportedError, UsageError
from kfpc.stored import ETCD_REQUEST_LIMIT, go_json_size, go_text_size

from kfpc_backends.argo import caps

LIMIT = 1024 * 1024  # packer.go:20 @v4.1.2, :19 @v3.6.19 (the controller's MAX_WORKFLOW_SIZE default)
GREY = 0.75  # above this share of the limit, loops and retries may push the run over: a warning
STATUS_FIELDS = 600  # phase, timestamps, progress, conditions, artifact repository reference
GENERATED = "k7x2q"  # what the API server appends to a generateName: five random characters
CRON_RUN = "-1767225600"  # a CronWorkflow run's suffix: `-<Unix seconds>` (workflow/cron/operator.go:585-587 @v4.1.2)
RESULTS_MAP_UNTIL = (3, 6)  # the last version that creates status.taskResultsCompletionStatus
__all__ = ["estimate", "check", "parse_limit", "go_json_size", "LIMIT"]


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
    """`status.storedTemplates` once every templateRef has run: `namespaced/<object>/<template>`, also
    for what a library template calls by name inside its own WorkflowTemplate (context.go:207-218)."""
    found = {(lib["metadata"]["name"], t["name"]): t for lib in libraries for t in caps.spec_of(lib)["templates"]}
    stored: dict[str, Any] = {}
    todo: list[tuple[dict[str, Any], str | None]] = [(t, None) for t in spec.get("templates", [])]
    while todo:
        template, where = todo.pop()
        for call in calls(template):
            ref = call.get("templateRef")
            key = (ref["name"], ref["template"]) if ref else (where, call.get("template"))
            if key in found and f"namespaced/{key[0]}/{key[1]}" not in stored:
                stored[f"namespaced/{key[0]}/{key[1]}"] = found[key]  # type: ignore[index]
                todo.append((found[key], key[0]))  # type: ignore[index]
    return stored


def calls(template: dict[str, Any]) -> list[dict[str, Any]]:
    return template.get("dag", {}).get("tasks", []) + [s for g in template.get("steps", []) for s in g]


def called(call: dict[str, Any]) -> str:
    """The name of the template a DAG task or step calls, by name or through `templateRef`."""
    return call.get("template") or call.get("templateRef", {}).get("template", "")


def run_name(main: dict[str, Any]) -> str:
    """The name of the Workflow that actually runs, which every node name and ID starts with."""
    metadata = main.get("metadata", {})
    if main.get("kind") == "WorkflowTemplate":
        return f"{metadata.get('name', '')}-{GENERATED}"
    if main.get("kind") == "CronWorkflow":
        return metadata.get("name", "") + CRON_RUN
    return metadata.get("name") or metadata.get("generateName", "") + GENERATED


def node_id(workflow: str, node_name: str) -> str:
    """workflow_types.go:3868-3877 @v4.1.2 (the same at v3.6.19): the root node's ID is the
    workflow's name, every other `<workflow>-<32-bit FNV-1a of the node name, in decimal>`."""
    return workflow if node_name == workflow else f"{workflow}-{fnv1a(node_name)}"


_FNV_OFFSET, _FNV_PRIME = 0x811C9DC5, 0x01000193


def fnv1a(text: str, digest: int = _FNV_OFFSET) -> int:
    """32-bit FNV-1a of `text`, continued from `digest` (the hash of what precedes it). A node's name
    extends its parent's, so node_status hashes only the added part of each name."""
    for byte in text.encode("utf-8"):
        digest = ((digest ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return digest


def node_status(spec: dict[str, Any], libraries: list[dict[str, Any]], workflow: str = "w",
                result_flags: bool = False) -> tuple[dict[str, Any], list[str]]:
    """A model of `status.nodes` after one pass of every task (each call once; no loop iterations,
    no retries) of the Workflow named `workflow`: ids, names, phase, times, the inputs the call passes
    and the outputs it declares; with `result_flags`, each pod node's `taskResultSynced` (Argo 3.7+).
    Returns the nodes and the ids of pod nodes."""
    templates = {t["name"]: t for t in spec.get("templates", [])}
    templates.update({t["name"]: t for lib in libraries for t in caps.spec_of(lib)["templates"]})
    nodes: dict[str, Any] = {}
    pods: list[str] = []

    def visit(name: str, path: str, parent: str | None, depth: int, digest: int) -> str:
        template = templates.get(name, {})
        own_id = workflow if path == workflow else f"{workflow}-{digest}"  # node_id(workflow, path)
        composite = "dag" in template or "steps" in template
        node: dict[str, Any] = {
            "id": own_id, "name": path, "displayName": path.rsplit(".", 1)[-1] if parent else path,
            "type": "DAG" if "dag" in template else "Steps" if "steps" in template else "Pod",
            "templateName": name, "templateScope": f"local/{workflow}", "phase": "Succeeded",
            "startedAt": _time(len(nodes)), "finishedAt": _time(len(nodes) * 7 + 60), "progress": "1/1",
            "resourcesDuration": {"cpu": len(nodes) % 97 + 1, "memory": len(nodes) * 13 % 997 + 1}}
        if parent:
            node["boundaryID"] = parent
        declared = template.get("outputs", {})
        pod_name = f"{workflow}-{name}-{own_id.rsplit('-', 1)[-1]}"  # POD_NAMES v2: <workflow>-<template>-<hash>
        outputs = {"parameters": [{"name": o["name"], "value": "x"} for o in declared.get("parameters", [])],
                   "artifacts": [{"name": o["name"], "s3": {"key": f"{workflow}/{pod_name}/{o['name']}.tgz"}}
                                 for o in declared.get("artifacts", [])]}
        if any(outputs.values()):
            node["outputs"] = {k: v for k, v in outputs.items() if v}
        nodes[own_id] = node
        if composite and depth < 50:
            children = []
            for call in calls(template):
                target = called(call)
                child = visit(target, f"{path}.{call['name']}", own_id, depth + 1, fnv1a(f".{call['name']}", digest))
                nodes[child]["inputs"] = {"parameters": call.get("arguments", {}).get("parameters", [])}
                children.append(child)
            node["children"] = children
        elif not composite:
            node["hostNodeName"] = "node-1"
            if result_flags:
                node["taskResultSynced"] = True
            pods.append(own_id)
        return own_id

    entry = spec.get("entrypoint")
    root = fnv1a(workflow)
    if entry:
        visit(entry, workflow, None, 0, root)
    if spec.get("onExit"):
        visit(spec["onExit"], f"{workflow}.onExit", None, 0, fnv1a(".onExit", root))
    return nodes, pods


def _time(seconds: int) -> str:
    """Distinct times, as real nodes have (they compress less well than equal ones)."""
    return f"2026-01-01T{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"


def compressed_size(value: Any) -> int:
    """`status.compressedNodes`: gzip, then base64 (util/file/fileutil.go:139-141 @v4.1.2)."""
    return _compressed(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _compressed(raw: bytes) -> int:
    return len(base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)))


def _node_status_size(nodes: dict[str, Any]) -> int:
    """The smaller of the nodes as JSON and compressed, from one JSON text (go_json_size's rule)."""
    text = json.dumps(nodes, separators=(",", ":"), ensure_ascii=False)
    return min(_compressed(text.encode("utf-8")), go_text_size(text))


def estimate(documents: list[dict[str, Any]], argo_version: str = "4.0") -> dict[str, int]:
    """Bytes the running Workflow holds, by part: the object as compiled, the stored library
    templates, the compressed node status and (up to Argo 3.6) the per-pod completion entries."""
    *libraries, main = documents
    spec = caps.spec_of(main)
    workflow = {"apiVersion": main.get("apiVersion"), "kind": "Workflow", "metadata": main.get("metadata", {}),
                "spec": spec}
    results_map = _version(argo_version) <= RESULTS_MAP_UNTIL
    nodes, pods = node_status(spec, libraries, run_name(main), result_flags=not results_map)
    stored = stored_templates(spec, libraries)
    return {"spec": go_json_size(workflow),
            "stored templates": go_json_size(stored) if stored else 0,
            "node status": _node_status_size(nodes) + STATUS_FIELDS,
            "pod results": (len('"taskResultsCompletionStatus":{},') + sum(len(f'"{pod}":true,') for pod in pods))
            if results_map and pods else 0}


def _version(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


def check(documents: list[dict[str, Any]], limit: int = LIMIT, argo_version: str = "4.0",
          parts: dict[str, int] | None = None) -> list[str]:
    """Refuse a run Argo cannot store; warn when loops or retries may take it over the limit.
    `parts`: estimate(documents, argo_version), when the caller has it already."""
    parts = estimate(documents, argo_version) if parts is None else parts
    total = sum(parts.values())
    detail = ", ".join(f"{name} {value // 1024} KiB" for name, value in parts.items() if value)
    too_big = unstorable(documents)
    if total > limit:
        raise UnsupportedError(
            f"the running Workflow would hold about {total // 1024} KiB of JSON ({detail}); Argo's controller "
            f"stores at most {limit} bytes ({_human(limit)}) per Workflow and marks a larger one Error "
            "(\"workflow is longer than maximum allowed size\"); library WorkflowTemplates do not help, since "
            "Argo copies every template they supply into the Workflow's status.storedTemplates",
            hint=_SMALLER + ("" if too_big else "; or, if the controller's MAX_WORKFLOW_SIZE is raised (or node "
                             "status offloading is on), pass -O max-workflow-size=<bytes>"))
    if too_big:
        raise UnsupportedError(too_big + " (whatever -O max-workflow-size allows)", hint=_SMALLER)
    if total > GREY * limit:
        return [f"the running Workflow will hold about {total // 1024} KiB of JSON ({detail}), close to Argo's "
                f"{_human(limit)} limit per Workflow: loop iterations and retries add node status at run time "
                "and can take it over (the workflow then ends in Error)"]
    return []


def unstorable(documents: list[dict[str, Any]]) -> str | None:
    """Why Kubernetes would not store the run, if it would not: an object as written, or the
    running Workflow's spec with its stored templates (which stay in the object even when node
    status is offloaded to a database), over what it stores per object."""
    *libraries, main = documents
    for doc in documents:
        written = go_json_size(doc)
        if written > ETCD_REQUEST_LIMIT:
            return (f"the {doc.get('kind')} {_name(doc)} is {written // 1024} KiB of JSON; Kubernetes stores at most "
                    f"1.5 MiB ({ETCD_REQUEST_LIMIT} bytes, etcd's default request limit) per object, so creating "
                    "it fails")
    spec = caps.spec_of(main)
    stored = stored_templates(spec, libraries)
    kept = go_json_size({"metadata": main.get("metadata", {}), "spec": spec}) + (go_json_size(stored) if stored else 0)
    if kept > ETCD_REQUEST_LIMIT:
        return (f"the running Workflow would hold {kept // 1024} KiB of JSON in its spec and status.storedTemplates "
                f"alone, over the 1.5 MiB ({ETCD_REQUEST_LIMIT} bytes) Kubernetes stores per object (etcd's default "
                "request limit); offloading node status does not move them")
    return None


_SMALLER = ("make the pipeline smaller: share components and images instead of many near-copies, move large inline "
            "code into images")


def _name(doc: dict[str, Any]) -> str:
    metadata = doc.get("metadata", {})
    return repr(metadata.get("name") or metadata.get("generateName", ""))


def _human(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB" if size % (1024 * 1024) == 0 else f"{size // 1024} KiB"
