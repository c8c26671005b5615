"""Project defaults for `kfpc compile`, so a Makefile line stays short.

Read from `--config FILE`, else `kfpc.yaml` in the working directory, else the `[tool.kfpc]` table
of `pyproject.toml` there. Keys are the long command-line options (`service-account` or
`service_account`); tables hold repeatable ones: `labels`, `annotations`, `params` (compile-time
pipeline parameter values) and `options` (backend options, `-O`). Command-line flags win.

    [tool.kfpc]
    backend = "argo"
    namespace = "ml"
    service-account = "pipeline-runner"
    labels = { team = "ml" }
    params = { raw_data_path = "gs://bucket/data/latest.csv" }
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from kfpc.errors import UsageError, did_you_mean

SCALARS = {
    "backend": str, "format": str, "pipeline-root": str, "kind": str, "name": str, "namespace": str,
    "service-account": str, "schedule": str, "timezone": str, "max-concurrency": int, "ttl": int, "pod-gc": str,
    "image-pull-policy": str, "timeout": str, "pipeline-timeout": str, "artifact-repository": str,
    "caching": bool,
    "failure-policy": str, "parallelism": int, "run-semaphore": str,
}
TABLES = ("labels", "annotations", "params", "options")


def find(explicit: str | None, cwd: Path | None = None) -> Path | None:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise UsageError(f"config file {explicit!r} not found")
        return path
    here = cwd or Path.cwd()
    if (here / "kfpc.yaml").is_file():
        return here / "kfpc.yaml"
    pyproject = here / "pyproject.toml"
    if pyproject.is_file() and "kfpc" in pyproject.read_text("utf-8", errors="replace"):
        if "kfpc" in _toml(pyproject).get("tool", {}):  # any spelling: [tool.kfpc], [tool.kfpc.params], ...
            return pyproject
    return None


def _toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        return tomllib.loads(path.read_text("utf-8", errors="replace"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: {exc}") from None


def load(path: Path | None) -> dict[str, Any]:
    """The settings in `path`, keys normalised to their dashed form and values checked."""
    if path is None:
        return {}
    raw = _read(path)
    settings: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).replace("_", "-")
        if name in SCALARS:
            kind = SCALARS[name]
            if kind is int and isinstance(value, bool) or not isinstance(value, kind):
                wanted = {str: "a string", int: "an integer", bool: "true or false"}[kind]
                raise UsageError(f"{path}: {key} must be {wanted}, not {type(value).__name__}")
            settings[name] = value
        elif name in TABLES:
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                raise UsageError(f"{path}: {key} must be a table of name = value")
            settings[name] = {k: (_plain(v, f"{path}: {key}.{k}") if name == "params" else str(v))
                              for k, v in value.items()}
        else:
            raise UsageError(f"{path}: unknown setting {key!r}", hint=did_you_mean(name, [*SCALARS, *TABLES]))
    return settings


def _plain(value: Any, where: str) -> Any:
    """A parameter value as JSON knows it; dates and times (YAML and TOML read them unquoted) are
    the text that was written."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, where) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise UsageError(f"{where} must be a string, number, boolean, list or table, not {type(value).__name__}")


def _read(path: Path) -> dict[str, Any]:
    text = path.read_text("utf-8", errors="replace")
    if path.suffix == ".toml":
        tool = _toml(path).get("tool")
        if not isinstance(tool, dict) or "kfpc" not in tool:
            raise UsageError(f"{path}: no [tool.kfpc] table")
        table = tool["kfpc"]
    else:
        from kfpc import yamlio
        from kfpc.errors import KfpcError

        try:
            docs = yamlio.load_documents(str(path), text)
        except KfpcError as exc:  # keep the usage exit status, with yamlio's line and column
            raise UsageError(exc.diagnostics[0].render()) from None
        if len(docs) > 1:
            raise UsageError(f"{path}: one YAML document expected, found {len(docs)}")
        table = docs[0] if docs else None
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise UsageError(f"{path}: the kfpc settings must be a mapping")
    return table
