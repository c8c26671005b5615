"""The external conformance corpus (../shared/corpus/kfp): everything valid compiles to a Workflow
that passes every Argo check; everything invalid is refused with exit status 1 and its name."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

import kfpc
import tekton_checks
from argo_checks import problems
from conftest import corpus_files, needs_corpus


@pytest.mark.parametrize("path", needs_corpus(corpus_files("pipelines", "components")))
def test_corpus_compiles_to_valid_argo(path) -> None:
    result = kfpc.compile_file(str(path), backend="argo")
    text = result.text()
    assert len(text.encode()) < 1024 * 1024
    found = problems(yaml.safe_load(text))
    assert not found, "\n".join(found[:30])


@pytest.mark.parametrize("path", needs_corpus(corpus_files("pipelines", "components")))
def test_corpus_compiles_to_valid_tekton(path) -> None:
    result = tekton_checks.compile_any(str(path))
    text = result.text()
    assert len(text.encode()) < 1024 * 1024
    found = tekton_checks.problems(yaml.safe_load(text))
    assert not found, "\n".join(found[:30])


@pytest.mark.parametrize("path", needs_corpus(corpus_files("invalid")))
def test_corpus_invalid_is_rejected(path, tmp_path) -> None:
    out = tmp_path / "out.yaml"
    proc = subprocess.run([sys.executable, "-m", "kfpc", "compile", str(path), "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert str(path) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
