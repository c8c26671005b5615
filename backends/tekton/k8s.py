"""kfp-kubernetes settings on a Tekton pipeline task.

Container-level settings go on the component's step, volumes on the task, pod-level ones
(scheduling, pod metadata, pull secrets) in the run's taskRunSpecs. Names known only at run time
are Tekton references, which Tekton substitutes in env and volume names; pod-level objects are not
substituted by Tekton before v1.3, so they must be known when compiling.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable

from kfpc import k8s_objects as objects
from kfpc.errors import UnsupportedError
from kfpc.plan import k8s
from kfpc.plan.model import Constant, ParamSource
from kfpc.plan.values import text_form

from kfpc_backends.tekton import escape
from kfpc_backends.tekton import flatten
from kfpc_backends.tekton.direct import DirectValues
from kfpc_backends.tekton.sources import Descriptors, per_iteration
from kfpc_backends.tekton.units import Unit

if TYPE_CHECKING:
    from kfpc_backends.tekton.build import Builder


def apply(builder: Builder, task: flatten.FlatTask, unit: Unit, settings: k8s.TaskK8s) -> None:
    _on_step(builder, task, unit, settings)
    spec: dict[str, Any] = {}
    pod = _pod_template(builder, task, settings)
    if pod:
        spec["podTemplate"] = pod
    if settings.labels or settings.annotations:
        spec["metadata"] = {**({"labels": dict(settings.labels)} if settings.labels else {}),
                            **({"annotations": dict(settings.annotations)} if settings.annotations else {})}
    if spec:
        merged = builder.pod_specs.setdefault(unit.name, {})
        for key, value in spec.items():
            merged.setdefault(key, {}).update(value)


def _on_step(builder: Builder, task: flatten.FlatTask, unit: Unit, settings: k8s.TaskK8s) -> None:
    name_of = _names(builder, task, unit)
    main = next((step for step in unit.steps if step["name"] == "main"), unit.steps[0])
    env = objects.env_entries(settings, name_of)
    if env:
        main.setdefault("env", []).extend(env)
    volumes, mounts = objects.volumes(settings, name_of)
    if mounts:
        main.setdefault("volumeMounts", []).extend(mounts)
        unit.volumes += [v for v in volumes if v["name"] not in {u["name"] for u in unit.volumes}]
    if settings.image_pull_policy:
        main["imagePullPolicy"] = settings.image_pull_policy
    if settings.security_context is not None:
        main["securityContext"] = objects.security_context(settings.security_context)
    if settings.init_containers:
        at = unit.steps.index(main)
        unit.steps[at:at] = [_init_step(container) for container in settings.init_containers]
    if settings.timeout_seconds:
        unit.timeout = f"{settings.timeout_seconds}s"


def _names(builder: Builder, task: flatten.FlatTask, unit: Unit) -> Callable[[ParamSource], str]:
    """Env-source and volume names as Tekton text, which a TaskRun fixes when it is created."""
    values = DirectValues(builder, task, unit, None)
    what = f"a name in the kfp-kubernetes settings of {task.plan_task.key!r}"

    def name_of(source: ParamSource) -> str:
        flat = task.k8s_value(source)
        if not isinstance(flat, (flatten.Const, flatten.Runtime)) and per_iteration(
                Descriptors(builder.ctx, task.loops).param(flat)):
            raise UnsupportedError(f"{what} differs per loop iteration: Tekton fixes a TaskRun's volume and "
                                   "env-source names when it creates it, and kfpc's Matrix fans out over "
                                   "iteration keys, not these names; use --backend argo",
                                   path=(task.plan_task.path,))
        return values.text(flat, what)

    return name_of


def _pod_template(builder: Builder, task: flatten.FlatTask, settings: k8s.TaskK8s) -> dict[str, Any]:
    pod: dict[str, Any] = {}
    selector = objects.static_selector(settings)
    if settings.node_selector_json is not None and not isinstance(settings.node_selector_json, Constant):
        selector.update({str(k): str(v) for k, v in
                         (known(builder, task, settings.node_selector_json, "node selector") or {}).items()})
    if selector:
        pod["nodeSelector"] = selector
    tolerations = [objects.toleration(t) for t in settings.tolerations]
    for source in settings.tolerations_json:
        tolerations += objects.listed(known(builder, task, source, "tolerations"))
    if tolerations:
        pod["tolerations"] = tolerations
    affinity = objects.affinity_of(settings)
    for source in settings.node_affinity_json:
        value = None if isinstance(source, Constant) else known(builder, task, source, "node affinity")
        if value:
            affinity.setdefault("nodeAffinity", {}).update(value)
    if affinity:
        pod["affinity"] = affinity
    secrets = [known(builder, task, secret, "image pull secret") for secret in settings.image_pull_secrets]
    if any(secrets):
        pod["imagePullSecrets"] = [{"name": str(secret)} for secret in secrets if secret]
    return pod


def known(builder: Builder, task: flatten.FlatTask, plan_source: Any, what: str) -> Any:
    """A value Tekton needs when the run is created: a constant, or a pipeline parameter's default."""
    if isinstance(plan_source, Constant):
        return plan_source.value
    source = task.k8s_value(plan_source)
    if isinstance(source, flatten.Const):
        return source.value
    name = source.name if isinstance(source, flatten.Param) else None
    param = next((q for q in builder.flat.plan.inputs if q.name == name), None) if name else None
    if param is not None and param.has_default:
        value = param.default
        builder.warnings.append(f"task {task.plan_task.key!r}: Tekton needs the {what} when the run is created; "
                                f"using parameter {name!r} as compiled ({text_form(value)}: its default or the -p "
                                "value), not the run's")
        return json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value
    if param is not None:
        builder.warnings.append(f"task {task.plan_task.key!r}: the {what} comes from parameter {name!r}, which has "
                                "no default; Tekton needs it when the run is created, so it is not applied")
        return None
    raise UnsupportedError(f"task {task.plan_task.key!r} takes its {what} from a value known only at run time; "
                           "Tekton sets pod settings when the run is created; use --backend argo",
                           path=(task.plan_task.path,))


def _init_step(container: k8s.InitContainer) -> dict[str, Any]:
    """kfp-kubernetes init containers run as steps before the component's: steps run in order."""
    step = objects.init_container(container, escape.references_only)
    step["name"] = "init-" + step["name"]
    if "resources" in step:
        step["computeResources"] = step.pop("resources")
    return step
