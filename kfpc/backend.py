"""The contract between the core and an engine backend.

A backend turns a Plan into engine manifests. It receives nothing else: no raw IR, no graphs. Built-in
backends (Argo, Tekton) implement exactly this protocol and are found through the same entry-point
group as third-party plugins (`kfpc.backends`), so a plugin author can read the Argo backend as an
example and reuse the conformance tests in kfpc.testing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence, runtime_checkable

from kfpc.plan.model import Plan

#: Bump when the protocol changes incompatibly; plugins declare what they implement.
PROTOCOL_VERSION = 1


@dataclass(frozen=True)
class Options:
    """Compile options every backend receives; backends ignore what does not apply to them."""

    pipeline_root: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.extra).get(key, default)


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
