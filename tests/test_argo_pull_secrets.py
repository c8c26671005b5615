"""Image pull secrets and images without a command: the controller looks up such an image's
entrypoint itself, with only the workflow's spec.imagePullSecrets and the service account's
secrets (workflow/controller/workflowpod.go:755-760 @v4.1.2, :405-411 @v3.6.19), never a
template's podSpecPatch, so the pod never starts when the secret is only there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import argo_checks
import argo_sim
import kfpc

HELLO = Path(__file__).resolve().parent.parent / "golden" / "hello_container" / "pipeline.yaml"


def commandless(secrets: list[dict[str, Any]], second: list[dict[str, Any]] | None = None) -> str:
    """hello_container with the image's own entrypoint (no command) and pull secrets on the task;
    `second` adds a second task with its own secrets."""
    ir = yaml.safe_load(HELLO.read_text("utf-8"))
    del ir["deploymentSpec"]["executors"]["exec-echo"]["container"]["command"]
    ir["root"]["inputDefinitions"]["parameters"]["secret"] = {"parameterType": "STRING", "defaultValue": "s"}
    executors = {"exec-echo": {"imagePullSecret": secrets}}
    if second is not None:
        ir["components"]["comp-echo-2"] = ir["components"]["comp-echo"] | {"executorLabel": "exec-echo-2"}
        ir["deploymentSpec"]["executors"]["exec-echo-2"] = {"container": {"image": "registry.example.com/b:1",
                                                                           "args": ["x"]}}
        ir["root"]["dag"]["tasks"]["echo-2"] = {**ir["root"]["dag"]["tasks"]["echo"],
                                                "componentRef": {"name": "comp-echo-2"},
                                                "taskInfo": {"name": "echo-2"}}
        executors["exec-echo-2"] = {"imagePullSecret": second}
    platform = {"platforms": {"kubernetes": {"deploymentSpec": {"executors": executors}}}}
    return yaml.safe_dump(ir) + "---\n" + yaml.safe_dump(platform)


def constant(name: str) -> dict[str, Any]:
    return {"secretName": name, "secretNameParameter": {"runtimeValue": {"constant": name}}}


def test_constant_pull_secrets_reach_the_entrypoint_lookup() -> None:
    result = kfpc.compile_text(commandless([constant("zz-registry")], [constant("aa-registry"),
                                                                        constant("zz-registry")]), "argo")
    (wf,) = result.documents
    leaf = next(t for t in wf["spec"]["templates"] if "container" in t and "echo" in t["name"])
    assert "command" not in leaf["container"]  # the controller must look the entrypoint up
    # What the controller's lookup sees (workflowpod.go:758 @v4.1.2): the workflow's secrets only.
    assert argo_sim.entrypoint_lookup_secrets(wf, service_account_secrets=()) == ["aa-registry", "zz-registry"]
    assert not argo_checks.problems(wf)
    assert not any("no command" in w for w in result.warnings)


def test_a_run_time_pull_secret_for_an_image_without_command_is_warned() -> None:
    runtime = {"secretNameParameter": {"componentInputParameter": "secret"}}
    result = kfpc.compile_text(commandless([runtime]), "argo")
    (wf,) = result.documents
    assert "imagePullSecrets" not in wf["spec"]
    assert any("'echo'" in w and "no command" in w for w in result.warnings)
