"""The Tekton wire format (backends/tekton/wire.py) is the one definition both sides use: every tag and
spec key the compiler writes into KFPC_SPEC is one the runtime program reads, and every one the program
reads is one the compiler writes."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import GOLDEN, REPO, cli_documents
from kfpc_backends.tekton import wire
from kfpc_backends.tekton.runtime import generate

DEFINED = wire.definitions()
COMPILER = [p for p in (REPO / "backends" / "tekton").glob("*.py") if p.name != "wire.py"]


def program_reads() -> set[tuple[str, str]]:
    read: set[tuple[str, str]] = set()
    generate.generate.render(generate.TEMPLATE, program="kfpc", placeholders=True, wire=wire.for_template(read),
                             **generate.generate.core_values(),
                             **generate.SETTINGS)
    return read


def test_the_program_reads_every_definition() -> None:
    everything = {(group, name) for group, names in DEFINED.items() for name in names}
    assert everything - program_reads() == set(), "defined in wire.py but never read by runtime/program.py.j2"


def test_the_program_has_no_tag_of_its_own() -> None:
    """Descriptor dispatch in the template goes through wire.py: no `kind == 'x'` written out by hand."""
    text = (REPO / "backends" / "tekton" / "runtime" / "program.py.j2").read_text("utf-8")
    assert "kind == '" not in text and "SPEC['" not in text and "SPEC.get('" not in text


def test_tags_read_by_one_dispatch_are_distinct() -> None:
    """value(), artifacts() and evaluate() each switch on a tag, and per_iteration (sources.py) reads all
    three kinds of descriptor at once: their tags must not collide."""
    for group, names in DEFINED.items():
        if group not in ("Spec",):  # spec keys differ per mode, documented where two modes share one
            assert len(set(names.values())) == len(names), group
    nested = [t for g in ("Value", "Artifact", "Condition") for t in DEFINED[g].values()]
    assert len(nested) == len(set(nested))


def wire_names(path: Path, defined: dict[str, dict[str, str]] = DEFINED) -> set[tuple[str, str]]:
    """(group, name) of every `Group.NAME` / `wire.Group.NAME` of `defined` the module uses."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr.isupper():
            owner = node.value
            group = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else None
            if group in defined and node.attr in defined[group]:
                found.add((group, node.attr))
    return found


def test_the_compiler_writes_every_descriptor_tag_by_its_name() -> None:
    """Each descriptor tag the program reads is one the compiler can write, named from wire.py."""
    used = set().union(*(wire_names(p) for p in COMPILER))
    descriptors = {(g, n) for g in ("Value", "Artifact", "Loop", "Condition", "Placeholder", "Meta") for n in DEFINED[g]}
    assert descriptors - used == set(), "read by the program, written nowhere"


def test_the_compiler_names_every_spec_key_and_mode() -> None:
    """The builders write KFPC_SPEC's keys and the program's modes from wire.py, so none drifts alone."""
    used = set().union(*(wire_names(p) for p in COMPILER))
    defined = {(g, n) for g in ("Spec", "Mode") for n in DEFINED[g]}
    assert defined - used == set(), "defined in wire.py, written by no builder under its name"


def test_sources_spells_no_tag_itself() -> None:
    """sources.py builds every descriptor from wire.py's names: no list starting with a bare short string."""
    tree = ast.parse((REPO / "backends" / "tekton" / "sources.py").read_text("utf-8"))
    literal = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.List) and node.elts
               and isinstance(node.elts[0], ast.Constant) and isinstance(node.elts[0].value, str)]
    assert literal == [], f"sources.py lines {literal} write a descriptor tag as a literal"


# -- what compiled manifests carry --------------------------------------------------------------


def runtime_steps(docs: list[dict]) -> Iterator[tuple[str, dict]]:
    """(mode, KFPC_SPEC) of every container that runs the kfpc runtime, anywhere in the documents."""
    def walk(node: Any) -> Iterator[tuple[str, dict]]:
        if isinstance(node, dict):
            env = node.get("env")
            if isinstance(env, list):
                spec = next((e.get("value") for e in env if isinstance(e, dict) and e.get("name") == "KFPC_SPEC"), None)
                if isinstance(spec, str):
                    yield node["args"][0], json.loads(spec)
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)
    for doc in docs:
        yield from walk(doc)


class Emitted:
    """The (group, tag) pairs found in compiled specs, each checked against wire.py as it is read."""

    def __init__(self) -> None:
        self.found: set[tuple[str, str]] = set()

    def tag(self, group: str, text: Any) -> None:
        assert text in DEFINED[group].values(), f"the compiler wrote {group} tag {text!r}, which wire.py does not define"
        self.found.add((group, text))

    def value(self, desc: Any) -> None:
        self.tag("Value", desc[0])
        if desc[0] == wire.Value.ONE_OF:
            for option in desc[1]:
                self.value(option)
        elif desc[0] == wire.Value.INTERP:
            for part in desc[1]:
                if not isinstance(part, str):
                    self.value(part)
        elif desc[0] == wire.Value.ARTIFACT_FACT:
            self.artifact(desc[2])

    def artifact(self, desc: Any) -> None:
        self.tag("Artifact", desc[0])
        if desc[0] == wire.Artifact.ONE_OF:
            for option in desc[1]:
                self.artifact(option)

    def condition(self, expr: Any) -> None:
        self.tag("Condition", expr[0])
        if expr[0] == wire.Condition.OPERAND:
            self.value(expr[4])
        elif expr[0] == wire.Condition.NOT:
            self.condition(expr[1])
        elif expr[0] in (wire.Condition.AND, wire.Condition.OR):
            for operand in expr[1]:
                self.condition(operand)
        elif expr[0] == wire.Condition.COMPARE:
            self.condition(expr[2])
            self.condition(expr[3])

    def placeholder(self, node: Any) -> None:
        if isinstance(node, list):
            if node and node[0] == wire.Placeholder.VALUE:
                self.tag("Placeholder", node[0])
                self.value(node[1])
            else:
                for child in node:
                    self.placeholder(child)

    def metadata(self, meta: Any) -> None:
        if isinstance(meta, dict):
            for child in meta.values():
                self.metadata(child)
        elif isinstance(meta, list) and meta and meta[0] == wire.Meta.VALUE:
            self.tag("Meta", meta[0])
            self.value(meta[1])
        elif isinstance(meta, list):
            for child in meta:
                self.metadata(child)

    def spec(self, mode: str, spec: dict) -> None:
        self.tag("Mode", mode)
        keys = wire.Spec
        for key in spec:
            self.tag("Spec", key)
        for entry in spec.get(keys.PARAMS, ()):
            self.value(entry[2])
        if mode == wire.Mode.RUN:
            for entry in spec.get(keys.ARTIFACTS, ()):
                self.artifact(entry[4])
        for _, desc in spec.get(keys.ENV, ()):
            self.value(desc)
        for tree in spec.get(keys.TEMPLATED, {}).values():
            self.placeholder(tree)
        for kind, desc in spec.get(keys.LOOPS, ()):
            self.tag("Loop", kind)
            (self.artifact if kind == wire.Loop.ARTIFACTS else self.value)(desc)
        for expr in spec.get(keys.GUARDS, ()):
            self.condition(expr)
        for key in (keys.VALUE, keys.URI):
            if key in spec:
                self.value(spec[key])
        self.metadata(spec.get(keys.METADATA, {}))


@pytest.fixture(scope="module")
def emitted() -> Emitted:
    found = Emitted()
    for path in sorted(GOLDEN.glob("*/tekton.yaml")):
        for mode, spec in runtime_steps(list(yaml.safe_load_all(path.read_text("utf-8")))):
            found.spec(mode, spec)
    cron = cli_documents(str(GOLDEN / "conditions" / "pipeline.yaml"), "--backend", "tekton", "--kind", "cron",
                         "--schedule", "0 2 * * *", "--max-concurrency", "1")
    for mode, spec in runtime_steps(cron):
        found.spec(mode, spec)
    return found


def test_compiled_specs_use_only_defined_tags_and_keys(emitted: Emitted) -> None:
    """Every tag and key in the golden manifests' specs (and a schedule's) is defined in wire.py (checked
    while walking them), and the walk met each kind of descriptor, so it looked where they are."""
    groups = {group for group, _ in emitted.found}
    # No golden Python component reads a run-time value through a placeholder (Placeholder.VALUE);
    # test_the_compiler_writes_every_descriptor_tag_by_its_name covers where steps.py writes it.
    assert groups == {"Mode", "Spec", "Value", "Artifact", "Loop", "Condition", "Meta"}, groups
    assert (("Mode", wire.Mode.SCHEDULE)) in emitted.found


def test_compiled_specs_use_what_the_program_reads(emitted: Emitted) -> None:
    """Reverse direction for what the goldens exercise: a tag they carry is one the program reads."""
    read_texts = {(group, DEFINED[group][name]) for group, name in program_reads()}
    assert emitted.found - read_texts == set()
