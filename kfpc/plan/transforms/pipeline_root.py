"""The pipeline root given when compiling (`--pipeline-root`, `Options.pipeline_root`) replaces the
one the IR names, for every backend: a backend reads `plan.pipeline_root` only."""

from __future__ import annotations

import dataclasses

from kfpc.plan.model import Plan

__all__ = ["override"]


def override(plan: Plan, root: str | None) -> Plan:
    """The plan with `root` as its pipeline root; None keeps the IR's (an empty string is a value)."""
    if root is None or root == plan.pipeline_root:
        return plan
    return dataclasses.replace(plan, pipeline_root=root)
