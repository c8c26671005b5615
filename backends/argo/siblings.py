"""A DAG cut into sibling parts, each a DAG of its own that the cut DAG calls in order.

The Workflow of Workflows (children.py) runs each part as a child Workflow, so it needs parts side
by side, each waiting for the parts it reads from, rather than split.py's parts nested one inside
the other (which keep the unsplit DAG's failure semantics within one Workflow). A value crossing a
cut leaves its part as a DAG output and enters the later part as an input. The price, stated in the
README: a part waits for the whole earlier parts it reads from, and after a failure no later part
starts.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kfpc.errors import UnsupportedError
from kfpc.plan.model import (
    Artifact, ArtifactBinding, Component, DagComponent, DagOutputArtifact, DagOutputParam, FinalStatus, FromInput,
    FromInputArtifact, FromTask, FromTaskArtifact, Interface, Param, ParamBinding, Task,
)

from kfpc_backends.argo.split import export_name, dependency_groups, inputs_read, is_virtual, localized, reads_from, outputs_read, output_type

Key = tuple[str, str, bool]  # (producer task, output, is artifact)


def cut(comp: DagComponent, components: dict[str, Component],
        limit: int) -> tuple[list[DagComponent], DagComponent]:
    """The parts (at most `limit` tasks each) and the DAG that now calls them, `part-<n>`."""
    real = [t for t in comp.tasks if not is_virtual(t, components)]
    virtual = {t.key: t for t in comp.tasks if is_virtual(t, components)}
    chunks = _chunks(comp, real, limit)
    part_of = {t.key: i for i, chunk in enumerate(chunks) for t in chunk}
    imports: list[dict[Key, Any]] = [{} for _ in chunks]
    exports: list[dict[Key, Any]] = [{} for _ in chunks]
    after: list[set[int]] = [set() for _ in chunks]
    for i, chunk in enumerate(chunks):
        for task in chunk:
            _crossings(comp, components, task, i, part_of, virtual, limit, imports, exports, after)
    for out in comp.out_params:
        for s in out.sources:
            exports[part_of[s.task]][(s.task, s.output, False)] = (out.type, None)
    for art in comp.out_artifacts:
        for src in art.sources:
            exports[part_of[src.task]][(src.task, src.output, True)] = (art.type, art.is_list)
    parts = [_part(comp, f"{comp.name}-part-{i + 1}", chunk, virtual, imports[i], exports[i])
             for i, chunk in enumerate(chunks)]
    return parts, _caller(comp, parts, part_of, imports, after)


def _crossings(comp: DagComponent, components: dict[str, Component], task: Task, i: int,
               part_of: dict[str, int], virtual: dict[str, Task], limit: int, imports: list[dict[Key, Any]],
               exports: list[dict[Key, Any]], after: list[set[int]]) -> None:
    """Record what `task`, in part `i`, reads from other parts and which parts it must wait for."""
    if task.run_after_failure and any(part_of.get(d, i) != i for d in task.depends):
        raise UnsupportedError(f"task {task.key!r} runs after failures of tasks in another part of a DAG cut "
                               f"into parts of {limit} tasks; sibling parts cannot express that")
    for _, source, kind in outputs_read(task, virtual):
        owner = part_of.get(source.task)
        if owner is None or owner == i:
            continue
        if isinstance(source, FinalStatus):
            raise UnsupportedError(f"task {task.key!r} reads the final status of {source.task!r} across a cut "
                                   f"into parts of {limit} tasks")
        key = (source.task, source.output, kind == "artifact")
        imports[i][key] = exports[owner][key] = output_type(comp, components, source, kind)
        after[i].add(owner)
    after[i] |= {part_of[d] for d in task.depends if part_of.get(d, i) != i}


def _part(comp: DagComponent, name: str, chunk: list[Task], virtual: dict[str, Task],
          imports: dict[Key, Any], exports: dict[Key, Any]) -> DagComponent:
    keys = {t.key for t in chunk}
    needed_virtual = [v for v in virtual.values() if any(reads_from(t, v.key) for t in chunk)]
    local = keys | {v.key for v in needed_virtual}
    tasks = tuple(localized(t, local, lambda source, _: export_name(source.task, source.output))
                  for t in needed_virtual + list(chunk))
    used = inputs_read(tasks)  # a part declares only what it reads: Argo 4 caps inputs at 500 (caps.py)
    in_params = [q for q in comp.interface.in_params if q.name in used]
    in_arts = [a for a in comp.interface.in_artifacts if a.name in used]
    for (producer, output, is_art), info in sorted(imports.items()):
        if is_art:
            in_arts.append(Artifact(export_name(producer, output), info[0], bool(info[1])))
        else:
            in_params.append(Param(export_name(producer, output), info[0]))
    out_params = tuple(DagOutputParam(export_name(t, o), info[0], (FromTask(t, o),))
                       for (t, o, art), info in sorted(exports.items()) if not art)
    out_arts = tuple(DagOutputArtifact(export_name(t, o), info[0], bool(info[1]), (FromTaskArtifact(t, o),))
                     for (t, o, art), info in sorted(exports.items()) if art)
    iface = Interface(tuple(in_params), tuple(in_arts), tuple(Param(o.name, o.type) for o in out_params),
                        tuple(Artifact(o.name, o.type, o.is_list) for o in out_arts))
    return DagComponent(name, comp.ir_key, iface, tasks, out_params, out_arts)


def _caller(comp: DagComponent, parts: list[DagComponent], part_of: dict[str, int],
            imports: list[dict[Key, Any]], after: list[set[int]]) -> DagComponent:
    outer_tasks = []
    for i, part in enumerate(parts):
        declared = {q.name for q in part.interface.in_params} | {a.name for a in part.interface.in_artifacts}
        params = [ParamBinding(q.name, q.type, FromInput(q.name)) for q in comp.interface.in_params
                  if q.name in declared]
        arts = [ArtifactBinding(a.name, a.type, a.is_list, FromInputArtifact(a.name))
                for a in comp.interface.in_artifacts if a.name in declared]
        for (producer, output, is_art), info in sorted(imports[i].items()):
            name, source_part = export_name(producer, output), f"part-{part_of[producer] + 1}"
            if is_art:
                arts.append(ArtifactBinding(name, info[0], bool(info[1]), FromTaskArtifact(source_part, name)))
            else:
                params.append(ParamBinding(name, info[0], FromTask(source_part, name)))
        outer_tasks.append(Task(f"part-{i + 1}", f"part-{i + 1}", f"part-{i + 1}", part.name, tuple(params),
                                  tuple(arts), tuple(sorted(f"part-{d + 1}" for d in after[i]))))

    def moved(task: str) -> str:
        return f"part-{part_of[task] + 1}"

    return replace(comp, tasks=tuple(outer_tasks),
                   out_params=tuple(replace(o, sources=tuple(FromTask(moved(s.task), export_name(s.task, s.output))
                                                             for s in o.sources)) for o in comp.out_params),
                   out_artifacts=tuple(replace(o, sources=tuple(
                       FromTaskArtifact(moved(s.task), export_name(s.task, s.output)) for s in o.sources))
                       for o in comp.out_artifacts))


def _chunks(comp: DagComponent, real: list[Task], limit: int) -> list[list[Task]]:
    """Parts of at most `limit` tasks: groups that share no dependency stay whole and are packed
    together where they fit; a larger group is cut in its topological order."""
    chunks: list[list[Task]] = []
    packable: list[int] = []  # parts holding only whole groups
    for tasks in dependency_groups(comp, real):
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
