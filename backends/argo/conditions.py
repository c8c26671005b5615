"""Plan condition trees -> one Argo expression tag for a DAG task's `when` (workflow/controller/steps.go:384 @v4.1.2).

The whole condition is evaluated by expr-lang inside `{{=...}}`, so values are compared as data and
never pasted into govaluate source; govaluate only ever sees `true` or `false`. Argo resolves the
tag once every value it names is in scope (the enclosing DAG's inputs, then its tasks' outputs).
"""

from __future__ import annotations

from kfpc.plan.model import And, Compare, Expr, Literal, Not, Operand, Or, ParamType

from kfpc_backends.argo import escape, values


def when(expr: Expr, scope: values.Scope) -> str:
    return escape.tag(render(expr, scope))


def render(expr: Expr, scope: values.Scope) -> str:
    if isinstance(expr, Not):
        return f"!({render(expr.operand, scope)})"
    if isinstance(expr, And):
        return "(" + " && ".join(render(e, scope) for e in expr.operands) + ")"
    if isinstance(expr, Or):
        return "(" + " || ".join(render(e, scope) for e in expr.operands) + ")"
    if isinstance(expr, Literal):
        return _literal(expr.value, "bool")
    if isinstance(expr, Operand):
        return _side(expr, "bool", scope)
    assert isinstance(expr, Compare)
    kind = _kind(expr)
    if kind == "bool" and expr.op in ("==", "!=") and isinstance(expr.right, Literal) \
            and isinstance(expr.right.value, bool) and isinstance(expr.left, Operand):
        positive = (expr.op == "==") == expr.right.value  # `x == true` is just `x`
        side = _side(expr.left, kind, scope)
        return side if positive else f"!{side}"
    return f"{_side(expr.left, kind, scope)} {expr.op} {_side(expr.right, kind, scope)}"


def _kind(cmp: Compare) -> str:
    sides = (cmp.left, cmp.right)
    for side in sides:
        if isinstance(side, Operand) and (side.cast or side.type in (ParamType.INTEGER, ParamType.DOUBLE)):
            return "number"
        if isinstance(side, Literal) and isinstance(side.value, (int, float)) and not isinstance(side.value, bool):
            return "number"
    for side in sides:
        if isinstance(side, Literal) and isinstance(side.value, bool):
            return "bool"
        if isinstance(side, Operand) and side.type is ParamType.BOOLEAN:
            return "bool"
    return "string"


def _side(side: Expr, kind: str, scope: values.Scope) -> str:
    if isinstance(side, Literal):
        return _literal(side.value, kind)
    if isinstance(side, Operand):
        raw = values.raw(side.source, scope)
        if kind == "number":
            return f"asFloat({raw})"
        if kind == "bool":
            return f"(sprig.lower({raw}) in ['true', 't', '1'])"
        return raw
    return f"({render(side, scope)})"


def _literal(value: object, kind: str) -> str:
    if isinstance(value, bool):
        if kind == "string":
            return "'true'" if value else "'false'"
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value)) if kind == "number" else escape.string_literal(repr(value))
    return escape.string_literal(str(value))
