"""Run-time behaviour of compiled Workflows, followed through tests/argo_sim.py."""

from __future__ import annotations

import yaml

from argo_sim import dag_arguments, pod_spec_patch
from conftest import GOLDEN


def load(case: str) -> tuple[dict, dict]:
    wf = yaml.safe_load((GOLDEN / case / "argo.yaml").read_text("utf-8"))
    return wf, {t["name"]: t for t in wf["spec"]["templates"]}


def test_resources_known_only_at_run_time_reach_the_pod() -> None:
    wf, templates = load("retry_resources_env")
    root = templates[wf["spec"]["entrypoint"]]
    globals_ = {f"workflow.parameters.{p['name']}": p.get("value", "") for p in wf["spec"]["arguments"]["parameters"]}
    tasks = {"tasks.pick-memory.outputs.parameters.Output": "1Gi"}
    found = {}
    for task in root["dag"]["tasks"]:
        template = templates[task["template"]]
        if "podSpecPatch" in template:
            args = dag_arguments(root, task["name"], globals_, {}, tasks)
            found[task["name"]] = pod_spec_patch(template, args, globals_)["containers"][0]["resources"]
    assert found == {
        "work-4": {"limits": {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "2"},
                   "requests": {"cpu": "250m", "memory": "256Mi"}},
        "work-5": {"limits": {"memory": "1Gi"}},
    }


def test_a_task_after_failures_gets_the_default_of_a_failed_producers_output() -> None:
    wf, templates = load("exit_handler")
    root = templates[wf["spec"]["entrypoint"]]
    failed = {"tasks.maybe-fail-2.status": "Failed", "tasks.exit-handler-1.status": "Failed"}
    args = dag_arguments(root, "cleanup", {}, {}, failed)
    assert args["upstream_result"] == "upstream failed"
    ran = {**failed, "tasks.maybe-fail-2.status": "Succeeded", "tasks.maybe-fail-2.outputs.parameters.Output": "ok"}
    assert dag_arguments(root, "cleanup", {}, {}, ran)["upstream_result"] == "ok"


def test_create_and_delete_pvc_manifests_are_valid_claims() -> None:
    import json

    from argo_sim import resolve

    wf, templates = load("kubernetes_platform")
    root = templates[wf["spec"]["entrypoint"]]
    globals_ = {"workflow.name": "wf-1", **{f"workflow.parameters.{p['name']}": p.get("value", "")
                                            for p in wf["spec"].get("arguments", {}).get("parameters", [])}}
    create = next(t for t in root["dag"]["tasks"] if templates[t["template"]].get("resource", {}).get("action") == "create")
    args = dag_arguments(root, create["name"], globals_, {}, {})
    flat = {**globals_, **{f"inputs.parameters.{k}": v for k, v in args.items()}}
    claim = json.loads(resolve(templates[create["template"]]["resource"]["manifest"], flat))
    assert claim["kind"] == "PersistentVolumeClaim"
    assert claim["metadata"]["name"].startswith("wf-1-") or claim["metadata"]["name"] == args.get("pvc_name")
    assert claim["spec"]["accessModes"] == json.loads(args["access_modes"])
    assert claim["spec"]["resources"]["requests"]["storage"] == args["size"]
    delete = next(t for t in root["dag"]["tasks"] if templates[t["template"]].get("resource", {}).get("action") == "delete")
    created = {f"tasks.{create['name']}.outputs.parameters.name": claim["metadata"]["name"]}
    dargs = dag_arguments(root, delete["name"], globals_, {}, created)
    doomed = json.loads(resolve(templates[delete["template"]]["resource"]["manifest"],
                                {f"inputs.parameters.{k}": v for k, v in dargs.items()}))
    assert doomed["metadata"]["name"] == claim["metadata"]["name"]
