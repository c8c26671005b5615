"""Failure policy and concurrency controls (--failure-policy, --parallelism, --run-semaphore) on both
backends: where they land in the manifest, what a run then does (tests/argo_sim.run_dag), and what
Tekton refuses or warns about."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import argo_checks
import argo_sim
import synthetic
from conftest import GOLDEN
from conftest import cli_documents as documents
from conftest import run_kfpc as kfpc

EXIT = GOLDEN / "exit_handler" / "pipeline.yaml"
LOOPS = GOLDEN / "loops" / "pipeline.yaml"
NESTED = GOLDEN / "subpipelines" / "pipeline.yaml"




def dags(workflow: dict) -> dict[str, dict]:
    spec = workflow["spec"].get("workflowSpec", workflow["spec"])
    return {t["name"]: t["dag"] for t in spec["templates"] if "dag" in t}


@pytest.fixture(scope="module")
def two_chains(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """step-0 -> step-2 and step-1 -> step-3: two independent branches."""
    path = tmp_path_factory.mktemp("ir") / "two-chains.yaml"
    path.write_text(yaml.safe_dump(synthetic.chain_ir(4, stride=2, name="two-chains")))
    return path


# -- failure policy on Argo ----------------------------------------------------------------------

@pytest.mark.parametrize("ir", [EXIT, LOOPS, NESTED], ids=lambda p: p.parent.name)
def test_slow_sets_fail_fast_false_on_every_dag_and_changes_nothing_else(ir: Path) -> None:
    (fast,) = documents(str(ir))
    (slow,) = documents(str(ir), "--failure-policy", "slow")
    assert len(dags(fast)) > 1
    assert all(dag.get("failFast") is False for dag in dags(slow).values())
    assert any("failFast" not in dag for dag in dags(fast).values())  # the default is Argo's (and KFP's)
    for dag in dags(fast).values():
        dag["failFast"] = False
    assert fast == slow
    assert not argo_checks.problems_any(slow)


def test_default_policy_is_kfps_and_argos_fail_fast(two_chains: Path) -> None:
    (wf,) = documents(str(two_chains))
    assert "failFast" not in dags(wf)["root"]  # KFP's argocompiler never sets it: Argo's default, true


def test_without_a_parallelism_limit_both_policies_run_the_other_branch(two_chains: Path) -> None:
    """Argo keeps starting ready tasks while anything of the DAG runs, whatever failFast says."""
    for policy in ("fast", "slow"):
        (wf,) = documents(str(two_chains), "--failure-policy", policy)
        phase, started = argo_sim.run_dag(dags(wf)["root"], {"step-0": "Failed"})
        assert phase == "Failed" and started == ["step-0", "step-1", "step-3"]


def test_slow_runs_branches_a_busy_parallelism_limit_held_back(two_chains: Path) -> None:
    """With slots taken by other DAGs of the run when step-0 fails, failFast ends the DAG before
    step-1 ever starts; failFast: false waits for a slot, runs the independent branch, then fails."""
    runs = {}
    for policy in ("fast", "slow"):
        (wf,) = documents(str(two_chains), "--failure-policy", policy, "--parallelism", "2")
        assert wf["spec"]["parallelism"] == 2
        runs[policy] = argo_sim.run_dag(dags(wf)["root"], {"step-0": "Failed"}, parallelism=2, foreign=(1, 2))
    assert runs["fast"] == ("Failed", ["step-0"])
    assert runs["slow"] == ("Failed", ["step-0", "step-1", "step-3"])


def test_slow_still_runs_exit_handlers_and_fails_the_run() -> None:
    (wf,) = documents(str(EXIT), "--failure-policy", "slow", "--parallelism", "1")
    root = dags(wf)["root"]
    assert root["target"]  # the failed upstreams stay targets, so the run still ends Failed
    phase, started = argo_sim.run_dag(root, {"exit-handler-1": "Failed"}, parallelism=1, foreign=(0, 1, 1))
    assert phase == "Failed"
    assert set(started) == {"exit-handler-1", "maybe-fail-2", "cleanup", "report-status"}


def test_a_successful_run_succeeds_under_both_policies(two_chains: Path) -> None:
    for policy in ("fast", "slow"):
        (wf,) = documents(str(two_chains), "--failure-policy", policy, "--parallelism", "1")
        assert argo_sim.run_dag(dags(wf)["root"], {}, parallelism=1) == \
            ("Succeeded", ["step-0", "step-1", "step-2", "step-3"])


def test_slow_reaches_the_dags_of_every_object_kind() -> None:
    for kind in (["--kind", "template"], ["--kind", "cron", "--schedule", "@daily"]):
        (obj,) = documents(str(NESTED), "--failure-policy", "slow", *kind)
        assert all(dag.get("failFast") is False for dag in dags(obj).values())


# -- concurrency on Argo --------------------------------------------------------------------------

def test_parallelism_keeps_the_loops_own_limit() -> None:
    (plain,) = documents(str(LOOPS))
    (limited,) = documents(str(LOOPS), "--parallelism", "3")
    loop_limits = {t["name"]: t["parallelism"] for t in plain["spec"]["templates"] if "parallelism" in t}
    assert loop_limits  # the IR's IteratorPolicy.parallelism_limit
    assert limited["spec"]["parallelism"] == 3 and "parallelism" not in plain["spec"]
    assert {t["name"]: t["parallelism"] for t in limited["spec"]["templates"] if "parallelism" in t} == loop_limits
    assert not argo_checks.problems_any(limited)


@pytest.mark.parametrize("version,field", [("3.5", "semaphore"), ("3.6", "semaphores"), ("4", "semaphores"),
                                           ("v4.1.2", "semaphores")])
def test_run_semaphore_uses_the_field_the_argo_version_knows(version: str, field: str) -> None:
    (wf,) = documents(str(EXIT), "--run-semaphore", "kfpc-limits:training", "-O", f"argo-version={version}")
    ref = {"configMapKeyRef": {"name": "kfpc-limits", "key": "training"}}
    assert wf["spec"]["synchronization"] == {field: ref if field == "semaphore" else [ref]}


def test_run_semaphore_on_a_cron_workflow_limits_the_runs_it_creates() -> None:
    (cron,) = documents(str(EXIT), "--kind", "cron", "--schedule", "@hourly", "--run-semaphore", "limits:nightly")
    assert cron["spec"]["workflowSpec"]["synchronization"]["semaphores"][0]["configMapKeyRef"]["key"] == "nightly"


def test_the_semaphore_config_map_manifest() -> None:
    from kfpc_backends.argo.kinds import run_semaphore_config_map

    assert run_semaphore_config_map("kfpc-limits:training", 2, "ml") == {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kfpc-limits", "namespace": "ml"},
        "data": {"training": "2"}}


@pytest.mark.parametrize("args,message", [
    (["--parallelism", "0"], "--parallelism must be at least 1"),
    (["--run-semaphore", "no-key"], "is not CONFIGMAP:KEY"),
    (["--run-semaphore", "Bad_Name:k"], "is not CONFIGMAP:KEY"),
])
def test_bad_values_are_usage_errors(args: list[str], message: str) -> None:
    proc = kfpc("compile", str(EXIT), *args)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_config_file_keys(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.kfpc]\nfailure-policy = "slow"\nparallelism = 4\n'
                                             'run-semaphore = "limits:ml"\n')
    (wf,) = documents(str(EXIT), cwd=tmp_path)
    assert wf["spec"]["parallelism"] == 4 and all(d.get("failFast") is False for d in dags(wf).values())
    assert wf["spec"]["synchronization"]["semaphores"][0]["configMapKeyRef"]["name"] == "limits"
    (wf,) = documents(str(EXIT), "--parallelism", "2", "--failure-policy", "fast", cwd=tmp_path)  # flags win
    assert wf["spec"]["parallelism"] == 2 and "failFast" not in dags(wf)["exit-handler-1"]
    (tmp_path / "pyproject.toml").write_text('[tool.kfpc]\nfailure-policy = "slowly"\n')
    proc = kfpc("compile", str(EXIT), cwd=tmp_path)
    assert proc.returncode == 2 and "pyproject.toml:2: error[KFPC500]: failure-policy must be one of fast, slow" \
        in proc.stderr


# -- Tekton ---------------------------------------------------------------------------------------

def test_tekton_refuses_slow_with_the_reason() -> None:
    proc = kfpc("compile", str(EXIT), "-b", "tekton", "--failure-policy", "slow")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "KFPC500" in proc.stderr and "starts no other task except finally tasks" in proc.stderr
    assert "alpha" in proc.stderr and "--backend argo" in proc.stderr


def test_tekton_refuses_a_run_semaphore() -> None:
    proc = kfpc("compile", str(EXIT), "-b", "tekton", "--run-semaphore", "limits:ml")
    assert proc.returncode == 2 and "--run-semaphore cannot be honoured on Tekton" in proc.stderr


def test_tekton_warns_that_parallelism_is_ignored_and_fast_is_its_default() -> None:
    plain = kfpc("compile", str(EXIT), "-b", "tekton")
    proc = kfpc("compile", str(EXIT), "-b", "tekton", "--parallelism", "2", "--failure-policy", "fast")
    assert proc.returncode == 0 and proc.stdout == plain.stdout
    assert "--parallelism 2: Tekton has no limit on a run's pods at once" in proc.stderr
    assert "parallelism" not in plain.stderr


def test_setup_prints_the_run_semaphore_config_map() -> None:
    proc = subprocess.run([sys.executable, "-m", "kfpc", "setup", "argo", "-n", "ml", "--run-semaphore",
                           "limits:ml=2"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    maps = [d for d in yaml.safe_load_all(proc.stdout) if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "limits"]
    assert maps == [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "limits", "namespace": "ml"},
                     "data": {"ml": "2"}}]
    bad = subprocess.run([sys.executable, "-m", "kfpc", "setup", "argo", "--run-semaphore", "limits:ml"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "CONFIGMAP:KEY=LIMIT" in bad.stderr
