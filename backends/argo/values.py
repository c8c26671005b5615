"""Plan value sources -> Argo expressions and argument values, inside one DAG template.

Two forms exist (see escape.py): raw text, which is what task outputs and workflow parameters hold
and what conditions compare, and K-form, which is what travels in template inputs. `raw()` gives
an expr-lang expression for the raw text of a source; `argument()` gives the K-form text to put in
a DAG task's `arguments.parameters[].value`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from kfpc.plan.model import (
    Constant, FinalStatus, FromInput, FromTask, Interpolation, ParamSource, ParamType, Runtime, RuntimeKind,
)
from kfpc.plan.values import text_form

from kfpc_backends.argo import escape

ENCODED_PREFIX = "kfpc:b64:"
_PLAIN_TYPES = (ParamType.INTEGER, ParamType.DOUBLE, ParamType.BOOLEAN)
# A child Workflow of a run cut into several (children.py) has its own name, uid and creation time
# (workflow/controller/operator.go:678-701 @v4.1.2); KFP's run-time values are the run's, so a child
# reads them from these workflow parameters, which the parent fills with its own.
RUN_PARAMS = {
    RuntimeKind.JOB_NAME: "kfpc-run-name",
    RuntimeKind.JOB_RESOURCE_NAME: "kfpc-run-name",
    RuntimeKind.JOB_UUID: "kfpc-run-uid",
    RuntimeKind.CREATE_TIME: "kfpc-run-created",
    RuntimeKind.SCHEDULE_TIME: "kfpc-run-scheduled",
}


@dataclass(frozen=True)
class Scope:
    """What a DAG template can see: its own inputs (K-form) or, at the root, the workflow parameters."""

    is_root: bool
    task_names: Mapping[str, str]  # plan task key -> Argo task name
    encoded_params: frozenset[str] = frozenset()  # workflow parameters whose default is kfpc:b64-encoded
    pipeline_root: str = ""
    input_names: Mapping[str, str] = field(default_factory=dict)  # plan input -> Argo parameter name
    failed_ok: Mapping[str, str] = field(default_factory=dict)  # upstreams that may have failed -> fallback
    on_exit: bool = False  # in the workflow's onExit handler: a final status is the workflow's
    workflow_inputs: frozenset[str] = frozenset()  # inputs read from workflow.parameters here too (split.Part)
    parent_run: bool = False  # a child Workflow: the run's identity is in RUN_PARAMS

    def task(self, key: str) -> str:
        return self.task_names[key]

    def input_param(self, name: str) -> str:
        return self.input_names.get(name, name)


def workflow_param(name: str, encoded: bool) -> str:
    ref = f"workflow.parameters[{escape.string_literal(name)}]"
    if not encoded:
        return ref
    return (f"(sprig.hasPrefix('{ENCODED_PREFIX}', {ref}) ? sprig.b64dec(sprig.trimPrefix('{ENCODED_PREFIX}', {ref}))"
            f" : {ref})")


def select(raw: str, selector: tuple[str | int, ...]) -> str:
    """parseJson(string_value)["a"][0] -> the selected value as text."""
    if not selector:
        return raw
    path = "".join(f"[{s}]" if isinstance(s, int) else f"[{escape.string_literal(s)}]" for s in selector)
    value = f"fromJSON({raw}){path}"
    return text_of(value)


def text_of(value: str) -> str:
    """KFP text form of a JSON value inside an expression: strings as they are, the rest as JSON."""
    return f"(sprig.kindIs('string', {value}) ? {value} : toJson({value}))"


def lenient(task: str, output: str, fallback: str) -> str:
    """A task output that may not exist (its producer failed): `get` and `??` never name a missing
    member, so Argo 3.7.11+ does not wait forever for it (an unresolved `tasks.*` tag requeues the task:
    workflow/controller/dag.go:838-842 @v4.1.2), and `fallback` is used."""
    return (f'(get(get(get(tasks[{escape.string_literal(task)}], "outputs"), "parameters"), '
            f"{escape.string_literal(output)}) ?? {escape.string_literal(fallback)})")


def raw(source: ParamSource, scope: Scope) -> str:
    if isinstance(source, FromInput):
        if scope.is_root or source.name in scope.workflow_inputs:
            base = workflow_param(source.name, source.name in scope.encoded_params)
        else:
            base = escape.u_expr(f"inputs.parameters[{escape.string_literal(scope.input_param(source.name))}]")
        return select(base, source.selector)
    if isinstance(source, FromTask):
        if source.task in scope.failed_ok:
            base = lenient(scope.task(source.task), source.output, scope.failed_ok[source.task])
        else:
            base = (f"tasks[{escape.string_literal(scope.task(source.task))}].outputs.parameters"
                    f"[{escape.string_literal(source.output)}]")
        return select(base, source.selector)
    if isinstance(source, Constant):
        return escape.string_literal(text_form(source.value))
    if isinstance(source, Runtime):
        return runtime(source.kind, scope)
    if isinstance(source, Interpolation):
        return " + ".join(escape.string_literal(part) if isinstance(part, str) else raw(part, scope)
                          for part in source.parts)
    if isinstance(source, FinalStatus):
        return final_status(source, scope)
    raise TypeError(f"no value for {source!r}")


def runtime(kind: RuntimeKind, scope: Scope) -> str:
    if scope.parent_run and kind in RUN_PARAMS:
        return f"workflow.parameters[{escape.string_literal(RUN_PARAMS[kind])}]"
    if kind in (RuntimeKind.JOB_NAME, RuntimeKind.JOB_RESOURCE_NAME):
        return "workflow.name"
    if kind is RuntimeKind.JOB_UUID:
        return "workflow.uid"
    if kind is RuntimeKind.CREATE_TIME:
        return "workflow.creationTimestamp.RFC3339"
    if kind is RuntimeKind.SCHEDULE_TIME:
        return '(workflow["scheduledTime"] ?? workflow.creationTimestamp.RFC3339)'
    if kind is RuntimeKind.PIPELINE_ROOT:
        return escape.string_literal(scope.pipeline_root)
    if kind is RuntimeKind.WORKSPACE_PATH:
        return "'/kfp-workspace'"
    if kind is RuntimeKind.TASK_UUID:
        return "workflow.uid"
    raise TypeError(kind)


def final_status(source: FinalStatus, scope: Scope) -> str:
    # In onExit the group was the whole pipeline: its status is the workflow's (Succeeded, Failed or
    # Error; workflow/controller/operator.go:446-457 @v4.1.2). The state names are KFP's own backend's:
    # its driver reports ML Metadata's execution state (backend/src/v2/driver/resolve.go:471 @2.17.0),
    # COMPLETE on success, which pipelines written for KFP check.
    status = "workflow.status" if scope.on_exit else f"tasks[{escape.string_literal(scope.task(source.task))}].status"
    state = (f"({status} == 'Succeeded' ? 'COMPLETE' : (({status} == 'Skipped' || {status} == 'Omitted') ? "
             f"'CANCELED' : 'FAILED'))")
    message = f"({status} == 'Succeeded' ? '' : 'task ' + {escape.string_literal(source.task_display_name)} + "\
              f"' ended ' + {status})"
    code = f"({status} == 'Succeeded' ? 0 : 2)"
    # Map literals keep a space before every closing brace: `}}` would end the Argo tag.
    return (f"toJson({{'state': {state}, 'pipelineTaskName': {escape.string_literal(source.task_display_name)}, "
            f"'pipelineJobResourceName': {runtime(RuntimeKind.JOB_RESOURCE_NAME, scope)}, 'error': {{'code': {code}, 'message': {message} }} }})")


def argument(source: ParamSource, scope: Scope, task_name: str = "", ptype: ParamType | None = None) -> str:
    """K-form text for a DAG task argument."""
    if isinstance(source, FromInput) and not scope.is_root and not source.selector \
            and source.name not in scope.workflow_inputs:
        return escape.tag(f"inputs.parameters[{escape.string_literal(scope.input_param(source.name))}]")
    if ptype in _PLAIN_TYPES and isinstance(source, (FromInput, FromTask)) and not source.selector:
        # Numbers and booleans have no `$` or `{` to escape; anything else would not parse anyway.
        return escape.tag(raw(source, scope))
    if isinstance(source, Constant):
        return escape.literal(text_form(source.value))
    if isinstance(source, Runtime) and source.kind is RuntimeKind.TASK_NAME:
        return escape.literal(task_name)
    if isinstance(source, Interpolation):
        out = []
        for i, part in enumerate(source.parts):
            if isinstance(part, str):
                out.append(escape.literal(part, adjacent=i + 1 < len(source.parts)))
            elif isinstance(part, Runtime) and part.kind is RuntimeKind.TASK_NAME:
                out.append(escape.literal(task_name, adjacent=i + 1 < len(source.parts)))
            else:
                out.append(escape.tag(escape.k_expr(raw(part, scope))))
        return "".join(out)
    return escape.tag(escape.k_expr(raw(source, scope)))
