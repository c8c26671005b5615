"""Rewrite before rendering: no DAG may hold more than 200 tasks (Argo 4's full CRD:
pkg/apis/workflow/v1alpha1/workflow_types.go:3595 @v4.1.2).

A larger DAG is cut into parts of at most LIMIT tasks: groups of tasks that share no dependency
stay whole and are packed together where they fit, a larger group is cut in topological order. Each part
becomes its own DAG component; the original DAG keeps one task per part. A value that crosses a cut
leaves its part as a DAG output and enters the later part as an input, and parts depend on the
parts they read from, so every task still waits for exactly what it needs (a task may wait a
little longer: for the whole earlier part). Importer tasks, which Argo never runs, are copied into
every part that reads them. Works recursively when even the parts are too many.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kfpc.errors import UnsupportedError
from kfpc.plan import model as p

LIMIT = 200


def split_large_dags(plan: p.Plan, limit: int = LIMIT) -> p.Plan:
    components = dict(plan.components)
    changed = True
    while changed:
        changed = False
        for name, comp in sorted(components.items()):
            if isinstance(comp, p.DagComponent) and _real_tasks(comp, components) > limit:
                parts, outer = _split(comp, components, limit)
                components.update({c.name: c for c in parts})
                components[name] = outer
                changed = True
                break
    return replace(plan, components=components) if components != dict(plan.components) else plan


def _is_virtual(task: p.Task, components: dict[str, p.Component]) -> bool:
    return isinstance(components[task.component], p.ImporterComponent)


def _real_tasks(comp: p.DagComponent, components: dict[str, p.Component]) -> int:
    return sum(1 for t in comp.tasks if not _is_virtual(t, components))


def _export(task: str, output: str) -> str:
    return f"kfpc-x-{task}-{output}"


def _split(comp: p.DagComponent, components: dict[str, p.Component],
           limit: int) -> tuple[list[p.DagComponent], p.DagComponent]:
    real = [t for t in comp.tasks if not _is_virtual(t, components)]
    virtual = {t.key: t for t in comp.tasks if _is_virtual(t, components)}
    chunks = _chunks(comp, real, limit)
    part_of = {t.key: i for i, chunk in enumerate(chunks) for t in chunk}
    names = [f"{comp.name}-part-{i + 1}" for i in range(len(chunks))]
    # What each part reads from earlier parts: (task, output, is_artifact) -> type info.
    imports: list[dict[tuple[str, str, bool], Any]] = [dict() for _ in chunks]
    exports: list[dict[tuple[str, str, bool], Any]] = [dict() for _ in chunks]
    part_depends: list[set[int]] = [set() for _ in chunks]
    for i, chunk in enumerate(chunks):
        for task in chunk:
            if task.run_after_failure and any(part_of.get(d, i) != i for d in task.depends):
                raise UnsupportedError(f"task {task.key!r} runs after failures of tasks in another part of a DAG with "
                                       f"more than {limit} tasks; Argo cannot express that across DAG templates")
            for source, kind in _sources(task, virtual):
                owner = part_of.get(source.task)
                if owner is None or owner == i:
                    continue
                if isinstance(source, p.FinalStatus):
                    raise UnsupportedError(f"task {task.key!r} reads the final status of {source.task!r} across a "
                                           f"split of a DAG with more than {limit} tasks")
                key = (source.task, source.output, kind == "artifact")
                info = _type_of(comp, components, source, kind)
                imports[i][key] = info
                exports[owner][key] = info
                part_depends[i].add(owner)
            for dep in task.depends:
                owner = part_of.get(dep)
                if owner is not None and owner != i:
                    part_depends[i].add(owner)
    for out in comp.out_params:
        for s in out.sources:
            exports[part_of[s.task]][(s.task, s.output, False)] = (out.type, None)
    for art in comp.out_artifacts:
        for src in art.sources:
            exports[part_of[src.task]][(src.task, src.output, True)] = (art.type, art.is_list)

    parts = []
    for i, chunk in enumerate(chunks):
        keys = {t.key for t in chunk}
        needed_virtual = [v for v in virtual.values()
                          if any(_reads(t, v.key) for t in chunk)]
        tasks = tuple(_localize(t, keys | {v.key for v in needed_virtual}) for t in needed_virtual + list(chunk))
        used = _inputs_read(tasks)  # a part declares only what it reads: Argo 4 caps inputs at 500 (caps.py)
        in_params = [q for q in comp.interface.in_params if q.name in used]
        in_arts = [a for a in comp.interface.in_artifacts if a.name in used]
        for (producer, output, is_art), info in sorted(imports[i].items()):
            if is_art:
                in_arts.append(p.Artifact(_export(producer, output), info[0], bool(info[1])))
            else:
                in_params.append(p.Param(_export(producer, output), info[0]))
        out_params = tuple(p.DagOutputParam(_export(t, o), info[0], (p.FromTask(t, o),))
                           for (t, o, art), info in sorted(exports[i].items()) if not art)
        out_arts = tuple(p.DagOutputArtifact(_export(t, o), info[0], bool(info[1]), (p.FromTaskArtifact(t, o),))
                         for (t, o, art), info in sorted(exports[i].items()) if art)
        iface = p.Interface(tuple(in_params), tuple(in_arts),
                            tuple(p.Param(o.name, o.type) for o in out_params),
                            tuple(p.Artifact(o.name, o.type, o.is_list) for o in out_arts))
        parts.append(p.DagComponent(names[i], comp.ir_key, iface, tasks, out_params, out_arts))

    outer_tasks = []
    for i, part in enumerate(parts):
        declared = {q.name for q in part.interface.in_params} | {a.name for a in part.interface.in_artifacts}
        params = [p.ParamBinding(q.name, q.type, p.FromInput(q.name)) for q in comp.interface.in_params
                  if q.name in declared]
        arts = [p.ArtifactBinding(a.name, a.type, a.is_list, p.FromInputArtifact(a.name))
                for a in comp.interface.in_artifacts if a.name in declared]
        for (producer, output, is_art), info in sorted(imports[i].items()):
            source_part = f"part-{part_of[producer] + 1}"
            if is_art:
                arts.append(p.ArtifactBinding(_export(producer, output), info[0], bool(info[1]),
                                              p.FromTaskArtifact(source_part, _export(producer, output))))
            else:
                params.append(p.ParamBinding(_export(producer, output), info[0],
                                             p.FromTask(source_part, _export(producer, output))))
        outer_tasks.append(p.Task(f"part-{i + 1}", f"part-{i + 1}", f"part-{i + 1}", part.name, tuple(params),
                                  tuple(arts), tuple(sorted(f"part-{d + 1}" for d in part_depends[i]))))
    outer = replace(comp, tasks=tuple(outer_tasks),
                    out_params=tuple(replace(o, sources=tuple(p.FromTask(f"part-{part_of[s.task] + 1}",
                                                                         _export(s.task, s.output))
                                                              for s in o.sources)) for o in comp.out_params),
                    out_artifacts=tuple(replace(o, sources=tuple(p.FromTaskArtifact(f"part-{part_of[s.task] + 1}",
                                                                                    _export(s.task, s.output))
                                                                 for s in o.sources)) for o in comp.out_artifacts))
    return parts, outer


def _chunks(comp: p.DagComponent, real: list[p.Task], limit: int) -> list[list[p.Task]]:
    """Parts of at most `limit` tasks. Tasks that share no dependency (weakly connected groups)
    never share a part unless whole groups fit together, so independent work lands in parts that
    do not depend on each other and runs, or stops after a failure, as in the unsplit DAG; a group
    larger than a part is cut in its topological order."""
    group = {t.key: t.key for t in comp.tasks}

    def root(key: str) -> str:
        while group[key] != key:
            group[key] = group[group[key]]
            key = group[key]
        return key

    for task in comp.tasks:
        for dep in task.depends:
            if dep in group:
                group[root(dep)] = root(task.key)
    members: dict[str, list[p.Task]] = {}
    for task in real:  # the plan's topological order, kept inside each group
        members.setdefault(root(task.key), []).append(task)
    chunks: list[list[p.Task]] = []
    packable: list[int] = []  # parts holding only whole groups
    for tasks in members.values():  # groups in the order of their first task
        if len(tasks) > limit:
            chunks += [tasks[i:i + limit] for i in range(0, len(tasks), limit)]
            continue
        room = next((i for i in packable if len(chunks[i]) + len(tasks) <= limit), None)
        if room is None:
            packable.append(len(chunks))
            chunks.append([])
            room = packable[-1]
        chunks[room] += tasks
    return chunks


def _inputs_read(value: Any, found: set[str] | None = None) -> set[str]:
    """Names of the DAG inputs anything in `value` (tasks, their bindings, conditions, loops,
    kfp-kubernetes settings) reads, found by walking the plan records."""
    import dataclasses

    found = set() if found is None else found
    if isinstance(value, (p.FromInput, p.FromInputArtifact)):
        found.add(value.name)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _inputs_read(getattr(value, f.name), found)
    elif isinstance(value, (tuple, list, set, frozenset)):
        for item in value:
            _inputs_read(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _inputs_read(item, found)
    return found


def _type_of(comp: p.DagComponent, components: dict[str, p.Component], source: Any, kind: str) -> tuple:
    producer = components[comp.task(source.task).component]
    if kind == "artifact":
        art = producer.interface.out_artifact(source.output)
        return (art.type if art else p.ArtifactType("system.Artifact"), art.is_list if art else False)
    param = producer.interface.out_param(source.output)
    if getattr(source, "collected", False):
        return (p.ParamType.LIST, None)
    return (param.type if param else p.ParamType.STRING, None)


def _param_sources(source: p.ParamSource) -> list[Any]:
    if isinstance(source, (p.FromTask, p.FinalStatus)):
        return [source]
    if isinstance(source, p.Interpolation):
        return [part for part in source.parts if isinstance(part, p.FromTask)]
    return []


def _expr_sources(expr: p.Expr | None) -> list[Any]:
    from kfpc.plan.conditions import operands

    return [s for o in (operands(expr) if expr else []) for s in _param_sources(o.source)]


def _sources(task: p.Task, virtual: dict[str, p.Task]) -> list[tuple[Any, str]]:
    found: list[tuple[Any, str]] = []
    for b in task.params:
        found += [(s, "param") for s in _param_sources(b.source)]
    for a in task.artifacts:
        if isinstance(a.source, p.FromTaskArtifact):
            if a.source.task in virtual:  # the importer is copied; what it reads must cross instead
                for b in virtual[a.source.task].params:
                    found += [(s, "param") for s in _param_sources(b.source)]
            else:
                found.append((a.source, "artifact"))
    found += [(s, "param") for s in _expr_sources(task.condition)]
    if task.loop is not None and task.loop.source is not None:
        if isinstance(task.loop.source, (p.FromTask, p.Interpolation)):
            found += [(s, "param") for s in _param_sources(task.loop.source)]  # type: ignore[arg-type]
        elif isinstance(task.loop.source, p.FromTaskArtifact):
            found.append((task.loop.source, "artifact"))
    return found


def _reads(task: p.Task, key: str) -> bool:
    return key in task.depends or any(isinstance(a.source, p.FromTaskArtifact) and a.source.task == key
                                      for a in task.artifacts)


def _localize(task: p.Task, local: set[str]) -> p.Task:
    """Re-point sources that now live in another part at this part's inputs."""

    def param(source: Any) -> Any:
        if isinstance(source, p.FromTask) and source.task not in local:
            return p.FromInput(_export(source.task, source.output), source.selector)
        if isinstance(source, p.Interpolation):
            return p.Interpolation(tuple(param(x) if not isinstance(x, str) else x for x in source.parts))
        return source

    def artifact(source: Any) -> Any:
        if isinstance(source, p.FromTaskArtifact) and source.task not in local:
            return p.FromInputArtifact(_export(source.task, source.output))
        return source

    def expr(e: Any) -> Any:
        if isinstance(e, p.Operand):
            return replace(e, source=param(e.source))
        if isinstance(e, p.Compare):
            return replace(e, left=expr(e.left), right=expr(e.right))
        if isinstance(e, p.Not):
            return replace(e, operand=expr(e.operand))
        if isinstance(e, (p.And, p.Or)):
            return replace(e, operands=tuple(expr(x) for x in e.operands))
        return e

    loop = task.loop
    if loop is not None and loop.source is not None:
        loop = replace(loop, source=artifact(loop.source) if loop.over_artifacts else param(loop.source))
    return replace(task,
                   params=tuple(replace(b, source=param(b.source)) for b in task.params),
                   artifacts=tuple(replace(a, source=artifact(a.source)) for a in task.artifacts),
                   depends=tuple(d for d in task.depends if d in local),
                   condition=expr(task.condition) if task.condition is not None else None,
                   loop=loop)
