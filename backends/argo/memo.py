"""Caching on Argo: the plan's cache keys as Argo memoization (argo.md §7).

A memoized template's key is a sha256 (Argo accepts only `[a-zA-Z0-9-]`, and does not hash) of the
task's static fingerprint (kfpc/plan/cachekey.py: component, image, command, constants, custom
cacheKey, kfp-kubernetes settings) and the run-time values of its inputs, run-time volume and
secret names included. An input artifact counts by who produced it: a task whose
artifacts a memoized task reads also outputs `kfpc-id`, its pod's name, which a cache hit copies
from the cached run, so a consumer hits only on the very artifacts it was cached with. Entries
live in a ConfigMap of the workflow's namespace, `kfpc-cache` unless `-O cache-config-map` says
otherwise (Argo's controller creates it).

Tasks whose input artifacts come from outside their DAG, from a list or from a workflow argument
are not memoized: Argo gives no identity for those. Neither are artifact producers in a pipeline
that collects artifacts, nor any task of a pipeline with a KFP workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from kfpc.plan import model as p

from kfpc_backends.argo import escape

CONFIG_MAP = "kfpc-cache"
FINGERPRINT = "kfpc-cache"
PRODUCER_ID = "kfpc-id"


@dataclass(frozen=True)
class Cache:
    """Where memoized results live and how old a reusable one may be (`-O cache-config-map`,
    `-O cache-max-age`). A ConfigMap holds at most 1 MiB, so a busy namespace may want one per
    pipeline; the age bounds reuse only (Argo's cache GC prunes entries)."""

    config_map: str = CONFIG_MAP
    max_age: str = ""  # a Go duration; empty: no limit


def memoizable(task: p.Task, cache: Cache | None, dag: p.DagComponent, plan: p.Plan, keyed: bool) -> bool:
    """Is there a key that hits exactly when the work and its inputs are the same, and is a hit as
    good as a run? Where the pipeline collects artifacts (`keyed`, collect.py), consumers list them
    under this run's own prefix, which a cache hit would leave empty."""
    if cache is None or task.caching is None or not task.caching.enabled or task.run_after_failure:
        return False
    if keyed and plan.component(task.component).interface.out_artifacts:
        return False
    if plan.run_config is not None and plan.run_config.workspace_size:
        return False  # the KFP workspace is a new volume per run: a hit would leave it without the task's files
    for binding in task.artifacts:
        source = binding.source
        if not isinstance(source, p.FromTaskArtifact) or binding.is_list or source.collected:
            return False
        producer = dag.task(source.task)
        if isinstance(plan.component(producer.component), p.DagComponent) or producer.loop is not None:
            return False
    return True


def short(fingerprint: str) -> str:
    """128 bits of the fingerprint are plenty to tell works apart, and every task carries one."""
    return fingerprint[:32]


def memoized(plan: p.Plan, cache: Cache | None, keyed: bool) -> set[tuple[str, str]]:
    """The (DAG, task) pairs that are memoized."""
    return {(comp.name, task.key) for comp in plan.components.values() if isinstance(comp, p.DagComponent)
            for task in comp.tasks if memoizable(task, cache, comp, plan, keyed)}


def id_producers(plan: p.Plan, memoized_tasks: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """(DAG, task) pairs whose artifacts a memoized task reads: only they report their pod."""
    return {(dag, b.source.task) for dag, key in memoized_tasks
            for b in cast(p.DagComponent, plan.component(dag)).task(key).artifacts if isinstance(b.source, p.FromTaskArtifact)}


def id_input(artifact: str) -> str:
    return f"kfpc-id-{artifact}"


def memoize(cache: Cache, custom_key: bool) -> dict[str, Any]:
    """The template's memoize block. The key hashes every input parameter of the template (Argo
    hands them to expressions as a map, which toJson writes with sorted keys): the fingerprint, the
    task's inputs, producer ids, run-time kfp-kubernetes names and nothing else. Templates whose
    inputs include per-run bookkeeping (collect.py's paths) are never memoized. A custom cache key
    stands for the inputs, as in KFP: then only the fingerprint counts."""
    hashed = f"inputs.parameters[{escape.string_literal(FINGERPRINT)}]" if custom_key else "toJson(inputs.parameters)"
    key = escape.tag(f"sprig.sha256sum({hashed})")
    # maxAge is required by the CRD; empty means no limit (the controller skips the age check).
    return {"key": key, "maxAge": cache.max_age, "cache": {"configMap": {"name": cache.config_map}}}


def producer_output() -> dict[str, Any]:
    """Who produced a template's artifacts: a file nobody writes, so Argo takes the default."""
    return {"name": PRODUCER_ID, "valueFrom": {"path": "/kfpc/outputs/.kfpc-id", "default": "{{pod.name}}"}}
