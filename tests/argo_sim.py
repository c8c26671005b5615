"""A small model of what happens to a value between kfpc's manifest and a container's argv.

It evaluates the expr-lang subset kfpc writes into `{{=...}}` tags (sprig functions, split, map,
filter, toJson/fromJSON, ternaries, comparisons), performs fasttemplate-style substitution (first
`{{`, first `}}` after it; no escapes), and applies the kubelet's `$(VAR)` / `$$` expansion to
env, command and args. Tests use it to follow hostile strings from the IR to the process that
finally receives them. It models Argo's templating (util/template/replace.go:41 @v4.1.2) and `when`
(workflow/controller/steps.go:384 @v4.1.2); it is not Argo.
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


class Requeue(Exception):
    """Argo 3.7.11+ resolves a DAG task's `tasks.*`/`steps.*` references strictly: a missing one
    requeues the workflow to try again later (workflow/controller/dag.go:834-845 @v4.1.2,
    util/template/expression_template.go:75-101 @v4.1.2); if the value never comes, the run hangs."""


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def strict_dag_substitution(version: str) -> bool:
    """ReplaceStrictAny for DAG tasks arrived in v3.7.11 (absent from v3.7.10's dag.go)."""
    return version_tuple(version) >= (3, 7, 11)


def format_result(value: Any, version: str = "4.1") -> str:
    """How an expression tag's non-string result is written: v3.5 formats it with Go's `%v`
    (util/template/expression_template.go:72 @v3.5.15: lists `[a b]`, maps `map[k:v]`), v3.6 and
    later marshal it as JSON (expression_template.go:85-103 @v3.6.19, :260-279 @v4.1.2)."""
    if isinstance(value, str):
        return value
    if version_tuple(version) >= (3, 6):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return _go_v(value)


def _go_v(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if value != int(value) or abs(value) >= 1e21 else (
            str(int(value)) if abs(value) < 1e21 and "e" not in f"{value:g}" else f"{value:g}")
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(_go_v(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_v(v)}" for k, v in sorted(value.items())) + "]"
    return str(value)


def substitute(text: str, flat: dict[str, Any], version: str = "4.1", strict: bool = False) -> str:
    """One fasttemplate pass over JSON text, as Argo does: an expression tag's text is JSON-unquoted
    before it is evaluated, every result is written back JSON-escaped, and unresolvable tags are
    left for a later pass. `strict`: a DAG task's own pass, where Argo 3.7.11+ requeues on a missing
    `tasks.*`/`steps.*` reference instead (Requeue)."""
    requeue = strict and strict_dag_substitution(version)
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
            expression = json.loads('"' + tag[1:] + '"')
            try:
                value = format_result(evaluate(expression, flat), version)
                out.append(json.dumps(value, ensure_ascii=False)[1:-1])
            except Missing:
                if requeue and re.search(r"\b(tasks|steps)\b", expression):
                    raise Requeue(expression) from None
                out.append(text[start:end + 2])
        else:
            key = tag.strip()
            if key not in flat and requeue and key.startswith(("tasks.", "steps.")):
                raise Requeue(key)
            out.append(go_quote(str(flat[key])) if key in flat else text[start:end + 2])
        pos = end + 2


def go_quote(value: str) -> str:
    """Go's strconv.Quote without the outer quotes: how Argo writes a simple tag's value into JSON.
    Its `\\a`, `\\v`, `\\xNN` and `\\UNNNNNNNN` escapes are not JSON, so such values break the
    template (util/template/simple_template.go:72 @v4.1.2); the JSON parse after each pass reports it, as
    Argo does (util/template/replace.go:56 @v4.1.2)."""
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


def _pass(value: Any, flat: dict[str, Any], version: str = "4.1") -> Any:
    return json.loads(substitute(json.dumps(value, ensure_ascii=False), flat, version))


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
        result = _assess(targets, phase, deps, fail_fast)
        if result != "Running":
            return result, started
    raise AssertionError("the DAG never finished")


def _assess(targets: Any, phase: dict[str, str], deps: dict[str, list[str]], fail_fast: bool) -> str:
    """assessDAGPhase's loop over the target tasks (dag.go:217-245 @v4.1.2): Running while a
    branch is unfinished, else the first failed branch's phase (all of them without failFast)."""
    result = "Succeeded"
    for target in targets:
        branch = _branch_phase(target, phase, deps)
        if branch == "":
            result = "Running"
            if not fail_fast:
                break
        elif branch in ("Failed", "Error"):
            result = branch
            if fail_fast:
                break
    return result


def _branch_phase(name: str, phase: dict[str, str], deps: dict[str, list[str]]) -> str:
    """A target's phase; an omitted one inherits a failed branch from its parents (dag.go:148-151, 195 @v4.1.2)."""
    if name not in phase:
        return ""
    if phase[name] in ("Succeeded", "Failed", "Error"):
        return phase[name]
    parents = [_branch_phase(d, phase, deps) for d in deps[name]]
    return next((p for p in parents if p in ("Failed", "Error")), "Succeeded")


def dag_task(dag: dict[str, Any], task_name: str, globals_: dict[str, Any], inputs: dict[str, str],
             tasks: dict[str, Any], version: str = "4.1") -> dict[str, Any]:
    """A DAG task as it calls its template: ProcessArgs's two passes over the DAG template
    (workflow/common/util.go:280, 319 @v4.1.2), then the task's own (workflow/controller/dag.go:838 @v4.1.2)."""
    dag = _pass(dag, globals_, version)  # ProcessArgs pass 1: globals over the whole DAG template
    dag = _pass(dag, {**globals_, **{f"inputs.parameters.{k}": v for k, v in inputs.items()}}, version)  # pass 2
    task = next(t for t in dag["dag"]["tasks"] if t["name"] == task_name)
    return _pass(task, {**globals_, **{f"inputs.parameters.{k}": v for k, v in inputs.items()}, **tasks}, version)


def dag_arguments(dag: dict[str, Any], task_name: str, globals_: dict[str, Any], inputs: dict[str, str],
                  tasks: dict[str, Any], version: str = "4.1") -> dict[str, str]:
    """The argument values a DAG task hands its template (dag_task)."""
    task = dag_task(dag, task_name, globals_, inputs, tasks, version)
    return {p["name"]: p["value"] for p in task.get("arguments", {}).get("parameters", [])}


def _processed(template: dict[str, Any], inputs: dict[str, str],
               globals_: dict[str, str], version: str = "4.1") -> tuple[dict[str, Any], dict[str, str]]:
    """A leaf template after ProcessArgs: argument values are written into it and re-scanned with
    the globals (pass 1), then the inputs are substituted (pass 2)."""
    template = dict(template)
    template["inputs"] = dict(template.get("inputs", {}))
    template["inputs"]["parameters"] = [{**p, "value": inputs.get(p["name"], p.get("default", ""))}
                                        for p in template["inputs"].get("parameters", [])]
    template = _pass(template, globals_, version)
    values = {f"inputs.parameters.{p['name']}": p["value"] for p in template["inputs"]["parameters"]}
    return _pass(template, {**globals_, **values}, version), values


def pod(template: dict[str, Any], inputs: dict[str, str], globals_: dict[str, str],
        version: str = "4.1") -> tuple[list[str], dict[str, str]]:
    """What the main container of a leaf template runs with, given its argument values: after
    ProcessArgs, the pod pass, then the kubelet's expansion of env and argv."""
    template, values = _processed(template, inputs, globals_, version)
    container = _pass(template["container"], {**globals_, **values, "pod.name": "pod-0"}, version)
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


# -- memoization ---------------------------------------------------------------------------------
# The controller's ConfigMap cache, as far as kfpc's manifests exercise it. Each rule cites the
# Argo source it follows.

CACHE_KEY = re.compile(r"^[a-zA-Z0-9][-a-zA-Z0-9]*$")  # workflow/controller/cache/cache.go:15 @v4.1.2
CACHE_LABEL = ("workflows.argoproj.io/configmap-type", "Cache")  # workflow/common/common.go:224-227 @v4.1.2
# The stock controller role reads ConfigMaps only:
# manifests/cluster-install-no-crds/workflow-controller-rbac/workflow-controller-clusterrole.yaml:19-27 @v4.1.2
STOCK_CONTROLLER_VERBS = frozenset({"get", "list", "watch"})
CONFIG_MAP_LIMIT = 1024 * 1024  # Kubernetes refuses a ConfigMap whose data exceeds 1 MiB


class CacheError(Exception):
    """What the controller writes into a node's message when the cache fails it."""


_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def go_duration(text: str) -> float:
    """time.ParseDuration, for maxAge (operator.go:2381-2386 @v4.1.2 fails the node on a bad one)."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", text)
    if not parts or "".join(a + b for a, b in parts) != text:
        raise CacheError(f"invalid maxAge: time: invalid duration {text!r}")
    return sum(float(n) * _UNITS[u] for n, u in parts)


class MemoCache:
    """The ConfigMaps of the controller's namespace (cache/cache.go:79-104, controller.go:235 @v4.1.2:
    one namespace for every workflow), with the verbs the controller's account holds there."""

    def __init__(self, verbs: frozenset[str] = STOCK_CONTROLLER_VERBS):
        self.verbs = verbs
        self.maps: dict[str, dict[str, Any]] = {}
        self.now = 0.0

    def _need(self, verb: str, name: str) -> None:
        if verb not in self.verbs:
            raise CacheError(f'configmaps "{name}" is forbidden: cannot {verb} resource "configmaps"')

    def load(self, name: str, key: str) -> dict[str, Any] | None:
        """configmap_cache.go:85-133 @v4.1.2: a missing map or entry is a miss; a found entry gets
        its lastHitTimestamp written back, so a hit needs `update` too."""
        if not CACHE_KEY.match(key):
            raise CacheError(f"invalid cache key: {key}")
        self._need("get", name)
        cm = self.maps.get(name)
        if cm is None:
            return None
        if cm["labels"].get(CACHE_LABEL[0]) != CACHE_LABEL[1]:  # configmap_cache.go:51-65 @v4.1.2
            raise CacheError("memoization configmap doesn't have the cache label, refusing to use it")
        raw = cm["data"].get(key)
        if not raw:
            return None
        entry = json.loads(raw)
        entry["lastHitTimestamp"] = self.now
        self._need("update", name)
        cm["data"][key] = json.dumps(entry)
        return entry

    def save(self, name: str, key: str, node_id: str, outputs: Any) -> None:
        """configmap_cache.go:151-208 @v4.1.2: create the map if missing (labelled), then update it."""
        if not CACHE_KEY.match(key):
            raise CacheError(f"invalid cache key: {key}")
        cm = self.maps.get(name)
        if cm is None:
            self._need("create", name)
            cm = {"labels": {}, "data": {}}
            self.maps[name] = cm
        elif cm["labels"].get(CACHE_LABEL[0]) != CACHE_LABEL[1]:
            raise CacheError("memoization configmap doesn't have the cache label, refusing to use it")
        self._need("update", name)
        data = dict(cm["data"])
        data[key] = json.dumps({"nodeID": node_id, "outputs": outputs, "creationTimestamp": self.now,
                                "lastHitTimestamp": self.now}, separators=(",", ":"))
        if sum(len(k) + len(v.encode()) for k, v in data.items()) > CONFIG_MAP_LIMIT:
            raise CacheError(f'ConfigMap "{name}" is invalid: data: Too long: must have at most 1048576 bytes')
        cm["labels"] = {CACHE_LABEL[0]: CACHE_LABEL[1]}
        cm["data"] = data

    def gc(self, not_hit_for: float) -> None:
        """cache_gc.go:47-77 @v4.1.2 (only with CACHE_GC_PERIOD set): drop entries not hit for
        CACHE_GC_AFTER_NOT_HIT_DURATION, and the map once empty (needs `delete`)."""
        for name, cm in list(self.maps.items()):
            cm["data"] = {k: v for k, v in cm["data"].items()
                          if self.now - json.loads(v)["lastHitTimestamp"] <= not_hit_for}
            if not cm["data"]:
                self._need("delete", name)
                del self.maps[name]


def run_memoized(template: dict[str, Any], cache: MemoCache, node_id: str,
                 attempts: list[tuple[str, Any]]) -> dict[str, Any]:
    """One task of a processed (substituted) template through the controller's memoization.

    `attempts` are what successive pods would end with ((phase, outputs)); the node that results has
    `phase`, `outputs`, `message`, `pods` (how many pods ran) and `type`.
    - operator.go:2363-2420 @v4.1.2: before creating the node, load; a load error marks the node
      Error; an entry older than maxAge is a miss (cache.go:40-49); a hit is a Succeeded node with
      the cached outputs and no pod (operator.go:3024-3031).
    - With a retryStrategy the memoized node is the Retry parent (workflow_types.go:3491-3494
      @v4.1.2) and every attempt carries the memoization status (operator.go:2967-2975); a hit
      Retry node hands its own outputs on, not a child's (operator.go:2091-2093 @v4.1.2).
    - A pod that succeeds saves its outputs (operator.go:1258-1266 @v4.1.2); a failed save turns
      the node to Error with the error as its message.
    """
    memo = template["memoize"]
    name, key = memo["cache"]["configMap"]["name"], memo["key"]
    node_type = "Retry" if "retryStrategy" in template else "Pod"
    try:
        entry = cache.load(name, key)
        max_age = memo.get("maxAge", "")
        if entry is not None and max_age and cache.now - entry["creationTimestamp"] > go_duration(max_age):
            entry = None
    except CacheError as exc:
        return {"type": node_type, "phase": "Error", "message": str(exc), "outputs": None, "pods": 0}
    if entry is not None:
        return {"type": node_type, "phase": "Succeeded", "outputs": entry["outputs"], "pods": 0, "hit": True}
    limit = int(template.get("retryStrategy", {}).get("limit", 0)) + 1
    phase, outputs, pods = "Failed", None, 0
    for phase, outputs in attempts[:limit]:
        pods += 1
        if phase == "Succeeded":
            try:
                cache.save(name, key, f"{node_id}-{pods}" if node_type == "Retry" else node_id, outputs)
            except CacheError as exc:
                return {"type": node_type, "phase": "Error", "message": str(exc), "outputs": outputs, "pods": pods}
            break
    return {"type": node_type, "phase": phase, "outputs": outputs, "pods": pods, "hit": False}


def rbac_allows(documents: list[dict[str, Any]], account: tuple[str, str], namespace: str,
                verb: str, resource: str) -> bool:
    """Kubernetes RBAC for one namespaced request by a service account (namespace, name), over the
    Roles and RoleBindings given (what `kfpc setup argo` prints)."""
    roles = {(d["metadata"]["namespace"], d["metadata"]["name"]): d for d in documents if d["kind"] == "Role"}
    for binding in (d for d in documents if d["kind"] == "RoleBinding" and d["metadata"]["namespace"] == namespace):
        if not any(s["kind"] == "ServiceAccount" and (s.get("namespace", namespace), s["name"]) == account
                   for s in binding["subjects"]):
            continue
        role = roles.get((namespace, binding["roleRef"]["name"]))
        for rule in (role or {}).get("rules", []):
            group = "" if "/" not in resource else resource.split("/")[0]
            plain = resource.split("/")[-1]
            if group in rule["apiGroups"] and plain in rule["resources"] and verb in rule["verbs"]:
                return True
    return False


# -- global outputs ------------------------------------------------------------------------------

UNMODELLED = "<value not modelled>"


def _depends_on(task: dict[str, Any]) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9][-A-Za-z0-9]*(?=\.|\b)", re.sub(r"\.(Succeeded|Failed|Errored|Skipped|"
                                                                       r"Omitted|Daemoned|AnySucceeded|"
                                                                       r"AllFailed)", "", task.get("depends", ""))))


def status_outputs(workflow: dict[str, Any], leaves: dict[str, dict[str, str]]) -> tuple[dict[str, str], dict]:
    """`status.outputs.parameters` of a run in which every leaf template named in `leaves` ends with
    those output parameter values (every task runs; `when`, loops and arguments are not modelled),
    and the entry node's own outputs. Which outputs become global:
    - a pod's own outputs with a globalName (operator.go:1257 @v4.1.2);
    - a DAG exports its tasks' node outputs (those of a nested DAG too), never its own
      (dag.go:384-411 @v4.1.2, :349 @v3.5.15): the entrypoint DAG's outputs are nobody's task's;
    - a steps template exports its own outputs (steps.go:183-188 @v4.1.2, :174-181 @v3.5.15).
    A template's own outputs are resolved from its children's (getTemplateOutputsFromScope,
    operator.go:3455-3487 @v4.1.2: the value, else valueFrom.default)."""
    by_name = {t["name"]: t for t in workflow["spec"]["templates"]}
    exported: dict[str, str] = {}

    def export(outputs: dict[str, Any], declared: dict[str, Any]) -> None:
        for param in declared.get("parameters", []):
            if param.get("globalName") and param["name"] in outputs:
                exported[param["globalName"]] = outputs[param["name"]]

    def own(template: dict[str, Any], scope: dict[str, str]) -> dict[str, str]:
        values = {}
        for param in template.get("outputs", {}).get("parameters", []):
            source = param.get("valueFrom", {})
            try:
                if "parameter" in source:
                    values[param["name"]] = resolve(source["parameter"], scope)
                    if "{{" in values[param["name"]]:
                        raise Missing(source["parameter"])
                elif "expression" in source:
                    values[param["name"]] = evaluate(source["expression"], scope)
            except (Missing, KeyError, TypeError):
                values[param["name"]] = source.get("default", UNMODELLED)
            except (ValueError, IndexError, AttributeError, SyntaxError):  # what this model leaves out: the value
                values[param["name"]] = UNMODELLED
        return values

    def run(name: str) -> dict[str, str]:
        template = by_name[name]
        if "dag" in template or "steps" in template:
            kind = "tasks" if "dag" in template else "steps"
            children = template["dag"]["tasks"] if "dag" in template else [s for g in template["steps"] for s in g]
            scope: dict[str, str] = {}
            done: set[str] = set()
            while len(done) < len(children):
                ready = [c for c in children if c["name"] not in done and _depends_on(c) <= done]
                if not ready:
                    raise ValueError(f"{name}: tasks that can never run")
                for child in ready:
                    outputs = run(child["template"])
                    if kind == "tasks":  # a task node's outputs keep their globalName (operator.go:3483-3484)
                        export(outputs, by_name[child["template"]].get("outputs", {}))
                    scope.update({f"{kind}.{child['name']}.outputs.parameters.{k}": v for k, v in outputs.items()})
                    scope[f"{kind}.{child['name']}.status"] = "Succeeded"
                    done.add(child["name"])
            values = own(template, scope)
            if kind == "steps":
                export(values, template.get("outputs", {}))
            return values
        values = dict(leaves.get(name, {}))
        export(values, template.get("outputs", {}))
        return values

    entry = run(workflow["spec"]["entrypoint"])
    return exported, entry


# -- the spec outside templates ------------------------------------------------------------------

def substitute_global_variables(spec: dict[str, Any], globals_: dict[str, Any]) -> dict[str, Any]:
    """The controller's pass over the whole spec but its templates (operator.go:4694-4716 @v4.1.2,
    :4204-4226 @v3.5.15): one substitution with unresolved simple tags allowed; an unclosed `{{`
    raises (fasttemplate, util/template/template.go:25-31 @v4.1.2), as does a failing expression."""
    rest = {k: v for k, v in spec.items() if k != "templates"}
    return json.loads(substitute(json.dumps(rest, ensure_ascii=False), globals_))



# -- expression outputs that resolve to nothing ---------------------------------------------------

class NodeFailed(Exception):
    """The node fails with this message."""


def nil_fails(version: str) -> bool:
    """From v3.7.16 and v4.0.7 a nil expression result is an error (workflow/controller/scope.go:
    181-186 @v4.1.2); before, Argo stored it as a value."""
    v = version_tuple(version)
    return v >= (4, 0, 7) or ((3, 7, 16) <= v < (4, 0))


def output_parameter(param: dict[str, Any], flat: dict[str, Any], version: str = "4.1") -> str:
    """A DAG or steps template's output parameter (operator.go:3455-3487 @v4.1.2): the
    expression's value; on an error, or a nil where nil_fails, valueFrom.default, or the node fails."""
    source = param["valueFrom"]
    try:
        if "expression" in source:
            value = evaluate(source["expression"], flat)
            if value is None and nil_fails(version):
                raise NodeFailed(f"failed to evaluate expression {source['expression']!r}")
            return format_result("" if value is None else value, version)
        return resolve(source["parameter"], flat)
    except (Missing, NodeFailed, KeyError, TypeError) as exc:
        if "default" in source:
            return source["default"]
        raise NodeFailed(str(exc)) from None


def root_dag(workflow: dict[str, Any]) -> dict[str, Any]:
    """The pipeline's root DAG template: the entrypoint, or the DAG its one step runs (kfpc's
    entrypoint wrapper for pipelines with outputs)."""
    spec = workflow["spec"].get("workflowSpec", workflow["spec"])
    templates = {t["name"]: t for t in spec["templates"]}
    entry = templates[spec["entrypoint"]]
    while "steps" in entry:
        entry = templates[entry["steps"][0][0]["template"]]
    return entry


# -- what the API server admits -------------------------------------------------------------------

def api_server_admits(document: dict[str, Any], version: str = "4.1") -> list[str]:
    """List-size limits of the Workflow CRD Argo 4 installs (manifests/base/crds/full/
    argoproj.io_workflows.yaml @v4.1.2: spec.templates maxItems 200 at line 40412, a template's
    dag.tasks 200 at 25354, inputs.parameters 500 at 29394); v3.7.18's CRD has none."""
    if version_tuple(version) < (4, 0):
        return []
    spec = document["spec"].get("workflowSpec", document["spec"])
    refused = []
    if len(spec.get("templates", [])) > 200:
        refused.append("spec.templates")
    for template in spec.get("templates", []):
        if len(template.get("dag", {}).get("tasks", [])) > 200:
            refused.append(f"{template['name']}.dag.tasks")
        if len(template.get("inputs", {}).get("parameters", [])) > 500:
            refused.append(f"{template['name']}.inputs.parameters")
    return refused


# -- what the controller stores ---------------------------------------------------------------------

MAX_WORKFLOW_SIZE = 1024 * 1024  # workflow/packer/packer.go:17-23 @v4.1.2 (env MAX_WORKFLOW_SIZE, default 1 MiB)


def running_workflow_size(documents: list[dict[str, Any]]) -> int:
    """Bytes of Go's json.Marshal of the Workflow the controller writes back once every task has
    been resolved, leaving out node status (so a lower bound; packer.go:43-55 @v4.1.2 measures the
    whole object): the spec, plus each template a `templateRef` names copied into
    status.storedTemplates under `namespaced/<object>/<template>` (templateresolution/context.go:
    207-218, pkg/apis/workflow/v1alpha1/workflow_types.go:3939-3949 @v4.1.2). Go escapes `<`, `>`,
    `&` as `\\u003c` (encoding/json HTML escaping)."""
    *libraries, main = documents
    spec = main["spec"].get("workflowSpec", main["spec"]) if main["kind"] == "CronWorkflow" else main["spec"]
    found = {(lib["metadata"]["name"], t["name"]): t for lib in libraries for t in lib["spec"]["templates"]}
    stored = {}
    todo = [(t, None) for t in spec["templates"]]
    while todo:  # a library template's plain names resolve in its own WorkflowTemplate (context.go:258-268)
        template, where = todo.pop()
        for call in template.get("dag", {}).get("tasks", []) + [s for g in template.get("steps", []) for s in g]:
            ref = call.get("templateRef")
            key = (ref["name"], ref["template"]) if ref else (where, call.get("template"))
            if (ref or where) and f"namespaced/{key[0]}/{key[1]}" not in stored:
                stored[f"namespaced/{key[0]}/{key[1]}"] = found[key]
                todo.append((found[key], key[0]))
    wf = {"apiVersion": main["apiVersion"], "kind": "Workflow", "metadata": main["metadata"], "spec": spec,
          "status": {"phase": "Running", "storedTemplates": stored}}
    text = json.dumps(wf, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-8")) + 5 * sum(text.count(c) for c in "<>&")


def argo_submit_takes(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What `argo submit FILE` creates: the Workflows of the file, every other kind skipped with a
    warning (workflow/common/parse.go:121-135, cmd/argo/commands/submit.go:264 @v4.1.2)."""
    return [d for d in documents if d.get("kind") == "Workflow"]


def entrypoint_lookup_secrets(workflow: dict[str, Any], service_account_secrets: tuple[str, ...]) -> list[str]:
    """The pull secrets the controller uses to read the entrypoint of an image given without a
    command: the workflow's spec.imagePullSecrets and its service account's (workflowpod.go:755-760
    @v4.1.2, :405-411 @v3.6.19); a template's podSpecPatch is not consulted."""
    spec = workflow["spec"].get("workflowSpec", workflow["spec"])
    return [s["name"] for s in spec.get("imagePullSecrets", [])] + list(service_account_secrets)


# -- input artifacts ---------------------------------------------------------------------------------


def downloads(template: dict[str, Any], arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """The input artifacts Argo's executor downloads into a pod of `template` called with `arguments`:
    the template's inputs, each replaced wholesale by the argument of its name
    (workflow/common/util.go:235-250 @v4.1.2), then every one that has a location or key
    (workflow/executor/executor.go:254-282 @v4.1.2; an optional one without is skipped)."""
    given = {a["name"]: a for a in arguments.get("artifacts", [])}
    merged = [given.get(a["name"], a) for a in template.get("inputs", {}).get("artifacts", [])]
    storage = ("s3", "gcs", "http", "git", "hdfs", "raw", "oss", "azure", "artifactory", "from")
    return [a for a in merged if any(k in a for k in storage)]


# -- a workflow of nested DAGs: depends, when, failFast, targets, task phases -----------------------

_ACTIVE = ("Running", "Pending")


class WorkflowRun:
    """A run of a Workflow whose templates are DAGs and pods, pass by pass: each pass first finishes the
    pods whose time is up (pod reconciliation), then walks the entrypoint DAG as the controller's
    operate() does. `outcome` gives a leaf task's phase by task name (default Succeeded), `duration`
    how many passes its pod runs (default 1). Loops, retries and steps are not modelled. Argo's rules:
    - a task waits until every task its `depends` names is fulfilled, then is Omitted if `depends`
      is false (dag.go:585-600 @v4.1.2), Skipped if its `when` is false (dag.go:656-662), else its
      template runs: a pod, or a nested DAG at once in the same pass (operator.go:2215-2330);
    - a `when` is substituted with the DAG's inputs and its tasks' `tasks.<name>.status`
      (dag.go:785-816, operator.go:3654-3656 @v4.1.2), and so are a nested DAG's arguments;
    - a DAG's `dag.failFast` (default true) never stops it starting tasks: it only decides the DAG's
      phase (assessDAGPhase reads it, dag.go:217 @v4.1.2, :195 @v3.6.19; nothing else does). What
      stops new children is the template-level `failFast` (Template.IsFailFast, workflow_types.go:931
      @v4.1.2, :829 @v3.6.19: true only when set, and Argo never sets it): once such a DAG has a
      failed or errored Pod, Steps or DAG child, checkParallelism refuses every new child of it (the
      boundary's template is consulted, operator.go:3342-3352 @v4.1.2, :2925-2935 @v3.6.19) and the
      walk of the running DAG itself (its own template, operator.go:3305-3317 @v4.1.2, :2888-2899
      @v3.6.19), and marks it Failed as soon as none of its own pods is active
      (node_counters.go:9-39 @v4.1.2);
    - a DAG is Running while a task node it created is not fulfilled (dag.go:177 @v4.1.2, :167
      @v3.6.19); every pass first starts each task whose dependencies are all fulfilled
      (executeDAGTask from the targets, dag.go:322-324 @v4.1.2), so a DAG completes only when
      nothing more can start, then takes assessDAGPhase's phase over its targets (`target`, else the
      tasks nothing depends on; dag.go:217-245, 303-307 @v4.1.2): with failFast the first failed
      target's, without it the last one's, an Omitted or Skipped target taking the failed branch of
      any parent (dag.go:162-210, phase_node.go:29-36 @v4.1.2; Skipped is not Completed:
      workflow_types.go:2678-2681);
    - a DAG that fails resolves no outputs (dag.go:373-380 @v4.1.2); one that succeeds resolves
      them, and an output parameter read from a task that wrote none (not Succeeded: Omitted,
      Skipped, or never created) without `valueFrom.default` is an error (operator.go:3466-3481
      @v4.1.2) that marks the DAG node Error (dag.go:413-416, operator.go:2576-2577); expression
      outputs are not modelled;
    - artifacts by name only: a Succeeded pod wrote every output artifact its template declares, a
      Succeeded DAG the outputs it resolved. `from: {{tasks.<name>.outputs.artifacts.<a>}}` that
      the task did not write fails with "Unable to resolve" (util/template/resolve_var.go:29-33
      @v4.1.2, :29-31 @v3.6.19; a DAG puts no artifacts of a Skipped or Omitted task in scope,
      scope.go:107-117 @v4.1.2); `inputs.artifacts.<a>` always resolves (a declared input is in
      scope, scope.go:155-165 @v4.1.2). An `optional: true` artifact that does not resolve is left
      out: a DAG output (operator.go:3490-3498 @v4.1.2, :3065-3072 @v3.6.19), a task's argument
      (dag.go:857-866 @v4.1.2, :741-750 @v3.6.19); any other one fails the DAG's outputs (the node
      Error, as above) or the task (a node in Error, dag.go:605-613 @v4.1.2);
    - an entrypoint of steps (kfpc's wrapper, one step running the root DAG) ends Failed when its
      step failed or errored (steps.go:121-127, 373-376 @v4.1.2): `dag_phase` keeps the DAG's own;
    - values: a DAG template goes through ProcessArgs's two passes (globals, then its inputs) when
      its node is created (dag_task), each task through its own pass with its siblings' statuses and
      outputs (dag.go:838 @v4.1.2); a task's `when` and arguments are read after it. A Succeeded pod
      writes `<task>.<output>` for each output parameter of its template (`values` overrides by
      task), and a Succeeded DAG the outputs it resolves (`valueFrom.parameter`, else `expression`,
      else the default; operator.go:3455-3487 @v4.1.2). `task_arguments` gives each pod's arguments.
    """

    def __init__(self, workflow: dict[str, Any], outcome: dict[str, str] | None = None,
                 duration: dict[str, int] | None = None, values: dict[str, dict[str, str]] | None = None):
        spec = workflow["spec"].get("workflowSpec", workflow["spec"])
        self.templates = {t["name"]: t for t in spec["templates"]}
        self.globals = {f"workflow.parameters.{p['name']}": p.get("value", "")
                        for p in spec.get("arguments", {}).get("parameters", [])}
        self.values = values or {}
        self.processed: dict[str, dict[str, Any]] = {}  # a DAG node's template after ProcessArgs
        self.entry, self.wrapped = spec["entrypoint"], False
        while "steps" in self.templates[self.entry]:
            self.entry, self.wrapped = self.templates[self.entry]["steps"][0][0]["template"], True
        self.dag_phase = ""
        self.outcome, self.duration = outcome or {}, duration or {}
        self.nodes: dict[str, dict[str, Any]] = {}  # path -> phase, type, boundary, name, ends
        self.passes = 0

    def run(self, limit: int = 10_000) -> str:
        self.nodes["root"] = {"phase": "Running", "type": "DAG", "boundary": "", "name": self.entry, "inputs": {}}
        while self.nodes["root"]["phase"] in _ACTIVE:
            self.passes += 1
            if self.passes > limit:
                raise AssertionError("the workflow never finished")
            for node in self.nodes.values():  # pod reconciliation
                if node["type"] == "Pod" and node["phase"] == "Running" and node["ends"] <= self.passes:
                    node["phase"] = self.outcome.get(node["name"], "Succeeded")
                    if node["phase"] != "Succeeded":
                        node["artifacts"] = set()
                    else:
                        node["outputs"] = node["written"]
            self.dag("root", self.templates[self.entry], {})
        self.dag_phase = self.nodes["root"]["phase"]
        return "Failed" if self.wrapped and self.dag_phase == "Error" else self.dag_phase

    def node_phases(self) -> dict[str, str]:
        """Every node by its path of task names (`root.part-1.kfpc-part-2`), and its phase."""
        return {path: n["phase"] for path, n in self.nodes.items()}

    def task_arguments(self) -> dict[str, dict[str, str]]:
        """Each pod's task (by name) and the argument values it was started with."""
        return {n["name"]: n["args"] for n in self.nodes.values() if n["type"] == "Pod"}

    def task_phases(self) -> dict[str, str]:
        """Each leaf task (a pod's task, by name) and its phase; tasks never created are absent."""
        return {n["name"]: n["phase"] for n in self.nodes.values() if n["type"] in ("Pod", "Skipped")
                and n.get("leaf", True)}

    # -- the controller's walk --------------------------------------------------------------------

    def _children(self, path: str) -> list[dict[str, Any]]:
        return [n for n in self.nodes.values() if n["boundary"] == path]

    def _stopped(self, path: str, template: dict[str, Any]) -> bool:
        """checkParallelism's failFast (operator.go:3305-3352 @v4.1.2, :2888-2935 @v3.6.19): the
        template-level flag (Template.IsFailFast, workflow_types.go:931 @v4.1.2), not `dag.failFast`."""
        if template.get("failFast") is not True:
            return False
        if not any(n["type"] in ("Pod", "DAG") and n["phase"] in ("Failed", "Error") for n in self._children(path)):
            return False
        if not any(n["type"] == "Pod" and n["phase"] in _ACTIVE for n in self._children(path)):
            self.nodes[path]["phase"] = "Failed"
        return True

    def dag(self, path: str, template: dict[str, Any], inputs: dict[str, str]) -> None:
        if self.nodes[path]["phase"] not in _ACTIVE or self._stopped(path, template):
            return
        if path not in self.processed:  # ProcessArgs (workflow/common/util.go:280, 319 @v4.1.2)
            scope = {**self.globals, **{f"inputs.parameters.{k}": v for k, v in inputs.items()}}
            self.processed[path] = _pass(_pass(template, self.globals), scope)
        tasks = {t["name"]: t for t in template["dag"]["tasks"]}
        deps = {n: sorted({m.group(1) for m in _DEPENDS_TERM.finditer(t.get("depends", ""))}) for n, t in tasks.items()}
        targets = template["dag"]["target"].split() if template["dag"].get("target") else \
            sorted(n for n in tasks if not any(n in d for d in deps.values()))
        visited: set[str] = set()
        for target in targets:
            self.task(path, template, tasks, deps, target, inputs, visited)
        phase = self.assess(path, template, targets, deps)
        written = self._artifacts(path, template.get("outputs", {}).get("artifacts", []))
        if phase == "Succeeded" and (not self._outputs_resolve(path, template) or written is None):
            phase = "Error"
        if phase != "Running" and self.nodes[path]["phase"] in _ACTIVE:
            self.nodes[path]["phase"] = phase
            self.nodes[path]["artifacts"] = set(written or ()) if phase == "Succeeded" else set()
            if phase == "Succeeded":
                self.nodes[path]["outputs"] = self._dag_outputs(path, template)

    def _scope(self, path: str) -> dict[str, Any]:
        """What a task of the DAG at `path` reads: globals, the DAG's inputs, its tasks' statuses and outputs."""
        scope = {**self.globals, **{f"inputs.parameters.{k}": v for k, v in self.nodes[path]["inputs"].items()}}
        for key, node in self.nodes.items():
            if node["boundary"] == path:
                name = key.rsplit(".", 1)[1]
                scope[f"tasks.{name}.status"] = node["phase"]
                scope.update({f"tasks.{name}.outputs.parameters.{k}": v for k, v in node.get("outputs", {}).items()})
        return scope

    def _dag_outputs(self, path: str, template: dict[str, Any]) -> dict[str, str]:
        scope, found = self._scope(path), {}
        for param in template.get("outputs", {}).get("parameters", []):
            source = param["valueFrom"]
            try:
                if "parameter" in source:
                    value = resolve(source["parameter"], scope)
                    if "{{" in value:
                        raise Missing(value)
                else:
                    value = format_result(evaluate(source["expression"], scope))
            except Missing:
                value = source.get("default", "")
            found[param["name"]] = value
        return found

    def _outputs_resolve(self, path: str, template: dict[str, Any]) -> bool:
        """Whether every `{{tasks.<name>.outputs.parameters.<p>}}` output finds a value or has a
        default; only a Succeeded task wrote outputs (see the class docstring)."""
        for param in template.get("outputs", {}).get("parameters", []):
            source = param["valueFrom"]
            found = re.fullmatch(r"\{\{tasks\.([^.]+)\.outputs\.parameters\.[^}]+\}\}", source.get("parameter", ""))
            if found and "default" not in source and \
                    self.nodes.get(f"{path}.{found.group(1)}", {}).get("phase") != "Succeeded":
                return False
        return True

    def _artifacts(self, path: str, artifacts: list[dict[str, Any]]) -> list[str] | None:
        """The names of `artifacts` (DAG outputs or a task's arguments, read in the DAG at `path`)
        that resolve, or None when one that is not optional does not (see the class docstring)."""
        found = []
        for art in artifacts:
            source = re.fullmatch(r"\{\{tasks\.([^.]+)\.outputs\.artifacts\.([^}]+)\}\}", art.get("from", ""))
            if source is None or source.group(2) in self.nodes.get(f"{path}.{source.group(1)}", {}).get("artifacts", ()):
                found.append(art["name"])
            elif not art.get("optional"):
                return None
        return found

    def task(self, path: str, template: dict[str, Any], tasks: dict[str, Any], deps: dict[str, list[str]],
             name: str, inputs: dict[str, str], visited: set[str]) -> None:
        if name in visited:
            return
        visited.add(name)
        me = f"{path}.{name}"
        if me in self.nodes:
            node = self.nodes[me]
            if node["type"] == "DAG" and node["phase"] in _ACTIVE:
                self.dag(me, self.templates[tasks[name]["template"]], node["inputs"])
            return
        for dep in deps[name]:
            self.task(path, template, tasks, deps, dep, inputs, visited)
        phases = {d: self.nodes.get(f"{path}.{d}", {}).get("phase") for d in deps[name]}
        if any(p is None or p in _ACTIVE for p in phases.values()):
            return
        task = tasks[name]
        depends = _DEPENDS_TERM.sub(lambda m: "true" if phases[m.group(1)] == _NODE_PHASE.get(m.group(2), m.group(2))
                                    else "false", task.get("depends", "true"))
        if not evaluate(depends, {}):
            self._add(me, path, name, "Skipped", "Omitted", task)
            return
        processed = next(t for t in self.processed[path]["dag"]["tasks"] if t["name"] == name)
        task = _pass(processed, self._scope(path))
        args = {a["name"]: a.get("value", "") for a in task.get("arguments", {}).get("parameters", [])}
        if "when" in task and task["when"] != "true":
            self._add(me, path, name, "Skipped", "Skipped", task)
        elif not self._stopped(path, template):
            callee = self.templates[task["template"]]
            if self._artifacts(path, task.get("arguments", {}).get("artifacts", [])) is None:
                self._add(me, path, name, "Skipped", "Error", task)
            elif "dag" in callee:
                self._add(me, path, name, "DAG", "Running", task, inputs=args)
                self.dag(me, callee, args)
            else:
                outputs = {p["name"]: f"{name}.{p['name']}" for p in callee.get("outputs", {}).get("parameters", [])}
                self._add(me, path, name, "Pod", "Running", task, ends=self.passes + self.duration.get(name, 1),
                          artifacts={a["name"] for a in callee.get("outputs", {}).get("artifacts", [])},
                          args=args, written={**outputs, **self.values.get(name, {})})

    def _add(self, path: str, boundary: str, name: str, kind: str, phase: str, task: dict[str, Any], **extra: Any) -> None:
        callee = self.templates.get(task["template"], {})
        self.nodes[path] = {"phase": phase, "type": kind, "boundary": boundary, "name": name,
                            "leaf": "dag" not in callee, **extra}

    def assess(self, path: str, template: dict[str, Any], targets: list[str], deps: dict[str, list[str]]) -> str:
        mine = {k.rsplit(".", 1)[1]: n["phase"] for k, n in self.nodes.items() if n["boundary"] == path}
        if any(p in _ACTIVE for p in mine.values()):
            return "Running"
        fail_fast = template["dag"].get("failFast", True) is not False
        return _assess(targets, mine, deps, fail_fast)


# -- a whole run, and the child Workflows its resource templates create ------------------------------
# kfpc's Workflow of Workflows (backends/argo/children.py): a parent whose `resource` templates create
# Workflows from WorkflowTemplates and read their outputs. Every pod finishes in the pass after it
# started; a DAG starts every ready task in one pass.

LeafModel = Callable[[dict[str, Any], dict[str, str], dict[str, str]], tuple[str, dict[str, str]]]


def label_selector_matches(selector: str, obj: dict[str, Any]) -> bool:
    """A resource template's success/failure condition: a Kubernetes label selector whose keys are
    gjson paths into the object (workflow/executor/resource.go:176-196, 198-230 @v4.1.2: labels.Parse,
    gjson.GetBytes); every requirement must hold. Supports `==`/`=`, `!=`, `in (...)`, `notin (...)`."""
    for requirement in re.findall(r"[^,(]+(?:\([^)]*\))?", selector):
        requirement = requirement.strip()
        match = re.match(r"^(\S+)\s*(==|=|!=|\bin\b|\bnotin\b)\s*(.+)$", requirement)
        if match is None:
            raise ValueError(f"selector requirement not modelled: {requirement!r}")
        path, op, value = match.groups()
        found: Any = obj
        for key in path.split("."):
            found = found.get(key) if isinstance(found, dict) else None
        text = "" if found is None else str(found)
        allowed = [v.strip() for v in value.strip("() ").split(",")] if op in ("in", "notin") else [value.strip()]
        if (op in ("==", "=", "in")) != (text in allowed):
            return False
    return True


def kubectl_jsonpath(template: str, obj: dict[str, Any]) -> str:
    """`kubectl get -o jsonpath=...` as the executor runs it for a resource output parameter
    (resource.go:318-350 @v4.1.2): the subset `{.a.b[?(@.k=="v")].c}`; the matches printed raw,
    space-separated; none is the empty string (kubectl's jsonpath printer allows missing keys)."""
    match = re.fullmatch(r"\{(.*)\}", template)
    if match is None:
        raise ValueError(f"jsonpath not modelled: {template!r}")
    current: list[Any] = [obj]
    for step in re.findall(r'\.([A-Za-z0-9_-]+)|\[\?\(@\.([A-Za-z0-9_]+)=="([^"]*)"\)\]', match.group(1)):
        key, field, wanted = step
        if key:
            current = [c[key] for c in current if isinstance(c, dict) and key in c]
        else:
            current = [item for c in current if isinstance(c, list) for item in c
                       if isinstance(item, dict) and str(item.get(field)) == wanted]
    return " ".join(c if isinstance(c, str) else json.dumps(c) for c in current)


class Cluster:
    """A namespace: the WorkflowTemplates applied beforehand and the Workflows created in it, each
    run to its end when created. `leaf(template, arguments, globals)` decides what a container
    template's pod does: its phase and output parameter values."""

    def __init__(self, documents: list[dict[str, Any]], leaf: LeafModel, version: str = "4.1.2"):
        self.templates = {d["metadata"]["name"]: d for d in documents if d["kind"] == "WorkflowTemplate"}
        self.workflows: dict[str, dict[str, Any]] = {}
        self.leaf = leaf
        self.version = version

    def create(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """`kubectl create` of a Workflow: generateName gets a suffix; a `workflowTemplateRef` is
        joined with its WorkflowTemplate, the Workflow's argument values winning by name
        (workflow/util/merge.go:274-310, controller/operator.go:4622 @v4.1.2)."""
        wf = json.loads(json.dumps(manifest))
        meta = wf["metadata"]
        if "name" not in meta:
            meta["name"] = f"{meta['generateName']}{len(self.workflows):05d}"
        if meta["name"] in self.workflows:
            raise ValueError(f"AlreadyExists: {meta['name']}")
        spec = wf["spec"]
        if "workflowTemplateRef" in spec:
            template = self.templates[spec["workflowTemplateRef"]["name"]]  # NotFound is a KeyError here
            joined = json.loads(json.dumps(template["spec"]))
            given = {p["name"]: p for p in spec.get("arguments", {}).get("parameters", [])}
            params = [given.get(p["name"], p) for p in joined.get("arguments", {}).get("parameters", [])]
            params += [p for name, p in given.items() if name not in {q["name"] for q in params}]
            joined["arguments"] = {**joined.get("arguments", {}), "parameters": params}
            spec = joined
        self.workflows[meta["name"]] = wf
        params = {f"workflow.parameters.{p['name']}": p.get("value", "")
                  for p in spec.get("arguments", {}).get("parameters", [])}
        # the controller's pass over the spec but its templates (operator.go:4694-4716 @v4.1.2)
        spec = {**substitute_global_variables(spec, {"workflow.name": meta["name"], **params}),
                "templates": spec["templates"]}
        run = ChildWorkflowRun(self, wf, spec)
        phase = run.run()
        wf["status"] = {"phase": phase, **({"outputs": {"parameters": [
            {"name": k, "value": v} for k, v in run.global_outputs.items()]}} if run.global_outputs else {})}
        return wf


class ChildWorkflowRun:
    def __init__(self, cluster: Cluster, wf: dict[str, Any], spec: dict[str, Any]):
        self.cluster, self.wf, self.spec = cluster, wf, spec
        self.by_name = {t["name"]: t for t in spec["templates"]}
        # each Workflow's own (operator.go:678-683 @v4.1.2)
        self.globals = {"workflow.name": wf["metadata"]["name"], "workflow.uid": f"uid-{wf['metadata']['name']}",
                        "workflow.creationTimestamp": f"created-{wf['metadata']['name']}",
                        "workflow.namespace": wf["metadata"].get("namespace", "ns"),
                        **{f"workflow.parameters.{p['name']}": p.get("value", "")
                           for p in spec.get("arguments", {}).get("parameters", [])}}
        self.global_outputs: dict[str, str] = {}
        self.pods: list[tuple[str, dict[str, str]]] = []

    def run(self) -> str:
        phase, _ = self.execute(self.spec["entrypoint"], {}, as_task=False)
        return phase

    def template(self, call: dict[str, Any]) -> dict[str, Any]:
        ref = call.get("templateRef")
        if ref:  # a library WorkflowTemplate's template, as if local (templateresolution/context.go:124-178 @v4.1.2)
            lib = self.cluster.templates[ref["name"]]
            return next(t for t in lib["spec"]["templates"] if t["name"] == ref["template"])
        return self.by_name[call["template"]]

    def execute(self, name_or_call: str | dict[str, Any], args: dict[str, str],
                as_task: bool = True) -> tuple[str, dict[str, str]]:
        template = self.by_name[name_or_call] if isinstance(name_or_call, str) else self.template(name_or_call)
        if "dag" in template:
            phase, outputs = self.dag(template, args)
        elif "steps" in template:
            phase, outputs = self.steps(template, args)
        elif "resource" in template:
            phase, outputs = self.resource(template, args)
        elif "container" in template:
            phase, outputs = self.cluster.leaf(template, args, self.globals)
            self.pods.append((template["name"], args))
        else:
            raise NotImplementedError(f"template {template['name']!r} of a kind this model leaves out")
        if phase == "Succeeded" and (as_task or "steps" in template):
            # a task or step node's outputs with a globalName (operator.go:3483-3484, steps.go:183-188 @v4.1.2);
            # the entry DAG's own outputs are nobody's (dag.go:411 @v4.1.2)
            for param in template.get("outputs", {}).get("parameters", []):
                if param.get("globalName") and param["name"] in outputs:
                    self.global_outputs[param["globalName"]] = outputs[param["name"]]
        return phase, outputs

    def _scope(self, args: dict[str, str]) -> dict[str, Any]:
        return {**self.globals, **{f"inputs.parameters.{k}": v for k, v in args.items()}}

    def call_arguments(self, call: dict[str, Any], scope: dict[str, Any]) -> dict[str, str]:
        """A task's argument values. Argo substitutes globals, then inputs, then tasks (common/util.go:280,
        319, dag.go:838 @v4.1.2); one pass with all of them gives the same values when no value holds
        a tag, which kfpc's values never do between templates (escape.py, children.py)."""
        for key in ("withItems", "withParam", "when", "withSequence"):
            if key in call:
                raise NotImplementedError(f"{key} on {call['name']!r}: not modelled in a whole run")
        call = _pass(call, scope, self.cluster.version)
        return {p["name"]: p["value"] for p in call.get("arguments", {}).get("parameters", [])}

    def dag(self, template: dict[str, Any], args: dict[str, str]) -> tuple[str, dict[str, str]]:
        """Dependencies, `depends`, failFast and the DAG's phase as WorkflowRun models them (dag.go:177,
        217-245, 585-600 @v4.1.2), with values: `tasks.<name>.outputs.parameters.<p>` in scope. A
        failure stops no task (only a template-level failFast would: see WorkflowRun)."""
        tasks = {t["name"]: t for t in template["dag"]["tasks"]}
        deps = {n: sorted({m.group(1) for m in _DEPENDS_TERM.finditer(t.get("depends", ""))}) for n, t in tasks.items()}
        if template.get("failFast") is True:
            raise NotImplementedError("a template-level failFast: not modelled in a whole run")
        phase: dict[str, str] = {}
        scope = self._scope(args)
        while True:
            ready = [n for n in tasks if n not in phase and all(phase.get(d) not in (None, "Running") for d in deps[n])]
            if not ready:
                break
            started = []
            for name in ready:
                text = _DEPENDS_TERM.sub(lambda m: "true" if phase[m.group(1)] == _NODE_PHASE.get(m.group(2), m.group(2))
                                         else "false", tasks[name].get("depends", "true"))
                if not evaluate(text, {}):
                    phase[name] = "Omitted"
                else:
                    phase[name] = "Running"
                    started.append(name)
            for name in started:
                result, outputs = self.execute(tasks[name], self.call_arguments(tasks[name], scope))
                phase[name] = result
                scope[f"tasks.{name}.status"] = result
                scope.update({f"tasks.{name}.outputs.parameters.{k}": v for k, v in outputs.items()})
        targets = template["dag"]["target"].split() if template["dag"].get("target") else \
            [n for n in tasks if not any(n in d for d in deps.values())]
        result = _assess(targets, phase, deps, template["dag"].get("failFast", True) is not False)
        return (result, {}) if result != "Succeeded" else (result, self.own_outputs(template, scope))

    def steps(self, template: dict[str, Any], args: dict[str, str]) -> tuple[str, dict[str, str]]:
        scope = self._scope(args)
        for group in template["steps"]:
            for step in group:
                result, outputs = self.execute(step, self.call_arguments(step, scope))
                if result != "Succeeded":
                    return result, {}
                scope.update({f"steps.{step['name']}.outputs.parameters.{k}": v for k, v in outputs.items()})
        return "Succeeded", self.own_outputs(template, scope)

    def own_outputs(self, template: dict[str, Any], scope: dict[str, Any]) -> dict[str, str]:
        return {p["name"]: output_parameter(p, scope, self.cluster.version)
                for p in template.get("outputs", {}).get("parameters", [])}

    def resource(self, template: dict[str, Any], args: dict[str, str]) -> tuple[str, dict[str, str]]:
        """A resource template (operator.go:3926-3961 @v4.1.2): the manifest after substitution; with
        setOwnerReference the parent becomes the object's controller owner (operator.go:3939-3953);
        the pod creates it (resource.go:36-57), waits until the failure condition (checked first) or
        the success condition holds (resource.go:255-314), then reads each output parameter with
        kubectl's jsonpath (resource.go:318-350)."""
        processed, _ = _processed(template, args, self.globals, self.cluster.version)
        spec = processed["resource"]
        if spec["action"] != "create":
            raise NotImplementedError(f"resource action {spec['action']!r}")
        manifest = json.loads(spec["manifest"])
        if spec.get("setOwnerReference"):
            manifest["metadata"].setdefault("ownerReferences", []).append(
                {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "name": self.wf["metadata"]["name"],
                 "uid": self.globals["workflow.uid"], "controller": True, "blockOwnerDeletion": True})
        child = self.cluster.create(manifest)
        if spec.get("failureCondition") and label_selector_matches(spec["failureCondition"], child):
            return "Failed", {}
        if spec.get("successCondition") and not label_selector_matches(spec["successCondition"], child):
            raise AssertionError(f"child {child['metadata']['name']} finished {child['status']['phase']} and matches "
                                 "neither condition: the resource pod would wait for ever")
        outputs = {p["name"]: kubectl_jsonpath(p["valueFrom"]["jsonPath"], child)
                   for p in template.get("outputs", {}).get("parameters", [])}
        return "Succeeded", outputs


def run_groups(documents: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Each Workflow that will run, with the library WorkflowTemplates it calls: `[libraries...,
    object]` for the last document and for every WorkflowTemplate a resource template's manifest
    names in `workflowTemplateRef` (a child of kfpc's Workflow of Workflows)."""
    by_name = {d["metadata"]["name"]: d for d in documents if d["kind"] == "WorkflowTemplate"}
    main = documents[-1]
    spec = main["spec"].get("workflowSpec", main["spec"])
    children = [json.loads(t["resource"]["manifest"])["spec"]["workflowTemplateRef"]["name"]
                for t in spec["templates"] if "resource" in t]
    groups = []
    for run in [main] + [by_name[name] for name in children]:
        run_spec = run["spec"].get("workflowSpec", run["spec"])
        refs = {c["templateRef"]["name"] for t in run_spec["templates"]
                for c in t.get("dag", {}).get("tasks", []) + [s for g in t.get("steps", []) for s in g]
                if "templateRef" in c}
        groups.append([by_name[name] for name in sorted(refs)] + [run])
    return groups
