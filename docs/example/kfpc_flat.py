"""kfpc_flat: the example backend of docs/plugins.md, for an imaginary engine that runs a flat list of containers.

Its engine knows steps (an image and an argv), run-time parameters (`$(params.NAME)`) and ordering
(`after`); nothing else. So the backend renders what maps onto that and refuses the rest with
UnsupportedError, which is what lets kfpc's conformance kit tell "cannot" from "forgot".
tests/test_plugin_example.py runs the kit on it.
"""

from __future__ import annotations

from typing import Any, Mapping

from kfpc.backend import PROTOCOL_VERSION, Option, Options, Output, settings
from kfpc.errors import UnsupportedError
from kfpc.plan.model import Constant, ContainerComponent, FromInput, InputValue, ParamBinding, Plan, Task
from kfpc.plan.placeholders import command_elements
from kfpc.plan.values import text_form

API_VERSION = "flat.example.dev/v1"

# The engine's document, as a JSON Schema: what the kit validates every output against.
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": API_VERSION},
        "kind": {"const": "FlatRun"},
        "metadata": {"type": "object", "required": ["generateName"]},
        "spec": {
            "type": "object",
            "required": ["steps"],
            "additionalProperties": False,
            "properties": {
                "params": {"type": "array", "items": {
                    "type": "object", "required": ["name"], "additionalProperties": False,
                    "properties": {"name": {"type": "string"}, "default": {"type": "string"}}}},
                "steps": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["name", "image", "command"], "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
                        "image": {"type": "string", "minLength": 1},
                        "command": {"type": "array", "items": {"type": "string"}},
                        "env": {"type": "object", "additionalProperties": {"type": "string"}},
                        "after": {"type": "array", "items": {"type": "string"}},
                    }}},
            },
        },
    },
}


class FlatBackend:
    name = "flat"
    description = "An imaginary engine that runs a flat list of containers (kfpc's plugin example)"
    protocol_version = PROTOCOL_VERSION
    options = (Option("step-prefix", "", "text put before every step name"),)

    # Golden fixtures this engine cannot run, and why (the kit fails on any other refusal).
    expected_unsupported = {
        "collected_artifacts": "loops (a nested DAG)",
        "conditions": "conditions (a nested DAG)",
        "container_placeholders": "artifacts",
        "exit_handler": "exit handlers (a nested DAG)",
        "hostile_strings": "Python components (they need KFP's launcher in the pod)",
        "importer": "importers",
        "kfp_workspace": "Python components",
        "kubernetes_platform": "creating volumes (kfp-kubernetes)",
        "loops": "loops (a nested DAG)",
        "oneof_artifacts": "Python components",
        "pipeline_placeholders": "values only the engine knows at run time (job name, create time)",
        "platform_runtime": "Python components",
        "python_types": "Python components",
        "retry_resources_env": "Python components",
        "seed_ml_pipeline": "Python components",
        "subpipelines": "nested pipelines",
        "wide_dag": "Python components",
    }

    def document_schema(self, document: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return SCHEMA if document.get("apiVersion") == API_VERSION else None

    def compile(self, plan: Plan, options: Options) -> Output:
        prefix = settings(self, options)["step-prefix"] or ""
        params = [{"name": q.name, **({"default": text_form(q.default)} if q.has_default else {})}
                  for q in plan.inputs]
        steps = [self.step(task, plan, prefix) for task in plan.root_dag.tasks]
        document = {"apiVersion": API_VERSION, "kind": "FlatRun",
                    "metadata": {"generateName": f"{plan.k8s_name}-"},
                    "spec": {"params": params, "steps": steps} if params else {"steps": steps}}
        return Output([document], [])

    def step(self, task: Task, plan: Plan, prefix: str) -> dict[str, Any]:
        comp = plan.component(task.component)
        if not isinstance(comp, ContainerComponent):
            raise UnsupportedError(f"task {task.name!r}: {comp.kind} components are not supported by flat")
        for refused, what in ((comp.needs_launcher, "Python components (KFP's launcher)"), (task.loop, "loops"),
                              (task.condition, "conditions"), (task.run_after_failure, "exit handlers"),
                              (task.retry, "retries"), (task.k8s, "kfp-kubernetes settings"),
                              (task.artifacts or comp.interface.out_artifacts, "artifacts"),
                              (not comp.resources.empty, "resource requests")):
            if refused:
                raise UnsupportedError(f"task {task.name!r}: {what} are not supported by flat")
        values = {b.name: self.value(b, task) for b in task.params}

        def text(arg: Any) -> str:
            if isinstance(arg, str):
                return arg
            if isinstance(arg, InputValue):
                return values[arg.name]
            raise UnsupportedError(f"task {task.name!r}: the placeholder {type(arg).__name__} is not supported")

        if not all(isinstance(part, str) for part in comp.image):
            raise UnsupportedError(f"task {task.name!r}: an image chosen at run time is not supported by flat")
        step: dict[str, Any] = {
            "name": prefix + task.name,
            "image": "".join(comp.image),  # type: ignore[arg-type]
            "command": [e for arg in comp.command + comp.args for e in command_elements(arg, values.__contains__, text)],
        }
        if comp.env:
            step["env"] = {name: "".join(text(part) for part in value) for name, value in comp.env}
        if task.depends:
            step["after"] = [prefix + plan.root_dag.task(key).name for key in task.depends]
        return step

    def value(self, binding: ParamBinding, task: Task) -> str:
        source = binding.source
        if isinstance(source, Constant):
            return text_form(source.value)
        if isinstance(source, FromInput) and not source.selector:
            return f"$(params.{source.name})"
        raise UnsupportedError(f"task {task.name!r}: input {binding.name!r} comes from "
                               f"{type(source).__name__}, which flat cannot pass")
