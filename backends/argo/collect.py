"""Collected artifacts (dsl.Collected, artifact lists): Argo never aggregates artifacts (it
aggregates only a loop's parameters and results: workflow/controller/operator.go:3743 @v4.1.2).

So in a pipeline that collects artifacts, kfpc gives every artifact a deterministic key in Argo's
artifact repository and lets consumers download a whole prefix:

    key   = <path>/<output>~d<idx>    (its metadata: <path>/<output>~m<idx>)
    path  = kfpc/<workflow uid>/<task>/<task>/...   chain of task names from the root
    idx   = /000003/000000...                       loop iteration indices on the way, 6 digits

The collection of output X of loop L, seen from the DAG D holding L, is everything under
`<D path>/<L>/<tasks down to the producer>/<output>~d<D idx>`: one object (or directory) per
iteration that produced one, `depth` index levels deep. The `~d` terminator and the fixed-width
indices keep every prefix from matching a sibling (GCS lists by raw prefix: `1` would match `10`). Between templates a list travels as a
descriptor parameter `<depth>|<metadata prefix>|<prefix>|<items>`, where items (JSON, one level of
loops only) lists the indices that exist, for loops over an artifact list.
"""

from __future__ import annotations

from dataclasses import dataclass

from kfpc.errors import UnsupportedError
from kfpc.plan import scopes
from kfpc.plan.model import ContainerComponent, DagComponent, Plan

PATH = "kfpc-path"
IDX = "kfpc-idx"
ROOT_PATH = "kfpc/{{workflow.uid}}"


def list_param(name: str) -> str:
    return f"kfpc-list-{name}"


def ran_param(name: str) -> str:
    return f"kfpc-ran-{name}"


INDEX_WIDTH = 6


def data_output(name: str) -> str:
    return f"{name}~d"


def meta_output(name: str) -> str:
    return f"{name}~m"


def loop_bodies(plan: Plan) -> set[str]:
    return {t.component for c in plan.components.values() if isinstance(c, DagComponent)
            for t in c.tasks if t.loop is not None}


def uses_keys(plan: Plan) -> bool:
    """Keys are only needed (and only cost bytes) when some loop hands artifacts out of its body."""
    return any(plan.component(name).interface.out_artifacts for name in loop_bodies(plan))


@dataclass(frozen=True)
class Route:
    """Where, below a DAG's path and idx, the objects of one of its artifact outputs are stored."""

    rel: str  # "/task/task..." down to the producing task
    output: str  # the producer's output name
    depth: int  # loop levels crossed on the way down
    meta: bool  # the producer writes metadata objects (in-pod launcher)
    producer: str  # task key, in the DAG itself, that the output comes from


def route(plan: Plan, dag: DagComponent, output: str) -> Route:
    return _route(dag, output, scopes.output_producers(plan, dag, output, artifact=True))


def _route(dag: DagComponent, output: str, producers: tuple[scopes.Produced, ...]) -> Route:
    """The one producer's route, down the walk kfpc.plan.scopes made."""
    if not producers:
        raise UnsupportedError(f"DAG {dag.ir_key!r} has no artifact output {output!r}")
    if len(producers) > 1:
        raise UnsupportedError(f"collecting a OneOf artifact ({dag.ir_key!r} output {output!r}) is not supported by "
                               "the Argo backend")
    found = producers[0]
    task, comp = found.task, found.component
    if isinstance(comp, ContainerComponent):
        return Route("/" + task.name, found.output, 0, comp.needs_launcher, task.key)
    if isinstance(comp, DagComponent):
        inner = _route(comp, found.output, found.inner)
        depth = inner.depth + (1 if task.loop is not None else 0)
        return Route("/" + task.name + inner.rel, inner.output, depth, inner.meta, task.key)
    raise UnsupportedError(f"collecting artifacts from {comp.kind} task {task.key!r} is not supported by the Argo "
                           "backend")


def key(path: str, output: str, idx: str) -> str:
    return f"{path}/{output}{idx}"
