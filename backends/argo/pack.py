"""Templates with more inputs than Argo 4 accepts take the surplus as JSON parameters.

Argo 4's full CRD caps a template's `inputs.parameters` at 500 (caps.py); a component with 600
inputs, or a DAG that receives that many values, would be refused by the API server. Such a template
keeps most of its inputs and gets the others in `kfpc-pack` (and, past the expression budget below,
`kfpc-pack-2`...), each a JSON object by name that each caller
builds with `toJson({...})`; the template reads a packed value with `fromJSON(...)["<name>"]`. Both
are in Argo's expression environment (toJson: util/expr/env/env.go:24 @v3.6.19, :27 @v4.1.2;
fromJSON: an expr-lang builtin, which kfpc's loops already use); `jsonpath` is there too (env.go:26
@v4.1.2; from argoproj/pkg's function map at v3.6.19, env.go:20-22), but a map lookup needs no path
syntax. Every packed name is in the object, with its argument or its template default, so no lookup
is ever nil (a nil expression result fails the node from v3.7.16 and v4.0.7).

One expression has a bound too: expr-lang refuses to compile an expression of more than 10,000
syntax-tree nodes (conf/config.go MaxNodes and parser/parser.go:100-113 of expr v1.17.7/v1.17.8,
the versions Argo v3.6.19 and v4.1.2 build with), and Argo then fails the node before the pod
starts (util/template/expression_template.go:190-191, 241-247; dag.go:605-611 @v4.1.2). So the
surplus is cut into as many packs (`kfpc-pack`, `kfpc-pack-2`, ...) as keep each caller's
`toJson({...})` under a budget counted in tokens, of which an expression has at least as many as
nodes.

An input is packed only where every reference to it is an expression `inputs.parameters["<name>"]`
(kfpc writes all references that way) and every caller hands it a value an expression can hold (an
expression tag, plain text, or nothing but a default); what cannot be packed so is refused, naming
the template, the cap and the count.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from kfpc.errors import UnsupportedError

from kfpc_backends.argo import caps, escape

PACK = "kfpc-pack"
NODE_BUDGET = 8_000  # tokens per pack expression; expr-lang's MaxNodes is 10,000 (see above)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|\w+|\?\?|&&|\|\||[=!<>]=|\S')


def pack_name(index: int) -> str:
    """The name of the index-th pack (0-based): `kfpc-pack`, then `kfpc-pack-2`..."""
    return PACK if index == 0 else f"{PACK}-{index + 1}"


def _tokens(expression: str) -> int:
    return len(_TOKEN.findall(expression))


def pack_inputs(spec: dict[str, Any]) -> None:
    """Rewrite, in place, every template of `spec` with more than 500 inputs, and every call of it."""
    templates = spec.get("templates", [])
    callers = _calls(templates)
    plan = {t["name"]: packed for t in templates if (packed := _packable(t, callers.get(t["name"], [])))}
    for template in templates:
        groups = plan.get(template["name"])
        if groups:
            _read_from_pack(template, groups)
    for template in templates:
        for call in _tasks(template):
            groups = plan.get(call.get("template", ""))
            if groups:
                _pass_pack(call, groups, _defaults(next(t for t in templates if t["name"] == call["template"])))


def _tasks(template: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from template.get("dag", {}).get("tasks", [])
    for group in template.get("steps", []):
        yield from group


def _calls(templates: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for template in templates:
        for call in _tasks(template):
            if "template" in call:
                found.setdefault(call["template"], []).append(call)
    return found


def _defaults(template: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: str(p["default"]) for p in template.get("inputs", {}).get("parameters", []) if "default" in p}


def _any_reference(name: str) -> re.Pattern[str]:
    quoted = re.escape(name)
    return re.compile(r"inputs\.parameters(?:\.%s(?![-\w])|\[\\*[\"']%s\\*[\"']\])" % (quoted, quoted))


def _expression_reference(name: str) -> str:
    return f'inputs.parameters["{name}"]'


def _packable(template: dict[str, Any], calls: list[dict[str, Any]]) -> list[list[str]]:
    """The names to pack, in packs each caller's expression can hold, or [] when the template fits."""
    declared = template.get("inputs", {}).get("parameters", [])
    if len(declared) <= caps.INPUT_PARAMETERS:
        return []
    body = json.dumps({k: v for k, v in template.items() if k != "inputs"}, ensure_ascii=False)
    # the expression form inside the JSON text: its quotes escaped once
    candidates: dict[str, int] = {}  # name -> the most tokens its item costs in any caller's pack
    for param in declared:
        name = param["name"]
        if any(key in param for key in ("value", "valueFrom", "enum")):
            continue
        mentions = len(_any_reference(name).findall(body))
        plain = body.count(json.dumps(_expression_reference(name))[1:-1])
        if mentions != plain:
            continue
        expressions = [_expression_of(_argument(call, name), param) for call in calls] or \
            [_expression_of(None, param) or '""']
        if all(e is not None for e in expressions):
            candidates[name] = 2 + _tokens(escape.string_literal(name)) + max(_tokens(e or "") for e in expressions)
    packs = 1
    while True:  # more packs take more of the 500 slots, so more inputs must move
        surplus = len(declared) - (caps.INPUT_PARAMETERS - packs)
        if len(candidates) < surplus:
            raise UnsupportedError(
                f"template {template['name']!r} has {len(declared)} input parameters and Argo 4 accepts at most "
                f"{caps.INPUT_PARAMETERS} (argoproj.io_workflows.yaml:29394 @v4.1.2); only {len(candidates)} of "
                f"them can be packed into JSON parameters ({surplus} would have to be)",
                hint="pass fewer values to the component (a dict or list parameter holds many), or target Argo "
                     "3.x with -O argo-version=3.7 if the cluster runs it")
        cut = _cut(sorted(list(candidates)[-surplus:]), candidates)
        if len(cut) <= packs:
            return cut
        packs = len(cut)


def _cut(names: list[str], cost: dict[str, int]) -> list[list[str]]:
    """`names` in order, in as few packs as keep each under NODE_BUDGET tokens."""
    groups: list[list[str]] = [[]]
    used = 0
    for name in names:
        if groups[-1] and used + cost[name] > NODE_BUDGET:
            groups.append([])
            used = 0
        groups[-1].append(name)
        used += cost[name]
    return groups


def _argument(call: dict[str, Any], name: str) -> str | None:
    for argument in call.get("arguments", {}).get("parameters", []):
        if argument["name"] == name:
            return str(argument.get("value", ""))
    return None


_TAG = re.compile(r"\{\{=(.*?)\}\}", re.S)


def _expression_of(value: str | None, param: dict[str, Any]) -> str | None:
    """`value` (a task's argument, or None when it passes none) as an expression, or None if it
    cannot be one: a simple `{{...}}` tag is substituted by a pass an expression does not see."""
    if value is None:
        return escape.string_literal(str(param["default"])) if "default" in param else None
    whole = _TAG.fullmatch(value)
    if whole and "{{" not in whole.group(1) and "}}" not in whole.group(1):  # one tag, not `{{=a}}-{{=b}}`
        return f"({whole.group(1)})"
    if "{{" in value or "}}" in value:
        return None
    return escape.string_literal(value)


def _read_from_pack(template: dict[str, Any], groups: list[list[str]]) -> None:
    packed = {name for group in groups for name in group}
    template["inputs"]["parameters"] = [p for p in template["inputs"]["parameters"] if p["name"] not in packed]
    template["inputs"]["parameters"] += [{"name": pack_name(i)} for i in range(len(groups))]
    body = {k: v for k, v in template.items() if k != "inputs"}
    text = json.dumps(body, ensure_ascii=False)
    for index, group in enumerate(groups):
        for name in group:
            old = json.dumps(_expression_reference(name))[1:-1]
            new = json.dumps(f"fromJSON({_expression_reference(pack_name(index))})[\"{name}\"]")[1:-1]
            text = text.replace(old, new)
    template.update(json.loads(text))


def _pass_pack(call: dict[str, Any], groups: list[list[str]], defaults: dict[str, str]) -> None:
    packed = {name for group in groups for name in group}
    arguments = call.setdefault("arguments", {}).setdefault("parameters", [])
    values = []
    for group in groups:
        items = []
        for name in group:
            expression = _expression_of(_argument(call, name), {"default": defaults[name]} if name in defaults else {})
            if expression is None:  # _packable checked every call
                raise AssertionError(f"argument {name!r} of {call['name']!r} cannot be packed")
            items.append(f"{escape.string_literal(name)}: {expression}")
        values.append(escape.tag("toJson({" + ", ".join(items) + "})"))
    call["arguments"]["parameters"] = [a for a in arguments if a["name"] not in packed]
    call["arguments"]["parameters"] += [{"name": pack_name(i), "value": v} for i, v in enumerate(values)]
