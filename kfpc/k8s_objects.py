"""Kubernetes object shapes for the plan's kfp-kubernetes records (kfpc/plan/k8s.py).

Engine-neutral: a toleration, an affinity, an init container or an ephemeral claim look the same in
an Argo template and in a Tekton pod template, so both backends build them here.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Callable

from kfpc import names
from kfpc.plan import k8s
from kfpc.plan.model import Constant

__all__ = ["env_entries", "volumes", "volume", "affinity_of", "listed", "static_selector", "term", "pod_term",
    "requirement", "toleration", "security_context", "ephemeral_claim", "init_container", "volume_name"]


def env_entries(settings: k8s.TaskK8s, name_of: Callable[[Any], str]) -> list[dict[str, Any]]:
    """Env vars from Secret and ConfigMap keys and from the downward API; `name_of` renders a name
    source in the engine's terms."""
    env = []
    for item in settings.env_from:
        ref = "secretKeyRef" if item.kind == "secret" else "configMapKeyRef"
        for pair in item.keys:
            selector: dict[str, Any] = {"name": name_of(item.name), "key": pair.key}
            if item.optional is not None:
                selector["optional"] = item.optional
            env.append({"name": pair.env, "valueFrom": {ref: selector}})
    for field in settings.field_env:
        env.append({"name": field.env, "valueFrom": {"fieldRef": {"fieldPath": field.field_path}}})
    return env


def volumes(settings: k8s.TaskK8s, name_of: Callable[[Any], str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The pod's volumes and the container's mounts."""
    found: dict[str, dict[str, Any]] = {}
    mounts: list[dict[str, Any]] = []
    for item in settings.volumes:
        name, spec, mount = volume(item, name_of)
        if name in found and found[name] != spec and isinstance(item, (k8s.ObjectVolume, k8s.PvcVolume)):
            # Names come from mount paths; `/a-b` and `/a_b` must not end up sharing one volume.
            name = names.dns_label(f"{name[:54]}-{hashlib.sha256(item.mount_path.encode()).hexdigest()[:8]}")
            mount = {**mount, "name": name}
        found.setdefault(name, spec)
        mounts.append(mount)
    return [{"name": name, **spec} for name, spec in found.items()], mounts


def volume(v: k8s.Volume, name_of: Callable[[Any], str]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    if isinstance(v, k8s.ObjectVolume):
        name = volume_name(v.kind, v.mount_path)
        spec: dict[str, Any] = {"secretName" if v.kind == "secret" else "name": name_of(v.name)}
        if v.optional is not None:
            spec["optional"] = v.optional
        return name, {"secret" if v.kind == "secret" else "configMap": spec}, {"name": name, "mountPath": v.mount_path}
    if isinstance(v, k8s.PvcVolume):
        name = volume_name("pvc", v.mount_path)
        mount = {"name": name, "mountPath": v.mount_path, **({"subPath": v.sub_path} if v.sub_path else {})}
        return name, {"persistentVolumeClaim": {"claimName": name_of(v.name)}}, mount
    if isinstance(v, k8s.EphemeralVolume):
        return v.volume, {"ephemeral": {"volumeClaimTemplate": ephemeral_claim(v)}}, \
            {"name": v.volume, "mountPath": v.mount_path}
    empty: dict[str, Any] = {}
    if v.medium:
        empty["medium"] = v.medium
    if v.size_limit:
        empty["sizeLimit"] = v.size_limit
    return v.volume, {"emptyDir": empty}, {"name": v.volume, "mountPath": v.mount_path}


def affinity_of(settings: k8s.TaskK8s) -> dict[str, Any]:
    """Static affinity: kfp-kubernetes terms, plus JSON terms known at compile time."""
    out: dict[str, Any] = {}
    required = [term(affinity) for affinity in settings.node_affinity if affinity.weight is None]
    preferred = [{"weight": affinity.weight, "preference": term(affinity)} for affinity in settings.node_affinity
                 if affinity.weight is not None]
    node: dict[str, Any] = {}
    if required:
        node["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": required}
    if preferred:
        node["preferredDuringSchedulingIgnoredDuringExecution"] = preferred
    for source in settings.node_affinity_json:
        if isinstance(source, Constant) and isinstance(source.value, dict):
            for key, value in source.value.items():
                if isinstance(value, list) and isinstance(node.get(key), list):
                    node[key] = node[key] + value
                else:
                    node.setdefault(key, value)
    if node:
        out["nodeAffinity"] = node
    for anti in (False, True):
        terms = [affinity for affinity in settings.pod_affinity if affinity.anti == anti]
        if not terms:
            continue
        group: dict[str, Any] = {}
        required_pods = [pod_term(affinity) for affinity in terms if affinity.weight is None]
        preferred_pods = [{"weight": affinity.weight, "podAffinityTerm": pod_term(affinity)} for affinity in terms
                          if affinity.weight is not None]
        if required_pods:
            group["requiredDuringSchedulingIgnoredDuringExecution"] = required_pods
        if preferred_pods:
            group["preferredDuringSchedulingIgnoredDuringExecution"] = preferred_pods
        out["podAntiAffinity" if anti else "podAffinity"] = group
    return out


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def static_selector(settings: k8s.TaskK8s) -> dict[str, str]:
    selector = dict(settings.node_selector or {})
    if isinstance(settings.node_selector_json, Constant) and isinstance(settings.node_selector_json.value, dict):
        selector.update({str(k): str(v) for k, v in settings.node_selector_json.value.items()})
    return selector


def term(a: k8s.NodeAffinity) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if a.expressions:
        out["matchExpressions"] = [requirement(r) for r in a.expressions]
    if a.fields:
        out["matchFields"] = [requirement(r) for r in a.fields]
    return out


def pod_term(a: k8s.PodAffinity) -> dict[str, Any]:
    out: dict[str, Any] = {"topologyKey": a.topology_key}
    selector = _label_selector(a.expressions, a.labels)
    if selector:
        out["labelSelector"] = selector
    if a.namespaces:
        out["namespaces"] = list(a.namespaces)
    ns_selector = _label_selector(a.namespace_expressions, a.namespace_labels)
    if ns_selector:
        out["namespaceSelector"] = ns_selector
    return out


def _label_selector(expressions: tuple[k8s.Requirement, ...], labels: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if expressions:
        out["matchExpressions"] = [requirement(r) for r in expressions]
    if labels:
        out["matchLabels"] = dict(labels)
    return out


def requirement(r: k8s.Requirement) -> dict[str, Any]:
    return {"key": r.key, "operator": r.operator, **({"values": list(r.values)} if r.values else {})}


def toleration(t: k8s.Toleration) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (("key", t.key), ("operator", t.operator), ("value", t.value), ("effect", t.effect),
                       ("tolerationSeconds", t.seconds)):
        if value is not None:
            out[key] = value
    return out


def security_context(s: k8s.SecurityContext) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (("runAsUser", s.run_as_user), ("runAsGroup", s.run_as_group), ("runAsNonRoot", s.run_as_non_root)):
        if value is not None:
            out[key] = value
    return out


def ephemeral_claim(v: k8s.EphemeralVolume) -> dict[str, Any]:
    spec: dict[str, Any] = {"accessModes": list(v.access_modes), "resources": {"requests": {"storage": v.size}}}
    if v.storage_class:
        spec["storageClassName"] = v.storage_class
    claim: dict[str, Any] = {}
    meta = {**({"labels": dict(v.labels)} if v.labels else {}), **({"annotations": dict(v.annotations)} if v.annotations else {})}
    if meta:
        claim["metadata"] = meta
    claim["spec"] = spec
    return claim


def init_container(container: k8s.InitContainer, text: Callable[[str], str] = str,
                   env: tuple[dict[str, str], ...] = ()) -> dict[str, Any]:
    """`text` hides the engine's own templating in command, args and env values (the kubelet's
    `$(VAR)` stays, as for any init container); `env` comes first, for the escapes `text` uses."""
    out: dict[str, Any] = {"name": container.name, "image": container.image}
    if container.command:
        out["command"] = [text(part) for part in container.command]
    if container.args:
        out["args"] = [text(arg) for arg in container.args]
    if container.env or env:
        out["env"] = [*env, *({"name": name, "value": text(value)} for name, value in container.env)]
    if container.mounts:
        out["volumeMounts"] = [{"name": name, "mountPath": path} for name, path in container.mounts]
    if container.resources:
        out["resources"] = dict(container.resources)
    return out


def volume_name(kind: str, mount_path: str) -> str:
    return names.dns_label(f"kfpc-{kind}-" + re.sub(r"[^a-z0-9]+", "-", mount_path.lower()).strip("-"))
