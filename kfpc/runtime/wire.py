"""The placeholder trees every in-pod program renders, defined once.

kfpc/plan/placeholders.py (launcher_tree) turns the component's placeholders kfpc cannot leave to the
engine into JSON trees; the executor core (core.py.j2) renders them into argv in the pod. The tags below
are rendered into the core from this module (generate.py), so the two cannot drift; a backend adds its
own leaf nodes (runtime values) in its own wire format. A tree is a string (literal text) or a list, its
tag first.
"""

from __future__ import annotations


class Node:
    """Tags of placeholder tree nodes."""

    CONCAT = "cat"  # [CONCAT, [tree...]]: the parts' texts joined into one argument
    IF_PRESENT = "if"  # [IF_PRESENT, input name, [tree...] then, [tree...] otherwise]
    JSON_ESCAPE = "je"  # [JSON_ESCAPE, level, tree]: the text escaped `level` times for a JSON string
    EXECUTOR_INPUT = "ei"  # [EXECUTOR_INPUT]: KFP's ExecutorInput as JSON ({{$}})
    EXECUTOR_OUTPUT = "eo"  # [EXECUTOR_OUTPUT]: the path of executor_output.json
    INPUT_VALUE = "iv"  # [INPUT_VALUE, name]: an input parameter's text form (nothing when absent)
    OUTPUT_PARAM = "op"  # [OUTPUT_PARAM, name]: the file an output parameter is written to
    INPUT_ARTIFACT = "ia"  # [INPUT_ARTIFACT, name, "path"|"uri"|"metadata"|"list", key or null]
    OUTPUT_ARTIFACT = "oa"  # [OUTPUT_ARTIFACT, name, "path"|"uri"|"metadata"|"list", key or null]


GROUPS: tuple[type, ...] = (Node,)
