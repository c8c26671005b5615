"""The two graphs the compiler reasons about, built with networkx.

* the component graph: which DAG component instantiates which component. A cycle here means a
  pipeline that contains itself, which no engine can expand.
* one task graph per DAG: an edge producer -> consumer for every data dependency and every
  `dependentTasks` entry. Its topological order is the order tasks are lowered and rendered in, so
  it must be deterministic: ties are broken by task key.
"""

from __future__ import annotations

import heapq

import networkx as nx

from kfpc.ir.model import Dag, Pipeline, Task


def component_graph(pipeline: Pipeline) -> nx.DiGraph:
    graph = nx.DiGraph()
    everything = dict(pipeline.components)
    everything["root"] = pipeline.root
    for key, comp in sorted(everything.items()):
        graph.add_node(key)
        if comp.dag:
            for task in comp.dag.tasks.values():
                if task.component in everything:
                    graph.add_edge(key, task.component)
    return graph


def task_graph(dag: Dag) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(dag.tasks))
    for key, task in dag.tasks.items():
        for upstream in upstreams(task):
            if upstream in dag.tasks and upstream != key:
                graph.add_edge(upstream, key)
            elif upstream == key:
                graph.add_edge(key, key)
    return graph


def upstreams(task: Task) -> list[str]:
    """Every task this one must wait for: explicit `.after()` plus every producer it reads from."""
    found = list(task.dependent_tasks)
    for p in task.params.values():
        if p.kind in ("task_output", "final_status") and p.producer:
            found.append(p.producer)
    for a in task.artifacts.values():
        if a.kind == "task_output" and a.producer:
            found.append(a.producer)
    return sorted(set(found))


def component_cycles(graph: nx.DiGraph) -> list[list[str]]:
    """One representative cycle per strongly connected component, for the error message."""
    cycles = []
    for scc in sorted((sorted(c) for c in nx.strongly_connected_components(graph)), key=lambda c: c[0]):
        if len(scc) > 1 or graph.has_edge(scc[0], scc[0]):
            cycle = nx.find_cycle(graph.subgraph(scc), source=scc[0])
            cycles.append([u for u, _ in cycle] + [cycle[0][0]])
    return cycles


def topological_order(graph: nx.DiGraph) -> list[str]:
    """Kahn's algorithm taking the smallest ready key first: nx.lexicographical_topological_sort's
    order, without its per-node key tuples (lowering orders every DAG, of up to thousands of tasks)."""
    waiting = dict(graph.in_degree())
    ready = [node for node, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        node = heapq.heappop(ready)
        order.append(node)
        for child in graph.successors(node):
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    if len(order) != len(waiting):
        raise nx.NetworkXUnfeasible("the graph contains a cycle")
    return order


def is_acyclic(graph: nx.DiGraph) -> bool:
    return nx.is_directed_acyclic_graph(graph)
