"""User strings reach the container byte-for-byte (issue: "never evaluated").

Follows every value of golden/hostile_strings from the IR through the compiled Workflow, Argo's
substitution passes (with re-scanning) and the kubelet's `$(VAR)` expansion (tests/argo_sim.py),
to the argv and environment the container finally gets.
"""

from __future__ import annotations

import pytest
import yaml

from argo_sim import dag_arguments, pod
from conftest import GOLDEN

IR = yaml.safe_load((GOLDEN / "hostile_strings" / "pipeline.yaml").read_text("utf-8"))
WF = yaml.safe_load((GOLDEN / "hostile_strings" / "argo.yaml").read_text("utf-8"))
TEMPLATES = {t["name"]: t for t in WF["spec"]["templates"]}
ROOT = TEMPLATES[WF["spec"]["entrypoint"]]
GLOBALS = {"workflow.name": "wf-abc12", "workflow.uid": "uid-1", "workflow.creationTimestamp": "2026-01-01T00:00:00Z",
           **{f"workflow.parameters.{p['name']}": p.get("value", "") for p in WF["spec"]["arguments"]["parameters"]}}


def expected_value(spec: dict) -> object:
    if "componentInputParameter" in spec:
        return IR["root"]["inputDefinitions"]["parameters"][spec["componentInputParameter"]]["defaultValue"]
    if "runtimeValue" in spec:
        return spec["runtimeValue"]["constant"]
    producer = IR["root"]["dag"]["tasks"][spec["taskOutputParameter"]["producerTask"]]
    return expected_value(producer["inputs"]["parameters"]["s"])  # `show` returns its input unchanged


def outputs_of_show() -> dict[str, str]:
    """Producer outputs as Argo holds them: raw text (the launcher writes what the function returned)."""
    out = {}
    for task in ROOT["dag"]["tasks"]:
        ir_task = IR["root"]["dag"]["tasks"].get(task["name"])
        if ir_task and ir_task["componentRef"]["name"].startswith("comp-show") and "s" in ir_task["inputs"]["parameters"]:
            out[f"tasks.{task['name']}.outputs.parameters.Output"] = expected_value(ir_task["inputs"]["parameters"]["s"])
    return out


def text(value: object) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


CASES = [t["name"] for t in ROOT["dag"]["tasks"]]


@pytest.mark.parametrize("task_name", CASES)
def test_value_arrives_unchanged(task_name: str) -> None:
    task = next(t for t in ROOT["dag"]["tasks"] if t["name"] == task_name)
    ir_task = IR["root"]["dag"]["tasks"][task_name]
    args = dag_arguments(ROOT, task_name, GLOBALS, {}, outputs_of_show())
    argv, env = pod(TEMPLATES[task["template"]], args, GLOBALS)
    if ir_task["componentRef"]["name"].startswith("comp-echo-argv"):
        s = text(expected_value(ir_task["inputs"]["parameters"]["s"]))
        assert argv == ["printf", "<%s>\\n", s, "{{workflow.name}}|" + s + "|$(params.x)",
                        "{{inputs.parameters.s}}", "$(params.s)"]
    elif ir_task["componentRef"]["name"].startswith("comp-show-json"):
        for name in ("items", "mapping"):
            assert yaml.safe_load(env[f"KFPC_IN_{name}"]) == expected_value(ir_task["inputs"]["parameters"][name])
    else:
        assert env["KFPC_IN_s"] == text(expected_value(ir_task["inputs"]["parameters"]["s"]))
        assert argv[:2] == ["python3", "-c"]
        component = IR["deploymentSpec"]["executors"]["exec-" + ir_task["componentRef"]["name"][5:]]["container"]
        assert argv[3:] == component["command"] + component["args"], "the component's own command runs unchanged"


def test_every_hostile_form_is_covered() -> None:
    seen = " ".join(text(expected_value(t["inputs"]["parameters"]["s"])) for t in IR["root"]["dag"]["tasks"].values()
                    if "s" in t.get("inputs", {}).get("parameters", {}))
    for fragment in ("{{workflow.name}}", "{{=1+1}}", "lone{{", "$(params.x)", "$$", "\\n", "\x07", "\U000E007F"):
        assert fragment in seen
