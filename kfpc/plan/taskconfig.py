"""TaskConfig passthrough (ComponentSpec.task_config_passthroughs, `dsl.TaskConfig` inputs).

A component that launches its own workload (a training job, say) asks for the pod settings its task
would get, to hand them on. KFP's driver builds that value when it builds the pod; kfpc knows the
pod at compile time, so it builds the same value here (names and JSON settings known only at run
time are spliced in as run-time values). The shape follows the driver's TaskConfig struct as JSON:
seven keys, `null` for what the component did not ask for (backend/src/v2/driver/driver.go:112 and
getTaskConfigOptions, k8s.go extendPodSpecPatch @2.17.0). A field passed through without
`apply_to_task` is left off the task's own pod, as KFP does; a component that lists no passthrough
keeps everything on its pod.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from kfpc.plan import k8s
from kfpc.plan.model import Constant, Interpolation, ParamSource, Resources, Runtime, RuntimeKind, TextTemplate
from kfpc.plan.values import joined_text, text_form

RESOURCES, ENV = "RESOURCES", "ENV"
AFFINITY, TOLERATIONS = "KUBERNETES_AFFINITY", "KUBERNETES_TOLERATIONS"
NODE_SELECTOR, VOLUMES = "KUBERNETES_NODE_SELECTOR", "KUBERNETES_VOLUMES"
FIELDS = (RESOURCES, ENV, AFFINITY, TOLERATIONS, NODE_SELECTOR, VOLUMES)
WORKSPACE_VOLUME, WORKSPACE_MOUNT = "kfp-workspace", "/kfp-workspace"


def options(passthroughs: tuple[tuple[str, bool], ...]) -> tuple[frozenset[str], frozenset[str]]:
    """(fields handed to the component, fields set on the task's pod), as the driver decides them."""
    if not passthroughs:
        return frozenset(), frozenset(FIELDS)
    enabled = {field for field, _ in passthroughs}
    on_pod = (set(FIELDS) - enabled) | {field for field, apply in passthroughs if apply}
    return frozenset(enabled), frozenset(on_pod)


def unknown_fields(passthroughs: tuple[tuple[str, bool], ...]) -> list[str]:
    return [field for field, _ in passthroughs if field not in FIELDS]


def strip_pod(c: k8s.TaskK8s | None, on_pod: frozenset[str]) -> k8s.TaskK8s | None:
    """The task's kfp-kubernetes settings without the fields that only the component receives."""
    if c is None:
        return None
    changes: dict[str, Any] = {}
    if ENV not in on_pod:
        changes.update(env_from=(), field_env=())
    if VOLUMES not in on_pod:  # ephemeral and emptyDir volumes always stay on the pod, as in KFP
        changes["volumes"] = tuple(v for v in c.volumes if not isinstance(v, (k8s.ObjectVolume, k8s.PvcVolume)))
    if NODE_SELECTOR not in on_pod:
        changes.update(node_selector=None, node_selector_json=None)
    if TOLERATIONS not in on_pod:
        changes.update(tolerations=(), tolerations_json=())
    if AFFINITY not in on_pod:  # pod (anti-)affinity is not part of TaskConfig
        changes.update(node_affinity=(), node_affinity_json=())
    return dataclasses.replace(c, **changes) if changes else c


class _Dynamic:
    """A value known at run time inside the TaskConfig JSON: a string (`text`) or a JSON value."""

    def __init__(self, source: ParamSource, text: bool):
        self.source, self.text = source, text


def value(enabled: frozenset[str], env: tuple[tuple[str, TextTemplate], ...], resources: Resources,
          c: k8s.TaskK8s | None, workspace: bool, input_source: Callable[[str], ParamSource]) -> ParamSource:
    """The TaskConfig value for one task: a constant, or an interpolation when parts come at run time.

    `input_source` gives the task's own binding of a component input (resources and env may hold
    input placeholders); `workspace` says whether KFP would mount its workspace in this task's pod."""
    c = c or k8s.TaskK8s()
    dynamic: list[_Dynamic] = []

    def text(source: ParamSource) -> Any:
        if isinstance(source, Constant):
            return text_form(source.value)
        dynamic.append(_Dynamic(source, True))
        return f"@@kfpc-{len(dynamic) - 1}@@"

    def as_json(source: ParamSource) -> Any:
        if isinstance(source, Constant):
            return source.value
        dynamic.append(_Dynamic(source, False))
        return f"@@kfpc-{len(dynamic) - 1}@@"

    def template(tmpl: TextTemplate) -> Any:
        parts: list[Any] = []
        for part in tmpl:
            source = part if isinstance(part, str) else input_source(part.name)
            if isinstance(source, Constant):
                parts.append(text_form(source.value))
            elif isinstance(source, Interpolation):
                parts += source.parts
            else:
                parts.append(source)
        if all(isinstance(part, str) for part in parts):
            return "".join(parts)
        return text(Interpolation(tuple(parts)))

    out: dict[str, Any] = {"affinity": None, "tolerations": None, "nodeSelector": None, "env": None,
                           "volumes": None, "volumeMounts": None, "resources": {}}
    if ENV in enabled:
        out["env"] = [{"name": name, "value": template(tmpl)} for name, tmpl in env]
        from kfpc.k8s_objects import env_entries

        out["env"] += env_entries(c, text)
    if RESOURCES in enabled:
        out["resources"] = _resources(resources, template)
    if VOLUMES in enabled:
        volumes, mounts = _volumes(c, text, workspace)
        out["volumes"], out["volumeMounts"] = volumes or None, mounts or None
    if NODE_SELECTOR in enabled and (c.node_selector is not None or c.node_selector_json is not None):
        out["nodeSelector"] = as_json(c.node_selector_json) if c.node_selector_json is not None \
            else dict(c.node_selector or {})
    if TOLERATIONS in enabled and (c.tolerations or c.tolerations_json):
        from kfpc.k8s_objects import toleration

        out["tolerations"] = [toleration(t) for t in c.tolerations] + [as_json(s) for s in c.tolerations_json]
    if AFFINITY in enabled and (c.node_affinity or c.node_affinity_json):
        out["affinity"] = {"nodeAffinity": _node_affinity(c, as_json)}
    return _assemble(out, dynamic)


def _resources(res: Resources, template: Callable[[TextTemplate], Any]) -> dict[str, Any]:
    limits: dict[str, Any] = {}
    requests: dict[str, Any] = {}
    for target, key, tmpl in ((limits, "cpu", res.cpu_limit), (limits, "memory", res.memory_limit),
                              (requests, "cpu", res.cpu_request), (requests, "memory", res.memory_request)):
        if tmpl is not None:
            target[key] = template(tmpl)
    if res.accelerator_type is not None and res.accelerator_count is not None:
        limits[template(res.accelerator_type)] = template(res.accelerator_count)
    return {**({"limits": limits} if limits else {}), **({"requests": requests} if requests else {})}


def _volumes(c: k8s.TaskK8s, text: Callable[[ParamSource], Any],
             workspace: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """KFP names these volumes after the claim, Secret or ConfigMap (not after the mount path)."""
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    if workspace:
        claim = Interpolation((Runtime(RuntimeKind.JOB_RESOURCE_NAME), "-" + WORKSPACE_VOLUME))
        volumes.append({"name": WORKSPACE_VOLUME, "persistentVolumeClaim": {"claimName": text(claim)}})
        mounts.append({"mountPath": WORKSPACE_MOUNT, "name": WORKSPACE_VOLUME})
    pvcs = [v for v in c.volumes if isinstance(v, k8s.PvcVolume)]
    objects = [v for v in c.volumes if isinstance(v, k8s.ObjectVolume)]
    for v in pvcs + [o for o in objects if o.kind == "secret"] + [o for o in objects if o.kind != "secret"]:
        name = text(v.name)
        if isinstance(v, k8s.PvcVolume):
            volumes.append({"name": name, "persistentVolumeClaim": {"claimName": name}})
            mounts.append({"mountPath": v.mount_path, "name": name, **({"subPath": v.sub_path} if v.sub_path else {})})
            continue
        source: dict[str, Any] = {"secretName" if v.kind == "secret" else "name": name, "optional": bool(v.optional)}
        volumes.append({"name": name, ("secret" if v.kind == "secret" else "configMap"): source})
        mounts.append({"mountPath": v.mount_path, "name": name})
    return volumes, mounts


def _node_affinity(c: k8s.TaskK8s, as_json: Callable[[ParamSource], Any]) -> Any:
    from kfpc.k8s_objects import term

    required = [term(a) for a in c.node_affinity if a.weight is None]
    preferred = [{"preference": term(a), "weight": a.weight} for a in c.node_affinity if a.weight is not None]
    node: dict[str, Any] = {}
    if required:
        node["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": required}
    if preferred:
        node["preferredDuringSchedulingIgnoredDuringExecution"] = preferred
    if c.node_affinity_json and not node and len(c.node_affinity_json) == 1:
        return as_json(c.node_affinity_json[0])
    for source in c.node_affinity_json:
        if isinstance(source, Constant) and isinstance(source.value, dict):
            for key, val in source.value.items():
                if key == "requiredDuringSchedulingIgnoredDuringExecution":
                    node.setdefault(key, {"nodeSelectorTerms": []})["nodeSelectorTerms"] += \
                        (val or {}).get("nodeSelectorTerms", [])
                elif key == "preferredDuringSchedulingIgnoredDuringExecution":
                    node[key] = node.get(key, []) + list(val or [])
    return node


def _assemble(out: dict[str, Any], dynamic: list[_Dynamic]) -> ParamSource:
    if not dynamic:
        return Constant(out)
    text = json.dumps(out, separators=(",", ":"), ensure_ascii=False)
    parts: list[Any] = []
    pos = 0
    while True:
        start = text.find('"@@kfpc-', pos)
        if start < 0:
            break
        end = text.index('@@"', start + 8)
        item = dynamic[int(text[start + 8:end])]
        if item.text:  # a string: keep the quotes around the run-time text
            parts += [text[pos:start + 1], *_flat(item.source, True), '"']
        else:
            parts += [text[pos:start], *_flat(item.source, False)]
        pos = end + 3
    parts.append(text[pos:])
    return Interpolation(tuple(joined_text(parts)))


def _flat(source: ParamSource, in_string: bool) -> list[Any]:
    """Run-time names are Kubernetes names (no quotes or backslashes), so their text goes into the
    JSON string as it is; literal text around them inside the string is JSON-escaped."""
    if isinstance(source, Interpolation):
        return [json.dumps(part, ensure_ascii=False)[1:-1] if isinstance(part, str) and in_string else part
                for part in source.parts]
    if isinstance(source, Constant):
        return [json.dumps(text_form(source.value), ensure_ascii=False)[1:-1] if in_string
                else text_form(source.value)]
    return [source]
