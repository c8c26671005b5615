"""Reading an IR file: bytes -> one PipelineSpec mapping (+ an optional PlatformSpec mapping).

Kept apart from parsing so that every entry point (CLI, library, tests) refuses bad input the same
way, with the file named in the message.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from kfpc import yamlio
from kfpc.errors import Diagnostic, InputError, KfpcError, capped


Where = tuple[int, tuple[str | int, ...]]  # (YAML document index, path of the IR inside it)


@dataclass(frozen=True)
class Source:
    """The documents of one IR file, with what is needed to point back into it.

    The IR may come wrapped by KFP's own tools (a PipelineVersion manifest, a Vertex PipelineJob):
    `pipeline_at` / `platform_at` say where it sits, so errors still point at the right line, and
    `params` holds run parameter values the wrapper gives (PipelineJob runtimeConfig)."""

    name: str
    text: str
    pipeline: Mapping[str, Any]
    platform: Mapping[str, Any] | None
    pipeline_at: Where = (0, ())
    platform_at: Where = (1, ())
    params: Mapping[str, Any] = field(default_factory=dict)
    pipeline_root: str | None = None
    notes: tuple[str, ...] = ()

    def locate(self, doc_index: int, path: tuple[str | int, ...]) -> tuple[int, int] | None:
        return yamlio.locate_all(self.text, [(doc_index, path)])[0]

    def place(self, error: KfpcError, doc_index: int = 0) -> KfpcError:
        """Fill in file, line and column for diagnostics that only know their IR path.

        Only the first MAX_REPORTED problems are reported (and placed, in one pass over the text),
        then how many more there are: a broken generator can produce thousands of the same mistake."""
        shown, rest = capped(error.diagnostics)
        queries = [self.where_of(diag, doc_index) for diag in shown if diag.line is None and diag.path]
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

    def where_of(self, diag: Diagnostic, doc_index: int) -> Where:
        """Where a diagnostic's IR path sits in the file: the platform document's paths start at its top
        key, and a wrapper (PipelineVersion, PipelineJob) moves both documents inside itself."""
        platform = (doc_index == 1 or diag.path[0] == "platforms") and self.platform is not None
        index, prefix = self.platform_at if platform else self.pipeline_at
        return index, prefix + tuple(diag.path)


def read_bytes(path: str) -> tuple[str, bytes]:
    """`-` means standard input. Returns the display name and the raw bytes."""
    if path == "-":
        return "<stdin>", _read_stdin()
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


def _read_stdin() -> bytes:
    """Standard input may be closed (`kfpc compile - <&-`) or unreadable; say so instead of crashing."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("cannot read standard input: it is closed", file="<stdin>", code="KFPC100")
    try:
        return stream.read(yamlio.MAX_BYTES + 1)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"cannot read standard input: {reason}", file="<stdin>", code="KFPC100") from None


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
    wrapped = _unwrap(name, text, docs)
    if wrapped is not None:
        return wrapped
    _refuse_lookalikes(name, pipeline)
    platform = docs[1] if len(docs) == 2 else None
    if platform is not None and not isinstance(platform, dict):
        raise InputError(f"the second document must be a PlatformSpec mapping, found {_kind(platform)}",
                         file=name, code="KFPC107")
    return Source(name, text, pipeline, platform)


def load(path: str) -> Source:
    name, data = read_bytes(path)
    return load_text(name, yamlio.decode(name, data))


def _unwrap(name: str, text: str, docs: list[Any]) -> Source | None:
    """IR inside KFP's own wrappers: `kfp dsl compile --kubernetes-manifest-format` (a PipelineVersion,
    maybe after its Pipeline) and a Vertex AI PipelineJob (pipelineSpec plus runtimeConfig)."""
    versions = [i for i, d in enumerate(docs) if isinstance(d, dict) and d.get("kind") == "PipelineVersion"
                and str(d.get("apiVersion", "")).startswith("pipelines.kubeflow.org/")]
    if versions:
        if len(versions) > 1:
            raise InputError("the file holds more than one PipelineVersion; give kfpc one pipeline", file=name,
                             code="KFPC107")
        index = versions[0]
        spec = docs[index].get("spec") or {}
        pipeline = spec.get("pipelineSpec")
        if not isinstance(pipeline, dict):
            raise InputError("this PipelineVersion has no spec.pipelineSpec (the IR)", file=name, code="KFPC107")
        others = [d for i, d in enumerate(docs) if i != index and not (isinstance(d, dict) and d.get("kind") == "Pipeline")]
        if others:
            raise InputError("next to a PipelineVersion only its Pipeline may be in the file", file=name,
                             code="KFPC107")
        platform = spec.get("platformSpec")
        return Source(name, text, pipeline, platform if isinstance(platform, dict) else None,
                      (index, ("spec", "pipelineSpec")), (index, ("spec", "platformSpec")),
                      notes=("read the IR inside the PipelineVersion manifest (spec.pipelineSpec)",))
    doc = docs[0]
    if len(docs) == 1 and isinstance(doc.get("pipelineSpec"), dict) and "root" not in doc:
        runtime = doc.get("runtimeConfig") or {}
        values = runtime.get("parameterValues")
        if values is None and isinstance(runtime.get("parameters"), dict):  # older jobs: typed Values
            values = {k: next(iter(v.values())) if isinstance(v, dict) and len(v) == 1 else v
                      for k, v in runtime["parameters"].items()}
        if values is not None and not isinstance(values, dict):
            raise InputError("runtimeConfig.parameterValues must be a mapping", file=name, code="KFPC107")
        root = runtime.get("gcsOutputDirectory")
        notes = ["read the IR inside the Vertex AI PipelineJob (pipelineSpec)"]
        if values:
            notes.append("runtimeConfig.parameterValues become the parameters' values: "
                         + ", ".join(sorted(values)))
        return Source(name, text, doc["pipelineSpec"], None, (0, ("pipelineSpec",)), (1, ()), dict(values or {}),
                      str(root) if root else None, tuple(notes))
    return None


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


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}.get(
        type(value), type(value).__name__)
