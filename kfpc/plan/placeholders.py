"""Parse the placeholders the kfp SDK writes into container command/args into trees
(sdk/python/kfp/dsl/placeholders.py:46-313 @2.17.0 in kubeflow/pipelines).

Done once, in the core, so that every backend renders the same tree and none of them re-implements
the placeholder grammar. Text that merely looks like a template (`{{foo}}`, `${X}`) is the user's
and stays literal; only `{{$...}}` forms are placeholders, and an unknown one is an error rather
than something passed through to fail at run time.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Callable

from kfpc.plan.model import (Arg, Concat, ExecutorInput, ExecutorOutputFile, IfPresent, InputArtifactRef,
                             InputValue, JsonEscape, OutputArtifactRef, OutputParamFile, Runtime, RuntimeKind)
from kfpc.runtime.wire import Node

__all__ = ["PlaceholderError", "parse_element", "parse_string", "walk", "launcher_tree", "as_written", "command_elements",
           "command_text"]


_PLACEHOLDER = re.compile(r"\{\{\$(?P<body>[^{}]*)\}\}")
_NAME = r"""\[\s*(?:'(?P<{0}1>[^']*)'|"(?P<{0}2>[^"]*)")\s*\]"""
_FORMS = [
    ("in_param", re.compile(r"^\.inputs\.parameters" + _NAME.format("n") + r"$")),
    ("in_param_escaped", re.compile(r"^\.inputs\.parameters" + _NAME.format("n") + r"\.json_escape\[(?P<level>\d)\]$")),
    ("escaped", re.compile(r"^\.json_escape\[(?P<level>\d)\]$")),
    ("in_art", re.compile(r"^\.inputs\.artifacts" + _NAME.format("n") + r"(?:\.(?P<attr>path|uri|metadata)(?:"
                          + _NAME.format("k") + r")?)?$")),
    ("out_param", re.compile(r"^\.outputs\.parameters" + _NAME.format("n") + r"\.output_file$")),
    ("out_art", re.compile(r"^\.outputs\.artifacts" + _NAME.format("n") + r"(?:\.(?P<attr>path|uri|metadata)(?:"
                           + _NAME.format("k") + r")?)?$")),
    ("out_file", re.compile(r"^\.outputs\.output_file$")),
    ("runtime", re.compile(r"^\.(?P<kind>pipeline_[a-z_]+|workspace_path)$")),
]
_RUNTIME = {k.value: k for k in RuntimeKind}


class PlaceholderError(ValueError):
    pass


class VertexOnlyError(PlaceholderError):
    """A placeholder only Vertex AI fills in (the job's Google Cloud project or location)."""

    def __init__(self, feature: str):
        super().__init__(feature)
        self.feature = feature


#: Placeholders Vertex AI fills in and no engine can: reported once per feature, with a count.
VERTEX_ONLY = {"pipeline_google_cloud_project_id": "{{$.pipeline_google_cloud_project_id}}",
               "pipeline_google_cloud_location": "{{$.pipeline_google_cloud_location}}"}


@functools.lru_cache(maxsize=4096)
def parse_element(text: str) -> Arg:
    """One command/args element: plain text, a placeholder string, or a structured JSON placeholder."""
    if text.startswith("{") and ('"Concat"' in text[:16] or '"IfPresent"' in text[:16]):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and len(data) == 1 and next(iter(data)) in ("Concat", "IfPresent"):
            return _structured(data)
    return parse_string(text)


def parse_string(text: str) -> Arg:
    parts: list[Arg] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > pos:
            parts.append(text[pos:match.start()])
        parts.append(_placeholder(match.group("body"), match.group(0)))
        pos = match.end()
    if pos < len(text):
        parts.append(text[pos:])
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return Concat(tuple(parts))


def _placeholder(body: str, whole: str) -> Arg:
    if body == "":
        return ExecutorInput()
    for kind, pattern in _FORMS:
        match = pattern.fullmatch(body)
        if not match:
            continue
        groups = match.groupdict()
        name = groups.get("n1") if groups.get("n1") is not None else groups.get("n2")
        key = groups.get("k1") if groups.get("k1") is not None else groups.get("k2")
        if kind == "in_param":
            return InputValue(name or "")
        if kind == "in_param_escaped":
            return JsonEscape(int(groups["level"]), InputValue(name or ""))
        if kind == "escaped":
            return JsonEscape(int(groups["level"]), ExecutorInput())
        if kind == "in_art":
            return InputArtifactRef(name or "", groups.get("attr") or "list", key)
        if kind == "out_param":
            return OutputParamFile(name or "")
        if kind == "out_art":
            return OutputArtifactRef(name or "", groups.get("attr") or "list", key)
        if kind == "out_file":
            return ExecutorOutputFile()
        if kind == "runtime" and groups["kind"] in _RUNTIME:
            return Runtime(_RUNTIME[groups["kind"]])
        if kind == "runtime" and groups["kind"] in VERTEX_ONLY:
            raise VertexOnlyError(VERTEX_ONLY[groups["kind"]])
    raise PlaceholderError(f"unknown placeholder {whole}")


def _structured(data: dict[str, Any]) -> Arg:
    (kind, body), = data.items()
    if kind == "Concat":
        if not isinstance(body, list):
            raise PlaceholderError("Concat must hold a list")
        return Concat(tuple(_item(i) for i in body))
    if not isinstance(body, dict) or "InputName" not in body:
        raise PlaceholderError("IfPresent needs an InputName")
    return IfPresent(str(body["InputName"]), _branch(body.get("Then")), _branch(body.get("Else")))


def _branch(value: Any) -> tuple[Arg, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(_item(v) for v in value)
    return (_item(value),)


def _item(value: Any) -> Arg:
    if isinstance(value, str):
        return parse_element(value)
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Concat", "IfPresent"):
        return _structured(value)
    raise PlaceholderError(f"unexpected placeholder item {json.dumps(value)[:60]}")


def walk(arg: Arg):
    """Every leaf of a placeholder tree (strings included), depth first."""
    if isinstance(arg, Concat):
        for part in arg.parts:
            yield from walk(part)
    elif isinstance(arg, IfPresent):
        for part in arg.then + arg.otherwise:
            yield from walk(part)
    elif isinstance(arg, JsonEscape):
        yield from walk(arg.inner)
    else:
        yield arg


def escapes(arg: Arg) -> bool:
    """Does the tree hold a json_escape placeholder (which only the in-pod launcher renders)?"""
    if isinstance(arg, JsonEscape):
        return True
    if isinstance(arg, Concat):
        return any(escapes(part) for part in arg.parts)
    if isinstance(arg, IfPresent):
        return any(escapes(part) for part in arg.then + arg.otherwise)
    return False


def map_leaves(arg: Arg, fn: Callable[[Arg], Arg]) -> Arg:
    """The same tree with every leaf replaced by fn(leaf); unchanged trees are returned as they are."""
    if isinstance(arg, Concat):
        parts = tuple(map_leaves(part, fn) for part in arg.parts)
        return arg if all(a is b for a, b in zip(parts, arg.parts)) else Concat(parts)
    if isinstance(arg, IfPresent):
        then = tuple(map_leaves(part, fn) for part in arg.then)
        otherwise = tuple(map_leaves(part, fn) for part in arg.otherwise)
        same = all(a is b for a, b in zip(then + otherwise, arg.then + arg.otherwise))
        return arg if same else IfPresent(arg.name, then, otherwise)
    if isinstance(arg, JsonEscape):
        inner = map_leaves(arg.inner, fn)
        return arg if inner is arg.inner else JsonEscape(arg.level, inner)
    return fn(arg)


def launcher_tree(arg: Arg, runtime: Callable[[Runtime], Any]) -> Any:
    """A placeholder tree as the JSON the in-pod programs render at run time (both engines; its tags are
    kfpc/runtime/wire.py's, which the executor core reads);
    `runtime` says how each engine provides `{{$.pipeline_*}}` values."""
    if isinstance(arg, str):
        return arg
    if isinstance(arg, Concat):
        return [Node.CONCAT, [launcher_tree(a, runtime) for a in arg.parts]]
    if isinstance(arg, IfPresent):
        return [Node.IF_PRESENT, arg.name, [launcher_tree(a, runtime) for a in arg.then],
                [launcher_tree(a, runtime) for a in arg.otherwise]]
    if isinstance(arg, JsonEscape):
        return [Node.JSON_ESCAPE, arg.level, launcher_tree(arg.inner, runtime)]
    if isinstance(arg, ExecutorInput):
        return [Node.EXECUTOR_INPUT]
    if isinstance(arg, ExecutorOutputFile):
        return [Node.EXECUTOR_OUTPUT]
    if isinstance(arg, InputValue):
        return [Node.INPUT_VALUE, arg.name]
    if isinstance(arg, OutputParamFile):
        return [Node.OUTPUT_PARAM, arg.name]
    if isinstance(arg, InputArtifactRef):
        return [Node.INPUT_ARTIFACT, arg.name, arg.attr, arg.key]
    if isinstance(arg, OutputArtifactRef):
        return [Node.OUTPUT_ARTIFACT, arg.name, arg.attr, arg.key]
    if isinstance(arg, Runtime):
        return runtime(arg)
    raise TypeError(arg)


def as_written(arg: Arg) -> str:
    """The element as the IR wrote it, shown in manifests for readers; the launcher renders the tree."""
    if isinstance(arg, str):
        return arg
    if isinstance(arg, Concat):
        return "".join(as_written(a) for a in arg.parts)
    if isinstance(arg, IfPresent):
        return f"(if {arg.name} present)"
    if isinstance(arg, JsonEscape):
        inner = as_written(arg.inner)
        return inner[:-2] + f".json_escape[{arg.level}]}}}}" if inner != "{{$}}" else f"{{{{$.json_escape[{arg.level}]}}}}"
    if isinstance(arg, InputValue):
        return f"{{{{$.inputs.parameters['{arg.name}']}}}}"
    if isinstance(arg, InputArtifactRef):
        return f"{{{{$.inputs.artifacts['{arg.name}'].{arg.attr}}}}}"
    if isinstance(arg, OutputParamFile):
        return f"{{{{$.outputs.parameters['{arg.name}'].output_file}}}}"
    if isinstance(arg, OutputArtifactRef):
        return f"{{{{$.outputs.artifacts['{arg.name}'].{arg.attr}}}}}"
    if isinstance(arg, ExecutorInput):
        return "{{$}}"
    if isinstance(arg, ExecutorOutputFile):
        return "{{$.outputs.output_file}}"
    if isinstance(arg, Runtime):
        return f"{{{{$.{arg.kind.value}}}}}"
    return ""


def command_elements(arg: Arg, present: Callable[[str], bool], leaf: Callable[[Arg], str]) -> list[str]:
    """One command/args entry -> the argv strings it becomes: IfPresent picks a branch (which may
    add several elements or none), an input nobody supplies drops out as under KFP, Concat joins.
    `leaf` renders everything else in the engine's own terms."""
    if isinstance(arg, IfPresent):
        branch = arg.then if present(arg.name) else arg.otherwise
        return [e for item in branch for e in command_elements(item, present, leaf)]
    if isinstance(arg, InputValue) and not present(arg.name):
        return []
    return [command_text(arg, present, leaf)]


def command_text(arg: Arg, present: Callable[[str], bool], leaf: Callable[[Arg], str]) -> str:
    if isinstance(arg, Concat):
        return "".join(command_text(part, present, leaf) for part in arg.parts)
    if isinstance(arg, IfPresent):
        branch = arg.then if present(arg.name) else arg.otherwise
        return "".join(command_text(part, present, leaf) for part in branch)
    return leaf(arg)
