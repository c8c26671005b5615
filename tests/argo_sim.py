"""A small model of what happens to a value between kfpc's manifest and a container's argv.

It evaluates the expr-lang subset kfpc writes into `{{=...}}` tags (sprig functions, split, map,
filter, toJson/fromJSON, ternaries, comparisons), performs fasttemplate-style substitution (first
`{{`, first `}}` after it; no escapes), and applies the kubelet's `$(VAR)` / `$$` expansion to
env, command and args. Tests use it to follow hostile strings from the IR to the process that
finally receives them. It models Argo (argo.md §1-2); it is not Argo.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Callable

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<str>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')
  | (?P<name>\#index|\#|[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\?\?|==|!=|<=|>=|&&|\|\||[-+*/<>!?:.,()\[\]{}])
""", re.X)


def _unquote(text: str) -> str:
    if text[0] == "'":
        body = text[1:-1].replace('\\"', '"').replace("\\'", "'")
        return json.loads('"' + body.replace('"', '\\"') + '"')
    return json.loads(text)


class Missing(Exception):
    """A variable that is not in scope: Argo leaves such a tag for a later pass."""


def _sprig_regex_replace_all(pattern: str, text: str, repl: str) -> str:
    return re.sub(pattern, re.sub(r"\$(\d+)", r"\\\1", repl), text)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sprig.replace": lambda old, new, src: src.replace(old, new),
    "sprig.b64enc": lambda s: base64.b64encode(s.encode()).decode(),
    "sprig.b64dec": lambda s: base64.b64decode(s).decode(),
    "sprig.trimPrefix": lambda prefix, s: s[len(prefix):] if s.startswith(prefix) else s,
    "sprig.hasPrefix": lambda prefix, s: s.startswith(prefix),
    "sprig.kindIs": lambda kind, v: {"string": isinstance(v, str)}.get(kind, False),
    "sprig.lower": lambda s: s.lower(),
    "sprig.trim": lambda s: s.strip(),
    "sprig.trimSuffix": lambda suffix, s: s[:-len(suffix)] if suffix and s.endswith(suffix) else s,
    "sprig.join": lambda sep, items: sep.join(str(i) for i in items),
    "sprig.compact": lambda items: [i for i in items if i not in ("", None, [], {})],
    "sprig.sha256sum": lambda s: __import__("hashlib").sha256(s.encode()).hexdigest(),
    "sprig.regexReplaceAll": _sprig_regex_replace_all,
    "get": lambda obj, key: obj.get(key) if isinstance(obj, dict) else None,
    "split": lambda s, sep, n=-1: s.split(sep) if n < 0 else s.split(sep, n - 1),
    "toJson": lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False, sort_keys=True),  # Go sorts map keys
    "fromJSON": lambda s: json.loads(s),
    "string": lambda v: v if isinstance(v, str) else json.dumps(v),
    "int": lambda v: int(float(v)) if isinstance(v, str) else int(v),
    "asInt": lambda v: int(v),
    "asFloat": lambda v: float(v),
}


class Evaluator:
    def __init__(self, text: str, env: dict[str, Any]):
        self.tokens = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None:
                raise SyntaxError(f"cannot tokenize {text!r} at {pos}")
            if match.lastgroup != "ws":
                self.tokens.append((match.lastgroup, match.group(match.lastgroup)))
            pos = match.end()
        self.pos = 0
        self.env = env

    def run(self) -> Any:
        value = self.ternary()
        if self.pos != len(self.tokens):
            raise SyntaxError(f"trailing {self.tokens[self.pos:]}")
        return value

    def peek(self) -> str:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else ""

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.tokens[self.pos]
        if value is not None and tok[1] != value:
            raise SyntaxError(f"expected {value}, got {tok}")
        self.pos += 1
        return tok

    def ternary(self) -> Any:
        cond = self.binary(0)
        if self.peek() != "?":
            return cond
        self.take("?")
        if cond:  # like expr, the untaken branch is never evaluated
            value = self.ternary()
            self.take(":")
            self.skip_expression()
            return value
        self.skip_expression()
        self.take(":")
        return self.ternary()

    def skip_expression(self) -> None:
        depth = 0
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos][1]
            if tok in ("(", "[", "{"):
                depth += 1
            elif tok in (")", "]", "}"):
                if depth == 0:
                    return
                depth -= 1
            elif tok in (":", ",") and depth == 0:
                return
            self.pos += 1

    PREC = [("??",), ("||",), ("&&",), ("==", "!=", "<", "<=", ">", ">=", "in"), ("+", "-"), ("*", "/")]

    def binary(self, level: int) -> Any:
        if level == len(self.PREC):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in self.PREC[level]:
            op = self.take()[1]
            if op == "??":
                right = self.binary(level + 1)
                left = right if left is None else left
                continue
            if op == "&&" and not left:
                self.binary(level + 1)
                left = False
                continue
            if op == "||" and left:
                self.binary(level + 1)
                left = True
                continue
            right = self.binary(level + 1)
            left = self.apply(op, left, right)
        return left

    @staticmethod
    def apply(op: str, a: Any, b: Any) -> Any:
        return {"==": lambda: a == b, "!=": lambda: a != b, "<": lambda: a < b, "<=": lambda: a <= b,
                ">": lambda: a > b, ">=": lambda: a >= b, "&&": lambda: a and b, "||": lambda: a or b,
                "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
                "in": lambda: a in b}[op]()

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not self.unary()
        if self.peek() == "-":
            self.take()
            return -self.unary()
        return self.postfix(self.primary())

    def postfix(self, value: Any) -> Any:
        while self.peek() in ("[", "."):
            if self.take()[1] == "[":
                key = self.ternary()
                self.take("]")
            else:
                key = self.take()[1]
            if isinstance(value, dict):
                if key not in value:
                    raise Missing(key)
                value = value[key]
            elif isinstance(value, list):
                value = value[int(key)]
            else:
                raise Missing(key)
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "str":
            return _unquote(text)
        if text == "(":
            value = self.ternary()
            self.take(")")
            return value
        if text == "[":
            items = []
            while self.peek() != "]":
                items.append(self.ternary())
                if self.peek() == ",":
                    self.take()
            self.take("]")
            return items
        if text == "{":
            items = {}
            while self.peek() != "}":
                key = self.ternary()
                self.take(":")
                items[key] = self.ternary()
                if self.peek() == ",":
                    self.take()
            self.take("}")
            return items
        if text in ("true", "false"):
            return text == "true"
        if text == "nil":
            return None
        if text in ("map", "filter"):
            return self.closure_call(text)
        name = text
        if name == "sprig":
            self.take(".")
            name = "sprig." + self.take()[1]
        if name in FUNCTIONS and self.peek() == "(":
            self.take("(")
            args = []
            while self.peek() != ")":
                args.append(self.ternary())
                if self.peek() == ",":
                    self.take()
            self.take(")")
            return FUNCTIONS[name](*args)
        if name not in self.env:
            raise Missing(name)
        return self.env[name]

    def closure_call(self, fn: str) -> Any:
        self.take("(")
        items = self.ternary()
        self.take(",")
        self.take("{")
        start = self.pos
        depth = 0
        while not (self.peek() == "}" and depth == 0):
            depth += {"{": 1, "}": -1}.get(self.peek(), 0)
            self.pos += 1
        body = self.tokens[start:self.pos]
        self.take("}")
        self.take(")")
        out = []
        for index, item in enumerate(items):
            sub = Evaluator("", {**self.env, "#": item, "#index": index})
            sub.tokens = body
            value = sub.run()
            if fn == "map":
                out.append(value)
            elif value:
                out.append(item)
        return out


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """Argo's expression env: dotted keys become nested maps (util/expand)."""
    root: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return root


def evaluate(expression: str, flat: dict[str, Any]) -> Any:
    return Evaluator(expression, nest(flat)).run()


def substitute(text: str, flat: dict[str, Any]) -> str:
    """One fasttemplate pass over JSON text, as Argo does: an expression tag's text is JSON-unquoted
    before it is evaluated, every result is written back JSON-escaped, and unresolvable tags are
    left for a later pass."""
    out = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            out.append(text[pos:])
            return "".join(out)
        end = text.find("}}", start + 2)
        if end < 0:
            raise ValueError(f"Cannot find end tag in {text!r}")
        out.append(text[pos:start])
        tag = text[start + 2:end]
        if tag.startswith("="):
            try:
                value = evaluate(json.loads('"' + tag[1:] + '"'), flat)
                value = value if isinstance(value, str) else json.dumps(value)
                out.append(json.dumps(value, ensure_ascii=False)[1:-1])
            except Missing:
                out.append(text[start:end + 2])
        else:
            key = tag.strip()
            out.append(go_quote(str(flat[key])) if key in flat else text[start:end + 2])
        pos = end + 2


def go_quote(value: str) -> str:
    """Go's strconv.Quote without the outer quotes: how Argo writes a simple tag's value into JSON.
    Its `\\a`, `\\v`, `\\xNN` and `\\UNNNNNNNN` escapes are not JSON, so such values break the
    template (argo.md §1); the JSON parse after each pass reports it, as Argo does."""
    import unicodedata

    named = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
             "\v": "\\v", "\\": "\\\\", '"': '\\"'}
    out = []
    for ch in value:
        if ch in named:
            out.append(named[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        elif ch == " " or unicodedata.category(ch)[0] in "LMNPS":
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return "".join(out)


def kubelet(text: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion in command, args and env values; `$$` is a literal `$`."""
    out = []
    i = 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("$(", i):
            end = text.find(")", i + 2)
            name = text[i + 2:end] if end > 0 else None
            if name is not None and name in env:
                out.append(env[name])
                i = end + 1
            else:
                out.append(text[i])
                i += 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _pass(value: Any, flat: dict[str, Any]) -> Any:
    return json.loads(substitute(json.dumps(value, ensure_ascii=False), flat))


# -- one DAG's run: failFast, depends and the workflow's parallelism --------------------------------

_DEPENDS_TERM = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_]*)\.(Succeeded|Failed|Errored|Skipped|Omitted)")
_NODE_PHASE = {"Errored": "Error"}  # a depends result and the node phase it means


def run_dag(dag: dict[str, Any], outcome: dict[str, str], parallelism: int | None = None,
            foreign: tuple[int, ...] = ()) -> tuple[str, list[str]]:
    """A DAG template's run, pass by pass, with every task a pod finishing in the pass after it
    started as `outcome` says (default Succeeded). `foreign[i]` is how many pods of other DAGs of the
    same workflow hold `parallelism` slots in pass i. Returns the DAG's phase and the tasks started.
    Argo's rules: a task waits for all its dependencies, then runs if its `depends` holds, else is
    Omitted (workflow/controller/dag.go:585-600 @v4.1.2); a pod is not created while the workflow's
    active pods reach `spec.parallelism` (operator.go:3299 @v4.1.2); the DAG is Running while any
    node it created is unfinished (dag.go:177); then `failFast` (default true) fails it on the first
    failed target task, even if other targets never started (dag.go:217-245 @v4.1.2, :195-223 @v3.6.19)."""
    tasks = {t["name"]: t for t in dag["tasks"]}
    deps = {n: sorted({m.group(1) for m in _DEPENDS_TERM.finditer(t.get("depends", ""))}) for n, t in tasks.items()}
    targets = dag["target"].split() if dag.get("target") else \
        [n for n in tasks if not any(n in d for d in deps.values())]  # leaves (dag.go findLeafTaskNames)
    fail_fast = dag.get("failFast", True)
    phase: dict[str, str] = {}  # created nodes
    started: list[str] = []
    for step in range(10 * len(tasks) + 10):
        for name in started:  # pod reconciliation: last pass's pods finished
            if phase[name] == "Running":
                phase[name] = outcome.get(name, "Succeeded")
        active = (foreign[step] if step < len(foreign) else 0) + sum(p == "Running" for p in phase.values())
        for name, task in tasks.items():  # executeDAGTask: every task whose dependencies are all done
            if name in phase or any(phase.get(d) in (None, "Running") for d in deps[name]):
                continue
            text = _DEPENDS_TERM.sub(lambda m: "true" if phase[m.group(1)] == _NODE_PHASE.get(m.group(2), m.group(2))
                                     else "false", task.get("depends", "true"))
            if not evaluate(text, {}):
                phase[name] = "Omitted"
            elif parallelism is None or active < parallelism:
                phase[name] = "Running"
                started.append(name)
                active += 1
        if any(p == "Running" for p in phase.values()):
            continue
        result = "Succeeded"
        for target in targets:  # assessDAGPhase's loop over the target tasks
            branch = _branch_phase(target, phase, deps)
            if branch == "":
                result = "Running"
                if not fail_fast:
                    break
            elif branch in ("Failed", "Error"):
                result = branch
                if fail_fast:
                    break
        if result != "Running":
            return result, started
    raise AssertionError("the DAG never finished")


def _branch_phase(name: str, phase: dict[str, str], deps: dict[str, list[str]]) -> str:
    """A target's phase; an omitted one inherits a failed branch from its parents (dag.go:148-151, 195 @v4.1.2)."""
    if name not in phase:
        return ""
    if phase[name] in ("Succeeded", "Failed", "Error"):
        return phase[name]
    parents = [_branch_phase(d, phase, deps) for d in deps[name]]
    return next((p for p in parents if p in ("Failed", "Error")), "Succeeded")


def dag_arguments(dag: dict[str, Any], task_name: str, globals_: dict[str, Any], inputs: dict[str, str],
                  tasks: dict[str, Any]) -> dict[str, str]:
    """The argument values a DAG task hands its template (argo.md §1, steps 2 and 3)."""
    dag = _pass(dag, globals_)  # ProcessArgs pass 1: globals over the whole DAG template
    dag = _pass(dag, {**globals_, **{f"inputs.parameters.{k}": v for k, v in inputs.items()}})  # pass 2
    task = next(t for t in dag["dag"]["tasks"] if t["name"] == task_name)
    task = _pass(task, {**globals_, **{f"inputs.parameters.{k}": v for k, v in inputs.items()}, **tasks})
    return {p["name"]: p["value"] for p in task.get("arguments", {}).get("parameters", [])}


def _processed(template: dict[str, Any], inputs: dict[str, str],
               globals_: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """A leaf template after ProcessArgs: argument values are written into it and re-scanned with
    the globals (pass 1), then the inputs are substituted (pass 2)."""
    template = dict(template)
    template["inputs"] = dict(template.get("inputs", {}))
    template["inputs"]["parameters"] = [{**p, "value": inputs.get(p["name"], p.get("default", ""))}
                                        for p in template["inputs"].get("parameters", [])]
    template = _pass(template, globals_)
    values = {f"inputs.parameters.{p['name']}": p["value"] for p in template["inputs"]["parameters"]}
    return _pass(template, {**globals_, **values}), values


def pod(template: dict[str, Any], inputs: dict[str, str], globals_: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """What the main container of a leaf template runs with, given its argument values: after
    ProcessArgs, the pod pass, then the kubelet's expansion of env and argv."""
    template, values = _processed(template, inputs, globals_)
    container = _pass(template["container"], {**globals_, **values, "pod.name": "pod-0"})
    env: dict[str, str] = {}
    for item in container.get("env", []):
        env[item["name"]] = kubelet(item.get("value", ""), env)
    argv = [kubelet(a, env) for a in container.get("command", []) + container.get("args", [])]
    return argv, env


def pod_spec_patch(template: dict[str, Any], inputs: dict[str, str], globals_: dict[str, str]) -> dict[str, Any]:
    """A template's podSpecPatch after Argo's passes, parsed as the controller does."""
    return json.loads(_processed(template, inputs, globals_)[0]["podSpecPatch"])


def resolve(text: str, flat: dict[str, Any]) -> str:
    """One substitution pass over a single string field, as Argo does it inside the JSON."""
    return json.loads(substitute(json.dumps(text, ensure_ascii=False), flat))
