"""What kfpc writes reads the same in every YAML reader on the way to a cluster (go-yaml's YAML 1.1,
YAML 1.2 core): a string never turns into a boolean, a number, a date or null."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kfpc
import yaml_readers
from conftest import GOLDEN, SHARED, golden_cases
from kfpc import yamlio
from kfpc.errors import KfpcError

# Every form the YAML 1.1 and 1.2 type repositories (and go-yaml's resolver) read as a non-string.
AMBIGUOUS = [
    "y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    "true", "True", "FALSE", "yEs", "oN", "~", "null", "Null", "NULL", "", "2e-05", "1e3", "1E+3", ".5", "-.5",
    "5.", "0o17", "0O17", "0x1F", "0X1f", "-0x1F", "017", "0b101", "+1", "-0", "1_000", "1_0.5", "1:20",
    "-1:20:30", "190:20:30.15", ".inf", "-.Inf", "+.INF", ".nan", ".NaN", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
    "=", "<<", "3.14", "6.8523015e+5", "685.230_15e+03",
]
PLAIN_OK = ["hello", "v1", "12h", "1Gi", "e3", "abc:1", "1.0-beta", "a b", "x-1", "0.1.2"]


@pytest.mark.parametrize("value", AMBIGUOUS + PLAIN_OK)
def test_string_scalars_stay_strings(value: str) -> None:
    documents = [{"name": value, value: [value, {"default": value}]}]
    problems = yaml_readers.check(documents, yamlio.dump_yaml(documents))
    assert not problems, "\n".join(problems)


def test_plain_text_stays_plain() -> None:
    """Quoting is for ambiguous scalars only: names that read the same everywhere stay unquoted."""
    text = yamlio.dump_yaml([{value: value for value in PLAIN_OK}])
    assert "'" not in text and '"' not in text, text


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.text(alphabet="0123456789_.:+-eExXoObBaAfFyYnNtT~ ", max_size=8))
def test_any_numeric_looking_string_stays_a_string(value: str) -> None:
    documents = [{"k": value}]
    problems = yaml_readers.check(documents, yamlio.dump_yaml(documents))
    assert not problems, "\n".join(problems)


def test_non_string_scalars_keep_their_types() -> None:
    documents = [{"i": 3, "neg": -7, "f": 2e-05, "big": 1e300, "t": True, "f2": False, "none": None, "z": 0.0}]
    problems = yaml_readers.check(documents, yamlio.dump_yaml(documents))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("backend", ["argo", "tekton"])
@pytest.mark.parametrize("case", golden_cases())
def test_golden_output_reads_as_meant(case: str, backend: str) -> None:
    result = kfpc.compile_file(str(GOLDEN / case / "pipeline.yaml"), backend=backend)
    problems = yaml_readers.check(list(result.documents), result.text())
    assert not problems, "\n".join(problems[:20])


def _corpus() -> list:
    roots = [SHARED / "corpus" / "kfp", SHARED / "corpus" / "real"]
    files = sorted(p for root in roots if root.is_dir() for p in root.rglob("*")
                   if p.suffix in (".yaml", ".yml", ".json") and "invalid" not in p.parts and p.is_file())
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"shared corpus not found under {SHARED}"))]
    return [pytest.param(p, id=str(p.relative_to(SHARED / "corpus")),
                         marks=[pytest.mark.xfail(strict=True, reason=_CRASHES[p.name])] if p.name in _CRASHES else [])
            for p in files]


# Strict: each entry goes the moment its fix lands.
_CRASHES: dict[str, str] = {}


@pytest.mark.parametrize("path", _corpus())
def test_corpus_output_reads_as_meant(path) -> None:
    checked = 0
    for backend in ("argo", "tekton"):
        try:
            result = kfpc.compile_file(str(path), backend=backend)
        except KfpcError:
            continue  # refusals are the business of the corpus and coverage tests
        problems = yaml_readers.check(list(result.documents), result.text())
        assert not problems, f"{backend}:\n" + "\n".join(problems[:20])
        checked += 1
    if checked == 0:
        pytest.skip("refused on both backends")
