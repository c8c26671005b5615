"""Templates with more inputs than Argo 4 accepts take the surplus as one JSON parameter.

Argo 4's full CRD caps a template's `inputs.parameters` at 500 (caps.py); a component with 600
inputs, or a DAG that receives that many values, would be refused by the API server. Such a template
keeps 499 of its inputs and gets the others in `kfpc-pack`, a JSON object by name that each caller
builds with `toJson({...})`; the template reads a packed value with `fromJSON(...)["<name>"]`. Both
are in Argo's expression environment (toJson: util/expr/env/env.go:24 @v3.6.19, :27 @v4.1.2;
fromJSON: an expr-lang builtin, which kfpc's loops already use); `jsonpath` is there too (env.go:26
@v4.1.2; from argoproj/pkg's function map at v3.6.19, env.go:20-22), but a map lookup needs no path
syntax. Every packed name is in the object, with its argument or its template default, so no lookup
is ever nil (a nil expression result fails the node from v3.7.16 and v4.0.7).

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
KEEP = caps.INPUT_PARAMETERS - 1  # inputs kept as they are; the pack is the last one


def pack_inputs(spec: dict[str, Any]) -> None:
    """Rewrite, in place, every template of `spec` with more than 500 inputs, and every call of it."""
    templates = spec.get("templates", [])
    callers = _calls(templates)
    plan = {t["name"]: packed for t in templates if (packed := _packable(t, callers.get(t["name"], [])))}
    for template in templates:
        names = plan.get(template["name"])
        if names:
            _read_from_pack(template, names)
    for template in templates:
        for call in _tasks(template):
            names = plan.get(call.get("template", ""))
            if names:
                _pass_pack(call, names, _defaults(next(t for t in templates if t["name"] == call["template"])))


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


def _packable(template: dict[str, Any], calls: list[dict[str, Any]]) -> list[str]:
    """The names to pack (the surplus over 499, taken from the end), or [] when the template fits."""
    declared = template.get("inputs", {}).get("parameters", [])
    if len(declared) <= caps.INPUT_PARAMETERS:
        return []
    body = json.dumps({k: v for k, v in template.items() if k != "inputs"}, ensure_ascii=False)
    # the expression form inside the JSON text: its quotes escaped once
    candidates = []
    for param in declared:
        name = param["name"]
        if any(key in param for key in ("value", "valueFrom", "enum")):
            continue
        mentions = len(_any_reference(name).findall(body))
        plain = body.count(json.dumps(_expression_reference(name))[1:-1])
        if mentions != plain:
            continue
        if all(_expression_of(_argument(call, name), param) is not None for call in calls):
            candidates.append(name)
    surplus = len(declared) - KEEP
    if len(candidates) < surplus:
        raise UnsupportedError(
            f"template {template['name']!r} has {len(declared)} input parameters and Argo 4 accepts at most "
            f"{caps.INPUT_PARAMETERS} (argoproj.io_workflows.yaml:29394 @v4.1.2); only {len(candidates)} of them "
            f"can be packed into one JSON parameter ({surplus} would have to be)",
            hint="pass fewer values to the component (a dict or list parameter holds many), or target Argo 3.x "
                 "with -O argo-version=3.7 if the cluster runs it")
    return sorted(candidates[-surplus:])


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
    if whole:
        return f"({whole.group(1)})"
    if "{{" in value or "}}" in value:
        return None
    return escape.string_literal(value)


def _read_from_pack(template: dict[str, Any], names: list[str]) -> None:
    packed = set(names)
    template["inputs"]["parameters"] = [p for p in template["inputs"]["parameters"] if p["name"] not in packed]
    template["inputs"]["parameters"].append({"name": PACK})
    body = {k: v for k, v in template.items() if k != "inputs"}
    text = json.dumps(body, ensure_ascii=False)
    for name in names:
        old = json.dumps(_expression_reference(name))[1:-1]
        new = json.dumps(f"fromJSON({_expression_reference(PACK)})[\"{name}\"]")[1:-1]
        text = text.replace(old, new)
    template.update(json.loads(text))


def _pass_pack(call: dict[str, Any], names: list[str], defaults: dict[str, str]) -> None:
    packed = set(names)
    arguments = call.setdefault("arguments", {}).setdefault("parameters", [])
    items = []
    for name in names:
        expression = _expression_of(_argument(call, name), {"default": defaults[name]} if name in defaults else {})
        if expression is None:  # _packable checked every call
            raise AssertionError(f"argument {name!r} of {call['name']!r} cannot be packed")
        items.append(f"{escape.string_literal(name)}: {expression}")
    call["arguments"]["parameters"] = [a for a in arguments if a["name"] not in packed]
    call["arguments"]["parameters"].append({"name": PACK, "value": escape.tag("toJson({" + ", ".join(items) + "})")})
