"""A seeded, structure-aware mutator over pipeline IR, and the oracle every mutant must satisfy.

Why structure-aware: random bytes die in the YAML reader. Mutating the parsed documents (dropping,
duplicating and retyping keys, swapping references between tasks, hostile names, deep nesting, huge
numbers, wrong types in the kfp-kubernetes platform spec) reaches the checks, the lowering and both
backends, where kfpc's internal errors hid. Everything is driven by `random.Random(seed)`, so a case
number reproduces the same file on every machine.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import random
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("KFPC_SHARED", REPO.parent / "shared")) / "corpus"  # as tests/conftest.py

HOSTILE = [
    "", " ", "-", "a b", "x{y}", "{{inputs.parameters.x}}", "$(params.x)", "$(tasks.a.results.b)", "a\\b", "'q'",
    '"dq"', "line\nbreak", "ctl\x07\x1b", "kfpc-items", "kfpc-status", "n", "y", "on", "2e-05", "0x1F",
    "-" + "a" * 64, "a" * 300, "Upper_Case.Dots", "tab\there", "\u2028", "é", "{{", "}}", "$(", "%s",
    "inputs.parameter_values['x']", "null", "~", "true", "1e+308G", "inf", "x", "-1", "0",
]
NUMBERS = [0, -1, 1, 2**63, -(2**63) - 1, 10**40, 1e308, -1e-300, 3.5, 65536, 200]
PLATFORM_KEYS = [
    "secretAsEnv", "secretAsVolume", "configMapAsEnv", "configMapAsVolume", "pvcMount", "nodeSelector",
    "tolerations", "podMetadata", "imagePullSecret", "imagePullPolicy", "activeDeadlineSeconds", "fieldPathAsEnv",
    "emptyDirMounts", "genericEphemeralVolume", "nodeAffinity", "podAffinity", "initContainers", "sidecars",
    "enabledSharedMemory",
]


def seeds() -> list[tuple[str, str]]:
    """(name, text) of every seed: the goldens, plus the shared corpora when present."""
    found = sorted(REPO.glob("golden/*/pipeline.yaml"))
    for folder in (SHARED / "kfp", SHARED / "real"):
        if folder.is_dir():
            found += sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml", ".json")
                            and "invalid" not in p.parts)
    out = []
    for path in found:
        try:
            text = path.read_text("utf-8")
            docs = [d for d in yaml.load_all(text, Loader=_LOADER) if d is not None]
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        if docs and isinstance(docs[0], dict) and "root" in docs[0]:
            out.append((str(path.relative_to(path.parents[2] if SHARED in path.parents else REPO)), text))
    return out


# ---------------------------------------------------------------------------------------------
# Walking


def _nodes(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, child in list(value.items()):
            yield from _nodes(child, path + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _nodes(child, path + (i,))


def _get(root: Any, path: tuple) -> Any:
    for part in path:
        root = root[part]
    return root


def _set(root: Any, path: tuple, value: Any) -> None:
    _get(root, path[:-1])[path[-1]] = value


def _containers(docs: list) -> list[tuple[int, tuple, Any]]:
    return [(i, p, v) for i, d in enumerate(docs) for p, v in _nodes(d) if isinstance(v, (dict, list))]


def _tasks(doc: dict) -> list[tuple[dict, str]]:
    out = []
    comps = [doc.get("root")] + list((doc.get("components") or {}).values())
    for comp in comps:
        tasks = ((comp or {}).get("dag") or {}).get("tasks") if isinstance(comp, dict) else None
        if isinstance(tasks, dict):
            out += [(tasks, k) for k in tasks]
    return out


# ---------------------------------------------------------------------------------------------
# Mutations: each takes (docs, rng) and edits docs in place; returns a short label.


def m_drop(docs, rng):
    cands = [(i, p, v) for i, p, v in _containers(docs) if isinstance(v, dict) and v]
    if not cands:
        return "noop"
    i, p, v = rng.choice(cands)
    key = rng.choice(list(v))
    del v[key]
    return "drop"


def m_duplicate(docs, rng):
    cands = [(i, p, v) for i, p, v in _containers(docs) if v]
    if not cands:
        return "noop"
    i, p, v = rng.choice(cands)
    if isinstance(v, dict):
        key = rng.choice(list(v))
        v[rng.choice([key + "-copy", rng.choice(HOSTILE) or "k", key.upper() if isinstance(key, str) else key])] = \
            copy.deepcopy(v[key])
    else:
        v.append(copy.deepcopy(rng.choice(v)))
    return "duplicate"


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 2 else 5)
    if kind == 0:
        return rng.choice(HOSTILE)
    if kind == 1:
        return rng.choice(NUMBERS)
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:
        return rng.choice([{}, [], "", 0])
    if kind == 4:
        return rng.choice([float("nan"), float("inf"), -0.0, "1e+308G"])
    if kind == 5:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    if kind == 6:
        return {rng.choice(HOSTILE) or "k": _random_value(rng, depth + 1) for _ in range(rng.randrange(3))}
    return {"runtimeValue": {"constant": _random_value(rng, depth + 1)}}


def m_retype(docs, rng):
    paths = [(i, p) for i, d in enumerate(docs) for p, _ in _nodes(d) if p]
    if not paths:
        return "noop"
    i, p = rng.choice(paths)
    _set(docs[i], p, _random_value(rng))
    return "retype"


def m_hostile_string(docs, rng):
    strs = [(i, p) for i, d in enumerate(docs) for p, v in _nodes(d) if p and isinstance(v, str)]
    if not strs:
        return "noop"
    i, p = rng.choice(strs)
    old = _get(docs[i], p)
    new = rng.choice(HOSTILE)
    _set(docs[i], p, rng.choice([new, old + new, new + old]))
    return "hostile-string"


def m_rename_key(docs, rng):
    """Rename a key (an input, a task, a component) to a hostile name everywhere it is spelt."""
    cands = [(i, p, v) for i, p, v in _containers(docs) if isinstance(v, dict) and v]
    if not cands:
        return "noop"
    i, p, v = rng.choice(cands)
    old = rng.choice(list(v))
    if not isinstance(old, str):
        return "noop"
    new = rng.choice(HOSTILE + [old + "-" + rng.choice(HOSTILE)])
    text = json.dumps(docs)
    renamed = json.loads(text.replace(json.dumps(old), json.dumps(new)))
    docs[:] = renamed
    return "rename"


def m_swap_reference(docs, rng):
    refs = [(i, p) for i, d in enumerate(docs) for p, v in _nodes(d)
            if p and p[-1] in ("producerTask", "outputParameterKey", "outputArtifactKey", "componentInputParameter",
                               "componentInputArtifact", "name", "executorLabel", "inputParameter")
            and isinstance(v, str)]
    names = sorted({v for d in docs for p, v in _nodes(d) if p and isinstance(v, str) and len(v) < 60}
                   | {k for d in docs for p, v in _nodes(d) if isinstance(v, dict) for k in v if isinstance(k, str)})
    if not refs or not names:
        return "noop"
    i, p = rng.choice(refs)
    _set(docs[i], p, rng.choice(names))
    return "swap-reference"


def m_deep_condition(docs, rng):
    tasks = _tasks(docs[0])
    if not tasks:
        return "noop"
    table, key = rng.choice(tasks)
    task = table[key]
    if not isinstance(task, dict):
        return "noop"
    params = list(((task.get("inputs") or {}).get("parameters") or {}))
    name = rng.choice(params) if params else "x"
    ref = f"inputs.parameter_values['{name}']"
    depth = rng.choice([1, 5, 50, 199, 200, 400, 2000])
    shape = rng.randrange(4)
    if shape == 0:
        cond = "(" * depth + ref + ")" * depth
    elif shape == 1:
        cond = "!" * depth + ref
    elif shape == 2:
        cond = " && ".join([ref + " == 'a'"] * depth)
    else:
        cond = rng.choice([ref, f"int({ref}) > 3", f"{ref} == 1e999", f"{ref} ||", "(" * depth])
    task["triggerPolicy"] = {"condition": cond}
    return "condition"


def m_clone_tasks(docs, rng):
    """Many copies of one task: name deduplication, wide DAGs, DAG splitting."""
    tasks = _tasks(docs[0])
    if not tasks:
        return "noop"
    table, key = rng.choice(tasks)
    count = rng.choice([2, 30, 35, 199, 200, 260])
    for n in range(count):
        table[f"{key}-{n}" if rng.random() < 0.5 else f"{key}{'-' * (n % 3)}{n}"] = copy.deepcopy(table[key])
    return "clone-tasks"


def m_deep_nesting(docs, rng):
    paths = [(i, p) for i, d in enumerate(docs) for p, _ in _nodes(d) if p]
    if not paths:
        return "noop"
    i, p = rng.choice(paths)
    value: Any = rng.choice(HOSTILE)
    for _ in range(rng.choice([20, 60, 95, 150])):
        value = [value] if rng.random() < 0.5 else {"k": value}
    _set(docs[i], p, value)
    return "deep-nesting"


def m_platform(docs, rng):
    """Add or break a kfp-kubernetes setting on an executor."""
    doc = docs[0]
    executors = list(((doc.get("deploymentSpec") or {}).get("executors") or {}))
    if not executors:
        return "noop"
    if len(docs) < 2 or not isinstance(docs[1], dict):
        docs[1:] = [{"platforms": {"kubernetes": {"deploymentSpec": {"executors": {}}}}}]
    try:
        table = docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    except (KeyError, TypeError):
        return "noop"
    if not isinstance(table, dict):
        return "noop"
    exe = table.setdefault(rng.choice(executors), {})
    if not isinstance(exe, dict):
        return "noop"
    tasks = [k for _, k in _tasks(doc)]
    producer = rng.choice(tasks) if tasks else "t"
    ref = rng.choice([
        {"taskOutputParameter": {"producerTask": producer, "outputParameterKey": rng.choice(["Output", "name", "zz"])}},
        {"taskOutputParameter": {}}, {"taskOutputParameter": "x"}, {"runtimeValue": {"constant": rng.choice(HOSTILE)}},
        {"componentInputParameter": rng.choice(["message", "x", "kfpc-items"])},
    ])
    key = rng.choice(PLATFORM_KEYS)
    value = rng.choice([
        _random_value(rng),
        [{"secretName": "s", "secretNameParameter": ref, "keyToEnv": [{"secretKey": "k", "envVar": "E"}]}],
        [{"key": rng.choice([1, "k", None]), "operator": "Equal", "value": rng.choice(["v", 2]),
          "effect": "NoSchedule"}],
        {"labels": {"a": rng.choice(["b", 1, None])}, "annotations": []},
        [{"name": "init", "image": "busybox", "command": ["sh"], "env": rng.choice([{}, "x", [], [{"name": "A"}]])}],
        ref, [dict(ref, mountPath="/m")], [{"mountPath": "/m", "pvcNameParameter": ref}],
        {"labels": {"kubernetes.io/os": "linux"}, "nodeSelectorJson": ref},
    ])
    exe[key] = value
    return "platform"


def m_numbers(docs, rng):
    nums = [(i, p) for i, d in enumerate(docs) for p, v in _nodes(d)
            if p and (isinstance(v, (int, float)) and not isinstance(v, bool)
                      or p[-1] in ("cpuLimit", "memoryLimit", "resourceCpuLimit", "resourceMemoryLimit",
                                   "resourceCpuRequest", "resourceMemoryRequest", "parallelism", "maxRetryCount",
                                   "activeDeadlineSeconds", "accelerator", "count"))]
    if not nums:
        return "noop"
    i, p = rng.choice(nums)
    _set(docs[i], p, rng.choice(NUMBERS + ["x", "inf", "1e+308G", "-1", "1.5Gi", "0.000001m", "1e3"]))
    return "numbers"


def m_empty_dag(docs, rng):
    root = docs[0].get("root")
    if isinstance(root, dict) and isinstance(root.get("dag"), dict):
        root["dag"]["tasks"] = rng.choice([{}, None, []])
        return "empty-dag"
    return "noop"


MUTATIONS: list[Callable[[list, random.Random], str]] = [
    m_drop, m_duplicate, m_retype, m_hostile_string, m_rename_key, m_swap_reference, m_deep_condition,
    m_clone_tasks, m_deep_nesting, m_platform, m_numbers, m_empty_dag,
]
# Weights keep the cheap, high-yield mutations common and the big ones (clones, nesting) rare.
WEIGHTS = [6, 3, 6, 6, 4, 5, 3, 1, 1, 6, 4, 1]


def _apply(mutation: Callable[[list, random.Random], str], docs: list, rng: random.Random) -> str:
    """A mutation assumes the shape of an SDK file; after an earlier one broke that shape it may not
    apply, and is skipped (deterministically: the same seed skips it again)."""
    try:
        return mutation(docs, rng)
    except (AttributeError, KeyError, TypeError, IndexError, ValueError):
        return "noop"


def mutant(seed_docs: list, rng: random.Random) -> tuple[str, list[str]]:
    """One mutated IR file (text) from parsed seed documents, and the mutations applied."""
    docs = copy.deepcopy(seed_docs)
    labels = [_apply(rng.choices(MUTATIONS, WEIGHTS)[0], docs, rng) for _ in range(rng.choice([1, 1, 2, 3]))]
    if rng.random() < 0.1:
        return json.dumps(docs[0], allow_nan=True), labels
    return yaml.dump_all(docs, Dumper=_DUMPER, sort_keys=False, allow_unicode=rng.random() < 0.5), labels


@functools.lru_cache(maxsize=1)
def _pool() -> list[tuple[str, list]]:
    """The parsed seeds, read once per process (mutants deep-copy them)."""
    return [(name, [d for d in yaml.load_all(text, Loader=_LOADER) if d is not None]) for name, text in seeds()]


def cases(count: int, seed: int = 0) -> Iterator[tuple[int, str, str, list[str]]]:
    """(case number, seed name, IR text, mutations) for `count` mutants, deterministic for `seed`."""
    pool = _pool()
    for n in range(count):
        rng = random.Random(f"kfpc-fuzz:{seed}:{n}")
        name, docs = pool[rng.randrange(len(pool))]
        text, labels = mutant(docs, rng)
        yield n, name, text, labels
