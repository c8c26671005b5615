"""The one error hierarchy kfpc raises, with stable codes.

Users meet these errors on the command line and in CI logs, so every error carries a code they can
search for, the file it is about and, where known, the place in it: the IR path
(`root.dag.tasks.train.inputs...`) and the line:column. Several problems found in one pass are
reported together, so a user fixes a pipeline in one round trip instead of one error at a time.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

__all__ = ["KfpcError", "UnsupportedError", "UsageError", "did_you_mean", "named", "agree"]


def did_you_mean(word: str, options: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The hint for a misspelt name: the closest known one, when one is close enough."""
    near = difflib.get_close_matches(word, sorted(options), n=1, cutoff=cutoff)
    return f"did you mean {near[0]!r}?" if near else None


#: Every code kfpc can emit, with a short title. The README's error table is generated from this.
CODES: dict[str, str] = {
    "KFPC100": "cannot read input",
    "KFPC101": "input is binary, not text",
    "KFPC102": "input is not valid UTF-8",
    "KFPC103": "input is too large",
    "KFPC104": "YAML/JSON syntax error",
    "KFPC105": "input is nested too deeply",
    "KFPC106": "YAML aliases expand too far",
    "KFPC107": "input is not a pipeline IR document",
    "KFPC200": "IR does not match the PipelineSpec schema",
    "KFPC301": "reference to an unknown component",
    "KFPC302": "reference to an unknown executor",
    "KFPC303": "reference to an unknown task",
    "KFPC304": "reference to an unknown output",
    "KFPC305": "reference to an unknown input",
    "KFPC306": "required input not supplied",
    "KFPC307": "tasks depend on each other in a cycle",
    "KFPC308": "components reference each other in a cycle",
    "KFPC309": "condition cannot be parsed",
    "KFPC310": "loop iterator is invalid",
    "KFPC311": "pipeline has no name",
    "KFPC312": "placeholder cannot be parsed",
    "KFPC313": "value does not match its declared type",
    "KFPC314": "component kind is not supported",
    "KFPC315": "kfp-kubernetes setting is unknown or invalid",
    "KFPC316": "IR field is not supported (see docs/ir-coverage.md)",
    "KFPC317": "feature exists only on Vertex AI",
    "KFPC400": "the backend cannot express this pipeline",
    "KFPC500": "usage error",
    "KFPC600": "unknown backend",
    "KFPC601": "backend plugin failed to load",
    "KFPC700": "internal error",
}


_COMMAND_CODES = ("KFPC500", "KFPC600", "KFPC601")  # usage, unknown backend, plugin failure


@dataclass(frozen=True)
class Diagnostic:
    """One problem, located as precisely as the input allows."""

    code: str
    message: str
    file: str | None = None
    path: tuple[str | int, ...] = ()
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def with_file(self, file: str) -> "Diagnostic":
        return self if self.file else replace(self, file=file)

    @property
    def ir_path(self) -> str:
        return format_path(self.path)

    def render(self) -> str:
        """One line (two with a hint) whatever the names in it hold: control characters, newlines and
        invisible format characters from file names, task names or values are shown escaped."""
        where = printable(self.file) if self.file else ("kfpc" if self.code in _COMMAND_CODES else "<input>")
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: error[{self.code}]: {printable(self.message)}"
        if self.path:
            text += f" (at {printable(self.ir_path)})"
        if self.hint:
            text += f"\n  hint: {printable(self.hint)}"
        return text


# C0/C1 controls, DEL, line and paragraph separators, zero-width and bidirectional format characters.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def named(noun: str, names: Sequence[str]) -> str:
    """`pipeline parameter 'a'` or `pipeline parameters 'a', 'b'`: a message about every offender
    at once, so the user fixes them in one go."""
    return f"{noun}{'s' if len(names) > 1 else ''} {', '.join(repr(name) for name in names)}"


def agree(names: Sequence[str], one: str, many: str) -> str:
    """The word that agrees with how many `names` a message lists (`is`/`are`, `it`/`them`)."""
    return many if len(names) > 1 else one


def printable(text: str) -> str:
    """`text` with every character that would break or disguise a terminal line written as an escape."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def format_path(path: Sequence[str | int]) -> str:
    """Render an IR path the way users read their YAML: dotted keys, `[i]` for list items."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out == "":
            out = str(part)
        elif _is_plain_key(str(part)):
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out


_PLAIN_KEY = re.compile(r"[\w-]+")


def _is_plain_key(key: str) -> bool:
    return _PLAIN_KEY.fullmatch(key) is not None


#: How many problems one run reports; the rest are counted, not listed.
MAX_REPORTED = 50


def capped(diagnostics: Sequence[Diagnostic]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """The first MAX_REPORTED diagnostics, and one that says how many more there were (or none)."""
    shown = list(diagnostics[:MAX_REPORTED])
    more = len(diagnostics) - len(shown)
    if more <= 0:
        return shown, []
    first = shown[0]
    return shown, [Diagnostic(first.code, f"{more} more problem{'s' if more > 1 else ''} not shown (kfpc reports "
                              f"the first {MAX_REPORTED})", first.file)]


class KfpcError(Exception):
    """Base of every error kfpc reports; `exit_status` is what the CLI exits with."""

    exit_status = 1
    default_code = "KFPC700"

    def __init__(self, problems: str | Diagnostic | Iterable[Diagnostic], *, file: str | None = None,
                 path: Sequence[str | int] = (), hint: str | None = None, code: str | None = None):
        if isinstance(problems, str):
            problems = [Diagnostic(code or self.default_code, problems, file, tuple(path), hint=hint)]
        elif isinstance(problems, Diagnostic):
            problems = [problems]
        self.diagnostics: tuple[Diagnostic, ...] = tuple(problems)
        if file:
            self.diagnostics = tuple(d.with_file(file) for d in self.diagnostics)
        super().__init__("\n".join(d.render() for d in self.diagnostics))

    @property
    def code(self) -> str:
        return self.diagnostics[0].code if self.diagnostics else self.default_code

    def with_file(self, file: str) -> "KfpcError":
        clone = type(self)(self.diagnostics, file=file)
        return clone


class InputError(KfpcError):
    """The bytes could not be turned into a document (encoding, syntax, size, nesting)."""

    default_code = "KFPC100"


class SchemaError(KfpcError):
    """The document is not a valid PipelineSpec."""

    default_code = "KFPC200"


class GraphError(KfpcError):
    """The IR is well-formed but inconsistent: dangling references, cycles, bad conditions."""

    default_code = "KFPC301"


class UnsupportedError(KfpcError):
    """Valid IR that the chosen backend cannot express on a vanilla engine install."""

    default_code = "KFPC400"


class BackendNotFound(KfpcError):
    """An unknown `--backend` name is a usage mistake, so it exits 2."""

    exit_status = 2
    default_code = "KFPC600"


class BackendLoadError(KfpcError):
    default_code = "KFPC601"


class UsageError(KfpcError):
    """Bad command-line usage; exits 2 like argparse does."""

    exit_status = 2
    default_code = "KFPC500"


@dataclass
class Collector:
    """Gathers diagnostics from a pass so all of them are reported at once."""

    file: str | None = None
    items: list[Diagnostic] = field(default_factory=list)

    def add(self, code: str, message: str, path: Sequence[str | int] = (), hint: str | None = None) -> None:
        self.items.append(Diagnostic(code, message, self.file, tuple(path), hint=hint))

    def raise_if_any(self, kind: type[KfpcError] = GraphError) -> None:
        if self.items:
            raise kind(self.items)
