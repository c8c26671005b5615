"""The contract between the core and an engine backend.

A backend turns a Plan into engine manifests. It receives nothing else: no raw IR, no graphs. Built-in
backends (Argo, Tekton) implement exactly this protocol and are found through the same entry-point
group as third-party plugins (`kfpc.backends`), so a plugin author can read the Argo backend as an
example and reuse the conformance tests in kfpc.testing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence, runtime_checkable

from kfpc.errors import UsageError, did_you_mean
from kfpc.plan.model import Plan
from kfpc.run_options import RunOptions

#: Bump when the protocol changes incompatibly; plugins declare what they implement.
PROTOCOL_VERSION = 1


@dataclass(frozen=True)
class Options:
    """Compile options every backend receives: the pipeline root, backend options (`-O`, declared by
    each backend) and run options (kfpc.run_options), which each backend maps to its engine and
    warns about where its engine has no equivalent."""

    pipeline_root: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()
    run: RunOptions = field(default_factory=RunOptions)
    params: tuple[tuple[str, Any], ...] = ()  # compile-time parameter values, applied to the plan by the core

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.extra).get(key, default)


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


@dataclass(frozen=True)
class Output:
    """What a backend produces: the manifest documents, and warnings for the user."""

    documents: Sequence[dict[str, Any]]
    warnings: Sequence[str] = field(default_factory=tuple)


@runtime_checkable
class Backend(Protocol):
    name: str
    description: str
    protocol_version: int

    def compile(self, plan: Plan, options: Options) -> Output:
        """Render the plan; raise kfpc.errors.UnsupportedError for what the engine cannot express."""
        ...
