"""The contract between the core and an engine backend.

A backend turns a Plan into engine manifests. It receives nothing else: no raw IR, no graphs. Built-in
backends (Argo, Tekton) implement exactly this protocol and are found through the same entry-point
group as third-party plugins (`kfpc.backends`), so a plugin author can read the Argo backend as an
example and reuse the conformance tests in kfpc.testing.

What a plugin may import from kfpc is what the `__all__` of the modules in PUBLIC_MODULES names;
everything else is internal and may change without notice (tests/test_public_api.py holds the
built-in backends to the same line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence, runtime_checkable

from kfpc.errors import UsageError, did_you_mean
from kfpc.plan.model import Plan
from kfpc.plan.transforms import Transform
from kfpc.run_options import RunOptions

__all__ = ["PROTOCOL_VERSION", "PUBLIC_MODULES", "Backend", "Option", "Options", "Output", "settings",
           "declared_transforms"]

#: The modules a backend may import from kfpc, each declaring its public names in `__all__`.
PUBLIC_MODULES = (
    "kfpc.backend",  # this contract
    "kfpc.plan.model", "kfpc.plan.k8s",  # the neutral plan (docs/plan.md)
    "kfpc.plan.values", "kfpc.plan.placeholders", "kfpc.plan.conditions",  # helpers over the plan
    "kfpc.plan.scopes", "kfpc.plan.importers", "kfpc.plan.transforms", "kfpc.plan.transforms.pipeline_root",
    "kfpc.plan.transforms.flatten",  # rewrites before rendering
    "kfpc.plan.workspace",  # where KFP's importer puts an artifact it downloads into the workspace
    "kfpc.errors", "kfpc.run_options", "kfpc.names", "kfpc.k8s_objects", "kfpc.stored",
    "kfpc.testing",  # the conformance kit
)

#: Bump when the protocol changes incompatibly; plugins declare what they implement.
PROTOCOL_VERSION = 1


@dataclass(frozen=True)
class Options:
    """Compile options every backend receives: the pipeline root, backend options (`-O`, declared by
    each backend) and run options (kfpc.run_options), which each backend maps to its engine and
    warns about where its engine has no equivalent."""

    pipeline_root: str | None = None  # applied to the plan by the core (kfpc.plan.transforms.pipeline_root)
    extra: tuple[tuple[str, Any], ...] = ()
    run: RunOptions = field(default_factory=RunOptions)
    params: tuple[tuple[str, Any], ...] = ()  # compile-time parameter values, applied to the plan by the core


@dataclass(frozen=True)
class Option:
    """A setting a backend accepts (`kfpc compile -O name=value`); a backend lists its own in
    `options`, and `kfpc backends` shows them."""

    name: str
    default: str | None
    help: str


def settings(backend: Any, options: Options) -> dict[str, str | None]:
    """The backend's declared options with the values given; an undeclared name is a usage error."""
    declared = {o.name: o for o in getattr(backend, "options", ())}
    given = dict(options.extra)
    for key in given:
        if key not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise UsageError(f"backend {getattr(backend, 'name', '?')!r} has no option {key!r} (options: {known})",
                             hint=did_you_mean(key, declared, cutoff=0.5))
    return {name: given.get(name, o.default) for name, o in declared.items()}


def declared_transforms(backend: Any, options: Options) -> tuple[Transform, ...]:
    """The rewrites a backend declares for one compile, in the order the core applies them: its
    `transforms`, then what its `plan_transforms(options)` returns (both optional)."""
    declared = tuple(getattr(backend, "transforms", ()))
    for_options = getattr(backend, "plan_transforms", None)
    return declared + (tuple(for_options(options)) if for_options is not None else ())


@dataclass(frozen=True)
class Output:
    """What a backend produces: the manifest documents, and warnings for the user."""

    documents: Sequence[dict[str, Any]]
    warnings: Sequence[str] = field(default_factory=tuple)


@runtime_checkable
class Backend(Protocol):
    """What a backend is. The core applies the backend's `transforms` to the plan, then calls
    `compile`; `options` feeds `-O` and `kfpc backends`; `expected_unsupported` and
    `document_schema` are the backend's promises that kfpc.testing's conformance kit holds it to
    (docs/plugins.md).

    A rewrite that depends on the compile options (a `-O` setting, say an engine version) is
    declared by an optional method `plan_transforms(self, options: Options) -> Sequence[Transform]`:
    the core applies what it returns after `transforms` (`declared_transforms`). Argo declares its
    DAG splitting this way, only for `-O argo-version` 4 and later."""

    name: str
    description: str
    protocol_version: int
    options: Sequence[Option]
    #: Conformance fixtures (golden case names) this engine cannot express, each with the reason;
    #: every other fixture must compile.
    expected_unsupported: Mapping[str, str]
    #: Plan-to-plan rewrites (kfpc.plan.transforms) the core applies, in this order, before
    #: `compile`; optional: a backend without the attribute gets none.
    transforms: Sequence[Transform]

    def compile(self, plan: Plan, options: Options) -> Output:
        """Render the plan; raise kfpc.errors.UnsupportedError for what the engine cannot express."""
        ...

    def document_schema(self, document: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The JSON Schema (with its `$schema` draft) a document this backend produced must satisfy,
        chosen by its apiVersion and kind; None for a kind the backend has no schema for."""
        ...
