"""yamlio's block writer writes exactly what libyaml writes (it only takes over the structure around
scalars libyaml renders), and hands back what it cannot write (the caller then dumps with libyaml)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kfpc import yamlio

# Characters that change how a scalar is written: indicators, quotes, breaks, spaces, escapes.
PIECES = st.sampled_from(list("ab1 -:#'\"\n\t|>&*!%@`{}[],?.~\\\x85\u2028é") + ["yes", "0x1", "e5", "  \n"])
# Values: mostly text libyaml writes on one line or as a literal block (the writer's own work), some of
# anything. Keys: text libyaml writes as a plain key (as kfpc's are; a `? ` key is left to libyaml).
ONE_LINE = st.lists(PIECES.filter(lambda p: "\n" not in p), max_size=10).map("".join)
KEYS = st.lists(PIECES.filter(lambda p: p not in "\n\x85\u2028  \n"), max_size=10).map("".join)
BLOCKS = st.lists(st.sampled_from(["a", " b", "", "c: d", "- e"]), min_size=2, max_size=4).map("\n".join)
TEXT = st.one_of(ONE_LINE, ONE_LINE, ONE_LINE, BLOCKS, st.lists(PIECES, max_size=10).map("".join))
SCALARS = st.one_of(TEXT, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(KEYS, inner, max_size=4)), max_leaves=25)
DOCUMENTS = st.lists(st.dictionaries(KEYS, VALUES, min_size=1, max_size=5), min_size=1, max_size=3)


@settings(max_examples=600, derandomize=True, deadline=None)
@given(DOCUMENTS)
def test_writes_what_libyaml_writes(documents: list[dict[str, Any]]) -> None:
    written = yamlio._BlockWriter().dump(documents)
    if written is not None:
        assert written == yamlio._libyaml_dump(documents)
    assert yamlio.dump_yaml(documents) == yamlio._libyaml_dump(documents)


@pytest.mark.parametrize("documents", [
    [{"k": {"j": "a\nb\n\nc"}, "l": ["a\nb", [" lead\nz"], {"x": "kept\n\n"}]}],
    [{"a": "kept\n\n"}, {"b": [[], {}, [[1]]]}],
    [{"a": "kept\n\n", "b": "clip\n"}, {"c": [{"d": {"e": "kept\n\n"}}]}],
])
def test_nested_literal_blocks(documents: list[dict[str, Any]]) -> None:
    assert yamlio._BlockWriter().dump(documents) == yamlio._libyaml_dump(documents)


@pytest.mark.parametrize("documents", [
    [{"k" * 200: 1}],  # libyaml writes a long key as `? key`
    [{1: "a"}],
    [{"k": ("a", "tuple")}],
    [["a list at the top"]],
    [{"k": "x" * (yamlio._LONGEST + 1)}],
])
def test_leaves_to_libyaml_what_it_does_not_write(documents: list[Any]) -> None:
    assert yamlio._BlockWriter().dump(documents) is None
    assert yamlio.dump_yaml(documents) == yamlio._libyaml_dump(documents)


# Strings made only of the characters the writer may write without asking libyaml (letters, digits,
# `_./-`), including those a reader would take for something else and libyaml must quote.
WORDS = st.lists(st.sampled_from(list("aeEnNoOyYtTfFx019_./-") + ["yes", "no", "on", "off", "true", "null", "0x",
                                                                 "0o", "0b", "inf", "nan", "2024-1-5", "1e5"]),
                 min_size=1, max_size=6).map("".join)


# Engine expressions and JSON-ish text, which the writer single-quotes itself when they start with `{` or `[`.
BRACED = st.tuples(st.sampled_from(["{", "[", "{{", "[]"]),
                   st.lists(st.sampled_from(list("ab1 -:#'\"{}[],$\t\n\x7f\x85é") + ["{{=a}}", "' '", " #", ": "]),
                            max_size=8).map("".join)).map("".join)


@pytest.mark.parametrize("word", ["{{tasks.a.outputs.parameters.x}}", "{{=sprig.replace(\"{\", \"$(L)\", x)}}",
                                  "{'a': 1}", "[1, 2]", "{", "[", "{a: b #c}", "{it's}", "{''}", "{ends with space} ",
                                  "{tab\there}", "{é}", "{\x7f}", "{a\nb}", "{  two  spaces}"])
def test_braced_text_as_libyaml_writes_it(word: str) -> None:
    documents = [{"k": word, "l": [word, {"m": word}]}]
    assert yamlio._BlockWriter().dump(documents) == yamlio._libyaml_dump(documents)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(BRACED, min_size=1, max_size=6))
def test_any_braced_text_as_libyaml_writes_it(words: list[str]) -> None:
    documents = [{"k": words, "v": {"x": {str(i): w for i, w in enumerate(words)}}}]
    assert yamlio._BlockWriter().dump(documents) == yamlio._libyaml_dump(documents)


@pytest.mark.parametrize("word", ["step-12", "exec-step-12", "a.b/c-d", "_", "yes", "No", "on", "OFF", "null", "y",
                                  "1e5", "2e-05", "0x1F", "0o17", "0b-1", "1_000", "12", "1.5", "2024-1-5",
                                  "2024-01-05", "e5", "E", "x1", "0_x1F", "9.", "1.", "null.x", "Null"])
def test_plain_words_as_libyaml_writes_them(word: str) -> None:
    """The writer's own rendering of plain-looking strings (without libyaml) matches libyaml's: plain
    when read back as a string, quoted otherwise."""
    documents = [{"k": word, "l": [word, {"m": word}]}]
    assert yamlio._BlockWriter().dump(documents) == yamlio._libyaml_dump(documents)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=8))
def test_any_plain_word_as_libyaml_writes_it(words: list[str]) -> None:
    documents = [{"k": words, "v": {w: w for w in words}}]
    assert yamlio._BlockWriter().dump(documents) == yamlio._libyaml_dump(documents)
