"""IR (checked by kfpc.graph.checks) -> the backend-neutral Plan.

Each task input is resolved to exactly one kind of source; f-string constants become
interpolations of sibling values; loops, conditions, exit semantics and collected outputs are
made explicit; names become valid Kubernetes labels; every container task gets its cache
fingerprint. Problems found here (bad placeholders, constants of the wrong type) are collected and
reported together.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Callable

from kfpc import names
from kfpc.errors import Collector, did_you_mean, format_path
from kfpc.run_options import is_quantity
from kfpc.graph import build
from kfpc.ir.model import (
    ArtifactDef, Component, Dag, Executor, Interface, MISSING, ParamDef, ParamInput, Path, Pipeline, Task,
)
from kfpc.ir import parse
from kfpc.plan import cachekey, conditions, placeholders, taskconfig
from kfpc.plan import workspace as kfp_workspace
from kfpc.plan import model as plan_model
from kfpc.plan.notices import Notices, ignored_fields
from kfpc.plan.platform import PlatformLowering
from kfpc.plan.values import joined_text, text_form

_PVC_STUBS = {"argostub/createpvc": "create", "argostub/deletepvc": "delete"}
_SUBVAR = re.compile(r"^(?:pipelinechannel--)?(loop-item-param-\d+)-subvar-(.+)$")
_SELECTOR = re.compile(r'^parseJson\(string_value\)((?:\[(?:"[^"]*"|\'[^\']*\'|\d+)\])+)$')
_SELECTOR_PART = re.compile(r'\[(?:"([^"]*)"|\'([^\']*)\'|(\d+))\]')


def lower(ir: Pipeline, file: str | None = None) -> plan_model.Plan:
    return _Lowering(ir, Collector(file), file or "").run()


def param_type(text: str) -> plan_model.ParamType:
    return _PARAM_TYPES.get(text, plan_model.ParamType.STRING)


# IR parameterType -> plan type (a table: lowering asks for every task input).
_PARAM_TYPES = {t.value: t for t in plan_model.ParamType}
_PARAM_TYPES["TASK_CONFIG"] = plan_model.ParamType.STRUCT  # dsl.TaskConfig: a JSON object the component reads as a dict


def normalize(value: Any, ptype: plan_model.ParamType) -> Any:
    """KFP writes integers as floats (`200.0`); give them back their type. Inside lists and dicts
    every whole number becomes an integer: KFP's backend hands those values to components as
    protobuf JSON, which writes `1.0` as `1`, so a `List[int]` component gets ints there too."""
    if ptype is plan_model.ParamType.INTEGER and isinstance(value, float) and value.is_integer():
        return int(value)
    if ptype is plan_model.ParamType.BOOLEAN and legacy_boolean(value):
        return value == 1  # 2.0.0-beta SDKs wrote booleans as 1.0 / 0.0 (lowering warns)
    if ptype is plan_model.ParamType.DOUBLE and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if ptype in (plan_model.ParamType.LIST, plan_model.ParamType.STRUCT):
        return _whole_numbers(value)
    return value


def legacy_boolean(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value in (0, 1)


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    return value


def type_problem(value: Any, ptype: plan_model.ParamType) -> str | None:
    """Why `value` cannot be a `ptype`, or None when it fits."""
    if value is None or _FITS[ptype](value):
        return None
    return f"{json.dumps(value)[:60]} is not a valid {ptype.value}"


# What a constant of each parameter type may be (built once: lowering asks for every task input).
_FITS: dict[plan_model.ParamType, Callable[[Any], bool]] = {
    plan_model.ParamType.STRING: lambda v: isinstance(v, str),
    plan_model.ParamType.INTEGER: lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
    plan_model.ParamType.DOUBLE: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
    plan_model.ParamType.BOOLEAN: lambda v: isinstance(v, bool),
    plan_model.ParamType.LIST: lambda v: isinstance(v, list),
    plan_model.ParamType.STRUCT: lambda v: isinstance(v, dict),
    plan_model.ParamType.TASK_FINAL_STATUS: lambda v: True,
}


def interface(iface: Interface) -> plan_model.Interface:
    def param(d: ParamDef) -> plan_model.Param:
        ptype = param_type(d.type)
        has_default = d.default is not MISSING and d.default is not None
        literals = tuple(normalize(v, ptype) for v in d.literals) if d.literals is not None else None
        return plan_model.Param(d.name, ptype, normalize(d.default, ptype) if has_default else None, has_default,
                       d.optional, d.description, literals)

    def artifact(a: ArtifactDef) -> plan_model.Artifact:
        return plan_model.Artifact(a.name, plan_model.ArtifactType(a.schema_title, a.schema_version), a.is_list, a.optional,
                          a.description)

    return plan_model.Interface(
        tuple(param(v) for _, v in sorted(iface.in_params.items())),
        tuple(artifact(v) for _, v in sorted(iface.in_artifacts.items())),
        tuple(param(v) for _, v in sorted(iface.out_params.items())),
        tuple(artifact(v) for _, v in sorted(iface.out_artifacts.items())),
    )


class _Lowering:
    def __init__(self, ir: Pipeline, out: Collector, file: str):
        self.ir = ir
        self.out = out
        self.file = file
        self.components: dict[str, Component] = dict(ir.components)
        self.components["root"] = ir.root
        self.names: dict[str, str] = {}
        self._containers: dict[tuple, tuple] = {}
        self._parts_by_key: dict[str, tuple] = {}
        # component key (and memo key) -> (env, resources) as written, before passthrough (taskconfig.py)
        self._task_config_parts: dict[Any, tuple] = {}
        self.notices = Notices()  # warnings and Vertex-only uses, each reported once with a count
        self._platform_reads: list[tuple[str, str, Path]] = []  # (producer, consumer, where) in the DAG lowered
        self._platform_producers: dict[str, set[str]] = {}  # task -> producers its settings read, in that DAG
        self.platform = PlatformLowering(ir.platform, out)
        namer = names.Namer()
        self.names["root"] = namer.name("root")
        for key in sorted(ir.components):
            self.names[key] = namer.name(key[5:] if key.startswith("comp-") else key)

    def run(self) -> plan_model.Plan:
        lowered: dict[str, plan_model.Component] = {}
        for key, comp in sorted(self.components.items()):
            built = self.component(key, comp)
            if built is not None:
                lowered[built.name] = built
        self.platform.check_unused({c.executor for c in self.components.values() if c.executor}, set(self.ir.executors))
        run_config = self.platform.run_config()
        kfp_workspace.check(self.ir, run_config, self.out)
        ignored_fields(self.ir, self.components, self.notices)
        for name, spec in sorted(self.ir.root.interface.in_params.items()):
            self.notices.vertex_default(spec.default, ("root", "inputDefinitions", "parameters", name, "defaultValue"))
        self.notices.report_vertex_only(self.out)
        self.out.raise_if_any()
        root_iface = interface(self.ir.root.interface)
        return plan_model.Plan(
            name=self.ir.name,
            k8s_name=names.dns_label(self.ir.name.rsplit("/", 1)[-1] or "pipeline", 52),
            display_name=self.ir.display_name,
            description=self.ir.description,
            sdk_version=self.ir.sdk_version,
            pipeline_root=self.ir.default_pipeline_root,
            inputs=root_iface.in_params,
            root=self.names["root"],
            components=lowered,
            source=self.file,
            run_config=run_config,
            warnings=self.notices.warnings(),
        )

    # -- components ---------------------------------------------------------------------------

    def component(self, key: str, comp: Component) -> plan_model.Component | None:
        name = self.names[key]
        if comp.dag is not None:
            return self.dag(key, name, comp)
        executor = self.ir.executors[comp.executor or ""]
        stub = _PVC_STUBS.get(executor.container.image) if executor.container is not None else None
        if stub is not None and not executor.container.command:  # type: ignore[union-attr]
            produced = {"name"} if stub == "create" else set()  # what the engines' PVC steps output
            extra = sorted(set(comp.interface.out_params) - produced) + sorted(comp.interface.out_artifacts)
            if extra:
                self.out.add("KFPC314", f"component {key!r} runs the kfp-kubernetes {stub} PVC step, which cannot "
                             f"produce {', '.join(map(repr, extra))}", comp.path + ("outputDefinitions",))
            return plan_model.PvcComponent(name, key, interface(comp.interface), stub)
        if executor.container is not None:
            return self.container(key, name, comp, executor)
        if executor.importer is not None:
            return self.importer(key, name, comp, executor)
        return None

    def container(self, key: str, name: str, comp: Component, executor: Executor) -> plan_model.ContainerComponent:
        return plan_model.ContainerComponent(name, key, executor.key, *self.container_parts(comp, executor))

    def container_parts(self, comp: Component, executor: Executor) -> tuple:
        """Everything about a container component except its names, shared by identical copies.

        The SDK writes one component and one executor per task, so a 1,000-task pipeline often
        holds 1,000 identical copies: each distinct one is parsed once (keyed by its own text)."""
        done = self._parts_by_key.get(comp.key)
        if done is not None:
            return done
        container = executor.container
        assert container is not None
        iface_text = cachekey.canonical(_interface_json(comp.interface))
        memo_key = (container.image, container.command, container.args, container.env,
                    cachekey.canonical(container.resources), iface_text, comp.passthroughs)
        hit = self._containers.get(memo_key)
        if hit is not None:
            self._parts_by_key[comp.key] = hit
            self._task_config_parts[comp.key] = self._task_config_parts[("memo",) + memo_key]
            return hit
        problems_before = len(self.out.items)
        iface = interface(comp.interface)
        command = tuple(self.arg(text, container.path + ("command", i)) for i, text in enumerate(container.command))
        args = tuple(self.arg(text, container.path + ("args", i)) for i, text in enumerate(container.args))
        image = self.text(container.image, container.path + ("image",))
        self.check_image(image, container.path + ("image",))
        env = tuple((name, self.text(value, container.path + ("env", i, "value")))
                    for i, (name, value) in enumerate(container.env))
        self.check_env(container.env, container.path + ("env",))
        resources = self.resources(container.resources, container.path + ("resources",))
        _, on_pod = taskconfig.options(comp.passthroughs)
        for field in taskconfig.unknown_fields(comp.passthroughs):
            self.out.add("KFPC316", f"unknown TaskConfig passthrough field {field!r} (known: "
                         f"{', '.join(taskconfig.FIELDS)})", comp.path + ("taskConfigPassthroughs",))
        command = tuple(self.output_path_quirk(iface, arg, container.path + ("command", i), comp.key)
                        for i, arg in enumerate(command))
        args = tuple(self.output_path_quirk(iface, arg, container.path + ("args", i), comp.key)
                     for i, arg in enumerate(args))
        for part, items in (("command", command), ("args", args)):
            for i, arg in enumerate(items):
                self.check_refs(iface, list(placeholders.walk(arg)), container.path + (part, i))
        leaves = [leaf for arg in command + args for leaf in placeholders.walk(arg)]
        iface = self.with_undeclared_inputs(iface, leaves, (image, *(value for _, value in env),
                                                            *self.templates(resources)))
        needs_launcher = any(isinstance(leaf, (plan_model.ExecutorInput, plan_model.ExecutorOutputFile)) or
                             (isinstance(leaf, (plan_model.InputArtifactRef, plan_model.OutputArtifactRef)) and leaf.attr == "list")
                             for leaf in leaves) or any(placeholders.escapes(arg) for arg in command + args)
        digest = cachekey.work_digest(iface_text, container.image, container.command, container.args,
                                      cachekey.canonical(container.env))
        # Env and resources passed through without apply_to_task reach the component only (TaskConfig).
        pod_env = env if taskconfig.ENV in on_pod else ()
        pod_resources = resources if taskconfig.RESOURCES in on_pod else plan_model.Resources()
        hit = (iface, image, command, args, pod_env, pod_resources, needs_launcher, digest)
        self._task_config_parts[comp.key] = (env, resources)
        if len(self.out.items) == problems_before:  # a copy must report its own problems at its own path
            self._containers[memo_key] = hit
            self._task_config_parts[("memo",) + memo_key] = (env, resources)
        self._parts_by_key[comp.key] = hit
        return hit

    @staticmethod
    def with_undeclared_inputs(iface: plan_model.Interface, leaves: list[Any], templates: tuple[plan_model.TextTemplate, ...]
                               ) -> plan_model.Interface:
        """Inputs the executor reads but the component does not declare (set_container_image,
        f-strings) become string inputs, so every backend passes them like declared ones."""
        declared = {q.name for q in iface.in_params}
        referenced = {leaf.name for leaf in leaves if isinstance(leaf, plan_model.InputValue)}
        referenced |= {part.name for tmpl in templates for part in tmpl if isinstance(part, plan_model.InputValue)}
        extra = tuple(plan_model.Param(name, plan_model.ParamType.STRING) for name in sorted(referenced - declared))
        if not extra:
            return iface
        return plan_model.Interface(tuple(sorted(iface.in_params + extra, key=lambda q: q.name)), iface.in_artifacts,
                           iface.out_params, iface.out_artifacts)

    def check_env(self, env: tuple[tuple[str, str], ...], path: Path) -> None:
        """Names the kubelet accepts (IsEnvVarName), each once, and none of the backends' own (KFPC_...)."""
        for i, (name, _) in enumerate(env):
            where = path + (i, "name")
            if not _ENV_NAME.fullmatch(name):
                self.out.add("KFPC200", f"{name!r} is not an environment variable name", where)
            elif name.upper().startswith("KFPC_"):
                self.out.add("KFPC200", f"environment variable {name!r}: names starting with KFPC_ are kfpc's", where)
            elif any(name == other for other, _ in env[:i]):
                self.out.add("KFPC200", f"environment variable {name!r} is set twice", where)

    def check_image(self, image: plan_model.TextTemplate, path: Path) -> None:
        """The written parts of an image reference use only the characters a reference can hold, so
        nothing in it reads as an engine variable (`$(...)`, `{{...}}`) or breaks the pull."""
        written = "".join(part for part in image if isinstance(part, str))
        bad = sorted(set(_NOT_IN_IMAGE.findall(written)))
        if bad or not image:
            self.out.add("KFPC313", f"image {''.join(x if isinstance(x, str) else '{...}' for x in image)!r} is not "
                         "an image reference" + (f" (it contains {''.join(bad)!r})" if bad else ""), path)

    @staticmethod
    def templates(res: plan_model.Resources) -> list[plan_model.TextTemplate]:
        return [getattr(res, f) for f in res.__dataclass_fields__ if getattr(res, f) is not None]

    def output_path_quirk(self, iface: plan_model.Interface, arg: plan_model.Arg, path: Path, component: str) -> plan_model.Arg:
        """kfp's container components write `dsl.OutputPath('Model')` as an output *parameter* file
        placeholder while declaring an output *artifact* of that name; KFP's launcher then fills in
        the artifact's local path. Read it that way, and say so once per component."""
        def fix(leaf: plan_model.Arg) -> plan_model.Arg:
            if isinstance(leaf, plan_model.OutputParamFile) and iface.out_param(leaf.name) is None \
                    and iface.out_artifact(leaf.name) is not None:
                self.notices.warn("an output parameter placeholder ({{$.outputs.parameters['NAME'].output_file}}) "
                                  "names an output artifact: kfp writes dsl.OutputPath('Type') of a container "
                                  "component this way; the artifact's local path is used, as KFP's launcher does",
                                  f"{component}.{leaf.name}")
                return plan_model.OutputArtifactRef(leaf.name, "path")
            return leaf
        return placeholders.map_leaves(arg, fix)

    def check_refs(self, iface: plan_model.Interface, leaves: list[Any], path: Path) -> None:
        for leaf in leaves:
            if isinstance(leaf, plan_model.InputArtifactRef) and iface.in_artifact(leaf.name) is None:
                self.out.add("KFPC305", f"placeholder reads input artifact {leaf.name!r}, which the component "
                             "does not declare", path)
            elif isinstance(leaf, plan_model.OutputParamFile) and iface.out_param(leaf.name) is None:
                self.out.add("KFPC304", f"placeholder writes output parameter {leaf.name!r}, which the component "
                             "does not declare", path)
            elif isinstance(leaf, plan_model.OutputArtifactRef) and iface.out_artifact(leaf.name) is None:
                self.out.add("KFPC304", f"placeholder writes output artifact {leaf.name!r}, which the component "
                             "does not declare", path)

    def arg(self, text: str, path: Path) -> plan_model.Arg:
        try:
            return placeholders.parse_element(text)
        except placeholders.VertexOnlyError as exc:
            self.notices.vertex_only(exc.feature, path)
            return text
        except placeholders.PlaceholderError as exc:
            self.out.add("KFPC312", str(exc), path)
            return text

    def text(self, text: str, path: Path) -> plan_model.TextTemplate:
        parsed = self.arg(text, path)
        parts = parsed.parts if isinstance(parsed, plan_model.Concat) else (parsed,)
        result: list[str | plan_model.InputValue] = []
        for part in parts:
            if isinstance(part, (str, plan_model.InputValue)):
                result.append(part)
            else:
                self.out.add("KFPC312", f"only input parameter placeholders may appear here, not {part!r}", path)
        return tuple(result)

    def resources(self, res: Any, path: Path) -> plan_model.Resources:
        def pick(new: str, legacy: str, unit: str = "") -> plan_model.TextTemplate | None:
            if res.get(new) not in (None, ""):
                return self.text(str(res[new]), path + (new,))
            if res.get(legacy) not in (None, "", 0):
                value = res[legacy]
                text = f"{value:g}" if isinstance(value, float) else str(value)
                return (text + unit,)
            return None

        def quantity(template: plan_model.TextTemplate | None, new: str, legacy: str = "") -> plan_model.TextTemplate | None:
            """A value known now must be a Kubernetes quantity; one from a parameter is the engine's to check."""
            key = new if res.get(new) not in (None, "") or not legacy else legacy
            if template is not None and all(isinstance(part, str) for part in template):
                text = "".join(template)  # type: ignore[arg-type]
                if not is_quantity(text):
                    self.out.add("KFPC313", f"{key} {text!r} is not a Kubernetes quantity (such as 500m, 2, 1.5Gi)",
                                 path + (key,))
                    return None
            return template

        acc = res.get("accelerator") or {}
        if not isinstance(acc, dict):
            self.out.add("KFPC313", "accelerator must be a mapping (resourceType, resourceCount)",
                         path + ("accelerator",))
            acc = {}
        acc_type = acc.get("resourceType") or acc.get("type")
        acc_count = acc.get("resourceCount") if acc.get("resourceCount") not in (None, "") else acc.get("count")
        return plan_model.Resources(
            cpu_limit=quantity(pick("resourceCpuLimit", "cpuLimit"), "resourceCpuLimit", "cpuLimit"),
            cpu_request=quantity(pick("resourceCpuRequest", "cpuRequest"), "resourceCpuRequest", "cpuRequest"),
            memory_limit=quantity(pick("resourceMemoryLimit", "memoryLimit", "G"), "resourceMemoryLimit",
                                  "memoryLimit"),
            memory_request=quantity(pick("resourceMemoryRequest", "memoryRequest", "G"), "resourceMemoryRequest",
                                    "memoryRequest"),
            accelerator_type=self.text(str(acc_type), path + ("accelerator",)) if acc_type else None,
            accelerator_count=quantity(self.text(str(acc_count), path + ("accelerator",)), "accelerator")
            if acc_type and acc_count not in (None, "") else None,
        )

    def importer(self, key: str, name: str, comp: Component, executor: Executor) -> plan_model.ImporterComponent:
        imp = executor.importer
        assert imp is not None
        uri: plan_model.ParamSource = plan_model.Constant(imp.uri_constant) if imp.uri_constant is not None \
            else plan_model.FromInput(imp.uri_parameter or "uri")
        return plan_model.ImporterComponent(name, key, executor.key, interface(comp.interface), uri,
                                   plan_model.ArtifactType(imp.schema_title, imp.schema_version), imp.metadata, imp.reimport,
                                   imp.download_to_workspace)

    # -- DAGs ---------------------------------------------------------------------------------

    def dag(self, key: str, name: str, comp: Component) -> plan_model.DagComponent:
        dag = comp.dag
        assert dag is not None
        iface = interface(comp.interface)
        self._platform_producers = {key: self.platform_producers(t, dag) for key, t in dag.tasks.items()}
        graph = build.task_graph(dag)
        setting_edges = [(u, key) for key, ups in self._platform_producers.items() for u in ups]
        ordered = graph
        if setting_edges:
            ordered = graph.copy()
            ordered.add_edges_from(setting_edges)
        order = build.topological_order(ordered if build.is_acyclic(ordered) else graph)  # a cycle is reported
        namer = names.Namer()
        task_names = {t: namer.name(t) for t in sorted(dag.tasks)}
        # What each task waits for: its data and `.after()` upstreams, and the producers its settings read.
        tasks = tuple(self.task(dag.tasks[t], task_names[t], comp, dag,
                                tuple(sorted(u for u in ordered.predecessors(t) if u != t))) for t in order)
        self.check_platform_cycles(dag)
        out_params = tuple(
            plan_model.DagOutputParam(o.name, q.type if (q := iface.out_param(o.name)) else plan_model.ParamType.STRING,
                             tuple(self.from_task(dag, s.producer, s.key) for s in o.selectors))
            for _, o in sorted(dag.out_params.items()))
        out_artifacts = []
        for _, o in sorted(dag.out_artifacts.items()):
            decl = iface.out_artifact(o.name)
            out_artifacts.append(plan_model.DagOutputArtifact(
                o.name, decl.type if decl else plan_model.ArtifactType("system.Artifact"), bool(decl and decl.is_list),
                tuple(plan_model.FromTaskArtifact(s.producer, s.key, dag.tasks[s.producer].iterator is not None)
                      for s in o.selectors)))
        return plan_model.DagComponent(name, key, iface, tasks, out_params, tuple(out_artifacts))

    def from_task(self, dag: Dag, producer: str, key: str, selector: tuple[str | int, ...] = ()) -> plan_model.FromTask:
        task = dag.tasks[producer]
        if task.iterator is None:
            return plan_model.FromTask(producer, key, selector)
        return plan_model.FromTask(producer, key, selector, True, self.element_type(task, key))

    def element_type(self, loop_task: Task, key: str) -> plan_model.ParamType:
        """The type of one collected item: what the loop body's inner producer emits."""
        body = self.components[loop_task.component]
        if body.dag is None or key not in body.dag.out_params:
            return plan_model.ParamType.STRING
        sel = body.dag.out_params[key].selectors[0]
        inner = body.dag.tasks[sel.producer]
        if inner.iterator is not None:
            return plan_model.ParamType.LIST
        inner_comp = self.components[inner.component]
        if inner_comp.dag is not None:
            return self.element_type_of_dag(inner_comp, sel.key)
        spec = inner_comp.interface.out_params.get(sel.key)
        return param_type(spec.type) if spec else plan_model.ParamType.STRING

    def element_type_of_dag(self, comp: Component, key: str) -> plan_model.ParamType:
        spec = comp.interface.out_params.get(key)
        return param_type(spec.type) if spec else plan_model.ParamType.STRING

    def task(self, task: Task, name: str, parent: Component, dag: Dag, depends: tuple[str, ...]) -> plan_model.Task:
        target = self.components[task.component]
        params = self.param_bindings(task, target, parent, dag)
        artifacts = self.artifact_bindings(task, target, dag)
        loop = self.loop(task, params, artifacts)
        condition = self.condition(task, params) if task.condition else None
        retry = plan_model.Retry(task.retry.max_count, task.retry.backoff_seconds, task.retry.factor,
                        task.retry.max_backoff_seconds) if task.retry else None
        caching = None
        executor = self.ir.executors.get(target.executor or "")
        if executor is not None and executor.container is not None:
            digest = cachekey.with_platform(self.container_parts(target, executor)[-1],
                                            self.platform.settings(target.executor or ""))
            caching = cachekey.compute(task.cache_enabled, task.component, task.cache_key, digest, params, artifacts)

        def resolve(spec: Any, path: tuple[str | int, ...], json_value: bool = False) -> plan_model.ParamSource:
            if not self.platform_output_ok(spec, path, task, dag):
                return plan_model.Constant("")
            ref = parse.param_input(spec, path) if isinstance(spec, dict) else ParamInput("constant", value=spec)
            if ref.kind == "component_input" and ref.name not in parent.interface.in_params:
                found = self.platform_input(ref, parent)
                if found is None:
                    return plan_model.Constant("")
                ref = found
            if json_value and ref.kind == "constant":
                return plan_model.Constant(_whole_numbers(ref.value))  # an object (selector, affinity, tolerations)
            return self.param_source(ref, parent, dag, plan_model.ParamType.STRING)

        k8s = self.platform.task(target.executor, resolve) if target.executor else None
        claim = False
        if executor is not None and executor.container is not None:
            params, k8s, claim = self.task_config(target, params, k8s)
        self.check_extras(task, target, params)
        self.check_pvc_inputs(task, target, params)
        return plan_model.Task(task.key, name, task.display_name, self.names[task.component], params, artifacts, depends,
                      condition, task.all_upstream_completed, loop, retry, caching, format_path(task.path), k8s,
                      claim)

    def task_config(self, target: Component, params: tuple[plan_model.ParamBinding, ...],
                    k8s: Any) -> tuple[tuple[plan_model.ParamBinding, ...], Any, bool]:
        """Give `dsl.TaskConfig` inputs their value and keep passed-through fields off the pod (taskconfig.py)."""
        wanted = sorted(n for n, d in target.interface.in_params.items() if d.type == "TASK_CONFIG")
        if not wanted and k8s is None:
            return params, None, False  # the common case: nothing to give or to strip
        enabled, on_pod = taskconfig.options(target.passthroughs)
        workspace = bool(wanted) and taskconfig.VOLUMES in enabled and _uses_workspace(params)
        if wanted:
            env, resources = self._task_config_parts[target.key]
            by_name = {b.name: b.source for b in params}
            value = taskconfig.value(enabled, env, resources, k8s, workspace,
                                     lambda name: by_name.get(name, plan_model.Constant("")))
            params = tuple(sorted([b for b in params if b.name not in wanted]
                                  + [plan_model.ParamBinding(n, plan_model.ParamType.STRUCT, value) for n in wanted],
                                  key=lambda b: b.name))
        return params, taskconfig.strip_pod(k8s, on_pod), workspace

    def platform_output_ok(self, spec: Any, path: Path, task: Task, dag: Dag) -> bool:
        """A kfp-kubernetes setting that reads a task output gets the checks a task input gets
        (graph/checks.py): a well-formed reference to an output its producer declares, of another
        task of the same DAG; the edge it adds is checked for cycles with the DAG's own."""
        if not isinstance(spec, dict):
            return True
        raw = spec.get("taskOutputParameter", spec.get("task_output_parameter"))
        if raw is None:
            return True
        where = path + ("taskOutputParameter",)
        producer = raw.get("producerTask", raw.get("producer_task")) if isinstance(raw, dict) else None
        key = raw.get("outputParameterKey", raw.get("output_parameter_key")) if isinstance(raw, dict) else None
        if not isinstance(producer, str) or not producer or not isinstance(key, str) or not key:
            self.out.add("KFPC315", "taskOutputParameter must be a mapping with producerTask and outputParameterKey "
                         "strings", where)
            return False
        if producer == task.key:
            self.out.add("KFPC307", f"a kfp-kubernetes setting of task {task.key!r} reads the task's own output "
                         f"{key!r}, which exists only after the task ran", where)
            return False
        if producer not in dag.tasks:
            self.out.add("KFPC303", f"a kfp-kubernetes setting of task {task.key!r} reads from unknown task "
                         f"{producer!r}", where, hint=did_you_mean(producer, dag.tasks))
            return False
        declared = self.components[dag.tasks[producer].component].interface.out_params
        if key not in declared:
            self.out.add("KFPC304", f"a kfp-kubernetes setting of task {task.key!r} reads output {key!r}, which task "
                         f"{producer!r} does not produce", where, hint=did_you_mean(key, declared))
            return False
        self._platform_reads.append((producer, task.key, where))
        return True

    def platform_producers(self, task: Task, dag: Dag) -> set[str]:
        """Tasks whose outputs the task's kfp-kubernetes settings read (a PVC's name, a secret's): the
        task waits for them as for its inputs, even when `dependentTasks` does not list them."""
        target = self.components.get(task.component)
        settings = self.platform.settings(target.executor) if target is not None and target.executor else None
        found: set[str] = set()
        stack: list[Any] = [settings]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                for key, child in value.items():
                    if key in ("taskOutputParameter", "task_output_parameter") and isinstance(child, dict):
                        producer = child.get("producerTask", child.get("producer_task"))
                        if isinstance(producer, str) and producer in dag.tasks and producer != task.key:
                            found.add(producer)
                    stack.append(child)
            elif isinstance(value, list):
                stack.extend(value)
        return found

    def check_platform_cycles(self, dag: Dag) -> None:
        """Settings read outputs, so they order tasks too: with the DAG's own edges they must not loop."""
        reads, self._platform_reads = self._platform_reads, []
        if not reads:
            return
        graph = build.task_graph(dag)
        if not build.is_acyclic(graph):
            return  # the checks reported that cycle already
        graph.add_edges_from((producer, consumer) for producer, consumer, _ in reads)
        for cycle in build.component_cycles(graph):
            where = next((w for prod, cons, w in reads if cons in cycle and prod in cycle), dag.tasks[cycle[0]].path)
            self.out.add("KFPC307", "tasks depend on each other in a cycle through kfp-kubernetes settings: "
                         + " -> ".join(cycle), where)

    def check_pvc_inputs(self, task: Task, target: Component, params: tuple[plan_model.ParamBinding, ...]) -> None:
        """The engines' PVC steps need a claim name (or suffix), and a size and access modes to create one."""
        executor = self.ir.executors.get(target.executor or "")
        container = executor.container if executor is not None else None
        stub = _PVC_STUBS.get(container.image) if container is not None and not container.command else None
        if stub is None:
            return
        bound = {b.name for b in params if b.name in target.interface.in_params}
        needed = [("pvc_name",)] if stub == "delete" else \
            [("access_modes",), ("size",), ("pvc_name", "pvc_name_suffix")]
        for names_ in needed:
            if not bound.intersection(names_):
                self.out.add("KFPC306", f"task {task.key!r} runs the kfp-kubernetes {stub} PVC step without "
                             f"{' or '.join(names_)}", task.path + ("inputs",))

    def check_extras(self, task: Task, target: Component, params: tuple[plan_model.ParamBinding, ...]) -> None:
        """An executor may read inputs its component does not declare (set_container_image, f-strings);
        the task must then supply them, or the engines would get a parameter nobody sets."""
        executor = self.ir.executors.get(target.executor or "")
        if executor is None or executor.container is None:
            return
        supplied = {b.name for b in params} | ({task.iterator.item_input} if task.iterator else set())
        for q in self.container_parts(target, executor)[0].in_params:
            if q.name not in target.interface.in_params and q.name not in supplied:
                self.out.add("KFPC305", f"the executor of task {task.key!r} reads input {q.name!r}, which neither "
                             f"component {target.key!r} declares nor the task supplies", task.path + ("inputs",))

    def platform_input(self, ref: ParamInput, parent: Component) -> ParamInput | None:
        """kfp-kubernetes names a loop item's field `loop-item-param-N-subvar-FIELD`, which no component
        declares: it is FIELD of the loop item input. Any other undeclared name is an error."""
        match = _SUBVAR.match(ref.name)
        if match:
            for item in (f"pipelinechannel--{match.group(1)}", match.group(1)):
                if item in parent.interface.in_params:
                    return ParamInput("component_input", name=item, path=ref.path,
                                        selector=f"parseJson(string_value)[{json.dumps(match.group(2))}]")
        self.out.add("KFPC305", f"a kfp-kubernetes setting reads parameter {ref.name!r}, which the enclosing "
                     "component does not declare", ref.path, hint=did_you_mean(ref.name, parent.interface.in_params))
        return None

    def param_bindings(self, task: Task, target: Component, parent: Component,
                       dag: Dag) -> tuple[plan_model.ParamBinding, ...]:
        declared = target.interface.in_params
        raw: dict[str, plan_model.ParamSource] = {}
        types: dict[str, plan_model.ParamType] = {}
        for name, spec in task.params.items():
            decl = declared.get(name)
            ptype = types[name] = param_type(decl.type) if decl is not None else self.source_type(spec, parent, dag)
            raw[name] = self.param_source(spec, parent, dag, ptype)
        bindings: dict[str, plan_model.ParamSource] = {}
        for name, source in raw.items():
            bound = bindings[name] = self.resolve_siblings(source, raw, task.params[name].path)
            decl = declared.get(name)
            if decl is not None and decl.literals is not None:
                self.check_literal(decl, bound, parent, task, target)
        item = task.iterator.item_input if task.iterator else None
        for name, decl in declared.items():
            if name in bindings or name == item:
                continue
            if decl.default is not MISSING and decl.default is not None:
                ptype = param_type(decl.type)
                bindings[name] = plan_model.Constant(normalize(decl.default, ptype))
                types[name] = ptype
                self.notices.vertex_default(decl.default, task.path + ("inputs",))
        return tuple(plan_model.ParamBinding(n, types[n], bindings[n]) for n in sorted(bindings))

    def check_literal(self, spec: ParamDef, source: plan_model.ParamSource, parent: Component, task: Task,
                      target: Component) -> None:
        """dsl.Literal inputs: constants are checked here; pipeline parameters with the same list are
        checked when the run is submitted (-p, Argo's enum, Tekton's check task); anything else
        KFP's driver would check at run time, which kfpc cannot (a warning)."""
        from kfpc.plan.arguments import allowed

        ptype = param_type(spec.type)
        literals = [normalize(v, ptype) for v in spec.literals or ()]
        if isinstance(source, plan_model.Constant):
            if not any(allowed(source.value, v) for v in literals):
                self.out.add("KFPC313", f"{text_form(source.value)!r} is not one of the values input {spec.name!r} of "
                             f"{target.key!r} allows ({', '.join(repr(text_form(v)) for v in literals)})",
                             task.params[spec.name].path)
            return
        outer = parent.interface.in_params.get(source.name) if isinstance(source, plan_model.FromInput) else None
        if isinstance(source, plan_model.FromInput) and outer is not None and not source.selector \
                and outer.literals is not None and all(
                any(allowed(normalize(v, ptype), w) for w in literals) for v in outer.literals):
            return
        self.notices.warn("values of inputs limited to dsl.Literal that are computed at run time are not checked "
                  "against the list", f"{task.key}.{spec.name}")

    def source_type(self, spec: ParamInput, parent: Component, dag: Dag) -> plan_model.ParamType:
        if spec.kind == "component_input" and spec.name in parent.interface.in_params and not spec.selector:
            return param_type(parent.interface.in_params[spec.name].type)
        if spec.kind == "task_output" and not spec.selector:
            producer = self.components[dag.tasks[spec.producer].component]
            out = producer.interface.out_params.get(spec.key)
            if out is not None:
                return param_type(out.type)
        if spec.kind == "final_status":
            return plan_model.ParamType.TASK_FINAL_STATUS
        if spec.kind == "constant":
            value = spec.value
            return {bool: plan_model.ParamType.BOOLEAN, int: plan_model.ParamType.INTEGER, float: plan_model.ParamType.DOUBLE,
                    list: plan_model.ParamType.LIST, dict: plan_model.ParamType.STRUCT}.get(type(value), plan_model.ParamType.STRING)
        return plan_model.ParamType.STRING

    def param_source(self, spec: ParamInput, parent: Component, dag: Dag, ptype: plan_model.ParamType) -> plan_model.ParamSource:
        selector = self.selector(spec)
        if spec.kind == "component_input":
            return plan_model.FromInput(spec.name, selector)
        if spec.kind == "task_output":
            return self.from_task(dag, spec.producer, spec.key, selector)
        if spec.kind == "runtime_parameter":
            self.out.add("KFPC316", f"runtimeValue.runtimeParameter ({spec.name!r}) cannot supply a task's value; "
                         "KFP's driver fails such inputs at run time", spec.path)
            return plan_model.Constant("")
        if spec.kind == "final_status":
            producer = dag.tasks[spec.producer]
            return plan_model.FinalStatus(spec.producer, producer.display_name)
        if ptype is plan_model.ParamType.BOOLEAN and legacy_boolean(spec.value):
            self.notices.legacy_boolean(format_path(spec.path))
        value = normalize(spec.value, ptype)
        problem = type_problem(value, ptype)
        if problem and not (isinstance(value, str) and "{{$" in value):
            self.out.add("KFPC313", problem, spec.path)
        if isinstance(value, str) and "{{$" in value:
            return self.interpolation(value, spec.path)
        return plan_model.Constant(value)

    def selector(self, spec: ParamInput) -> tuple[str | int, ...]:
        if not spec.selector:
            return ()
        match = _SELECTOR.match(spec.selector.strip())
        if not match:
            self.out.add("KFPC312", f"unsupported parameterExpressionSelector {spec.selector!r}; expected "
                         "parseJson(string_value)[\"key\"]...", spec.path + ("parameterExpressionSelector",))
            return ()
        parts: list[str | int] = []
        for dq, sq, idx in _SELECTOR_PART.findall(match.group(1)):
            parts.append(int(idx) if idx else (dq or sq))
        return tuple(parts)

    def interpolation(self, text: str, path: Path = ()) -> plan_model.ParamSource:
        try:
            parsed = placeholders.parse_string(text)
        except placeholders.VertexOnlyError as exc:
            self.notices.vertex_only(exc.feature, path)
            return plan_model.Constant(text)
        except placeholders.PlaceholderError:
            return plan_model.Constant(text)  # unknown `{{$...}}` text in a constant is the user's literal text
        parts = parsed.parts if isinstance(parsed, plan_model.Concat) else (parsed,)
        out: list[Any] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, plan_model.Runtime):
                out.append(part)
            elif isinstance(part, plan_model.InputValue):
                out.append(_SiblingRef(part.name))
            else:
                return plan_model.Constant(text)
        return plan_model.Interpolation(tuple(out))

    def resolve_siblings(self, source: plan_model.ParamSource, raw: dict[str, plan_model.ParamSource], path: Path) -> plan_model.ParamSource:
        if not isinstance(source, plan_model.Interpolation):
            return source
        parts: list[Any] = []
        for part in source.parts:
            if isinstance(part, _SiblingRef):
                sibling = raw.get(part.name)
                if sibling is None:
                    self.out.add("KFPC305", f"the value refers to input {part.name!r}, which this task does not have",
                                 path)
                    parts.append("")
                elif isinstance(sibling, plan_model.Constant):
                    parts.append(text_form(sibling.value))
                elif isinstance(sibling, plan_model.Interpolation):
                    parts.extend(sibling.parts)
                elif isinstance(sibling, (plan_model.FromInput, plan_model.FromTask, plan_model.Runtime)):
                    parts.append(sibling)
                else:
                    self.out.add("KFPC305", f"input {part.name!r} cannot be embedded in text", path)
            else:
                parts.append(part)
        merged = joined_text(parts)
        if not merged:
            return plan_model.Constant("")
        if len(merged) == 1:
            return plan_model.Constant(merged[0]) if isinstance(merged[0], str) else merged[0]
        return plan_model.Interpolation(tuple(merged))

    def artifact_bindings(self, task: Task, target: Component, dag: Dag) -> tuple[plan_model.ArtifactBinding, ...]:
        declared = target.interface.in_artifacts
        out = []
        for name, spec in sorted(task.artifacts.items()):
            decl = declared.get(name)
            if spec.kind == "component_input":
                source: plan_model.ArtifactSource = plan_model.FromInputArtifact(spec.name)
                atype = plan_model.ArtifactType(decl.schema_title, decl.schema_version) if decl else plan_model.ArtifactType("system.Artifact")
            else:
                producer = dag.tasks[spec.producer]
                source = plan_model.FromTaskArtifact(spec.producer, spec.key, producer.iterator is not None)
                produced = self.components[producer.component].interface.out_artifacts.get(spec.key)
                ref = produced or decl
                atype = plan_model.ArtifactType(ref.schema_title, ref.schema_version) if ref else plan_model.ArtifactType("system.Artifact")
            out.append(plan_model.ArtifactBinding(name, atype, bool(decl and decl.is_list), source))
        return tuple(out)

    def loop(self, task: Task, params: tuple[plan_model.ParamBinding, ...],
             artifacts: tuple[plan_model.ArtifactBinding, ...]) -> plan_model.Loop | None:
        it = task.iterator
        if it is None:
            return None
        parallelism = task.parallelism or None
        if it.raw is not None:
            return plan_model.Loop(it.item_input, items=tuple(json.loads(it.raw)), parallelism=parallelism)
        if it.kind == "artifact":
            binding = next(a for a in artifacts if a.name == it.input_name)
            return plan_model.Loop(it.item_input, source=binding.source, parallelism=parallelism, over_artifacts=True)
        pbinding = next(b for b in params if b.name == it.input_name)
        return plan_model.Loop(it.item_input, source=pbinding.source, parallelism=parallelism)

    def condition(self, task: Task, params: tuple[plan_model.ParamBinding, ...]) -> plan_model.Expr:
        by_name = {b.name: b for b in params}

        def operand(name: str, cast: str | None) -> plan_model.Operand:
            binding = by_name[name]
            return plan_model.Operand(name, binding.type, binding.source, cast)

        try:
            return conditions.parse(task.condition or "", operand)
        except conditions.ConditionSyntaxError as exc:  # the checks refuse these first; never an internal error
            self.out.add("KFPC309", f"cannot use condition {task.condition!r}: {exc}",
                         task.path + ("triggerPolicy", "condition"))
            return plan_model.Literal(True)


_ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
# Outside what an image reference (registry/path:tag@algorithm:digest) is made of.
_NOT_IN_IMAGE = re.compile(r"[^A-Za-z0-9._/:@+-]")


class _SiblingRef:
    """A `{{$.inputs.parameters['x']}}` inside a constant: resolved once all inputs are known."""

    def __init__(self, name: str):
        self.name = name


def _uses_workspace(params: tuple[plan_model.ParamBinding, ...]) -> bool:
    """KFP mounts its workspace in a pod whose inputs name it (driver.go needsWorkspaceMount @2.17.0)."""
    for b in params:
        parts = b.source.parts if isinstance(b.source, plan_model.Interpolation) else (b.source,)
        for part in parts:
            value = part.value if isinstance(part, plan_model.Constant) else part
            if isinstance(value, plan_model.Runtime) and value.kind is plan_model.RuntimeKind.WORKSPACE_PATH:
                return True
            if isinstance(value, str) and ("{{$.workspace_path}}" in value or "/kfp-workspace" in value):
                return True
    return False


def _interface_json(iface: Interface) -> dict[str, Any]:
    return {
        "in_params": {n: [d.type, None if d.default is MISSING else d.default, d.optional]
                      for n, d in sorted(iface.in_params.items())},
        "in_artifacts": {n: [a.schema_title, a.is_list] for n, a in sorted(iface.in_artifacts.items())},
        "out_params": {n: d.type for n, d in sorted(iface.out_params.items())},
        "out_artifacts": {n: [a.schema_title, a.is_list] for n, a in sorted(iface.out_artifacts.items())},
    }


