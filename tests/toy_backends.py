"""Broken backends for tests/test_kit.py: each is docs/example/kfpc_flat.py's backend with one defect,
so the conformance case that must catch that defect is the one that fails. Module-level classes
taking no arguments, so the kit's fresh processes can import them."""

from __future__ import annotations

from typing import Any

from kfpc_flat import FlatBackend

from kfpc.backend import Options, Output
from kfpc.errors import UnsupportedError
from kfpc.plan import model as p


class RefusesEverything(FlatBackend):
    def compile(self, plan: p.Plan, options: Options) -> Output:
        raise UnsupportedError("this engine supports nothing")


class RefusesEverythingAndSaysSo(RefusesEverything):
    """Every fixture listed as expected: still not a backend."""

    expected_unsupported = {name: "nothing is supported" for name in (
        *FlatBackend.expected_unsupported, "hello_container")}


class ReturnsNothing(FlatBackend):
    def compile(self, plan: p.Plan, options: Options) -> Output:
        super().compile(plan, options)
        return Output([], [])


class ReturnsEmptyDocuments(FlatBackend):
    def compile(self, plan: p.Plan, options: Options) -> Output:
        super().compile(plan, options)
        return Output([{}], [])


class ReturnsAnEmptyShell(FlatBackend):
    """Valid-looking documents without the pipeline's containers in them."""

    def compile(self, plan: p.Plan, options: Options) -> Output:
        out = super().compile(plan, options)
        doc = dict(out.documents[0])
        doc["spec"] = {"steps": [{"name": "noop", "image": "busybox", "command": ["true"]}]}
        return Output([doc], [])


class BreaksItsSchema(FlatBackend):
    def compile(self, plan: p.Plan, options: Options) -> Output:
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
    def compile(self, plan: p.Plan, options: Options) -> Output:
        out = super().compile(plan, options)
        return Output(out.documents, [UserWarning("not text")])  # type: ignore[list-item]


class OrderedByHash(FlatBackend):
    """Steps in set order: stable inside one process, different under another hash seed."""

    def compile(self, plan: p.Plan, options: Options) -> Output:
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

    def compile(self, plan: p.Plan, options: Options) -> Output:
        if plan.name == "hello-container":
            raise KeyError("oops")
        return super().compile(plan, options)


class WrongProtocol(FlatBackend):
    protocol_version = 99
