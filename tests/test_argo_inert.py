"""User text outside `templates` is inert: Argo substitutes the whole spec but its templates, so
descriptions there could stop a workflow (`{{` unclosed) or be rewritten (`{{workflow.name}}`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

import argo_sim
import kfpc
from conftest import GOLDEN

HOSTILE = ["unclosed {{ brace", "named {{workflow.name}} here", "math {{=1/0}}", "both }} and {{"]
GLOBALS = {"workflow.name": "wf-1", "workflow.uid": "u", "workflow.namespace": "ml"}


def ir_with_descriptions() -> str:
    docs = list(yaml.safe_load_all((GOLDEN / "hostile_strings" / "pipeline.yaml").read_text("utf-8")))
    params = docs[0]["root"]["inputDefinitions"]["parameters"]
    for name, text in zip(sorted(params), HOSTILE + ["plain description"]):
        params[name]["description"] = text
    docs[0]["pipelineInfo"]["description"] = "pipeline {{ description {{workflow.name}}"
    return yaml.safe_dump_all(docs, sort_keys=False)


@pytest.mark.parametrize("kind", ["run", "template", "cron"])
def test_descriptions_survive_the_controller_verbatim(kind: str) -> None:
    from kfpc.backend import Options
    from kfpc.run_options import RunOptions

    run = RunOptions(kind=kind, schedule="0 2 * * *" if kind == "cron" else None)
    (doc,) = kfpc.compile_text(ir_with_descriptions(), "argo", Options(run=run)).documents
    spec = doc["spec"]["workflowSpec"] if kind == "cron" else doc["spec"]
    before = {k: v for k, v in spec.items() if k != "templates"}
    after = argo_sim.substitute_global_variables(spec, GLOBALS)  # raised before: unclosed tag
    assert after == json.loads(json.dumps(before)), "Argo would change the spec outside templates"
    moved = json.loads(doc["metadata"]["annotations"]["kfpc.dev/parameter-descriptions"])
    assert sorted(moved.values()) == sorted(HOSTILE)
    kept = [p for p in spec["arguments"]["parameters"] if "description" in p]
    assert [p["description"] for p in kept] == ["plain description"]


def test_every_golden_spec_is_inert_outside_templates() -> None:
    for case in sorted(p.name for p in GOLDEN.iterdir() if (p / "argo.yaml").exists()):
        spec: dict[str, Any] = yaml.safe_load((GOLDEN / case / "argo.yaml").read_text("utf-8"))["spec"]
        before = {k: v for k, v in spec.items() if k != "templates"}
        text = json.dumps(before)
        # the one tag kfpc itself writes there: the KFP workspace claim's name
        assert text.replace("{{workflow.name}}-kfp-workspace", "").count("{{") == 0, case


def test_user_text_argo_would_substitute_elsewhere_is_refused() -> None:
    """The KFP workspace's Kubernetes patch lands in spec.volumeClaimTemplates, outside templates."""
    from kfpc.errors import KfpcError

    docs = list(yaml.safe_load_all((GOLDEN / "kfp_workspace" / "pipeline.yaml").read_text("utf-8")))
    docs[1]["platforms"]["kubernetes"]["pipelineConfig"]["workspace"]["kubernetes"]["pvcSpecPatch"] = {
        "storageClassName": "fast", "volumeAttributesClassName": "x{{workflow.name}}"}
    with pytest.raises(KfpcError, match="outside the templates"):
        kfpc.compile_text(yaml.safe_dump_all(docs, sort_keys=False), "argo")
    assert kfpc.compile_file(str(GOLDEN / "kfp_workspace" / "pipeline.yaml"), "argo").documents
