"""Render Argo's launcher (launcher.py.j2 with kfpc's executor core) into _generated.py: one packed
variant per set of optional features. Run `python -m kfpc_backends.generate`."""

from __future__ import annotations

from pathlib import Path

from kfpc.runtime import generate

from kfpc_backends.argo import wire
from kfpc_backends.argo.runtime import FEATURES

TEMPLATE = "kfpc_backends.argo.runtime:launcher.py.j2"
TARGET = Path(__file__).with_name("_generated.py")
WIRE = "kfpc_backends.argo:wire.py"
DIRS = {"outputs_dir": "/kfpc/outputs", "inputs_dir": "/kfpc/inputs", "oci_dir": "/kfpc/oci",
        "workspace_artifacts": "/kfp-workspace/.artifacts"}


def variants() -> list[frozenset[str]]:
    """Every subset of FEATURES, in a fixed order."""
    return [frozenset(f for i, f in enumerate(FEATURES) if mask & (1 << i)) for mask in range(1 << len(FEATURES))]


def render(features: frozenset[str] = frozenset(FEATURES), **dirs: str) -> str:
    """The launcher source; `dirs` may move its directories (tests run it outside a pod)."""
    flags = {f: f in features for f in FEATURES}
    return generate.render(TEMPLATE, program="kfpc launcher", wire=wire.for_template(), **generate.core_values(),
                           **{**DIRS, **dirs}, **flags)


def build() -> str:
    packed = {"+".join(sorted(features)): generate.pack(render(features)) for features in variants()}
    return generate.module("python -m kfpc_backends.generate", generate.inputs(TEMPLATE, generate.CORE, generate.CORE_WIRE, WIRE),
                           {"PACKED": packed})
