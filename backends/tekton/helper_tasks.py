"""The helper tasks that stand in for what Tekton cannot express itself: a condition `when` cannot
evaluate, a value a container cannot compute, the keys of a loop.

Helper tasks never carry guards: they always run, their results always exist, and no skip ever
cascades (pkg/reconciler/pipelinerun/resources/pipelinerunresolution.go:526-561 @v1.15.0). Each is
shared by every task that needs the same computation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from kfpc.errors import UnsupportedError

from kfpc_backends.tekton import escape
from kfpc_backends.tekton import flatten
from kfpc_backends.tekton import steps
from kfpc_backends.tekton import wire
from kfpc_backends.tekton.sources import Descriptors, per_iteration
from kfpc_backends.tekton.units import Unit

if TYPE_CHECKING:
    from kfpc_backends.tekton.build import Builder


def shared(builder: Builder, key: str, make: Callable[[], Unit]) -> Unit:
    """One task per distinct computation, however many tasks read it."""
    unit = builder.helpers.get(key)
    if unit is None:
        unit = make()
        builder.helpers[key] = unit
        builder.units.append(unit)
    return unit


def condition_unit(builder: Builder, guard: flatten.Guard) -> Unit | None:
    """A task that evaluates a guard `when` cannot express and publishes "true" or "false" as result
    `v`; None when the guard reads an exit task, which only a finally task's own pod can see."""
    desc = Descriptors(builder.ctx, [])
    expr = desc.expr(guard.expr)
    if any(builder.flat.task(t).finally_ for t in desc.producers):
        return None

    def make() -> Unit:
        unit = Unit(builder.namer.helper("cond-" + guard.id.rsplit("/", 1)[-1]))
        unit.steps.append(steps.runtime_step("cond", builder.helper_image, wire.Mode.COND, {wire.Spec.GUARDS: [expr]}, desc))
        unit.result("v")
        unit.run_after = builder.dag_producers(desc, "a condition")
        return unit

    return shared(builder, "cond:" + guard.id, make)


def value_unit(builder: Builder, consumer: flatten.FlatTask | None, what: str, source: flatten.Source | None = None,
               artifact: tuple[str, flatten.ArtSource, str | None] | None = None, hint: str = "",
               raw: bool = False) -> Unit:
    """A task that computes one value once and publishes it as result `v`, for a container that
    cannot compute it itself (OneOf, collected lists, selected fields, artifact metadata), or
    for a pipeline output."""
    probe = Descriptors(builder.ctx, consumer.loops if consumer else [])
    found = probe.artifact(artifact[1]) if artifact is not None else probe.param(source)  # type: ignore[arg-type]
    if per_iteration(found):
        raise UnsupportedError(f"{what} differs per loop iteration in a way a container component cannot read on "
                               "Tekton; use a Python component or --backend argo",
                               path=(consumer.plan_task.path,) if consumer else ())
    desc = Descriptors(builder.ctx, [], consumer.plan_task.key if consumer else "")
    if artifact is not None:
        attr, art, key = artifact
        value: list[Any] | None = [wire.Value.ARTIFACT_FACT, attr, desc.artifact(art), key]
    else:
        value = desc.param(source)  # type: ignore[arg-type]
    spec = {wire.Spec.VALUE: value, **({wire.Spec.RAW: 1} if raw else {})}

    def make() -> Unit:
        unit = Unit(builder.namer.helper(hint or "val-" + (consumer.id if consumer else "")))
        unit.steps.append(steps.runtime_step("value", builder.helper_image, wire.Mode.VALUE, spec, desc))
        unit.result("v")
        unit.run_after = builder.dag_producers(desc, what)
        return unit

    return shared(builder, "value:" + escape.spec_json([spec, sorted(desc.env.items())]), make)


def gate_unit(builder: Builder, task: flatten.FlatTask, per_iter: list[flatten.Guard], value: flatten.Source | None) -> Unit:
    """A task that computes a loop's iteration keys (those whose per-iteration guards hold), their
    count, and the per-iteration values a direct container fans out over: a Matrix needs them as
    results when they are not known when compiling."""
    desc = Descriptors(builder.ctx, task.loops, task.plan_task.key)
    spec: dict[str, Any] = {wire.Spec.LOOPS: desc.loop_table(), wire.Spec.GUARDS: [desc.expr(g.expr) for g in per_iter]}
    if value is not None:
        spec[wire.Spec.VALUE] = desc.param(value)

    def make() -> Unit:
        unit = Unit(builder.namer.helper("gate-" + task.id))
        unit.steps.append(steps.runtime_step("gate", builder.helper_image, wire.Mode.GATE, spec, desc))
        unit.result("keys", array=True)
        unit.result("n")
        if value is not None:
            unit.result("vals", array=True)
        unit.run_after = builder.dag_producers(desc, "a loop")
        return unit

    return shared(builder, "gate:" + escape.spec_json([spec, sorted(desc.env.items())]), make)
