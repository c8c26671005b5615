"""The wire format between the Tekton compiler and the kfpc runtime it ships, defined once.

The compiler (sources.py and the builders) writes each runtime step a JSON spec, KFPC_SPEC; the program
(runtime/program.py.j2) reads it. Every tag and key below is rendered into the program from this module
(runtime/generate.py), so the two sides cannot drift, and tests/test_tekton_wire.py checks that each tag
the compiler emits is one the program reads and the reverse. Tags stay one to three characters: every
runtime step carries its spec inline and a PipelineRun lives near etcd's size limit (limits.py), so the
names for readers are the constants here, not the bytes on the wire.

A descriptor is a JSON list, its tag first; "desc" below is any value descriptor, "art" an artifact
descriptor. `depth` is how many of the producer's loops the reader shares (the length of the iteration
key prefix it reads), `loops` how many more the producer is inside (collected over), `level` the index
of one of the reader's loops.
"""

from __future__ import annotations

from typing import Any

from kfpc.runtime import generate


class Value:
    """Where a parameter value comes from, as text; missing when its producer did not run."""

    CONST = "c"  # [CONST, value]: a constant, in its text form
    ENV = "e"  # [ENV, var] or [ENV, var, 1]: an env var Tekton fills; with 1, empty means not given
    FILE = "f"  # [FILE, task, output, depth, selector]: a producer's file in the run's volume, selector a JSON path
    COLLECTED = "l"  # [COLLECTED, task, output, depth, loops, element type]: a producer's files over its loops, as a list
    ITEM = "i"  # [ITEM, level, selector]: the current item of one of the reader's loops
    ONE_OF = "o"  # [ONE_OF, [desc...]]: the first option that is not missing
    INTERP = "x"  # [INTERP, [text or desc...]]: the parts joined
    STATUS = "s"  # [STATUS, run state var, [task state vars], group name, [exit code vars], [[guard of each task]]]: PipelineTaskFinalStatus
    ARTIFACT_FACT = "A"  # [ARTIFACT_FACT, "path"|"uri"|"metadata", art, field or null]: a fact of an artifact
    NOW = "now"  # [NOW]: the step's start time (Tekton exposes no run creation time)
    NOTHING = "n"  # [NOTHING]: no source at all; always missing


class Artifact:
    """Where an artifact comes from: a list of [uri, metadata, local path]."""

    FILE = "af"  # [FILE, task, output, depth]
    COLLECTED = "al"  # [COLLECTED, task, output, depth, loops]: one entry per iteration that produced it
    ONE_OF = "ao"  # [ONE_OF, [art...]]
    ITEM = "ai"  # [ITEM, level]: the current item of a loop over artifacts
    INPUT = "au"  # [INPUT, var]: a pipeline input artifact, a URI or a path in the workspace, given at run time


class Loop:
    """One entry of the loop table (Spec.LOOPS): how to find a loop level's items."""

    PARAMS = "P"  # [PARAMS, desc]: a list-valued parameter (a constant list for literal items)
    ARTIFACTS = "A"  # [ARTIFACTS, art]: a list of artifacts


class Condition:
    """A condition tree (Spec.GUARDS); missing operands make the whole guard false."""

    LITERAL = "lit"  # [LITERAL, value]
    OPERAND = "opd"  # [OPERAND, input name, parameter type, cast ("int"|"double"|null), desc]
    NOT = "not"  # [NOT, cond]
    AND = "and"  # [AND, [cond...]]
    OR = "or"  # [OR, [cond...]]
    COMPARE = "cmp"  # [COMPARE, "=="|"!="|"<"|"<="|">"|">=", cond, cond]


class Placeholder:
    """A Tekton-only node in a placeholder tree (the others are kfpc/plan/placeholders.py's)."""

    VALUE = "v"  # [VALUE, desc]: a runtime value (run name, uid...) resolved in the pod


class Meta:
    """In importer metadata (Spec.METADATA), a value substituted at run time."""

    VALUE = "=v"  # [VALUE, desc]: the value, parsed as JSON when it is JSON, else the text


class Spec:
    """Keys of KFPC_SPEC. Which a mode reads is in its function of the program."""

    TASK = "t"  # run, post, import, pvc: the flat task whose directory the outputs go to
    PARAMS = "p"  # run, pvc: [[name, type, desc]...] input parameters
    ARTIFACTS = "a"  # run: [[name, schema title, schema version, is list (0|1), art]...] input artifacts
    OUT_PARAMS = "op"  # run, post: [[name, type]...]
    PVC_OPERATION = "op"  # pvc: "create" or "delete" (same key as OUT_PARAMS, another mode)
    OUT_ARTIFACTS = "oa"  # run: [[name, schema title, schema version]...]; post: [name...]
    ENV = "env"  # run: [[name, [INTERP, parts]]...] the component's own env vars
    TEMPLATED = "x"  # run: {argv index: placeholder tree} for arguments rendered in the pod
    LOOPS = "L"  # run, gate: the loop table, one Loop entry per level around the task
    GUARDS = "g"  # run, gate, cond: [cond...] conditions evaluated in the pod
    VALUE = "v"  # value, gate: the desc to publish (gate: each iteration's Matrix value)
    RAW = "raw"  # value: 1 when the result is a pipeline result (published as is, empty when missing)
    RESULTS = "r"  # run, post, pvc: {output: Tekton result} outputs other tasks read, published in T-form
    RAW_RESULTS = "rr"  # run, post, pvc: {output: Tekton result} outputs published as written (pipeline results)
    POD_CONTAINERS = "pc"  # any: containers of the pod, when more than 3 (they share the termination message budget)
    WAITS_FOR = "gu"  # run: env vars naming exit-code files of steps that must have succeeded
    RETRIES = "rt"  # run: retries of a Python component in an exit task sharing its pod, run in the step
    MATRIX_KEY = "mk"  # post: 1 when the iteration key comes from the Matrix (the keys param), not KFPC_KEY
    URI = "u"  # import: desc of the artifact's URI
    METADATA = "m"  # import: its metadata, with Meta.VALUE nodes
    ARTIFACT = "a"  # import: the artifact's output name (same key as ARTIFACTS, another mode)
    STEPS = "s"  # verdict: [[exit code var, step name]...]
    RUN = "run"  # schedule: the PipelineRun to create, base64 JSON
    MAX_RUNS = "max"  # schedule: --max-concurrency (0: no limit)
    LABEL = "label"  # schedule: the label selector of the schedule's runs


class Mode:
    """The program's first argument: what the step does."""

    RUN = "run"  # a Python component through the launcher
    GATE = "gate"  # a loop's iteration keys (and Matrix values)
    COND = "cond"  # a condition, as result v
    VALUE = "value"  # one value, as result v
    POST = "post"  # a plain container's outputs into the run's volume
    IMPORT = "import"  # an importer
    PVC = "pvc"  # kfp-kubernetes CreatePVC / DeletePVC
    VERDICT = "verdict"  # fail a shared finally pod when one of its steps failed
    SCHEDULE = "schedule"  # a CronJob's pod: create a PipelineRun


GROUPS: tuple[type, ...] = (Value, Artifact, Loop, Condition, Placeholder, Meta, Spec, Mode)


def definitions() -> dict[str, dict[str, str]]:
    """Group name -> constant name -> wire text."""
    return generate.definitions(GROUPS)


def for_template(read: set[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The groups for program.py.j2 (`{{ wire.Value.FILE }}` renders `'f'`); `read` collects the
    (group, name) pairs the template uses."""
    return generate.quoted(GROUPS, read)
