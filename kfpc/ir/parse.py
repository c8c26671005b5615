"""Schema-valid IR dictionaries -> the typed model in kfpc.ir.model.

protojson accepts both the lowerCamelCase and the original snake_case spelling of every field, so
every read goes through `_get`, which tries both. Older SDKs wrote a few fields differently
(`type` instead of `parameterType`, `constantValue` instead of `constant`); those are read too.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from kfpc.errors import SchemaError
from kfpc.ir.model import (
    ArtifactDef, ArtifactInput, Component, Container, Dag, DagOutput, Executor, Importer, Interface, Iterator,
    MISSING, OutputSelector, ParamDef, ParamInput, Path, Pipeline, Retry, Task,
)

_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")
_LEGACY_TYPES = {"INT": "NUMBER_INTEGER", "DOUBLE": "NUMBER_DOUBLE", "STRING": "STRING"}


def _get(d: Mapping[str, Any] | None, name: str, default: Any = None) -> Any:
    if not d:
        return default
    value = d.get(name)
    if value is None:
        value = d.get(_SNAKE_CASE[name])
    return default if value is None else value


class _SnakeNames(dict):  # type: ignore[type-arg]
    """Field name -> its snake_case spelling, worked out on first use. Most fields a reader asks for
    are absent (some 30,000 times for a 1,000-task IR), so this lookup is as cheap as a dict's."""

    def __missing__(self, name: str) -> str:
        snake = self[name] = _SNAKE.sub("_", name).lower()
        return snake


_SNAKE_CASE = _SnakeNames()


def _map(d: Mapping[str, Any] | None, name: str) -> Mapping[str, Any]:
    value = _get(d, name)
    return value if isinstance(value, dict) else {}


def parse(doc: Mapping[str, Any], platform: Mapping[str, Any] | None = None) -> Pipeline:
    info = _map(doc, "pipelineInfo")
    components = {key: _component(key, spec, ("components", key)) for key, spec in _map(doc, "components").items()}
    root = _component("root", _map(doc, "root"), ("root",))
    deployment = _map(doc, "deploymentSpec")
    executors = {key: _executor(key, spec, ("deploymentSpec", "executors", key))
                 for key, spec in _map(deployment, "executors").items()}
    return Pipeline(
        name=str(_get(info, "name", "") or ""),
        display_name=str(_get(info, "displayName", "") or ""),
        description=str(_get(info, "description", "") or ""),
        sdk_version=str(_get(doc, "sdkVersion", "") or ""),
        schema_version=str(_get(doc, "schemaVersion", "") or ""),
        default_pipeline_root=str(_get(doc, "defaultPipelineRoot", "") or ""),
        components=components,
        root=root,
        executors=executors,
        platform=platform,
    )


def _interface(spec: Mapping[str, Any]) -> Interface:
    ins, outs = _map(spec, "inputDefinitions"), _map(spec, "outputDefinitions")
    return Interface(
        in_params={n: _param_def(n, p) for n, p in _map(ins, "parameters").items()},
        in_artifacts={n: _artifact_def(n, a) for n, a in _map(ins, "artifacts").items()},
        out_params={n: _param_def(n, p) for n, p in _map(outs, "parameters").items()},
        out_artifacts={n: _artifact_def(n, a) for n, a in _map(outs, "artifacts").items()},
    )


def _param_def(name: str, spec: Mapping[str, Any]) -> ParamDef:
    ptype = _get(spec, "parameterType") or _LEGACY_TYPES.get(str(_get(spec, "type", "")), "STRING")
    default = spec.get("defaultValue", MISSING) if "defaultValue" in spec else spec.get("default_value", MISSING)
    if isinstance(default, dict) and _get(spec, "parameterType") is None and len(default) == 1:
        # pre-2.0 PrimitiveValue {intValue|doubleValue|stringValue}
        default = next(iter(default.values()))
    literals = _get(spec, "literals")
    return ParamDef(name, str(ptype), default, bool(_get(spec, "isOptional", False)),
                      str(_get(spec, "description", "") or ""),
                      tuple(literals) if isinstance(literals, list) and literals else None)


def _artifact_def(name: str, spec: Mapping[str, Any]) -> ArtifactDef:
    atype = _map(spec, "artifactType")
    title = _get(atype, "schemaTitle") or _title_from_legacy(atype) or "system.Artifact"
    metadata = _get(spec, "metadata")
    return ArtifactDef(name, str(title), str(_get(atype, "schemaVersion", "0.0.1")),
                         bool(_get(spec, "isArtifactList", False)), bool(_get(spec, "isOptional", False)),
                         str(_get(spec, "description", "") or ""), metadata if isinstance(metadata, dict) else None)


def _title_from_legacy(atype: Mapping[str, Any]) -> str | None:
    schema = _get(atype, "instanceSchema")
    if isinstance(schema, str):
        found = re.search(r"title:\s*(\S+)", schema)
        return found.group(1) if found else None
    return None


def _component(key: str, spec: Mapping[str, Any], path: Path) -> Component:
    dag_spec = _get(spec, "dag")
    dag = _dag(dag_spec, path + ("dag",)) if isinstance(dag_spec, dict) else None
    executor = _get(spec, "executorLabel")
    passthroughs = tuple((str(_get(t, "field", "NONE")), bool(_get(t, "applyToTask", False)))
                         for t in _get(spec, "taskConfigPassthroughs", []) or [] if isinstance(t, dict))
    return Component(key, _interface(spec), dag, str(executor) if executor else None, path, passthroughs)


def _dag(spec: Mapping[str, Any], path: Path) -> Dag:
    tasks = {key: _task(key, t, path + ("tasks", key)) for key, t in _map(spec, "tasks").items()}
    outputs = _map(spec, "outputs")
    out_params = {}
    for name, out in _map(outputs, "parameters").items():
        single = _get(out, "valueFromParameter")
        sels: tuple[OutputSelector, ...]
        if single:
            sels = (OutputSelector(str(_get(single, "producerSubtask", "")), str(_get(single, "outputParameterKey", ""))),)
        else:
            oneof = _map(out, "valueFromOneof")
            sels = tuple(OutputSelector(str(_get(s, "producerSubtask", "")), str(_get(s, "outputParameterKey", "")))
                         for s in _get(oneof, "parameterSelectors", []) or [])
        out_params[name] = DagOutput(name, sels, path + ("outputs", "parameters", name))
    out_artifacts = {}
    for name, out in _map(outputs, "artifacts").items():
        sels = tuple(OutputSelector(str(_get(s, "producerSubtask", "")), str(_get(s, "outputArtifactKey", "")))
                     for s in _get(out, "artifactSelectors", []) or [])
        out_artifacts[name] = DagOutput(name, sels, path + ("outputs", "artifacts", name))
    return Dag(tasks, out_params, out_artifacts, path)


def _task(key: str, spec: Mapping[str, Any], path: Path) -> Task:
    inputs = _map(spec, "inputs")
    params = {n: _param_input(p, path + ("inputs", "parameters", n)) for n, p in _map(inputs, "parameters").items()}
    artifacts = {n: _artifact_input(a, path + ("inputs", "artifacts", n)) for n, a in _map(inputs, "artifacts").items()}
    caching = _map(spec, "cachingOptions")
    trigger = _map(spec, "triggerPolicy")
    iterator = None
    if it := _get(spec, "parameterIterator"):
        items = _map(it, "items")
        iterator = Iterator("parameter", str(_get(it, "itemInput", "")), _get(items, "raw"),
                              _get(items, "inputParameter"), path + ("parameterIterator",))
    elif it := _get(spec, "artifactIterator"):
        items = _map(it, "items")
        iterator = Iterator("artifact", str(_get(it, "itemInput", "")), None, _get(items, "inputArtifact"),
                              path + ("artifactIterator",))
    retry = None
    policy = _get(spec, "retryPolicy")
    if isinstance(policy, dict):
        retry = Retry(_count(_get(policy, "maxRetryCount", 0), path + ("retryPolicy", "maxRetryCount")),
                        _seconds(_get(policy, "backoffDuration")),
                        float(_get(policy, "backoffFactor", 0) or 0), _seconds(_get(policy, "backoffMaxDuration")))
    strategy = str(_get(trigger, "strategy", "") or "")
    return Task(
        key=key,
        display_name=str(_get(_map(spec, "taskInfo"), "name", key) or key),
        component=str(_get(_map(spec, "componentRef"), "name", "") or ""),
        params=params,
        artifacts=artifacts,
        dependent_tasks=tuple(str(t) for t in (_get(spec, "dependentTasks", []) or [])),
        cache_enabled=bool(_get(caching, "enableCache", False)),
        cache_key=str(_get(caching, "cacheKey", "") or ""),
        condition=_get(trigger, "condition") or None,
        all_upstream_completed=strategy == "ALL_UPSTREAM_TASKS_COMPLETED",
        iterator=iterator,
        parallelism=_count(_get(_map(spec, "iteratorPolicy"), "parallelismLimit", 0),
                           path + ("iteratorPolicy", "parallelismLimit")),
        retry=retry,
        path=path,
    )


def param_input(spec: Mapping[str, Any], path: Path) -> ParamInput:
    """An InputParameterSpec (task inputs, and the platform spec's parameter references)."""
    return _param_input(spec, path)


def _count(value: Any, path: Path) -> int:
    """A whole number of at least 0 (protojson writes int64 as a number or a string)."""
    try:
        number = int(value or 0) if not isinstance(value, (bool, float)) or float(value).is_integer() else None
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or number < 0 or number >= 2**63:
        raise SchemaError(f"expected a whole number of at least 0, found {value!r}", path=path, code="KFPC200")
    return number


def _param_input(spec: Mapping[str, Any], path: Path) -> ParamInput:
    selector = _get(spec, "parameterExpressionSelector") or None
    parent_input = _get(spec, "componentInputParameter")
    if parent_input is not None:
        return ParamInput("component_input", name=str(parent_input), selector=selector, path=path)
    out = _get(spec, "taskOutputParameter")
    if out is not None:
        return ParamInput("task_output", producer=str(_get(out, "producerTask", "")),
                            key=str(_get(out, "outputParameterKey", "")), selector=selector, path=path)
    status = _get(spec, "taskFinalStatus")
    if status is not None:
        return ParamInput("final_status", producer=str(_get(status, "producerTask", "")), path=path)
    runtime = _map(spec, "runtimeValue")
    if _get(runtime, "runtimeParameter") is not None:
        return ParamInput("runtime_parameter", name=str(_get(runtime, "runtimeParameter")), path=path)
    if "constant" in runtime:
        return ParamInput("constant", value=runtime["constant"], selector=selector, path=path)
    legacy = _map(runtime, "constantValue")
    if legacy:
        return ParamInput("constant", value=next(iter(legacy.values())), selector=selector, path=path)
    return ParamInput("constant", value=None, selector=selector, path=path)


def _artifact_input(spec: Mapping[str, Any], path: Path) -> ArtifactInput:
    if _get(spec, "componentInputArtifact") is not None:
        return ArtifactInput("component_input", name=str(_get(spec, "componentInputArtifact")), path=path)
    out = _map(spec, "taskOutputArtifact")
    return ArtifactInput("task_output", producer=str(_get(out, "producerTask", "")),
                           key=str(_get(out, "outputArtifactKey", "")), path=path)


def _executor(key: str, spec: Mapping[str, Any], path: Path) -> Executor:
    container = _get(spec, "container")
    if isinstance(container, dict):
        env = tuple((str(_get(e, "name", "")), str(_get(e, "value", "") or "")) for e in _get(container, "env", []) or [])
        return Executor(key, container=Container(
            image=str(_get(container, "image", "") or ""),
            command=tuple(str(c) for c in _get(container, "command", []) or []),
            args=tuple(str(a) for a in _get(container, "args", []) or []),
            env=env,
            resources=_map(container, "resources"),
            path=path + ("container",),
        ), path=path)
    importer = _get(spec, "importer")
    if isinstance(importer, dict):
        uri = _map(importer, "artifactUri")
        constant = _get(uri, "constant")
        if constant is None and _get(uri, "constantValue"):
            constant = next(iter(_get(uri, "constantValue").values()))
        tschema = _map(importer, "typeSchema")
        return Executor(key, importer=Importer(
            uri_constant=None if constant is None else str(constant),
            uri_parameter=_get(uri, "runtimeParameter"),
            schema_title=str(_get(tschema, "schemaTitle") or _title_from_legacy(tschema) or "system.Artifact"),
            schema_version=str(_get(tschema, "schemaVersion", "0.0.1")),
            metadata=_map(importer, "metadata"),
            reimport=bool(_get(importer, "reimport", False)),
            path=path + ("importer",),
            download_to_workspace=bool(_get(importer, "downloadToWorkspace", False)),
        ), path=path)
    other = next((k for k in ("resolver", "customJob") if _get(spec, k) is not None), "unknown")
    return Executor(key, other=other, path=path)


def _seconds(value: Any) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    return float(text[:-1]) if text.endswith("s") else float(text)
