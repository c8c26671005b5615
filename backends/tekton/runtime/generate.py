"""Render the Tekton runtime (program.py.j2 with kfpc's executor core and the tags of wire.py) into
_generated.py. Run `python -m kfpc_backends.generate`."""

from __future__ import annotations

from pathlib import Path

from kfpc.runtime import generate

from kfpc_backends.tekton import wire

TEMPLATE = "kfpc_backends.tekton.runtime:program.py.j2"
WIRE = "kfpc_backends.tekton:wire.py"
TARGET = Path(__file__).with_name("_generated.py")
SETTINGS = {"workspace": "/workspace/kfpc", "outputs_dir": "/kfpc/out", "results_dir": "/tekton/results",
            "service_account_dir": "/var/run/secrets/kubernetes.io/serviceaccount", "result_limit": 4096}


def render(**overrides: object) -> str:
    """The program's source; `overrides` may move its directories (tests run it outside a pod)."""
    return generate.render(TEMPLATE, program="kfpc", placeholders=True, wire=wire.for_template(), **generate.core_values(),
                           **{**SETTINGS, **overrides})


def build() -> str:
    return generate.module("python -m kfpc_backends.generate", generate.inputs(TEMPLATE, generate.CORE, generate.CORE_WIRE, WIRE),
                           {"PACKED": {"program": generate.pack(render())}})
