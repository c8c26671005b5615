"""How a container component without the launcher gets each value into its command line: as
Tekton text (constants, parameters, results, context), or from a helper task that computes it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from kfpc.errors import UnsupportedError
from kfpc.plan.model import ImporterComponent, RuntimeKind

from kfpc_backends.tekton import escape, helper_tasks
from kfpc_backends.tekton import flatten
from kfpc_backends.tekton import steps
from kfpc_backends.tekton.sources import RUNTIME_CONTEXT, Descriptors, status_refs
from kfpc_backends.tekton.units import Unit

if TYPE_CHECKING:
    from kfpc_backends.tekton.build import Builder


class DirectValues:
    """How a container component without the launcher gets each value into its command line."""

    def __init__(self, builder: Builder, task: flatten.FlatTask, unit: Unit, fan_out: flatten.Source | None):
        self.builder = builder
        self.task = task
        self.unit = unit
        self.fan_out = fan_out

    def input(self, name: str) -> str:
        return self.text(self.task.params[name][1], f"input {name!r} of {self.task.plan_task.key!r}")

    def text(self, source: flatten.Source, what: str) -> str:
        if isinstance(source, flatten.Const):
            return steps.constant_text(source.value)
        if isinstance(source, flatten.Runtime):
            return self.runtime(source.kind)
        if self.fan_out is not None and source == self.fan_out:
            return escape.ref(f"params.{steps.VALUE_PARAM}")
        if isinstance(source, flatten.Interp):
            return "".join(escape.tform(part) if isinstance(part, str) else self.text(part, what)
                           for part in source.parts)
        if isinstance(source, flatten.Status):
            return self.status(source)
        self.refuse_after_failure(source, what)
        ref = self.builder.result_ref(source)
        if ref is not None:
            if isinstance(source, flatten.Out):
                self.unit.run_after.add(self.builder.unit_of[source.task].name)
            return ref
        return self.computed(helper_tasks.value_unit(self.builder, self.task, what, source=source))

    def refuse_after_failure(self, source: flatten.Source, what: str) -> None:
        """A finally task gets results only of tasks that succeeded (GetTaskRunsResults,
        pkg/reconciler/pipelinerun/resources/pipelinerunstate.go:169 @v0.59.6; propagated into its
        taskSpec at pipelinerun.go:901 @v0.59.6); a reference to one that failed or was skipped
        stays as text, and the kubelet leaves the unknown `$(...)` too. A container cannot fall back
        to the input's default in the pod, so this is refused; a Python component reads the value
        from the volume and gets the default."""
        if not self.task.finally_:
            return
        outs = [source] if isinstance(source, flatten.Out) else list(source.options) if isinstance(source, flatten.OneOf) else []
        if any(not self.builder.flat.task(out.task).finally_ for out in outs):
            raise UnsupportedError(f"{what} is an output of task {outs[0].task!r}, and {self.task.plan_task.key!r} is a "
                                   "container component that runs after failures (exit handler or "
                                   "ignore_upstream_failure, in Tekton's finally): when that task failed or was "
                                   "skipped, Tekton passes the text of its reference instead of the input's default; "
                                   "use a Python component (it falls back to the default) or --backend argo",
                                   path=(self.task.plan_task.path,))

    def status(self, source: flatten.Status) -> str:
        """A container without the launcher cannot turn Tekton's state into KFP's: it gets the
        PipelineTaskFinalStatus JSON with Tekton's state name (Succeeded, Failed, Completed, None)."""
        refs = status_refs(self.builder.ctx, source)
        if len(refs) > 1:
            self.builder.warnings.append(f"task {self.task.plan_task.key!r}: the state of exit handler "
                                         f"{source.display_name!r} is read from the whole pipeline's")
            refs = [escape.ref("tasks.status")]
        desc = Descriptors(self.builder.ctx, [])
        state = escape.ref("params." + desc.state_param(refs[0]))
        self.unit.pass_params(desc.task_params)
        self.builder.warnings.append(f"task {self.task.plan_task.key!r}: a container component receives Tekton's "
                                     "state name (Succeeded, Failed, Completed, None) in PipelineTaskFinalStatus")
        return ('{"error":{},"pipelineJobResourceName":"' + escape.ref("context.pipelineRun.name")
                + '","pipelineTaskName":' + escape.tform(json.dumps(source.display_name)) + ',"state":"' + state + '"}')

    def computed(self, helper: Unit) -> str:
        self.unit.run_after.add(helper.name)
        return escape.ref(f"tasks.{helper.name}.results.v")

    def runtime(self, kind: RuntimeKind) -> str:
        if kind in RUNTIME_CONTEXT:
            return escape.ref(RUNTIME_CONTEXT[kind])
        if kind is RuntimeKind.TASK_NAME:
            return escape.tform(self.task.plan_task.key)
        if kind is RuntimeKind.PIPELINE_ROOT:
            return escape.tform(self.builder.ctx.pipeline_root)
        if kind is RuntimeKind.WORKSPACE_PATH:
            return "/kfp-workspace"
        return self.computed(helper_tasks.value_unit(self.builder, self.task, "the run's creation time",
                                                     source=flatten.Runtime(kind)))

    def artifact(self, name: str, attr: str, key: str | None) -> str:
        binding, source = self.task.artifacts[name]
        what = f"artifact {name!r} of {self.task.plan_task.key!r}"
        if attr in ("path", "uri") and isinstance(source, flatten.ArtOut) and not source.loops:
            producer = self.builder.flat.task(source.task)
            imported = isinstance(producer.component, ImporterComponent)
            depth = self.builder.ctx.depth(source.task, 0)
            if not (imported and attr == "uri"):
                self.unit.run_after.add(self.builder.unit_of[source.task].name)
                if depth == 0:
                    return steps.artifact_path(source.task, source.output, None)
                if depth == len(self.task.loops) and self.fan_out is None:
                    return steps.artifact_path(source.task, source.output, escape.ref(f"params.{steps.KEY_PARAM}"))
        assert source is not None
        return self.computed(helper_tasks.value_unit(self.builder, self.task, what, artifact=(attr, source, key)))
