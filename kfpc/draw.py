"""Pictures of a pipeline (`kfpc graph`): Mermaid for GitHub and wikis, DOT for Graphviz.

Drawn from the plan, so the picture shows what kfpc compiles: every task, sub-pipelines (and the DAGs
the SDK makes for conditions, loops and exit handlers) as nested boxes labelled with their condition
or loop, data edges labelled with what flows, and ordering-only dependencies dashed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from kfpc.plan.model import (
    And, Compare, Component, Constant, DagComponent, FromInput, FromInputArtifact, FromTask, FromTaskArtifact,
    Interpolation, Literal, Loop, Not, Operand, Or, Plan, Task,
)

FORMATS = ("mermaid", "dot")


@dataclass
class _Node:
    id: str
    label: str
    kind: str  # container | importer | pvc | dag
    children: list[_Node] = field(default_factory=list)


@dataclass(frozen=True)
class _Edge:
    source: str
    target: str
    label: str  # what flows; empty for an ordering-only dependency
    always: bool = False  # the target runs even when the source failed (exit handlers)


def draw(plan: Plan, fmt: str = "mermaid") -> str:
    nodes, edges = _Scene(plan).build()
    return _mermaid(plan, nodes, edges) if fmt == "mermaid" else _dot(plan, nodes, edges)


class _Scene:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.used: set[str] = set()
        self.edges: list[_Edge] = []

    def build(self) -> tuple[list[_Node], list[_Edge]]:
        return self._scope(self.plan.root_dag, "t"), self.edges

    def _id(self, prefix: str, key: str) -> str:
        base = f"{prefix}_{re.sub(r'[^A-Za-z0-9]', '_', key)}"
        candidate, n = base, 2
        while candidate in self.used:
            candidate, n = f"{base}_{n}", n + 1
        self.used.add(candidate)
        return candidate

    def _scope(self, dag: DagComponent, prefix: str) -> list[_Node]:
        ids = {t.key: self._id(prefix, t.key) for t in dag.tasks}
        nodes = []
        for task in dag.tasks:
            component = self.plan.component(task.component)
            node = _Node(ids[task.key], _task_label(task, component), component.kind)
            if isinstance(component, DagComponent):
                node.children = self._scope(component, ids[task.key])
            nodes.append(node)
            flows = _flows(task)
            for producer in sorted(set(flows) | set(task.depends), key=list(ids).index):
                if producer in ids:
                    self.edges.append(_Edge(ids[producer], ids[task.key], ", ".join(flows.get(producer, ())),
                                            task.run_after_failure))
        return nodes


def _flows(task: Task) -> dict[str, list[str]]:
    """What each sibling task hands this one, by producer: output names, in the order the task reads them."""
    found: dict[str, list[str]] = {}

    def add(producer: str, output: str) -> None:
        output = _plain_input(output)
        names = found.setdefault(producer, [])
        if output not in names:
            names.append(output)

    for binding in task.params:
        for source in _sources(binding.source):
            if isinstance(source, FromTask):
                add(source.task, source.output)
    for art in task.artifacts:
        if isinstance(art.source, FromTaskArtifact):
            add(art.source.task, art.source.output)
    if task.loop is not None and isinstance(task.loop.source, (FromTask, FromTaskArtifact)):
        add(task.loop.source.task, task.loop.source.output)
    return found


def _sources(source: Any) -> list[Any]:
    return list(source.parts) if isinstance(source, Interpolation) else [source]


def _task_label(task: Task, component: Component) -> str:
    name = task.display_name or task.key
    notes = []
    if task.condition is not None:
        notes.append(f"if {_expr(task.condition)}")
    if task.loop is not None:
        notes.append(_loop(task.loop))
    if isinstance(component, DagComponent) and notes:
        return "; ".join(notes) if re.fullmatch(r"(condition|for-loop|condition-branches)-\d+", name) \
            else f"{name}: {'; '.join(notes)}"
    return f"{name} ({'; '.join(notes)})" if notes else name


def _loop(loop: Loop) -> str:
    if loop.items is not None:
        over = repr(list(loop.items))
    else:
        over = _source(loop.source)
    text = f"for each item in {over}"
    return text + (f", {loop.parallelism} at a time" if loop.parallelism else "")


def _source(source: Any) -> str:
    if isinstance(source, (FromTask, FromTaskArtifact)):
        return f"{source.task}.{source.output}"
    if isinstance(source, (FromInput, FromInputArtifact)):
        return _plain_input(source.name)
    if isinstance(source, Constant):
        return json.dumps(source.value)
    return type(source).__name__.lower()


def _plain_input(name: str) -> str:
    """The SDK names values crossing a sub-DAG's edge `pipelinechannel--task-output`; show the value's own name."""
    return name.removeprefix("pipelinechannel--")


def _expr(expr: Any) -> str:
    if isinstance(expr, Compare):
        return f"{_expr(expr.left)} {expr.op} {_expr(expr.right)}"
    if isinstance(expr, Not):
        return f"not ({_expr(expr.operand)})"
    if isinstance(expr, And):
        return " and ".join(_grouped(e) for e in expr.operands)
    if isinstance(expr, Or):
        return " or ".join(_grouped(e) for e in expr.operands)
    if isinstance(expr, Operand):
        return _source(expr.source)
    if isinstance(expr, Literal):
        return json.dumps(expr.value) if not isinstance(expr.value, str) else repr(expr.value)
    return str(expr)


def _grouped(expr: Any) -> str:
    return f"({_expr(expr)})" if isinstance(expr, (And, Or)) else _expr(expr)


# ---------------------------------------------------------------------------------------------
# Mermaid


_MERMAID_SHAPES = {"container": ('["', '"]'), "importer": ('[/"', '"/]'), "pvc": ('[("', '")]')}


def _mermaid(plan: Plan, nodes: list[_Node], edges: list[_Edge]) -> str:
    lines = [f"%% {_one_line(plan.display_name or plan.name)}", "flowchart TD"]

    def emit(node: _Node, depth: int) -> None:
        pad = "    " * depth
        if node.kind == "dag":
            lines.append(f'{pad}subgraph {node.id}["{_mermaid_text(node.label)}"]')
            for child in node.children:
                emit(child, depth + 1)
            lines.append(f"{pad}end")
        else:
            left, right = _MERMAID_SHAPES[node.kind]
            lines.append(f"{pad}{node.id}{left}{_mermaid_text(node.label)}{right}")

    for node in nodes:
        emit(node, 1)
    for edge in edges:
        arrow = "-->" if edge.label else "-.->"
        label = edge.label + (" (always)" if edge.always else "") if edge.label else ("always" if edge.always else "")
        text = f'|"{_mermaid_text(label)}"|' if label else ""
        lines.append(f"    {edge.source} {arrow}{text} {edge.target}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    """Mermaid reads labels as markup: quotes and angle brackets become entity codes."""
    text = _one_line(text)
    return "".join(f"#{ord(c)};" if c in '"<>#&' else c for c in text)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# ---------------------------------------------------------------------------------------------
# Graphviz DOT


def _dot(plan: Plan, nodes: list[_Node], edges: list[_Edge]) -> str:
    lines = [f"digraph {_dot_text(plan.display_name or plan.name)} {{", "    compound=true;",
             '    node [shape=box, style=rounded, fontname="Helvetica"];', '    edge [fontname="Helvetica"];']
    anchors: dict[str, str] = {}

    def emit(node: _Node, depth: int) -> None:
        pad = "    " * depth
        if node.kind == "dag":
            lines.append(f"{pad}subgraph {_dot_text('cluster_' + node.id)} {{")
            lines.append(f"{pad}    label={_dot_text(node.label)}; style=dashed;")
            anchor = node.id
            anchors[node.id] = "cluster_" + node.id
            lines.append(f"{pad}    {_dot_text(anchor)} [shape=point, style=invis];")
            for child in node.children:
                emit(child, depth + 1)
            lines.append(f"{pad}}}")
        else:
            shape = {"importer": ", shape=parallelogram", "pvc": ", shape=cylinder"}.get(node.kind, "")
            lines.append(f"{pad}{_dot_text(node.id)} [label={_dot_text(node.label)}{shape}];")

    for node in nodes:
        emit(node, 1)
    for edge in edges:
        attrs = []
        if edge.label or edge.always:
            attrs.append(f"label={_dot_text(', '.join(x for x in (edge.label, 'always' if edge.always else '') if x))}")
        if not edge.label:
            attrs.append("style=dashed")
        if edge.source in anchors:
            attrs.append(f"ltail={_dot_text(anchors[edge.source])}")
        if edge.target in anchors:
            attrs.append(f"lhead={_dot_text(anchors[edge.target])}")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"    {_dot_text(edge.source)} -> {_dot_text(edge.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return '"' + _one_line(text).replace("\\", "\\\\").replace('"', '\\"') + '"'
