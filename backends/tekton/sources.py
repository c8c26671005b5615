"""Value sources as the kfpc runtime reads them: small JSON descriptors, whose tags and fields wire.py
defines (the program, runtime/program.py.j2, reads them from the same definition).

A descriptor says where a value lives at run time: a constant, an env var Tekton fills (pipeline
parameters, context values, task states), a file a producer left in the run's workspace (for one
iteration, or collected over a loop), a loop item, a OneOf, an interpolation. Files need no Tekton
result, so values of any size pass, loops keep per-iteration data apart, and a skipped producer is
simply a missing file, which never cascades a skip as a missing result does
(pkg/reconciler/pipelinerun/resources/pipelinerunresolution.go:545-561 @v1.15.0).
"""

from __future__ import annotations

from typing import Any

from kfpc.errors import UnsupportedError
from kfpc.plan.model import And, Compare, Expr, Literal, Not, Operand, Or, ParamType, RuntimeKind

from kfpc_backends.tekton import escape
from kfpc_backends.tekton import flatten
from kfpc_backends.tekton.wire import Artifact, Condition, Loop, Value

#: Where the runtime's files live: the workspace's default mount path plus the PipelineRun uid
#: (one directory per run, so runs sharing an existing claim never see each other's files).
WORKSPACE = "kfpc"
RUN_ROOT = "/workspace/kfpc/" + escape.ref("context.pipelineRun.uid")

RUNTIME_CONTEXT = {
    RuntimeKind.JOB_NAME: "context.pipelineRun.name",
    RuntimeKind.JOB_RESOURCE_NAME: "context.pipelineRun.name",
    RuntimeKind.JOB_UUID: "context.pipelineRun.uid",
    RuntimeKind.TASK_UUID: "context.taskRun.uid",
}
KFP_WORKSPACE = "/kfp-workspace"


class Context:
    """What every descriptor builder of one compile shares."""

    def __init__(self, flat: flatten.FlatPipeline, param_names: dict[str, str], pipeline_root: str):
        self.flat = flat
        self.param_names = param_names  # KFP pipeline parameter -> Tekton parameter name
        self.pipeline_root = pipeline_root
        self.dag_ids = frozenset(t.id for t in flat.tasks if not t.finally_)
        # Optional parameters without a default: Tekton needs some default, "" stands for "not given".
        self.unset_optional = frozenset(q.name for q in flat.plan.inputs if q.optional and not q.has_default)

    def depth(self, task: str, outside: int) -> int:
        """How many of the producer's loops the reader shares: the length of the key prefix it reads."""
        return len(self.flat.task(task).loops) - outside


class Descriptors:
    """Descriptors for one kfpc runtime step, with the env vars Tekton must fill for them."""

    def __init__(self, ctx: Context, loops: list[flatten.Loop], task_name: str = ""):
        self.ctx = ctx
        self.loops = loops
        self.task_name = task_name  # {{$.pipeline_task_name}}
        self.env: dict[str, str] = {}  # env var -> Tekton value (T-form text after substitution)
        self.task_params: dict[str, str] = {}  # pipeline task param -> Tekton value (task states)
        self.producers: set[str] = set()  # flat tasks whose files these descriptors read

    def env_var(self, tekton_value: str) -> str:
        return _intern(self.env, "KFPC_V", tekton_value)

    def state_param(self, tekton_ref: str) -> str:
        """Task states reach a finally task only through its params (Tekton substitutes them nowhere else)."""
        return _intern(self.task_params, "kfpc-s", tekton_ref)

    def level(self, loop_id: str) -> int:
        for index, loop in enumerate(self.loops):
            if loop.id == loop_id:
                return index
        raise UnsupportedError(f"loop {loop_id!r} is not around this task")

    # -- parameters ------------------------------------------------------------------------------

    def param(self, source: flatten.Source) -> list[Any] | None:
        """The descriptor of a parameter value; None when nothing supplies it."""
        if isinstance(source, flatten.Const):
            return None if source.value is None else [Value.CONST, source.value]
        if isinstance(source, flatten.Param):
            desc = [Value.ENV, self.env_var(escape.ref("params." + self.ctx.param_names[source.name]))]
            return desc + [1] if source.name in self.ctx.unset_optional else desc
        if isinstance(source, flatten.Out):
            self.producers.add(source.task)
            depth = self.ctx.depth(source.task, source.loops)
            if source.loops:
                element = (source.element_type or ParamType.STRING).value
                if source.selector:
                    raise UnsupportedError("selecting a field of values collected from a loop is not supported "
                                           "on Tekton; use --backend argo")
                return [Value.COLLECTED, source.task, source.output, depth, source.loops, element]
            return [Value.FILE, source.task, source.output, depth, list(source.selector)]
        if isinstance(source, flatten.OneOf):
            return [Value.ONE_OF, [self.param(option) for option in source.options]]
        if isinstance(source, flatten.Item):
            return [Value.ITEM, self.level(source.loop), list(source.selector)]
        if isinstance(source, flatten.Runtime):
            return self.runtime(source.kind)
        if isinstance(source, flatten.Interp):
            parts: list[Any] = []
            for part in source.parts:
                if isinstance(part, str):
                    parts.append(part)
                else:
                    part_desc = self.param(part)
                    parts.append(part_desc if part_desc is not None else "")
            return [Value.INTERP, parts]
        if isinstance(source, flatten.Status):
            names = [self.env_var(escape.ref("params." + self.state_param(ref))) for ref in status_refs(self.ctx, source)]
            overall = self.env_var(escape.ref("params." + self.state_param(escape.ref("tasks.status"))))
            # Tasks of the group that run in finally too (ignore_upstream_failure) share the exit
            # task's pod (finally_tasks.add_group): their steps' exit codes say how they ended.
            codes = [self.env_var(escape.ref(f"steps.step-{t}.exitCode.path"))
                     for t in source.tasks if t not in self.ctx.dag_ids]
            self.env.setdefault("KFPC_NAME", escape.ref("context.pipelineRun.name"))
            return [Value.STATUS, overall, names, source.display_name, codes, self.group_guards(source, names)]
        raise TypeError(source)

    def group_guards(self, source: flatten.Status, names: list[str]) -> list[list[Any]]:
        """The conditions of each group task whose state `names` reads. Tekton reports "None" for a
        task its `when` skipped as for one never started (GetPipelineTaskStatus,
        pkg/reconciler/pipelinerun/resources/pipelinerunstate.go:704-722 @v1.15.0, :590-608 @v0.59.6);
        the runtime re-evaluates these to tell a task KFP counts as skipped from one left undone. A
        task in loops of its own (beyond the exit task's) gets none: its state covers every iteration."""
        tasks = [t for t in source.tasks if t in self.ctx.dag_ids]
        if len(tasks) != len(names):  # the whole pipeline: one aggregate state, $(tasks.status)
            return [[] for _ in names]
        around = [loop.id for loop in self.loops]
        out = []
        for task_id in tasks:
            task = self.ctx.flat.task(task_id)
            same_loops = [loop.id for loop in task.loops] == around
            out.append([self.expr(g.expr) for g in task.guards] if same_loops else [])
        return out

    def runtime(self, kind: RuntimeKind) -> list[Any]:
        if kind in RUNTIME_CONTEXT:
            return [Value.ENV, self.env_var(escape.ref(RUNTIME_CONTEXT[kind]))]
        if kind is RuntimeKind.TASK_NAME:
            return [Value.CONST, self.task_name]
        if kind is RuntimeKind.PIPELINE_ROOT:
            return [Value.CONST, self.ctx.pipeline_root]
        if kind is RuntimeKind.WORKSPACE_PATH:
            return [Value.CONST, KFP_WORKSPACE]
        # Tekton exposes no creation time: the step's own start time stands in (README, Tekton limits).
        return [Value.NOW]

    # -- artifacts -------------------------------------------------------------------------------

    def artifact(self, source: flatten.ArtSource | None) -> list[Any] | None:
        if source is None:
            return None
        if isinstance(source, flatten.ArtOut):
            self.producers.add(source.task)
            depth = self.ctx.depth(source.task, source.loops)
            if source.loops:
                return [Artifact.COLLECTED, source.task, source.output, depth, source.loops]
            return [Artifact.FILE, source.task, source.output, depth]
        if isinstance(source, flatten.ArtOneOf):
            return [Artifact.ONE_OF, [self.artifact(option) for option in source.options]]
        if isinstance(source, flatten.ArtItem):
            return [Artifact.ITEM, self.level(source.loop)]
        if isinstance(source, flatten.ArtInput):
            return [Artifact.INPUT, self.env_var(escape.ref("params." + self.ctx.param_names[source.name]))]
        raise TypeError(source)

    # -- loops and conditions --------------------------------------------------------------------

    def loop_table(self) -> list[list[Any]]:
        """Per loop level, how to find its items (evaluated for the enclosing iterations' key)."""
        table: list[list[Any]] = []
        for loop in self.loops:
            if loop.items is not None:
                table.append([Loop.PARAMS, [Value.CONST, list(loop.items)]])
            elif loop.over_artifacts:
                table.append([Loop.ARTIFACTS, self.artifact(loop.source)])  # type: ignore[arg-type]
            else:
                desc = self.param(loop.source)  # type: ignore[arg-type]
                table.append([Loop.PARAMS, desc if desc is not None else [Value.CONST, []]])
        return table

    def expr(self, expr: Expr) -> list[Any]:
        if isinstance(expr, Operand):
            desc = self.param(expr.source)  # type: ignore[arg-type]
            return [Condition.OPERAND, expr.input, expr.type.value, expr.cast, desc if desc is not None else [Value.NOTHING]]
        if isinstance(expr, Literal):
            return [Condition.LITERAL, expr.value]
        if isinstance(expr, Compare):
            return [Condition.COMPARE, expr.op, self.expr(expr.left), self.expr(expr.right)]
        if isinstance(expr, Not):
            return [Condition.NOT, self.expr(expr.operand)]
        if isinstance(expr, And):
            return [Condition.AND, [self.expr(e) for e in expr.operands]]
        if isinstance(expr, Or):
            return [Condition.OR, [self.expr(e) for e in expr.operands]]
        raise TypeError(expr)


def _intern(table: dict[str, str], prefix: str, value: str) -> str:
    """The name under which `value` is in `table`, added as `<prefix><n>` the first time."""
    for name, known in table.items():
        if known == value:
            return name
    name = f"{prefix}{len(table)}"
    table[name] = value
    return name


def status_refs(ctx: Context, source: flatten.Status) -> list[str]:
    """Tekton's state references for an exit handler's group: `$(tasks.status)` when the group is the
    whole pipeline, else one `$(tasks.<t>.status)` per task of the group."""
    tasks = [t for t in source.tasks if t in ctx.dag_ids]  # exit tasks inside the group run in finally too
    if set(tasks) >= ctx.dag_ids:
        return [escape.ref("tasks.status")]
    return [escape.ref(f"tasks.{t}.status") for t in tasks]


def per_iteration(desc: Any) -> bool:
    """Does the value differ between the iterations of the reader's loops?"""
    if not isinstance(desc, list) or not desc or not isinstance(desc[0], str):
        return False
    kind = desc[0]
    if kind in (Value.ITEM, Artifact.ITEM):
        return True
    if kind in (Value.FILE, Artifact.FILE, Value.COLLECTED, Artifact.COLLECTED):
        return desc[3] > 0  # the depth: the reader shares some of the producer's loops
    if kind in (Value.ONE_OF, Artifact.ONE_OF, Value.INTERP, Condition.AND, Condition.OR):
        return any(per_iteration(d) for d in desc[1])
    if kind == Condition.OPERAND:
        return per_iteration(desc[4])
    if kind == Condition.NOT:
        return per_iteration(desc[1])
    if kind == Condition.COMPARE:
        return per_iteration(desc[2]) or per_iteration(desc[3])
    return False
