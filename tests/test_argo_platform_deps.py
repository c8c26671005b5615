"""Dependencies only the platform spec states (older SDKs: a PVC mount names a CreatePVC task's
output, dependentTasks does not): the plan derives them, so both backends wait for the producer."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import argo_checks
import kfpc
from kfpc.errors import KfpcError

FIXTURE = Path(__file__).parent / "fixtures" / "pvc_named_by_platform_only.yaml"


def test_the_plan_waits_for_the_claim_creator() -> None:
    plan, _ = kfpc.load_plan(str(FIXTURE))
    tasks = {t.key: t for t in plan.root_dag.tasks}
    assert "createpvc" in tasks["build-data"].depends and "createpvc" in tasks["check-data"].depends
    order = [t.key for t in plan.root_dag.tasks]
    assert order.index("createpvc") < order.index("build-data") < order.index("check-data")


def test_argo_consumer_depends_on_the_claim_creator() -> None:
    (wf,) = kfpc.compile_file(str(FIXTURE), "argo").documents
    root = next(t for t in wf["spec"]["templates"] if t["name"] == "root")
    tasks = {t["name"]: t for t in root["dag"]["tasks"]}
    assert "createpvc.Succeeded" in tasks["build-data"]["depends"]
    assert not argo_checks.problems(wf)


def test_tekton_compiles_and_runs_after_the_claim_creator() -> None:
    """Was a KeyError (internal error) before the plan knew the dependency."""
    (run,) = [d for d in kfpc.compile_file(str(FIXTURE), "tekton").documents if d["kind"] == "PipelineRun"]
    tasks = {t["name"]: t for t in run["spec"]["pipelineSpec"]["tasks"]}
    assert "createpvc" in tasks["build-data"].get("runAfter", [])


def test_a_cycle_through_the_platform_spec_is_a_clear_error() -> None:
    docs = list(yaml.safe_load_all(FIXTURE.read_text("utf-8")))
    docs[0]["root"]["dag"]["tasks"]["createpvc"]["dependentTasks"] = ["build-data"]
    with pytest.raises(KfpcError) as err:
        kfpc.compile_text(yaml.safe_dump_all(docs), "argo")
    assert err.value.diagnostics[0].code == "KFPC307" and "createpvc" in str(err.value.diagnostics[0].message)
