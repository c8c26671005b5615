"""A Unit is one pipeline task of the PipelineRun under construction, before it becomes YAML.

Units stay editable until the end because producers learn late what is asked of them: a consumer
may need one of their outputs as a Tekton result (for a `when` or a container's command line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from kfpc_backends.tekton import steps as tekton_steps
from kfpc_backends.tekton.sources import RUN_ROOT, WORKSPACE
from kfpc_backends.tekton import wire

KFP_WORKSPACE = "kfp-workspace"


def strings(value: Any) -> Iterator[str]:
    """Every string in a manifest fragment."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@dataclass
class Unit:
    name: str
    finally_: bool = False
    display: str = ""
    run_after: set[str] = field(default_factory=set)
    when: list[dict[str, Any]] = field(default_factory=list)
    matrix: dict[str, Any] | None = None
    params: list[dict[str, Any]] = field(default_factory=list)  # the pipeline task's params
    declared: list[dict[str, Any]] = field(default_factory=list)  # the taskSpec's params
    results: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    volumes: list[dict[str, Any]] = field(default_factory=list)
    retries: int = 0
    timeout: str = "0s"  # Tekton's default is 60 minutes, and PipelineRun timeouts do not reach tasks
    kfp_workspace: bool = False  # mount KFP's shared workspace (pipelineConfig) at /kfp-workspace

    @property
    def workspace(self) -> bool:
        """Only tasks that read or write the run's files bind the workspace: every pod bound to it is
        scheduled next to the volume (Tekton's affinity assistant), so the others stay free."""
        return any(step.get("command") == tekton_steps.COMMAND or any(RUN_ROOT in text for text in strings(step))
                   for step in self.steps)

    def result(self, name: str, array: bool = False) -> None:
        if all(r["name"] != name for r in self.results):
            self.results.append({"name": name, **({"type": "array"} if array else {})})

    def declare(self, name: str, array: bool = False) -> None:
        if all(d["name"] != name for d in self.declared):
            self.declared.append({"name": name, **({"type": "array"} if array else {})})

    def pass_params(self, params: dict[str, str]) -> None:
        """Parameters a runtime step reads through the pipeline task (task states): passed and declared once."""
        for name, value in params.items():
            if all(param["name"] != name for param in self.params):
                self.params.append({"name": name, "value": value})
                self.declare(name)

    def containers(self) -> int:
        """Containers of the TaskRun's pod: the steps and Tekton's init containers (`prepare` always,
        `place-scripts` for scripts, `working-dir-initializer` for relative or /workspace working
        directories: pkg/pod/pod.go:219-239 @v0.59.6, :248-269 @v1.15.0)."""
        dirs = [s.get("workingDir", "") for s in self.steps]
        return (len(self.steps) + 1 + any("script" in s for s in self.steps)
                + any(d and (not d.startswith("/") or d.startswith("/workspace/")) for d in dirs))

    def render(self) -> dict[str, Any]:
        if self.results and self.containers() > 3:
            # The kubelet keeps 12 KiB of termination messages per pod, split evenly between its
            # containers (kubelet status manager, normalizeStatus): with more than three, each step
            # may report less than Tekton's 4096 bytes. The runtime counts its results against that.
            for step in self.steps:
                for entry in step.get("env", ()):
                    if entry["name"] == "KFPC_SPEC" and isinstance(entry["value"], dict):
                        entry["value"][wire.Spec.POD_CONTAINERS] = self.containers()
        for step in self.steps:
            tekton_steps.finish_spec(step)
        spec: dict[str, Any] = {}
        workspace = self.workspace
        if self.declared:
            spec["params"] = self.declared
        if self.results:
            spec["results"] = self.results
        if workspace or self.kfp_workspace:
            spec["workspaces"] = [{"name": WORKSPACE}] + (
                [{"name": KFP_WORKSPACE, "mountPath": "/kfp-workspace"}] if self.kfp_workspace else [])
        spec["steps"] = self.steps
        if self.volumes:
            spec["volumes"] = self.volumes
        task: dict[str, Any] = {"name": self.name}
        if self.display and self.display != self.name:
            task["displayName"] = self.display
        if self.params:
            task["params"] = self.params
        if self.matrix:
            task["matrix"] = self.matrix
        if self.when:
            task["when"] = self.when
        if self.run_after and not self.finally_:
            task["runAfter"] = sorted(self.run_after)
        if self.retries:
            task["retries"] = self.retries
        task["timeout"] = self.timeout
        if workspace or self.kfp_workspace:
            # KFP's workspace is a directory of the run's volume: a second claim would keep Tekton's
            # affinity assistant from scheduling the pod (one volume per TaskRun).
            task["workspaces"] = [{"name": WORKSPACE, "workspace": WORKSPACE}] + (
                [{"name": KFP_WORKSPACE, "workspace": WORKSPACE,
                  "subPath": "$(context.pipelineRun.uid)/kfp-workspace"}] if self.kfp_workspace else [])
        task["taskSpec"] = spec
        return task
