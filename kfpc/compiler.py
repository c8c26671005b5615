"""The compile pipeline, front to back: read -> schema -> typed IR -> graph checks -> plan -> backend.

This is also the library API (re-exported from kfpc): the CLI is a thin shell around it, so Python
users get the same errors and the same bytes.
"""

from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

from kfpc import yamlio
from kfpc.backend import Backend, Options
from kfpc.errors import KfpcError
from kfpc.graph import checks
from kfpc.ir import load as ir_load
from kfpc.ir import parse as ir_parse
from kfpc.ir import schema as ir_schema
from kfpc.plan import lower
from kfpc.plan.model import Plan


@dataclass(frozen=True)
class Result:
    documents: Sequence[dict[str, Any]]
    warnings: Sequence[str] = field(default_factory=tuple)

    def text(self, fmt: str = "yaml") -> str:
        with _no_gc():
            return yamlio.dump_json(self.documents) if fmt == "json" else yamlio.dump_yaml(self.documents)


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
    return plan, warnings


def load_plan(path: str) -> tuple[Plan, list[str]]:
    with _no_gc():
        return plan_source(ir_load.load(path))


def compile_plan(plan: Plan, backend: "str | Backend" = "argo", options: Options | None = None) -> Result:
    """Render a plan with a backend given by name (looked up in the registry) or as an object."""
    from kfpc import registry

    from kfpc.plan import arguments

    engine = registry.load(backend) if isinstance(backend, str) else backend
    options = options or Options()
    with _no_gc():
        plan = arguments.apply(plan, dict(options.params))
        output = engine.compile(plan, options)
    return Result(tuple(output.documents), tuple(output.warnings))


def compile_file(path: str, backend: str = "argo", options: Options | None = None) -> Result:
    """Compile one IR file (`-` for stdin) with the named backend."""
    plan, warnings = load_plan(path)
    try:
        result = compile_plan(plan, backend, options)
    except KfpcError as exc:
        raise exc.with_file(plan.source) from None
    return Result(result.documents, tuple(warnings) + tuple(result.warnings))


def compile_text(text: str, backend: str = "argo", options: Options | None = None, name: str = "<string>") -> Result:
    with _no_gc():
        plan, warnings = plan_source(ir_load.load_text(name, text))
    try:
        result = compile_plan(plan, backend, options)
    except KfpcError as exc:
        raise exc.with_file(name) from None
    return Result(result.documents, tuple(warnings) + tuple(result.warnings))
