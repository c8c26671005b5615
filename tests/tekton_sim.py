"""Run a kfpc PipelineRun on this machine the way Tekton and the kubelet would (tests only).

What is emulated, from the Tekton sources at v0.59.6 and v1.15.0 (each rule below cites its lines):
* substitution passes, each a single pass that rescans the previous one's output: pipeline params,
  then context, then (per task, when it is created) task results and, for finally tasks, task states
  in params and `when`; propagation of params, context and results into inline taskSpecs; then, per
  TaskRun, its params (arrays expand in isolated args), context, `results.x.path`, workspaces;
* scheduling: runAfter and result references; `when` in / notin; skip reasons and their order, which
  changed in v1.0 (`version="v0.59"` or `"v1"`), and which of them cascade; an empty Matrix; a failure
  stops scheduling and leaves only finally tasks; Matrix fan-out and TaskRun names;
* the kubelet: `$(VAR)` and `$$` in env values (earlier variables only) and in command/args;
* steps run as local processes: the kfpc runtime as rendered for this machine's paths, containers
  by their command (images are ignored), with /workspace/kfpc and /kfpc/out mapped to temporary dirs;
  results read back from each step's results dir;
* result sizes: the termination message each step's entrypoint writes (Go's JSON encoding of every
  result plus StartedAt, at most 4096 bytes) and the kubelet's 12 KiB per pod (termination_message);
* result availability: only tasks that succeeded give results, in finally too; a pipeline result a
  succeeded task did not write fails the run (CouldntGetPipelineResult);
* pod placement next to the affinity assistant (schedule_pods) and TaskRun timeouts before and
  after v1.11 (task_run_timeout). Admission of standalone Pipelines by version is in
  tekton_checks.standalone_pipeline.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kfpc.runtime import bootstrap, bootstrap_file
from kfpc_backends.tekton.runtime import generate, packed as tekton_packed

_REF = re.compile(r"\$\(([^()]*)\)")
WS = "/workspace/kfpc"
OUT = "/kfpc/out"
RESULTS = "/tekton/results"
STEPS = "/tekton/steps"


class CouldntGetPipelineResult(AssertionError):
    """The PipelineRun fails after its tasks ran: a pipeline result cannot be resolved."""


@dataclass
class TaskRun:
    name: str
    task: str
    params: dict[str, Any]
    steps: list[tuple[str, int, str, str]] = field(default_factory=list)  # name, exit code, stdout, stderr
    results: dict[str, Any] = field(default_factory=dict)
    ok: bool = True

    @property
    def stdout(self) -> str:
        return "".join(out for _, _, out, _ in self.steps)


@dataclass
class State:
    status: str  # Succeeded | Failed | None (skipped or not run)
    reason: str = ""
    results: dict[str, Any] = field(default_factory=dict)
    runs: list[TaskRun] = field(default_factory=list)


@dataclass
class Outcome:
    status: str  # Succeeded | Completed | Failed
    states: dict[str, State]
    results: dict[str, Any]
    workspace: Path

    def ran(self, task: str) -> bool:
        return self.states[task].status != "None"

    def stdout(self, task: str) -> str:
        return "".join(r.stdout for r in self.states[task].runs)


def replace(text: str, mapping: dict[str, str]) -> str:
    """One pass of Tekton's substitution: known `$(key)` references replaced, the result not rescanned."""
    if not mapping or "$(" not in text:
        return text
    return _REF.sub(lambda m: mapping.get(m.group(1), m.group(0)), text)


def walk_strings(value: Any, fn: Any) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [walk_strings(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: walk_strings(v, fn) for k, v in value.items()}
    return value


def kubelet(text: str, env: dict[str, str]) -> str:
    """The kubelet's expansion: `$$` is `$`, `$(NAME)` is the variable when defined, else kept."""
    out = []
    i = 0
    while i < len(text):
        if text[i] == "$" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "(":
                close = text.find(")", i + 2)
                if close == -1:
                    out.append("$(")
                    i += 2
                    continue
                name = text[i + 2:close]
                out.append(env[name] if name in env else text[i:close + 1])
                i = close + 1
                continue
            out.append("$" + nxt)
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


class Sim:
    def __init__(self, run: dict[str, Any], tmp: Path, params: dict[str, str] | None = None, version: str = "v1",
                 name: str = "kfpc-run", uid: str = "uid-1234", api: tuple[int, Path] | None = None):
        self.run = run
        self.spec = run["spec"]["pipelineSpec"]
        self.tmp = tmp
        self.version = version
        self.name = name
        self.uid = uid
        self.ws = tmp / "ws"
        self.ws.mkdir(parents=True, exist_ok=True)
        values = {p["name"]: p["default"] for p in self.spec.get("params", []) if "default" in p}
        values.update(params or {})
        missing = [p["name"] for p in self.spec.get("params", []) if p["name"] not in values]
        if missing:
            raise ValueError(f"pipelineRun missing parameters: {missing}")
        self.params = {f"params.{k}": v for k, v in values.items()}
        self.context = {"context.pipelineRun.name": name, "context.pipelineRun.namespace": "default",
                        "context.pipelineRun.uid": uid, "context.pipeline.name": name}
        self.pod_env = run["spec"].get("taskRunTemplate", {}).get("podTemplate", {}).get("env", [])
        self.states: dict[str, State] = {}
        self.api = api  # (port, service account dir) of a Kubernetes API stand-in
        self.runtime = generate.render(workspace="@WS@", outputs_dir="@OUT@", results_dir="@RES@",
                                       service_account_dir=str(api[1]) if api else "/nonexistent")
        self.counter = itertools.count()
        self.run_names: set[str] = set()

    # -- scheduling ------------------------------------------------------------------------------

    def execute(self) -> Outcome:
        tasks = {t["name"]: t for t in self.spec.get("tasks", [])}
        stopping = False
        pending = dict(tasks)
        while pending:
            ready = sorted(n for n, t in pending.items() if all(d in self.states for d in self.parents(t) if d in tasks))
            if not ready:
                raise AssertionError(f"deadlock among {sorted(pending)}")
            failed = False  # tasks ready together start together: a failure stops only later ones
            for name in ready:
                task = pending.pop(name)
                if stopping:
                    self.states[name] = State("None", "StoppingSkip")
                    continue
                self.states[name] = self.schedule(task, finally_=False)
                failed = failed or self.states[name].status == "Failed"
            stopping = stopping or failed
        for task in self.spec.get("finally", []):
            self.states[task["name"]] = self.schedule(task, finally_=True)
        dag = [self.states[n] for n in tasks]
        if any(s.status == "Failed" for s in self.states.values()):
            status = "Failed"
        elif any(s.status == "None" for s in dag) or any(s.reason == "MissingResultsSkip"
                                                         for s in self.states.values()):
            status = "Completed"
        else:
            status = "Succeeded"
        return Outcome(status, self.states, self.pipeline_results(), self.ws)

    def parents(self, task: dict[str, Any]) -> set[str]:
        found = set(task.get("runAfter", []))
        for text in _strings({k: task.get(k) for k in ("params", "when", "matrix")}):
            for ref in _REF.findall(text):
                m = re.match(r"tasks\.([^.]+)\.results\.", ref)
                if m:
                    found.add(m.group(1))
        return found

    def result_map(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        """Results Tekton substitutes: only of TaskRuns that succeeded (GetTaskRunsResults,
        pkg/reconciler/pipelinerun/resources/pipelinerunstate.go:165-169 @v0.59.6; from v1.x also of
        failed ones that wrote them, pipelinerunstate.go:191 @v1.15.0: a kfpc step publishes only
        after its component succeeded). Finally tasks get them propagated into their taskSpec (pipelinerun.go:901
        @v0.59.6); a reference to anything else stays as text, which schedule() treats as an error."""
        strings: dict[str, str] = {}
        arrays: dict[str, list[str]] = {}
        for name, state in self.states.items():
            if state.status != "Succeeded":
                continue
            for result, value in state.results.items():
                if isinstance(value, list):
                    arrays[f"tasks.{name}.results.{result}"] = value
                else:
                    strings[f"tasks.{name}.results.{result}"] = value
        return strings, arrays

    def status_map(self) -> dict[str, str]:
        dag = [t["name"] for t in self.spec.get("tasks", [])]
        out = {f"tasks.{n}.status": self.states[n].status for n in dag}
        states = [self.states[n].status for n in dag]
        out["tasks.status"] = "Failed" if "Failed" in states else "Completed" if "None" in states else "Succeeded"
        return out

    def substitute_pipeline_task(self, task: dict[str, Any], finally_: bool) -> dict[str, Any]:
        strings, arrays = self.result_map()
        out = walk_strings(task, lambda s: replace(s, self.params))
        out = walk_strings(out, lambda s: replace(s, self.context))
        spec = out.pop("taskSpec")
        for key in ("params", "matrix"):
            if key in out:
                out[key] = _expand_arrays(out[key], arrays)
        out = walk_strings(out, lambda s: replace(s, strings))
        if finally_:
            out = walk_strings(out, lambda s: replace(s, self.status_map()))
        out["taskSpec"] = walk_strings(spec, lambda s: replace(s, strings))  # PropagateResults
        return out

    def schedule(self, task: dict[str, Any], finally_: bool) -> State:
        name = task["name"]
        resolved = self.substitute_pipeline_task(task, finally_)
        refs = [ref for text in _strings({k: resolved.get(k) for k in ("params", "when", "matrix")})
                for ref in _REF.findall(text) if ref.startswith("tasks.") and ".results." in ref]
        producers = {r.split(".")[1] for r in refs}
        when_ok = all(_holds(w) for w in resolved.get("when", []))
        parent_skip = any(self.states[p].status == "None" and self.states[p].reason != "WhenExpressionsSkip"
                          for p in self.parents(task) if p in self.states) and not finally_
        missing = any(self.states[p].reason == "WhenExpressionsSkip" or finally_ for p in producers)
        if refs and any(self.states[p].status == "Succeeded" for p in producers):
            raise AssertionError(f"task {name}: a succeeded producer did not write {refs} (InvalidTaskResultReference)")
        checks = [("WhenExpressionsSkip", not when_ok), ("ParentTasksSkip", parent_skip),
                  ("MissingResultsSkip", bool(refs) and missing)]
        if self.version == "v0.59":
            checks = checks[1:] + checks[:1]
        for reason, hit in checks:
            if hit:
                return State("None", reason)
        for text in _strings(resolved["taskSpec"]):
            for ref in _REF.findall(text):
                if ref.startswith("tasks.") and ".results." in ref:
                    # Tekton would leave the reference as text: a container would see "$(tasks...)".
                    raise AssertionError(f"task {name}: $({ref}) is unresolved in its taskSpec")
        combos = self.combinations(resolved)
        if combos == []:
            return State("None", "EmptyArrayInMatrixParams")
        state = State("Succeeded")
        for index, combo in enumerate(combos or [{}]):
            run_name = f"{self.name}-{name}" + (f"-{index}" if combos and len(combos) > 1 else "")
            if run_name in self.run_names:
                raise AssertionError(f"two TaskRuns named {run_name}: Tekton would find the first and never run the second")
            self.run_names.add(run_name)
            tr = self.task_run(resolved, run_name, combo)
            state.runs.append(tr)
            if not tr.ok:
                state.status, state.reason = "Failed", "Failed"
        if state.status == "Succeeded" and not combos:
            state.results = state.runs[0].results
        return state

    def combinations(self, task: dict[str, Any]) -> list[dict[str, Any]] | None:
        params = task.get("matrix", {}).get("params", [])
        if not params:
            return None
        for p in params:
            if not isinstance(p["value"], list):
                raise AssertionError(f"task {task['name']}: Matrix param {p['name']} is not an array: {p['value']!r}")
        return [dict(zip([p["name"] for p in params], values))
                for values in itertools.product(*(p["value"] for p in params))]

    # -- one TaskRun -----------------------------------------------------------------------------

    def task_run(self, task: dict[str, Any], run_name: str, combo: dict[str, Any]) -> TaskRun:
        spec = task["taskSpec"]
        values = {d["name"]: d["default"] for d in spec.get("params", []) if "default" in d}
        values.update({p["name"]: p["value"] for p in task.get("params", [])})
        values.update(combo)
        for d in spec.get("params", []):
            if d["name"] not in values:
                raise AssertionError(f"{run_name}: param {d['name']} has no value")
        tr = TaskRun(run_name, task["name"], values)
        strings = {f"params.{k}": v for k, v in values.items() if isinstance(v, str)}
        arrays = {f"params.{k}": v for k, v in values.items() if isinstance(v, list)}
        steps = []
        for step in spec["steps"]:
            step = dict(step)
            for key in ("command", "args"):
                if key in step:
                    step[key] = _expand_arrays(step[key], arrays)
            steps.append(step)
        contexts = {"context.taskRun.name": run_name, "context.taskRun.namespace": "default",
                    "context.taskRun.uid": f"tr-{next(self.counter)}", "context.task.name": task["name"],
                    "context.task.retry-count": "0"}
        results_dir = self.tmp / "results" / run_name
        out_dir = self.tmp / "out" / run_name
        paths = {f"results.{r['name']}.path": f"{RESULTS}/{r['name']}" for r in spec.get("results", [])}
        paths.update({f"steps.step-{s['name']}.exitCode.path": f"{STEPS}/step-{s['name']}/exitCode"
                      for s in spec["steps"]})
        paths.update({f"workspaces.{w['name']}.path": f"/workspace/{w['name']}" for w in spec.get("workspaces", [])})
        for mapping in (strings, contexts, paths):
            steps = walk_strings(steps, lambda s, m=mapping: replace(s, m))
        for _attempt in range(int(task.get("retries", 0)) + 1):
            results_dir.mkdir(parents=True, exist_ok=True)
            out_dir.mkdir(parents=True, exist_ok=True)
            tr.steps, tr.ok = [], True
            for step in steps:
                code = self.step(step, tr, results_dir, out_dir, len(steps) + 1)
                exit_file = self.tmp / "steps" / run_name / f"step-{step['name']}" / "exitCode"
                exit_file.parent.mkdir(parents=True, exist_ok=True)
                exit_file.write_text(str(code))
                if code != 0 and step.get("onError") != "continue":
                    tr.ok = False
                    break
            if tr.ok:
                break
        for r in spec.get("results", []):
            path = results_dir / r["name"]
            if path.exists():
                text = path.read_text("utf-8")
                tr.results[r["name"]] = json.loads(text) if r.get("type") == "array" else text
        return tr

    def step(self, step: dict[str, Any], tr: TaskRun, results_dir: Path, out_dir: Path, containers: int = 3) -> int:
        env: dict[str, str] = {}
        for entry in list(step.get("env", [])) + list(self.pod_env):
            env[entry["name"]] = kubelet(entry.get("value", ""), env)
        argv = [kubelet(x, env) for x in step.get("command", []) + step.get("args", [])]
        mapping = {WS: str(self.ws), OUT: str(out_dir), RESULTS: str(results_dir),
                   STEPS: str(self.tmp / "steps" / tr.name)}

        def local(text: str) -> str:
            for remote, here in mapping.items():
                text = text.replace(remote, here)
            return text

        argv = [local(a) for a in argv]
        env = {k: local(v) for k, v in env.items()}
        host = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "HOME": str(self.tmp),
                "LANG": "C.UTF-8", "KUBERNETES_SERVICE_HOST": "127.0.0.1",
                "KUBERNETES_SERVICE_PORT": str(self.api[0] if self.api else 1)}
        if argv[:2] == ["python3", "-c"] and _runs_runtime(argv[2]):
            missing = _runtime_missing(argv[2], env)
            if missing:
                tr.steps.append((step["name"], 1, "", missing))
                return 1
            source = (self.runtime.replace('"@WS@"', json.dumps(str(self.ws)))
                      .replace('"@OUT@"', json.dumps(str(out_dir))).replace('"@RES@"', json.dumps(str(results_dir))))
            rest = argv[3:]
            if rest and rest[0] == "run" and len(rest) > 3 and rest[1:3] == ["sh", "-c"] and "pip install" in rest[3]:
                rest[3] = 'exec "$0" "$@"'  # the component's pip preamble, minus the install (no network in tests)
            argv = [sys.executable, "-c", source, *rest]
        elif argv and argv[0] == "python3":
            argv[0] = sys.executable
        proc = subprocess.run(argv, env={**host, **env}, capture_output=True, text=True, timeout=300)
        tr.steps.append((step["name"], proc.returncode, proc.stdout, proc.stderr))
        message = termination_message(results_dir) if results_dir.exists() else b"[]"
        limit = min(4096, 12288 // containers)
        if proc.returncode == 0 and len(message) > 4096:
            tr.steps[-1] = (step["name"], 1, proc.stdout,
                            f"Termination message is above max allowed size 4096 ({len(message)})")
            return 1
        if proc.returncode == 0 and len(message) > limit:
            # The kubelet cuts the message to its share of 12 KiB: Tekton cannot parse what is left.
            tr.steps[-1] = (step["name"], 1, proc.stdout, f"termination message cut to {limit} bytes by the kubelet")
            return 1
        return proc.returncode

    def pipeline_results(self) -> dict[str, Any]:
        """Pipeline results once the run is done: one that refers to a task that did not succeed is
        left out; one that refers to a result a *succeeded* task did not write fails the whole run
        (CouldntGetPipelineResult: resources/apply.go:505-515, pipelinerun.go:809-816 @v0.59.6)."""
        strings, _ = self.result_map()
        out = {}
        for result in self.spec.get("results", []):
            text = replace(result["value"], strings)
            for ref in _REF.findall(text):
                m = re.match(r"tasks\.([^.]+)\.results\.", ref)
                if m and m.group(1) in self.states and self.states[m.group(1)].status == "Succeeded":
                    raise CouldntGetPipelineResult(f"pipeline result {result['name']}: $({ref}) was not written by a "
                                                   "task that succeeded")
            if "$(tasks." not in text:
                out[result["name"]] = text
        return out


_RUNTIME_FILE = re.compile(r"open\('([^']+)'\)")


def _runs_runtime(code: str) -> bool:
    """The step's program is kfpc's bootstrap: from the env (`--kind run`) or from a file in the
    run's volume (standalone Pipelines, kinds.deliver_runtime)."""
    file = _RUNTIME_FILE.search(code)
    return code == bootstrap("KFPC_RT") or (file is not None and code == bootstrap_file(file.group(1)))


def _runtime_missing(code: str, env: dict[str, str]) -> str | None:
    """Why the bootstrap would fail in the pod, if it would."""
    file = _RUNTIME_FILE.search(code)
    if file is None:
        # A step's env is its own plus the PipelineRun's pod template env (pkg/pod/pod.go:316-326
        # @v1.15.0): without either the bootstrap cannot find the runtime.
        return None if env.get("KFPC_RT") == tekton_packed() else "KeyError: 'KFPC_RT'"
    path = Path(file.group(1))
    if not path.is_file():
        return f"FileNotFoundError: {path}"
    return None if path.read_text("utf-8") == tekton_packed() else f"not kfpc's runtime: {path}"


def go_json(text: str) -> str:
    """A JSON string as Go's encoding/json writes it (encode.go, appendString): `"` and `\\` escaped,
    \\n \\r \\t, other control characters and HTML's < > & as \\u00XX, U+2028 and U+2029 as \\u2028/9
    (Go before 1.22 also writes \\b and \\f as \\u0008, \\u000c), everything else as UTF-8."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif ch < " " or ch in "<>&\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out) + '"'


def termination_message(results_dir: Path) -> bytes:
    """What Tekton's entrypoint writes after a step: every result file present, then its StartedAt
    entry, as json.Marshal of RunResult{key, value, type} (pkg/entrypoint/entrypointer.go:161-166,
    196-200, 306-343 and pkg/termination/write.go:46-51 @v0.59.6; the time in the step image's
    zone, entrypointer.go:48, here its longest form)."""
    entries = [(p.name, p.read_text("utf-8"), 1) for p in sorted(results_dir.iterdir())]
    entries.append(("StartedAt", "2006-01-02T15:04:05.000-07:00", 3))
    return ("[" + ",".join(f'{{"key":{go_json(k)},"value":{go_json(v)},"type":{t}}}' for k, v, t in entries)
            + "]").encode("utf-8")


def _strings(value: Any) -> list[str]:
    found: list[str] = []
    walk_strings(value, lambda s: found.append(s) or s)
    return found


def _expand_arrays(value: Any, arrays: dict[str, list[str]]) -> Any:
    """Whole-array references: a string that is exactly `$(x[*])` (or `$(x)` of an array) becomes the
    array, as a param value or as several args elements."""
    def one(s: Any) -> Any:
        if isinstance(s, str):
            m = re.fullmatch(r"\$\(([^()]*?)(\[\*\])?\)", s)
            if m and m.group(1) in arrays:
                return arrays[m.group(1)]
        return s

    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            if isinstance(item, dict):
                item = {**item, "value": one(item["value"])} if "value" in item else item
                out.append(item)
            else:
                expanded = one(item)
                out.extend(expanded if isinstance(expanded, list) else [expanded])
        return out
    if isinstance(value, dict) and "params" in value:
        return {**value, "params": _expand_arrays(value["params"], arrays)}
    return value


def _holds(when: dict[str, Any]) -> bool:
    found = when["input"] in when["values"]
    return found if when["operator"] == "in" else not found


# -- the PipelineRun as stored -------------------------------------------------------------------


def stored_run(run: dict[str, Any], pipeline: dict[str, Any] | None = None, uid: str = "0" * 36,
               namespace: str = "default") -> dict[str, Any]:
    """The PipelineRun as Tekton stores it after its first reconcile. Its status holds the pipeline
    spec with the run's parameter values (its own, else the defaults) substituted into every task
    and inline taskSpec, a task's param of the same name standing for the pipeline's inside its
    taskSpec, then the context values (ApplyParameters, propagateParams, ApplyContexts,
    pkg/reconciler/pipelinerun/resources/apply.go:89-128,389-407,594-632 @v1.15.0, :51,346
    @v0.59.6; stored at pipelinerun.go:699-710 @v1.15.0, :557-561 @v0.59.6), and one child
    reference per TaskRun, a Matrix giving one per combination (GetChildReferences,
    pkg/reconciler/pipelinerun/resources/pipelinerunstate.go:276-336 @v1.15.0)."""
    spec = run["spec"].get("pipelineSpec") or (pipeline or {})["spec"]
    values = {p["name"]: p["default"] for p in spec.get("params", []) if "default" in p}
    values.update({p["name"]: p["value"] for p in run["spec"].get("params", [])})
    name = run["metadata"].get("name") or run["metadata"]["generateName"] + "abcde"
    params = {f"{form}": v for n, v in values.items()
              for form in (f"params.{n}", f'params["{n}"]', f"params['{n}']")}
    context = {"context.pipelineRun.name": name, "context.pipelineRun.uid": uid,
               "context.pipelineRun.namespace": namespace,
               "context.pipeline.name": (pipeline or run)["metadata"].get("name") or name}
    resolved = dict(spec)
    refs = []
    for section in ("tasks", "finally"):
        tasks = []
        for task in spec.get(section, []):
            outer = walk_strings({k: v for k, v in task.items() if k != "taskSpec"}, lambda s: replace(s, params))
            own = {**params, **{f"params.{p['name']}": p["value"] for p in outer.get("params", [])
                                if f"params.{p['name']}" in params}}
            if "taskSpec" in task:
                outer["taskSpec"] = walk_strings(task["taskSpec"], lambda s, m=own: replace(s, m))
            outer = walk_strings(outer, lambda s: replace(s, context))
            tasks.append(outer)
            matrix = [p["value"] for p in outer.get("matrix", {}).get("params", [])]
            count = 1
            for value in matrix:
                count *= len(value) if isinstance(value, list) else 1
            for index in range(count):
                refs.append({"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
                             "name": f"{name}-{task['name']}" + (f"-{index}" if matrix else ""),
                             **({"displayName": outer["displayName"]} if outer.get("displayName") else {}),
                             "pipelineTaskName": task["name"],
                             **({"whenExpressions": outer["when"]} if outer.get("when") else {})})
        if section in spec:
            resolved[section] = tasks
    status = {"conditions": [{"type": "Succeeded", "status": "Unknown", "reason": "Running",
                              "message": "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 300, Skipped: 0",
                              "lastTransitionTime": "2026-01-01T00:00:00Z"}],
              "startTime": "2026-01-01T00:00:00Z", "pipelineSpec": resolved, "childReferences": refs}
    return {**run, "status": status}


def runtime_functions(**settings: object) -> dict[str, Any]:
    """The runtime's functions, without running a mode (its last line dispatches on argv), for tests
    that call one directly; `settings` are generate.render's (e.g. workspace)."""
    source = generate.render(**settings).rsplit("\nMODES[sys.argv[1]]", 1)[0]
    namespace: dict[str, Any] = {"__name__": "kfpc_runtime_under_test"}
    exec(compile(source, "tekton_runtime", "exec"), namespace)  # noqa: S102 (our own program)
    return namespace


# -- pod placement with the affinity assistant ----------------------------------------------------

_STANDARD = ("cpu", "memory", "ephemeral-storage")


def _effective_template(run_spec: dict[str, Any], task: str) -> dict[str, Any]:
    """A TaskRun's pod template: its taskRunSpecs entry, each field falling back to the run-wide one
    when unset (PipelineRun.GetTaskRunSpec, pkg/apis/pipeline/v1/pipelinerun_types.go:659,665 @v0.59.6;
    MergePodTemplateWithDefault, pkg/apis/pipeline/pod/template.go:200-209 @v1.15.0). An empty
    `nodeSelector: {}` or `tolerations: []` counts as unset: the controller rewrites the PipelineRun
    from its Go struct on its first reconcile (updateLabelsAndAnnotations, pipelinerun.go:1950
    @v1.15.0, :1422 @v0.59.6), whose `omitempty` drops them (pkg/apis/pipeline/pod/template.go:36,48
    @v1.15.0), while `affinity: {}` is a non-nil pointer (:55) and stays."""
    default = run_spec.get("taskRunTemplate", {}).get("podTemplate", {}) or {}
    own = next((s.get("podTemplate") for s in run_spec.get("taskRunSpecs", []) if s["pipelineTaskName"] == task), None)
    if own is None:
        return dict(default)
    unset = {k for k in ("nodeSelector", "tolerations") if not own.get(k)}
    unset |= {"affinity"} if own.get("affinity") is None else set()
    return {**own, **{k: default[k] for k in sorted(unset) if k in default}}


def schedule_pods(run: dict[str, Any], coschedule: str = "workspaces") -> list[str]:
    """Pods that could never be scheduled. With `coschedule: workspaces` (the default,
    pkg/apis/config/feature_flags.go:98 @v0.59.6, :97 @v1.15.0) a TaskRun binding a PVC-backed
    workspace is annotated with the assistant (pipelinerun.go:1039 @v0.59.6, :1433 @v1.15.0) and its
    pod gets a required pod affinity to the assistant's pod by hostname
    (pkg/internal/affinityassistant/transformer.go:50 @v0.59.6). The assistant is placed by the
    run-wide template's node selector, tolerations and affinity only
    (pkg/reconciler/pipelinerun/affinity_assistant.go:291,362-363,366 @v0.59.6; :337-338,439-440,446
    @v1.15.0). The node it lands on is known to satisfy only that, so a bound pod fits there when
    its own node selector and node affinity ask for nothing more, it tolerates what the assistant
    tolerates (the node may carry those taints), and any extended resource (GPU) it requests comes
    with a placement that steers the assistant to such nodes: a node selector or a required node
    affinity (a preferred one is a score, kubernetes.io/docs/concepts/scheduling-eviction/
    assign-pod-node/#node-affinity)."""
    spec = run["spec"]
    if coschedule == "disabled":
        return []
    pvc = {w["name"] for w in spec.get("workspaces", []) if "persistentVolumeClaim" in w or "volumeClaimTemplate" in w}
    assistant = spec.get("taskRunTemplate", {}).get("podTemplate", {}) or {}
    a_selector = assistant.get("nodeSelector") or {}
    a_tolerations = assistant.get("tolerations") or []
    a_node_affinity = (assistant.get("affinity") or {}).get("nodeAffinity")
    problems = []
    pipeline = spec.get("pipelineSpec", {})
    for task in pipeline.get("tasks", []) + pipeline.get("finally", []):
        if not any(w.get("workspace") in pvc for w in task.get("workspaces", [])):
            continue
        pod = _effective_template(spec, task["name"])
        selector = pod.get("nodeSelector") or {}
        extra = {k: v for k, v in selector.items() if a_selector.get(k) != v}
        node_affinity = (pod.get("affinity") or {}).get("nodeAffinity")
        missing = [t for t in a_tolerations if t not in (pod.get("tolerations") or [])]
        gpus = sorted({name for step in task["taskSpec"]["steps"] for kind in ("requests", "limits")
                       for name in step.get("computeResources", {}).get(kind, {})
                       if name not in _STANDARD and not name.startswith("hugepages-")})
        why = []
        if extra:
            why.append(f"node selector {extra} the assistant does not have")
        if node_affinity and node_affinity != a_node_affinity:
            why.append("a node affinity the assistant does not have")
        if missing:
            why.append("not tolerating taints the assistant's node may carry")
        if gpus and not (a_selector or (a_node_affinity or {}).get("requiredDuringSchedulingIgnoredDuringExecution")):
            # a preferred node affinity only scores nodes: the assistant may still land on any node
            why.append(f"requests {gpus} on a node nothing chose for them")
        if why:
            problems.append(f"task {task['name']}: Pending forever next to the affinity assistant: {'; '.join(why)}")
    return problems


def _minutes(duration: str) -> float:
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s)", duration):
        total += float(number) * {"h": 60, "m": 1, "s": 1 / 60, "ms": 1 / 60000}[unit]
    return total


def task_run_timeout(run: dict[str, Any], task: str, version: str = "v1.11") -> str:
    """The timeout a TaskRun gets. A pipeline task's own `timeout` wins; else before v1.11 Tekton's
    60-minute default (pipelinerun.go:1187-1193 @v1.9.6); from v1.11 (commit d1379f8f0) the run's
    `timeouts.tasks` / `timeouts.finally` when it is 0 or above that default
    (pipelinerun.go:1210-1218, 1561-1587 @v1.12.0; `timeouts.pipeline` is not passed down). A
    taskRunSpecs timeout overrides both."""
    spec = run["spec"]
    pipeline = spec.get("pipelineSpec", {})
    entry = next(t for t in pipeline.get("tasks", []) + pipeline.get("finally", []) if t["name"] == task)
    final = entry in pipeline.get("finally", [])
    timeout = entry.get("timeout")
    if timeout is None:
        timeout = "60m"
        run_level = spec.get("timeouts", {}).get("finally" if final else "tasks")
        if version != "v0.59" and not version.startswith(("v1.6", "v1.9", "v1.10")) and run_level is not None:
            if _minutes(run_level) == 0 or _minutes(run_level) > 60:
                timeout = run_level
    own = next((s.get("timeout") for s in spec.get("taskRunSpecs", []) if s["pipelineTaskName"] == task), None)
    return own or timeout


def simulate(run: dict[str, Any], tmp: Path, **kwargs: Any) -> Outcome:
    return Sim(run, tmp, **kwargs).execute()
