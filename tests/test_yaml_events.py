"""The event-built YAML reader (yamlio._load_all) gives exactly what PyYAML's safe loader gives,
and leaves what it does not build itself (merge keys, complex keys, custom tags, undefined
aliases) to PyYAML, errors included."""

from __future__ import annotations

import pytest
import yaml

from conftest import GOLDEN
from kfpc import yamlio
from kfpc.errors import InputError

CASES = [
    "a: &x [1, 2]\nb: *x\n", "<<: {a: 1}\nb: 2\n", "x: !!binary aGVsbG8=\n", "t: 2001-12-14\nu: 2001-12-14 21:59:43\n",
    "f: 1e3\ng: 1.5e3\nn: ~\nb: yes\no: 0o17\ni: 0x1F\nz: .inf\n", "- !!set {a, b}\n- !!str 12\n- !!int '7'\n",
    "---\na: 1\n---\nb: 2\n...\n", "", "---\n", "a: &s str\nb: *s\n", "{a: 1, b: [x, y]}", "'q': \"d\\n\"\n",
    "k: |\n  line\n  two\n", "? a\n: 1\n", "1: one\ntrue: t\nnull: n\n", "- !!omap [{a: 1}]\n",
]


@pytest.mark.parametrize("text", CASES)
def test_same_values_as_pyyaml(text: str) -> None:
    expected = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    got = yamlio._load_all(text)
    assert got == expected and repr(got) == repr(expected)


def test_aliases_stay_shared_references() -> None:
    (doc,) = yamlio._load_all("a: &x {k: [1]}\nb: *x\n")
    assert doc["a"] is doc["b"]


def test_every_golden_ir_reads_the_same() -> None:
    for path in sorted(GOLDEN.glob("*/*.yaml")):
        text = path.read_text("utf-8")
        assert yamlio._load_all(text) == list(yaml.load_all(text, Loader=yaml.CSafeLoader)), path


@pytest.mark.parametrize("text,message", [("a: *nope\n", "undefined alias"), ("? [a]\n: 1\n", "unhashable"),
                                          ("k: !custom x\n", "could not determine a constructor")])
def test_what_pyyaml_refuses_is_refused_with_its_place(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        yamlio.load_documents("x.yaml", text)
    diag = info.value.diagnostics[0]
    assert message in diag.message and diag.line is not None
