"""Run options on the Argo side: where the Workflow runs and as whom, and which object it becomes.

`--kind run` is a Workflow; `template` a WorkflowTemplate (run it with `argo submit --from
workflowtemplate/<name>`); `cron` a CronWorkflow. CronWorkflow changed between Argo versions: v3.5
knows only `schedule`, v4 only `schedules`, v3.6-3.7 both (pkg/apis/workflow/v1alpha1/cron_workflow_types.go
:46 @v3.5.15, :50 and :69 @v3.7.18, :70 @v4.1.2); the `argo-version` backend option picks the field.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterator

from kfpc import names, run_options
from kfpc.errors import UsageError, agree, named
from kfpc.plan.model import Plan
from kfpc.run_options import RunOptions, seconds

_LEAF = ("container", "script", "resource", "data", "http", "plugin", "containerSet")
CRON_NAME_MAX = 52  # Argo adds a timestamp suffix to the Workflows it creates


def apply(workflow: dict[str, Any], run: RunOptions, argo_version: str, pipeline_name: str) -> tuple[dict, list[str]]:
    warnings: list[str] = []
    metadata, spec = workflow["metadata"], workflow["spec"]
    labels = {**metadata.get("labels", {}), **dict(run.labels)}
    annotations = {**metadata.get("annotations", {}), **dict(run.annotations)}
    if run.service_account:
        spec["serviceAccountName"] = run.service_account
    if run.ttl_seconds is not None:
        spec["ttlStrategy"] = {"secondsAfterCompletion": run.ttl_seconds}
    if run.pod_gc:
        spec["podGC"] = {"strategy": run.pod_gc}
    if run.pipeline_timeout:
        spec["activeDeadlineSeconds"] = seconds(run.pipeline_timeout)
    if run.artifact_repository:
        config_map, _, key = run.artifact_repository.partition(":")
        spec["artifactRepositoryRef"] = {"configMap": config_map, **({"key": key} if key else {})}
    apply_scale(spec, run, argo_version)
    for template in spec["templates"]:
        if run.timeout and any(k in template for k in _LEAF) and "timeout" not in template \
                and "activeDeadlineSeconds" not in template:  # a task's own timeout wins, as on Tekton
            template["timeout"] = run.timeout
        if run.image_pull_policy:
            for container in _containers(template):
                container.setdefault("imagePullPolicy", run.image_pull_policy)
    if run.kind != "cron":
        if run.max_concurrency is not None:
            warnings.append("--max-concurrency applies to scheduled runs (--kind cron); ignored")
        if run.timezone:
            warnings.append("--timezone applies to scheduled runs (--kind cron); ignored")
    if run.kind == "run":
        if run.name:
            metadata.pop("generateName", None)
            metadata["name"] = run.name
        return _object(workflow, "Workflow", metadata, labels, annotations, run, spec), warnings
    if run.kind == "template":
        metadata.pop("generateName", None)
        metadata["name"] = run.name or pipeline_name
        return _object(workflow, "WorkflowTemplate", metadata, labels, annotations, run, spec), warnings
    metadata.pop("generateName", None)
    metadata["name"] = names.dns_label(run.name or pipeline_name, CRON_NAME_MAX)
    cron: dict[str, Any] = {}
    if argo_version == "3.5":
        cron["schedule"] = run.schedule
    else:
        cron["schedules"] = [run.schedule]
    if run.max_concurrency == 1:
        cron["concurrencyPolicy"] = "Forbid"
    elif run.max_concurrency is not None:
        cron["concurrencyPolicy"] = "Allow"
        warnings.append(f"Argo schedules either one run at a time or any number; --max-concurrency "
                        f"{run.max_concurrency} allows any number")
    if run.timezone:
        cron["timezone"] = run.timezone
    cron["workflowMetadata"] = {"labels": labels, "annotations": annotations}
    cron["workflowSpec"] = spec
    return _object(workflow, "CronWorkflow", metadata, labels, annotations, run, cron), warnings


INSTANCE_ID = "workflows.argoproj.io/controller-instanceid"


def with_instance_id(run: RunOptions, instance_id: str) -> RunOptions:
    """`-O instance-id=ID`: a controller with an `instanceID` lists and watches only the Workflows,
    CronWorkflows and pods labelled with it (workflow/util/util.go:88-100, workflow/controller/controller.go
    :1132-1147, workflow/cron/controller.go:330 @v4.1.2) and leaves the others alone, Pending for ever;
    the label rides on `run.labels` to every object kinds.apply writes, and children.py copies it into
    the manifests of child Workflows, which otherwise get only the parent's ownerReference."""
    if not run_options.is_label_value(instance_id) or not instance_id:
        raise UsageError(f"-O instance-id={instance_id!r} is not a Kubernetes label value (at most 63 letters, "
                         "digits, '-', '_' or '.', starting and ending with a letter or digit)")
    given = dict(run.labels).get(INSTANCE_ID)
    if given is not None and given != instance_id:
        raise UsageError(f"-O instance-id={instance_id!r} and --label {INSTANCE_ID}={given!r} disagree")
    return run if given else replace(run, labels=(*run.labels, (INSTANCE_ID, instance_id)))


def require_values(plan: Plan) -> None:
    """A CronWorkflow's runs get no parameters from anyone: Argo validates its workflow as a plain
    submission (workflow/validate/validate.go:470 @v4.1.2 passes empty options, so an argument
    without a value is refused at :206 and :1021) and the cron controller then sets SpecError on
    every tick instead of starting a run (workflow/cron/operator.go:106-109,150-152 @v4.1.2)."""
    missing = [q.name for q in plan.inputs if not q.has_default and not q.optional]
    if missing:
        raise UsageError(f"--kind cron: {named('pipeline parameter', missing)} {agree(missing, 'is', 'are')} required "
                         f"and {agree(missing, 'has', 'have')} no default or value; Argo would refuse every scheduled "
                         "run (SpecError)",
                         hint=f"give {agree(missing, 'it', 'them')} with -p {missing[0]}=VALUE or --param-file FILE")


def _object(workflow: dict[str, Any], kind: str, metadata: dict[str, Any], labels: dict[str, str],
            annotations: dict[str, str], run: RunOptions, spec: dict[str, Any]) -> dict[str, Any]:
    ordered: dict[str, Any] = {k: metadata[k] for k in ("name", "generateName") if k in metadata}
    if run.namespace:
        ordered["namespace"] = run.namespace
    ordered["annotations"] = annotations
    ordered["labels"] = labels
    return {"apiVersion": workflow["apiVersion"], "kind": kind, "metadata": ordered, "spec": spec}


def _containers(template: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "container" in template:
        yield template["container"]
    if "script" in template:
        yield template["script"]
    yield from template.get("initContainers", ())
    yield from template.get("sidecars", ())


# -- failure policy and concurrency ---------------------------------------------------------------

SEMAPHORE_SINGULAR_UNTIL = "3.5"  # v3.5 knows only `semaphore`; v3.6-3.7 both; v4 only `semaphores`


def apply_scale(spec: dict[str, Any], run: RunOptions, argo_version: str) -> None:
    """--failure-policy, --parallelism and --run-semaphore on a Workflow spec (or a spec about to
    become a WorkflowTemplate's or CronWorkflow's).

    A DAG's `failFast` defaults to true, and KFP's compiler never sets it. The DAG is Running while
    any task it started is unfinished (workflow/controller/dag.go:177 @v4.1.2, :167 @v3.6.19); once
    none is, a failed target task fails it at once, even if other target tasks were never started
    (dag.go:217-245 @v4.1.2, :195-223 @v3.6.19): tasks that were ready but held back by a
    `parallelism` limit (dag.go:672 @v4.1.2) never start. `failFast: false` makes the DAG wait until
    every target task ran or was omitted; tasks that need the failed one are still omitted, and the
    DAG still ends Failed.
    """
    if run.failure_policy == "slow":
        set_fail_slow(spec["templates"])
    if run.parallelism is not None:
        spec["parallelism"] = run.parallelism  # pods of this run at once (operator.go:3299 @v4.1.2, :2882 @v3.6.19)
    if run.run_semaphore:
        config_map, _, key = run.run_semaphore.partition(":")
        ref = {"configMapKeyRef": {"name": config_map, "key": key}}
        if argo_version == SEMAPHORE_SINGULAR_UNTIL:  # "MAJOR.MINOR", 3.5 at the least
            spec["synchronization"] = {"semaphore": ref}
        else:
            spec["synchronization"] = {"semaphores": [ref]}


def set_fail_slow(templates: list[dict[str, Any]]) -> None:
    """`failFast: false` on every DAG template (also for templates moved into WorkflowTemplates)."""
    for template in templates:
        if "dag" in template:
            template["dag"]["failFast"] = False


def run_semaphore_config_map(run_semaphore: str, limit: int = 1, namespace: str | None = None) -> dict[str, Any]:
    """The ConfigMap a `--run-semaphore CONFIGMAP:KEY` refers to: the key holds how many runs may
    hold the semaphore at once (the controller reads it with strconv.Atoi,
    workflow/controller/controller.go:492 @v4.1.2). It lives in the runs' namespace; `kfpc setup
    argo` prints it."""
    config_map, _, key = run_semaphore.partition(":")
    metadata: dict[str, Any] = {"name": config_map}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {key: str(limit)}}
