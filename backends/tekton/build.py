"""Turn the flattened plan into pipeline tasks (units.py): one per leaf task, plus the helper tasks
that stand in for what Tekton cannot express itself (helper_tasks.py).

Per task, in this order:
1. guards: `when` entries Tekton evaluates (guards.py), else a shared condition task whose "true" /
   "false" result the guard reads; guards that differ between loop iterations go to the gate;
2. steps: launcher, direct container (+ post), importer or PVC step (steps.py);
3. kfp-kubernetes settings (k8s.py);
4. loops: a Matrix over iteration keys, static when the items are known and few, else computed by a
   gate task (the keys whose guards hold); a container without the launcher that needs one
   per-iteration value fans out over the values instead.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from kfpc.errors import UnsupportedError
from kfpc.plan.model import (
    Concat, Constant, ContainerComponent, FromInput, IfPresent, ImporterComponent, InputValue, PvcComponent,
)
from kfpc.plan import importers, placeholders

from kfpc_backends.tekton import escape, finally_tasks, guards, helper_tasks, k8s, resources
from kfpc_backends.tekton import flatten
from kfpc_backends.tekton import steps as tekton_steps
from kfpc_backends.tekton import wire
from kfpc_backends.tekton.direct import DirectValues
from kfpc_backends.tekton.sources import RUN_ROOT, Context, Descriptors, per_iteration
from kfpc_backends.tekton.units import Unit

MAX_MATRIX = 256  # Tekton's default-max-matrix-combinations-count, checked on the literal spec only
_RESULT_INVALID = re.compile(r"[^A-Za-z0-9_.-]+")


class Builder:
    def __init__(self, flat: flatten.FlatPipeline, ctx: Context, helper_image: str):
        self.flat = flat
        self.ctx = ctx
        self.helper_image = helper_image
        self.namer = flat.namer
        self.units: list[Unit] = []
        self.unit_of: dict[str, Unit] = {}  # flat task id -> its unit
        self.specs: dict[str, dict[str, Any]] = {}  # flat task id -> the runtime spec that publishes its results
        self.published: dict[str, dict[tuple[str, bool], str]] = {}  # task -> (output, raw) -> result
        self.helpers: dict[str, Unit] = {}  # condition, gate and value tasks, shared by what they compute
        self.warnings: list[str] = []
        self.group: frozenset[str] = frozenset()  # the exit tasks being merged into one pod (finally_tasks.add_group)
        self.pod_specs: dict[str, dict[str, Any]] = {}  # pipeline task -> its taskRunSpecs entry

    # -- results other tasks read ----------------------------------------------------------------

    def publish(self, task_id: str, output: str, raw: bool = False) -> str:
        """The name of the result that carries `output` of a task (in T-form, or `raw` as written,
        for pipeline results); the task learns to publish it in finish_results."""
        names = self.published.setdefault(task_id, {})
        key = (output, raw)
        if key not in names:
            base = (_RESULT_INVALID.sub("-", output).strip("-._") or "out") + ("-raw" if raw else "")
            name, n = base, 1
            while name in names.values():
                n += 1
                name = f"{base}-{n}"
            names[key] = name
        return names[key]

    def finish_results(self) -> None:
        for task_id, outputs in self.published.items():
            unit, spec = self.unit_of[task_id], self.specs[task_id]
            for (output, raw), result in sorted(outputs.items()):
                spec.setdefault(wire.Spec.RAW_RESULTS if raw else wire.Spec.RESULTS, {})[output] = result
                unit.result(result)

    def result_ref(self, source: flatten.Source, unguarded: bool = False, raw: bool = False) -> str | None:
        """Tekton text for a value Tekton can carry itself: a parameter, or a result of a task that
        runs once (not in a loop) before the reader. With `unguarded`, only of a task that always
        runs: a `when` reading the result of a skipped task is skipped for a reason that cascades
        in Tekton v0.59-0.68, which checks missing results before `when`
        (pkg/reconciler/pipelinerun/resources/pipelinerunresolution.go:328-333 @v0.59.6)."""
        if isinstance(source, flatten.Param):
            return escape.ref("params." + self.ctx.param_names[source.name])
        if isinstance(source, flatten.Out) and not source.loops and not source.selector:
            producer = self.flat.task(source.task)
            if producer.loops or producer.finally_ or source.task not in self.specs or (unguarded and producer.guards):
                return None
            result = self.publish(source.task, source.output, raw)
            return escape.ref(f"tasks.{self.unit_of[source.task].name}.results.{result}")
        return None

    def guard_ref(self, source: flatten.Source) -> str | None:
        return self.result_ref(source, unguarded=True)

    # -- helper tasks ----------------------------------------------------------------------------

    def dag_producers(self, desc: Descriptors, what: str) -> set[str]:
        """The pipeline tasks that must finish before files of `desc` can be read."""
        out = set()
        for task_id in desc.producers - self.group:
            if self.flat.task(task_id).finally_:
                raise UnsupportedError(f"{what} reads an output of an exit task; Tekton's finally tasks cannot feed "
                                       "other tasks; use --backend argo")
            out.add(self.unit_of[task_id].name)
        return out

    # -- one task --------------------------------------------------------------------------------

    def add(self, task: flatten.FlatTask) -> None:
        if task.plan_task.task_config_claim:
            raise UnsupportedError(f"task {task.plan_task.key!r} passes its volumes on through dsl.TaskConfig, "
                                   "including KFP's workspace, which on Tekton is a directory of the run's volume "
                                   "with no claim of its own; use --backend argo", path=(task.plan_task.path,))
        unit = Unit(task.id, finally_=task.finally_, display=escape.display(task.plan_task.display_name))
        per_iter, in_pod = self.lower_guards(task, unit)
        value_matrix = self.render_steps(task, unit, in_pod)
        if task.plan_task.k8s is not None:
            k8s.apply(self, task, unit, task.plan_task.k8s)
        self.lower_loops(task, unit, per_iter, value_matrix)
        retry = task.plan_task.retry
        if retry is not None and retry.max_count > 0:
            unit.retries = retry.max_count
            if retry.backoff_seconds > 0:
                self.warnings.append(f"task {task.plan_task.key!r}: Tekton retries at once; the backoff of "
                                     f"{retry.backoff_seconds:g}s is not applied")
        if not task.finally_:
            unit.run_after |= {self.unit_of[t].name for t in task.after if t in self.unit_of
                               and not self.flat.task(t).finally_}
        else:
            unit.when += finally_tasks.started(self, task)
        unit.run_after.discard(unit.name)
        self.units.append(unit)
        self.unit_of[task.id] = unit

    def lower_guards(self, task: flatten.FlatTask, unit: Unit) -> tuple[list[flatten.Guard], list[flatten.Guard]]:
        per_iter: list[flatten.Guard] = []
        in_pod: list[flatten.Guard] = []
        for guard in task.guards:
            probe = Descriptors(self.ctx, task.loops)
            if per_iteration(probe.expr(guard.expr)):
                per_iter.append(guard)
                continue
            entries = None if self.group else guards.when_entries(guard.expr, self.guard_ref)
            if entries is not None:
                unit.when += entries
                continue
            cond = None if self.group else helper_tasks.condition_unit(self, guard)
            if cond is None:
                in_pod.append(guard)
                continue
            unit.when.append({"input": escape.ref(f"tasks.{cond.name}.results.v"), "operator": "in",
                              "values": ["true"]})
            unit.run_after.add(cond.name)
        if per_iter and self.group:
            raise UnsupportedError("a condition on loop items inside an exit task that runs several tasks in one "
                                   "finally pod (an exit pipeline, or tasks after an ignore_upstream_failure task) is "
                                   "not supported; use --backend argo", path=(task.plan_task.path,))
        return per_iter, in_pod

    def lower_loops(self, task: flatten.FlatTask, unit: Unit, per_iter: list[flatten.Guard], value: flatten.Source | None) -> None:
        if not task.loops:
            return
        if self.group:
            raise UnsupportedError("this loop would run inside an exit task that runs several tasks in one finally pod "
                                   "(an exit pipeline, or tasks after an ignore_upstream_failure task), which kfpc "
                                   "cannot fan out; use --backend argo", path=(task.plan_task.path,))
        limits = [loop.parallelism for loop in task.loops if loop.parallelism]
        if limits:
            self.warnings.append(f"task {task.plan_task.key!r}: Tekton's Matrix has no parallelism limit; all "
                                 f"iterations start at once (the pipeline asks for at most {min(limits)})")
        keys = None
        if value is None and not per_iter and all(loop.items is not None for loop in task.loops):
            combos = list(itertools.product(*(range(len(loop.items or ())) for loop in task.loops)))
            if len(combos) <= MAX_MATRIX:
                keys = [".".join(str(i) for i in combo) for combo in combos]
        if keys is not None:
            if not keys:
                unit.when.append(dict(guards.NEVER))
                return
            unit.matrix = {"params": [{"name": tekton_steps.KEY_PARAM, "value": keys}]}
            unit.declare(tekton_steps.KEY_PARAM)
            return
        gate = helper_tasks.gate_unit(self, task, per_iter, value)
        unit.run_after.add(gate.name)
        # An empty Matrix skips the task *and cascades*; a `when` on the count skips it alone.
        unit.when.append({"input": escape.ref(f"tasks.{gate.name}.results.n"), "operator": "notin", "values": ["0"]})
        if value is not None:
            unit.matrix = {"params": [{"name": tekton_steps.VALUE_PARAM, "value": escape.ref(f"tasks.{gate.name}.results.vals[*]")}]}
            unit.params.append({"name": tekton_steps.KEYS_PARAM, "value": escape.ref(f"tasks.{gate.name}.results.keys[*]")})
            unit.declare(tekton_steps.VALUE_PARAM)
            unit.declare(tekton_steps.KEYS_PARAM, array=True)
        else:
            unit.matrix = {"params": [{"name": tekton_steps.KEY_PARAM, "value": escape.ref(f"tasks.{gate.name}.results.keys[*]")}]}
            unit.declare(tekton_steps.KEY_PARAM)

    # -- steps -----------------------------------------------------------------------------------

    def render_steps(self, task: flatten.FlatTask, unit: Unit, in_pod: list[flatten.Guard]) -> flatten.Source | None:
        """Fill the unit's steps; returns the per-iteration value a direct container fans out over."""
        component = task.component
        if isinstance(component, ContainerComponent) and component.needs_launcher:
            self.launcher(task, unit, in_pod)
            return None
        if in_pod:
            raise UnsupportedError("this condition can only be evaluated inside the pod, which needs a Python "
                                   "component; use --backend argo", path=(task.plan_task.path,))
        if isinstance(component, ContainerComponent):
            return self.direct(task, unit)
        if isinstance(component, ImporterComponent):
            self.importer(task, unit, component)
        elif isinstance(component, PvcComponent):
            self.pvc(task, unit, component)
        return None

    def launcher(self, task: flatten.FlatTask, unit: Unit, in_pod: list[flatten.Guard]) -> None:
        desc = Descriptors(self.ctx, task.loops, task.plan_task.key)
        spec, argv = tekton_steps.launcher_spec(task, desc)
        if in_pod:
            spec[wire.Spec.GUARDS] = [desc.expr(guard.expr) for guard in in_pod]
        step = tekton_steps.runtime_step("main", resources.image(self, task), wire.Mode.RUN, spec, desc, argv, keyed=bool(task.loops))
        unit.pass_params(desc.task_params)
        compute = resources.compute_resources(self, task)
        if compute:
            step["computeResources"] = compute
        unit.steps.append(step)
        unit.run_after |= self.dag_producers(desc, f"task {task.plan_task.key!r}")
        self.specs[task.id] = spec

    def direct(self, task: flatten.FlatTask, unit: Unit) -> flatten.Source | None:
        component = task.component
        assert isinstance(component, ContainerComponent)
        value = self.fan_out_value(task)
        command = tekton_steps.DirectCommand(task, DirectValues(self, task, unit, value))
        post = None
        interface = component.interface
        if interface.out_params or interface.out_artifacts:
            desc = Descriptors(self.ctx, task.loops, task.plan_task.key)
            spec: dict[str, Any] = {wire.Spec.TASK: task.id,
                                    wire.Spec.OUT_PARAMS: [[out.name, out.type.value] for out in interface.out_params],
                                    wire.Spec.OUT_ARTIFACTS: [out.name for out in interface.out_artifacts],
                                    wire.Spec.RESULTS: {}}
            args: list[str] = []
            if value is not None:
                spec[wire.Spec.MATRIX_KEY] = 1
                desc.env["KFPC_TR"] = escape.ref("context.taskRun.name")
                args = [escape.ref(f"params.{tekton_steps.KEYS_PARAM}[*]")]
            post = tekton_steps.runtime_step("post", self.helper_image, wire.Mode.POST, spec, desc, args,
                                   keyed=bool(task.loops) and value is None)
            unit.pass_params(desc.task_params)
            self.specs[task.id] = spec
        steps, volumes = tekton_steps.direct_steps(task, command, resources.image(self, task), post)
        if "command" not in steps[0]:
            self.warnings.append(f"task {task.plan_task.key!r}: the component has no command; Tekton looks up the "
                                 "image's entrypoint in its registry when the task starts")
        compute = resources.compute_resources(self, task)
        if compute:
            steps[0]["computeResources"] = compute
        unit.steps += steps
        unit.volumes += volumes
        return value

    def fan_out_value(self, task: flatten.FlatTask) -> flatten.Source | None:
        """The one per-iteration value a direct container in a loop reads, if any."""
        if not task.loops:
            return None
        component = task.component
        assert isinstance(component, ContainerComponent)
        used = {leaf.name for arg in component.command + component.args for leaf in placeholders.walk(arg)
                if isinstance(leaf, (InputValue, IfPresent))}
        used |= {part.name for _, tmpl in component.env for part in tmpl if isinstance(part, InputValue)}
        found: dict[str, flatten.Source] = {}
        for name in sorted(used & set(task.params)):
            source = task.params[name][1]
            probe = Descriptors(self.ctx, task.loops)
            desc = probe.param(source)
            if desc is not None and per_iteration(desc):
                found[escape.spec_json(desc)] = source
        if len(found) > 1:
            raise UnsupportedError("a container component inside a loop can take one per-iteration value on Tekton "
                                   f"(a Matrix over it); {task.plan_task.key!r} takes {len(found)}; use a Python "
                                   "component or --backend argo", path=(task.plan_task.path,))
        return next(iter(found.values()), None)

    def importer(self, task: flatten.FlatTask, unit: Unit, c: ImporterComponent) -> None:
        if c.download_to_workspace:
            # KFP downloads only object-store URIs into its workspace (kfpc/plan/workspace.py), and the
            # helper step has no client for them (warn_undownloaded).
            self.warnings.append(f"importer {task.plan_task.key!r}: download_to_workspace is not honoured on Tekton, "
                                 "whose helper step cannot download the gs://, s3:// or minio:// URIs KFP puts in "
                                 "the workspace; consumers get the URI as from any importer (use --backend argo)")
        desc = Descriptors(self.ctx, task.loops, task.plan_task.key)
        uri_source: flatten.Source = flatten.Const(c.uri.value) if isinstance(c.uri, Constant) else \
            task.params[c.uri.name][1] if isinstance(c.uri, FromInput) and c.uri.name in task.params else flatten.Const("")
        artifact = c.interface.out_artifacts[0].name if c.interface.out_artifacts else "artifact"
        spec = {wire.Spec.TASK: task.id, wire.Spec.URI: desc.param(uri_source) or [wire.Value.CONST, ""],
                wire.Spec.METADATA: _metadata(c.metadata, task, desc), wire.Spec.ARTIFACT: artifact}
        self.warn_undownloaded(task, uri_source)
        if isinstance(uri_source, flatten.Const) and str(uri_source.value).startswith("oci://"):
            # A model packaged as an image (KServe modelcar): its /models is copied into the workspace,
            # the run's folder made as the runtime makes it (tekton.py.j2, make_run_folder) if it is first.
            target = tekton_steps.artifact_path(task.id, artifact, None)
            unit.steps.append({"name": "pull", "image": str(uri_source.value)[len("oci://"):],
                               "command": ["sh", "-c", '[ -d "$1" ] || { mkdir -p "$1" && chmod 2775 "$1"; }; '
                                           'umask 002 && mkdir -p "$0" && cp -R /models "$0"/', target, RUN_ROOT]})
        unit.steps.append(tekton_steps.runtime_step("import", self.helper_image, wire.Mode.IMPORT, spec, desc, keyed=bool(task.loops)))
        unit.pass_params(desc.task_params)
        unit.run_after |= self.dag_producers(desc, f"importer {task.plan_task.key!r}")
        self.specs[task.id] = spec

    def warn_undownloaded(self, task: flatten.FlatTask, source: flatten.Source) -> None:
        """Only http(s) and oci:// imports reach the volume; others are passed on by URI alone."""
        uri = None
        if isinstance(source, flatten.Const):
            uri = str(source.value)
        elif isinstance(source, flatten.Param):
            spec = next((q for q in self.flat.plan.inputs if q.name == source.name), None)
            uri = str(spec.default) if spec is not None and spec.has_default else None
        scheme = importers.scheme(uri) if uri else ""
        if scheme and scheme not in ("http", "https", "oci"):
            self.warnings.append(f"importer {task.plan_task.key!r}: {uri} is passed on by its URI only; on Tekton "
                                 f"kfpc downloads nothing from {scheme}:// (a component reading the artifact's path "
                                 "finds no file there); import it over https, or use --backend argo")

    def pvc(self, task: flatten.FlatTask, unit: Unit, c: PvcComponent) -> None:
        desc = Descriptors(self.ctx, task.loops, task.plan_task.key)
        params = tekton_steps.param_specs(c.interface, task, desc)
        desc.env["KFPC_NAME"] = escape.ref("context.pipelineRun.name")
        spec = {wire.Spec.TASK: task.id, wire.Spec.PVC_OPERATION: c.op, wire.Spec.PARAMS: params, wire.Spec.RESULTS: {}}
        unit.steps.append(tekton_steps.runtime_step("pvc", self.helper_image, wire.Mode.PVC, spec, desc, keyed=bool(task.loops)))
        unit.pass_params(desc.task_params)
        unit.run_after |= self.dag_producers(desc, f"task {task.plan_task.key!r}")
        self.specs[task.id] = spec


def _metadata(meta: Any, task: flatten.FlatTask, desc: Descriptors) -> Any:
    """Importer metadata for the runtime: strings holding `{{$.inputs.parameters['x']}}` become
    value descriptors (wire.Meta.VALUE); everything else stays as written."""
    if isinstance(meta, dict):
        return {str(k): _metadata(v, task, desc) for k, v in meta.items()}
    if isinstance(meta, list):
        return [_metadata(v, task, desc) for v in meta]
    if isinstance(meta, str) and "{{$" in meta:
        try:
            parsed = placeholders.parse_string(meta)
        except placeholders.PlaceholderError:
            return meta
        parts = parsed.parts if isinstance(parsed, Concat) else (parsed,)
        out: list[Any] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, InputValue) and part.name in task.params:
                d = desc.param(task.params[part.name][1])
                out.append(d if d is not None else "")
            else:
                return meta
        return [wire.Meta.VALUE, [wire.Value.INTERP, out]]
    return meta
