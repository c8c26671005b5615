"""Pipeline-level input artifacts: `-p NAME=URI` gives one its location on both backends.

Argo refuses a workflow argument artifact without `from`, a location or a key, optional or not
(workflow/validate/validate.go:1051-1053 @v4.1.2, :969 @v3.7.18, :959 @v3.6.19), and `argo submit`
cannot give one, so a required artifact without a URI is refused at compile time. Tekton takes the
value as a run parameter: the URI becomes its default, and an optional artifact defaults to empty
(absent), since Tekton fails a run that leaves a parameter without default unset
(pkg/reconciler/pipelinerun/pipelinerun.go:629-633 @v1.15.0)."""

from __future__ import annotations

from pathlib import Path

import pytest

import argo_checks
import kfpc
from conftest import run_kfpc
from kfpc.errors import KfpcError, UsageError
from tekton_sim import simulate

IR = Path(__file__).resolve().parent / "fixtures" / "root_artifact.yaml"  # `data` required, `extra` optional


def argo(**params: str) -> list[dict]:
    return list(kfpc.compile(str(IR), "argo", params=params).documents)


@pytest.mark.parametrize("extra", [[], ["--kind", "template"], ["--kind", "cron", "--schedule", "@daily"]])
def test_argo_refuses_a_required_input_artifact_without_uri(extra: list[str]) -> None:
    proc = run_kfpc("compile", str(IR), *extra)
    assert proc.returncode == 2, proc.stdout
    assert "'data'" in proc.stderr and "-p data=URI" in proc.stderr and not proc.stdout


@pytest.mark.parametrize("uri, location", [
    ("s3://bucket/in/x.csv", {"s3": {"endpoint": "s3.amazonaws.com", "bucket": "bucket", "key": "in/x.csv",
                                     "useSDKCreds": True}}),
    ("gs://bucket/in/x.csv", {"gcs": {"bucket": "bucket", "key": "in/x.csv"}}),
    ("https://example.com/x.csv", {"http": {"url": "https://example.com/x.csv"}}),
    ("datasets/x.csv", {"s3": {"key": "datasets/x.csv"}}),  # a key in the artifact repository
])
def test_argo_gives_the_uri_as_the_argument_artifacts_location(uri: str, location: dict) -> None:
    for kind in ("run", "template", "cron"):
        run = {"kind": kind, **({"schedule": "@daily"} if kind == "cron" else {})}
        doc = kfpc.compile(str(IR), "argo", params={"data": uri}, run=run).documents[-1]
        spec = doc["spec"]["workflowSpec"] if kind == "cron" else doc["spec"]
        # the optional `extra` without a URI is left out: an optional template input may go unsupplied
        assert spec["arguments"]["artifacts"] == [{"name": "data", **location, "archive": {"none": {}}}]
        assert argo_checks.problems_any(doc) == []


def test_argo_check_flags_an_argument_artifact_without_location() -> None:
    doc = argo(data="s3://bucket/key")[0]
    doc["spec"]["arguments"]["artifacts"] = [{"name": "data"}]
    assert argo_checks.argument_values(doc) == ["spec.arguments.artifacts.data.from, artifact location, or key "
                                                "is required"]


@pytest.mark.parametrize("uri", ["ftp://host/x", "oci://registry/model", "a{{b}}"])
def test_argo_refuses_a_uri_it_cannot_download(uri: str) -> None:
    with pytest.raises(KfpcError, match=r"input artifact 'data'(:| is)"):
        argo(data=uri)


def test_a_value_names_a_parameter_or_an_input_artifact() -> None:
    with pytest.raises(UsageError, match="input artifacts: data, extra") as info:
        argo(dat="s3://b/k")
    assert "did you mean 'data'" in str(info.value.diagnostics[0].hint)


def test_tekton_runs_with_the_given_path_and_without_the_optional_artifact(tmp_path: Path) -> None:
    result = kfpc.compile(str(IR), "tekton", params={"data": "in/x.csv"})
    params = {q["name"]: q for q in result.documents[0]["spec"]["pipelineSpec"]["params"]}
    assert params["data"]["default"] == "in/x.csv" and params["extra"]["default"] == ""
    (tmp_path / "ws" / "in").mkdir(parents=True)
    (tmp_path / "ws" / "in" / "x.csv").write_text("hello,1\n")
    outcome = simulate(result.documents[0], tmp_path)
    assert {n: s.status for n, s in outcome.states.items()} == {"val-show": "Succeeded", "show": "Succeeded"}
    assert outcome.stdout("show") == "hello,1\n"


def test_tekton_warns_about_a_required_input_artifact_without_uri(tmp_path: Path) -> None:
    result = kfpc.compile(str(IR), "tekton")
    assert any("input artifact 'data' is required" in w and "-p data=URI" in w for w in result.warnings)
    assert not any("'extra'" in w for w in result.warnings)
    with pytest.raises(ValueError, match="missing parameters"):
        simulate(result.documents[0], tmp_path)
