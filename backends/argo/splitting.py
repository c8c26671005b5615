"""DAG splitting as a plan transform (kfpc.plan.transforms) that the Argo backend declares from
`-O argo-version` 4 on (`ArgoBackend.plan_transforms`): Argo 4's CRD caps a DAG at 200 tasks, Argo
3's has no caps. The rewrite itself is split.py's; this keeps what `compile` still needs once it
ran: the plan before splitting, which a Workflow of Workflows (children.py) splits again child by
child, and the refusal of a pipeline too deep to split, which such children may still run.

A pipeline probe.py finds clearly too large for one Workflow is not split whole: it will run as
child Workflows, each split on its own, and splitting it first would only cost time
(`children_estimate` keeps the estimate for `compile`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from kfpc.plan.model import Plan

from kfpc_backends.argo import probe, split

__all__ = ["SplitPlan", "transform", "split_whole", "whole", "too_deep", "children_estimate"]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class SplitPlan(Plan):
    """A plan split where Argo 4 needs it; everything else is the plan unchanged."""

    unsplit: Plan | None = None  # the plan before splitting
    refused: split.TooDeep | None = None  # why it could not be split into one Workflow
    estimate: int | None = None  # probe.estimate, in bytes: left whole for child Workflows, which split themselves


def transform(plan: Plan, settings: probe.Settings | None = None) -> SplitPlan:
    """The plan with every DAG within Argo 4's caps, or unchanged with the refusal kept for later;
    with `settings`, unchanged when probe.py finds it clearly too large for one Workflow."""
    estimate = probe.estimate(plan, settings) if settings is not None else None
    if estimate is not None:
        return SplitPlan(**_fields(plan), unsplit=plan, estimate=estimate)
    return split_whole(plan)


def split_whole(plan: Plan) -> SplitPlan:
    """The whole plan split (also where `compile` finds that children cannot run it after all)."""
    try:
        parts, refused = split.split_large_dags(plan), None
    except split.TooDeep as exc:
        parts, refused = plan, exc
    return SplitPlan(**_fields(parts), unsplit=plan, refused=refused)


def _fields(plan: Plan) -> dict[str, Any]:
    return {f.name: getattr(plan, f.name) for f in dataclasses.fields(Plan)}


def whole(plan: Plan) -> Plan:
    """The plan as it was before splitting (itself when no split ran)."""
    return plan.unsplit if isinstance(plan, SplitPlan) and plan.unsplit is not None else plan


def too_deep(plan: Plan) -> split.TooDeep | None:
    """The refusal splitting met, if it met one."""
    return plan.refused if isinstance(plan, SplitPlan) else None


def children_estimate(plan: Plan) -> int | None:
    """probe.estimate of a plan the transform left whole for child Workflows."""
    return plan.estimate if isinstance(plan, SplitPlan) else None
