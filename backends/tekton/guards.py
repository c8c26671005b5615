"""Conditions as Tekton `when` expressions, where Tekton can evaluate them itself.

Tekton compares strings exactly, with `in` / `notin` (pkg/apis/pipeline/v1/when_types.go:48-63 @v1.15.0).
So `==` / `!=` between a string
or boolean input and a literal becomes one `when` entry, on a pipeline parameter or on a result of a
task that always runs; `and` of such comparisons becomes several entries. Anything else (numbers,
`<`, `or`, values from tasks that may be skipped, literals with a `$`) is left to a condition task
(build.py). Values are compared in T-form, the form results and parameters carry (escape.py); a `$`
would put `$(KFPC_D)` in `when`, which Tekton v1.14+ refuses.
"""

from __future__ import annotations

from typing import Any, Callable

from kfpc.plan.model import And, Compare, Expr, Literal, Not, Operand, ParamType
from kfpc.plan.values import text_form

from kfpc_backends.tekton import escape
from kfpc_backends.tekton import flatten

# The spellings KFP's launcher reads as booleans; a run parameter may use any of them.
TRUE = ["true", "True", "TRUE", "1", "t", "T"]
FALSE = ["false", "False", "FALSE", "0", "f", "F"]
NEVER = {"input": "false", "operator": "in", "values": ["true"]}


def when_entries(expr: Expr, reference: Callable[[flatten.Source], str | None]) -> list[dict[str, Any]] | None:
    """`when` entries equivalent to `expr`, or None. `reference` gives the Tekton text of a source
    when Tekton can read it safely (a parameter, a result of a task that always runs)."""
    if isinstance(expr, And):
        out: list[dict[str, Any]] = []
        for operand in expr.operands:
            entries = when_entries(operand, reference)
            if entries is None:
                return None
            out += entries
        return out
    negate = False
    if isinstance(expr, Not) and isinstance(expr.operand, Compare):
        expr, negate = expr.operand, True
    if not isinstance(expr, Compare) or expr.op not in ("==", "!="):
        return None
    if isinstance(expr.left, Operand) and isinstance(expr.right, Literal):
        operand, literal = expr.left, expr.right
    elif isinstance(expr.right, Operand) and isinstance(expr.left, Literal):
        operand, literal = expr.right, expr.left
    else:
        return None
    if operand.cast is not None:
        return None
    if operand.type is ParamType.STRING and isinstance(literal.value, str):
        values = [escape.tform(literal.value)]
    elif operand.type is ParamType.BOOLEAN and isinstance(literal.value, bool):
        values = TRUE if literal.value else FALSE
    else:
        return None
    positive = (expr.op == "==") != negate
    source = operand.source
    if isinstance(source, flatten.Const):
        if source.value is None:
            return None
        holds = escape.tform(text_form(source.value)) in values
        return [] if holds == positive else [dict(NEVER)]
    if any(escape.DOLLAR in v for v in values):
        # Tekton v1.14+ rejects `$(KFPC_D)` in `when` (pipeline_validation.go:873-899 @v1.15.0):
        # a condition task compares instead.
        return None
    text = reference(source)  # type: ignore[arg-type]
    if text is None:
        return None
    return [{"input": text, "operator": "in" if positive else "notin", "values": values}]
