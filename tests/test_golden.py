"""Golden files: each golden/<case>/pipeline.yaml compiles to exactly golden/<case>/<backend>.yaml.

Regenerate with `KFPC_REGEN_GOLDEN=1 python -m pytest tests/test_golden.py`; the switch refuses to
run under CI, so a golden file only ever changes in a reviewed commit.
"""

from __future__ import annotations

import difflib
import os

import pytest
import yaml

import kfpc
import argo_checks
import tekton_checks
from conftest import GOLDEN, GOLDEN_INVALID, golden_cases, golden_options

BACKENDS = ["argo", "tekton"]
CHECKS = {"argo": argo_checks.problems, "tekton": tekton_checks.problems}
REGEN = os.environ.get("KFPC_REGEN_GOLDEN") == "1"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", golden_cases())
def test_golden(case: str, backend: str) -> None:
    if REGEN and os.environ.get("CI"):
        pytest.fail("KFPC_REGEN_GOLDEN refuses to run under CI: regenerate locally and review the diff")
    expected_path = GOLDEN / case / f"{backend}.yaml"
    actual = kfpc.compile_file(str(GOLDEN / case / "pipeline.yaml"), backend=backend,
                               options=golden_options(case, backend)).text()
    if REGEN:
        expected_path.write_text(actual, encoding="utf-8")
        return
    assert expected_path.exists(), f"missing {expected_path}; run with KFPC_REGEN_GOLDEN=1 and review it"
    expected = expected_path.read_text("utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            str(expected_path), "compiled", n=2))
        pytest.fail(f"{case} differs from its golden file:\n{diff[:6000]}")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", golden_cases(GOLDEN_INVALID))
def test_golden_is_valid(case: str, backend: str) -> None:
    path = GOLDEN / case / f"{backend}.yaml"
    assert path.exists(), f"missing {path}"
    found = CHECKS[backend](yaml.safe_load(path.read_text("utf-8")))
    assert not found, "\n".join(found[:30])
