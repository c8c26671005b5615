"""Parse the CEL subset the kfp SDK writes into `triggerPolicy.condition`
(sdk/python/kfp/compiler/pipeline_spec_builder.py:1004-1140 @2.17.0 in kubeflow/pipelines).

The SDK only ever emits comparisons between `inputs.parameter_values['x']` (optionally wrapped in
`int()` / `double()`) and literals, combined with `!(...)` and `&&`. A small recursive-descent
parser turns that into the plan's expression tree, so each backend can translate it into its own
condition language without re-parsing text. `||` and bare boolean operands are accepted too, since
hand-written IR uses them; anything else is a clear error, never a guess.
"""

from __future__ import annotations

import re
from typing import Callable

from kfpc.plan.model import And, Compare, Expr, Literal, Not, Operand, Or, ParamType

__all__ = ["operands"]


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<ref>inputs\.parameter_values\[\s*(?P<q>['"])(?P<name>(?:\\.|(?!(?P=q)).)*)(?P=q)\s*\])
  | (?P<str>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")
  | (?P<num>-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||<|>|!|\(|\))
""", re.VERBOSE)

_CMP = ("==", "!=", "<=", ">=", "<", ">")


class ConditionSyntaxError(ValueError):
    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at character {position + 1})")
        self.position = position


OperandFactory = Callable[[str, "str | None"], Operand]


def parse(text: str, make_operand: OperandFactory) -> Expr:
    tokens = _tokenize(text)
    parser = _Parser(tokens, make_operand, len(text))
    expr = parser.parse_or()
    if parser.pos < len(tokens):
        raise ConditionSyntaxError(f"unexpected {tokens[parser.pos][1]!r}", tokens[parser.pos][2])
    return _as_boolean(expr, 0)


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ConditionSyntaxError(f"unexpected character {text[pos]!r}", pos)
        kind = match.lastgroup or ""
        if kind == "ref" or match.group("ref"):
            out.append(("ref", _unescape(match.group("name")), pos))
        elif kind != "ws":
            out.append((kind, match.group(kind), pos))
        pos = match.end()
    return out


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), text)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]], make_operand: OperandFactory, end: int):
        self.tokens = tokens
        self.pos = 0
        self.make_operand = make_operand
        self.end = end

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("eof", "", self.end)

    def take(self, value: str) -> None:
        kind, text, where = self.peek()
        if text != value or kind not in ("op",):
            raise ConditionSyntaxError(f"expected {value!r}, found {text or 'end of text'!r}", where)
        self.pos += 1

    def parse_or(self) -> Expr:
        items = [self.parse_and()]
        while self.peek()[1] == "||":
            self.pos += 1
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(_as_boolean(i, 0) for i in items))

    def parse_and(self) -> Expr:
        items = [self.parse_not()]
        while self.peek()[1] == "&&":
            self.pos += 1
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else And(tuple(_as_boolean(i, 0) for i in items))

    def parse_not(self) -> Expr:
        if self.peek()[1] == "!" and self.peek()[0] == "op":
            self.pos += 1
            return Not(_as_boolean(self.parse_not(), 0))
        return self.parse_compare()

    def parse_compare(self) -> Expr:
        left = self.parse_atom()
        kind, text, _ = self.peek()
        if kind == "op" and text in _CMP:
            self.pos += 1
            right = self.parse_atom()
            return Compare(text, left, right)
        return left

    def parse_atom(self) -> Expr:
        kind, text, where = self.peek()
        if kind == "op" and text == "(":
            self.pos += 1
            inner = self.parse_or()
            self.take(")")
            return inner
        if kind == "ref":
            self.pos += 1
            return self.make_operand(text, None)
        if kind == "word" and text in ("int", "double") and self._next_is("("):
            self.pos += 2
            inner_kind, inner_text, inner_where = self.peek()
            if inner_kind != "ref":
                raise ConditionSyntaxError(f"{text}() must wrap an input reference", inner_where)
            self.pos += 1
            self.take(")")
            return self.make_operand(inner_text, text)
        if kind == "word" and text in ("true", "false"):
            self.pos += 1
            return Literal(text == "true")
        if kind == "str":
            self.pos += 1
            return Literal(_unescape(text[1:-1]))
        if kind == "num":
            self.pos += 1
            return Literal(float(text) if any(c in text for c in ".eE") else int(text))
        raise ConditionSyntaxError(f"unsupported expression {text or 'end of text'!r}", where)

    def _next_is(self, value: str) -> bool:
        nxt = self.pos + 1
        return nxt < len(self.tokens) and self.tokens[nxt][1] == value


def _as_boolean(expr: Expr, where: int) -> Expr:
    """A bare operand used as a condition means `operand == true`."""
    if isinstance(expr, Operand):
        if expr.type not in (ParamType.BOOLEAN, ParamType.STRING):
            raise ConditionSyntaxError(f"input {expr.input!r} of type {expr.type.value} is not a condition", where)
        return Compare("==", expr, Literal(True))
    if isinstance(expr, Literal):
        if not isinstance(expr.value, bool):
            raise ConditionSyntaxError(f"literal {expr.value!r} is not a condition", where)
    return expr


def operands(expr: Expr) -> list[Operand]:
    """Every operand in the tree, left to right."""
    if isinstance(expr, Operand):
        return [expr]
    if isinstance(expr, Compare):
        return operands(expr.left) + operands(expr.right)
    if isinstance(expr, Not):
        return operands(expr.operand)
    if isinstance(expr, (And, Or)):
        return [o for item in expr.operands for o in operands(item)]
    return []
