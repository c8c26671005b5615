"""Find backends by short name through the `kfpc.backends` entry-point group.

Built-ins are registered in kfpc's own pyproject exactly like a plugin would be, so there is one
code path. Loading is lazy: only the chosen backend is imported. An unknown name gets a
"did you mean" suggestion, a plugin that fails to import is reported by name instead of crashing
the CLI, and two installed distributions claiming one name are an error naming both (picking one
by sort order would let an unrelated install silently change what `--backend` compiles with).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from kfpc.backend import PROTOCOL_VERSION, Backend
from kfpc.errors import BackendLoadError, BackendNotFound, did_you_mean

__all__ = ["GROUP", "Entry", "entries", "names", "load", "instantiate", "check"]

GROUP = "kfpc.backends"


@dataclass(frozen=True)
class Entry:
    name: str
    target: str  # "module:attr"
    distribution: str
    clashes: tuple[Entry, ...] = ()  # other registrations of the same name; loading this name then fails


def entries() -> dict[str, Entry]:
    claims: dict[str, list[Entry]] = {}
    for ep in metadata.entry_points(group=GROUP):
        dist = getattr(getattr(ep, "dist", None), "name", "") or ""
        entry = Entry(ep.name, ep.value, dist)
        if entry not in claims.setdefault(ep.name, []):  # one distribution seen twice on sys.path is one claim
            claims[ep.name].append(entry)
    found: dict[str, Entry] = {}
    for name, claimed in sorted(claims.items()):
        first, *others = sorted(claimed, key=lambda e: (e.distribution, e.target))
        found[name] = Entry(first.name, first.target, first.distribution, tuple(others))
    return found


def names() -> list[str]:
    return sorted(entries())


def load(name: str) -> Backend:
    available = entries()
    entry = available.get(name)
    if entry is None:
        known = ", ".join(sorted(available)) or "none installed"
        raise BackendNotFound(f"unknown backend {name!r} (available: {known})",
                              hint=did_you_mean(name, available, cutoff=0.5))
    if entry.clashes:
        claims = "; ".join(f"{e.target} from {e.distribution or 'an unnamed distribution'}"
                           for e in (entry, *entry.clashes))
        raise BackendLoadError(f"backend name {name!r} is registered more than once ({claims})",
                               hint="uninstall one of these distributions; kfpc will not guess which one you meant")
    return instantiate(entry.target, name)


def instantiate(target: str, name: str = "") -> Backend:
    """The backend object behind `module:attr` (a class is called with no arguments), checked
    against the protocol; the conformance kit uses it for backends that are not installed."""
    module_name, _, attr = target.partition(":")
    label = f"backend {name!r} ({target})" if name else f"backend {target}"
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split(".") if attr else ():
            obj = getattr(obj, part)
        backend = obj() if isinstance(obj, type) else obj
    except Exception as exc:  # a broken plugin must not take the CLI down with a traceback
        raise BackendLoadError(f"{label} failed to load: {type(exc).__name__}: {exc}") from None
    check(backend, label)
    return backend


def check(backend: Any, label: str = "backend") -> None:
    """What the core relies on before calling a backend: the protocol version and `compile`."""
    version = getattr(backend, "protocol_version", None)
    if version != PROTOCOL_VERSION or not callable(getattr(backend, "compile", None)):
        raise BackendLoadError(f"{label} implements protocol version {version}, kfpc needs {PROTOCOL_VERSION}")
