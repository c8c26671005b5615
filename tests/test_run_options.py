"""Run options (where, as whom, what kind of object, when), compile-time parameters and the config
file, on both backends, through the command line as a Makefile would use it."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import argo_checks
import tekton_checks
from conftest import GOLDEN
from conftest import cli_documents as documents
from conftest import run_kfpc as kfpc
from k8s_standin import Api, k8s_api  # noqa: F401 (fixture)

SEED = GOLDEN / "seed_ml_pipeline" / "pipeline.yaml"
HELLO = GOLDEN / "hello_container" / "pipeline.yaml"




def test_the_seed_guides_recurring_run_is_one_command() -> None:
    """The guide's create_recurring_run(cron_expression='0 2 * * *', max_concurrency=1, params=...)."""
    (cron,) = documents(str(SEED), "--kind", "cron", "--schedule", "0 2 * * *", "--max-concurrency", "1",
                        "--name", "daily-retraining", "-p", "raw_data_path=gs://bucket/data/latest.csv",
                        "-p", "n_estimators=100")
    assert cron["kind"] == "CronWorkflow" and cron["metadata"]["name"] == "daily-retraining"
    assert cron["spec"]["schedules"] == ["0 2 * * *"] and cron["spec"]["concurrencyPolicy"] == "Forbid"
    values = {p["name"]: p["value"] for p in cron["spec"]["workflowSpec"]["arguments"]["parameters"]}
    assert values["raw_data_path"] == "gs://bucket/data/latest.csv" and values["n_estimators"] == "100"
    assert not argo_checks.problems_any(cron)


def test_a_schedule_without_a_required_value_is_a_usage_error(tmp_path: Path) -> None:
    """Argo validates a CronWorkflow's workflow as a submission (validate.go:470 @v4.1.2, empty
    Opts): an argument with no value is refused (:206, :1021) and every tick ends in SpecError
    (cron/operator.go:106-109,150-152), so the schedule would never run."""
    out = tmp_path / "cron.yaml"
    proc = kfpc("compile", str(SEED), "--kind", "cron", "--schedule", "0 2 * * *", "-o", str(out))
    assert proc.returncode == 2 and "'raw_data_path'" in proc.stderr and "-p raw_data_path=VALUE" in proc.stderr
    assert "--param-file" in proc.stderr and not out.exists()
    (cron,) = documents(str(SEED), "--kind", "cron", "--schedule", "0 2 * * *", "-p", "raw_data_path=gs://b/x.csv")
    params = cron["spec"]["workflowSpec"]["arguments"]["parameters"]
    assert all("value" in p for p in params)  # what validateArgumentsValues (validate.go:1021) needs
    template = documents(str(SEED), "--kind", "template")  # `argo submit --from` takes -p: only a warning
    assert template[0]["kind"] == "WorkflowTemplate"


def test_argo_35_gets_the_schedule_field_it_knows() -> None:
    (cron,) = documents(str(HELLO), "--kind", "cron", "--schedule", "@daily", "-O", "argo-version=3.5")
    assert cron["spec"]["schedule"] == "@daily" and "schedules" not in cron["spec"]


def test_argo_run_options_land_where_argo_applies_them() -> None:
    (wf,) = documents(str(SEED), "-p", "raw_data_path=/data.csv", "--name", "nightly", "--namespace", "ml",
                      "--service-account", "runner", "--label", "team=ml", "--annotation", "owner=ana",
                      "--ttl", "3600", "--pod-gc", "OnPodSuccess", "--timeout", "2h", "--pipeline-timeout", "6h",
                      "--image-pull-policy", "IfNotPresent", "--artifact-repository", "my-repo:s3")
    assert wf["metadata"]["name"] == "nightly" and wf["metadata"]["namespace"] == "ml"
    assert wf["metadata"]["labels"]["team"] == "ml" and wf["metadata"]["annotations"]["owner"] == "ana"
    spec = wf["spec"]
    assert spec["serviceAccountName"] == "runner" and spec["ttlStrategy"] == {"secondsAfterCompletion": 3600}
    assert spec["podGC"] == {"strategy": "OnPodSuccess"} and spec["activeDeadlineSeconds"] == 21600
    assert spec["artifactRepositoryRef"] == {"configMap": "my-repo", "key": "s3"}
    leaves = [t for t in spec["templates"] if "container" in t]
    assert leaves and all(t["timeout"] == "2h" and t["container"]["imagePullPolicy"] == "IfNotPresent" for t in leaves)
    assert not argo_checks.problems(wf)


def test_argo_workflow_template() -> None:
    (template,) = documents(str(HELLO), "--kind", "template")
    assert template["kind"] == "WorkflowTemplate" and template["metadata"]["name"] == "hello-container"
    assert not argo_checks.problems_any(template)


def test_tekton_template_is_a_pipeline_and_a_run_of_it() -> None:
    docs = documents(str(GOLDEN / "loops" / "pipeline.yaml"), "-b", "tekton", "--kind", "template", "--name", "loops",
                     "--namespace", "ml", "--service-account", "runner", "--timeout", "30m")
    assert [d["kind"] for d in docs] == ["Pipeline", "PipelineRun"]
    assert docs[1]["spec"]["pipelineRef"] == {"name": "loops"}
    assert docs[1]["spec"]["taskRunTemplate"]["serviceAccountName"] == "runner"
    assert all(t["timeout"] == "30m" for t in docs[0]["spec"]["tasks"])
    assert not tekton_checks.problems_all(docs)


def test_tekton_warns_about_argo_only_options() -> None:
    proc = kfpc("compile", str(HELLO), "-b", "tekton", "--ttl", "60", "--pod-gc", "OnPodSuccess")
    assert proc.returncode == 0
    assert "--ttl: Tekton has no time-to-live" in proc.stderr and "--pod-gc is an Argo setting" in proc.stderr


def test_tekton_schedule_creates_runs_and_respects_max_concurrency(tmp_path: Path, k8s_api: Api) -> None:
    docs = documents(str(HELLO), "-b", "tekton", "--kind", "cron", "--schedule", "0 2 * * *", "--max-concurrency", "1",
                     "--name", "nightly")
    assert [d["kind"] for d in docs] == ["Pipeline", "ServiceAccount", "Role", "RoleBinding", "CronJob"]
    assert not tekton_checks.problems_all(docs)
    container = docs[-1]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    spec = json.loads(next(e["value"] for e in container["env"] if e["name"] == "KFPC_SPEC"))
    run = json.loads(base64.b64decode(spec["run"]))
    assert run["spec"]["pipelineRef"] == {"name": "nightly"} and run["metadata"]["labels"]["kfpc.dev/schedule"] == "nightly"
    from kfpc_backends.tekton.runtime import generate

    source = generate.render(service_account_dir=str(k8s_api.account))
    env = {"PATH": os.environ["PATH"], "KUBERNETES_SERVICE_HOST": "127.0.0.1",
           "KUBERNETES_SERVICE_PORT": str(k8s_api.port), "KFPC_SPEC": json.dumps(spec)}

    def job() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", source, "schedule"], env=env, capture_output=True, text=True)

    running = {"items": [{"status": {"conditions": [{"type": "Succeeded", "status": "Unknown"}]}}]}
    k8s_api.answers["GET"] = lambda method, path, body: (200, {"items": []})
    assert job().returncode == 0
    k8s_api.answers["GET"] = lambda method, path, body: (200, running)
    skipped = job()
    assert skipped.returncode == 0 and "skipped" in skipped.stdout
    methods = [(c[0], c[1].split("?")[0]) for c in k8s_api.calls]
    assert methods == [("GET", "/apis/tekton.dev/v1/namespaces/team-a/pipelineruns"),
                       ("POST", "/apis/tekton.dev/v1/namespaces/team-a/pipelineruns"),
                       ("GET", "/apis/tekton.dev/v1/namespaces/team-a/pipelineruns")]
    assert k8s_api.calls[0][1].endswith("labelSelector=kfpc.dev/schedule=nightly")
    assert k8s_api.calls[1][3] == run


def test_compile_time_parameters_are_typed_by_the_ir() -> None:
    (wf,) = documents(str(SEED), "-p", "raw_data_path=/d.csv", "-p", "accuracy_threshold=0.95", "-p", "max_depth=7")
    values = {p["name"]: p["value"] for p in wf["spec"]["arguments"]["parameters"]}
    assert values["accuracy_threshold"] == "0.95" and values["max_depth"] == "7"
    for bad, message in (("n_estimator=5", "did you mean 'n_estimators'"), ("max_depth=deep", "cannot be 'deep'"),
                         ("accuracy_threshold=inf", "not a finite number"), ("novalue", "is not NAME=VALUE")):
        proc = kfpc("compile", str(SEED), "-p", bad)
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("flags,message", [
    (["--schedule", "0 2 * * *"], "--schedule needs --kind cron"),
    (["--kind", "cron"], "--kind cron needs --schedule"),
    (["--kind", "cron", "--schedule", "every day"], "is not a cron expression"),
    (["--kind", "cron", "--schedule", "0 0 2 * * *"], "use --schedule '0 2 * * *'"),  # KFP's six fields
    (["--name", "Bad_Name"], "is not a valid Kubernetes name"),
    (["--label", "team=a b"], "is not a valid Kubernetes label value"),
    (["--timeout", "2 hours"], "is not a duration"),
    (["--max-concurrency", "0", "--kind", "cron", "--schedule", "@daily"], "must be a positive number"),
    (["--kind", "cron", "--schedule", "61 2 * * *"], "'61' is not a minute (0-59)"),
    (["--kind", "cron", "--schedule", "0 2 L * *"], "'L' is not a day of month"),
    (["--kind", "cron", "--schedule", "0 2 * * 7"], "'7' is not a day of week (0-6)"),
    (["--kind", "cron", "--schedule", "@whenever"], "unknown descriptor"),
    (["--kind", "cron", "--schedule", "@daily", "--timezone", "Europe Paris"], "is not an IANA time zone"),
    (["--pipeline-timeout", "0s"], "--pipeline-timeout must be longer than 0"),
    (["--timeout", "0m"], "--timeout must be longer than 0"),
    (["-O", "argo-version=3.4"], "need Argo 3.5 or later"),
    (["-O", "argo-version=latest"], "is not a version such as 3.5 or 4"),
    (["-b", "argoo"], "kfpc: error[KFPC600]: unknown backend 'argoo'"),
    (["-b", "tekton", "-O", "access-mode=Bogus"], "is not one of ReadWriteOnce"),
    (["-b", "tekton", "-O", "workspace-size=lots"], "is not a quantity"),
])
def test_bad_run_options_are_usage_errors(flags: list[str], message: str, tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    proc = kfpc("compile", str(HELLO), *flags, "-o", str(out))
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert not out.exists()


def test_settings_come_from_pyproject_or_kfpc_yaml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.kfpc]\nbackend = "tekton"\n'
                                             'namespace = "ml"\nlabels = { team = "ml" }\n'
                                             'params = { message = "from config" }\n'
                                             'options = { workspace-size = "5Gi" }\n')
    (run,) = documents(str(HELLO), cwd=tmp_path)
    assert run["kind"] == "PipelineRun" and run["metadata"]["namespace"] == "ml"
    assert run["metadata"]["labels"]["team"] == "ml"
    assert run["spec"]["pipelineSpec"]["params"][0]["default"] == "from config"
    (flagged,) = documents(str(HELLO), "-p", "message=from flag", "--namespace", "dev", cwd=tmp_path)
    assert flagged["metadata"]["namespace"] == "dev"
    assert flagged["spec"]["pipelineSpec"]["params"][0]["default"] == "from flag"
    (tmp_path / "kfpc.yaml").write_text("backend: argo\nservice_account: runner\n")
    (wf,) = documents(str(HELLO), cwd=tmp_path)
    assert wf["kind"] == "Workflow" and wf["spec"]["serviceAccountName"] == "runner"
    (tmp_path / "kfpc.yaml").write_text("backend: argo\nnamespce: ml\n")
    proc = kfpc("compile", str(HELLO), cwd=tmp_path)
    assert proc.returncode == 2 and "unknown setting 'namespce'" in proc.stderr and "did you mean 'namespace'" in proc.stderr
    (tmp_path / "kfpc.yaml").write_text("ttl: soon\n")
    proc = kfpc("compile", str(HELLO), cwd=tmp_path)
    assert proc.returncode == 2 and "kfpc.yaml:1: error[KFPC500]: ttl 'soon' is not a duration" in proc.stderr


def test_schedules_argo_and_kubernetes_accept() -> None:
    for schedule in ("*/15 8-18 * * MON-FRI", "0 0 1 JAN,jul ?", "@every 90m", "@midnight"):
        (cron,) = documents(str(HELLO), "--kind", "cron", "--schedule", schedule)
        assert cron["spec"]["schedules"] == [schedule]


def test_argo_version_spellings() -> None:
    for version in ("v3.5", "3.5.8"):
        (cron,) = documents(str(HELLO), "--kind", "cron", "--schedule", "@daily", "-O", f"argo-version={version}")
        assert cron["spec"]["schedule"] == "@daily" and "schedules" not in cron["spec"]
    (cron,) = documents(str(HELLO), "--kind", "cron", "--schedule", "@daily", "-O", "argo-version=v3.6")
    assert cron["spec"]["schedules"] == ["@daily"]


def test_pyproject_tables_in_any_toml_spelling(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.kfpc.labels]\nteam = "ml"\n\n'
                                            '[tool."kfpc"]\nnamespace = "ml"\n')
    (wf,) = documents(str(HELLO), cwd=tmp_path)
    assert wf["metadata"]["namespace"] == "ml" and wf["metadata"]["labels"]["team"] == "ml"
    (tmp_path / "other.toml").write_text("namespace = 'ml'\n")
    proc = kfpc("compile", str(HELLO), "--config", str(tmp_path / "other.toml"))
    assert proc.returncode == 2 and "no [tool.kfpc] table" in proc.stderr


def test_dates_in_the_config_file_are_the_text_written(tmp_path: Path) -> None:
    (tmp_path / "kfpc.yaml").write_text("params:\n  raw_data_path: 2024-01-01\n")
    (wf,) = documents(str(SEED), cwd=tmp_path)
    values = {p["name"]: p["value"] for p in wf["spec"]["arguments"]["parameters"]}
    assert values["raw_data_path"] == "2024-01-01"


def test_a_tasks_own_timeout_wins_over_the_default_on_both_backends() -> None:
    """--timeout is the default for tasks without one; kfp-kubernetes set_timeout(600) is the task's own."""
    ir = str(GOLDEN / "kubernetes_platform" / "pipeline.yaml")
    (wf,) = documents(ir, "--timeout", "5m")
    by_name = {t["name"]: t for t in wf["spec"]["templates"]}
    assert by_name["use-everything"]["activeDeadlineSeconds"] == "600" and "timeout" not in by_name["use-everything"]
    assert by_name["list-mounts"]["timeout"] == "5m"
    (run,) = documents(ir, "-b", "tekton", "--timeout", "5m")
    timeouts = {t["name"]: t.get("timeout") for t in run["spec"]["pipelineSpec"]["tasks"]}
    assert timeouts["use-everything"] == "600s" and timeouts["list-mounts"] == "5m"


def test_config_options_go_to_the_backend_that_declares_them(tmp_path: Path) -> None:
    (tmp_path / "kfpc.yaml").write_text("options:\n  argo-version: '3.5'\n  workspace-size: 2Gi\n")
    (cron,) = documents(str(HELLO), "--kind", "cron", "--schedule", "@daily", cwd=tmp_path)
    assert cron["spec"]["schedule"] == "@daily"
    (run,) = documents(str(SEED), "-b", "tekton", cwd=tmp_path)
    assert run["spec"]["workspaces"][0]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"] == "2Gi"
    (tmp_path / "kfpc.yaml").write_text("options:\n  argo-versoin: '3.5'\n")
    proc = kfpc("compile", str(HELLO), cwd=tmp_path)
    assert proc.returncode == 2 and "did you mean 'argo-version'" in proc.stderr
