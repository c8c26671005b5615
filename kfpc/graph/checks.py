"""Consistency checks over the whole IR, run before lowering; every problem is collected.

The schema only proves the file has the right shape. These checks prove it means something: every
reference points at something that exists, nothing depends on itself, required inputs are
supplied, loops iterate over real inputs and conditions parse. Lowering may then assume all of it.
"""

from __future__ import annotations

import json
import re
import unicodedata

from kfpc.errors import MAX_REPORTED, Collector, did_you_mean
from kfpc.graph import build
from kfpc.ir.model import ArtifactInput, Component, Dag, Interface, MISSING, ParamInput, Path, Pipeline, Task
from kfpc.plan import conditions
from kfpc.plan.model import Operand, ParamType


def check(pipeline: Pipeline, file: str | None = None) -> None:
    out = Collector(file)
    if not pipeline.name.strip():
        out.add("KFPC311", "pipelineInfo.name is missing or empty; the kfp SDK always sets it",
                ("pipelineInfo", "name"))
    if pipeline.root.dag is None:
        out.add("KFPC314", "the root component must be a DAG", ("root",))
    components = dict(pipeline.components)
    components["root"] = pipeline.root
    custom_jobs: list[tuple] = []
    for cycle in build.component_cycles(build.component_graph(pipeline)):
        out.add("KFPC308", "components instantiate each other in a cycle: " + " -> ".join(cycle),
                components[cycle[0]].path)
    for key, comp in sorted(components.items()):
        _check_names(comp, out)
        if comp.dag is not None:
            _check_dag(comp, components, out)
        elif comp.executor is not None:
            executor = pipeline.executors.get(comp.executor)
            if executor is None:
                out.add("KFPC302", f"component {key!r} uses executor {comp.executor!r}, which deploymentSpec "
                        "does not define", comp.path + ("executorLabel",))
            elif executor.other == "customJob":
                custom_jobs.append(executor.path)
            elif executor.other:
                out.add("KFPC314", f"executor {comp.executor!r} is a {executor.other} executor; only container "
                        "and importer executors can run without the KFP backend", executor.path)
        else:
            out.add("KFPC314", f"component {key!r} has neither a dag nor an executorLabel", comp.path)
    if custom_jobs:
        more = f" ({len(custom_jobs)} components use one; the first is here)" if len(custom_jobs) > 1 else ""
        out.add("KFPC317", f"a customJob executor (Vertex AI CustomJob) runs on Vertex AI only{more}", custom_jobs[0])
    out.raise_if_any()


def _check_dag(comp: Component, components: dict[str, Component], out: Collector) -> None:
    dag = comp.dag
    assert dag is not None
    if not dag.tasks:
        out.add("KFPC314", f"component {comp.key!r} is a DAG with no tasks; Argo and Tekton refuse an empty DAG",
                comp.path + ("dag",))
    for key, task in sorted(dag.tasks.items()):
        _check_task(key, task, comp, components, out)
    graph = build.task_graph(dag)
    if not build.is_acyclic(graph):
        for cycle in build.component_cycles(graph):
            out.add("KFPC307", "tasks depend on each other in a cycle: " + " -> ".join(cycle),
                    dag.tasks[cycle[0]].path)
    _check_dag_outputs(comp, components, out)


def _check_task(key: str, task: Task, comp: Component, components: dict[str, Component],
                out: Collector) -> None:
    dag = comp.dag
    assert dag is not None
    target = components.get(task.component)
    if target is None:
        out.add("KFPC301", f"task {key!r} refers to component {task.component!r}, which is not defined"
                + _near(task.component, components, out), task.path + ("componentRef", "name"))
    for dep in task.dependent_tasks:
        if dep not in dag.tasks:
            out.add("KFPC303", f"task {key!r} depends on unknown task {dep!r}" + _near(dep, dag.tasks, out),
                    task.path + ("dependentTasks",))
    for name, param in sorted(task.params.items()):
        _check_name(name, "parameter", param.path, out)
        _check_param_input(name, param, comp.interface, dag, components, out)
    for name, artifact in sorted(task.artifacts.items()):
        _check_name(name, "artifact", artifact.path, out)
        _check_artifact_input(name, artifact, comp.interface, dag, components, out)
    if target is not None and task.iterator is not None and target.dag is not None:
        for name, art in sorted(target.interface.out_artifacts.items()):
            if not art.is_list:  # a loop collects one artifact per iteration
                out.add("KFPC313", f"loop {key!r} outputs artifact {name!r}, one per iteration, so component "
                        f"{target.key!r} must declare it with isArtifactList: true",
                        target.path + ("outputDefinitions", "artifacts", name))
    if target is not None:
        _check_required(task, target, out)
        _check_iterator(task, target, out)
    if task.condition:
        _check_condition(task, target, comp, components, out)


def _check_dag_outputs(comp: Component, components: dict[str, Component], out: Collector) -> None:
    dag = comp.dag
    assert dag is not None
    iface = comp.interface
    for kind, declared, outputs in (("parameters", iface.out_params, dag.out_params),
                                    ("artifacts", iface.out_artifacts, dag.out_artifacts)):
        for name in sorted(set(declared) - set(outputs)):
            out.add("KFPC304", f"DAG output {name!r} is declared but dag.outputs does not say which task produces it",
                    comp.path + ("outputDefinitions", kind, name))
    for kind, outputs in (("parameter", dag.out_params), ("artifact", dag.out_artifacts)):
        for name, output in sorted(outputs.items()):
            _check_name(name, kind, output.path, out)
            if not output.selectors:
                out.add("KFPC304", f"DAG output {name!r} has no producer", output.path)
            for sel in output.selectors:
                producer = dag.tasks.get(sel.producer)
                if producer is None:
                    out.add("KFPC303", f"DAG output {name!r} comes from unknown task {sel.producer!r}", output.path)
                    continue
                pcomp = components.get(producer.component)
                keys = (pcomp.interface.out_params if kind == "parameter" else pcomp.interface.out_artifacts) \
                    if pcomp else {}
                decl_art = iface.out_artifacts.get(name) if kind == "artifact" else None
                if producer.iterator is not None and decl_art is not None and not decl_art.is_list:
                    out.add("KFPC313", f"DAG output {name!r} collects artifacts from loop {sel.producer!r}, so it must "
                            "be declared with isArtifactList: true",
                            comp.path + ("outputDefinitions", "artifacts", name))
                if pcomp is not None and sel.key not in keys:
                    out.add("KFPC304", f"DAG output {name!r} reads {kind} {sel.key!r}, which task "
                            f"{sel.producer!r} does not produce" + _near(sel.key, keys, out), output.path)


#: What both engines accept as a parameter or artifact name (Argo's CRD: `^[-a-zA-Z0-9_]+$`); the kfp SDK
#: writes Python identifiers and `pipelinechannel--task-output`, all inside it.
_NAME = re.compile(r"[A-Za-z0-9_][-A-Za-z0-9_]*")
#: kfpc's own parameters, artifacts and outputs start with this (kfpc-items, kfpc-meta-x, kfpc-x-...).
RESERVED_PREFIX = "kfpc-"


def _check_names(comp: Component, out: Collector) -> None:
    """Input and output names become engine parameter, result and artifact names verbatim."""
    iface = comp.interface
    for section, kind, names in (("inputDefinitions", "parameters", iface.in_params),
                                 ("inputDefinitions", "artifacts", iface.in_artifacts),
                                 ("outputDefinitions", "parameters", iface.out_params),
                                 ("outputDefinitions", "artifacts", iface.out_artifacts)):
        for name in names:
            _check_name(name, kind[:-1], comp.path + (section, kind, name), out)


def _check_name(name: str, kind: str, where: Path, out: Collector) -> None:
    if not _NAME.fullmatch(name):
        ascii_name = re.sub(r"[^A-Za-z0-9_-]", "_", unicodedata.normalize("NFKD", name).encode("ascii", "ignore")
                            .decode("ascii")) or "name"
        out.add("KFPC200", f"{kind} name {name!r} cannot become an engine name: use ASCII letters, digits, '-' and "
                f"'_' (Argo's CRD and Tekton's validation refuse anything else), e.g. {ascii_name!r}", where)
    elif name.lower().startswith(RESERVED_PREFIX):
        out.add("KFPC200", f"{kind} name {name!r} starts with {RESERVED_PREFIX!r}, which kfpc reserves for the "
                "names it adds", where)


def _check_param_input(name: str, p: ParamInput, iface: Interface, dag: Dag,
                       components: dict[str, Component], out: Collector) -> None:
    if p.kind == "component_input":
        if p.name not in iface.in_params:
            out.add("KFPC305", f"input {name!r} reads parameter {p.name!r}, which the enclosing component does not "
                    "declare" + _near(p.name, iface.in_params, out), p.path)
    elif p.kind == "runtime_parameter":
        out.add("KFPC316", f"input {name!r} is a runtimeValue.runtimeParameter ({p.name!r}); KFP's driver fails "
                "such inputs at run time, so kfpc refuses them", p.path + ("runtimeValue", "runtimeParameter"))
    elif p.kind in ("task_output", "final_status"):
        producer = dag.tasks.get(p.producer)
        if producer is None:
            out.add("KFPC303", f"input {name!r} reads from unknown task {p.producer!r}"
                    + _near(p.producer, dag.tasks, out),
                    p.path)
        elif p.kind == "task_output":
            pcomp = components.get(producer.component)
            if pcomp is not None and p.key not in pcomp.interface.out_params:
                out.add("KFPC304", f"input {name!r} reads output {p.key!r}, which task {p.producer!r} does not "
                        "produce" + _near(p.key, pcomp.interface.out_params, out), p.path)


def _check_artifact_input(name: str, a: ArtifactInput, iface: Interface, dag: Dag,
                          components: dict[str, Component], out: Collector) -> None:
    if a.kind == "component_input":
        if a.name not in iface.in_artifacts:
            out.add("KFPC305", f"artifact {name!r} reads {a.name!r}, which the enclosing component does not "
                    "declare" + _near(a.name, iface.in_artifacts, out), a.path)
        return
    producer = dag.tasks.get(a.producer)
    if producer is None:
        out.add("KFPC303", f"artifact {name!r} comes from unknown task {a.producer!r}"
                + _near(a.producer, dag.tasks, out),
                a.path)
        return
    pcomp = components.get(producer.component)
    if pcomp is not None and a.key not in pcomp.interface.out_artifacts:
        out.add("KFPC304", f"artifact {name!r} reads output {a.key!r}, which task {a.producer!r} does not produce"
                + _near(a.key, pcomp.interface.out_artifacts, out), a.path)


def _check_required(task: Task, target: Component, out: Collector) -> None:
    item = task.iterator.item_input if task.iterator else None
    for name, spec in sorted(target.interface.in_params.items()):
        if name == item or name in task.params:
            continue
        if spec.default is MISSING and not spec.optional:
            out.add("KFPC306", f"task {task.key!r} does not supply required input {name!r} of component "
                    f"{target.key!r}", task.path + ("inputs",))
    for name, art in sorted(target.interface.in_artifacts.items()):
        if name == item or name in task.artifacts or art.optional:
            continue
        out.add("KFPC306", f"task {task.key!r} does not supply required artifact {name!r} of component "
                f"{target.key!r}", task.path + ("inputs",))


def _check_iterator(task: Task, target: Component, out: Collector) -> None:
    it = task.iterator
    if it is None:
        return
    declared = target.interface.in_params if it.kind == "parameter" else target.interface.in_artifacts
    if it.item_input not in declared:
        out.add("KFPC310", f"loop item input {it.item_input!r} is not an input of component {target.key!r}",
                it.path + ("itemInput",))
    if it.raw is not None:
        try:
            items = json.loads(it.raw)
        except (TypeError, json.JSONDecodeError) as exc:
            out.add("KFPC310", f"loop items are not valid JSON: {exc}", it.path + ("items", "raw"))
        else:
            if not isinstance(items, list):
                out.add("KFPC310", "loop items must be a JSON list", it.path + ("items", "raw"))
    elif it.input_name is not None:
        pool = task.params if it.kind == "parameter" else task.artifacts
        if it.input_name not in pool:
            out.add("KFPC310", f"loop iterates over {it.input_name!r}, which is not an input of task {task.key!r}",
                    it.path + ("items",))
    else:
        out.add("KFPC310", "loop has no items", it.path)


def _check_condition(task: Task, target: Component | None, parent: Component,
                     components: dict[str, Component], out: Collector) -> None:
    missing: list[str] = []

    def operand(name: str, cast: str | None) -> Operand:
        if name not in task.params:
            missing.append(name)
        ptype = _input_type(task, name, target, parent, components)
        return Operand(name, ptype, None, cast)  # type: ignore[arg-type]

    try:
        conditions.parse(task.condition or "", operand)
    except conditions.ConditionSyntaxError as exc:
        out.add("KFPC309", f"cannot parse condition {task.condition!r}: {exc}", task.path + ("triggerPolicy",
                                                                                              "condition"))
        return
    for name in missing:
        out.add("KFPC305", f"condition refers to {name!r}, which is not an input of task {task.key!r}",
                task.path + ("triggerPolicy", "condition"))


def _input_type(task: Task, name: str, target: Component | None, parent: Component,
                components: dict[str, Component]) -> ParamType:
    """The type lowering will give a task input, so a condition that lowering would refuse (a bare
    NUMBER, LIST or STRUCT operand) is refused here, with the other problems, instead."""
    def of(text: str) -> ParamType:
        try:
            return ParamType(text)
        except ValueError:
            return ParamType.STRING

    if target is not None and name in target.interface.in_params:
        return of(target.interface.in_params[name].type)
    spec = task.params.get(name)
    if spec is None or spec.selector:
        return ParamType.STRING
    if spec.kind == "component_input" and spec.name in parent.interface.in_params:
        return of(parent.interface.in_params[spec.name].type)
    if spec.kind == "task_output" and parent.dag is not None and spec.producer in parent.dag.tasks:
        producer = components.get(parent.dag.tasks[spec.producer].component)
        if producer is not None and spec.key in producer.interface.out_params:
            return of(producer.interface.out_params[spec.key].type)
    if spec.kind == "final_status":
        return ParamType.TASK_FINAL_STATUS
    if spec.kind == "constant":
        return {bool: ParamType.BOOLEAN, int: ParamType.INTEGER, float: ParamType.DOUBLE, list: ParamType.LIST,
                dict: ParamType.STRUCT}.get(type(spec.value), ParamType.STRING)
    return ParamType.STRING


def _near(word: str, options, out: Collector) -> str:
    if len(out.items) >= MAX_REPORTED:  # not shown anyway; with thousands of tasks each hint is a scan
        return ""
    hint = did_you_mean(word, options, cutoff=0.75)
    return f" ({hint})" if hint else ""
