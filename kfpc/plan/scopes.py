"""Resolving a value through enclosing DAGs, the one rule every backend follows.

Inside a DAG component, `FromInput(name)` is whatever the calling task binds to `name`, read in the
caller's own scope; an input the caller leaves unbound is absent; at the root it is a pipeline
parameter. Engines meet the rule from two sides: one that inlines sub-DAGs resolves each instance
downward from the root, the caller's bindings first (`called_inputs`, used by
kfpc.plan.transforms.flatten); one whose DAG templates are shared by all their callers asks which
values an input can take over every call site (`origins`, used by the Argo backend to learn an
importer URI's scheme at compile time).

Outputs go the other way: a DAG task's output is whatever the task inside the DAG that the output
names produces, and so on down to a leaf task. `produced` walks that chain once for everyone: the
flattener reads the leaf's output directly, Argo stores collected artifacts under the chain's path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Mapping, TypeVar

from kfpc.errors import UnsupportedError
from kfpc.plan.model import ArtifactSource, Component, DagComponent, FromInput, ParamSource, Plan, Task

__all__ = ["Calls", "callers", "origins", "called_inputs", "called_artifacts", "Produced", "produced",
           "output_producers", "MAX_DEPTH"]

#: Every call of each component: the DAG holding the calling task, and the task.
Calls = Mapping[str, tuple[tuple[DagComponent, Task], ...]]

#: Deeper chains of calls are not followed (DAG components never recurse: kfpc.graph checks).
MAX_DEPTH = 50

T = TypeVar("T")


def callers(plan: Plan) -> Calls:
    """Who calls each component, in the plan's component order."""
    found: dict[str, list[tuple[DagComponent, Task]]] = {}
    for comp in plan.components.values():
        if isinstance(comp, DagComponent):
            for task in comp.tasks:
                found.setdefault(task.component, []).append((comp, task))
    return {name: tuple(calls) for name, calls in found.items()}


def origins(plan: Plan, dag: DagComponent, source: ParamSource, calls: Calls,
            depth: int = 0) -> Iterator[tuple[DagComponent, ParamSource]]:
    """Where a value of `dag` can come from over every call site: each `(scope, source)` reached by
    following whole inputs (no selector) upward until the source is not an input of a called DAG.
    A root input stays `FromInput` with the root as its scope (a pipeline parameter); a caller that
    leaves the input unbound contributes nothing."""
    if not isinstance(source, FromInput) or source.selector or dag.name == plan.root or depth > MAX_DEPTH:
        yield dag, source
        return
    for parent, call in calls.get(dag.name, ()):
        binding = call.param(source.name)
        if binding is not None:
            yield from origins(plan, parent, binding.source, calls, depth + 1)


def called_inputs(call: Task, resolve: Callable[[ParamSource], T]) -> dict[str, T]:
    """The parameter inputs one instance of the DAG `call` calls sees: each binding of the call,
    resolved in the caller's scope by `resolve`. A loop's item input is the loop's to add."""
    return {binding.name: resolve(binding.source) for binding in call.params}


def called_artifacts(call: Task, resolve: Callable[[ArtifactSource], T]) -> dict[str, T]:
    """The artifact inputs one instance of the called DAG sees, as `called_inputs` for parameters."""
    return {binding.name: resolve(binding.source) for binding in call.artifacts}


@dataclass(frozen=True)
class Produced:
    """Where one output of a task comes from: the task and its component, and for a DAG task, where
    the DAG's output comes from inside it (several: a OneOf, the first branch that ran wins; none:
    an output nothing inside feeds). A leaf task produces the value itself (`inner` is empty)."""

    task: Task
    component: Component
    output: str
    inner: tuple["Produced", ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not isinstance(self.component, DagComponent)


def produced(plan: Plan, dag: DagComponent, task_key: str, output: str, artifact: bool = False) -> Produced:
    """The walk down from output `output` (an artifact output when `artifact`) of task `task_key`
    in `dag` to the leaf tasks producing it (DAG components never recurse: kfpc.graph checks). A
    DAG task without that output is refused."""
    task = dag.task(task_key)
    component = plan.component(task.component)
    if not isinstance(component, DagComponent):
        return Produced(task, component, output)
    return Produced(task, component, output, output_producers(plan, component, output, artifact))


def output_producers(plan: Plan, dag: DagComponent, output: str,
                     artifact: bool = False) -> tuple[Produced, ...]:
    """Where a DAG's own output `output` comes from, one `Produced` per source it names."""
    outputs = dag.out_artifacts if artifact else dag.out_params
    out = next((o for o in outputs if o.name == output), None)
    if out is None:
        raise UnsupportedError(f"DAG {dag.ir_key!r} has no {'artifact ' if artifact else ''}output {output!r}")
    return tuple(produced(plan, dag, s.task, s.output, artifact) for s in out.sources)
