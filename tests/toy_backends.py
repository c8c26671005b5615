"""Toy backends, each docs/example/kfpc_flat.py's backend changed in one way. The broken ones are for
tests/test_kit.py: each has one defect, so the conformance case that must catch it is the one that
fails. The last ones declare transforms (tests/test_transforms.py). Module-level classes taking no
arguments, so the kit's fresh processes can import them."""

from __future__ import annotations

import dataclasses
from typing import Any

from kfpc_flat import FlatBackend

from kfpc.backend import Options, Output
from kfpc.errors import UnsupportedError
from kfpc.plan.model import Constant, FromInput, ParamBinding, ParamSource, Plan
from kfpc.plan.transforms import flatten


class RefusesEverything(FlatBackend):
    def compile(self, plan: Plan, options: Options) -> Output:
        raise UnsupportedError("this engine supports nothing")


class RefusesEverythingAndSaysSo(RefusesEverything):
    """Every fixture listed as expected: still not a backend."""

    expected_unsupported = {name: "nothing is supported" for name in (
        *FlatBackend.expected_unsupported, "hello_container")}


class ReturnsNothing(FlatBackend):
    def compile(self, plan: Plan, options: Options) -> Output:
        super().compile(plan, options)
        return Output([], [])


class ReturnsEmptyDocuments(FlatBackend):
    def compile(self, plan: Plan, options: Options) -> Output:
        super().compile(plan, options)
        return Output([{}], [])


class ReturnsAnEmptyShell(FlatBackend):
    """Valid-looking documents without the pipeline's containers in them."""

    def compile(self, plan: Plan, options: Options) -> Output:
        out = super().compile(plan, options)
        doc = dict(out.documents[0])
        doc["spec"] = {"steps": [{"name": "noop", "image": "busybox", "command": ["true"]}]}
        return Output([doc], [])


class BreaksItsSchema(FlatBackend):
    def compile(self, plan: Plan, options: Options) -> Output:
        out = super().compile(plan, options)
        doc = dict(out.documents[0])
        doc["spec"] = {**doc["spec"], "retries": 3}  # the engine's schema has no such field
        return Output([doc], [])


class SuppliesNoSchema(FlatBackend):
    def document_schema(self, document: Any) -> None:
        return None


class SuppliesAnEmptySchema(FlatBackend):
    def document_schema(self, document: Any) -> dict[str, Any]:
        return {}


class NonStringWarnings(FlatBackend):
    def compile(self, plan: Plan, options: Options) -> Output:
        out = super().compile(plan, options)
        return Output(out.documents, [UserWarning("not text")])  # type: ignore[list-item]


class OrderedByHash(FlatBackend):
    """Steps in set order: stable inside one process, different under another hash seed."""

    def compile(self, plan: Plan, options: Options) -> Output:
        out = super().compile(plan, options)
        doc = dict(out.documents[0])
        names = {f"{plan.name}-{i}" for i in range(8)}
        doc["metadata"] = {**doc["metadata"], "annotations": {"order": ",".join(names)}}
        return Output([doc], [])


class StaleExpectation(FlatBackend):
    """Lists a fixture it actually compiles."""

    expected_unsupported = {**FlatBackend.expected_unsupported, "hello_container": "no reason"}


class CrashesOnSome(FlatBackend):
    """A plain exception is not a refusal."""

    def compile(self, plan: Plan, options: Options) -> Output:
        if plan.name == "hello-container":
            raise KeyError("oops")
        return super().compile(plan, options)


class WrongProtocol(FlatBackend):
    protocol_version = 99


def _renamed(suffix: str) -> Any:
    def transform(plan: Plan) -> Plan:
        return dataclasses.replace(plan, k8s_name=f"{plan.k8s_name}-{suffix}")

    return transform


class TransformsInOrder(FlatBackend):
    """Declares two transforms; the run's generateName shows which ran and in what order."""

    transforms = (_renamed("first"), _renamed("second"))


class FlattensNestedDags(FlatBackend):
    """The example engine with kfpc's flattening declared: it renders the flat view as one root DAG of
    plain tasks, so sub-pipelines it refused as nested DAGs become steps named by their path."""

    transforms = (flatten.flatten,)

    def compile(self, plan: Plan, options: Options) -> Output:
        view = flatten.flat_view(plan)
        if view is None:
            raise AssertionError("compile_plan did not apply the declared flattening")
        tasks = []
        for task in view.tasks:
            if task.loops or task.guards or task.finally_:
                raise UnsupportedError(f"task {task.id!r}: loops, conditions and exit handlers are not supported "
                                       "by flat")
            params = tuple(ParamBinding(name, ptype, self.plan_source(source))
                           for name, (ptype, source) in task.params.items())
            tasks.append(dataclasses.replace(task.plan_task, key=task.id, name=task.id, params=params,
                                             depends=tuple(sorted(task.after))))
        root = dataclasses.replace(plan.root_dag, tasks=tuple(tasks))
        return super().compile(dataclasses.replace(plan, components={**plan.components, plan.root: root}), options)

    @staticmethod
    def plan_source(source: flatten.Source) -> ParamSource:
        """A flat source as the plan source the example engine reads; it refuses every other kind."""
        if isinstance(source, flatten.Const):
            return Constant(source.value)
        if isinstance(source, flatten.Param):
            return FromInput(source.name)
        raise UnsupportedError(f"{type(source).__name__} values are not supported by flat")


class NamesItsTransforms(FlatBackend):
    """Declares a transform by name instead of giving the function."""

    transforms = ("flatten",)


class NamesItsOptionTransforms(FlatBackend):
    """Returns transforms that depend on the options by name instead of giving the functions."""

    def plan_transforms(self, options: Options) -> Any:
        return ("flatten",)
