"""The test layers stay honest: a file that runs a simulator is in `sim`, so the fast loop
(`-m "not sim and not corpus"`) really skips the slow end-to-end runs."""

from __future__ import annotations

import tomllib

from conftest import LAYERS, REPO

TESTS = REPO / "tests"
SIMULATORS = ("argo_sim", "tekton_sim")
# Unit tests that call one simulator function (an expression, a kubelet expansion), never a run.
UNIT_USE = {"test_units.py", "test_layers.py"}


def test_files_driving_a_simulator_are_in_the_sim_layer() -> None:
    wrong = []
    for path in sorted(TESTS.glob("test_*.py")):
        text = path.read_text("utf-8")
        imports = any(f"from {sim} import" in text or f"import {sim}" in text for sim in SIMULATORS)
        if imports and LAYERS.get(path.name) != "sim" and path.name not in UNIT_USE:
            wrong.append(path.name)
    assert not wrong, f"these files run a simulator; list them as 'sim' in conftest.LAYERS: {wrong}"


def test_layers_name_existing_files_and_registered_markers() -> None:
    markers = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["pytest"]["ini_options"]["markers"]
    registered = {m.split(":")[0] for m in markers}
    assert set(LAYERS.values()) | {"unit", "corpus"} <= registered
    assert all((TESTS / name).is_file() for name in LAYERS), [n for n in LAYERS if not (TESTS / n).is_file()]
