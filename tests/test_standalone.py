"""The project stands on its own: nothing in it cites the research notes kept next to it.

Those notes (the `reference` folder of ../shared) are not shipped and not versioned with kfpc, so a
comment pointing at one of their sections leaves a reader with nothing to check. Engine facts are
cited by the engine's own file and line at a release tag (`workflow/controller/dag.go:838 @v4.1.2`)
or explained in a self-contained sentence. Tests that read the ../shared corpora name that folder
legitimately; only the notes are refused here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from conftest import REPO

# The notes' file names, spelled so that this file does not match its own patterns.
NOTES = ("ir", "argo", "tekton", "tekton-overview", "peer-kfp-argo-compiler")
NOTES_FOLDER = "shared" + "/" + "reference"
SECTION = chr(0xA7)  # the section sign the notes are cited with
CITATIONS = [
    re.compile(re.escape(NOTES_FOLDER)),
    # A note named on its own (`argo` plus `.md`), not a path inside the project such as docs/x.md.
    re.compile(r"(?<![\w./-])(" + "|".join(re.escape(n) for n in NOTES) + r")\.md\b"),
    # A section citation into any markdown note: `x.md` followed by a section sign.
    re.compile(r"\.md\s*" + SECTION),
]
SKIPPED_DIRS = {".git", ".venv", ".typecheck", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
                "build", "dist"}


def project_files(root: Path) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info"))
        found += [Path(folder) / f for f in sorted(files)]
    return found


def citations(text: str) -> list[tuple[int, str]]:
    """(line number, line) for every line that cites a research note."""
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1)
            if any(pattern.search(line) for pattern in CITATIONS)]


def test_the_patterns_catch_the_citation_forms_that_were_used() -> None:
    def md(name: str) -> str:
        return name + ".md"

    cited = [f"({md('argo')} {SECTION}1)", f"{md('tekton-overview')} {SECTION}2k", f"See ../{NOTES_FOLDER}/ir",
             f"({md('ir')} {SECTION}3) into trees", f"from {md('tekton')} and the sources", f"notes.md{SECTION}4"]
    assert [len(citations(line)) for line in cited] == [1] * len(cited)
    fine = ["../shared/corpus/kfp", "docs/ir-coverage.md", "docs/plan.md", "workflow/controller/dag.go:838 @v4.1.2",
            "README.md documents it", "api/v2alpha1/pipeline_spec.proto @2.17.0"]
    assert citations("\n".join(fine)) == []


def test_no_file_cites_the_research_notes() -> None:
    offences = []
    for path in project_files(REPO):
        try:
            text = path.read_text("utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary or unreadable: not prose
        offences += [f"{path.relative_to(REPO)}:{number}: {line}" for number, line in citations(text)]
    assert not offences, ("cite the engine source at a release tag (file:line @tag) or explain the fact in a "
                          "sentence; the research notes are not part of the project:\n" + "\n".join(offences))
