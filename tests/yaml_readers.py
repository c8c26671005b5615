"""Independent YAML readers, to prove that what kfpc writes reads the same everywhere.

kfpc writes YAML with PyYAML, and PyYAML's own idea of which plain scalars are strings is not what the
API server has: go-yaml (sigs.k8s.io/yaml) applies YAML 1.1 rules in which `n` and `on` are booleans and
`2e-05` a number. So the written text is read back with readers that PyYAML does not share code with
(ruamel.yaml), once under YAML 1.1 and once under YAML 1.2 core rules, and every scalar must come back
with the type and value the compiler meant.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable, Iterator

from ruamel.yaml import YAML


def _reader(version: tuple[int, int]) -> Callable[[str], list[Any]]:
    def read(text: str) -> list[Any]:
        yaml = YAML(typ="safe", pure=True)
        yaml.version = version
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ruamel warns about 1.1 floats without a dot; the types tell
            return list(yaml.load_all(text))
    return read


READERS: dict[str, Callable[[str], list[Any]]] = {"yaml-1.1": _reader((1, 1)), "yaml-1.2": _reader((1, 2))}


def mismatches(meant: Any, read: Any, path: str = "$") -> Iterator[str]:
    """Every place where `read` differs from `meant` in type or value (bool is not int here)."""
    if isinstance(meant, dict):
        if not isinstance(read, dict):
            yield f"{path}: a mapping was read as {type(read).__name__} {read!r}"
            return
        for key in meant:
            if key not in read:
                found = [k for k in read if str(k) == str(key) or repr(k) == repr(key)]
                yield f"{path}: key {key!r} was read as {found[0]!r}" if found else f"{path}: key {key!r} lost"
                continue
            yield from mismatches(meant[key], read[key], f"{path}.{key}")
        for key in read:
            if key not in meant:
                yield f"{path}: unexpected key {key!r} ({type(key).__name__})"
        return
    if isinstance(meant, list):
        if not isinstance(read, list) or len(read) != len(meant):
            yield f"{path}: a list of {len(meant)} was read as {read!r}"[:300]
            return
        for i, (a, b) in enumerate(zip(meant, read)):
            yield from mismatches(a, b, f"{path}[{i}]")
        return
    if type(meant) is not type(read) or not _same(meant, read):
        yield f"{path}: {meant!r} ({type(meant).__name__}) was read as {read!r} ({type(read).__name__})"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return bool(a == b)


def check(documents: list[Any], text: str) -> list[str]:
    """All disagreements between the compiler's documents and each reader's reading of `text`."""
    found: list[str] = []
    for name, read in READERS.items():
        docs = read(text)
        if len(docs) != len(documents):
            found.append(f"{name}: {len(documents)} documents were read as {len(docs)}")
            continue
        for i, (meant, got) in enumerate(zip(documents, docs)):
            found += [f"{name}: document {i}: {m}" for m in mismatches(meant, got)]
    return found
