"""Caching on Argo: the plan's cache keys as Argo memoization (a template's `memoize`,
pkg/apis/workflow/v1alpha1/workflow_types.go:851 @v4.1.2). Opt-in (`--enable-caching`): a stock
controller may read but not write ConfigMaps, and then every memoized
task ends in Error (workflow/controller/operator.go:1258-1266 @v4.1.2, a failed save marks the node
Error; cache/configmap_cache.go:120-131 @v4.1.2, even a hit writes the map).

A memoized template's key is a sha256 (Argo accepts only `[a-zA-Z0-9-]`, cache/cache.go:15 @v4.1.2,
and does not hash) of the task's static fingerprint (kfpc/plan/cachekey.py: component, image,
command, constants, custom cacheKey, kfp-kubernetes settings) joined with the workflow's namespace,
the run-time values of its inputs (run-time volume and secret names included) and every run-time
value of the run the template reads outside its inputs (`kfpc-run`: job name, uid, creation time;
KFP resolves those before keying too). An input artifact counts by who produced it: a task whose
artifacts a memoized task reads also outputs `kfpc-id`, the workflow's uid and its pod's name
(unique per run even when `--name` fixes the workflow's name, which makes pod names repeat,
util/pod_name.go), which a cache hit copies from the cached run, so a consumer hits only on the
very artifacts it was cached with.

Entries live in one ConfigMap per pipeline, `kfpc-cache-<pipeline>` unless `-O cache-config-map`
says otherwise, in the *controller's* namespace (the cache factory is built with the namespace the
controller runs in: workflow/controller/controller.go:235 @v4.1.2, cmd/workflow-controller/main.go:110
@v4.1.2), which is why the namespace is part of every key.

Tasks whose input artifacts come from outside their DAG, from a list or from a workflow argument
are not memoized: Argo gives no identity for those. Neither are artifact producers in a pipeline
that collects artifacts, nor any task of a pipeline with a KFP workspace.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

from kfpc import run_options
from kfpc.errors import UsageError
from kfpc.plan.model import DagComponent, FromTaskArtifact, Plan, Task

from kfpc_backends.argo import escape

CONFIG_MAP = "kfpc-cache"  # prefix of the per-pipeline map's name
FINGERPRINT = "kfpc-cache"
PRODUCER_ID = "kfpc-id"
RUN_VALUES = "kfpc-run"
MAX_AGE = "168h"  # a week: how old a reused result (and the artifacts it points at) may be
# The run-time values a template can read outside its inputs, and what keys each one. A task's own
# id is its pod's name, which needs no retry (operator.go:2241-2245 @v4.1.2) and repeats with a fixed
# --name: the run's uid stands for it.
RUN_KEYS = {"{{workflow.name}}": "{{workflow.name}}", "{{workflow.uid}}": "{{workflow.uid}}",
            "{{pod.name}}": "{{workflow.uid}}", "{{workflow.creationTimestamp}}": "{{workflow.creationTimestamp}}"}


def config_map_for(pipeline: str) -> str:
    """One map per pipeline: a ConfigMap holds at most 1 MiB, and every pipeline sharing one fills it."""
    return f"{CONFIG_MAP}-{pipeline}"[:253].rstrip("-.")


@dataclass(frozen=True)
class Cache:
    """Where memoized results live and how old a reusable one may be (`-O cache-config-map`,
    `-O cache-max-age`). The age bounds reuse only: Argo's cache GC (CACHE_GC_PERIOD, off by
    default) is what removes entries (workflow/controller/cache_gc.go:47-77 @v4.1.2)."""

    config_map: str = CONFIG_MAP
    max_age: str = MAX_AGE  # a Go duration; empty: no limit


def configured(config_map: str | None, max_age: str | None, pipeline: str) -> Cache:
    """The cache `-O cache-config-map` and `-O cache-max-age` describe for pipeline `pipeline`
    (its k8s name); a name or an age Argo would not take is refused."""
    age = max_age or MAX_AGE
    if age.strip().isdigit():  # durations read the same everywhere: bare integers are seconds
        age = f"{int(age)}s"
    cache = Cache(config_map or config_map_for(pipeline), "" if age == "none" else age)
    if not run_options.is_dns_subdomain(cache.config_map):
        raise UsageError(f"-O cache-config-map={cache.config_map!r} is not a valid ConfigMap name")
    if cache.max_age and (not run_options.is_duration(cache.max_age) or run_options.seconds(cache.max_age) == 0):
        # a zero age would make every entry stale (cache/cache.go:40-49 @v4.1.2)
        raise UsageError(f"-O cache-max-age={cache.max_age!r} is not a duration such as 30m or 24h "
                         "(or `none` for no limit)")
    return cache


def run_values(body: Any) -> str:
    """The `kfpc-run` value of a memoized template: a digest of what the pod is made of (so
    anything kfpc writes there literally, such as `--pipeline-root`, is keyed too) and one tag per
    distinct run-time value the pod reads outside its inputs, so two runs that hand the task
    different values never share a key."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return "|".join([digest, *sorted({key for tag, key in RUN_KEYS.items() if tag in text})])


def memoizable(task: Task, cache: Cache | None, dag: DagComponent, plan: Plan, keyed: bool) -> bool:
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
        if not isinstance(source, FromTaskArtifact) or binding.is_list or source.collected:
            return False
        producer = dag.task(source.task)
        if isinstance(plan.component(producer.component), DagComponent) or producer.loop is not None:
            return False
    return True


def short(fingerprint: str) -> str:
    """128 bits of the fingerprint are plenty to tell works apart, and every task carries one."""
    return fingerprint[:32]


def memoized(plan: Plan, cache: Cache | None, keyed: bool) -> set[tuple[str, str]]:
    """The (DAG, task) pairs that are memoized."""
    return {(comp.name, task.key) for comp in plan.components.values() if isinstance(comp, DagComponent)
            for task in comp.tasks if memoizable(task, cache, comp, plan, keyed)}


def id_producers(plan: Plan, memoized_tasks: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """(DAG, task) pairs whose artifacts a memoized task reads: only they report their pod."""
    return {(dag, b.source.task) for dag, key in memoized_tasks
            for b in cast(DagComponent, plan.component(dag)).task(key).artifacts if isinstance(b.source, FromTaskArtifact)}


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


def fingerprint_value(fingerprint: str) -> str:
    """The `kfpc-cache` argument: the task's fingerprint in this namespace. One map serves every
    namespace the controller watches, and a result's artifacts live in its own namespace's repository."""
    return f"{short(fingerprint)}-{{{{workflow.namespace}}}}"


def producer_output() -> dict[str, Any]:
    """Who produced a template's artifacts: a file nobody writes, so Argo takes the default, which
    differs between any two runs."""
    return {"name": PRODUCER_ID, "valueFrom": {"path": "/kfpc/outputs/.kfpc-id",
                                               "default": "{{workflow.uid}}-{{pod.name}}"}}
