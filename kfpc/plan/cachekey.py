"""The static half of a task's cache key.

What defines a task's work is known at compile time except for its run-time input values: the
component interface, image, command, args, env, the constants it is given and which inputs arrive
at run time. That is hashed here, once, identically for every backend; an engine then adds the
run-time values of `keyed_inputs` to form its memoization key, so a hit means the same work on the
same inputs. A custom `cacheKey` follows KFP: it replaces everything except the component name.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable

from kfpc.plan.model import Caching, Constant, ParamBinding, ArtifactBinding

VERSION = 1


def canonical(value: Any) -> str:
    return _CANONICAL.encode(value)


# One encoder for every call (what json.dumps would build anew each time with these options).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)


def sha256(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def _framed(parts: Iterable[str]) -> str:
    digest = hashlib.sha256(f"kfpc-cache-v{VERSION}".encode())
    for part in parts:
        data = part.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big") + data)  # length-framed: no two inputs share a stream
    return digest.hexdigest()


def work_digest(interface: str, image: str, command: Iterable[str], args: Iterable[str], env: str) -> str:
    """What a container component does, whoever calls it: interface, image, command, args, env."""
    return _framed([interface, image, *command, "\x00args", *args, env])


def with_platform(work: str, settings: Any) -> str:
    """Volumes, env from secrets and the rest of a task's kfp-kubernetes settings shape what it
    reads (KFP keys on the PVC names; the whole setting is the safe superset)."""
    return _framed([work, "\x00platform", canonical(settings)]) if settings else work


def compute(enabled: bool, component_key: str, custom_key: str, work: str,
            params: tuple[ParamBinding, ...], artifacts: tuple[ArtifactBinding, ...]) -> Caching:
    if custom_key:
        return Caching(enabled, sha256({"v": VERSION, "component": component_key, "cacheKey": custom_key}),
                       custom_key, ())
    constants = {b.name: b.source.value for b in params if isinstance(b.source, Constant)}
    runtime = tuple(sorted([b.name for b in params if not isinstance(b.source, Constant)]
                           + [a.name for a in artifacts]))
    return Caching(enabled, _framed([work, canonical(constants), *runtime]), None, runtime)
