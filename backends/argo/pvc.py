"""kfp-kubernetes CreatePVC / DeletePVC as Argo `resource` templates.

The SDK writes these as stub containers that only KFP's driver understands. On Argo the claim is
created and deleted by the workflow itself (the workflow's service account needs create/delete on
persistentvolumeclaims). The manifest is JSON assembled from expression tags: every value is read
raw from the template's inputs and written with toJson, so names and annotations cannot break it.
"""

from __future__ import annotations

from typing import Any

from kfpc.plan.model import PvcComponent, Task

from kfpc_backends.argo import escape

_CREATE_FIELDS = ("access_modes", "size", "pvc_name", "pvc_name_suffix", "storage_class_name", "volume_name",
                  "annotations", "data_source")


def _raw(name: str) -> str:
    return escape.u_expr(f"inputs.parameters[{escape.string_literal(name)}]")


def render(component: PvcComponent, task: Task) -> dict[str, Any]:
    bound = {b.name for b in task.params if component.interface.in_param(b.name) is not None}
    inputs = [{"name": n} for n in sorted(bound)]
    if component.op == "delete":
        manifest = ('{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":'
                    + escape.tag(f"toJson({_raw('pvc_name')})") + "} }")
        template: dict[str, Any] = {"name": component.name, "inputs": {"parameters": inputs},
                                    "resource": {"action": "delete", "manifest": manifest}}
        return template
    if "pvc_name" in bound:
        name = escape.tag(f"toJson({_raw('pvc_name')})")
    else:  # KFP: <workflow name>-<suffix>; two tags, so each resolves in the pass that knows it
        name = '"{{workflow.name}}-' + escape.tag(_raw("pvc_name_suffix")) + '"'
    metadata = '{"name":' + name
    if "annotations" in bound:
        metadata += ',"annotations":' + escape.tag(_raw("annotations"))
    metadata += "}"
    spec = ['"accessModes":' + escape.tag(_raw("access_modes")),
            '"resources":{"requests":{"storage":' + escape.tag(f"toJson({_raw('size')})") + "} }"]
    if "storage_class_name" in bound:  # "" means the cluster default, as in KFP
        sc = _raw("storage_class_name")
        spec.append('"storageClassName":' + escape.tag(f"{sc} == '' ? 'null' : toJson({sc})"))
    if "volume_name" in bound:
        spec.append('"volumeName":' + escape.tag(f"toJson({_raw('volume_name')})"))
    if "data_source" in bound:
        spec.append('"dataSource":' + escape.tag(_raw("data_source")))
    manifest = ('{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":' + metadata
                + ',"spec":{' + ",".join(spec) + "} }")
    return {
        "name": component.name,
        "inputs": {"parameters": inputs},
        "outputs": {"parameters": [{"name": "name", "valueFrom": {"jsonPath": "{.metadata.name}"}}]},
        "resource": {"action": "create", "setOwnerReference": False, "manifest": manifest},
    }
