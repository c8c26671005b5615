"""Flattening for Tekton: the plan-level transform (kfpc.plan.transforms.flatten) with Tekton's names.

Tekton has no usable nested pipelines (Pipelines-in-Pipelines is alpha and drops results, retries
and timeouts, docs/pipelines-in-pipelines.md:164-190 @v1.15.0), so every leaf task instance becomes
one pipeline task, as the shared flattener lays them out. Each task carries the conditions of every
enclosing condition DAG as its own guard: Tekton's skip cascades differ between versions (the
order of skip reasons in pkg/reconciler/pipelinerun/resources/pipelinerunresolution.go, :328-333
@v0.59.6 vs :471-476 @v1.15.0). What is Tekton's own: pipeline task names (TaskRun names derive
from them) and the rule that only finally tasks read task states. The flat types are re-exported
here for the modules that build the PipelineRun from them.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from dataclasses import dataclass, field

from kfpc.errors import UnsupportedError
from kfpc.plan.model import FinalStatus, Plan
from kfpc.plan.transforms import flatten as shared
from kfpc.plan.transforms.flatten import (ArtInput, ArtItem, ArtOneOf, ArtOut, ArtSource, Const, FlatPipeline,
                                          FlatTask, Guard, Interp, Item, Loop, OneOf, Out, Param, Path, Runtime,
                                          Source, Status)

__all__ = ["ArtInput", "ArtItem", "ArtOneOf", "ArtOut", "ArtSource", "Const", "FlatPipeline", "FlatTask", "Guard",
           "Interp", "Item", "Loop", "OneOf", "Out", "Param", "Path", "Runtime", "Source", "Status", "TASK_NAME_MAX",
           "TaskNamer", "transform", "flatten"]

#: Pipeline task names stay short so that TaskRun names (`<run>-<task>[-<i>]`) keep them readable:
#: Kubernetes hashes the run name, not the task name, when the suffix is under 31 characters.
TASK_NAME_MAX = 25


@dataclass
class TaskNamer(shared.FlatNamer):
    """Pipeline task names, kept apart from the TaskRun names Tekton derives: a fanned-out task T
    runs as `<run>-T-<i>` (or `<run>-T` for a single item), a plain task U as `<run>-U`."""

    max_len: int = TASK_NAME_MAX
    fanned_out: set[str] = field(default_factory=set)

    def task(self, text: str, fanned_out: bool) -> str:
        name = self.name(text, _RunNames(self, fanned_out))
        if fanned_out:
            self.fanned_out.add(name)
        return name

    def helper(self, text: str) -> str:
        return self.name(text, _RunNames(self, False))


class _RunNames:
    """Is a candidate name unsafe next to the names already given?"""

    def __init__(self, namer: TaskNamer, fanned_out: bool):
        self.namer = namer
        self.fanned_out = fanned_out

    def __call__(self, candidate: str) -> bool:
        base, _, index = candidate.rpartition("-")
        if index.isdigit() and base in self.namer.fanned_out:
            return True  # U = T-<i>
        if self.fanned_out:
            prefix = candidate + "-"
            return any(n.startswith(prefix) and n[len(prefix):].isdigit() for n in self.namer.taken)
        return False


#: The transform the Tekton backend declares (kfpc.plan.transforms).
transform = functools.partial(shared.flatten, namer=TaskNamer, engine="Tekton")


def flatten(plan: Plan) -> FlatPipeline:
    """The flat view of the plan the backend's transform made (compile_plan), or made here for a
    caller that renders a plan directly; then Tekton's own limits on it."""
    flat = shared.flat_view(plan) or shared.flat_view(transform(plan))
    assert flat is not None
    # Rendering takes helper task names from the namer: each rendering of one plan starts afresh.
    flat = dataclasses.replace(flat, namer=copy.deepcopy(flat.namer))
    for task in flat.tasks:
        if task.plan_task.condition is not None and any(isinstance(b.source, FinalStatus)
                                                        for b in task.plan_task.params):
            raise UnsupportedError(f"task {task.plan_task.key!r} reads a final status and has a condition; Tekton "
                                   "lets only finally tasks read task states, and kfpc does not place a condition "
                                   "on such a task; use --backend argo")
    return flat
