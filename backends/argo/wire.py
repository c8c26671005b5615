"""The wire format between the Argo compiler (containers.py) and its in-pod launcher, defined once.

A launcher container gets its spec as JSON in KFPC_SPEC and each value in an env var named by a prefix
plus the input's name (containers.env_name: characters other than letters, digits and `_` become `_`).
The keys and prefixes below are rendered into runtime/launcher.py.j2 from this module
(runtime/generate.py); tests/test_runtime_wire.py checks both sides use every one of them. The
placeholder trees in the spec are kfpc's (kfpc/runtime/wire.py) plus Placeholder.RUNTIME.
"""

from __future__ import annotations

from typing import Any

from kfpc.runtime import generate


class Spec:
    """Keys of KFPC_SPEC (empty ones left out)."""

    PARAMS = "p"  # [[name, parameter type]...]: inputs, each in Env.INPUT + name
    ARTIFACTS = "a"  # [[name, schema title, schema version, is list (0|1)]...]: inputs, in /kfpc/inputs/<name>
    OUT_PARAMS = "op"  # [[name, parameter type]...]
    OUT_ARTIFACTS = "oa"  # [[name, schema title, schema version]...]
    TEMPLATED = "x"  # {argv index: placeholder tree}: arguments rendered in the pod


class Env:
    """Prefixes of the env vars that carry a value, followed by the input's name."""

    INPUT = "KFPC_IN_"  # an input parameter's text form
    ARTIFACT_META = "KFPC_AM_"  # an input artifact's {uri, metadata} as JSON
    ARTIFACT_LIST = "KFPC_AL_"  # a collected artifact list's descriptor (collect.py): its depth first


class Placeholder:
    """Argo's own placeholder tree node."""

    RUNTIME = "rt"  # [RUNTIME, env var]: a run-time value (run name, uid...) Argo fills into that env var


GROUPS: tuple[type, ...] = (Spec, Env, Placeholder)


def for_template(read: set[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The groups for launcher.py.j2 (`{{ wire.Spec.PARAMS }}` renders `'p'`)."""
    return generate.quoted(GROUPS, read)
