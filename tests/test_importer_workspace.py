"""Importer `download_to_workspace` (issue 11, part 2): with a KFP workspace, the artifact is downloaded
once into /kfp-workspace/.artifacts/<gcs|s3|minio>/... and consumers read it there, as KFP does
(kfpc/plan/workspace.py). The fixture is written with the kfp SDK (tests/ir_fixtures/importer_workspace.py).
Pods are followed through tests/argo_sim.py; the publishing program and a Python consumer run for real,
with /kfp-workspace moved into a temporary directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from argo_sim import dag_arguments, dag_task, downloads, kubelet, pod, root_dag
from conftest import REPO

import kfpc
from kfpc.backend import Options
from kfpc.errors import KfpcError
from kfpc.plan import workspace

FIXTURE = REPO / "tests" / "ir_fixtures" / "importer_workspace.yaml"
TRAIN = "gs://ml-data/train.csv"
TRAIN_PATH = "/kfp-workspace/.artifacts/gcs/ml-data/train.csv"
GLOBALS = {"workflow.name": "wf-1", "workflow.uid": "uid-1"}


def compiled() -> dict:
    return kfpc.compile_file(str(FIXTURE)).documents[0]


def parts(wf: dict) -> tuple[dict, dict[str, dict], dict[str, dict]]:
    templates = {t["name"]: t for t in wf["spec"]["templates"]}
    root = root_dag(wf)
    return root, templates, {t["name"]: t for t in root["dag"]["tasks"]}


def run_pod(wf: dict, task: str, params: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    root, templates, tasks = parts(wf)
    globals_ = {**GLOBALS, **{f"workflow.parameters.{k}": v for k, v in params.items()}}
    args = dag_arguments(root, task, globals_, {}, {})
    return pod(templates[tasks[task]["template"]], args, globals_)


def publish(tmp: Path, argv: list[str], env: dict[str, str], src: Path, host: str = "pod-a") -> subprocess.Popen:
    """The import pod's program as Argo starts it, with the workspace moved to `tmp`/ws."""
    from kfpc_backends.argo import imports

    assert argv[:2] == ["python3", "-c"] and argv[2] == imports.publish_program()
    program = imports.publish_program(str(tmp / "ws" / ".artifacts"))
    return subprocess.Popen([sys.executable, "-c", program, str(src)],
                            env={**os.environ, "KFPC_URI": env["KFPC_URI"], "HOSTNAME": host},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def in_tmp(tmp: Path, path: str) -> Path:
    assert path.startswith("/kfp-workspace/")
    return tmp / "ws" / path[len("/kfp-workspace/"):]


# -- Argo ----------------------------------------------------------------------------------------


def test_the_import_pod_downloads_once_and_consumers_download_nothing() -> None:
    wf = compiled()
    root, templates, tasks = parts(wf)
    importer = tasks["importer"]
    located = downloads(templates[importer["template"]], importer["arguments"])
    assert [(a["gcs"]["bucket"], a["gcs"]["key"]) for a in located] == [("ml-data", "train.csv")]
    for name in ("count-lines", "show", "for-loop-2"):
        assert tasks[name]["depends"] == "importer.Succeeded"
        assert downloads(templates[tasks[name]["template"]], tasks[name].get("arguments", {})) == [], name
    inner = templates["for-loop-2"]["dag"]["tasks"][0]
    assert downloads(templates[inner["template"]], inner.get("arguments", {})) == []
    assert tasks["show-2"]["depends"] == "importer-2.Succeeded"
    # the workspace is mounted in every pod (the workflow's podSpecPatch)
    patch = json.loads(wf["spec"]["podSpecPatch"])
    assert {"name": "kfp-workspace", "mountPath": "/kfp-workspace"} in patch["containers"][0]["volumeMounts"]


def test_a_container_consumer_reads_the_file_the_import_pod_published(tmp_path: Path) -> None:
    wf = compiled()
    argv, env = run_pod(wf, "importer", {})
    assert env["KFPC_URI"] == TRAIN
    src = tmp_path / "downloaded"
    src.write_text("a,b\n1,2\n3,4\n")
    proc = publish(tmp_path, argv, env, src)
    assert proc.wait() == 0, proc.communicate()
    argv, _ = run_pod(wf, "show", {})
    assert argv == ["cat", TRAIN_PATH]
    assert in_tmp(tmp_path, argv[1]).read_text() == "a,b\n1,2\n3,4\n"


def test_a_uri_given_at_run_time_lands_where_its_consumer_looks(tmp_path: Path) -> None:
    wf = compiled()
    uri = "s3://other-bucket/eval/test {1}$x.csv"
    argv, env = run_pod(wf, "importer-2", {"uri": uri})
    assert env["KFPC_URI"] == uri
    root, templates, tasks = parts(wf)
    located = downloads(templates["kfpc-workspace-import"], tasks["importer-2"]["arguments"])
    assert len(located) == 1 and "s3" in located[0]
    src = tmp_path / "downloaded"
    src.write_text("x")
    proc = publish(tmp_path, argv, env, src)
    assert proc.wait() == 0, proc.communicate()
    consumer, _ = run_pod(wf, "show-2", {"uri": uri})
    assert consumer == ["cat", workspace.path_for(uri)] == ["cat", "/kfp-workspace/.artifacts/s3/other-bucket/eval/test {1}$x.csv"]
    assert in_tmp(tmp_path, consumer[1]).read_text() == "x"


def test_publishing_is_idempotent_under_retries_and_concurrent_imports(tmp_path: Path) -> None:
    """Several pods importing the same URI at once (loop iterations, retries): every one succeeds and
    the published copy is whole; a directory (a gs:// prefix) is published once and kept."""
    wf = compiled()
    argv, env = run_pod(wf, "importer", {})
    src = tmp_path / "downloaded"
    src.write_bytes(b"0123456789" * 200_000)
    procs = [publish(tmp_path, argv, env, src, host=f"pod-{i}") for i in range(4)]
    assert [p.wait() for p in procs] == [0] * 4, [p.communicate() for p in procs]
    target = in_tmp(tmp_path, TRAIN_PATH)
    assert target.read_bytes() == src.read_bytes()
    assert sorted(x.name for x in target.parent.iterdir()) == ["train.csv"], "no temporary copy is left behind"
    tree = tmp_path / "tree"
    (tree / "part").mkdir(parents=True)
    (tree / "part" / "0.csv").write_text("dir")
    env = {"KFPC_URI": "gs://ml-data/shards"}
    for attempt in ("pod-a", "pod-a", "pod-b"):  # a retried pod, then another importer of the same prefix
        proc = publish(tmp_path, argv, env, tree, host=attempt)
        assert proc.wait() == 0, proc.communicate()
    shards = tmp_path / "ws" / ".artifacts" / "gcs" / "ml-data"
    assert (shards / "shards" / "part" / "0.csv").read_text() == "dir"
    assert sorted(x.name for x in shards.iterdir()) == ["shards", "train.csv"]


def test_the_publishing_program_refuses_what_kfp_refuses(tmp_path: Path) -> None:
    wf = compiled()
    argv, _ = run_pod(wf, "importer", {})
    src = tmp_path / "downloaded"
    src.write_text("x")
    for uri in ("https://example.com/x.csv", "oci://registry/model", "gs://b/../../etc/passwd"):
        proc = publish(tmp_path, argv, {"KFPC_URI": uri}, src)
        assert proc.wait() == 1 and "into its workspace" in proc.communicate()[1], uri
    assert not (tmp_path / "ws").exists()


def test_a_python_consumer_reads_the_workspace_copy_through_the_sdk(tmp_path: Path) -> None:
    """KFP's driver flags the artifact `_kfp_workspace` and the SDK's Artifact.path then points into the
    workspace (artifact_types.py:117-121 @sdk-2.17.0-1): the component opens the published file."""
    pytest.importorskip("kfp.dsl.executor_main")
    from test_launcher import run_task

    wf = compiled()
    target = in_tmp(tmp_path, TRAIN_PATH)
    target.parent.mkdir(parents=True)
    target.write_text("h\n1\n2\n")
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(  # the SDK's constant /kfp-workspace, moved to tmp_path
        "import kfp.dsl.types.artifact_types as a\n"
        f"a.WORKSPACE_MOUNT_PATH = {str(tmp_path / 'ws')!r}\n")
    proc, out = run_task(wf, "count-lines", tmp_path / "pod", {}, {},
                         {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "Output").read_text() == "3\n"
    root, _, tasks = parts(wf)
    meta = json.loads(kubelet(dag_arguments(root, "count-lines", GLOBALS, {}, {})["kfpc-meta-data"], {"KFPC_L": "{"}))
    assert meta == {"uri": TRAIN, "metadata": {"origin": "survey", "_kfp_workspace": True}}


def test_launcher_placeholders_give_the_workspace_path_and_the_original_uri() -> None:
    """Components run through the launcher with `.path`/`.uri` placeholders (not only `{{$}}`) see what
    KFP's launcher gives them (launcher_v2.go:1094-1110 @2.17.0)."""
    from kfpc_backends.argo.runtime import generate

    source = generate.render()
    names: dict = {}
    exec(compile(source[:source.rindex("\nmain()")], "launcher", "exec"), names)  # its functions, not main()
    flagged = names["artifact"]("data", "system.Dataset", "0.0.1", "s3://b/k/x.csv", {"_kfp_workspace": True})
    ctx = {"artifacts": {"data": {"artifacts": [flagged]}}, "params": {}, "input": {}}
    assert names["render"](["ia", "data", "path", None], ctx) == ["/kfp-workspace/.artifacts/s3/b/k/x.csv"]
    assert names["render"](["ia", "data", "uri", None], ctx) == ["s3://b/k/x.csv"]
    plain = names["artifact"]("data", "system.Dataset", "0.0.1", "s3://b/k/x.csv", {})
    assert names["render"](["ia", "data", "path", None], {**ctx, "artifacts": {"data": {"artifacts": [plain]}}}) == \
        ["/kfpc/inputs/data"]


def test_loops_and_sub_pipelines_take_the_workspace_artifact_as_metadata_only() -> None:
    """Every DAG between the import and its consumers (the loop's throttling wrapper, the loop body, a
    sub-pipeline) passes the URI and metadata on, and no pod downloads anything."""
    wf = compiled()
    root, templates, tasks = parts(wf)
    seen = []
    stack = [tasks["for-loop-2"]]
    while stack:
        task = stack.pop()
        template = templates[task["template"]]
        assert downloads(template, task.get("arguments", {})) == [], task["name"]
        assert "artifacts" not in template.get("inputs", {}), template["name"]
        seen.append(template["name"])
        stack += template.get("dag", {}).get("tasks", [])
    assert sorted(seen) == ["count-lines", "count-lines", "for-loop-2", "inner", "root-for-loop-2"]
    meta = dag_arguments(root, "for-loop-2", GLOBALS, {}, {})
    text = kubelet(meta["kfpc-meta-pipelinechannel--importer-artifact"], {"KFPC_L": "{"})
    assert json.loads(text)["metadata"]["_kfp_workspace"] is True


def test_a_sub_pipeline_fed_from_the_workspace_and_from_elsewhere_is_refused() -> None:
    ir, platform = fixture_docs()
    root_tasks = ir["root"]["dag"]["tasks"]
    call = json.loads(json.dumps(ir["components"]["comp-for-loop-2"]["dag"]["tasks"]["inner"]))
    call["inputs"]["artifacts"]["data"] = {"taskOutputArtifact": {"producerTask": "importer-2",
                                                                  "outputArtifactKey": "artifact"}}
    call["dependentTasks"] = ["importer-2"]
    root_tasks["inner-2"] = {**call, "taskInfo": {"name": "inner-2"}}
    ir["deploymentSpec"]["executors"]["exec-importer-2"]["importer"].pop("downloadToWorkspace")
    err = error_of(yaml.safe_dump(ir) + "---\n" + yaml.safe_dump(platform))
    assert err.code == "KFPC400" and "at one call and from elsewhere" in str(err)


def test_the_import_pod_runs_in_the_helper_image() -> None:
    _, templates, _ = parts(compiled())
    assert templates["kfpc-workspace-import"]["container"]["image"] == "python:3.12-slim"
    wf = kfpc.compile_file(str(FIXTURE), options=Options(extra=(("helper-image", "mirror.local/python:3.12"),))).documents[0]
    assert {t["name"]: t for t in wf["spec"]["templates"]}["kfpc-workspace-import"]["container"]["image"] == \
        "mirror.local/python:3.12"
    with pytest.raises(KfpcError) as info:
        kfpc.compile_file(str(FIXTURE), options=Options(extra=(("helper-image", "x{{workflow.name}}"),)))
    assert info.value.code == "KFPC500"


# -- refusals ------------------------------------------------------------------------------------


def fixture_docs() -> list[dict]:
    return list(yaml.safe_load_all(FIXTURE.read_text("utf-8")))


def error_of(text: str, backend: str = "argo") -> KfpcError:
    with pytest.raises(KfpcError) as info:
        kfpc.compile_text(text, backend=backend)
    return info.value


def test_without_a_workspace_it_is_refused_as_the_kfp_sdk_refuses_it() -> None:
    ir = fixture_docs()[0]
    err = error_of(yaml.safe_dump(ir))
    assert err.code == "KFPC316" and "no workspace" in str(err) and "downloadToWorkspace" in str(err)


def test_a_constant_uri_kfp_cannot_download_into_the_workspace_is_refused() -> None:
    ir, platform = fixture_docs()
    ir["deploymentSpec"]["executors"]["exec-importer"]["importer"]["artifactUri"]["constant"] = "https://h/x.csv"
    err = error_of(yaml.safe_dump(ir) + "---\n" + yaml.safe_dump(platform))
    assert err.code == "KFPC316" and "https://h/x.csv" in str(err)


def test_argo_refuses_minio_and_reads_a_uri_of_unknown_scheme_from_the_artifact_repository() -> None:
    """A URI known only at run time with no scheme to go by (a required parameter, another task's
    output, as in KFP's own test pipeline_with_importer_workspace) is read from the workflow's artifact
    repository by its key, with a warning; never the repository's root."""
    ir, platform = fixture_docs()
    ir["deploymentSpec"]["executors"]["exec-importer"]["importer"]["artifactUri"]["constant"] = "minio://b/x.csv"
    assert error_of(yaml.safe_dump(ir) + "---\n" + yaml.safe_dump(platform)).code == "KFPC400"
    ir, platform = fixture_docs()
    del ir["root"]["inputDefinitions"]["parameters"]["uri"]["defaultValue"]
    result = kfpc.compile_text(yaml.safe_dump(ir) + "---\n" + yaml.safe_dump(platform))
    assert any("'importer-2'" in w and "known only at run time" in w for w in result.warnings), result.warnings
    wf = result.documents[0]
    root, templates, tasks = parts(wf)
    for uri, key in (("s3://repo/runs/a.csv", "runs/a.csv"), ("minio://repo/x", "x"), ("s3://repo", "s3://repo")):
        globals_ = {**GLOBALS, "workflow.parameters.uri": uri}
        task = dag_task(root, "importer-2", globals_, {}, {})
        (located,) = downloads(templates["kfpc-workspace-import"], task["arguments"])
        assert located["s3"] == {"key": key}, uri


def test_tekton_compiles_it_with_a_warning_that_it_is_not_honoured() -> None:
    """Tekton downloads no object-store URI (as for any gs:// importer there); the run is still valid."""
    import tekton_checks

    result = kfpc.compile_file(str(FIXTURE), backend="tekton")
    assert sum("download_to_workspace is not honoured" in w for w in result.warnings) == 2, result.warnings
    assert not tekton_checks.problems(result.documents[0])
