"""Rewrite before rendering: no DAG may hold more than 200 tasks (Argo 4's full CRD:
pkg/apis/workflow/v1alpha1/workflow_types.go:3595 @v4.1.2). Only for Argo 4: Argo 3's CRD has no
caps, and there the DAG stays whole.

A larger DAG is cut into parts (`Part`) of at most LIMIT tasks. Groups of tasks that share no
dependency stay whole and are packed together where they fit; the original DAG then calls each
part, with no order between them. A group larger than a part is cut by depth: its earliest tasks
become a part, and what is left falls apart into groups again, each run from inside that part by a
call (`kfpc-part-<n>`) that waits for exactly the tasks of the enclosing part that the called part
(and the parts inside it) read from, until they complete in any phase. The call hands on their values and their node phases (`kfpc-s-<task>`,
read from `tasks.<name>.status`, workflow/controller/operator.go:3654-3656 @v4.1.2). Inside the
part, a task whose upstream lives outside waits on a gate instead: a task of the pod-less
`kfpc-gate` DAG template whose `when` holds exactly when the upstream's phase is one the unsplit
`depends` term accepts. A gate that does not hold is Skipped, so the task is Omitted, as in the
unsplit DAG (dag.go:585-600 @v4.1.2); a task that runs after failures needs no gate.

Why the phases travel this way: a DAG that failed resolves no outputs (dag.go:373-380 @v4.1.2), so
a failed part could not hand them on; a call inside the enclosing DAG reads its siblings' phases
whatever happened to them. Every upstream a call waits on is also a `target` of its DAG, so a
failure is never hidden behind a call that succeeded (dag.go:217-245 @v4.1.2): each part fails
exactly when one of its tasks or the part it calls failed, which is when the unsplit DAG fails
(any failed task fails a DAG: its dependants are Omitted and inherit the failed branch, dag.go:
162-210 @v4.1.2; tasks that run after failures list it as a target). Parts keep the failFast of the
DAG they came from. A DAG's failFast only decides its phase (dag.go:217-245 @v4.1.2): it stays
Running, and keeps starting the tasks whose `depends` hold, while anything in it runs, so after a
failure a part starts what the unsplit DAG would. (The stop on new children in operator.go:3342-3352
@v4.1.2 reads the template's own failFast, Template.IsFailFast, workflow_types.go:931, which kfpc
never sets.)
Importer tasks, which Argo never runs, are copied into every part that reads them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Iterator

from kfpc.errors import UnsupportedError
from kfpc.plan.model import (
    And, Artifact, ArtifactBinding, ArtifactType, Compare, Component, DagComponent, DagOutputArtifact,
    DagOutputParam, Expr, FinalStatus, FromInput, FromInputArtifact, FromTask, FromTaskArtifact, ImporterComponent,
    Interface, Interpolation, Literal, Not, Operand, Or, Param, ParamBinding, ParamSource, ParamType, Plan, Task,
)
from kfpc.plan.values import text_form

LIMIT = 200
STATUS = "kfpc-s-"  # a part's input: the node phase of an upstream task outside it
GATE = "kfpc-gate"
MAX_CHAIN = 40  # parts run one inside the other; Argo stops at 100 nested templates (controller.go:76 @v4.1.2)
_ACCEPTS = {"ok": ("Succeeded",), "ran": ("Succeeded", "Skipped")}  # what an unsplit `depends` term accepts

Key = tuple[str, Any, bool, str]  # (producer task, output or None for its final status, is artifact, fallback)


class TooDeep(UnsupportedError):
    """A connected group too large to nest in one Workflow; child Workflows (children.py) may still
    run it, each cut on its own."""


@dataclass(frozen=True, eq=False, repr=False)
class Part(DagComponent):
    """A DAG cut out of a larger one, or the one that calls its parts. `keep_going`: the DAG it came
    from runs on after failures (`failFast: false`, for its tasks that run after failures), and so
    must every part of it. A part of the pipeline's root DAG reads the pipeline parameters where the
    root does, in `workflow.parameters` (global in every template, operator.go:2256 @v4.1.2), so no
    part takes them as inputs or hands them on (`workflow_inputs`: those it reads)."""

    keep_going: bool = False
    workflow_inputs: frozenset[str] = frozenset()  # pipeline parameters it reads from workflow.parameters
    hands_on: bool = False  # its outputs hand values out to the part or DAG around it (not the DAG's own)


def split_large_dags(plan: Plan, limit: int = LIMIT) -> Plan:
    components = dict(plan.components)
    changed = True
    while changed:
        changed = False
        for name, comp in sorted(components.items()):
            if isinstance(comp, DagComponent) and _real_tasks(comp, components) > limit:
                splitter = _Splitter(comp, components, limit, name == plan.root)
                parts, caller = splitter.parts(), splitter.caller()
                components.update({c.name: c for c in parts})
                components[name] = caller
                if splitter.uses_gates:
                    components[GATE] = gate_component()
                _check_progress(comp, [*parts, caller], components, limit)
                changed = True
                break
    return replace(plan, components=components) if components != dict(plan.components) else plan


def _check_progress(comp: DagComponent, made: list[DagComponent], components: dict[str, Component],
                    limit: int) -> None:
    """Splitting again a part no smaller than the DAG it came from would never end. That happens
    where one task waits for more tasks than a part holds: the part it lands in needs a gate task
    for each of them that another part holds."""
    before = _real_tasks(comp, components)
    if all(_real_tasks(part, components) < before for part in made):
        return
    widest = max(comp.tasks, key=lambda t: len(t.depends))
    raise TooDeep(
        f"task {widest.key!r} waits for {len(widest.depends)} tasks; to fit Argo 4's DAGs of at most {limit} tasks "
        "kfpc cuts a DAG into parts, and the part holding that task, with a gate task for each of them that "
        f"another part holds, would still be over {limit}",
        hint="have fewer tasks feed one task (for example, collect their outputs with a loop and dsl.Collected), "
             "or compile for Argo 3 (-O argo-version=3.7), whose DAGs have no such cap")


def gate_component() -> DagComponent:
    """A DAG whose only task never runs (`when` false, so Skipped without a pod): the DAG succeeds at
    once (dag.go:217-245 @v4.1.2). Its task calls the gate itself, so no other template is needed."""
    never = Task("never", "never", "never", GATE, (), (), (), condition=Literal(False))
    return DagComponent(GATE, GATE, Interface(), (never,), (), ())


def is_virtual(task: Task, components: dict[str, Component]) -> bool:
    """Importers run no pod, except those downloading into KFP's workspace (imports.py)."""
    component = components[task.component]
    return isinstance(component, ImporterComponent) and not component.download_to_workspace


def _real_tasks(comp: DagComponent, components: dict[str, Component]) -> int:
    return sum(1 for t in comp.tasks if not is_virtual(t, components))


def export_name(task: str, output: str | None, fallback: str = "") -> str:
    task = _name_part(task)
    if output is None:
        return f"kfpc-f-{task}"  # its final status (PipelineTaskFinalStatus)
    if not fallback:
        return f"kfpc-x-{task}-{_name_part(output)}"
    return f"kfpc-x-{task}-{_name_part(output)}-or-{_digest(fallback)}"


def status_param(task: str) -> str:
    """The part input that carries the node phase of `task`, an upstream outside the part."""
    return STATUS + _name_part(task)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _name_part(text: str) -> str:
    """Text an Argo parameter name may hold (`^[-a-zA-Z0-9_]+$`: workflow/validate/validate.go:1691
    @v4.1.2): the IR's task keys and output names may hold more (`étape.1`); a digest of the
    original keeps two such names apart."""
    cleaned = re.sub(r"[^-a-zA-Z0-9_]", "-", text)
    return cleaned if cleaned == text else f"{cleaned}-{_digest(text)}"


def _key_name(key: Key) -> str:
    return export_name(key[0], key[1], key[3])


def _fresh_names(prefix: str, count: int, taken: dict[str, Component]) -> list[str]:
    """Component names for the parts that no component of the pipeline has: a sub-pipeline the
    user called `<dag>-part-1` must never be replaced by a part (which could then call itself)."""
    infix = ""
    while any(f"{prefix}{infix}{i + 1}" in taken for i in range(count)):
        infix += "x-"
    return [f"{prefix}{infix}{i + 1}" for i in range(count)]


class _Splitter:
    """One DAG cut into parts: which part holds which task, what each part reads from outside."""

    def __init__(self, comp: DagComponent, components: dict[str, Component], limit: int, is_root: bool):
        self.comp, self.components = comp, components
        self.globals = frozenset(q.name for q in comp.interface.in_params) if is_root else frozenset()
        self.virtual = {t.key: t for t in comp.tasks if is_virtual(t, components)}
        self.keep_going = any(t.run_after_failure for t in comp.tasks)
        self.known_needs: dict[str, list[tuple[str, str | None]]] = {}
        real = [t for t in comp.tasks if t.key not in self.virtual]
        self.chunks, self.parent = _chunks(comp, real, limit, self.needs)
        self.part_of = {t.key: i for i, chunk in enumerate(self.chunks) for t in chunk}
        self.names = _fresh_names(f"{comp.name}-part-", len(self.chunks), components)
        count = len(self.chunks)
        self.values: list[dict[Key, tuple]] = [{} for _ in range(count)]
        self.statuses: list[set[str]] = [set() for _ in range(count)]
        self.inputs: list[set[str]] = [set() for _ in range(count)]
        self.exports: list[dict[Key, tuple]] = [{} for _ in range(count)]
        for i in range(count):
            self.gather(i)
        self.forward()
        self.uses_gates = any(self.gate_needs(i) for i in range(count))

    # -- what crosses ------------------------------------------------------------------------

    def real_depends(self, task: Task) -> list[str]:
        """Dependencies with importer tasks (which Argo never runs) replaced by what they wait for."""
        seen: set[str] = set()
        stack, out = list(task.depends), []
        while stack:
            key = stack.pop(0)
            if key not in seen:
                seen.add(key)
                if key in self.virtual:
                    stack.extend(self.virtual[key].depends)
                else:
                    out.append(key)
        return sorted(out)

    def needs(self, task: Task) -> list[tuple[str, str | None]]:
        """Each real upstream and what the unsplit `depends` term asks of it (dags.py): None for a
        task that runs after failures (any completed phase), `ran` for a loop upstream (an empty loop
        is Skipped), else `ok`. Kept per task: cutting, gathering and the gates all ask."""
        known = self.known_needs.get(task.key)
        if known is None:
            if task.run_after_failure:
                known = [(d, None) for d in self.real_depends(task)]
            else:
                known = [(d, "ran" if self.comp.task(d).loop is not None else "ok") for d in self.real_depends(task)]
            self.known_needs[task.key] = known
        return known

    def fallback(self, task: Task, binding: str | None, source: Any) -> str:
        """What a task that runs after failures gets for an upstream's output when that upstream wrote
        none: its input's default (`ignore_upstream_failure`, as dags.py's scope_for)."""
        if binding is None or not task.run_after_failure or source.task not in self.real_depends(task):
            return ""
        spec = self.components[task.component].interface.in_param(binding)
        return text_form(spec.default) if spec is not None and spec.has_default else ""

    def gather(self, i: int) -> None:
        chunk = self.chunks[i]
        virtual = [v for v in self.virtual.values() if any(reads_from(t, v.key) for t in chunk)]
        self.inputs[i] = inputs_read(tuple(virtual + chunk))
        for task in chunk:
            for binding, source, kind in outputs_read(task, self.virtual):
                owner = self.part_of.get(source.task)
                if owner is None or owner == i:
                    continue
                output = None if isinstance(source, FinalStatus) else source.output
                key = (source.task, output, kind == "artifact", self.fallback(task, binding, source))
                self.values[i][key] = self.type_of(source, kind)
            self.statuses[i].update(d for d, need in self.needs(task) if need and self.part_of[d] != i)
        for out in self.comp.out_params:
            for s in out.sources:
                self.export(self.part_of[s.task], (s.task, s.output, False, ""), (out.type, None))
        for art in self.comp.out_artifacts:
            for src in art.sources:
                self.export(self.part_of[src.task], (src.task, src.output, True, ""), (art.type, art.is_list))

    def export(self, i: int, key: Key, info: tuple) -> None:
        """A value the DAG's outputs read leaves its part and every part around it."""
        while True:
            self.exports[i][key] = info
            parent = self.parent[i]
            if parent is None:
                return
            i = parent

    def forward(self) -> None:
        """A part called from inside another reads what lies further out through it: the enclosing
        part takes those values, phases and inputs too."""
        for i in reversed(range(len(self.chunks))):
            parent = self.parent[i]
            if parent is None:
                continue
            self.inputs[parent] |= self.inputs[i]
            for key, info in self.values[i].items():
                if self.part_of[key[0]] != parent:
                    self.values[parent][key] = info
            self.statuses[parent] |= {t for t in self.statuses[i] if self.part_of[t] != parent}

    def type_of(self, source: Any, kind: str) -> tuple:
        """(type, is a list) of an output; of a final status, (its type, the task's display name),
        which the status's message names where the part that reads it rebuilds it (call)."""
        if isinstance(source, FinalStatus):
            return (ParamType.TASK_FINAL_STATUS, source.task_display_name)
        return output_type(self.comp, self.components, source, kind)

    def gate_needs(self, i: int) -> list[tuple[str, str]]:
        found = {(d, need) for t in self.chunks[i] for d, need in self.needs(t)
                 if need and self.part_of[d] != i}
        return sorted(found)  # type: ignore[arg-type]

    # -- the parts ---------------------------------------------------------------------------

    def children(self, i: int | None) -> list[int]:
        return [j for j, parent in enumerate(self.parent) if parent == i]

    def call_key(self, j: int) -> str:
        return f"part-{j + 1}" if self.parent[j] is None else f"kfpc-part-{j + 1}"

    def parts(self) -> list[Part]:
        return [self.part(i) for i in range(len(self.chunks))]

    def part(self, i: int) -> Part:
        chunk = self.chunks[i]
        virtual = [v for v in self.virtual.values() if any(reads_from(t, v.key) for t in chunk)]
        local = {t.key for t in chunk} | {v.key for v in virtual}
        gates = self.gates(i)
        tasks = [gates[need] for need in sorted(gates)]
        tasks += [self.localize(t, i, local, {need: g.key for need, g in gates.items()}) for t in virtual + chunk]
        tasks += [self.call(j, i) for j in self.children(i)]
        in_params, in_arts = self.declared_inputs(i)
        exports = sorted(self.exports[i].items(), key=lambda item: _key_name(item[0]))
        out_params = tuple(DagOutputParam(_key_name(k), info[0], (FromTask(*self.inner_source(i, k)),))
                           for k, info in exports if not k[2])
        out_arts = tuple(DagOutputArtifact(_key_name(k), info[0], bool(info[1]),
                                             (FromTaskArtifact(*self.inner_source(i, k)),))
                         for k, info in exports if k[2])
        iface = Interface(in_params, in_arts, tuple(Param(o.name, o.type) for o in out_params),
                            tuple(Artifact(o.name, o.type, o.is_list) for o in out_arts))
        return Part(self.names[i], self.comp.ir_key, iface, tuple(tasks), out_params, out_arts, self.keep_going,
                    self.globals & self.inputs[i], hands_on=True)

    def declared_inputs(self, i: int) -> tuple[tuple[Param, ...], tuple[Artifact, ...]]:
        """The pipeline inputs the part reads, the values and phases that cross into it. A value's
        default is what a task that runs after failures gets when its producer wrote nothing."""
        params = [q for q in self.comp.interface.in_params if q.name in self.inputs[i] - self.globals]
        arts = [a for a in self.comp.interface.in_artifacts if a.name in self.inputs[i]]
        for key, info in sorted(self.values[i].items(), key=lambda item: _key_name(item[0])):
            if key[2]:  # optional: its producer may have failed, and then nothing inside reads it
                arts.append(Artifact(_key_name(key), info[0], bool(info[1]), optional=True))
            else:
                params.append(Param(_key_name(key), info[0], key[3], has_default=True))
        params += [Param(status_param(t), ParamType.STRING) for t in sorted(self.statuses[i])]
        return tuple(params), tuple(arts)

    def inner_source(self, i: int, key: Key) -> tuple[str, str]:
        """Where part `i` finds a value it exports: its own task's output, or the part it calls."""
        owner = self.part_of[key[0]]
        if owner == i:
            return key[0], key[1]
        while self.parent[owner] != i:
            owner = self.parent[owner]  # type: ignore[assignment]
        return self.call_key(owner), _key_name(key)

    def gates(self, i: int) -> dict[tuple[str, str], Task]:
        found = {}
        for n, (upstream, need) in enumerate(self.gate_needs(i)):
            phase = Operand(status_param(upstream), ParamType.STRING, FromInput(status_param(upstream)))
            accepted = [Compare("==", phase, Literal(value)) for value in _ACCEPTS[need]]
            key = f"kfpc-gate-{n + 1}"
            found[(upstream, need)] = Task(key, key, key, GATE, (), (), (), condition=(
                accepted[0] if len(accepted) == 1 else Or(tuple(accepted))))
        return found

    def localize(self, task: Task, i: int, local: set[str], gate_of: dict[tuple[str, str], str]) -> Task:
        def name_of(source: Any, binding: str | None) -> str:
            output = None if isinstance(source, FinalStatus) else source.output
            return export_name(source.task, output, self.fallback(task, binding, source))

        gates = sorted({gate_of[(d, need)] for d, need in self.needs(task) if need and self.part_of[d] != i})
        return localized(task, local, name_of, after=tuple(gates))

    def call(self, j: int, i: int | None) -> Task:
        """The task that runs part `j` inside part `i` (None: the DAG that was split). Inside a part it
        waits for its upstreams to complete in any phase (run_after_failure) and reads their outputs
        leniently, as dags.py renders such tasks."""
        inputs = self.inputs[j] - self.globals
        params = [ParamBinding(q.name, q.type, FromInput(q.name)) for q in self.comp.interface.in_params
                  if q.name in inputs]
        arts = [ArtifactBinding(a.name, a.type, a.is_list, FromInputArtifact(a.name))
                for a in self.comp.interface.in_artifacts if a.name in inputs]
        for key, info in sorted(self.values[j].items(), key=lambda item: _key_name(item[0])):
            name, here = _key_name(key), i is not None and self.part_of[key[0]] == i
            if key[2]:
                arts.append(ArtifactBinding(name, info[0], bool(info[1]), FromTaskArtifact(key[0], key[1])
                                              if here else FromInputArtifact(name)))
            elif key[1] is None:
                params.append(ParamBinding(name, info[0], FinalStatus(key[0], info[1]) if here
                                             else FromInput(name)))
            else:
                params.append(ParamBinding(name, info[0], FromTask(key[0], key[1]) if here else FromInput(name)))
        upstream = {k[0] for k in self.values[j]} | self.statuses[j]
        depends = tuple(sorted(t for t in upstream if i is not None and self.part_of[t] == i))
        name = self.call_key(j)
        return Task(name, name, name, self.names[j], tuple(params), tuple(arts), depends,
                      run_after_failure=i is not None)

    def caller(self) -> Part:
        """The DAG that was split, now calling its outermost parts (with no order between them)."""
        tops = self.children(None)

        def top(task: str) -> int:
            owner = self.part_of[task]
            while self.parent[owner] is not None:
                owner = self.parent[owner]  # type: ignore[assignment]
            return owner

        fields = {f.name: getattr(self.comp, f.name) for f in dataclasses.fields(DagComponent)}
        return Part(**{**fields, "tasks": tuple(self.call(j, None) for j in tops),
                       "out_params": tuple(replace(o, sources=tuple(
                           FromTask(self.call_key(top(s.task)), export_name(s.task, s.output)) for s in o.sources))
                           for o in self.comp.out_params),
                       "out_artifacts": tuple(replace(o, sources=tuple(
                           FromTaskArtifact(self.call_key(top(s.task)), export_name(s.task, s.output))
                           for s in o.sources)) for o in self.comp.out_artifacts)},
                    keep_going=self.keep_going)


# -- cutting -------------------------------------------------------------------------------------

Needs = Callable[[Task], list[tuple[str, Any]]]


def dependency_groups(comp: DagComponent, real: list[Task]) -> list[list[Task]]:
    """Tasks that share a dependency, in the plan's topological order, in the order of their first task."""
    return _connected([t.key for t in comp.tasks], [(dep, t.key) for t in comp.tasks for dep in t.depends], real)


def _connected(keys: list[str], edges: list[tuple[str, str]], members: list[Task]) -> list[list[Task]]:
    """`members` grouped by the weakly connected parts of the graph (`keys`, `edges`), each group in
    the order of `members`, the groups in the order of their first member (union-find)."""
    group = {key: key for key in keys}

    def root(key: str) -> str:
        while group[key] != key:
            group[key] = group[group[key]]
            key = group[key]
        return key

    for upstream, downstream in edges:
        if upstream in group:
            group[root(upstream)] = root(downstream)
    found: dict[str, list[Task]] = {}
    for member in members:
        found.setdefault(root(member.key), []).append(member)
    return list(found.values())


def _chunks(comp: DagComponent, real: list[Task], limit: int,
            needs: Needs) -> tuple[list[list[Task]], list[int | None]]:
    """Parts of at most `limit` tasks, and which part calls each (None: the split DAG). Groups that
    share no dependency never share a part unless whole groups fit together (so independent work
    lands in parts that do not wait for each other); a larger group becomes a tree of parts (_tree)."""
    chunks: list[list[Task]] = []
    parent: list[int | None] = []
    _pack(dependency_groups(comp, real), limit, needs, None, chunks, parent)
    return chunks, parent


def _pack(groups: list[list[Task]], limit: int, needs: Needs, caller: int | None,
          chunks: list[list[Task]], parent: list[int | None]) -> None:
    packable: list[int] = []  # parts holding only whole groups
    for tasks in groups:
        if len(tasks) > limit:
            _tree(tasks, limit, needs, caller, chunks, parent)
            continue
        room = next((i for i in packable if len(chunks[i]) + len(tasks) <= limit), None)
        if room is None:
            packable.append(len(chunks))
            chunks.append([])
            parent.append(caller)
            room = packable[-1]
        chunks[room] += tasks


def _tree(tasks: list[Task], limit: int, needs: Needs, caller: int | None,
          chunks: list[list[Task]], parent: list[int | None], depth: int = 1) -> None:
    """A group too large for one part: its earliest tasks (by their depth in the DAG) become a part,
    and what is left falls apart into groups again, each run from inside that part by a call that
    waits only for the tasks of the part it reads from. Argo runs at most 100 templates inside one
    another (workflow/controller/controller.go:76 @v4.1.2)."""
    if depth > MAX_CHAIN:
        raise TooDeep(
            f"a DAG with more than {limit * MAX_CHAIN} connected tasks would need DAG parts run more than "
            f"{MAX_CHAIN} deep inside one another (Argo runs at most 100 templates inside one another)",
            hint="split the pipeline into several pipelines")
    ordered = _by_depth(tasks, needs)
    reserve = 1
    while True:
        head = _head(ordered, limit, needs, reserve)
        taken = {t.key for t in head}
        rest = _components([t for t in ordered if t.key not in taken], needs)
        calls = _packed_count(rest, limit)
        if calls <= reserve or reserve >= limit // 2:
            break
        reserve = calls
    chunks.append(head)
    parent.append(caller)
    here = len(chunks) - 1
    for group in rest:
        if len(group) > limit:
            _tree(group, limit, needs, here, chunks, parent, depth + 1)
    _pack([g for g in rest if len(g) <= limit], limit, needs, here, chunks, parent)


def _by_depth(tasks: list[Task], needs: Needs) -> list[Task]:
    """The same tasks in a topological order by depth: a part cut from its front holds the earliest work."""
    level: dict[str, int] = {}
    for task in tasks:  # already topological
        level[task.key] = 1 + max((level[d] for d, _ in needs(task) if d in level), default=0)
    position = {t.key: i for i, t in enumerate(tasks)}
    return sorted(tasks, key=lambda t: (level[t.key], position[t.key]))


def _head(tasks: list[Task], limit: int, needs: Needs, reserve: int) -> list[Task]:
    """The longest front of `tasks` that fits a part with its gates (one per upstream outside it and
    phase asked of it) and `reserve` calls of the parts inside it."""
    gates: set[tuple[str, Any]] = set()
    head: list[Task] = []
    members = {t.key for t in tasks}
    for task in tasks:
        cross = {n for n in needs(task) if n[1] and n[0] not in members}
        if head and len(head) + 1 + len(gates | cross) + reserve > limit:
            break
        gates |= cross
        head.append(task)
    return head


def _components(tasks: list[Task], needs: Needs) -> list[list[Task]]:
    """Tasks that share a dependency among themselves, each group in the given order."""
    return _connected([t.key for t in tasks], [(dep, t.key) for t in tasks for dep, _ in needs(t)], tasks)


def _packed_count(groups: list[list[Task]], limit: int) -> int:
    """How many calls the groups left over need: one per large group, small ones packed."""
    small = sorted((len(g) for g in groups if len(g) <= limit), reverse=True)
    bins: list[int] = []
    for size in small:
        room = next((i for i, used in enumerate(bins) if used + size <= limit), None)
        if room is None:
            bins.append(size)
        else:
            bins[room] += size
    return len(bins) + sum(1 for g in groups if len(g) > limit)


# -- what tasks read -------------------------------------------------------------------------------

def inputs_read(value: Any) -> set[str]:
    """Names of the DAG inputs anything in `value` (tasks, their bindings, conditions, loops,
    kfp-kubernetes settings) reads, found by walking the plan records. One loop over a stack, with
    each record class's fields read by one getter made on first sight of the class: the recursive
    walk through `dataclasses.fields` was a third of a large split's time."""
    found: set[str] = set()
    children: dict[type, Callable[[Any], Iterable[Any]] | None] = dict.fromkeys(_LEAVES)
    stack = [value]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is FromInput or kind is FromInputArtifact:
            found.add(value.name)
            continue
        try:
            getter = children[kind]
        except KeyError:
            getter = children[kind] = _children_of(kind)
        if getter is not None:
            stack.extend(getter(value))
    return found


def _children_of(kind: type) -> Callable[[Any], Iterable[Any]] | None:
    """How inputs_read reaches inside a value of this class; None for a leaf. Fields declared to
    hold only text, numbers or enums are passed over (their annotations are checked by mypy): a
    task's names, flags, caching and retry settings are half of what a walk would visit."""
    fields = getattr(kind, "__dataclass_fields__", None)
    if fields is not None:
        names = tuple(name for name, field in fields.items() if field.type not in _PLAIN_FIELDS)
        return (lambda value: [getattr(value, name) for name in names]) if names else None
    if issubclass(kind, (tuple, list, set, frozenset)):
        return lambda value: value
    if issubclass(kind, dict):
        return lambda value: value.values()
    return None


_LEAVES: frozenset[type] = frozenset({str, int, float, bool, type(None)})
_PLAIN_FIELDS = frozenset({"str", "bool", "int", "float", "str | None", "int | None", "float | None", "bool | None",
                           "tuple[str, ...]", "tuple[str | int, ...]", "tuple[tuple[str, str], ...]", "ParamType",
                           "ParamType | None", "ArtifactType", "RuntimeKind"})


def output_type(comp: DagComponent, components: dict[str, Component], source: Any, kind: str) -> tuple:
    producer = components[comp.task(source.task).component]
    if kind == "artifact":
        art = producer.interface.out_artifact(source.output)
        return (art.type if art else ArtifactType("system.Artifact"), art.is_list if art else False)
    param = producer.interface.out_param(source.output)
    if getattr(source, "collected", False):
        return (ParamType.LIST, None)
    return (param.type if param else ParamType.STRING, None)


def _param_sources(source: ParamSource) -> list[Any]:
    if isinstance(source, (FromTask, FinalStatus)):
        return [source]
    if isinstance(source, Interpolation):
        return [part for part in source.parts if isinstance(part, FromTask)]
    return []


def _expr_sources(expr: Expr | None) -> list[Any]:
    from kfpc.plan.conditions import operands

    return [s for o in (operands(expr) if expr else []) for s in _param_sources(o.source)]


def outputs_read(task: Task, virtual: dict[str, Task]) -> Iterator[tuple[str | None, Any, str]]:
    """(the task's input it feeds or None, source, "param" or "artifact") for every task output read."""
    for b in task.params:
        yield from ((b.name, s, "param") for s in _param_sources(b.source))
    for a in task.artifacts:
        if isinstance(a.source, FromTaskArtifact):
            if a.source.task in virtual:  # the importer is copied; what it reads must cross instead
                for b in virtual[a.source.task].params:
                    yield from ((None, s, "param") for s in _param_sources(b.source))
            else:
                yield None, a.source, "artifact"
    yield from ((None, s, "param") for s in _expr_sources(task.condition))
    if task.loop is not None and task.loop.source is not None:
        if isinstance(task.loop.source, (FromTask, Interpolation)):
            yield from ((None, s, "param") for s in _param_sources(task.loop.source))  # type: ignore[arg-type]
        elif isinstance(task.loop.source, FromTaskArtifact):
            yield None, task.loop.source, "artifact"
    if task.k8s is not None:  # kfp-kubernetes settings read task outputs too (a secret's name, a PVC)
        yield from ((None, s, "param") for _, source in task.k8s.sources() for s in _param_sources(source))


def reads_from(task: Task, key: str) -> bool:
    return key in task.depends or any(isinstance(a.source, FromTaskArtifact) and a.source.task == key
                                      for a in task.artifacts)


def localized(task: Task, local: set[str], name_of: Callable[[Any, str | None], str],
              after: tuple[str, ...] = ()) -> Task:
    """Re-point sources that now live in another part at this part's inputs (`name_of(source, the
    task input it feeds)` names them); the task also waits for `after`. Bindings whose source stays
    are kept as they are: a large split localizes every task, and rebuilding each record was most
    of its cost."""

    def param(source: Any, binding: str | None = None) -> Any:
        if isinstance(source, (FromTask, FinalStatus)) and source.task not in local:
            return FromInput(name_of(source, binding), getattr(source, "selector", ()))
        if isinstance(source, Interpolation):
            parts = tuple(param(x, binding) if not isinstance(x, str) else x for x in source.parts)
            return source if all(a is b for a, b in zip(parts, source.parts)) else Interpolation(parts)
        return source

    def artifact(source: Any) -> Any:
        if isinstance(source, FromTaskArtifact) and source.task not in local:
            return FromInputArtifact(name_of(source, None))
        return source

    def expr(e: Any) -> Any:
        if isinstance(e, Operand):
            source = param(e.source)
            return e if source is e.source else replace(e, source=source)
        if isinstance(e, Compare):
            left, right = expr(e.left), expr(e.right)
            return e if left is e.left and right is e.right else replace(e, left=left, right=right)
        if isinstance(e, Not):
            operand = expr(e.operand)
            return e if operand is e.operand else replace(e, operand=operand)
        if isinstance(e, (And, Or)):
            operands = tuple(expr(x) for x in e.operands)
            return e if all(a is b for a, b in zip(operands, e.operands)) else replace(e, operands=operands)
        return e

    def k8s(value: Any) -> Any:
        """The platform settings' records, with every value source re-pointed like the inputs."""
        if isinstance(value, (FromTask, Interpolation)):
            return param(value)
        if isinstance(value, tuple):
            items = tuple(k8s(x) for x in value)
            return items if any(a is not b for a, b in zip(items, value)) else value
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changed = {f.name: k8s(getattr(value, f.name)) for f in dataclasses.fields(value)}
            changed = {k: v for k, v in changed.items() if v is not getattr(value, k)}
            return replace(value, **changed) if changed else value
        return value

    def rebound(binding: Any, source: Any) -> Any:
        return binding if source is binding.source else replace(binding, source=source)

    loop = task.loop
    if loop is not None and loop.source is not None:
        source = artifact(loop.source) if loop.over_artifacts else param(loop.source)
        loop = loop if source is loop.source else replace(loop, source=source)
    params = tuple(rebound(b, param(b.source, b.name)) for b in task.params)
    artifacts = tuple(rebound(a, artifact(a.source)) for a in task.artifacts)
    depends = tuple(d for d in task.depends if d in local) + after
    condition = expr(task.condition) if task.condition is not None else None
    settings = k8s(task.k8s)
    if (depends == task.depends and condition is task.condition and loop is task.loop and settings is task.k8s
            and all(a is b for a, b in zip(params, task.params)) and all(a is b for a, b in zip(artifacts, task.artifacts))):
        return task  # nothing it reads or waits for moved
    return replace(task, params=params, artifacts=artifacts, depends=depends, condition=condition, loop=loop,
                   k8s=settings)
