"""Argo output as hera's typed models (`result.to_hera()`, extra `kfpc[hera]`).

Why: Python users who post-process a compiled Workflow (add a label, read a template, submit it with
hera's client) get validated objects with attribute access instead of nested dicts. hera is imported
only here, so compiling never pays for it (or for pydantic).
"""

from __future__ import annotations

from typing import Any, Sequence

from kfpc.errors import UsageError

HINT = 'install it with `pip install "kfpc[hera]"`'


def to_hera(documents: Sequence[dict[str, Any]]) -> list[Any]:
    try:
        from hera.workflows import models
    except ImportError as exc:
        raise UsageError(f"typed Argo objects need hera, which cannot be imported ({exc})", hint=HINT) from None
    typed = []
    for doc in documents:
        kind = str(doc.get("kind"))
        model = getattr(models, kind, None) if doc.get("apiVersion") == "argoproj.io/v1alpha1" else None
        if model is None:
            raise UsageError(f"{kind} is not an Argo Workflows object; to_hera() reads the Argo backend's output")
        typed.append(model.model_validate(doc) if hasattr(model, "model_validate") else model.parse_obj(doc))
    return typed
