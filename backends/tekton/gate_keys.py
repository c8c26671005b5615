"""How many iterations a loop fanned out by a gate task can have on Tekton.

Tekton caps a Matrix at 256 combinations only when it is written literally: the check runs when the
Pipeline is admitted (Matrix.validateCombinationsCount, pkg/apis/pipeline/v1/matrix_types.go:307-314,
called from pipeline_validation.go:231-236 @v1.15.0). A Matrix fed from a task's array result fans
out over every element once the result is known (ApplyTaskResults then CountCombinations,
pkg/reconciler/pipelinerun/resources/pipelinerunresolution.go:728-732 @v1.15.0). What bounds such a
loop is the gate's own result: Tekton passes results in the step's termination message, refused
above 4096 bytes (pkg/termination/write.go:35,103-105 @v1.15.0, :29,48-50 @v0.59.6), and the kfpc
runtime refuses to publish a result that would not fit (kfpc/runtime/tekton.py.j2, `publish`). The
gate publishes `keys` (a JSON array of iteration keys such as "3" or "0.12") and then `n`; this
module measures that message exactly as the runtime does, so a constant loop too wide for it is
refused when compiling and a loop over values computed at run time is estimated at what it can hold.
"""

from __future__ import annotations

import itertools
import json
from functools import lru_cache
from typing import Any

from kfpc.plan.values import text_form
from kfpc.stored import go_json_size

from kfpc_backends.tekton import escape

RESULT_LIMIT = 4096  # MaxContainerTerminationMessageLength, pkg/termination/write.go:35 @v1.15.0
POD_MESSAGES = 12288  # the kubelet keeps 12 KiB of termination messages per pod, split between its containers
STARTED_AT = {"key": "StartedAt", "value": "2006-01-02T15:04:05.000-07:00", "type": 3}  # the longest time form
_NUMBERS = {1: 10, 2: 90, 3: 900, 4: 9000}  # how many indexes are written with that many digits


def result_limit(containers: int) -> int:
    """The bytes a step of a pod with this many containers may report (the runtime's result_limit)."""
    return min(RESULT_LIMIT, POD_MESSAGES // max(3, containers))


def message_size(keys: list[str], vals: list[str] | None = None) -> int:
    """Bytes of the gate's termination message once it has published `keys`, `n` and, for a
    container fanned out over its loop values, `vals` (when known; else the message is at least this)."""
    entries = [{"key": "keys", "value": json.dumps(keys, separators=(",", ":")), "type": 1},
               {"key": "n", "value": str(len(keys)), "type": 1}, STARTED_AT]
    if vals is not None:
        entries.append({"key": "vals", "value": json.dumps(vals, separators=(",", ":")), "type": 1})
    return go_json_size(entries)


def loop_values(desc: Any, levels: list[list[Any]]) -> list[str] | None:
    """The `vals` a gate publishes when each is a loop item (or a field of one) of known lists:
    the runtime's value() of an `i` descriptor, in T-form; None when not known here."""
    if not (isinstance(desc, list) and len(desc) == 3 and desc[0] == "i"):
        return None
    _, level, selector = desc
    out = []
    for combo in itertools.product(*(range(len(items)) for items in levels)):
        value = levels[level][combo[level]]
        for step in selector:
            try:
                value = value[step]
            except (KeyError, IndexError, TypeError):
                return None
        out.append(escape.tform(text_form(value)))
    return out


def iteration_keys(lengths: list[int]) -> list[str]:
    """Every key of nested loops with these lengths, as the runtime writes them ("i.j"), in order."""
    keys = [""]
    for length in lengths:
        keys = [f"{key}.{i}" if key else str(i) for key in keys for i in range(length)]
    return keys if lengths else []


@lru_cache(maxsize=None)
def capacity(depth: int, containers: int) -> int:
    """The most iterations a gate over `depth` nested loops can list, whatever the lists hold: the
    count of the shortest distinct keys that still fit (keys need not be distinct to be measured)."""
    limit = result_limit(containers)
    lengths = _shortest_lengths(depth, limit)
    low, high = 0, len(lengths)
    while low < high:
        middle = (low + high + 1) // 2
        if message_size(["x" * n for n in lengths[:middle]]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _shortest_lengths(depth: int, count: int) -> list[int]:
    """Text lengths of the `count` shortest keys of `depth` levels (indexes joined by dots), ascending."""
    ways = {0: 1}  # total digits -> how many keys have that many
    for _ in range(depth):
        merged: dict[int, int] = {}
        for total, n in ways.items():
            for digits, m in _NUMBERS.items():
                merged[total + digits] = merged.get(total + digits, 0) + n * m
        ways = merged
    out: list[int] = []
    for total in sorted(ways):
        out += [total + depth - 1] * min(ways[total], count - len(out))
        if len(out) >= count:
            break
    return out
