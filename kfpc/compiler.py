"""The compile pipeline, front to back: read -> schema -> typed IR -> graph checks -> plan -> backend.

This is also the library API (re-exported from kfpc): the CLI is a thin shell around it, so Python
users get the same errors, warnings and bytes. `compile()` is the one entry point; `compile_file`,
`compile_text` and `compile_plan` are the steps it is made of, kept for callers that hold those.
"""

from __future__ import annotations

import contextlib
import gc
import os
from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Mapping, Sequence

from kfpc import yamlio
from kfpc.backend import Backend, Options, declared_transforms
from kfpc.errors import InputError, KfpcError, UsageError
from kfpc.graph import checks
from kfpc.ir import load as ir_load
from kfpc.ir import parse as ir_parse
from kfpc.ir import schema as ir_schema
from kfpc.plan import lower
from kfpc.plan.model import Plan
from kfpc.run_options import RunOptions


@dataclass(frozen=True)
class Result:
    documents: Sequence[dict[str, Any]]
    warnings: Sequence[str] = field(default_factory=tuple)

    def text(self, fmt: str = "yaml") -> str:
        """YAML documents, or JSON: one object, or for several a `v1` `List` that kubectl reads as one."""
        with _no_gc():
            if fmt == "json":
                return yamlio.dump_json([as_list(self.documents)])
            return yamlio.dump_yaml(self.documents)

    def to_hera(self) -> list[Any]:
        """The Argo documents as typed hera models (`pip install "kfpc[hera]"`), for Python users who read
        or adjust the output with autocompletion and validation instead of dicts."""
        from kfpc import hera_models

        return hera_models.to_hera(self.documents)


def as_list(documents: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One document as itself; several as the `v1` List kubectl accepts in one JSON file."""
    if len(documents) == 1:
        return documents[0]
    return {"apiVersion": "v1", "kind": "List", "items": list(documents)}


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """A compile builds many small acyclic objects; the cycle collector only slows it down (it
    scans the whole heap again and again, so large pipelines took superlinear time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def plan_source(source: ir_load.Source) -> tuple[Plan, list[str]]:
    """Validate one loaded IR file and lower it; errors carry the file name and line:column."""
    warnings: list[str] = []
    try:
        ir_schema.validate_pipeline(source.pipeline)
    except KfpcError as exc:
        raise source.place(exc, 0) from None
    except RecursionError:
        raise KfpcError("input is nested too deeply", file=source.name, code="KFPC105") from None
    if source.platform is not None:
        try:
            ir_schema.validate_platform(source.platform)
        except KfpcError as exc:
            raise source.place(exc, 1) from None
    try:
        pipeline = ir_parse.parse(source.pipeline, source.platform)
        checks.check(pipeline, source.name)
        plan = lower.lower(pipeline, source.name)
    except KfpcError as exc:
        raise source.place(exc, 0) from None
    warnings += source.notes
    warnings += plan.warnings
    return _wrapper_values(source, plan), warnings


def _wrapper_values(source: ir_load.Source, plan: Plan) -> Plan:
    """A PipelineJob's run values: its parameter values and output directory (the pipeline root)."""
    import dataclasses

    from kfpc.errors import UsageError
    from kfpc.plan import arguments

    if source.params:
        try:
            plan = arguments.apply(plan, source.params)
        except UsageError as exc:
            raise KfpcError(f"runtimeConfig.parameterValues: {exc.diagnostics[0].message}", file=source.name,
                            code="KFPC313") from None
    if source.pipeline_root and not plan.pipeline_root:
        plan = dataclasses.replace(plan, pipeline_root=source.pipeline_root)
    return plan


def load_plan(path: str) -> tuple[Plan, list[str]]:
    """The plan of one IR file (`-` for stdin); a Python file gets a hint instead of a YAML error."""
    if path.endswith(".py"):
        raise InputError("this is a Python file, not pipeline IR", file=path, code="KFPC107", hint=PY_HINT)
    with _no_gc():
        try:
            source = ir_load.load(path)
        except InputError as exc:
            raise _python_hint(exc, path) from None
        return plan_source(source)


def load_text(text: str, name: str) -> tuple[Plan, list[str]]:
    with _no_gc():
        return plan_source(ir_load.load_text(name, text))


PY_HINT = ("compile it with `kfpc compile --py FILE` (needs the kfp SDK: pip install \"kfpc[kfp]\"), or write "
           "the IR first with `kfp dsl compile --py FILE --output pipeline.yaml`")
_PYTHON_START = ("import ", "from ", "def ", "@dsl.", "#!", "class ")


def _python_hint(exc: InputError, path: str) -> InputError:
    """A Python source passed as IR fails as YAML; say what it is and what to do instead."""
    if exc.code not in ("KFPC104", "KFPC107") or path == "-":
        return exc
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return exc
    lines = [ln for ln in head.splitlines() if ln.strip() and not ln.lstrip().startswith("# ")]
    if not lines or not any(ln.startswith(_PYTHON_START) for ln in lines[:20]):
        return exc
    first = exc.diagnostics[0]
    return InputError(replace(first, message=f"this looks like Python, not pipeline IR ({first.message})",
                              hint=PY_HINT))


def compile_plan(plan: Plan, backend: "str | Backend" = "argo", options: Options | None = None) -> Result:
    """Render a plan with a backend given by name (looked up in the registry) or as an object: the
    rewrites of the compile options and the backend's declared `transforms` (and `plan_transforms`
    for these options) first, in the order kfpc.plan.transforms documents, then its `compile`."""
    from kfpc import registry

    from kfpc.plan import arguments, transforms
    from kfpc.plan.transforms import pipeline_root

    engine = registry.load(backend) if isinstance(backend, str) else backend
    options = options or Options()
    with _no_gc():
        plan = arguments.apply(plan, dict(options.params))
        plan = pipeline_root.override(plan, options.pipeline_root)
        plan = transforms.apply(plan, declared_transforms(engine, options))
        output = engine.compile(plan, options)
    return Result(tuple(output.documents), tuple(missing_parameters(plan)) + tuple(output.warnings))


def missing_parameters(plan: Plan) -> list[str]:
    """Required parameters with no default and no value: the engine refuses the run until one is given
    (Argo at submit, Tekton's `kubectl create` with ParameterMissing), so say it at compile time."""
    return [f"pipeline parameter {q.name!r} ({q.type.value}) is required and has no default or value: give it "
            f"with -p {q.name}=VALUE (or --param-file), or when submitting the run"
            for q in plan.inputs if not q.has_default and not q.optional] + \
        [f"pipeline input artifact {a.name!r} is required and has no value: give its URI with -p {a.name}=URI, or "
         "when submitting the run (where the engine can take it)"
         for a in plan.root_dag.interface.in_artifacts if not a.optional and plan.artifact_uri(a.name) is None]


def compile_file(path: str, backend: "str | Backend" = "argo", options: Options | None = None) -> Result:
    """Compile one IR file (`-` for stdin) with the named backend."""
    plan, warnings = load_plan(path)
    try:
        result = compile_plan(plan, backend, options)
    except KfpcError as exc:
        raise exc.with_file(plan.source) from None
    return Result(result.documents, tuple(warnings) + tuple(result.warnings))


def compile_text(text: str, backend: "str | Backend" = "argo", options: Options | None = None,
                 name: str = "<string>") -> Result:
    """Compile IR given as text; `name` is what messages call it."""
    plan, warnings = load_text(text, name)
    try:
        result = compile_plan(plan, backend, options)
    except KfpcError as exc:
        raise exc.with_file(name) from None
    return Result(result.documents, tuple(warnings) + tuple(result.warnings))


def compile(source: Any, backend: str | Backend = "argo", *, params: Mapping[str, Any] | None = None,
            run: RunOptions | Mapping[str, Any] | None = None, options: Options | Mapping[str, str] | None = None,
            pipeline_root: str | None = None, function: str | None = None) -> Result:
    """Compile a pipeline into engine manifests.

    `source` is a path to IR (YAML/JSON) or to a Python file (`function` picks one of its pipelines),
    IR text, IR as a dict (or a list of the PipelineSpec and PlatformSpec dicts), or a `@dsl.pipeline`
    function. `params` are pipeline parameter values (as `-p`); `run` is a RunOptions or a mapping of
    its fields (kind, namespace, ttl_seconds, ...); `options` holds backend options (as `-O`) or is a
    complete Options. Raises KfpcError with the same messages as the command line.
    """
    full = _options(options, params, run, pipeline_root)
    if isinstance(source, (str, os.PathLike)) and not _is_text(source):
        path = os.fspath(source)
        if path.endswith(".py"):
            from kfpc import pysource

            return compile_text(pysource.ir_of_file(path, function), backend, full, name=path)
        return compile_file(path, backend, full)
    text, name = _as_text(source)
    return compile_text(text, backend, full, name=name)


def _is_text(source: Any) -> bool:
    return isinstance(source, str) and ("\n" in source or source.lstrip().startswith("{"))


def _as_text(source: Any) -> tuple[str, str]:
    from kfpc import pysource

    if isinstance(source, str):
        return (source, "<string>")
    if isinstance(source, bytes):
        return (yamlio.decode("<bytes>", source), "<bytes>")
    if isinstance(source, Mapping):
        return (yamlio.dump_yaml([dict(source)]), "<dict>")
    if isinstance(source, (list, tuple)) and source and all(isinstance(d, Mapping) for d in source):
        return (yamlio.dump_yaml([dict(d) for d in source]), "<dict>")
    if pysource.is_pipeline(source):
        name = f"<pipeline {getattr(source, 'name', '?')}>"
        return (pysource.ir_text(source, name), name)
    raise UsageError(f"cannot compile a {type(source).__name__}: give a path, IR text, an IR dict or a "
                     "@dsl.pipeline function")


def _options(options: Any, params: Mapping[str, Any] | None, run: Any, pipeline_root: str | None) -> Options:
    base = options if isinstance(options, Options) else Options(extra=tuple(dict(options or {}).items()))
    if run is not None:
        run = run if isinstance(run, RunOptions) else RunOptions().with_values(**dict(run))
        run.check()
    merged = {**dict(base.params), **dict(params or {})}
    return Options(pipeline_root=pipeline_root if pipeline_root is not None else base.pipeline_root,
                   extra=base.extra, run=run if run is not None else base.run, params=tuple(merged.items()))
