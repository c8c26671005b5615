"""Bad input is refused quickly, with the file, the place in it and a code; never a traceback."""

from __future__ import annotations

import copy
import time

import pytest
import yaml

import kfpc
from kfpc.errors import KfpcError
from conftest import GOLDEN

HELLO_TEXT = (GOLDEN / "hello_container" / "pipeline.yaml").read_text("utf-8")
HELLO = yaml.safe_load(HELLO_TEXT)


def error_of(text: str | bytes, name: str = "p.yaml") -> KfpcError:
    from kfpc.compiler import plan_source
    from kfpc.ir import load
    from kfpc import yamlio

    with pytest.raises(KfpcError) as info:
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        plan_source(load.load_text(name, yamlio.decode(name, data)))
    return info.value


def test_binary_and_encoding() -> None:
    assert error_of(b"\x89PNG\r\n\x1a\n\x00\x00").code == "KFPC101"
    err = error_of(b"pipelineInfo:\n  name: caf\xe9\n")
    assert err.code == "KFPC102" and err.diagnostics[0].line == 2


@pytest.mark.parametrize("text,code", [("", "KFPC107"), ("# only a comment\n", "KFPC107"), ("- a\n- b\n", "KFPC107"),
                                       ("a: [1, 2\n", "KFPC104"), ("a: 1\n---\nb: 2\n---\nc: 3\n", "KFPC107"),
                                       ("platforms: {}\n", "KFPC107"), ("implementation: {}\n", "KFPC107")])
def test_not_a_pipeline(text: str, code: str) -> None:
    assert error_of(text).code == code


def test_yaml_syntax_error_has_line() -> None:
    err = error_of("pipelineInfo:\n  name: x\nroot: [\n")
    assert err.code == "KFPC104" and err.diagnostics[0].line is not None


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    start = time.perf_counter()
    err = error_of("\n".join(lines) + "\n")
    assert err.code == "KFPC106"
    assert time.perf_counter() - start < 5


def test_deep_nesting() -> None:
    assert error_of("a: " + "[" * 2000 + "]" * 2000 + "\n").code == "KFPC105"
    assert error_of("a: &x " + "[" * 500 + "]" * 500 + "\nb: *x\n").code == "KFPC105"
    assert error_of("{\"a\": " + "[" * 5000 + "]" * 5000 + "}").code in ("KFPC105", "KFPC104")


def test_schema_error_names_place_and_suggests() -> None:
    doc = copy.deepcopy(HELLO)
    doc["root"]["dag"]["tasks"]["echo"]["componentRefs"] = doc["root"]["dag"]["tasks"]["echo"].pop("componentRef")
    err = error_of(yaml.safe_dump(doc, sort_keys=False))
    diag = err.diagnostics[0]
    assert diag.code == "KFPC200"
    assert diag.ir_path == "root.dag.tasks.echo"
    assert "did you mean 'componentRef'" in diag.message
    assert diag.line is not None and diag.file == "p.yaml"


def _broken(mutate) -> KfpcError:
    doc = copy.deepcopy(HELLO)
    mutate(doc)
    return error_of(yaml.safe_dump(doc, sort_keys=False))


def test_graph_errors_are_collected() -> None:
    def mutate(doc):
        task = doc["root"]["dag"]["tasks"]["echo"]
        task["componentRef"]["name"] = "comp-ech"
        task["dependentTasks"] = ["ghost"]
    err = _broken(mutate)
    codes = sorted(d.code for d in err.diagnostics)
    assert codes == ["KFPC301", "KFPC303"]
    assert "did you mean 'comp-echo'" in err.diagnostics[0].message + err.diagnostics[1].message


def test_cycle_between_tasks() -> None:
    def mutate(doc):
        tasks = doc["root"]["dag"]["tasks"]
        tasks["other"] = copy.deepcopy(tasks["echo"])
        tasks["other"]["dependentTasks"] = ["echo"]
        tasks["echo"]["dependentTasks"] = ["other"]
    err = _broken(mutate)
    assert err.code == "KFPC307" and "echo -> other -> echo" in err.diagnostics[0].message


def test_component_that_contains_itself() -> None:
    def mutate(doc):
        doc["components"]["comp-loop"] = {"dag": {"tasks": {"again": {"componentRef": {"name": "comp-loop"},
                                                                       "taskInfo": {"name": "again"}}}}}
        doc["root"]["dag"]["tasks"]["loop"] = {"componentRef": {"name": "comp-loop"}, "taskInfo": {"name": "loop"}}
    assert _broken(mutate).code == "KFPC308"


def test_missing_required_input_and_bad_condition() -> None:
    def mutate(doc):
        task = doc["root"]["dag"]["tasks"]["echo"]
        task["inputs"] = {}
        task["triggerPolicy"] = {"condition": "inputs.parameter_values['x'] ==="}
    err = _broken(mutate)
    assert sorted(d.code for d in err.diagnostics) == ["KFPC306", "KFPC309"]


def test_missing_pipeline_name() -> None:
    assert _broken(lambda doc: doc["pipelineInfo"].update(name=None)).code == "KFPC311"


def test_json_input_is_accepted() -> None:
    import json

    result = kfpc.compile_text(json.dumps(HELLO), name="p.json")
    assert result.documents[0]["kind"] == "Workflow"
