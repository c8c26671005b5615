"""IR features that real pipelines use and kfpc once dropped or refused (issue: IR coverage, parts 2-3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import REPO

import kfpc

FIXTURES = REPO / "tests" / "ir_fixtures"


def templates(wf: dict) -> dict[str, dict]:
    return {t["name"]: t for t in wf["spec"]["templates"]}


# -- TaskConfig passthrough ----------------------------------------------------------------------


def test_task_config_reaches_the_component_as_kfp_builds_it(tmp_path: Path) -> None:
    """The sample's own component asserts the whole TaskConfig value (as KFP's driver builds it) and
    that ENV, applied to the task too, is in its environment."""
    pytest.importorskip("kfp.dsl.executor_main")
    from test_launcher import run_task

    wf = kfpc.compile_file(str(FIXTURES / "task_config.yaml")).documents[0]
    tasks = {"tasks.createpvc.outputs.parameters.name": "kubernetes-task-config-pvc"}
    proc, _ = run_task(wf, "echo-task-config", tmp_path, {}, tasks)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "'claimName': 'wf-1-kfp-workspace'" in proc.stdout  # Argo's name for KFP's workspace claim


def test_task_config_fields_not_applied_to_the_task_stay_off_its_pod() -> None:
    wf = kfpc.compile_file(str(FIXTURES / "task_config.yaml")).documents[0]
    echo = templates(wf)["echo-task-config"]
    assert "resources" not in echo["container"]
    assert not {"nodeSelector", "tolerations", "affinity", "podSpecPatch"} & set(echo)
    mounts = echo["container"].get("volumeMounts", []) + [v for v in echo.get("volumes", [])]
    assert not any(m.get("mountPath") == "/data" or "persistentVolumeClaim" in m for m in mounts)
    assert {"name": "ENV1", "value": "val1"} in echo["container"]["env"]  # applyToTask: true


def test_without_passthrough_everything_stays_on_the_pod_and_task_config_is_empty() -> None:
    docs = list(yaml.safe_load_all((FIXTURES / "task_config.yaml").read_text("utf-8")))
    del docs[0]["components"]["comp-echo-task-config"]["taskConfigPassthroughs"]
    wf = kfpc.compile_text(yaml.safe_dump(docs[0]) + "---\n" + yaml.safe_dump(docs[1])).documents[0]
    echo = templates(wf)["echo-task-config"]
    assert echo["container"]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    root = templates(wf)[wf["spec"]["entrypoint"]]
    task = next(t for t in root["dag"]["tasks"] if t["name"] == "echo-task-config")
    value = next(a["value"] for a in task["arguments"]["parameters"] if a["name"] == "task_config")
    assert json.loads(value) == {"affinity": None, "tolerations": None, "nodeSelector": None, "env": None,
                                 "volumes": None, "volumeMounts": None, "resources": {}}


def test_task_config_on_tekton() -> None:
    """Tekton's KFP workspace is a directory of the run's volume: no claim to hand on, so refused;
    without the workspace the value is built as on Argo."""
    with pytest.raises(kfpc.KfpcError) as info:
        kfpc.compile_file(str(FIXTURES / "task_config.yaml"), "tekton")
    assert info.value.code == "KFPC400" and "TaskConfig" in str(info.value)
    docs = list(yaml.safe_load_all((FIXTURES / "task_config.yaml").read_text("utf-8")))
    docs[0]["root"]["dag"]["tasks"]["echo-task-config"]["inputs"]["parameters"]["workspace_path"] = {
        "runtimeValue": {"constant": "/tmp"}}
    run = kfpc.compile_text(yaml.safe_dump(docs[0]) + "---\n" + yaml.safe_dump(docs[1]), "tekton").documents[-1]
    specs = [json.loads(e["value"]) for t in run["spec"]["pipelineSpec"]["tasks"] for s in t["taskSpec"]["steps"]
             for e in s.get("env", []) if e["name"] == "KFPC_SPEC"]
    given = next(q for spec in specs for q in spec.get("p", []) if q[0] == "task_config")
    assert '"nodeSelector":{"disktype":"ssd"}' in json.dumps(given[2], separators=(",", ":")).replace('\\"', '"')


def test_unknown_passthrough_field_is_refused() -> None:
    docs = list(yaml.safe_load_all((FIXTURES / "task_config.yaml").read_text("utf-8")))
    docs[0]["components"]["comp-echo-task-config"]["taskConfigPassthroughs"].append({"field": "GPU"})
    with pytest.raises(kfpc.KfpcError) as info:
        kfpc.compile_text(yaml.safe_dump(docs[0]))
    assert info.value.code in ("KFPC200", "KFPC316")


# -- dsl.Literal parameters ----------------------------------------------------------------------


def test_literal_parameter_outside_its_list_is_a_usage_error() -> None:
    from kfpc.backend import Options
    from kfpc.errors import UsageError

    plan, _ = kfpc.load_plan(str(FIXTURES / "literal_input.yaml"))
    with pytest.raises(UsageError) as info:
        kfpc.compile_plan(plan, "argo", Options(params=(("environment", "zzz"),)))
    assert info.value.exit_status == 2
    assert "'dev', 'staging', 'prod'" in str(info.value) and "'zzz'" in str(info.value)
    wf = kfpc.compile_plan(plan, "argo", Options(params=(("environment", "prod"),))).documents[0]
    assert wf["spec"]["arguments"]["parameters"] == [{"name": "environment", "value": "prod",
                                                      "enum": ["dev", "staging", "prod"]}]


def test_literal_numbers_compare_as_kfp_does() -> None:
    from kfpc.plan.arguments import allowed

    assert allowed(1, 1.0) and not allowed(True, 1) and not allowed(1, True) and allowed("a", "a")


@pytest.mark.parametrize("version", ["v1", "v0.59"])
def test_tekton_checks_literal_values_at_run_time(tmp_path: Path, version: str) -> None:
    pytest.importorskip("kfp.dsl.executor_main")
    from tekton_sim import simulate

    run = kfpc.compile_file(str(FIXTURES / "literal_input.yaml"), "tekton").documents[0]
    bad = simulate(run, tmp_path / "bad", params={"environment": "zzz"}, version=version)
    assert bad.status == "Failed" and not bad.ran("producer") and not bad.ran("consumer")
    assert "allowed values are 'dev', 'staging', 'prod'" in json.dumps(
        [s for state in bad.states.values() for r in state.runs for s in r.steps])
    good = simulate(run, tmp_path / "good", params={"environment": "dev"}, version=version)
    # Tekton's reason for a successful run with a skipped task (the check) is Completed.
    assert good.status == "Completed" and good.ran("consumer") and not good.ran("literal-environment")


def test_literal_component_inputs_check_constants_and_warn_about_run_time_values() -> None:
    doc = yaml.safe_load((FIXTURES / "literal_input.yaml").read_text("utf-8"))
    doc["components"]["comp-consumer"]["inputDefinitions"]["parameters"]["input_value"]["literals"] = ["a", "b"]
    warnings = kfpc.compile_text(yaml.safe_dump(doc)).warnings
    assert any("dsl.Literal" in w and "consumer.input_value" in w for w in warnings), warnings
    doc["root"]["dag"]["tasks"]["consumer"]["inputs"]["parameters"]["input_value"] = {"runtimeValue": {"constant": "c"}}
    with pytest.raises(kfpc.KfpcError) as info:
        kfpc.compile_text(yaml.safe_dump(doc))
    assert info.value.code == "KFPC313" and "'a', 'b'" in str(info.value)
    assert info.value.diagnostics[0].path[-1] == "input_value"


# -- the SDK's OutputPath quirk in container components -------------------------------------------


@pytest.mark.parametrize("backend", ["argo", "tekton"])
def test_output_path_of_a_container_component_is_the_artifact_path(backend: str) -> None:
    result = kfpc.compile_file(str(FIXTURES / "output_path_container.yaml"), backend)
    quirk = [w for w in result.warnings if "output parameter placeholder" in w]
    assert len(quirk) == 1 and "comp-train.model_path" in quirk[0]
    assert "model_path" in json.dumps(result.documents)


def test_output_path_runs_and_hands_the_artifact_on(tmp_path: Path) -> None:
    pytest.importorskip("kfp.dsl.executor_main")
    from tekton_sim import simulate

    run = kfpc.compile_file(str(FIXTURES / "output_path_container.yaml"), "tekton").documents[0]
    outcome = simulate(run, tmp_path, params={"epochs": "7"}, version="v1")
    assert outcome.status == "Succeeded", {n: s.status for n, s in outcome.states.items()}
    assert "epochs=7" in outcome.stdout("show")


def test_unknown_output_placeholder_points_at_the_argument() -> None:
    doc = yaml.safe_load((FIXTURES / "output_path_container.yaml").read_text("utf-8"))
    args = doc["deploymentSpec"]["executors"]["exec-train"]["container"]["args"]
    args[1] = "{{$.outputs.parameters['nothing'].output_file}}"
    with pytest.raises(kfpc.KfpcError) as info:
        kfpc.compile_text(yaml.safe_dump(doc))
    diag = info.value.diagnostics[0]
    assert diag.code == "KFPC304" and diag.path[-2:] == ("args", 1) and diag.line is not None


# -- booleans written as numbers by old SDKs ------------------------------------------------------


def _boolean_ir(default: object, constant: object) -> dict:
    doc = yaml.safe_load((REPO / "golden" / "hello_container" / "pipeline.yaml").read_text("utf-8"))
    doc["root"]["inputDefinitions"]["parameters"]["flag"] = {"parameterType": "BOOLEAN", "defaultValue": default}
    doc["components"]["comp-echo"]["inputDefinitions"]["parameters"]["on"] = {"parameterType": "BOOLEAN"}
    doc["deploymentSpec"]["executors"]["exec-echo"]["container"]["args"].append("{{$.inputs.parameters['on']}}")
    doc["root"]["dag"]["tasks"]["echo"]["inputs"]["parameters"]["on"] = {"runtimeValue": {"constant": constant}}
    return doc


def test_booleans_written_as_numbers_are_read_with_one_warning() -> None:
    result = kfpc.compile_text(yaml.safe_dump(_boolean_ir(1.0, 0.0)))
    found = [w for w in result.warnings if "BOOLEAN value written as 1.0 or 0.0" in w]
    assert len(found) == 1 and "2 places" in found[0], result.warnings
    wf = result.documents[0]
    assert {"name": "flag", "value": "true"} in wf["spec"]["arguments"]["parameters"]
    assert "false" in json.dumps(wf["spec"]["templates"])


@pytest.mark.parametrize("bad", [2.0, "yes", 0.5])
def test_other_non_booleans_stay_errors(bad: object) -> None:
    with pytest.raises(kfpc.KfpcError) as info:
        kfpc.compile_text(yaml.safe_dump(_boolean_ir(True, bad)))
    assert info.value.code == "KFPC313"


# -- IR wrapped by KFP's own tools ---------------------------------------------------------------


def _golden_docs(case: str) -> list[dict]:
    return list(yaml.safe_load_all((REPO / "golden" / case / "pipeline.yaml").read_text("utf-8")))


@pytest.mark.parametrize("backend", ["argo", "tekton"])
def test_pipeline_version_manifest_is_unwrapped(backend: str) -> None:
    ir, platform = _golden_docs("kubernetes_platform")
    bare = kfpc.compile_text(yaml.safe_dump(ir) + "---\n" + yaml.safe_dump(platform), backend)
    version = {"apiVersion": "pipelines.kubeflow.org/v2beta1", "kind": "PipelineVersion",
               "metadata": {"name": "p"}, "spec": {"pipelineName": "p", "pipelineSpec": ir, "platformSpec": platform}}
    pipeline = {"apiVersion": "pipelines.kubeflow.org/v2beta1", "kind": "Pipeline", "metadata": {"name": "p"}}
    wrapped = kfpc.compile_text(yaml.safe_dump(pipeline) + "---\n" + yaml.safe_dump(version), backend)
    assert wrapped.documents == bare.documents
    assert any("PipelineVersion" in w for w in wrapped.warnings)


def test_errors_inside_a_wrapper_point_at_its_lines() -> None:
    (ir,) = _golden_docs("hello_container")
    ir["root"]["dag"]["tasks"]["echo"]["componentRef"]["name"] = "comp-missing"
    version = {"apiVersion": "pipelines.kubeflow.org/v2beta1", "kind": "PipelineVersion", "metadata": {"name": "p"},
               "spec": {"pipelineSpec": ir}}
    text = yaml.safe_dump(version, sort_keys=False)
    with pytest.raises(kfpc.KfpcError) as info:
        kfpc.compile_text(text)
    diag = info.value.diagnostics[0]
    assert diag.code == "KFPC301" and "comp-missing" in text.splitlines()[diag.line - 1]


def test_vertex_pipeline_job_values_become_the_run_values() -> None:
    (ir,) = _golden_docs("hello_container")
    job = {"displayName": "hello", "pipelineSpec": ir,
           "runtimeConfig": {"gcsOutputDirectory": "gs://bucket/root", "parameterValues": {"message": "from the job"}}}
    result = kfpc.compile_text(json.dumps(job))
    wf = result.documents[0]
    assert wf["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "from the job"}]
    from kfpc.compiler import plan_source
    from kfpc.ir import load

    assert plan_source(load.load_text("job.json", json.dumps(job)))[0].pipeline_root == "gs://bucket/root"
    job["runtimeConfig"]["parameterValues"] = {"nope": 1}
    with pytest.raises(kfpc.KfpcError) as info:
        kfpc.compile_text(json.dumps(job))
    assert info.value.code == "KFPC313" and "nope" in str(info.value)


# -- Vertex AI features: json_escape implemented, the rest refused once each -------------------------


def _vertex_ir(args: list[str]) -> dict:
    (doc,) = _golden_docs("hello_container")
    container = doc["deploymentSpec"]["executors"]["exec-echo"]["container"]
    container["image"], container["command"], container["args"] = "python:3.12", ["python3", "-c"], args
    return doc


def test_json_escape_embeds_values_in_a_json_payload(tmp_path: Path) -> None:
    pytest.importorskip("kfp.dsl.executor_main")
    from tekton_sim import simulate

    program = ("import json, sys; p = json.loads(sys.argv[1]); print('MESSAGE', p['m']); "
               "print('RAW', sys.argv[2]); print('INPUTS', json.loads(p['ei'])['inputs']['parameterValues'])")
    payload = ('{"m": "{{$.inputs.parameters[\'message\'].json_escape[1]}}", "ei": "{{$.json_escape[1]}}"}')
    doc = _vertex_ir([program, payload, "{{$.inputs.parameters['message'].json_escape[0]}}"])
    run = kfpc.compile_text(yaml.safe_dump(doc), "tekton").documents[0]
    message = 'say "hi"\\ there'
    outcome = simulate(run, tmp_path, params={"message": message}, version="v1")
    out = outcome.stdout("echo")
    assert outcome.status == "Succeeded", out
    assert f"MESSAGE {message}" in out and f"RAW {message}" in out
    assert f"INPUTS {{'message': {message!r}}}" in out


def test_vertex_only_placeholders_are_refused_once_with_a_count() -> None:
    doc = _vertex_ir(["--project={{$.pipeline_google_cloud_project_id}}",
                      "--where={{$.pipeline_google_cloud_location}}", "{{$.pipeline_google_cloud_project_id}}"])
    doc["root"]["dag"]["tasks"]["echo"]["inputs"]["parameters"]["message"] = {
        "runtimeValue": {"constant": "{{$.pipeline_google_cloud_project_id}}"}}
    with pytest.raises(kfpc.KfpcError) as info:
        kfpc.compile_text(yaml.safe_dump(doc))
    diags = info.value.diagnostics
    assert [d.code for d in diags] == ["KFPC317", "KFPC317"], str(info.value)
    project = next(d for d in diags if "project_id" in d.message)
    assert "Vertex AI" in project.message and "3 uses" in project.message


def test_custom_job_executors_are_refused_once_as_vertex_only() -> None:
    (doc,) = _golden_docs("hello_container")
    doc["deploymentSpec"]["executors"]["exec-echo"] = {"customJob": {"customJob": {"displayName": "x"}}}
    doc["deploymentSpec"]["executors"]["exec-two"] = {"customJob": {"customJob": {"displayName": "y"}}}
    doc["components"]["comp-two"] = {"executorLabel": "exec-two"}
    doc["root"]["dag"]["tasks"]["two"] = {"componentRef": {"name": "comp-two"}, "taskInfo": {"name": "two"}}
    with pytest.raises(kfpc.KfpcError) as info:
        kfpc.compile_text(yaml.safe_dump(doc))
    assert [d.code for d in info.value.diagnostics] == ["KFPC317"]
    assert "Vertex AI only" in str(info.value) and "2 components" in str(info.value)


def test_a_setting_that_reads_a_task_output_waits_for_that_task() -> None:
    """kfp 2.0 betas wrote no dependentTasks for a PVC mount named by CreatePVC's output."""
    docs = list(yaml.safe_load_all((FIXTURES / "task_config.yaml").read_text("utf-8")))
    del docs[0]["components"]["comp-echo-task-config"]["taskConfigPassthroughs"]
    del docs[0]["root"]["dag"]["tasks"]["echo-task-config"]["dependentTasks"]
    docs[0]["root"]["dag"]["tasks"]["echo-task-config"]["inputs"]["parameters"]["workspace_path"] = {
        "runtimeValue": {"constant": "/tmp"}}
    text = yaml.safe_dump(docs[0]) + "---\n" + yaml.safe_dump(docs[1])
    wf = kfpc.compile_text(text).documents[0]
    root = templates(wf)[wf["spec"]["entrypoint"]]
    echo = next(t for t in root["dag"]["tasks"] if t["name"] == "echo-task-config")
    assert "createpvc" in echo["depends"]
    run = kfpc.compile_text(text, "tekton").documents[0]
    echo = next(t for t in run["spec"]["pipelineSpec"]["tasks"] if t["name"] == "echo-task-config")
    assert "createpvc" in echo["runAfter"]
