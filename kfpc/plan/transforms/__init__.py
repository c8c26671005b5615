"""Plan-to-plan rewrites that run before a backend renders (sqlglot's transforms, for pipelines).

A transform is a function `Plan -> Plan` written in plan types (kfpc.plan.model): it returns a
plan an engine can render more directly, and never a manifest. Each lives in a small module here
and is shared by every backend that needs it, so a rewrite is written once instead of inside each
renderer. Settings a transform needs are bound where it is declared (`functools.partial`).

Order, in `kfpc.compiler.compile_plan`:
1. For every backend, from the compile options: parameter values (`kfpc.plan.arguments.apply`),
   then the pipeline root (`pipeline_root.override`).
2. The backend's own `transforms`, in the order it declares them. Flattening (`flatten.flatten`)
   comes last: it returns a `flatten.FlatPlan`, whose flat view describes the plan as it was then.

Catalogue: `pipeline_root` (the `--pipeline-root` option), `flatten` (nested DAGs as one list of
tasks, for engines without nested DAGs). A rewrite that depends on a backend's own `-O` option
runs at the start of that backend's `compile` instead, as Argo's DAG splitting
(`kfpc_backends.argo.split`, only for Argo 4's capped CRD) does. Queries over the plan that several transforms and backends
share, such as resolving a value through enclosing DAGs, live in `kfpc.plan.scopes`.
"""

from __future__ import annotations

from typing import Callable, Iterable

from kfpc.plan.model import Plan

__all__ = ["Transform", "apply"]

#: A rewrite of the plan before rendering.
Transform = Callable[[Plan], Plan]


def apply(plan: Plan, transforms: Iterable[Transform]) -> Plan:
    """The plan after each transform in turn."""
    for transform in transforms:
        plan = transform(plan)
    return plan
