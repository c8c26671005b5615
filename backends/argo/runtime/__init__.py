"""Argo's in-pod launcher for Python components (`{{$}}`), owned by this backend.

KFP's Python components expect an ExecutorInput JSON and leave their results in
executor_output.json. Without the KFP backend nobody builds or reads those, so the Workflow carries a
small standard-library script itself: no image of ours. Its text is the product, written as the
jinja2 template launcher.py.j2 (which includes kfpc's executor core, kfpc/runtime/core.py.j2) and
rendered by generate.py into the stamped _generated.py, one variant per feature set, so compiling
never imports jinja2.
"""

from __future__ import annotations

FEATURES = ("lists", "imports", "placeholders")


def packed(features: frozenset[str] | set[str] = frozenset()) -> str:
    """The launcher with the optional `features` (see launcher.py.j2), minified and zlib-compressed,
    as one base64 line. Unused features are left out: every byte is in every run."""
    from kfpc_backends.argo.runtime._generated import PACKED

    unknown = set(features) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown launcher features {sorted(unknown)}")
    return PACKED["+".join(sorted(features))]


def source(features: frozenset[str] | set[str] = frozenset(FEATURES)) -> str:
    """The launcher as it runs in the pod, for reviewers and tests."""
    from kfpc.runtime.generate import unpack

    return unpack(packed(features))
