"""The task order lowering renders in is networkx's lexicographic topological order (ties broken by
task key), computed by kfpc's own Kahn loop for speed; a cycle is refused as networkx refuses it."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kfpc.graph import build

KEYS = st.sampled_from(["a", "b", "c", "d", "e", "step-1", "step-10", "step-2", "B", "_x", "z"])
EDGES = st.lists(st.tuples(KEYS, KEYS), max_size=25)


def graph_of(nodes: list[str], edges: list[tuple[str, str]]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    return graph


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(KEYS, max_size=11, unique=True), EDGES)
def test_order_is_networkx_lexicographic_order(nodes: list[str], edges: list[tuple[str, str]]) -> None:
    acyclic = [(u, v) for u, v in edges if u < v]  # any graph whose edges go one way is acyclic
    graph = graph_of(nodes, acyclic)
    assert build.topological_order(graph) == list(nx.lexicographical_topological_sort(graph))


@settings(max_examples=200, derandomize=True, deadline=None)
@given(EDGES)
def test_a_cycle_is_refused(edges: list[tuple[str, str]]) -> None:
    graph = graph_of([], edges)
    if nx.is_directed_acyclic_graph(graph):
        assert build.topological_order(graph) == list(nx.lexicographical_topological_sort(graph))
    else:
        with pytest.raises(nx.NetworkXUnfeasible):
            build.topological_order(graph)


def test_ties_go_to_the_smallest_key() -> None:
    graph = graph_of(["c", "b", "a", "d"], [("c", "a")])
    assert build.topological_order(graph) == ["b", "c", "a", "d"]
