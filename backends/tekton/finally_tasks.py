"""Exit tasks in Tekton's finally: each runs only if the DAG around it started, and exit tasks
that depend on each other share one pod.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kfpc.errors import UnsupportedError
from kfpc.plan.model import ContainerComponent

from kfpc_backends.tekton import escape
from kfpc_backends.tekton import flatten
from kfpc_backends.tekton import steps
from kfpc_backends.tekton import wire
from kfpc_backends.tekton.sources import Descriptors
from kfpc_backends.tekton.units import Unit

if TYPE_CHECKING:
    from kfpc_backends.tekton.build import Builder


def add_group(builder: Builder, tasks: list[flatten.FlatTask]) -> None:
    """Exit tasks that depend on each other run as the steps of one finally task, in order: Tekton's
    finally tasks cannot wait for each other. Their conditions are evaluated in the pod.

    Every step may fail without stopping the pod (`onError: continue`), because an exit task
    runs whatever happened before it; a task that waits for others in the group normally skips
    itself when one of them failed (it reads their exit codes); a last step fails the TaskRun
    when any step failed.

    A Tekton retry runs the whole TaskRun again, in a new pod (retryTaskRun clears its pod and
    results: pkg/reconciler/taskrun/taskrun.go:1383-1393 @v1.15.0, :1113-1123 @v0.59.6), so the merged
    task carries no `retries`: a task of the group that asks for them is retried by the runtime in
    its own step, before the next task's step runs, as KFP retries only that task."""
    builder.group = frozenset(t.id for t in tasks)
    merged = Unit(tasks[0].id, finally_=True, display=escape.display(tasks[0].plan_task.display_name))
    steps_of: dict[str, list[str]] = {}
    try:
        for task in tasks:
            builder.add(task)
            unit = builder.units.pop()
            for step in unit.steps:
                step["name"] = task.id if step["name"] == "main" else f"{task.id}-{step['name']}"
                step["onError"] = "continue"
            steps_of[task.id] = [step["name"] for step in unit.steps]
            _wait_for_group(builder, task, unit, steps_of)
            merged.steps += unit.steps
            merged.volumes += [volume for volume in unit.volumes if volume not in merged.volumes]
            _retry_in_step(builder, task, unit)
            merged.params += [param for param in unit.params if param not in merged.params]
            for declared in unit.declared:
                merged.declare(declared["name"], array=declared.get("type") == "array")
            builder.unit_of[task.id] = merged
    finally:
        builder.group = frozenset()
    merged.when = [w for w in started(builder, tasks[0]) if all(w in started(builder, t) for t in tasks)]
    desc = Descriptors(builder.ctx, [])
    codes = [[desc.env_var(_exit_code(step)), step] for names in steps_of.values() for step in names]
    merged.steps.append(steps.runtime_step("verdict", builder.helper_image, wire.Mode.VERDICT, {wire.Spec.STEPS: codes}, desc))
    builder.units.append(merged)


def started(builder: Builder, task: flatten.FlatTask) -> list[dict[str, Any]]:
    """`when` entries that hold only if the DAG around a finally task started. On KFP an exit task
    (or ignore_upstream_failure task) runs only when its enclosing DAG ran; Tekton runs every
    finally task once the DAG tasks are done (pipelinerunstate.go:504-519 @v1.15.0). The DAG
    started unless something it waits for, directly or through others, failed (a task that never
    ran because of that failure is under the same guard through its own upstreams)."""
    seen: set[str] = set()
    pending = sorted(task.outer_after)
    while pending:
        current = pending.pop()
        if current in seen or current not in builder.unit_of or builder.flat.task(current).finally_:
            continue
        seen.add(current)
        pending += sorted(builder.flat.task(current).after)
    names = sorted({builder.unit_of[t].name for t in seen})
    return [{"input": escape.ref(f"tasks.{name}.status"), "operator": "notin", "values": ["Failed"]}
            for name in names]


def _wait_for_group(builder: Builder, task: flatten.FlatTask, unit: Unit, steps_of: dict[str, list[str]]) -> None:
    """A task that runs only after its upstreams succeeded skips itself when one in the group failed."""
    if task.plan_task.run_after_failure:
        return
    upstream = set()
    pending = [t for t in task.after if t in steps_of]
    while pending:  # the group's tasks this one waits for, directly or through others
        current = pending.pop()
        if current not in upstream:
            upstream.add(current)
            pending += [t for t in builder.flat.task(current).after if t in steps_of]
    if not upstream:
        return
    if not isinstance(task.component, ContainerComponent) or not task.component.needs_launcher:
        raise UnsupportedError(f"task {task.plan_task.key!r} runs in an exit pipeline after other tasks; on Tekton "
                               "it must be a Python component (it checks in the pod whether they succeeded); use "
                               "--backend argo", path=(task.plan_task.path,))
    step = unit.steps[0]
    codes = [_exit_code(name) for t in sorted(upstream) for name in steps_of[t]]
    env_names = [f"KFPC_EXIT{i}" for i in range(len(codes))]
    step["env"][-1:-1] = [{"name": name, "value": code} for name, code in zip(env_names, codes)]
    builder.specs[task.id][wire.Spec.WAITS_FOR] = env_names


def _retry_in_step(builder: Builder, task: flatten.FlatTask, unit: Unit) -> None:
    """Its retries move from the (merged) TaskRun into its step: the runtime runs the component again."""
    if not unit.retries:
        return
    if not isinstance(task.component, ContainerComponent) or not task.component.needs_launcher:
        raise UnsupportedError(f"task {task.plan_task.key!r} asks for retries and runs in one finally pod with "
                               "other exit tasks; on Tekton only a Python component can be retried there (a retry "
                               "of the pod would run the other tasks again); use --backend argo",
                               path=(task.plan_task.path,))
    builder.specs[task.id][wire.Spec.RETRIES] = unit.retries
    unit.retries = 0


def _exit_code(step: str) -> str:
    """Where Tekton leaves a step's exit code, for the steps after it."""
    return escape.ref(f"steps.step-{step}.exitCode.path")
