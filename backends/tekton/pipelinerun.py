"""Assemble the PipelineRun: parameters, tasks and finally tasks, results, the workspace, timeouts.

One PipelineRun with an inline pipelineSpec, runnable with `kubectl create -f` on a stock Tekton
(v0.59 LTS through 1.x, default feature flags): no custom tasks, no image of kfpc's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kfpc.errors import UnsupportedError
from kfpc.plan.model import Plan
from kfpc.plan.values import text_form

from kfpc_backends.tekton import escape, finally_tasks, helper_tasks, placement
from kfpc_backends.tekton import flatten
from kfpc_backends.tekton import steps
from kfpc_backends.tekton.build import Builder
from kfpc_backends.tekton.runtime import packed as tekton_packed
from kfpc_backends.tekton.sources import WORKSPACE, Context
from kfpc_backends.tekton.units import Unit

API_VERSION = "tekton.dev/v1"
ANNOTATION_PREFIX = "kfpc.dev"
_PARAM_NAME = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9-]*$")  # dots would need $(params['a.b'])


@dataclass(frozen=True)
class Settings:
    """The backend's options (kfpc compile -O name=value) after defaults."""

    helper_image: str
    workspace_size: str
    storage_class: str | None
    access_mode: str
    workspace_claim: str | None
    pipeline_root: str
    affinity_assistant: bool = True  # Tekton's default `coschedule: workspaces`


def build(plan: Plan, settings: Settings) -> tuple[dict[str, Any], list[str]]:
    flat = flatten.flatten(plan)
    finally_closure(flat)
    names = param_names(plan)
    builder = Builder(flat, Context(flat, names, settings.pipeline_root), settings.helper_image)
    add_tasks(builder, flat)
    results = pipeline_results(builder, flat)
    builder.finish_results()
    literal_guards(builder, plan, names, settings.helper_image)
    config = plan.run_config
    if config is not None and config.workspace_size:
        for unit in builder.units:
            unit.kfp_workspace = any(step.get("name") == "main" for step in unit.steps) or unit.finally_
        settings = _with_kfp_workspace(settings, config)
        dropped = sorted(set(config.workspace_patch or {}) - {"accessModes", "storageClassName"})
        if dropped:
            builder.warnings.append(f"the KFP workspace's pvcSpecPatch: Tekton's run volume takes only accessModes "
                                    f"and storageClassName; {', '.join(dropped)} ignored")
    tasks = [u.render() for u in builder.units if not u.finally_]
    finally_ = [u.render() for u in builder.units if u.finally_]
    if not tasks:
        raise UnsupportedError("the pipeline has no task outside its exit handler; Tekton needs at least one")
    uses_workspace = any("workspaces" in t for t in tasks + finally_)
    spec = pipeline_spec(plan, names, tasks, finally_, results, uses_workspace)
    run_spec: dict[str, Any] = {"pipelineSpec": spec,
                                "taskRunTemplate": {"podTemplate": {"env": pod_env(tasks + finally_)}}}
    if builder.pod_specs:  # kfp-kubernetes pod settings, per pipeline task
        run_spec["taskRunSpecs"] = [{"pipelineTaskName": name, **builder.pod_specs[name]}
                                    for name in sorted(builder.pod_specs)]
    run_spec["timeouts"] = {"pipeline": f"{config.active_deadline_seconds}s"
                            if config is not None and config.active_deadline_seconds else "0s"}
    if config is not None and any(t is not None for t in (config.ttl_on_completion, config.ttl_on_success,
                                                          config.ttl_on_failure)):
        builder.warnings.append("the pipeline's resource TTL: Tekton has no time-to-live for PipelineRuns (use "
                                "Tekton's pruner); ignored")
    if uses_workspace:
        run_spec["workspaces"] = [workspace_binding(settings)]
    fs_group = volume_group(tasks + finally_) if uses_workspace else None
    if fs_group is not None:
        run_spec["taskRunTemplate"]["podTemplate"]["securityContext"] = {"fsGroup": fs_group}
    builder.warnings += placement.reconcile(run_spec, tasks + finally_, settings.affinity_assistant,
                                            settings.access_mode, bool(settings.workspace_claim))
    run = {"apiVersion": API_VERSION, "kind": "PipelineRun", "metadata": run_metadata(plan), "spec": run_spec}
    return run, builder.warnings


def add_tasks(builder: Builder, flat: flatten.FlatPipeline) -> None:
    for task in flat.tasks:
        if not task.finally_:
            builder.add(task)
    for group in finally_groups(flat):  # finally tasks read DAG tasks' outputs, never the reverse
        if len(group) > 1:
            finally_tasks.add_group(builder, group)
        else:
            builder.add(group[0])


def pipeline_spec(plan: Plan, names: dict[str, str], tasks: list[dict[str, Any]], finally_: list[dict[str, Any]],
                  results: list[dict[str, Any]], uses_workspace: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if plan.description:
        spec["description"] = plan.description
    params = pipeline_params(plan, names)
    if params:
        spec["params"] = params
    if uses_workspace:
        spec["workspaces"] = [{"name": WORKSPACE, "description": "kfpc: artifacts and values passed between tasks"}]
    spec["tasks"] = tasks
    if finally_:
        spec["finally"] = finally_
    if results:
        spec["results"] = results
    return spec


def run_metadata(plan: Plan) -> dict[str, Any]:
    metadata: dict[str, Any] = {"generateName": plan.k8s_name[:57].rstrip("-") + "-"}
    annotations = {f"{ANNOTATION_PREFIX}/pipeline-name": plan.name}
    if plan.display_name and plan.display_name != plan.name:
        annotations[f"{ANNOTATION_PREFIX}/display-name"] = plan.display_name
    metadata["annotations"] = annotations
    return metadata


def pod_env(tasks: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The kubelet turns $(KFPC_D) in args into `$` from this variable: for kfpc's own T-form text,
    and for run parameters given at run time in T-form. The runtime program travels once per run."""
    env = [{"name": escape.DOLLAR_ENV, "value": "$"}]
    if any(step.get("command") == steps.COMMAND for t in tasks for step in t["taskSpec"]["steps"]):
        env.append({"name": steps.RUNTIME_ENV, "value": tekton_packed()})
    return env


def literal_guards(builder: Builder, plan: Plan, names: dict[str, str], image: str) -> None:
    """Parameters limited to a list of values (dsl.Literal): Tekton's param enum is an alpha feature
    a stock install refuses, so a task that runs only when the value is not allowed fails the run
    before any other task starts (each task's `when` skips that task alone). Finally tasks run
    whatever failed (pipelinerunstate.go:504-519 @v1.15.0): a `when` on the check's state keeps
    exit tasks from running too, as KFP refuses such a run before anything starts."""
    for q in plan.inputs:
        if q.literals is None or q.type.is_json:
            continue
        allowed = [text_form(v) for v in q.literals]
        ref = f"$(params.{names[q.name]})"
        unit = Unit(builder.namer.helper(f"literal-{names[q.name]}"))
        message = (escape.tform(f"parameter {q.name!r} is ") + ref
                   + escape.tform(f"; allowed values are {', '.join(map(repr, allowed))}"))
        if any("$" in v for v in allowed):
            # `$(KFPC_D)` in `when` is refused by Tekton v1.14+ (pipeline_validation.go:873-899 @v1.15.0):
            # the step compares, after the kubelet has turned T-form back into `$`.
            program = "import sys; sys.exit(None if sys.argv[2] in sys.argv[3:] else sys.argv[1])"
            command = ["python3", "-c", program, message, ref] + [escape.tform(v) for v in allowed]
        else:
            unit.when = [{"input": ref, "operator": "notin", "values": [escape.tform(v) for v in allowed]}]
            command = ["python3", "-c", "import sys; sys.exit(sys.argv[1])", message]
        unit.steps.append({"name": "check", "image": image, "command": command})
        for other in builder.units:
            if not other.finally_:
                other.run_after.add(unit.name)
            else:
                other.when.append({"input": escape.ref(f"tasks.{unit.name}.status"), "operator": "notin",
                                   "values": ["Failed"]})
        builder.units.insert(0, unit)


def volume_group(tasks: list[dict[str, Any]]) -> int | None:
    """A group for the run's volume when a step that binds it runs as a non-root user.

    A fresh volume's root is owned by root (block storage), so such a step could not create its
    files. With a pod `fsGroup` the kubelet makes the volume's files group-owned and group-writable
    when it mounts it (for volumes that support ownership: block storage, not NFS) and adds the group
    to every container; the runtime creates files group-writable (umask 002). Run-wide, so that every
    pod's mount applies it and the affinity assistant's template (v1.x) agrees. The group is the
    step's runAsGroup, else its runAsUser."""
    for task in tasks:
        if "workspaces" not in task:
            continue
        for step in task["taskSpec"]["steps"]:
            context = step.get("securityContext") or {}
            user = context.get("runAsUser")
            if user not in (None, 0) or context.get("runAsNonRoot"):
                group = context.get("runAsGroup") or user
                return int(group) if group else 1000
    return None


def param_names(plan: Plan) -> dict[str, str]:
    """KFP parameter -> Tekton parameter: the same name where Tekton accepts it. Names are unique
    case-insensitively, and `kfpc-` is kept for the task parameters kfpc declares itself."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    wanted = [q.name for q in plan.inputs] + [a.name for a in plan.root_dag.interface.in_artifacts]
    for name in wanted:
        candidate = name if _PARAM_NAME.match(name) and not name.lower().startswith("kfpc-") else \
            "p_" + re.sub(r"[^_a-zA-Z0-9-]", "_", name)
        base, n = candidate, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate.lower())
        out[name] = candidate
    return out


def pipeline_params(plan: Plan, names: dict[str, str]) -> list[dict[str, Any]]:
    """Defaults are written in T-form: Tekton v1.9+ resolves `$(params.x)` inside defaults, and the
    kubelet would expand `$(VAR)`; T-form text has neither."""
    out = []
    for q in plan.inputs:
        entry: dict[str, Any] = {"name": names[q.name], "type": "string"}
        if q.description:
            entry["description"] = q.description
        if q.has_default:
            entry["default"] = escape.tform(text_form(q.default))
        elif q.optional:
            entry["default"] = ""
        out.append(entry)
    for a in plan.root_dag.interface.in_artifacts:
        # The URI of `-p NAME=URI` is the default; an optional artifact defaults to "" (absent to the
        # runtime), since Tekton fails a run that leaves a parameter without default unset
        # (pkg/reconciler/pipelinerun/pipelinerun.go:629-633 @v1.15.0).
        entry = {"name": names[a.name], "type": "string",
                 "description": f"input artifact {a.name!r}: a URI, or a path in the kfpc workspace"}
        uri = plan.artifact_uri(a.name)
        if uri is not None:
            entry["default"] = escape.tform(uri)
        elif a.optional:
            entry["default"] = ""
        out.append(entry)
    return out


def pipeline_results(builder: Builder, flat: flatten.FlatPipeline) -> list[dict[str, Any]]:
    out = []
    taken: set[str] = set()
    for name, (_, source) in flat.outputs.items():
        if isinstance(source, flatten.Out) and flat.task(source.task).finally_:
            builder.warnings.append(f"pipeline output {name!r} comes from an exit task; Tekton cannot publish it")
            continue
        text = builder.result_ref(source, raw=True)  # shown as written: nothing substitutes pipeline results
        if isinstance(source, flatten.Param):
            text = None  # a pipeline parameter is T-form text: a helper task shows it as written
        if text is None:
            unit = helper_tasks.value_unit(builder, None, f"pipeline output {name!r}", source=source,
                                           hint="output-" + name, raw=True)
            text = escape.ref(f"tasks.{unit.name}.results.v")
        result = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-._") or "output"
        while result in taken:
            result += "-2"
        taken.add(result)
        out.append({"name": result, "value": text})
    for name in flat.artifact_outputs:
        builder.warnings.append(f"pipeline output artifact {name!r}: Tekton has no pipeline results for artifacts, so "
                                "the run does not publish it; its files stay in the run's volume")
    return out


def finally_closure(flat: flatten.FlatPipeline) -> None:
    """A task that waits for a finally task must run in finally too (a DAG task would start before
    it): it joins that task's group, as the next steps of the same pod."""
    finals = {t.id for t in flat.tasks if t.finally_}
    for task in flat.tasks:  # topological order: one pass reaches every descendant
        if not task.finally_ and task.after & finals:
            task.finally_ = True
            finals.add(task.id)


def finally_groups(flat: flatten.FlatPipeline) -> list[list[flatten.FlatTask]]:
    """Exit tasks connected by dependencies, each group in the flattened (topological) order."""
    exits = [task for task in flat.tasks if task.finally_]
    parent = {task.id: task.id for task in exits}

    def root(task_id: str) -> str:
        while parent[task_id] != task_id:
            task_id = parent[task_id]
        return task_id

    for task in exits:
        for dep in task.after:
            if dep in parent:
                parent[root(dep)] = root(task.id)
    groups: dict[str, list[flatten.FlatTask]] = {}
    for task in exits:
        groups.setdefault(root(task.id), []).append(task)
    return sorted(groups.values(), key=lambda group: exits.index(group[0]))


def _with_kfp_workspace(settings: Settings, config: Any) -> Settings:
    """KFP's workspace lives in the run's volume: the volume gets at least its size, and its claim
    settings (pvcSpecPatch) where the -O options left the defaults."""
    import dataclasses

    patch = dict(config.workspace_patch or {})
    size = settings.workspace_size
    if _quantity(config.workspace_size) > _quantity(size):
        size = config.workspace_size
    modes = patch.get("accessModes")
    return dataclasses.replace(
        settings, workspace_size=size,
        access_mode=modes[0] if modes and settings.access_mode == "ReadWriteOnce" else settings.access_mode,
        storage_class=settings.storage_class or patch.get("storageClassName"))


_UNITS = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
          "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}


def _quantity(text: str) -> float:
    """A Kubernetes storage quantity in bytes (0 when it is not one kfpc can read)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGTPE]i?)?", text.strip())
    return float(m.group(1)) * _UNITS[m.group(2) or ""] if m else 0.0


def workspace_binding(settings: Settings) -> dict[str, Any]:
    if settings.workspace_claim:
        return {"name": WORKSPACE, "persistentVolumeClaim": {"claimName": settings.workspace_claim}}
    claim: dict[str, Any] = {"accessModes": [settings.access_mode],
                             "resources": {"requests": {"storage": settings.workspace_size}}}
    if settings.storage_class:
        claim["storageClassName"] = settings.storage_class
    return {"name": WORKSPACE, "volumeClaimTemplate": {"spec": claim}}
