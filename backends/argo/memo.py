"""Caching on Argo: the plan's cache keys as Argo memoization (argo.md §7).

A memoized template's key is a sha256 (Argo accepts only `[a-zA-Z0-9-]`, and does not hash) of the
task's static fingerprint (kfpc/plan/cachekey.py: component, image, command, constants, custom
cacheKey, kfp-kubernetes settings) and the run-time values of its inputs, run-time volume and
secret names included. An input artifact counts by who produced it: every
template that outputs artifacts also outputs `kfpc-id`, its pod's name, which a cache hit copies
from the cached run, so a consumer hits only on the very artifacts it was cached with. Entries
live in a ConfigMap of the workflow's namespace, `kfpc-cache` unless `-O cache-config-map` says
otherwise (Argo's controller creates it).

Tasks whose input artifacts come from outside their DAG, from a list or from a workflow argument
are not memoized: Argo gives no identity for those. Neither are artifact producers in a pipeline
that collects artifacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    for binding in task.artifacts:
        source = binding.source
        if not isinstance(source, p.FromTaskArtifact) or binding.is_list or source.collected:
            return False
        producer = dag.task(source.task)
        if isinstance(plan.component(producer.component), p.DagComponent) or producer.loop is not None:
            return False
    return True


def id_input(artifact: str) -> str:
    return f"kfpc-id-{artifact}"


def memoize(params: list[str], cache: Cache) -> dict[str, Any]:
    """The template's memoize block; `params` are the template inputs that feed the key."""
    parts = [f"inputs.parameters[{escape.string_literal(name)}]" for name in params]
    key = escape.tag("sprig.sha256sum(toJson([" + ", ".join(parts) + "]))")  # a list: no two inputs run together
    # maxAge is required by the CRD; empty means no limit (the controller skips the age check).
    return {"key": key, "maxAge": cache.max_age, "cache": {"configMap": {"name": cache.config_map}}}


def producer_output() -> dict[str, Any]:
    """Who produced a template's artifacts: a file nobody writes, so Argo takes the default."""
    return {"name": PRODUCER_ID, "valueFrom": {"path": "/kfpc/outputs/.kfpc-id", "default": "{{pod.name}}"}}
