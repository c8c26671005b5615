"""Plan-to-plan rewrites that run before a backend renders (sqlglot's transforms, for pipelines).

A transform is a function `Plan -> Plan` written in plan types (kfpc.plan.model): it returns a
plan an engine can render more directly, and never a manifest. Each lives in a small module here
and is shared by every backend that needs it, so a rewrite is written once instead of inside each
renderer. Settings a transform needs are bound where it is declared (`functools.partial`).

Order, in `kfpc.compiler.compile_plan`:
1. For every backend, from the compile options: parameter values (`kfpc.plan.arguments.apply`),
   then the pipeline root (`pipeline_root.override`).
2. The backend's own `transforms`, in the order it declares them.
3. The rewrites that depend on the compile options, which the backend's optional method
   `plan_transforms(options)` returns (kfpc.backend.declared_transforms): Argo's DAG splitting
   (`kfpc_backends.argo.splitting`, only for Argo 4's capped CRD) is one.
Flattening (`flatten.flatten`) comes last: it returns a `flatten.FlatPlan`, whose flat view
describes the plan as it was then.

Catalogue: `pipeline_root` (the `--pipeline-root` option), `flatten` (nested DAGs as one list of
tasks, for engines without nested DAGs); in the Argo backend for now, `splitting` (DAGs over Argo
4's 200 tasks). Queries over the plan that several transforms and backends share live in
`kfpc.plan.scopes`: resolving a value through enclosing DAGs upward (`origins`, `called_inputs`)
and the walk down from a DAG's output to the leaf tasks producing it (`produced`).
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
