"""The other wire formats, each defined once: the placeholder trees every in-pod program renders
(kfpc/runtime/wire.py, read by the executor core) and Argo's launcher spec (backends/argo/wire.py).
Both sides use every definition, and compiled manifests carry nothing else."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from conftest import GOLDEN, REPO
from kfpc.runtime import generate
from kfpc.runtime import wire as core_wire
from kfpc_backends.argo import escape as argo_escape
from kfpc_backends.argo import wire as argo_wire
from kfpc_backends.argo.runtime import FEATURES
from kfpc_backends.argo.runtime import generate as argo_generate
from kfpc_backends.tekton import wire as tekton_wire
from test_tekton_wire import runtime_steps, wire_names

CORE = generate.definitions(core_wire.GROUPS)
ARGO = generate.definitions(argo_wire.GROUPS)


def everything(defined: dict[str, dict[str, str]]) -> set[tuple[str, str]]:
    return {(group, name) for group, names in defined.items() for name in names}


def argo_reads() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(core tags, Argo definitions) the launcher with every feature reads."""
    tree: set[tuple[str, str]] = set()
    argo: set[tuple[str, str]] = set()
    flags = {f: True for f in FEATURES}
    generate.render(argo_generate.TEMPLATE, program="kfpc launcher", wire=argo_wire.for_template(argo),
                    **generate.core_values(tree), **argo_generate.DIRS, **flags)
    return tree, argo


def test_the_core_reads_every_tree_node_and_placeholders_writes_each() -> None:
    tree, _ = argo_reads()
    assert everything(CORE) - tree == set(), "defined in kfpc/runtime/wire.py, not read by core.py.j2"
    written = wire_names(REPO / "kfpc" / "plan" / "placeholders.py", CORE)
    assert everything(CORE) - written == set(), "defined in kfpc/runtime/wire.py, never written by launcher_tree"


def test_the_argo_launcher_reads_every_definition_and_the_compiler_writes_each() -> None:
    _, read = argo_reads()
    assert everything(ARGO) - read == set(), "defined in backends/argo/wire.py, not read by launcher.py.j2"
    written = wire_names(REPO / "backends" / "argo" / "containers.py", ARGO)
    assert everything(ARGO) - written == set(), "defined in backends/argo/wire.py, never written by containers.py"


def test_templates_spell_no_tag_of_their_own() -> None:
    for path in ("kfpc/runtime/core.py.j2", "backends/argo/runtime/launcher.py.j2"):
        text = (REPO / path).read_text("utf-8")
        # (KFP's own parameter type names, 'STRING' and the like, are not ours to define)
        assert not re.search(r"(kind|node\[0\]) == '[a-z]{1,4}'|kind in \('|spec\.get\('", text), path


def tree_tags(node: Any, extra: set[str]) -> Iterator[str]:
    """Tags of a placeholder tree's nodes; a backend's own leaf node (`extra`) is not descended into."""
    if isinstance(node, list) and node and isinstance(node[0], str):
        yield node[0]
        if node[0] in extra:
            return
        for child in node[1:]:
            if isinstance(child, list):
                for item in child if child and not isinstance(child[0], str) else [child]:
                    yield from tree_tags(item, extra)


def argo_specs() -> Iterator[dict]:
    def walk(node: Any) -> Iterator[dict]:
        if isinstance(node, dict):
            for entry in node.get("env", ()) if isinstance(node.get("env"), list) else ():
                if isinstance(entry, dict) and entry.get("name") == "KFPC_SPEC":
                    yield json.loads(entry["value"].replace(argo_escape.LBRACE, "{").replace("$$", "$"))
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)
    for path in sorted(GOLDEN.glob("*/argo.yaml")):
        for doc in yaml.safe_load_all(path.read_text("utf-8")):
            yield from walk(doc)


@pytest.mark.parametrize("engine", ["argo", "tekton"])
def test_compiled_trees_and_specs_use_only_defined_tags(engine: str) -> None:
    """Every placeholder tree in the golden manifests uses kfpc's node tags (plus the engine's own
    runtime-value node), and every Argo spec key is defined; and the goldens do carry trees."""
    nodes = set(CORE["Node"].values())
    if engine == "argo":
        extra = {argo_wire.Placeholder.RUNTIME}
        specs = list(argo_specs())
        assert {key for spec in specs for key in spec} <= set(ARGO["Spec"].values())
        trees = [t for spec in specs for t in spec.get(argo_wire.Spec.TEMPLATED, {}).values()]
    else:
        extra = {tekton_wire.Placeholder.VALUE}
        docs = [doc for path in sorted(GOLDEN.glob("*/tekton.yaml")) for doc in yaml.safe_load_all(path.read_text("utf-8"))]
        trees = [t for _, spec in runtime_steps(docs) for t in spec.get(tekton_wire.Spec.TEMPLATED, {}).values()]
    seen = {tag for tree in trees for tag in tree_tags(tree, extra)}
    assert seen and seen <= nodes | extra, seen - nodes - extra
