"""Project defaults for `kfpc compile`, so a Makefile line stays short.

Found as black and ruff find theirs: from each input file's directory upward, the first folder holding
`kfpc.yaml` or a `pyproject.toml` with a `[tool.kfpc]` table (when there is none, or for standard
input, from the working directory upward); `--config FILE` names one instead. When a folder holds both, kfpc.yaml is used and a note says
so. Keys are the long command-line options (`service-account` or `service_account`); tables hold
repeatable ones: `labels`, `annotations`, `params` (compile-time pipeline parameter values) and
`options` (backend options, `-O`). Command-line flags win. A bad value is reported with the file,
line and key it came from.

    [tool.kfpc]
    backend = "argo"
    namespace = "ml"
    service-account = "pipeline-runner"
    labels = { team = "ml" }
    params = { raw_data_path = "gs://bucket/data/latest.csv" }
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
import sys
from pathlib import Path
from typing import Any

from kfpc.errors import Diagnostic, KfpcError, UsageError, did_you_mean

SCALARS: dict[str, Any] = {
    "backend": str, "format": str, "pipeline-root": str, "kind": str, "name": str, "namespace": str,
    "service-account": str, "schedule": str, "timezone": str, "max-concurrency": int, "ttl": (int, str),
    "pod-gc": str, "image-pull-policy": str, "timeout": (int, str), "pipeline-timeout": (int, str),
    "artifact-repository": str, "caching": bool, "strict": bool, "quiet": bool,
    "failure-policy": str, "parallelism": int, "run-semaphore": str,
}
TABLES = ("labels", "annotations", "params", "options")
YAML_NAMES = ("kfpc.yaml", "kfpc.yml")


@dataclass(frozen=True)
class Config:
    """The settings of one config file, and where each came from (for messages)."""

    path: Path | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # e.g. which of two files at one level is used

    def get(self, key: str, default: Any = None) -> Any:
        return self.settings.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.settings

    def error(self, key: str, message: str, hint: str | None = None) -> UsageError:
        """A usage error placed at `key` (dotted for tables: `params.n`) in this file."""
        flag = "--" + key
        text = message[2:] if message.startswith((flag + " ", flag + ":")) else f"{key}: {message}"
        return UsageError(Diagnostic("KFPC500", text, str(self.path), line=_line_of(self.path, key), hint=hint))


def find(explicit: str | None, start: Path | None = None) -> tuple[Path | None, tuple[str, ...]]:
    """The config file for an input in folder `start` (default: the working directory), and notes."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise UsageError(f"config file {explicit!r} not found")
        return path, ()
    found = _upward((start or Path.cwd()).resolve())
    if found[0] is None and start is not None:  # an input outside any configured project: the working directory's
        found = _upward(Path.cwd().resolve())
    return found


def _upward(here: Path) -> tuple[Path | None, tuple[str, ...]]:
    for folder in (here, *here.parents):
        yaml_file = next((folder / n for n in YAML_NAMES if (folder / n).is_file()), None)
        pyproject = folder / "pyproject.toml"
        has_table = pyproject.is_file() and _has_kfpc_table(pyproject)
        if yaml_file is not None:
            notes = (f"{yaml_file} is used; [tool.kfpc] in {pyproject} beside it is ignored",) if has_table else ()
            return yaml_file, notes
        if has_table:
            return pyproject, ()
    return None, ()


def for_input(explicit: str | None, input_path: str) -> Config:
    """The settings that apply to one input (`-` is standard input: the working directory's)."""
    start = None if input_path == "-" else Path(input_path).parent
    path, notes = find(explicit, start)
    return Config(path, load(path), notes)


def _has_kfpc_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text("utf-8", errors="replace")
    except OSError:
        return False
    if "kfpc" not in text:
        return False
    tool = _toml(pyproject).get("tool", {})
    return isinstance(tool, dict) and "kfpc" in tool  # any spelling: [tool.kfpc], [tool.kfpc.params], ...


def _toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    try:
        return tomllib.loads(path.read_text("utf-8", errors="replace"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: {exc}") from None


def load(path: Path | None) -> dict[str, Any]:
    """The settings in `path`, keys normalised to their dashed form and values checked."""
    if path is None:
        return {}
    where = Config(path)
    raw = _read(path)
    settings: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).replace("_", "-")
        if name in SCALARS:
            kind = SCALARS[name]
            kinds = kind if isinstance(kind, tuple) else (kind,)
            if (bool not in kinds and isinstance(value, bool)) or not isinstance(value, kinds):
                wanted = " or ".join({str: "a string", int: "an integer", bool: "true or false"}[k] for k in kinds)
                raise where.error(str(key), f"must be {wanted}, not {type(value).__name__}")
            settings[name] = value
        elif name in TABLES:
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                raise where.error(str(key), "must be a table of name = value")
            settings[name] = {k: (plain_value(v, where, f"{key}.{k}") if name == "params" else str(v))
                              for k, v in value.items()}
        else:
            raise where.error(str(key), f"unknown setting {key!r}", hint=did_you_mean(name, [*SCALARS, *TABLES]))
    return settings


def plain_value(value: Any, where: Config, key: str) -> Any:
    """A parameter value as JSON knows it; dates and times (YAML and TOML read them unquoted) are
    the text that was written."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, list):
        return [plain_value(v, where, key) for v in value]
    if isinstance(value, dict):
        return {str(k): plain_value(v, where, key) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise where.error(key, f"must be a string, number, boolean, list or table, not {type(value).__name__}")


def _read(path: Path) -> dict[str, Any]:
    text = path.read_text("utf-8", errors="replace")
    if path.suffix == ".toml":
        tool = _toml(path).get("tool")
        if not isinstance(tool, dict) or "kfpc" not in tool:
            raise UsageError(f"{path}: no [tool.kfpc] table")
        table = tool["kfpc"]
    else:
        from kfpc import yamlio

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


def _line_of(path: Path | None, key: str) -> int | None:
    """The line that sets `key` (dotted for a table entry), found in the file's text: good enough to
    point an editor at, and never needed on the success path."""
    if path is None:
        return None
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return None
    parts = key.split(".")
    if path.suffix != ".toml":
        from kfpc import yamlio

        where = yamlio.locate(text, 0, parts)
        return where[0] if where else None
    lines = text.splitlines()
    spellings = {parts[0], parts[0].replace("-", "_"), parts[0].replace("_", "-")}
    section = False
    for number, line in enumerate(lines, 1):
        header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            name = header.group(1).replace('"', "")
            section = name == "tool.kfpc" or name in {f"tool.kfpc.{s}" for s in spellings}
            if section and name != "tool.kfpc" and len(parts) == 1:
                return number
            continue
        if not section:
            continue
        for spelling in spellings | set(parts[-1:]):
            if re.match(rf'^\s*"?{re.escape(spelling)}"?\s*=', line):
                return number
    return None
