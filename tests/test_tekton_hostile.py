"""User strings reach the container byte-for-byte on Tekton too.

golden/hostile_strings runs end to end in tests/tekton_sim.py: Tekton's substitution passes (each
rescanning the previous one's output), its propagation into inline task specs, the kubelet's `$(VAR)`
and `$$` expansion, then the real commands. Each component prints what it received, which must be
exactly what the IR holds.
"""

from __future__ import annotations

import ast
import json

import pytest
import yaml

import kfpc
from conftest import GOLDEN
from tekton_sim import Outcome, simulate

pytest.importorskip("kfp.dsl.executor_main")

IR = yaml.safe_load((GOLDEN / "hostile_strings" / "pipeline.yaml").read_text("utf-8"))
TASKS = IR["root"]["dag"]["tasks"]


@pytest.fixture(scope="module", params=["v1", "v0.59"])
def outcome(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    manifest = kfpc.compile_file(str(GOLDEN / "hostile_strings" / "pipeline.yaml"), backend="tekton").documents[0]
    result = simulate(manifest, tmp_path_factory.mktemp("hostile"), version=request.param)
    assert result.status == "Succeeded", {n: s.reason for n, s in result.states.items()}
    return result


def expected(spec: dict) -> object:
    if "componentInputParameter" in spec:
        return IR["root"]["inputDefinitions"]["parameters"][spec["componentInputParameter"]]["defaultValue"]
    if "runtimeValue" in spec:
        return spec["runtimeValue"]["constant"]
    producer = TASKS[spec["taskOutputParameter"]["producerTask"]]
    return expected(producer["inputs"]["parameters"]["s"])  # `show` returns its input unchanged


def text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def pipeline_task(outcome: Outcome, ir_name: str) -> str:
    """The flat task of an IR root task: same name unless kfpc had to shorten it."""
    if ir_name in outcome.states:
        return ir_name
    matches = [n for n in outcome.states if n.startswith(ir_name[:19])]
    assert len(matches) == 1, (ir_name, matches)
    return matches[0]


@pytest.mark.parametrize("ir_name", sorted(TASKS))
def test_value_arrives_unchanged(outcome: Outcome, ir_name: str) -> None:
    ir_task = TASKS[ir_name]
    stdout = outcome.stdout(pipeline_task(outcome, ir_name))
    component = ir_task["componentRef"]["name"]
    if component.startswith("comp-echo-argv"):
        s = text(expected(ir_task["inputs"]["parameters"]["s"]))
        args = [s, "{{workflow.name}}|" + s + "|$(params.x)", "{{inputs.parameters.s}}", "$(params.s)"]
        assert stdout == "".join(f"<{a}>\n" for a in args)
    elif component.startswith("comp-show-json"):
        lines = [line for line in stdout.splitlines() if line.startswith(("['", "{'", "{\""))]
        assert [ast.literal_eval(line) for line in lines[-2:]] == \
            [expected(ir_task["inputs"]["parameters"][n]) for n in ("items", "mapping")]
    else:
        s = text(expected(ir_task["inputs"]["parameters"]["s"]))
        assert s.encode("utf-8").hex() in stdout.split(), "show prints the hex of what it received"


def test_every_hostile_form_is_covered() -> None:
    seen = " ".join(text(expected(t["inputs"]["parameters"]["s"])) for t in TASKS.values()
                    if "s" in t.get("inputs", {}).get("parameters", {}))
    for fragment in ("$(params.x)", "$(context.pipelineRun.name)", "$$", "$(id)", "\\n", "\x07", "\U000E007F"):
        assert fragment in seen


def test_no_user_text_reaches_a_script() -> None:
    manifest = kfpc.compile_file(str(GOLDEN / "hostile_strings" / "pipeline.yaml"), backend="tekton").documents[0]
    for task in manifest["spec"]["pipelineSpec"]["tasks"]:
        for step in task["taskSpec"]["steps"]:
            assert "script" not in step


def test_display_names_and_descriptions_are_not_substituted() -> None:
    manifest = kfpc.compile_file(str(GOLDEN / "hostile_strings" / "pipeline.yaml"), backend="tekton").documents[0]
    names = [t.get("displayName", "") for t in manifest["spec"]["pipelineSpec"]["tasks"]]
    assert "echo {{workflow.name}} $\u2060(params.x)" in names, "reads as written; no `$(` for Tekton to substitute"
    assert not any("KFPC_D" in n for n in names), "nothing expands $(KFPC_D) in a display name"
