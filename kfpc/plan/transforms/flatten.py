"""Flattening: a plan's nested DAGs as one list of leaf tasks, for engines without nested DAGs.

Every leaf task instance (container, importer, PVC operation) becomes one flat task, and what
nesting expressed becomes explicit on it:
- its path: the DAG task keys from the root down to it;
- its inputs resolved through every enclosing DAG to where the value really comes from (a pipeline
  parameter, a constant, another flat task's output, an enclosing loop's item), as the small
  source types below, which say what the plan's sources cannot once the nesting is gone (a value
  collected over several loop levels, a OneOf across branches, the status of a whole group);
- its dependencies, including those inherited from enclosing DAG tasks;
- the conditions of every enclosing condition DAG, each one guard however many tasks it covers;
- the enclosing loops (the task is fanned out over their items);
- whether it runs after failures (an exit handler's group), and what its enclosing DAGs waited for.

What the engine builds from this (names it derives, descriptors, helper tasks) stays in its backend
(Tekton's: kfpc_backends.tekton).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Union

from kfpc import names
from kfpc.errors import UnsupportedError
from kfpc.plan import model as plan_model
from kfpc.plan import scopes

__all__ = ["Path", "Param", "Const", "Out", "OneOf", "Item", "Runtime", "Interp", "Status", "Source", "ArtOut",
           "ArtItem", "ArtOneOf", "ArtInput", "ArtSource", "Loop", "Guard", "FlatTask", "FlatPipeline", "FlatNamer",
           "FlatPlan", "flatten", "flat_view", "ENGINE"]

#: What messages call the engine when nothing more specific is given.
ENGINE = "an engine without nested DAGs"

Path = tuple[str, ...]  # task keys from the root DAG down to a task
_CONTROL_FLOW = re.compile(r"^(for-loop|condition|condition-branches|exit-handler)-\d+$")


@dataclass(frozen=True)
class Param:
    name: str


@dataclass(frozen=True)
class Const:
    value: Any


@dataclass(frozen=True)
class Out:
    """An output of a flat task; `loops` is how many of the producer's loops the reader is outside
    of (0: same iteration or no loop; n: a collected list, flattened over n loop levels), and
    `element_type` the type the producer declares (the type of each element once collected)."""

    task: str
    output: str
    selector: tuple[str | int, ...] = ()
    loops: int = 0
    element_type: plan_model.ParamType | None = None


@dataclass(frozen=True)
class OneOf:
    options: tuple[Out, ...]


@dataclass(frozen=True)
class Item:
    loop: str  # flat id of the loop (its DAG task path, joined)
    selector: tuple[str | int, ...] = ()


@dataclass(frozen=True)
class Runtime:
    kind: plan_model.RuntimeKind


@dataclass(frozen=True)
class Interp:
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Status:
    """PipelineTaskFinalStatus of a group of flat tasks (an exit handler's DAG)."""

    tasks: tuple[str, ...]
    display_name: str


Source = Union[Param, Const, Out, OneOf, Item, Runtime, Interp, Status]


@dataclass(frozen=True)
class ArtOut:
    task: str
    output: str
    loops: int = 0


@dataclass(frozen=True)
class ArtItem:
    """One artifact of the list an enclosing loop iterates over."""

    loop: str


@dataclass(frozen=True)
class ArtOneOf:
    options: tuple[ArtOut, ...]


@dataclass(frozen=True)
class ArtInput:
    """A pipeline-level input artifact (on Tekton, a run parameter holding its URI or path)."""

    name: str


ArtSource = Union[ArtOut, ArtItem, ArtOneOf, ArtInput]


@dataclass(frozen=True)
class Loop:
    id: str
    items: tuple[Any, ...] | None  # static items
    source: Source | ArtSource | None  # dynamic items
    parallelism: int | None
    over_artifacts: bool


@dataclass(frozen=True)
class Guard:
    id: str  # the condition DAG task's path: one guard, however many tasks it covers
    expr: plan_model.Expr  # operands' sources are flatten Sources


@dataclass
class FlatTask:
    id: str
    path: Path
    plan_task: plan_model.Task
    component: plan_model.Component
    params: dict[str, tuple[plan_model.ParamType, Source]]
    artifacts: dict[str, tuple[plan_model.ArtifactBinding, ArtSource | None]]
    after: set[str] = field(default_factory=set)
    guards: list[Guard] = field(default_factory=list)
    loops: list[Loop] = field(default_factory=list)
    finally_: bool = False
    outer_after: set[str] = field(default_factory=set)  # what the enclosing DAGs wait for, before this task's own deps
    k8s_values: list[Source] = field(default_factory=list)  # plan_task.k8s.sources(), resolved

    def k8s_value(self, plan_source: Any) -> Source:
        """The flat source of a value in the task's kfp-kubernetes settings."""
        assert self.plan_task.k8s is not None
        for (_, known), resolved in zip(self.plan_task.k8s.sources(), self.k8s_values):
            if known is plan_source:
                return resolved
        raise KeyError(plan_source)


@dataclass
class FlatPipeline:
    plan: plan_model.Plan
    tasks: list[FlatTask]
    outputs: dict[str, tuple[plan_model.ParamType, Source]]
    artifact_outputs: dict[str, ArtSource | None]
    namer: "FlatNamer"  # task names handed out so far; helper tasks take theirs from it too

    def task(self, flat_id: str) -> FlatTask:
        return self._by_id[flat_id]

    def __post_init__(self) -> None:
        self._by_id = {t.id: t for t in self.tasks}


@dataclass
class FlatNamer(names.Namer):
    """Names of the flat tasks, unique in the one list. An engine that derives further names from
    them (Tekton names a fanned-out task's runs `<task>-<i>`) refines `task` and `helper`."""

    def task(self, text: str, fanned_out: bool) -> str:
        """The name of a flat task; `fanned_out` when an enclosing loop runs it once per item."""
        return self.name(text)

    def helper(self, text: str) -> str:
        """The name of a task the engine adds itself (a guard, a gate), clear of the flat tasks'."""
        return self.name(text)


@dataclass(frozen=True, eq=False, repr=False)
class FlatPlan(plan_model.Plan):
    """A plan with its flat view: what `flatten` returns. Everything else is the plan unchanged, so
    a backend still finds components, inputs and the root DAG's interface where it always does."""

    flat: "FlatPipeline | None" = None


def flatten(plan: plan_model.Plan, namer: Callable[[], FlatNamer] = FlatNamer, engine: str = ENGINE) -> FlatPlan:
    """The transform: the plan with its flat view attached. `namer` makes the namer of one compile
    (task names are the engine's: lengths, and names it derives); `engine` is what messages call it
    when a value cannot be expressed without nesting."""
    view = _Flattener(plan, namer(), engine).run()
    fields = {f.name: getattr(plan, f.name) for f in dataclasses.fields(plan_model.Plan)}
    return FlatPlan(**fields, flat=view)


def flat_view(plan: plan_model.Plan) -> "FlatPipeline | None":
    """The flat view a `flatten` transform attached, if one did."""
    return plan.flat if isinstance(plan, FlatPlan) else None


@dataclass
class _Frame:
    """One DAG instance: the component, the path of the DAG task that called it, and how its
    inputs resolve in the caller."""

    dag: plan_model.DagComponent
    path: Path
    inputs: dict[str, Source]
    artifacts: dict[str, ArtSource | None]
    guards: list[Guard]
    loops: list[Loop]
    after: set[str]
    started: set[str] = field(default_factory=set)  # what this DAG instance waits for before it starts


class _Flattener:
    def __init__(self, plan: plan_model.Plan, namer: FlatNamer, engine: str):
        self.plan = plan
        self.namer = namer
        self.engine = engine
        self.ids: dict[Path, str] = {}
        self.tasks: list[FlatTask] = []
        self.leaves_under: dict[Path, set[str]] = {}

    def run(self) -> FlatPipeline:
        root = self.plan.root_dag
        inputs: dict[str, Source] = {q.name: Param(q.name) for q in self.plan.inputs}
        arts_in: dict[str, ArtSource | None] = {a.name: ArtInput(a.name) for a in root.interface.in_artifacts}
        frame = _Frame(root, (), inputs, arts_in, [], [], set())
        self.expand(frame)
        outputs = {o.name: (o.type, self.value_of(scopes.output_producers(self.plan, root, o.name), ()))
                   for o in root.out_params}
        arts = {o.name: self.artifact_of(scopes.output_producers(self.plan, root, o.name, artifact=True), ())
                for o in root.out_artifacts}
        return FlatPipeline(self.plan, self.tasks, outputs, arts, self.namer)

    # -- ids ------------------------------------------------------------------------------------

    def flat_id(self, path: Path, fanned_out: bool = False) -> str:
        """The task's name: its key, after the keys of the user's sub-pipelines it sits in (the SDK's
        own loop, condition and exit-handler groups add nothing a reader needs)."""
        if path not in self.ids:
            parts = [key for key in path[:-1] if not _CONTROL_FLOW.match(key)] + [path[-1]]
            self.ids[path] = self.namer.task("-".join(parts), fanned_out)
        return self.ids[path]

    # -- expansion ------------------------------------------------------------------------------

    def expand(self, frame: _Frame) -> None:
        for task in frame.dag.tasks:
            component = self.plan.component(task.component)
            path = frame.path + (task.key,)
            after = set(frame.after)
            for dep in task.depends:
                after |= self.leaves_under.get(frame.path + (dep,), set())
            guards = list(frame.guards)
            if task.condition is not None:
                guards.append(Guard("/".join(path), self.bind_expr(task.condition, frame, task)))
            if isinstance(component, plan_model.DagComponent):
                self.expand_sub_dag(task, component, frame, path, after, guards)
            else:
                self.add_leaf(task, component, frame, path, after, guards)

    def expand_sub_dag(self, task: plan_model.Task, component: plan_model.DagComponent, frame: _Frame, path: Path, after: set[str],
                       guards: list[Guard]) -> None:
        """A sub-DAG's tasks join the list, under its guards and loop, with its inputs bound to
        where their values come from outside it."""
        loops = list(frame.loops)
        loop = None
        if task.loop is not None:
            loop = self.loop(task, frame, path)
            loops.append(loop)
        inner_inputs = scopes.called_inputs(task, functools.partial(self.resolve, frame=frame, task=task))
        if task.loop is not None and not task.loop.over_artifacts:
            inner_inputs[task.loop.item_input] = Item(loop.id)  # type: ignore[union-attr]
        inner_arts = scopes.called_artifacts(task, functools.partial(self.resolve_artifact, frame=frame))
        if task.loop is not None and task.loop.over_artifacts:
            inner_arts[task.loop.item_input] = ArtItem(loop.id)  # type: ignore[union-attr]
        # A DAG that runs after failures (an exit pipeline) starts when its enclosing DAG did.
        started = set(frame.started) if task.run_after_failure else frame.started | (after - frame.after)
        sub = _Frame(component, path, inner_inputs, inner_arts, guards, loops, after, started)
        before = len(self.tasks)
        self.expand(sub)
        self.leaves_under[path] = {inner.id for inner in self.tasks[before:]}
        if task.run_after_failure:
            for inner in self.tasks[before:]:
                inner.finally_ = True

    def add_leaf(self, task: plan_model.Task, component: plan_model.Component, frame: _Frame, path: Path, after: set[str],
                 guards: list[Guard]) -> None:
        loops = list(frame.loops)
        flat = FlatTask(self.flat_id(path, bool(loops)), path, task, component, {}, {}, after, guards, loops,
                        task.run_after_failure, set(frame.started))
        for binding in task.params:
            flat.params[binding.name] = (binding.type, self.resolve(binding.source, frame, task))
        for art in task.artifacts:
            flat.artifacts[art.name] = (art, self.resolve_artifact(art.source, frame))
        if task.k8s is not None:
            flat.k8s_values = [self.resolve(source, frame, task) for _, source in task.k8s.sources()]
        self.tasks.append(flat)
        self.leaves_under[path] = {flat.id}

    def loop(self, task: plan_model.Task, frame: _Frame, path: Path) -> Loop:
        loop = task.loop
        assert loop is not None
        lid = "/".join(path)
        if loop.items is not None:
            return Loop(lid, loop.items, None, loop.parallelism, False)
        if loop.over_artifacts:
            return Loop(lid, None, self.resolve_artifact(loop.source, frame), loop.parallelism, True)  # type: ignore[arg-type]
        return Loop(lid, None, self.resolve(loop.source, frame, task), loop.parallelism, False)  # type: ignore[arg-type]

    # -- sources --------------------------------------------------------------------------------

    def resolve(self, source: plan_model.ParamSource, frame: _Frame, task: plan_model.Task) -> Source:
        if isinstance(source, plan_model.Constant):
            return Const(source.value)
        if isinstance(source, plan_model.Runtime):
            return Runtime(source.kind)
        if isinstance(source, plan_model.FromInput):
            outer = frame.inputs.get(source.name)
            if outer is None:
                return Const(None)  # an optional input nobody supplies
            return _select(outer, source.selector, self.engine)
        if isinstance(source, plan_model.FromTask):
            producer = frame.dag.task(source.task)
            return _select(self.task_output(frame, producer, source.output), source.selector, self.engine)
        if isinstance(source, plan_model.Interpolation):
            return Interp(tuple(part if isinstance(part, str) else self.resolve(part, frame, task)
                                for part in source.parts))
        if isinstance(source, plan_model.FinalStatus):
            group = sorted(self.leaves_under.get(frame.path + (source.task,), set()))
            return Status(tuple(group), source.task_display_name)
        return Const(None)

    def task_output(self, frame: _Frame, producer: plan_model.Task, output: str) -> Source:
        return self.produced_value(scopes.produced(self.plan, frame.dag, producer.key, output), frame.path)

    def produced_value(self, found: scopes.Produced, outer: Path) -> Source:
        """The flat source of one walk down to the producing leaf (kfpc.plan.scopes.produced): the
        leaf's output, collected once for every loop on the way."""
        path = outer + (found.task.key,)
        if found.is_leaf:
            spec = found.component.interface.out_param(found.output)
            return Out(self.flat_id(path), found.output, element_type=spec.type if spec else None)
        value = self.value_of(found.inner, path)
        if found.task.loop is not None:
            assert isinstance(found.component, plan_model.DagComponent)
            out = next(o for o in found.component.out_params if o.name == found.output)
            value = _collected(value, out.type, self.engine)
        return value

    def value_of(self, producers: tuple[scopes.Produced, ...], path: Path) -> Source:
        """A DAG output's value: its one producer's, or a OneOf over them."""
        options = [self.produced_value(found, path) for found in producers]
        return options[0] if len(options) == 1 else OneOf(_one_of(options, Out, OneOf, "values", self.engine))

    def resolve_artifact(self, source: plan_model.ArtifactSource | None, frame: _Frame) -> ArtSource | None:
        if source is None:
            return None
        if isinstance(source, plan_model.FromInputArtifact):
            return frame.artifacts.get(source.name)
        found = scopes.produced(self.plan, frame.dag, source.task, source.output, artifact=True)
        return self.produced_artifact(found, frame.path)

    def produced_artifact(self, found: scopes.Produced, outer: Path) -> ArtSource | None:
        path = outer + (found.task.key,)
        if found.is_leaf:
            return ArtOut(self.flat_id(path), found.output)
        value = self.artifact_of(found.inner, path)
        if found.task.loop is not None and value is not None:
            if not isinstance(value, ArtOut):
                raise UnsupportedError(f"collecting this artifact out of a loop is not supported on {self.engine}; "
                                       "use --backend argo")
            value = ArtOut(value.task, value.output, value.loops + 1)
        return value

    def artifact_of(self, producers: tuple[scopes.Produced, ...], path: Path) -> ArtSource | None:
        """A DAG artifact output's value: none, its one producer's, or a OneOf over them."""
        options = [self.produced_artifact(found, path) for found in producers]
        if len(options) <= 1:
            return options[0] if options else None
        return ArtOneOf(_one_of(options, ArtOut, ArtOneOf, "artifacts", self.engine))

    def bind_expr(self, expr: plan_model.Expr, frame: _Frame, task: plan_model.Task) -> plan_model.Expr:
        if isinstance(expr, plan_model.Operand):
            return plan_model.Operand(expr.input, expr.type, self.resolve(expr.source, frame, task), expr.cast)  # type: ignore[arg-type]
        if isinstance(expr, plan_model.Compare):
            return plan_model.Compare(expr.op, self.bind_expr(expr.left, frame, task), self.bind_expr(expr.right, frame, task))
        if isinstance(expr, plan_model.Not):
            return plan_model.Not(self.bind_expr(expr.operand, frame, task))
        if isinstance(expr, plan_model.And):
            return plan_model.And(tuple(self.bind_expr(e, frame, task) for e in expr.operands))
        if isinstance(expr, plan_model.Or):
            return plan_model.Or(tuple(self.bind_expr(e, frame, task) for e in expr.operands))
        return expr


def _one_of(options: list[Any], single: type, group: Any, what: str, engine: str) -> tuple[Any, ...]:
    """The branches of a OneOf, nested OneOfs flattened (the first branch that ran wins)."""
    flat: list[Any] = []
    for option in options:
        if isinstance(option, group):
            flat.extend(option.options)
        elif isinstance(option, single):
            flat.append(option)
        else:
            raise UnsupportedError(f"OneOf over {what} that are not task outputs is not supported on {engine}")
    return tuple(flat)


def _select(source: Source, selector: tuple[str | int, ...], engine: str) -> Source:
    if not selector:
        return source
    if isinstance(source, Item):
        return Item(source.loop, source.selector + selector)
    if isinstance(source, Out):
        return Out(source.task, source.output, source.selector + selector, source.loops, source.element_type)
    if isinstance(source, Const) and source.value is not None:
        value = source.value
        for key in selector:
            value = value[key] if isinstance(value, (dict, list)) else None  # type: ignore[index]
        return Const(value)
    raise UnsupportedError(f"selecting a field of this value is not supported on {engine}")


def _collected(value: Source, ptype: plan_model.ParamType, engine: str) -> Source:
    if isinstance(value, Out):
        return Out(value.task, value.output, value.selector, value.loops + 1, value.element_type or ptype)
    raise UnsupportedError(f"collecting this value out of a loop is not supported on {engine}; use --backend argo")
