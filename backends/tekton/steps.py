"""Steps: what runs inside one TaskRun pod.

* launcher step (Python components, `{{$}}`): the kfpc runtime in the component's own image builds
  the ExecutorInput from descriptors (sources.py) and runs the component's command unchanged;
* direct step (container components): the command line is rendered here with Tekton references, and
  a `post` helper step moves its outputs from an emptyDir into the run's workspace;
* helper steps (gates, conditions, values, importers, PVCs): the kfpc runtime in the helper image.
Every string of user text is in T-form (escape.py); nothing of the user's is pasted into a script.
"""

from __future__ import annotations

from typing import Any, Protocol

from kfpc.errors import UnsupportedError
from kfpc.plan.model import (
    Arg, ContainerComponent, InputArtifactRef, InputValue, Interface, OutputArtifactRef, OutputParamFile, Runtime,
    RuntimeKind,
)
from kfpc.plan import placeholders
from kfpc.plan.values import text_form
from kfpc.runtime import bootstrap

from kfpc_backends.tekton import escape
from kfpc_backends.tekton import flatten
from kfpc_backends.tekton import wire
from kfpc_backends.tekton.sources import RUN_ROOT, Descriptors

RUNTIME_ENV = "KFPC_RT"
OUT_DIR = "/kfpc/out"
OUT_VOLUME = "kfpc-out"
KEY_PARAM = "kfpc-key"
VALUE_PARAM = "kfpc-v"
KEYS_PARAM = "kfpc-keys"
COMMAND = ["python3", "-c", bootstrap(RUNTIME_ENV)]


def runtime_step(name: str, image: str, mode: str, spec: dict[str, Any], desc: Descriptors,
                 args: tuple[str, ...] | list[str] = (), keyed: bool = False) -> dict[str, Any]:
    """A step running the kfpc runtime. `spec` stays a dict until the manifest is written (producers
    learn late which of their outputs other tasks read as results)."""
    env: list[dict[str, Any]] = [{"name": "KFPC_RUN", "value": escape.ref("context.pipelineRun.uid")}]
    if keyed:
        env.append({"name": "KFPC_KEY", "value": escape.ref(f"params.{KEY_PARAM}")})
    env += [{"name": k, "value": v} for k, v in desc.env.items()]
    env.append({"name": "KFPC_SPEC", "value": spec})
    return {"name": name, "image": image, "command": list(COMMAND), "args": [mode, *args], "env": env}


def finish_spec(step: dict[str, Any]) -> None:
    for entry in step.get("env", ()):
        if entry["name"] == "KFPC_SPEC" and isinstance(entry["value"], dict):
            entry["value"] = escape.spec_json({k: v for k, v in entry["value"].items() if v not in ({}, [], None)})


# -- launcher --------------------------------------------------------------------------------------


def param_specs(interface: Interface, task: flatten.FlatTask, desc: Descriptors) -> list[list[Any]]:
    """[name, type, descriptor] of each input the task supplies: the runtime types them as KFP does."""
    out = []
    for q in interface.in_params:
        if q.name in task.params:
            descriptor = desc.param(task.params[q.name][1])
            if descriptor is not None:
                out.append([q.name, q.type.value, descriptor])
    return out


def launcher_spec(task: flatten.FlatTask, desc: Descriptors) -> tuple[dict[str, Any], list[str]]:
    """The runtime's spec for a Python component, and the step's args after `run`."""
    component = task.component
    assert isinstance(component, ContainerComponent)
    interface = component.interface
    params = param_specs(interface, task, desc)
    arts = []
    for art in interface.in_artifacts:
        if art.name in task.artifacts:
            binding, source = task.artifacts[art.name]
            descriptor = desc.artifact(source)
            if descriptor is not None:
                arts.append([art.name, binding.type.schema_title, binding.type.schema_version, int(binding.is_list),
                             descriptor])
    argv, templated = [], {}
    for index, arg in enumerate(component.command + component.args):
        argv.append(escape.tform(placeholders.as_written(arg)))
        if not isinstance(arg, str):
            templated[str(index)] = placeholders.launcher_tree(arg, lambda leaf: [wire.Placeholder.VALUE, desc.runtime(leaf.kind)])
    env = [[name, [wire.Value.INTERP, [part if isinstance(part, str) else desc.param(task.params[part.name][1]) or ""
                         for part in tmpl if isinstance(part, str) or part.name in task.params]]]
           for name, tmpl in component.env]
    spec = {wire.Spec.TASK: task.id, wire.Spec.PARAMS: params, wire.Spec.ARTIFACTS: arts, wire.Spec.ENV: env,
            wire.Spec.OUT_PARAMS: [[q.name, q.type.value] for q in interface.out_params],
            wire.Spec.OUT_ARTIFACTS: [[art.name, art.type.schema_title, art.type.schema_version] for art in interface.out_artifacts],
            wire.Spec.TEMPLATED: templated, wire.Spec.RESULTS: {}}
    if task.loops:
        spec[wire.Spec.LOOPS] = desc.loop_table()
    return spec, argv


# -- direct containers -----------------------------------------------------------------------------


class Values(Protocol):
    """Tekton text for the values a command line reads (a constant, a parameter or result
    reference, the task's Matrix value, a helper task's result); the builder decides which."""

    def input(self, name: str) -> str: ...

    def runtime(self, kind: RuntimeKind) -> str: ...

    def artifact(self, name: str, attr: str, key: str | None) -> str: ...


class DirectCommand:
    """The command line of a container component as Tekton text."""

    def __init__(self, task: flatten.FlatTask, values: Values):
        self.task = task
        self.values = values

    def present(self, name: str) -> bool:
        if name in self.task.params:
            source = self.task.params[name][1]
            return not (isinstance(source, flatten.Const) and source.value is None)
        return name in self.task.artifacts and self.task.artifacts[name][1] is not None

    def elements(self, arg: Arg) -> list[str]:
        return placeholders.command_elements(arg, self.present, self.leaf)

    def leaf(self, arg: Arg) -> str:
        if isinstance(arg, str):
            return escape.tform(arg)
        if isinstance(arg, InputValue):
            return self.values.input(arg.name) if self.present(arg.name) else ""
        if isinstance(arg, InputArtifactRef):
            return self.values.artifact(arg.name, arg.attr, arg.key) if self.present(arg.name) else ""
        if isinstance(arg, (OutputParamFile, OutputArtifactRef)):
            if isinstance(arg, OutputArtifactRef) and arg.attr == "metadata":
                return "{}" if arg.key is None else ""
            return f"{OUT_DIR}/{arg.name}"
        if isinstance(arg, Runtime):
            return self.values.runtime(arg.kind)
        raise UnsupportedError(f"component {self.task.component.ir_key!r} uses {type(arg).__name__}, which needs the "
                               "in-pod launcher", path=(self.task.plan_task.path,))


def direct_steps(task: flatten.FlatTask, command: DirectCommand, image: str,
                 post: dict[str, Any] | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The component's own step (and the post step when it has outputs), and the volumes they share."""
    component = task.component
    assert isinstance(component, ContainerComponent)
    main: dict[str, Any] = {"name": "main", "image": image}
    cmd = [element for arg in component.command for element in command.elements(arg)]
    args = [element for arg in component.args for element in command.elements(arg)]
    if cmd:
        main["command"] = cmd
    if args:
        main["args"] = args
    env = []
    for name, tmpl in component.env:
        env.append({"name": name, "value": "".join(escape.tform(part) if isinstance(part, str)
                                                    else command.values.input(part.name) for part in tmpl)})
    if any(escape.DOLLAR in entry["value"] for entry in env):
        # The kubelet expands $(KFPC_D) in an env value only from variables defined before it.
        env.insert(0, {"name": escape.DOLLAR_ENV, "value": "$"})
    if env:
        main["env"] = env
    steps = [main]
    volumes: list[dict[str, Any]] = []
    if post is not None:
        main["volumeMounts"] = [{"name": OUT_VOLUME, "mountPath": OUT_DIR}]
        post.setdefault("volumeMounts", []).append({"name": OUT_VOLUME, "mountPath": OUT_DIR})
        steps.append(post)
        volumes.append({"name": OUT_VOLUME, "emptyDir": {}})
    return steps, volumes


def artifact_path(task_dir: str, name: str, key_ref: str | None) -> str:
    return f"{RUN_ROOT}/{task_dir}/" + (f"{key_ref}/" if key_ref else "") + name


def constant_text(value: Any) -> str:
    return escape.tform(text_form(value))
