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
from kfpc.plan import model as p

__all__ = ["env_entries", "volumes", "volume", "affinity_of", "listed", "static_selector", "term", "pod_term",
    "requirement", "toleration", "security_context", "ephemeral_claim", "init_container", "volume_name"]


def env_entries(c: k8s.TaskK8s, name_of: Callable[[Any], str]) -> list[dict[str, Any]]:
    """Env vars from Secret and ConfigMap keys and from the downward API; `name_of` renders a name
    source in the engine's terms."""
    env = []
    for item in c.env_from:
        ref = "secretKeyRef" if item.kind == "secret" else "configMapKeyRef"
        for pair in item.keys:
            selector: dict[str, Any] = {"name": name_of(item.name), "key": pair.key}
            if item.optional is not None:
                selector["optional"] = item.optional
            env.append({"name": pair.env, "valueFrom": {ref: selector}})
    for field in c.field_env:
        env.append({"name": field.env, "valueFrom": {"fieldRef": {"fieldPath": field.field_path}}})
    return env


def volumes(c: k8s.TaskK8s, name_of: Callable[[Any], str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The pod's volumes and the container's mounts."""
    found: dict[str, dict[str, Any]] = {}
    mounts: list[dict[str, Any]] = []
    for v in c.volumes:
        name, spec, mount = volume(v, name_of)
        if name in found and found[name] != spec and isinstance(v, (k8s.ObjectVolume, k8s.PvcVolume)):
            # Names come from mount paths; `/a-b` and `/a_b` must not end up sharing one volume.
            name = names.dns_label(f"{name[:54]}-{hashlib.sha256(v.mount_path.encode()).hexdigest()[:8]}")
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


def affinity_of(c: k8s.TaskK8s) -> dict[str, Any]:
    """Static affinity: kfp-kubernetes terms, plus JSON terms known at compile time."""
    out: dict[str, Any] = {}
    required = [term(a) for a in c.node_affinity if a.weight is None]
    preferred = [{"weight": a.weight, "preference": term(a)} for a in c.node_affinity if a.weight is not None]
    node: dict[str, Any] = {}
    if required:
        node["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": required}
    if preferred:
        node["preferredDuringSchedulingIgnoredDuringExecution"] = preferred
    for source in c.node_affinity_json:
        if isinstance(source, p.Constant) and isinstance(source.value, dict):
            for key, value in source.value.items():
                if isinstance(value, list) and isinstance(node.get(key), list):
                    node[key] = node[key] + value
                else:
                    node.setdefault(key, value)
    if node:
        out["nodeAffinity"] = node
    for anti in (False, True):
        terms = [a for a in c.pod_affinity if a.anti == anti]
        if not terms:
            continue
        group: dict[str, Any] = {}
        required_pods = [pod_term(a) for a in terms if a.weight is None]
        preferred_pods = [{"weight": a.weight, "podAffinityTerm": pod_term(a)} for a in terms if a.weight is not None]
        if required_pods:
            group["requiredDuringSchedulingIgnoredDuringExecution"] = required_pods
        if preferred_pods:
            group["preferredDuringSchedulingIgnoredDuringExecution"] = preferred_pods
        out["podAntiAffinity" if anti else "podAffinity"] = group
    return out


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def static_selector(c: k8s.TaskK8s) -> dict[str, str]:
    selector = dict(c.node_selector or {})
    if isinstance(c.node_selector_json, p.Constant) and isinstance(c.node_selector_json.value, dict):
        selector.update({str(k): str(v) for k, v in c.node_selector_json.value.items()})
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


def init_container(i: k8s.InitContainer, text: Callable[[str], str] = str,
                   env: tuple[dict[str, str], ...] = ()) -> dict[str, Any]:
    """`text` hides the engine's own templating in command, args and env values (the kubelet's
    `$(VAR)` stays, as for any init container); `env` comes first, for the escapes `text` uses."""
    out: dict[str, Any] = {"name": i.name, "image": i.image}
    if i.command:
        out["command"] = [text(c) for c in i.command]
    if i.args:
        out["args"] = [text(a) for a in i.args]
    if i.env or env:
        out["env"] = [*env, *({"name": n, "value": text(v)} for n, v in i.env)]
    if i.mounts:
        out["volumeMounts"] = [{"name": n, "mountPath": m} for n, m in i.mounts]
    if i.resources:
        out["resources"] = dict(i.resources)
    return out


def volume_name(kind: str, mount_path: str) -> str:
    return names.dns_label(f"kfpc-{kind}-" + re.sub(r"[^a-z0-9]+", "-", mount_path.lower()).strip("-"))
