"""Reading an IR file: bytes -> one PipelineSpec mapping (+ an optional PlatformSpec mapping).

Kept apart from parsing so that every entry point (CLI, library, tests) refuses bad input the same
way, with the file named in the message.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from kfpc import yamlio
from kfpc.errors import Diagnostic, InputError, KfpcError, capped


@dataclass(frozen=True)
class Source:
    """The documents of one IR file, with what is needed to point back into it."""

    name: str
    text: str
    pipeline: Mapping[str, Any]
    platform: Mapping[str, Any] | None

    def locate(self, doc_index: int, path: tuple[str | int, ...]) -> tuple[int, int] | None:
        return yamlio.locate_all(self.text, [(doc_index, path)])[0]

    def place(self, error: KfpcError, doc_index: int = 0) -> KfpcError:
        """Fill in file, line and column for diagnostics that only know their IR path.

        Only the first MAX_REPORTED problems are reported (and placed, in one pass over the text),
        then how many more there are: a broken generator can produce thousands of the same mistake."""
        shown, rest = capped(error.diagnostics)
        queries = [(self.doc_of(diag, doc_index), diag.path) for diag in shown if diag.line is None and diag.path]
        found = iter(yamlio.locate_all(self.text, queries))
        placed = []
        for diag in shown:
            line = col = None
            if diag.line is None and diag.path:
                where = next(found)
                if where:
                    line, col = where
            placed.append(Diagnostic(diag.code, diag.message, diag.file or self.name, diag.path,
                                     diag.line if diag.line is not None else line,
                                     diag.column if diag.column is not None else col, diag.hint))
        return type(error)(placed + rest)

    def doc_of(self, diag: Diagnostic, doc_index: int) -> int:
        """The platform document's paths start at its top key."""
        return 1 if diag.path[0] == "platforms" and self.platform is not None else doc_index


def read_bytes(path: str) -> tuple[str, bytes]:
    """`-` means standard input. Returns the display name and the raw bytes."""
    if path == "-":
        return "<stdin>", sys.stdin.buffer.read(yamlio.MAX_BYTES + 1)
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(f"{path} is a directory, not an IR file", file=path, code="KFPC100")
        with p.open("rb") as fh:
            return path, fh.read(yamlio.MAX_BYTES + 1)
    except KfpcError:
        raise
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", file=path, code="KFPC100") from None


def load_text(name: str, text: str) -> Source:
    docs = [d for d in yamlio.load_documents(name, text)]
    while docs and docs[-1] is None and len(docs) > 1:
        docs.pop()  # a trailing `---` leaves an empty document behind
    if not docs or docs[0] is None:
        raise InputError("the file is empty; expected a PipelineSpec compiled by the kfp SDK", file=name,
                         code="KFPC107")
    if len(docs) > 2:
        raise InputError(f"the file has {len(docs)} YAML documents; expected a PipelineSpec and at most one "
                         "PlatformSpec", file=name, code="KFPC107")
    pipeline = docs[0]
    if not isinstance(pipeline, dict):
        raise InputError(f"expected a mapping (PipelineSpec) at the top level, found {_kind(pipeline)}",
                         file=name, code="KFPC107")
    _refuse_lookalikes(name, pipeline)
    platform = docs[1] if len(docs) == 2 else None
    if platform is not None and not isinstance(platform, dict):
        raise InputError(f"the second document must be a PlatformSpec mapping, found {_kind(platform)}",
                         file=name, code="KFPC107")
    return Source(name, text, pipeline, platform)


def load(path: str) -> Source:
    name, data = read_bytes(path)
    return load_text(name, yamlio.decode(name, data))


def _refuse_lookalikes(name: str, doc: Mapping[str, Any]) -> None:
    """Recognise documents users commonly pass by mistake and say what they are."""
    if "platforms" in doc and "root" not in doc:
        raise InputError("this is a PlatformSpec; the PipelineSpec must be the first document", file=name,
                         code="KFPC107")
    if "implementation" in doc and "root" not in doc:
        raise InputError("this looks like a KFP v1 component spec (component.yaml), not pipeline IR; compile "
                         "a pipeline with `kfp dsl compile` first", file=name, code="KFPC107")
    if doc.get("kind") and doc.get("apiVersion"):
        raise InputError(f"this is a Kubernetes manifest ({doc.get('kind')}), not pipeline IR", file=name,
                         code="KFPC107")
    if "pipelineSpec" in doc and "root" not in doc:
        raise InputError("this is a PipelineJob; pass its `pipelineSpec` (the IR compiled by the kfp SDK)",
                         file=name, code="KFPC107")


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}.get(
        type(value), type(value).__name__)
