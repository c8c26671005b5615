"""docs/plan.md's examples are run, so the primer cannot drift from what the plan holds."""

from __future__ import annotations

import doctest

import pytest

from conftest import REPO


def test_plan_primer_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the examples load golden/ files by relative path
    result = doctest.testfile(str(REPO / "docs" / "plan.md"), module_relative=False, report=True,
                              optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 20 and result.failed == 0, \
        f"{result.failed} of docs/plan.md's examples no longer hold (see the output above; update the text)"
