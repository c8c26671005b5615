"""Focused tests of the small pieces the compiler is built from."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from argo_sim import evaluate, kubelet
from conftest import GOLDEN, REPO
from kfpc import names
from kfpc.plan import conditions, placeholders
from kfpc.plan.model import Caching, Concat, ExecutorInput, FromInput, IfPresent, Operand, ParamType
from kfpc_backends.argo import escape

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


# -- names ------------------------------------------------------------------------------------

def test_valid_names_are_kept_and_others_cleaned() -> None:
    assert names.dns_label("train-model") == "train-model"
    cleaned = names.dns_label("Produce!")
    assert cleaned.startswith("produce-") and len(cleaned) <= 63


def test_names_differing_past_the_limit_do_not_collide() -> None:
    a, b = "x" * 80 + "-a", "x" * 80 + "-b"
    assert names.dns_label(a) != names.dns_label(b)
    assert max(len(names.dns_label(a)), len(names.dns_label(b))) <= 63
    namer = names.Namer()
    first, second = namer.name("a_b"), namer.name("a-b")
    assert first != second and len({first, second}) == 2


@given(st.text(max_size=100))
def test_every_label_is_valid(text: str) -> None:
    import re

    label = names.dns_label(text, 40)
    assert re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", label) and len(label) <= 40
    assert names.dns_label(text, 40) == label  # stable


# -- escaping ---------------------------------------------------------------------------------

@settings(max_examples=300)
@given(TEXT, st.booleans())
def test_literal_escaping_round_trips_through_the_kubelet(text: str, adjacent: bool) -> None:
    escaped = escape.literal(text, adjacent)
    assert "{{" not in escaped and not (adjacent and escaped.endswith("{"))
    assert kubelet(escaped, {escape.LBRACE_ENV: "{"}) == text


@settings(max_examples=300)
@given(TEXT)
def test_runtime_escaping_and_its_inverse(text: str) -> None:
    env = {"v": text}
    kform = evaluate(escape.k_expr("v"), env)
    assert "{" not in kform
    assert kubelet(kform, {escape.LBRACE_ENV: "{"}) == text
    assert evaluate(escape.u_expr("k"), {"k": kform}) == text
    assert evaluate(escape.u_expr("k"), {"k": escape.literal(text)}) == text


@given(TEXT)
def test_string_literals_are_safe_inside_tags(text: str) -> None:
    literal = escape.string_literal(text)
    assert "{{" not in literal and "}}" not in literal
    assert evaluate(literal, {}) == text


# -- conditions and placeholders ------------------------------------------------------------------

def _operand(name: str, cast: str | None) -> Operand:
    return Operand(name, ParamType.STRING, FromInput(name), cast)


@pytest.mark.parametrize("text,shape", [
    ("inputs.parameter_values['a'] == 'heads'", "Compare"),
    ("!(inputs.parameter_values['a'] == 'heads') && int(inputs.parameter_values['b']) > 5", "And"),
    ("inputs.parameter_values[\"a\"] != 'x' || inputs.parameter_values['b'] == true", "Or"),
    ("inputs.parameter_values['flag']", "Compare"),
])
def test_conditions_parse(text: str, shape: str) -> None:
    assert type(conditions.parse(text, _operand)).__name__ == shape


@pytest.mark.parametrize("text", ["inputs.parameter_values['a'] ==", "size(x) > 1", "a === b", "'x' + 'y'"])
def test_bad_conditions_are_refused(text: str) -> None:
    with pytest.raises(conditions.ConditionSyntaxError):
        conditions.parse(text, _operand)


def test_placeholders_parse_into_trees() -> None:
    tree = placeholders.parse_element(json.dumps({"Concat": ["--x=", "{{$.inputs.parameters['x']}}", {
        "IfPresent": {"InputName": "y", "Then": ["{{$.inputs.artifacts['y'].path}}"]}}]}))
    assert isinstance(tree, Concat)
    assert tree.parts[1].name == "x" and isinstance(tree.parts[2], IfPresent)
    mixed = placeholders.parse_string("echo {{not.ours}} {{$}}")
    assert mixed.parts[0] == "echo {{not.ours}} " and isinstance(mixed.parts[1], ExecutorInput)
    with pytest.raises(placeholders.PlaceholderError):
        placeholders.parse_string("{{$.inputs.nope['x']}}")


# -- determinism across processes --------------------------------------------------------------

@pytest.mark.parametrize("case", ["conditions", "loops", "collected_artifacts", "exit_handler", "wide_dag"])
def test_same_bytes_in_every_process(case: str) -> None:
    outputs = set()
    for seed in ("1", "2"):
        proc = subprocess.run([sys.executable, "-m", "kfpc", "compile", str(GOLDEN / case / "pipeline.yaml")],
                              capture_output=True, env={"PYTHONHASHSEED": seed, "PATH": ""}, cwd=REPO)
        assert proc.returncode == 0, proc.stderr
        outputs.add(proc.stdout)
    assert len(outputs) == 1


# -- cache keys ----------------------------------------------------------------------------------

def _caching(text: str) -> dict[str, Caching]:
    import kfpc

    plan, _ = kfpc.compiler.plan_source(kfpc.ir.load.load_text("p.yaml", text))
    return {t.key: t.caching for t in plan.root_dag.tasks if t.caching}


def test_cache_key_follows_the_work_not_the_names() -> None:
    import yaml

    text = (GOLDEN / "hello_container" / "pipeline.yaml").read_text("utf-8")
    base = _caching(text)["echo"]
    doc = yaml.safe_load(text)
    doc["root"]["dag"]["tasks"]["echo"]["taskInfo"]["name"] = "renamed"
    assert _caching(yaml.safe_dump(doc))["echo"].fingerprint == base.fingerprint
    doc["deploymentSpec"]["executors"]["exec-echo"]["container"]["image"] = "alpine:3.20"
    assert _caching(yaml.safe_dump(doc))["echo"].fingerprint != base.fingerprint
    assert base.keyed_inputs == ("message",)
