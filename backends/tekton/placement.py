"""Where pods may run, reconciled with Tekton's affinity assistant.

With the default `coschedule: workspaces` (pkg/apis/config/feature_flags.go:98 @v0.59.6, :97
@v1.15.0) every TaskRun that binds a PVC-backed workspace is annotated with the assistant's name
(pkg/reconciler/pipelinerun/pipelinerun.go:1039 @v0.59.6, :1433 @v1.15.0) and its pod gets a
*required* pod affinity to the assistant's pod on `kubernetes.io/hostname`
(pkg/internal/affinityassistant/transformer.go:50 @v0.59.6). The assistant itself is placed only by
the run-wide `taskRunTemplate.podTemplate`: node selector, tolerations and affinity
(pkg/reconciler/pipelinerun/affinity_assistant.go:291,362-363,366 @v0.59.6; :337-338,439-440,446
@v1.15.0). Per-task `taskRunSpecs` never reach it. So every pod that binds kfpc's volume runs on the
assistant's node, and placement kfpc leaves in `taskRunSpecs` can only keep a pod Pending forever.

Placement here is: node selector, tolerations, node affinity, and extended resources (GPUs: a pod
requesting `nvidia.com/gpu` can run only on a node that has it, usually tainted). Placement shared
by every volume task goes to the run-wide template, which the assistant and every TaskRun follow
(a task's own template falls back to it field by field: pkg/apis/pipeline/pod/template.go,
MergePodTemplateWithDefault, and PipelineRun.GetTaskRunSpec in
pkg/apis/pipeline/v1/pipelinerun_types.go:659,665 @v0.59.6). Different placement is refused.
"""

from __future__ import annotations

import json
from typing import Any

from kfpc.errors import UnsupportedError, UsageError

STANDARD_RESOURCES = ("cpu", "memory", "ephemeral-storage")
FIELDS = ("nodeSelector", "tolerations")
WAYS_OUT = ("ways out: give every task that uses the volume the same node selector, tolerations and node affinity "
            "(kfpc then sets them run-wide, where the assistant follows them), or compile with "
            "`-O affinity-assistant=disabled` if the cluster's Tekton runs without the assistant (feature-flags "
            "config map: `coschedule: disabled` on Tekton 1.x, `disable-affinity-assistant: \"true\"` on v0.59; the "
            "volume then needs `-O access-mode=ReadWriteMany`)")


def extended_resources(task: dict[str, Any]) -> list[str]:
    """Resource names a node must offer beyond CPU and memory (GPUs and other device plugins)."""
    found: set[str] = set()
    for step in task["taskSpec"]["steps"]:
        for kind in ("requests", "limits"):
            for name in step.get("computeResources", {}).get(kind, {}):
                if name not in STANDARD_RESOURCES and not name.startswith("hugepages-"):
                    found.add(name)
    return sorted(found)


def of(template: dict[str, Any] | None) -> dict[str, Any]:
    """The placement part of a pod template: node selector, tolerations, node affinity."""
    template = template or {}
    out = {k: template[k] for k in FIELDS if template.get(k)}
    node_affinity = (template.get("affinity") or {}).get("nodeAffinity")
    if node_affinity:
        out["nodeAffinity"] = node_affinity
    return out


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _strip(template: dict[str, Any]) -> None:
    for key in FIELDS:
        template.pop(key, None)
    affinity = template.get("affinity")
    if affinity is not None and set(affinity) <= {"nodeAffinity"}:
        # A task's own affinity replaces the run-wide one as a whole (template.go:207-209 @v1.15.0):
        # one that also holds pod (anti-)affinity keeps its node affinity.
        template.pop("affinity")


def reconcile(run_spec: dict[str, Any], tasks: list[dict[str, Any]], assistant: bool, access_mode: str,
              claim: bool) -> list[str]:
    """Move shared placement of the volume's tasks to the run-wide template, or refuse; returns warnings."""
    binding = [t for t in tasks if "workspaces" in t]
    if not binding:
        return []
    if not assistant:
        return _without_assistant(binding, access_mode, claim)
    if access_mode == "ReadWriteOncePod":
        # The assistant's own pod mounts the claim (affinity_assistant.go:333 @v0.59.6, :410 @v1.15.0),
        # so with ReadWriteOncePod no task pod could ever mount it.
        raise UsageError("-O access-mode=ReadWriteOncePod cannot work with Tekton's affinity assistant: its pod mounts "
                         "the run's volume itself, so no task could; use ReadWriteOnce (the assistant keeps the tasks on "
                         "one node), or -O affinity-assistant=disabled if the cluster runs Tekton without the "
                         "assistant (`coschedule: disabled`; on v0.59 `disable-affinity-assistant: \"true\"`) (tasks then wait for each other's pods to release the volume)")
    specs = {s["pipelineTaskName"]: s for s in run_spec.get("taskRunSpecs", [])}
    wanted: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for task in binding:
        place = of(specs.get(task["name"], {}).get("podTemplate"))
        gpus = extended_resources(task)
        if place or gpus:
            wanted[task["name"]] = (place, gpus)
    if not wanted:
        return []
    kinds: dict[str, list[str]] = {}
    for name, (place, _) in wanted.items():
        kinds.setdefault(_key(place), []).append(name)
    if len(kinds) > 1:
        shown = "; ".join(f"{', '.join(repr(n) for n in names[:3])}{' ...' if len(names) > 3 else ''}: "
                          f"{_describe(*wanted[names[0]])}" for names in kinds.values())
        raise UnsupportedError("tasks that share the run's volume ask for different nodes (" + shown + "). With "
                               "Tekton's default affinity assistant every pod that binds the volume must run on the "
                               "assistant's node, which only the run-wide pod template places, so some of them would "
                               "stay Pending forever; " + WAYS_OUT)
    place = next(iter(wanted.values()))[0]
    needing = sorted(name for name, (_, gpus) in wanted.items() if gpus)
    required = (place.get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
    if needing and not (place.get("nodeSelector") or required):
        # A toleration only allows a tainted node, it never draws the assistant to one, and a preferred
        # node affinity only scores nodes: without a node selector or a required node affinity the
        # assistant, which copies them (affinity_assistant.go:439-446 @v1.15.0), may land on any node.
        gpus = sorted({g for _, (_, found) in wanted.items() for g in found})
        preferred = " (a preferred node affinity only ranks nodes, it requires none)" if place.get("nodeAffinity") else ""
        raise UnsupportedError(f"task(s) {', '.join(repr(n) for n in needing)} request {', '.join(gpus)}, which only some "
                               "nodes offer, and share the run's volume: with Tekton's default affinity assistant they "
                               "run on the assistant's node, which nothing steers to such a node (a toleration allows "
                               f"a node but does not choose it){preferred}; give those tasks a node selector or a "
                               "required node affinity for the nodes that have it, with tolerations for their taints "
                               "(kfp-kubernetes add_node_selector, or add_node_affinity without a weight; "
                               "add_toleration); " + WAYS_OUT)
    _to_run_template(run_spec, place)
    warnings = []
    others = sorted(t["name"] for t in binding if t["name"] not in wanted)
    free = sorted(t["name"] for t in tasks if "workspaces" not in t and not of(specs.get(t["name"], {}).get("podTemplate")))
    if others or free:
        warnings.append(f"the node placement of {', '.join(sorted(wanted))} ({_describe(place)}) is applied to the whole "
                        "run, where Tekton's affinity assistant follows it"
                        + (f": tasks {', '.join(others)} share the run's volume and so run on the same node" if others
                           else "")
                        + (f"; tasks {', '.join(free)} (without the volume) get the same placement" if free else ""))
    return warnings


def _to_run_template(run_spec: dict[str, Any], place: dict[str, Any]) -> None:
    template = run_spec.setdefault("taskRunTemplate", {}).setdefault("podTemplate", {})
    for key in FIELDS:
        if key in place:
            template[key] = place[key]
    if "nodeAffinity" in place:
        template["affinity"] = {"nodeAffinity": place["nodeAffinity"]}
    kept = []
    for entry in run_spec.get("taskRunSpecs", []):
        pod = entry.get("podTemplate")
        if pod is not None and _key(of(pod)) == _key(place):
            _strip(pod)
            if not pod:
                entry.pop("podTemplate")
        elif pod is not None and of(pod):
            _own_only(pod, template)
        if set(entry) - {"pipelineTaskName"}:
            kept.append(entry)
    if kept:
        run_spec["taskRunSpecs"] = kept
    else:
        run_spec.pop("taskRunSpecs", None)


def _own_only(pod: dict[str, Any], run_wide: dict[str, Any]) -> None:
    """Keep a task without the volume from inheriting the run-wide node selector and affinity.

    Tekton fills each unset field of a task's pod template from the run-wide one
    (MergePodTemplateWithDefault, pkg/apis/pipeline/pod/template.go:200-209 @v1.15.0). An explicit
    `affinity: {}` holds (a non-nil pointer, template.go:55), but `nodeSelector: {}` does not: the
    controller rewrites the PipelineRun on its first reconcile (pipelinerun.go:1950 @v1.15.0) and
    `omitempty` drops it (template.go:36). So the selector gets `kubernetes.io/os: linux`, the
    label the kubelet puts on every Linux node, which all kfpc images need anyway. Run-wide
    tolerations are inherited: they only allow nodes, never require them."""
    if "affinity" in run_wide and "affinity" not in pod:
        pod["affinity"] = {}
    if "nodeSelector" in run_wide and not pod.get("nodeSelector"):
        pod["nodeSelector"] = {"kubernetes.io/os": "linux"}


def _without_assistant(binding: list[dict[str, Any]], access_mode: str, claim: bool) -> list[str]:
    if len(binding) < 2 or access_mode == "ReadWriteMany":
        return []
    if claim:
        return [("-O affinity-assistant=disabled: the claim given with -O workspace-claim must be ReadWriteMany, "
                 "since the run's pods may be scheduled on different nodes")]
    return [(f"-O affinity-assistant=disabled with access mode {access_mode}: the run's pods may be scheduled on "
             "different nodes, which a volume that is not ReadWriteMany cannot follow (pods wait, or fail to attach "
             "it); use -O access-mode=ReadWriteMany")]


def _describe(place: dict[str, Any], gpus: list[str] | None = None) -> str:
    parts = [f"requests {', '.join(gpus)}"] if gpus else []
    if not place and not parts:
        return "no node placement"
    if "nodeSelector" in place:
        parts.append("node selector " + ", ".join(f"{k}={v}" for k, v in sorted(place["nodeSelector"].items())))
    if "tolerations" in place:
        parts.append(f"{len(place['tolerations'])} toleration(s)")
    if "nodeAffinity" in place:
        parts.append("node affinity")
    return " and ".join(parts) if place else parts[0] + " with no node placement"
