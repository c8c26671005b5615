"""Tekton's size limit: a PipelineRun holds its pipeline twice once running (spec and
status.pipelineSpec), and etcd stores at most 1.5 MiB per object by default; kfpc refuses a run
that cannot be stored and says where the limit is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import synthetic
from conftest import REPO

LIMIT = 1572864  # etcd's default --max-request-bytes


def kfpc(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "kfpc", *args], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    work = tmp_path_factory.mktemp("ir")
    out = {}
    for n in (450, 700):
        out[n] = work / f"chain-{n}.yaml"
        out[n].write_text(yaml.safe_dump(synthetic.chain_ir(n, stride=10, name=f"chain-{n}")))
    return out


def running(run: dict, pipeline_spec: dict) -> dict:
    """The PipelineRun as Tekton stores it after its first reconcile: the resolved spec in
    status.pipelineSpec and one child reference per TaskRun (pipelinerun.go:710, pipelinerun_types.go:508
    @v1.15.0)."""
    name = run["metadata"].get("name") or run["metadata"]["generateName"] + "abcde"
    refs = [{"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "name": f"{name}-{t['name']}"[:63],
             "pipelineTaskName": t["name"], **({"whenExpressions": t["when"]} if t.get("when") else {})}
            for t in pipeline_spec["tasks"] + pipeline_spec.get("finally", [])]
    status = {"conditions": [{"type": "Succeeded", "status": "Unknown", "reason": "Running",
                              "message": "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 300, Skipped: 0",
                              "lastTransitionTime": "2026-01-01T00:00:00Z"}],
              "startTime": "2026-01-01T00:00:00Z", "pipelineSpec": pipeline_spec, "childReferences": refs}
    return {**run, "status": status}


def stored_size(obj: dict) -> int:
    return len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())


def test_a_run_that_fits_once_running_is_written(chains: dict[int, Path]) -> None:
    proc = kfpc("compile", str(chains[450]), "-b", "tekton")
    assert proc.returncode == 0, proc.stderr
    (run,) = yaml.safe_load_all(proc.stdout)
    written = stored_size(run)
    assert written > LIMIT // 3  # big enough that the copy in the status matters
    assert stored_size(running(run, run["spec"]["pipelineSpec"])) <= LIMIT


def test_a_run_too_large_to_store_once_running_is_refused(chains: dict[int, Path], tmp_path: Path) -> None:
    target = tmp_path / "run.yaml"
    proc = kfpc("compile", str(chains[700]), "-b", "tekton", "-o", str(target))
    assert proc.returncode == 1 and not target.exists()
    assert "KFPC400" in proc.stderr and "status.pipelineSpec" in proc.stderr and "1.5 MiB" in proc.stderr
    assert str(chains[700]) in proc.stderr and "--kind template" in proc.stderr and "Traceback" not in proc.stderr
    # the same pipeline as a Pipeline and a run referring to it holds the pipeline once: it fits
    proc = kfpc("compile", str(chains[700]), "-b", "tekton", "--kind", "template")
    assert proc.returncode == 0, proc.stderr
    pipeline, run = yaml.safe_load_all(proc.stdout)
    written = stored_size({**run, "spec": {**run["spec"], "pipelineSpec": pipeline["spec"]}})
    assert written - stored_size(run) > LIMIT // 2  # the inline form would not fit twice
    assert stored_size(running(run, pipeline["spec"])) <= LIMIT and stored_size(pipeline) <= LIMIT


def test_the_estimate_covers_what_tekton_adds() -> None:
    from kfpc_backends.tekton import limits

    spec = {"tasks": [{"name": f"task-{i}", "taskSpec": {"steps": [{"name": "main", "image": "python",
                                                                    "args": ["x" * 2000]}]}} for i in range(400)]}
    run = {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"generateName": "p-"},
           "spec": {"pipelineSpec": spec}}
    actual = stored_size(running(run, spec))
    assert actual > LIMIT
    with pytest.raises(Exception, match="over the 1.5 MiB"):
        limits.check([run])
    spec["tasks"] = spec["tasks"][:330]
    assert stored_size(running(run, spec)) > 0.8 * LIMIT
    assert limits.check([run]) and "close to the 1.5 MiB" in limits.check([run])[0]
