"""The in-pod programs: each backend's own template, all including kfpc's executor core, rendered into
stamped modules that are up to date and that an installed wheel can regenerate from."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from conftest import REPO
from kfpc.runtime import generate
from kfpc_backends import generate as all_programs
from kfpc_backends.argo.runtime import FEATURES
from kfpc_backends.argo.runtime import generate as argo
from kfpc_backends.tekton.runtime import generate as tekton

CORE_FUNCTIONS = re.findall(r"^def (\w+)\(", generate.template_text(generate.CORE), re.M)
PROGRAMS = {"argo": lambda: argo.render(frozenset(FEATURES)), "argo-minimal": lambda: argo.render(frozenset()),
            "tekton": tekton.render}


@pytest.mark.parametrize("target", list(all_programs.PROGRAMS), ids=lambda p: p.parent.parent.name)
def test_generated_programs_are_up_to_date(target: Path) -> None:
    assert all_programs.PROGRAMS[target]() == target.read_text("utf-8"), "run: python -m kfpc_backends.generate"


def test_the_generator_checks_every_program() -> None:
    targets = {p.resolve() for p in all_programs.PROGRAMS}
    assert targets == {p.resolve() for p in (REPO / "backends").glob("*/runtime/_generated.py")}
    assert all_programs.main(["--check"]) == 0


@pytest.mark.parametrize("program", list(PROGRAMS))
def test_each_program_takes_the_core_and_redefines_none_of_it(program: str) -> None:
    """What both programs do identically exists once: each defines every core function exactly once."""
    source = PROGRAMS[program]()
    assert {"typed", "text_of", "render", "command_line", "run_command", "output_value"} <= set(CORE_FUNCTIONS)
    for name in CORE_FUNCTIONS:
        assert len(re.findall(rf"^def {name}\(", source, re.M)) == 1, f"{program}: {name}"
    compile(source, program, "exec")


def test_every_template_ships_as_package_data() -> None:
    """An installed wheel carries the templates (and the core they include) next to their packages."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    folders = {package: REPO / folder for package, folder in config["package-dir"].items()}
    for template in [*(REPO / "kfpc").rglob("*.j2"), *(REPO / "backends").rglob("*.j2")]:
        package = next(p for p, folder in folders.items() if folder in template.parents and p in ("kfpc", "kfpc_backends"))
        rel = template.relative_to(folders[package]).as_posix()
        assert any(fnmatch(rel, pattern) for pattern in config["package-data"][package]), rel
