"""A step's image and compute resources. Tekton substitutes references into an image but never into
resource quantities, so those are fixed when compiling and must already be what Kubernetes accepts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from kfpc import run_options
from kfpc.errors import KfpcError, UnsupportedError
from kfpc.plan.model import ContainerComponent, TextTemplate
from kfpc.plan.values import text_form

from kfpc_backends.tekton import flatten

if TYPE_CHECKING:
    from kfpc_backends.tekton.build import Builder

_RESOURCE_NAME = re.compile(r"([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")


def image(builder: Builder, task: flatten.FlatTask) -> str:
    component = task.component
    assert isinstance(component, ContainerComponent)
    out = []
    for part in component.image:
        if isinstance(part, str):
            out.append(part)
            continue
        source = task.params.get(part.name, (None, flatten.Const(None)))[1]
        if isinstance(source, flatten.Const):
            out.append(text_form(source.value))
            continue
        text = builder.result_ref(source)
        if text is None:
            raise UnsupportedError(f"the image of {task.plan_task.key!r} comes from a value Tekton cannot place "
                                   "in an image field; use --backend argo", path=(task.plan_task.path,))
        out.append(text)
    return "".join(out)


def compute_resources(builder: Builder, task: flatten.FlatTask) -> dict[str, Any]:
    component = task.component
    assert isinstance(component, ContainerComponent)
    asked = component.resources
    fields = [(("limits", "cpu"), asked.cpu_limit), (("requests", "cpu"), asked.cpu_request),
              (("limits", "memory"), asked.memory_limit), (("requests", "memory"), asked.memory_request)]
    out: dict[str, dict[str, str]] = {}
    for (kind, key), tmpl in fields:
        text = _static_text(builder, task, tmpl, key)
        if text:
            out.setdefault(kind, {})[key] = _checked(task, f"{key} {kind[:-1]}", text, run_options.is_quantity)
    if asked.accelerator_type is not None:
        accelerator = _static_text(builder, task, asked.accelerator_type, "accelerator type")
        count = _static_text(builder, task, asked.accelerator_count or ("1",), "accelerator count")
        if accelerator and count not in (None, "", "0"):
            accelerator = _checked(task, "accelerator type", accelerator, _RESOURCE_NAME.fullmatch)
            count = _checked(task, "accelerator count", count, run_options.is_quantity)
            out.setdefault("limits", {})[accelerator] = count  # type: ignore[index]
    return {kind: dict(sorted(amounts.items())) for kind, amounts in sorted(out.items())}


def _checked(task: flatten.FlatTask, what: str, text: str, ok: Any) -> str:
    """A value fixed at compile time (often a parameter's default) goes into the TaskRun as
    written, where Kubernetes' grammar applies."""
    if not ok(text):
        raise KfpcError(f"task {task.plan_task.key!r}: the {what} would be {text!r}, which Kubernetes does not "
                        "accept there", path=(), code="KFPC313")
    return text


def _static_text(builder: Builder, task: flatten.FlatTask, tmpl: TextTemplate | None, what: str) -> str | None:
    """Tekton cannot substitute into resource quantities: run-time values fall back to the
    pipeline parameter's default, with a warning."""
    if tmpl is None:
        return None
    out = []
    for part in tmpl:
        if isinstance(part, str):
            out.append(part)
            continue
        source = task.params.get(part.name, (None, flatten.Const(None)))[1]
        if isinstance(source, flatten.Param):
            spec = next((q for q in builder.flat.plan.inputs if q.name == source.name), None)
            if spec is not None and spec.has_default:
                builder.warnings.append(f"task {task.plan_task.key!r}: Tekton cannot set the {what} at run time; "
                                        f"using the default of parameter {source.name!r} ({text_form(spec.default)})")
                out.append(text_form(spec.default))
                continue
        if not isinstance(source, flatten.Const):
            builder.warnings.append(f"task {task.plan_task.key!r}: Tekton cannot set the {what} from a run-time "
                                    "value; it is left unset")
            return None
        out.append(text_form(source.value))
    return "".join(out)
