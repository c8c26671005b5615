"""DAG splitting as a plan transform (kfpc.plan.transforms) that the Argo backend declares from
`-O argo-version` 4 on (`ArgoBackend.plan_transforms`): Argo 4's CRD caps a DAG at 200 tasks, Argo
3's has no caps. The rewrite itself is split.py's; this keeps what `compile` still needs once it
ran: the plan before splitting, which a Workflow of Workflows (children.py) splits again child by
child, and the refusal of a pipeline too deep to split, which such children may still run."""

from __future__ import annotations

import dataclasses

from kfpc.plan.model import Plan

from kfpc_backends.argo import split

__all__ = ["SplitPlan", "transform", "whole", "too_deep"]



@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class SplitPlan(Plan):
    """A plan split where Argo 4 needs it; everything else is the plan unchanged."""

    unsplit: Plan | None = None  # the plan before splitting
    refused: split.TooDeep | None = None  # why it could not be split into one Workflow


def transform(plan: Plan) -> SplitPlan:
    """The plan with every DAG within Argo 4's caps, or unchanged with the refusal kept for later."""
    try:
        parts, refused = split.split_large_dags(plan), None
    except split.TooDeep as exc:
        parts, refused = plan, exc
    fields = {f.name: getattr(parts, f.name) for f in dataclasses.fields(Plan)}
    return SplitPlan(**fields, unsplit=plan, refused=refused)


def whole(plan: Plan) -> Plan:
    """The plan as it was before splitting (itself when no split ran)."""
    return plan.unsplit if isinstance(plan, SplitPlan) and plan.unsplit is not None else plan


def too_deep(plan: Plan) -> split.TooDeep | None:
    """The refusal splitting met, if it met one."""
    return plan.refused if isinstance(plan, SplitPlan) else None
