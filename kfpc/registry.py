"""Find backends by short name through the `kfpc.backends` entry-point group.

Built-ins are registered in kfpc's own pyproject exactly like a plugin would be, so there is one
code path. Loading is lazy: only the chosen backend is imported. An unknown name gets a
"did you mean" suggestion, and a plugin that fails to import is reported by name instead of
crashing the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from kfpc.backend import PROTOCOL_VERSION, Backend
from kfpc.errors import BackendLoadError, BackendNotFound, did_you_mean

GROUP = "kfpc.backends"


@dataclass(frozen=True)
class Entry:
    name: str
    target: str  # "module:attr"
    distribution: str


def entries() -> dict[str, Entry]:
    found: dict[str, Entry] = {}
    for ep in sorted(metadata.entry_points(group=GROUP), key=lambda e: (e.name, e.value)):
        dist = getattr(getattr(ep, "dist", None), "name", "") or ""
        found.setdefault(ep.name, Entry(ep.name, ep.value, dist))
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
    module_name, _, attr = entry.target.partition(":")
    try:
        import importlib

        obj = getattr(importlib.import_module(module_name), attr) if attr else importlib.import_module(module_name)
        backend = obj() if isinstance(obj, type) else obj
    except Exception as exc:  # a broken plugin must not take the CLI down with a traceback
        raise BackendLoadError(f"backend {name!r} ({entry.target}) failed to load: {type(exc).__name__}: {exc}") \
            from None
    version = getattr(backend, "protocol_version", None)
    if version != PROTOCOL_VERSION or not callable(getattr(backend, "compile", None)):
        raise BackendLoadError(f"backend {name!r} ({entry.target}) implements protocol version {version}, "
                               f"kfpc needs {PROTOCOL_VERSION}")
    return backend
