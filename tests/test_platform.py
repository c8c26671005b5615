"""kfp-kubernetes settings (the IR's second document) land where each engine applies them.

For every setting an IR carries, a shape that must appear in the compiled manifest (as a subset of
some object in it); run over every corpus file with a platform spec and the golden case, on both
backends. Plus: unknown settings are errors that point at the second document."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

import kfpc
import tekton_checks
from conftest import CORPUS, GOLDEN, corpus_files, needs_corpus


def objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from objects(item)
    elif isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        try:  # Argo's podSpecPatch is JSON text
            yield from objects(json.loads(value))
        except ValueError:
            pass


def subset(pattern: Any, value: Any) -> bool:
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and subset(v, value[k]) for k, v in pattern.items())
    if isinstance(pattern, list):
        return isinstance(value, list) and all(any(subset(p, v) for v in value) for p in pattern)
    return pattern == value or (isinstance(value, str) and isinstance(pattern, str) and pattern in value)


def present(manifest: Any, pattern: dict[str, Any]) -> bool:
    return any(subset(pattern, obj) for obj in objects(manifest))


def expectations(executor: dict[str, Any], backend: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(setting, shape that must appear) for one executor's settings."""
    for item in executor.get("secretAsEnv", []):
        for pair in item["keyToEnv"]:
            yield "secretAsEnv", {"name": pair["envVar"], "valueFrom": {"secretKeyRef": {"key": pair["secretKey"]}}}
    for item in executor.get("configMapAsEnv", []):
        for pair in item["keyToEnv"]:
            yield "configMapAsEnv", {"name": pair["envVar"],
                                     "valueFrom": {"configMapKeyRef": {"key": pair["configMapKey"]}}}
    for key, kind in (("secretAsVolume", "secret"), ("configMapAsVolume", "configMap"), ("pvcMount", "pvc")):
        for item in executor.get(key, []):
            yield key, {"mountPath": item["mountPath"]}
            yield key, {"persistentVolumeClaim" if kind == "pvc" else kind: {}}
    for item in executor.get("fieldPathAsEnv", []):
        yield "fieldPathAsEnv", {"name": item["name"], "valueFrom": {"fieldRef": {"fieldPath": item["fieldPath"]}}}
    for item in executor.get("emptyDirMounts", []):
        yield "emptyDirMounts", {"name": item["volumeName"], "emptyDir": {}}
        yield "emptyDirMounts", {"name": item["volumeName"], "mountPath": item["mountPath"]}
    for item in executor.get("genericEphemeralVolume", []):
        yield "genericEphemeralVolume", {"name": item["volumeName"], "ephemeral": {"volumeClaimTemplate": {}}}
    labels = (executor.get("nodeSelector") or {}).get("labels")
    if labels:
        yield "nodeSelector", {"nodeSelector": labels}
    for item in executor.get("tolerations", []):
        if "key" in item:
            yield "tolerations", {"tolerations": [{"key": item["key"]}]}
    for item in executor.get("nodeAffinity", []):
        if "matchExpressions" in item:
            yield "nodeAffinity", {"nodeAffinity": {}}
        elif item.get("nodeAffinityJson", {}).get("runtimeValue", {}).get("constant"):
            yield "nodeAffinity", {"nodeAffinity": item["nodeAffinityJson"]["runtimeValue"]["constant"]}
    meta = executor.get("podMetadata") or {}
    for kind in ("labels", "annotations"):
        if meta.get(kind):
            yield "podMetadata", {kind: meta[kind]}
    for item in executor.get("imagePullSecret", []):
        if "secretName" in item:
            yield "imagePullSecret", {"imagePullSecrets": [{"name": item["secretName"]}]}
    if executor.get("activeDeadlineSeconds"):
        seconds = int(executor["activeDeadlineSeconds"])
        yield "activeDeadlineSeconds", {"activeDeadlineSeconds": str(seconds)} if backend == "argo" else \
            {"timeout": f"{seconds}s"}
    if executor.get("securityContext"):
        yield "securityContext", {"securityContext": {"runAsUser": int(executor["securityContext"]["runAsUser"])}}
    for item in executor.get("initContainers", []):
        yield "initContainers", {"name": item["name"] if backend == "argo" else "init-" + item["name"],
                                 "image": item["image"]}
    if executor.get("enabledSharedMemory"):
        yield "enabledSharedMemory", {"mountPath": "/dev/shm"}


def platform_files() -> list[Path]:
    files = [GOLDEN / "kubernetes_platform" / "pipeline.yaml", GOLDEN / "platform_runtime" / "pipeline.yaml"]
    for path in corpus_files("pipelines", "components", "platform"):
        if "\nplatforms:" in path.read_text("utf-8"):
            files.append(path)
    return files


@pytest.mark.parametrize("backend", ["argo", "tekton"])
@pytest.mark.parametrize("path", [pytest.param(p, id=p.name) for p in platform_files()])
def test_every_setting_lands_in_the_manifest(path: Path, backend: str) -> None:
    platform = list(yaml.safe_load_all(path.read_text("utf-8")))[1]
    executors = platform["platforms"]["kubernetes"].get("deploymentSpec", {}).get("executors", {})
    compiled = tekton_checks.compile_any(str(path)) if backend == "tekton" else kfpc.compile_file(str(path), backend)
    manifest = json.loads(json.dumps(list(compiled.documents)))
    missing = [(setting, shape) for executor in executors.values() for setting, shape in expectations(executor, backend)
               if not present(manifest, shape)]
    assert not missing, missing


@pytest.mark.parametrize("path", needs_corpus(corpus_files("platform")))
@pytest.mark.parametrize("backend", ["argo", "tekton"])
def test_platform_corpus_is_valid_on_both_backends(path: Path, backend: str) -> None:
    import argo_checks
    import tekton_checks

    compiled = tekton_checks.compile_any(str(path)) if backend == "tekton" else kfpc.compile_file(str(path), backend)
    documents = json.loads(json.dumps(list(compiled.documents)))
    found = argo_checks.problems_any(documents[0]) if backend == "argo" else tekton_checks.problems_all(documents)
    assert not found, "\n".join(found[:20])


def test_an_unknown_setting_is_an_error_in_the_second_document(tmp_path: Path) -> None:
    text = (GOLDEN / "kubernetes_platform" / "pipeline.yaml").read_text("utf-8")
    doc2 = text.index("\nplatforms:")
    broken = text[:doc2] + text[doc2:].replace("        exec-list-mounts:\n", "        exec-list-mounts:\n"
                                               "          secretAsEnvv:\n          - secretName: x\n", 1)
    assert broken != text
    ir = tmp_path / "p.yaml"
    ir.write_text(broken, encoding="utf-8")
    line = broken.splitlines().index("          secretAsEnvv:") + 1
    proc = subprocess.run([sys.executable, "-m", "kfpc", "compile", str(ir), "-o", str(tmp_path / "out.yaml")],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{ir}:{line}:" in proc.stderr and "unknown kfp-kubernetes setting 'secretAsEnvv'" in proc.stderr
    assert not (tmp_path / "out.yaml").exists()


def test_settings_for_an_executor_the_pipeline_lacks_are_an_error(tmp_path: Path) -> None:
    """A typo in the executor's name would otherwise drop all of its task's settings silently."""
    text = (GOLDEN / "kubernetes_platform" / "pipeline.yaml").read_text("utf-8")
    doc2 = text.index("\nplatforms:")
    broken = text[:doc2] + text[doc2:].replace("        exec-list-mounts:\n", "        exec-list-mount:\n", 1)
    ir = tmp_path / "p.yaml"
    ir.write_text(broken, encoding="utf-8")
    line = broken.splitlines().index("        exec-list-mount:") + 1
    proc = subprocess.run([sys.executable, "-m", "kfpc", "validate", str(ir)], capture_output=True, text=True)
    assert proc.returncode == 1 and f"{ir}:{line}:" in proc.stderr, proc.stderr
    assert "executor 'exec-list-mount', which the pipeline does not have" in proc.stderr
    assert "did you mean 'exec-list-mounts'?" in proc.stderr


def test_pipeline_config_workspace_and_deadline() -> None:
    path = CORPUS / "pipelines" / "critical" / "pipeline_with_workspace.yaml"
    if not path.exists():
        pytest.skip("shared corpus not found")
    (wf,) = kfpc.compile_file(str(path), backend="argo").documents
    assert wf["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "kfp-workspace"
    assert "/kfp-workspace" in wf["spec"]["podSpecPatch"]
    (run,) = kfpc.compile_file(str(path), backend="tekton").documents
    tasks = run["spec"]["pipelineSpec"]["tasks"]
    assert all({"name": "kfp-workspace", "mountPath": "/kfp-workspace"} in t["taskSpec"]["workspaces"]
               for t in tasks if any(s["name"] == "main" for s in t["taskSpec"]["steps"]))


RUNTIME = GOLDEN / "platform_runtime" / "pipeline.yaml"
RUN_PARAMS = {"env": "prod", "rows": "10", "node_selector": '{"pool":"gpu"}',
              "tolerations": '[{"key":"gpu","operator":"Exists","effect":"NoSchedule"}]',
              "affinity": '{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":'
                          '[{"matchExpressions":[{"key":"zone","operator":"In","values":["a"]}]}]}}',
              "pull_secret": "registry-secret", "models_pvc": "models", "tls_secret": "tls-cert"}


def argo_pod(task: str, **params: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """One root-DAG task's template after Argo's substitution, and its podSpecPatch as the
    controller parses it, for the given run's parameter values."""
    import argo_sim

    (wf,) = kfpc.compile_file(str(RUNTIME), backend="argo").documents
    by_name = {t["name"]: t for t in wf["spec"]["templates"]}
    root = by_name[wf["spec"]["entrypoint"]]
    globals_ = {f"workflow.parameters.{k}": v for k, v in {**RUN_PARAMS, **params}.items()}
    tasks = {"tasks.pick-config.outputs.parameters.Output": "app-config-prod",
             "tasks.prepare.outputs.parameters.kfpc-id": "pod-1",
             "tasks.prepare.outputs.parameters.kfpc-meta-data": "{}",
             "tasks.train.outputs.parameters.Output": "10"}
    args = argo_sim.dag_arguments(root, task, globals_, {}, tasks)
    template = by_name[next(t for t in root["dag"]["tasks"] if t["name"] == task)["template"]]
    processed, _ = argo_sim._processed(template, args, globals_)
    patch = argo_sim.pod_spec_patch(template, args, globals_) if "podSpecPatch" in template else {}
    return processed, patch


def test_run_time_settings_reach_the_pod_on_argo() -> None:
    """Names and JSON settings given as pipeline parameters or task outputs take the run's values."""
    train, patch = argo_pod("train", pull_secret="other-secret", node_selector='{"pool":"cpu"}')
    assert patch["nodeSelector"] == {"pool": "cpu"}
    assert patch["tolerations"] == [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert patch["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert patch["imagePullSecrets"] == [{"name": "other-secret"}]
    env = {e["name"]: e for e in train["container"]["env"]}
    assert env["APP_MODE"]["valueFrom"]["configMapKeyRef"]["name"] == "app-config-prod"  # from pick-config
    report, _ = argo_pod("report", models_pvc="models-b", tls_secret="tls-b")
    volumes = {v["name"]: v for v in report["volumes"]}
    assert volumes["kfpc-pvc-models"]["persistentVolumeClaim"]["claimName"] == "models-b"
    assert volumes["kfpc-secret-tls"]["secret"]["secretName"] == "tls-b"


@pytest.mark.parametrize("tolerations, expected", [
    ('{"key":"a","operator":"Exists"}', [{"key": "a", "operator": "Exists"}]),  # one object, as KFP accepts
    ("[]", []),
    ('[{"key":"a","operator":"Exists"},{"key":"b","operator":"Exists"}]',
     [{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "Exists"}]),
])
def test_json_tolerations_of_any_shape_give_a_valid_pod_on_argo(tolerations: str, expected: list) -> None:
    _, patch = argo_pod("train", tolerations=tolerations, node_selector="{}")
    assert patch["tolerations"] == expected and patch["nodeSelector"] == {}


def test_pipeline_config_from_the_sdk_on_both_backends() -> None:
    """dsl.PipelineConfig(active_deadline_seconds=..., ttl_seconds_after_finished=...), and
    dsl.PipelineConfig(workspace=...) read through dsl.WORKSPACE_PATH_PLACEHOLDER."""
    import argo_sim

    (wf,) = kfpc.compile_file(str(RUNTIME), backend="argo").documents
    assert wf["spec"]["activeDeadlineSeconds"] == 3600 and wf["spec"]["ttlStrategy"] == {"secondsAfterCompletion": 86400}
    result = kfpc.compile_file(str(RUNTIME), backend="tekton")
    (run,) = result.documents
    assert run["spec"]["timeouts"]["pipeline"] == "3600s"
    assert any("TTL" in w for w in result.warnings)

    workspace = GOLDEN / "kfp_workspace" / "pipeline.yaml"
    (wf,) = kfpc.compile_file(str(workspace), backend="argo").documents
    claim = wf["spec"]["volumeClaimTemplates"][0]
    assert claim["metadata"]["name"] == "kfp-workspace" and claim["spec"]["resources"]["requests"]["storage"] == "2Gi"
    assert "/kfp-workspace" in wf["spec"]["podSpecPatch"]
    by_name = {t["name"]: t for t in wf["spec"]["templates"]}
    root = by_name[wf["spec"]["entrypoint"]]
    args = argo_sim.dag_arguments(root, "write", {"workflow.parameters.text": "hi"}, {}, {})
    argv, env = argo_sim.pod(by_name["write"], args, {"workflow.parameters.text": "hi"})
    assert env["KFPC_IN_workspace_path"] == "/kfp-workspace"
    (run,) = kfpc.compile_file(str(workspace), backend="tekton").documents
    assert run["spec"]["workspaces"][0]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"] == "2Gi"


def test_settings_only_the_proto_has_land_on_both_backends(tmp_path: Path) -> None:
    """podAffinity and enabledSharedMemory have no kfp-kubernetes helper (only the proto has them:
    kubernetes_platform/proto/kubernetes_executor_config.proto:40-41 @2.17.0) and initContainers
    only one at kfp HEAD; an IR carrying them (another SDK, a newer kfp) gets them applied."""
    docs = list(yaml.safe_load_all((GOLDEN / "kubernetes_platform" / "pipeline.yaml").read_text("utf-8")))
    executor = docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-list-mounts"]
    executor["podAffinity"] = [{"topologyKey": "zone", "matchPodLabels": {"app": "cache"}, "weight": 50},
                               {"matchPodExpressions": [{"key": "app", "operator": "In", "values": ["db"]}],
                                "anti": True}]
    executor["enabledSharedMemory"] = {"volumeName": "shm", "size": "2Gi"}
    executor["initContainers"] = [{"name": "fetch", "image": "busybox:1.36", "command": ["sh", "-c"],
                                   "args": ["echo ready > /scratch/ready"], "env": [{"name": "MODE", "value": "x"}],
                                   "volumeMounts": [{"volumeName": "scratch", "mountPath": "/scratch"}],
                                   "resources": {"limits": {"memory": "64Mi"}}}]
    ir = tmp_path / "proto_only.yaml"
    ir.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    import argo_checks
    import tekton_checks

    for backend in ("argo", "tekton"):
        manifest = json.loads(json.dumps(list(kfpc.compile_file(str(ir), backend=backend).documents)))
        problems = argo_checks.problems_any(manifest[0]) if backend == "argo" else tekton_checks.problems_all(manifest)
        assert not problems, (backend, problems[:10])
        shapes = [
            {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 50, "podAffinityTerm": {"topologyKey": "zone", "labelSelector": {"matchLabels": {"app": "cache"}}}}]},
            {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["db"]}]}}]}},
            {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}},
            {"name": "shm", "mountPath": "/dev/shm"},
            {"name": "fetch" if backend == "argo" else "init-fetch", "image": "busybox:1.36",
             "args": ["echo ready > /scratch/ready"], "env": [{"name": "MODE", "value": "x"}],
             "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}],
             "resources" if backend == "argo" else "computeResources": {"limits": {"memory": "64Mi"}}},
        ]
        missing = [shape for shape in shapes if not present(manifest, shape)]
        assert not missing, (backend, missing)


def with_platform(case: str, executors: dict[str, Any], tmp_path: Path) -> Path:
    """A golden IR with kfp-kubernetes settings added as its second document."""
    (pipeline,) = [d for d in yaml.safe_load_all((GOLDEN / case / "pipeline.yaml").read_text("utf-8"))][:1]
    platform = {"platforms": {"kubernetes": {"deploymentSpec": {"executors": executors}}}}
    path = tmp_path / f"{case}-platform.yaml"
    path.write_text(yaml.safe_dump_all([pipeline, platform], sort_keys=False), encoding="utf-8")
    return path


def test_a_loop_items_field_names_a_secret_per_iteration_on_argo(tmp_path: Path) -> None:
    """kfp-kubernetes writes `secret_name=item.a` as `loop-item-param-N-subvar-a`, a name no
    component declares: it is field `a` of the loop item."""
    import argo_sim

    ir = with_platform("loops", {"exec-describe": {"secretAsEnv": [{
        "secretNameParameter": {"componentInputParameter": "loop-item-param-3-subvar-a"},
        "keyToEnv": [{"secretKey": "k", "envVar": "K"}]}]}}, tmp_path)
    (wf,) = kfpc.compile_file(str(ir), backend="argo").documents
    by_name = {t["name"]: t for t in wf["spec"]["templates"]}
    body = next(t for t in wf["spec"]["templates"] if any(x["name"] == "describe" for x in t.get("dag", {}).get("tasks", [])))
    for item, secret in (('{"a":1,"b":10}', "1"), ('{"a":"s-2","b":20}', "s-2")):
        args = argo_sim.dag_arguments(body, "describe", {}, {"pipelinechannel--loop-item-param-3": item}, {})
        template = by_name[next(x for x in body["dag"]["tasks"] if x["name"] == "describe")["template"]]
        processed, _ = argo_sim._processed(template, args, {})
        env = {e["name"]: e for e in processed["container"]["env"]}
        assert env["K"]["valueFrom"]["secretKeyRef"]["name"] == secret
    with pytest.raises(kfpc.KfpcError, match="differs per loop iteration.*--backend argo"):
        kfpc.compile_file(str(ir), backend="tekton")


def test_a_setting_reading_an_undeclared_input_is_an_error(tmp_path: Path) -> None:
    ir = with_platform("loops", {"exec-describe": {"secretAsEnv": [{
        "secretNameParameter": {"componentInputParameter": "pipelinechannel--loop-item-param-33"},
        "keyToEnv": [{"secretKey": "k", "envVar": "K"}]}]}}, tmp_path)
    with pytest.raises(kfpc.KfpcError, match="reads parameter 'pipelinechannel--loop-item-param-33'") as caught:
        kfpc.load_plan(str(ir))
    assert caught.value.diagnostics[0].line is not None  # located in the second document


@pytest.mark.parametrize("backend", ["argo", "tekton"])
def test_mount_paths_that_look_alike_keep_their_own_volumes(backend: str, tmp_path: Path) -> None:
    """Volume names come from mount paths; `/mnt/a-b`, `/mnt/a_b` and `/mnt/A.B` must stay three."""
    mounts = {"/mnt/a-b": "s1", "/mnt/a_b": "s2", "/mnt/A.B": "s3"}
    ir = with_platform("hello_container", {"exec-echo": {"secretAsVolume": [
        {"secretName": secret, "mountPath": path} for path, secret in mounts.items()]}}, tmp_path)
    manifest = json.loads(json.dumps(list(kfpc.compile_file(str(ir), backend=backend).documents)))
    volumes = {v["name"]: v["secret"]["secretName"] for v in objects(manifest) if "secret" in v and "name" in v}
    mounted = {m["mountPath"]: volumes[m["name"]] for m in objects(manifest) if m.get("mountPath") in mounts}
    assert mounted == mounts


@pytest.mark.parametrize("executor, message", [
    ({"secretAsEnv": [{"secretName": "a", "keyToEnv": [{"secretKey": "k", "envVar": "X"}]}],
      "fieldPathAsEnv": [{"name": "X", "fieldPath": "metadata.name"}]}, "'X' is set by more than one setting"),
    ({"fieldPathAsEnv": [{"name": "KFPC_L", "fieldPath": "metadata.name"}]}, "names starting with 'KFPC_' are kfpc's"),
    ({"emptyDirMounts": [{"volumeName": "kfpc-outputs", "mountPath": "/x"}]}, "names starting with 'kfpc-'"),
    ({"secretAsVolume": [{"secretName": "a", "mountPath": "/kfpc/outputs"}]}, "where kfpc keeps task inputs"),
    ({"secretAsVolume": [{"secretName": "a", "mountPath": "/m"}], "pvcMount": [{"pvcName": "p", "mountPath": "/m/"}]},
     "two volumes are mounted at '/m'"),
    ({"activeDeadlineSeconds": "-5"}, "at least 0"),
    ({"emptyDirMounts": [{"volumeName": "v", "mountPath": "/v", "sizeLimit": "ten"}]}, "not a Kubernetes quantity"),
])
def test_settings_that_would_silently_clash_are_errors(executor: dict, message: str, tmp_path: Path) -> None:
    ir = with_platform("hello_container", {"exec-echo": executor}, tmp_path)
    with pytest.raises(kfpc.KfpcError, match=message) as caught:
        kfpc.load_plan(str(ir))
    executor_path = ("platforms", "kubernetes", "deploymentSpec", "executors", "exec-echo")
    assert caught.value.diagnostics[0].path[:5] == executor_path
    assert len(caught.value.diagnostics[0].path) > 5  # the entry itself, not just its executor


@pytest.mark.parametrize("backend", ["argo", "tekton"])
def test_init_containers_see_their_text_as_written(backend: str, tmp_path: Path) -> None:
    """An init container's command reaches the kubelet as written: the engine substitutes nothing
    in it (neither `{{workflow.name}}` nor `$(params.x)`), while the kubelet still expands `$(MODE)`."""
    import argo_sim

    script = 'echo "wf={{workflow.name}} in={{inputs.parameters.x}} t=$(params.t) run=$(context.pipelineRun.name) mode=$(MODE)"'
    ir = with_platform("hello_container", {"exec-echo": {"initContainers": [
        {"name": "prep", "image": "busybox", "command": ["sh", "-c"], "args": [script],
         "env": [{"name": "MODE", "value": "m {{x}} $(params.t)"}]}]}}, tmp_path)
    (doc, *_) = kfpc.compile_file(str(ir), backend=backend).documents
    if backend == "argo":
        template = next(t for t in doc["spec"]["templates"] if t.get("initContainers"))
        processed, _ = argo_sim._processed(template, {}, {"workflow.name": "wf-1"})
        init = processed["initContainers"][-1]
        env: dict[str, str] = {}
        for item in init["env"]:
            env[item["name"]] = argo_sim.kubelet(item["value"], env)
        args = [argo_sim.kubelet(a, env) for a in init["args"]]
    else:
        step = next(s for t in doc["spec"]["pipelineSpec"]["tasks"] for s in t["taskSpec"]["steps"]
                    if s["name"] == "init-prep")
        assert "$(params." not in json.dumps(step) and "$(context." not in json.dumps(step)  # Tekton substitutes none
        env = {"KFPC_D": "$"}
        for item in step["env"]:
            env[item["name"]] = argo_sim.kubelet(item["value"], env)
        args = [argo_sim.kubelet(a, env) for a in step["args"]]
    assert env["MODE"] == "m {{x}} $(params.t)"
    assert args == [script.replace("$(MODE)", "m {{x}} $(params.t)")]
