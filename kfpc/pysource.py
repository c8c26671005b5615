"""Pipelines given as Python (`kfpc compile --py pipeline.py`, or `kfpc.compile(my_pipeline)`).

The kfp SDK turns a `@dsl.pipeline` function into IR; kfpc then compiles that IR as it would the file
`kfp dsl compile` writes, so both routes give the same bytes. The SDK is imported only here and only
when asked for: it is an extra (`pip install "kfpc[kfp]"`), never needed to compile IR.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

from kfpc.errors import Diagnostic, InputError, KfpcError, UsageError, did_you_mean

INSTALL_HINT = 'install the kfp SDK with `pip install "kfpc[kfp]"` (or compile to IR with `kfp dsl compile` first)'


def _kfp_modules() -> tuple[Any, Any]:
    try:
        from kfp import compiler
        from kfp.dsl import graph_component
    except ImportError as exc:
        raise UsageError(f"compiling Python pipelines needs the kfp SDK, which cannot be imported ({exc})",
                         hint=INSTALL_HINT) from None
    return compiler, graph_component


def is_pipeline(obj: Any) -> bool:
    """A `@dsl.pipeline` function, without importing kfp when it is not already loaded."""
    module = sys.modules.get("kfp.dsl.graph_component")
    return module is not None and isinstance(obj, module.GraphComponent)


def ir_text(func: Any, name: str = "<pipeline function>") -> str:
    """The IR the kfp SDK writes for a pipeline function, as `kfp dsl compile` would write it."""
    compiler, _ = _kfp_modules()
    with tempfile.TemporaryDirectory(prefix="kfpc-py-") as folder:
        target = os.path.join(folder, "pipeline.yaml")
        try:
            with contextlib.redirect_stdout(sys.stderr):
                compiler.Compiler().compile(pipeline_func=func, package_path=target)
        except Exception as exc:  # noqa: BLE001 -- the SDK refuses the pipeline: said as kfp says it
            raise InputError(f"the kfp SDK could not compile the pipeline: {type(exc).__name__}: {exc}", file=name,
                             code="KFPC107") from None
        return Path(target).read_text("utf-8")


def ir_of_file(path: str, function: str | None = None) -> str:
    return ir_text(pick(path, function), path)


def pipelines_in(path: str) -> dict[str, Any]:
    """The pipelines a Python file defines, by name; an alias (`pipeline = ml_pipeline`) is the same
    pipeline, listed once under its function's own name."""
    _, graph_component = _kfp_modules()
    module = _run_module(path)
    names: dict[int, list[str]] = {}
    objects: dict[int, Any] = {}
    for attr in sorted(dir(module)):
        obj = getattr(module, attr)
        if isinstance(obj, graph_component.GraphComponent):
            names.setdefault(id(obj), []).append(attr)
            objects[id(obj)] = obj
    found = {}
    for key, attrs in names.items():
        own = getattr(getattr(objects[key], "pipeline_func", None), "__name__", None)
        found[own if own in attrs else attrs[0]] = objects[key]
    return dict(sorted(found.items()))


def pick(path: str, function: str | None) -> Any:
    """The one pipeline to compile: `function` if given (by any name it has in the file), else the only one."""
    found = pipelines_in(path)
    if function is not None:
        module = sys.modules.get(_module_name(path))
        chosen = getattr(module, function, None)
        if not is_pipeline(chosen):
            raise InputError(f"no pipeline function {function!r} in {path} (pipelines: {', '.join(found) or 'none'})",
                             file=path, code="KFPC107", hint=did_you_mean(function, found))
        return chosen
    if not found:
        raise InputError("defines no @dsl.pipeline function", file=path, code="KFPC107")
    if len(found) > 1:
        raise InputError(f"defines {len(found)} pipelines: {', '.join(found)}", file=path, code="KFPC107",
                         hint=f"choose one with --function, e.g. --function {next(iter(found))}")
    return next(iter(found.values()))


def _run_module(path: str) -> Any:
    """Import the file as kfp dsl compile does: its folder first on sys.path, so its own imports work."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"cannot read {path}: no such file", file=path, code="KFPC100")
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise InputError(f"{path} is not a Python file", file=path, code="KFPC107")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling in the user's file look their module up here
    with _on_path(str(file.resolve().parent)), contextlib.redirect_stdout(sys.stderr):  # stdout is the manifest's
        try:
            spec.loader.exec_module(module)
        except KfpcError:
            raise
        except SyntaxError as exc:
            raise InputError(Diagnostic("KFPC104", f"Python syntax error: {exc.msg}", path, line=exc.lineno,
                                        column=exc.offset)) from None
        except (Exception, SystemExit) as exc:  # noqa: BLE001 -- the user's module failed while being imported
            raise InputError(f"running {path} failed: {type(exc).__name__}: {exc}", file=path,
                             code="KFPC107") from None
    return module


def _module_name(path: str) -> str:
    return "_kfpc_pipeline_" + re.sub(r"\W", "_", str(Path(path).resolve()))


@contextlib.contextmanager
def _on_path(folder: str) -> Iterator[None]:
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
