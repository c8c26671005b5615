"""Run options on the Tekton side, and which objects a compile produces.

`--kind run`: one PipelineRun with an inline pipelineSpec (kubectl create -f). `template`: a Pipeline
plus a PipelineRun that refers to it (`kubectl apply` the Pipeline once; create runs from the
second document, or with `tkn pipeline start`, giving the `kfpc` workspace: the Pipeline carries
what its steps need itself, the runtime in a first task that writes it into the run's volume). `cron`: Tekton has no scheduler, so a stock
Kubernetes CronJob creates the PipelineRun: the Pipeline, a ServiceAccount, Role and RoleBinding
allowing it to list and create PipelineRuns, and the CronJob, whose pod (the helper image running
the kfpc runtime) skips a run while `--max-concurrency` runs of the schedule are still going.
"""

from __future__ import annotations

import base64
import graphlib
import itertools
import json
import re
from typing import Any

from kfpc import names
from kfpc.errors import UsageError
from kfpc.run_options import RunOptions
from kfpc.runtime import bootstrap, bootstrap_file

from kfpc_backends.tekton import escape
from kfpc_backends.tekton import steps
from kfpc_backends.tekton.sources import RUN_ROOT, WORKSPACE
from kfpc_backends.tekton.runtime import packed as tekton_packed
from kfpc_backends.tekton.units import strings
from kfpc_backends.tekton import wire

SCHEDULE_LABEL = "kfpc.dev/schedule"
APPLY_LIMIT = 256 * 1024  # all annotations of an object together (apimachinery's TotalAnnotationSizeLimitB)


def apply(run: dict[str, Any], options: RunOptions, helper_image: str) -> tuple[list[dict[str, Any]], list[str]]:
    warnings = _unsupported(options)
    metadata, spec = run["metadata"], run["spec"]
    if options.service_account:
        spec.setdefault("taskRunTemplate", {})["serviceAccountName"] = options.service_account
    if options.pipeline_timeout:
        spec["timeouts"] = {"pipeline": options.pipeline_timeout}
    pipeline_spec = spec["pipelineSpec"]
    base = metadata["generateName"].rstrip("-")
    labels = {**metadata.get("labels", {}), **dict(options.labels)}
    annotations = {**metadata.get("annotations", {}), **dict(options.annotations)}
    if options.kind == "run":
        _task_options(pipeline_spec, options)
        if options.name:
            metadata.pop("generateName")
            metadata["name"] = options.name
        _metadata(run, options, labels, annotations)
        return [run], warnings
    name = options.name or base
    warnings += self_contained(pipeline_spec, spec, helper_image)
    _task_options(pipeline_spec, options)
    declare_pipeline_params(pipeline_spec)
    pipeline = {"apiVersion": run["apiVersion"], "kind": "Pipeline", "metadata": {"name": name}, "spec": pipeline_spec}
    _metadata(pipeline, options, labels, annotations)
    size = len(json.dumps(pipeline, separators=(",", ":")))
    if size > APPLY_LIMIT:
        warnings.append(f"the Pipeline is {size // 1024} KiB: `kubectl apply` (client-side) fails above 256 KiB, "
                        "since it copies the object into its last-applied-configuration annotation and annotations "
                        "are limited to 256 KiB; use `kubectl create -f` or `kubectl apply --server-side -f`")
    run_spec = {"pipelineRef": {"name": name}, **{k: v for k, v in spec.items() if k != "pipelineSpec"}}
    run = {"apiVersion": run["apiVersion"], "kind": "PipelineRun", "metadata": {"generateName": name + "-"},
           "spec": run_spec}
    if options.kind == "template":
        _metadata(run, options, labels, annotations)
        return [pipeline, run], warnings
    run_labels = {**labels, SCHEDULE_LABEL: names.dns_label(name)}
    _metadata(run, options, run_labels, annotations)
    return [pipeline, *_scheduler(name, run, options, helper_image, run_labels)], warnings


def _task_options(pipeline_spec: dict[str, Any], options: RunOptions) -> None:
    for task in pipeline_spec["tasks"] + pipeline_spec.get("finally", []):
        if options.timeout and task.get("timeout") == "0s":
            task["timeout"] = options.timeout
        if options.image_pull_policy:
            for step in task["taskSpec"]["steps"]:
                step.setdefault("imagePullPolicy", options.image_pull_policy)


def self_contained(pipeline_spec: dict[str, Any], run_spec: dict[str, Any], helper_image: str) -> list[str]:
    """A Pipeline that runs however it is started (`tkn pipeline start`, the Dashboard, Triggers).

    Steps get their env only from their own `env` and the PipelineRun's pod template
    (pkg/pod/pod.go:316-326 @v1.15.0), which a run started elsewhere lacks. So each step gets
    `KFPC_D` (literal `$`) itself, and the steps that run the kfpc runtime read it from the run's
    volume, where a first task writes it (deliver_runtime). Returns warnings for the pod settings
    only kfpc's PipelineRun carries."""
    template = run_spec.get("taskRunTemplate", {}).get("podTemplate", {})
    env = template.get("env", [])
    runtime = next((e["value"] for e in env if e["name"] == steps.RUNTIME_ENV), None)
    for task in pipeline_spec["tasks"] + pipeline_spec.get("finally", []):
        for step in task["taskSpec"]["steps"]:
            if escape.DOLLAR_ENV not in {e["name"] for e in step.get("env", [])}:
                dollar_env(step)
    if runtime is not None:
        deliver_runtime(pipeline_spec, runtime, helper_image)
    kept = [e for e in env if e["name"] not in (escape.DOLLAR_ENV, steps.RUNTIME_ENV)]
    if kept:
        template["env"] = kept
    else:
        template.pop("env", None)
    pod_settings = sorted(set(template) | ({"taskRunSpecs"} if run_spec.get("taskRunSpecs") else set()))
    if not pod_settings:
        return []
    return [f"the PipelineRun next to the Pipeline carries pod settings ({', '.join(pod_settings)}) that a run "
            "started another way (tkn pipeline start, the Dashboard, Triggers) must give itself, with the "
            "`kfpc` workspace"]


RUNTIME_TASK = "kfpc-runtime"
RUNTIME_FILE = RUN_ROOT + "/.kfpc/runtime"
# Written under a temporary name and renamed: a retried TaskRun never leaves half a file, and a
# retry redoes the same steps (folders kept, the temporary file truncated, the rename replacing).
# The run folder it makes is the one the runtime makes first in `--kind run` (tekton.py.j2,
# make_run_folder): 2775, group-writable and setgid, so each step's task folder belongs to the pod's
# fsGroup. The runtime's own folder and file are 2755 and 0644: no later step (whatever its user)
# can change the program the others run.
RUNTIME_RETRIES = 2
_WRITE_RUNTIME = ("import os,sys;os.umask(0o22);p=sys.argv[1];d=os.path.dirname(p);r=os.path.dirname(d);"
                  "os.makedirs(r,exist_ok=True);os.chmod(r,0o2775);os.makedirs(d,exist_ok=True);os.chmod(d,0o2755);"
                  f"open(p+'.w','w').write(os.environ['{steps.RUNTIME_ENV}']);os.replace(p+'.w',p)")


def dollar_env(step: dict[str, Any]) -> None:
    """Give a step `KFPC_D` (literal `$`), where the kubelet would see it in `--kind run`.

    The kubelet expands `$(VAR)` in an env value only from variables defined before it, and in
    command and args from all of them (kubernetes.io/docs/tasks/inject-data-application/
    define-interdependent-environment-variables: a reference to a later variable is left as
    written). With `--kind run` the pod template's env comes after the step's own
    (pkg/pod/pod.go:321-325 @v1.15.0), so a runtime step's values reach it still in T-form and the
    runtime decodes them once; the same order here. A plain container's own env needs the kubelet
    to decode: first (steps.direct_steps)."""
    entry = {"name": escape.DOLLAR_ENV, "value": "$"}
    if step.get("command") == steps.COMMAND:
        step.setdefault("env", []).append(entry)
    else:
        step.setdefault("env", []).insert(0, entry)


def deliver_runtime(pipeline_spec: dict[str, Any], runtime: str, helper_image: str) -> None:
    """The runtime (8 KiB) reaches the steps of a standalone Pipeline once per run, as a file.

    Tekton substitutes params into every inline taskSpec and keeps the result in the run's
    status.pipelineSpec (propagateParams, pkg/reconciler/pipelinerun/resources/apply.go:594 @v1.15.0,
    :343 @v1.6.6, :346 @v0.59.6; stored at pipelinerun.go:710 @v1.15.0, :676 @v1.12.2, :561
    @v0.59.6): a param per step would be stored once per step. So a first task writes it into the
    run's volume, which every step running the runtime binds (Unit.workspace), and those steps run
    it from there. Each task with such a step runs after that task (runAfter, directly or through
    its other runAfter entries: a task waits for all of them to be done, and the first task has no
    `when`, so it never is skipped). That task is retried (RUNTIME_RETRIES: its write is idempotent);
    if it still fails, that stops every later DAG task (pipelinerunstate.go:420 @v1.15.0), and
    finally tasks that need the file are skipped by a `when` on its state: they cannot run without
    it. Its name is the first of `kfpc-runtime`, `kfpc-runtime-2`, ... no task has."""
    tasks, finals = pipeline_spec["tasks"], pipeline_spec.get("finally", [])
    users = {t["name"] for t in tasks + finals
             if any(step.get("command") == steps.COMMAND for step in t["taskSpec"]["steps"])}
    if not users:
        return
    taken = {t["name"] for t in tasks + finals}
    candidates = itertools.chain([RUNTIME_TASK], (f"{RUNTIME_TASK}-{i}" for i in itertools.count(2)))
    name = next(n for n in candidates if n not in taken)
    for task in tasks + finals:
        for step in task["taskSpec"]["steps"]:
            if step.get("command") == steps.COMMAND:
                step["command"] = ["python3", "-c", bootstrap_file(RUNTIME_FILE)]
    by_name = {t["name"]: t for t in tasks}
    graph = {n: [d for d in t.get("runAfter", []) if d in by_name] for n, t in by_name.items()}
    waits: dict[str, bool] = {}  # does the task run after the runtime task, through its runAfter entries
    for task_name in graphlib.TopologicalSorter(graph).static_order():
        waits[task_name] = any(waits[d] for d in graph[task_name])
        if task_name in users and not waits[task_name]:
            by_name[task_name]["runAfter"] = [name, *by_name[task_name].get("runAfter", [])]
            waits[task_name] = True
    for task in finals:
        if task["name"] in users:
            task.setdefault("when", []).append(
                {"input": escape.ref(f"tasks.{name}.status"), "operator": "in", "values": ["Succeeded"]})
    step = {"name": "write", "image": helper_image, "command": ["python3", "-c", _WRITE_RUNTIME],
            "args": [RUNTIME_FILE], "env": [{"name": steps.RUNTIME_ENV, "value": runtime}]}
    pipeline_spec["tasks"] = [{"name": name, "taskSpec": {"steps": [step], "workspaces": [{"name": WORKSPACE}]},
                               "timeout": "0s", "retries": RUNTIME_RETRIES,
                               "workspaces": [{"name": WORKSPACE, "workspace": WORKSPACE}]}, *tasks]


_PARAM_REF = re.compile(r"\$\(params\.([_a-zA-Z][_a-zA-Z0-9-]*)\)")


def declare_pipeline_params(spec: dict[str, Any]) -> None:
    """A Pipeline created on its own is admitted by Tekton v0.59 only if every `$(params.x)` in an
    inline taskSpec's steps is a param that taskSpec declares: pipeline params reach inline specs
    of a standalone Pipeline only from v0.60 (pkg/apis/pipeline/v1/pipeline_validation.go:63,157
    @v0.59.6; from v0.60.0, commit 1b74ff31e, :165 @v1.15.0 also accepts the pipeline's own). So
    each task declares the pipeline params its taskSpec uses and passes them on by name."""
    pipeline_params = {p["name"] for p in spec.get("params", [])}
    for task in spec.get("tasks", []) + spec.get("finally", []):
        task_spec = task["taskSpec"]
        declared = {d["name"] for d in task_spec.get("params", [])}
        used = sorted({m for text in strings(task_spec) for m in _PARAM_REF.findall(text)})
        for name in used:
            if name in pipeline_params and name not in declared:
                task_spec.setdefault("params", []).append({"name": name, "type": "string"})
                task.setdefault("params", []).append({"name": name, "value": f"$(params.{name})"})
                declared.add(name)


def _unsupported(options: RunOptions) -> list[str]:
    out = []
    if options.ttl_seconds is not None:
        out.append("--ttl: Tekton has no time-to-live for PipelineRuns (use Tekton's pruner); ignored")
    if options.pod_gc:
        out.append("--pod-gc is an Argo setting (Tekton keeps each TaskRun's pod until the run is deleted); ignored")
    if options.artifact_repository:
        out.append("--artifact-repository is an Argo setting (Tekton runs pass files through their volume); ignored")
    if options.kind != "cron" and (options.max_concurrency is not None or options.timezone):
        out.append("--max-concurrency and --timezone apply to scheduled runs (--kind cron); ignored")
    if options.parallelism is not None:
        out.append(f"--parallelism {options.parallelism}: Tekton has no limit on a run's pods at once (every task "
                   "whose inputs are ready starts); ignored")
    return out


def check_scale(options: RunOptions) -> None:
    """Failure and concurrency controls stock Tekton cannot honour are refused, not ignored.

    A failed task stops the run from starting any other non-finally task
    (PipelineRunFacts.IsStopping, pkg/reconciler/pipelinerun/resources/pipelinerunstate.go:420
    @v1.15.0, :341 @v0.59.6). The only way past that is a pipeline task's `onError: continue`,
    which is alpha in v0.59 (pkg/apis/pipeline/v1/pipeline_validation.go:193 @v0.59.6: refused with
    the default `enable-api-fields: beta`), cannot be combined with retries
    (pipeline_validation.go:224 @v1.15.0), counts as done so the failed task's dependents start
    (pipelinerunresolution.go:162 @v1.15.0), and is not counted as a failure of the run
    (pipelinerunstate.go:856 @v1.15.0).
    """
    if options.failure_policy == "slow":
        raise UsageError(
            "--failure-policy slow cannot be honoured on Tekton: after a task fails, Tekton starts no other "
            "task except finally tasks; a task's `onError: continue` would keep it going, but it needs the alpha "
            "API on Tekton v0.59 (not a default setting), cannot be combined with retries, starts the tasks that "
            "need the failed one, and lets the run succeed",
            hint="use --failure-policy fast (the default) or --backend argo")
    if options.run_semaphore:
        raise UsageError("--run-semaphore cannot be honoured on Tekton: it has no limit on runs at once across "
                         "PipelineRuns (Argo's `synchronization`)",
                         hint="leave it out, or use --backend argo")


def _metadata(obj: dict[str, Any], options: RunOptions, labels: dict[str, str], annotations: dict[str, str]) -> None:
    metadata = obj["metadata"]
    ordered = {k: metadata[k] for k in ("name", "generateName") if k in metadata}
    if options.namespace:
        ordered["namespace"] = options.namespace
    if annotations:
        ordered["annotations"] = annotations
    if labels:
        ordered["labels"] = dict(labels)
    obj["metadata"] = ordered


def _scheduler(name: str, run: dict[str, Any], options: RunOptions, helper_image: str,
               labels: dict[str, str]) -> list[dict[str, Any]]:
    account = names.dns_label(name + "-scheduler")
    namespace = {"namespace": options.namespace} if options.namespace else {}
    role_rules = [{"apiGroups": ["tekton.dev"], "resources": ["pipelineruns"], "verbs": ["create", "list"]}]
    # The run travels base64-encoded: the kubelet would expand $(...) in a plain env value.
    spec = {wire.Spec.RUN: base64.b64encode(json.dumps(run, separators=(",", ":")).encode()).decode(),
            wire.Spec.MAX_RUNS: options.max_concurrency or 0, wire.Spec.LABEL: f"{SCHEDULE_LABEL}={labels[SCHEDULE_LABEL]}"}
    container = {"name": "create-run", "image": helper_image, "command": ["python3", "-c", bootstrap(steps.RUNTIME_ENV)],
                 "args": [wire.Mode.SCHEDULE], "env": [{"name": steps.RUNTIME_ENV, "value": tekton_packed()},
                                               {"name": "KFPC_SPEC", "value": json.dumps(spec, separators=(",", ":"))}]}
    cron: dict[str, Any] = {"schedule": options.schedule}
    if options.timezone:
        cron["timeZone"] = options.timezone
    cron["concurrencyPolicy"] = "Forbid"  # the job only creates the run; overlapping runs are limited by the job
    cron["jobTemplate"] = {"spec": {"backoffLimit": 2, "template": {"spec": {
        "serviceAccountName": account, "restartPolicy": "Never", "containers": [container]}}}}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": account, **namespace}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": account, **namespace},
         "rules": role_rules},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": account, **namespace},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": account},
         "subjects": [{"kind": "ServiceAccount", "name": account, **namespace}]},
        {"apiVersion": "batch/v1", "kind": "CronJob",
         "metadata": {"name": names.dns_label(name, 52), **namespace, "labels": labels}, "spec": cron},
    ]
