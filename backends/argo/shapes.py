"""Small helpers for the shape of Argo manifest sections, shared by every template builder."""

from __future__ import annotations

from typing import Any


def io(parameters: list[dict[str, Any]], artifacts: list[dict[str, Any]]) -> dict[str, Any]:
    """An `inputs`/`outputs`/`arguments` section, leaving out empty lists (Argo's own style)."""
    out: dict[str, Any] = {}
    if parameters:
        out["parameters"] = parameters
    if artifacts:
        out["artifacts"] = artifacts
    return out
