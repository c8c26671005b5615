"""The in-pod launcher, run for real: a KFP Python component executed through the exact env and
argv the compiled Workflow gives its pod (after Argo and the kubelet, tests/argo_sim.py), with
kfp's own executor. Only the `pip install` in the component's preamble is skipped (no network in tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import kfpc
from argo_sim import dag_arguments, pod
from conftest import GOLDEN
from kfpc_backends.argo.runtime import FEATURES, generate

pytest.importorskip("kfp.dsl.executor_main")


@pytest.mark.parametrize("features", generate.variants())
def test_every_variant_is_valid_python_without_template_syntax(features: frozenset[str]) -> None:
    source = generate.render(features)
    compile(source, "launcher", "exec")
    assert "{{" not in source and "}}" not in source and "$" not in source


def run_task(workflow: dict, task_name: str, tmp: Path, inputs: dict[str, bytes],
             tasks: dict, extra_env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, Path]:
    from argo_sim import root_dag

    templates = {t["name"]: t for t in workflow["spec"]["templates"]}
    root = root_dag(workflow)
    task = next(t for t in root["dag"]["tasks"] if t["name"] == task_name)
    globals_ = {"workflow.name": "wf-1", "workflow.uid": "uid-1",
                **{f"workflow.parameters.{p['name']}": p.get("value", "")
                   for p in workflow["spec"].get("arguments", {}).get("parameters", [])}}
    args = dag_arguments(root, task_name, globals_, {k[len("inputs.parameters."):]: v for k, v in tasks.items()
                                                     if k.startswith("inputs.parameters.")}, tasks)
    argv, env = pod(templates[task["template"]], args, globals_)
    out, inp = tmp / "outputs", tmp / "inputs"
    out.mkdir(parents=True)
    for name, data in inputs.items():
        (inp / name).parent.mkdir(parents=True, exist_ok=True)
        (inp / name).write_bytes(data)
    source = generate.render(frozenset(FEATURES), outputs_dir=str(out), inputs_dir=str(inp))
    assert argv[:3] == ["python3", "-c", argv[2]] and "KFPC_LAUNCHER" in argv[2]
    component = argv[3:]
    assert component[:2] == ["sh", "-c"] and "pip install" in component[2]
    component[2] = 'exec "$0" "$@"'  # the pip-install preamble, minus the install (argv positions kept)
    env = {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", **(extra_env or {})}
    proc = subprocess.run([sys.executable, "-c", source, *component], env=env, capture_output=True, text=True)
    return proc, out


def test_python_component_runs_with_typed_inputs_and_engine_outputs(tmp_path: Path) -> None:
    wf = kfpc.compile_file(str(GOLDEN / "python_types" / "pipeline.yaml")).documents[0]
    meta = {"tasks.make-artifact.outputs.parameters.kfpc-meta-out": '{"metadata":{}}'}
    proc, out = run_task(wf, "produce", tmp_path, {"raw": b"raw bytes"}, meta)
    assert proc.returncode == 0, proc.stderr

    def param(name: str) -> str:
        text = (out / name).read_text("utf-8")
        assert text.endswith("\n"), "Argo strips one trailing newline: the launcher adds it"
        return text[:-1]

    assert param("out_str") == "HELLO"
    assert param("out_int") == "13"
    assert param("out_float") == "1"
    assert param("out_bool") == "false"
    assert json.loads(param("out_list")) == ["a", 1, 2.5, False, ["nested"], 1, 2, 3]
    assert json.loads(param("out_dict")) == {"nested": {"deep": [1, 2]}, "empty": {}, "lr": 0.01}
    assert param("note_path") == "optional_text='given'"
    assert (out / "model").read_text() == "raw bytes"
    model_meta = json.loads((out / ".kfpc" / "meta-model").read_text())["metadata"]
    assert model_meta == {"framework": "none", "params": {"ratio": 0.5}}
    assert json.loads((out / ".kfpc" / "meta-metrics").read_text())["metadata"] == {"accuracy": 0.9, "count": 3}
    assert (out / "metrics").exists(), "a metadata-only artifact still gets a file to upload"


def test_failing_component_fails_the_step(tmp_path: Path) -> None:
    ir = yaml.safe_load((GOLDEN / "python_types" / "pipeline.yaml").read_text("utf-8"))
    execu = ir["deploymentSpec"]["executors"]["exec-make-artifact"]["container"]
    execu["command"][-1] = execu["command"][-1].replace("f.write('raw bytes')", "raise SystemExit(3)")
    wf = kfpc.compile_text(yaml.safe_dump(ir), name="p.yaml").documents[0]
    proc, out = run_task(wf, "make-artifact", tmp_path, {}, {})
    assert proc.returncode == 3, "the component's exit status is the step's"
    assert not (out / ".kfpc" / "meta-out").exists(), "a failed step publishes no outputs"


def test_collected_artifacts_meet_at_the_same_keys_and_arrive_in_order(tmp_path: Path) -> None:
    from argo_sim import evaluate, resolve

    wf = kfpc.compile_file(str(GOLDEN / "collected_artifacts" / "pipeline.yaml")).documents[0]
    from argo_sim import root_dag

    templates = {t["name"]: t for t in wf["spec"]["templates"]}
    root = root_dag(wf)  # the entrypoint runs it as its one step (pipeline outputs)
    globals_ = {"workflow.uid": "uid-1", "workflow.name": "wf-1"}
    root_inputs = {"kfpc-path": "kfpc/uid-1", "kfpc-idx": ""}
    loop = next(t for t in root["dag"]["tasks"] if t["name"] == "for-loop-2")
    wrapper_args = dag_arguments(root, "for-loop-2", globals_, root_inputs, {})
    wrapper = templates[loop["template"]]
    # Where iteration 2 writes its shard: body arguments, then the producer's output key.
    inner = wrapper["dag"]["tasks"][0]
    flat = {**{f"inputs.parameters.{k}": v for k, v in wrapper_args.items()}, "item": inner["withItems"][2]}
    body_args = {p["name"]: resolve(p["value"], flat) for p in inner["arguments"]["parameters"]}
    body = templates[inner["template"]]
    producer_args = dag_arguments(body, "make-shard", globals_, body_args, {})
    producer = templates[next(t["template"] for t in body["dag"]["tasks"] if t["name"] == "make-shard")]
    key = resolve(next(a for a in producer["outputs"]["artifacts"] if a["name"] == "shard")["s3"]["key"],
                  {f"inputs.parameters.{k}": v for k, v in producer_args.items()})
    assert key == "kfpc/uid-1/for-loop-2/make-shard/shard~d/000002"
    # What the consumer is told to download: the wrapper's descriptor (iteration 1 failed: absent).
    ran = json.dumps(["/000000", "", "/000002"])
    descriptor_expr = next(p for p in wrapper["outputs"]["parameters"]
                           if p["name"].startswith("kfpc-list-"))["valueFrom"]["expression"]
    descriptor = evaluate(descriptor_expr, {**{f"inputs.parameters.{k}": v for k, v in wrapper_args.items()},
                                            f"tasks.for-loop-2.outputs.parameters.{'kfpc-ran-pipelinechannel--make-shard-shard'}": ran})
    depth, meta_prefix, prefix, items = descriptor.split("|")
    assert (depth, prefix, json.loads(items)) == ("1", "kfpc/uid-1/for-loop-2/make-shard/shard~d", ["/000000", "/000002"])
    assert key.startswith(prefix + "/") and meta_prefix == "kfpc/uid-1/for-loop-2/make-shard/shard~m"
    # The consumer reads what Argo downloaded from those prefixes, in iteration order.
    tasks = {"tasks.for-loop-2.outputs.parameters.kfpc-list-pipelinechannel--make-shard-shard": descriptor}
    files = {"shards/000002": b"two\n", "shards/000000": b"zero\n",
             ".kfpc-meta-shards/000002": b'{"metadata": {"i": 2}}\n'}
    proc, out = run_task(wf, "merge-shards", tmp_path, files, {**tasks, **{
        f"inputs.parameters.{k}": v for k, v in root_inputs.items()}})
    assert proc.returncode == 0, proc.stderr
    assert (out / "merged").read_text() == "zero\ntwo\n"
    assert (out / "Output").read_text() == "2\n"
