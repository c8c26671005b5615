"""Compile-time values for pipeline parameters (`kfpc compile -p name=value`, or `params` in the
config): they become the parameters' defaults, typed by the IR, so the manifest runs as given and
can still be overridden at submit time.

The same flag gives a pipeline-level input artifact its URI (`-p data=s3://bucket/key`). KFP itself
has no way to supply one: a run's runtime config carries parameter values only (the root DAG's
executor input is built from them alone, backend/src/v2/driver/root_dag.go:130-133 @2.17.0), so a
task reading a root artifact fails there ("parent DAG does not have input artifact",
backend/src/v2/driver/resolve.go:549-551 @2.17.0). Argo cannot take one at submit time either
(`argo submit` passes parameters only), so a compile-time URI is the one way to run such a pipeline
there; see the backends for what each does with it."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any

from kfpc.errors import UsageError, did_you_mean
from kfpc.plan.model import Artifact, Param, ParamType, Plan
from kfpc.plan.lower import normalize, type_problem
from kfpc.plan.values import text_form

_TRUE = ("true", "True", "TRUE", "1")
_FALSE = ("false", "False", "FALSE", "0")


def apply(plan: Plan, values: Mapping[str, Any]) -> Plan:
    if not values:
        return plan
    inputs = {q.name: q for q in plan.inputs}
    artifacts = {a.name: a for a in plan.root_dag.interface.in_artifacts}
    updated = dict(inputs)
    uris = dict(plan.artifact_uris)
    for name, raw in values.items():
        param = inputs.get(name)
        if param is None and name in artifacts:
            uris[name] = _uri(plan, artifacts[name], raw)
            continue
        if param is None:
            known = ", ".join(sorted(inputs)) or "none"
            also = f"; input artifacts: {', '.join(sorted(artifacts))}" if artifacts else ""
            raise UsageError(f"pipeline {plan.name!r} has no parameter {name!r} (parameters: {known}{also})",
                             hint=did_you_mean(name, [*inputs, *artifacts], cutoff=0.5), file=plan.source)
        value = _typed(plan, param, raw)
        updated[name] = dataclasses.replace(param, default=value, has_default=True)
    return dataclasses.replace(plan, inputs=tuple(updated[q.name] for q in plan.inputs),
                               artifact_uris=tuple(sorted(uris.items())))


def _uri(plan: Plan, artifact: Artifact, raw: Any) -> str:
    """A root input artifact's value: where the artifact is (a URI), as text."""
    where = f"input artifact {artifact.name!r}"
    if artifact.is_list:
        raise UsageError(f"{where} is a list of artifacts; -p gives one URI", file=plan.source)
    if not isinstance(raw, str) or not raw.strip():
        raise UsageError(f"{where} cannot be {raw!r}: give the artifact's URI, such as s3://bucket/key",
                         file=plan.source)
    return raw.strip()


def _typed(plan: Plan, param: Param, raw: Any) -> Any:
    """A value for `param` from text (command line) or from a typed config value."""
    kind = param.type
    where = f"parameter {param.name!r} ({kind.value})"
    if isinstance(raw, str) and kind is not ParamType.STRING:
        try:
            if kind is ParamType.BOOLEAN:
                if raw not in _TRUE + _FALSE:
                    raise ValueError("expected true or false")
                raw = raw in _TRUE
            elif kind is ParamType.INTEGER:
                raw = int(raw)
            elif kind is ParamType.DOUBLE:
                raw = float(raw)
                if not math.isfinite(raw):
                    raise ValueError("not a finite number")
            else:
                raw = json.loads(raw)
        except ValueError as exc:
            raise UsageError(f"{where} cannot be {raw!r}: {exc}", file=plan.source) from None
    value = normalize(raw, kind)
    problem = type_problem(value, kind)
    if problem:
        raise UsageError(f"{where}: {problem}", file=plan.source)
    if param.literals is not None and not any(allowed(value, v) for v in param.literals):
        raise UsageError(f"{where} cannot be {text_form(value)!r}: allowed values are "
                         f"{', '.join(repr(text_form(v)) for v in param.literals)}", file=plan.source)
    return value


def allowed(value: Any, literal: Any) -> bool:
    """Equal as protobuf Values, as KFP compares them (util/validate_literal.go @2.17.0): numbers are
    doubles (1 == 1.0), a boolean is not a number."""
    if isinstance(value, bool) or isinstance(literal, bool):
        return type(value) is type(literal) and value == literal
    return value == literal
