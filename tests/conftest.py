"""Shared fixtures. The project's own tests never need ../shared; corpus tests skip without it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "golden"
SHARED = Path(os.environ.get("KFPC_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus" / "kfp"
# The plugin guide's example backend (docs/plugins.md), imported by the tests as `kfpc_flat`.
EXAMPLE = REPO / "docs" / "example"
if str(EXAMPLE) not in sys.path:
    sys.path.append(str(EXAMPLE))


GOLDEN_GAPS: dict[str, str] = {}
GOLDEN_INVALID = GOLDEN_GAPS


def golden_cases(gaps: dict[str, str] = GOLDEN_GAPS) -> list:
    return [pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=gaps[name])]
                         if name in gaps else []) for name in
            sorted(p.name for p in GOLDEN.iterdir() if (p / "pipeline.yaml").is_file())]


def corpus_files(*folders: str) -> list[Path]:
    if not CORPUS.is_dir():
        return []
    found: list[Path] = []
    for folder in folders:
        found += sorted(p for p in (CORPUS / folder).rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    return found


# Features still being built; strict, so each entry must be removed the moment its feature lands.
KNOWN_GAPS: dict[str, str] = {}


def needs_corpus(files: list[Path]) -> list:
    """Parametrize over corpus files, or over one skipped case when ../shared is absent."""
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"shared corpus not found at {CORPUS}"))]
    return [pytest.param(f, id=str(f.relative_to(CORPUS)),
                         marks=[pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[f.name])] if f.name in KNOWN_GAPS
                         else []) for f in files]
