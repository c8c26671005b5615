"""Importers as every engine meets them: facts of the plan, so each backend asks the same questions.

An importer runs nothing of the user's: KFP's driver records the URI and metadata and its consumers
read the artifact there (importer_launcher.go:296-319 @2.17.0). So an engine need not give it a pod
of its own: a consumer can read the URI directly. Which tasks of a DAG are importers, which inputs
of a task they feed, what URI each imports (known at compile time, or the values that can reach it)
and the metadata its consumers see are answered here; how a consumer reads the artifact (a download
location, a runtime step) is the backend's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from kfpc.errors import UnsupportedError
from kfpc.plan import scopes, workspace
from kfpc.plan.model import (
    Constant, DagComponent, FromInput, FromTaskArtifact, ImporterComponent, ParamSource, Plan, Task,
)
from kfpc.plan.values import text_form

__all__ = ["importers", "imported_inputs", "Uri", "uri", "uri_source", "known_values", "scheme", "metadata"]


def importers(plan: Plan, dag: DagComponent) -> dict[str, ImporterComponent]:
    """The importer tasks of one DAG, by task key, in task order."""
    return {t.key: c for t in dag.tasks if isinstance(c := plan.component(t.component), ImporterComponent)}


def imported_inputs(dag: DagComponent, task: Task, importer_keys: Mapping[str, Any]) -> dict[str, Task]:
    """The artifact inputs of `task` that an importer of its DAG feeds (`importer_keys`, as
    `importers` returns them): input name -> the importer task."""
    return {binding.name: dag.task(binding.source.task) for binding in task.artifacts
            if isinstance(binding.source, FromTaskArtifact) and binding.source.task in importer_keys}


@dataclass(frozen=True)
class Uri:
    """The URI an importer task imports."""

    constant: str | None  # known at compile time
    source: ParamSource  # where it comes from in the importer's DAG
    known: frozenset[str]  # the values known at compile time that can reach it (the constant, if one)

    @property
    def schemes(self) -> frozenset[str]:
        return frozenset(scheme(value) for value in self.known)


def uri_source(task: Task, component: ImporterComponent) -> ParamSource:
    """The URI's source in the importer task's DAG: the component's constant, or what the task binds
    to the input the component reads it from (an unbound input is refused)."""
    source = component.uri
    if isinstance(source, FromInput):
        binding = task.param(source.name)
        if binding is None:
            raise UnsupportedError(f"importer {task.key!r} has no URI input {source.name!r}")
        return binding.source
    return source


def uri(plan: Plan, dag: DagComponent, task: Task, calls: scopes.Calls) -> Uri:
    """The URI importer task `task` of `dag` imports; `calls` as kfpc.plan.scopes.callers gives them."""
    component = plan.component(task.component)
    assert isinstance(component, ImporterComponent)
    source = uri_source(task, component)
    if isinstance(source, Constant):
        return Uri(str(source.value), source, frozenset({str(source.value)}))
    return Uri(None, source, known_values(plan, dag, source, calls))


def known_values(plan: Plan, dag: DagComponent, source: ParamSource, calls: scopes.Calls) -> frozenset[str]:
    """The values known at compile time that can reach `source` in `dag`: constants, and the
    defaults of pipeline parameters, over every call site (kfpc.plan.scopes.origins)."""
    found: set[str] = set()
    for scope, origin in scopes.origins(plan, dag, source, calls):
        if isinstance(origin, Constant):
            found.add(text_form(origin.value))
        elif isinstance(origin, FromInput) and not origin.selector and scope.name == plan.root:
            spec = next((q for q in plan.inputs if q.name == origin.name), None)
            if spec is not None and spec.has_default:
                found.add(text_form(spec.default))
    return frozenset(found)


def scheme(value: str) -> str:
    """A URI's scheme, lower case; "" for none (a key in the engine's artifact repository)."""
    return value.split("://", 1)[0].lower() if "://" in value else ""


def metadata(component: ImporterComponent) -> Mapping[str, Any]:
    """The metadata consumers see: the importer's, marked when KFP downloads the artifact into its
    workspace (kfpc.plan.workspace)."""
    if component.download_to_workspace:
        return {**component.metadata, workspace.FLAG: True}
    return component.metadata
