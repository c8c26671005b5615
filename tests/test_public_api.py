"""The API a backend may use is declared (`__all__` of kfpc.backend.PUBLIC_MODULES, `py.typed`), and
the built-in backends, which plugin authors read as examples, use nothing else."""

from __future__ import annotations

import ast
import importlib
import tomllib
from pathlib import Path

import pytest

from conftest import REPO
from kfpc.backend import PUBLIC_MODULES

# kfpc.runtime (the executor core every in-pod program includes, and their generator) serves the built-in
# backends' programs; it is not yet an API promised to plugins.
BUILT_IN_ONLY = ("kfpc.runtime",)


def public(module: str) -> set[str]:
    return set(importlib.import_module(module).__all__)


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_public_modules_declare_what_exists(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.__all__, module
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert not missing, f"{module}.__all__ names what it does not define: {missing}"


def uses(path: Path) -> list[tuple[str, str | None, int]]:
    """(kfpc module, name used from it or None for the module itself, line) for every use of kfpc."""
    tree = ast.parse(path.read_text("utf-8"))
    aliases: dict[str, str] = {}
    found: list[tuple[str, str | None, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "kfpc":
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                try:
                    importlib.import_module(dotted)
                except ImportError:
                    found.append((node.module, alias.name, node.lineno))
                else:
                    aliases[alias.asname or alias.name] = dotted
                    found.append((dotted, None, node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "kfpc" and alias.asname:
                    aliases[alias.asname] = alias.name
                    found.append((alias.name, None, node.lineno))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            found.append((aliases[node.value.id], node.attr, node.lineno))
    return found


def test_built_in_backends_use_only_the_public_api() -> None:
    wrong = []
    for path in sorted((REPO / "backends").rglob("*.py")):
        for module, name, line in uses(path):
            where = f"{path.relative_to(REPO)}:{line}"
            if module.startswith(BUILT_IN_ONLY):
                continue
            if module not in PUBLIC_MODULES:
                wrong.append(f"{where}: {module} is not a public module")
            elif name is not None and name not in public(module):
                wrong.append(f"{where}: {module}.{name} is not in {module}.__all__")
    assert not wrong, "\n".join(wrong)


def test_use_of_an_internal_name_is_caught(tmp_path: Path) -> None:
    """The check above can fail: a module reaching into the plan's lowering is reported."""
    path = tmp_path / "bad.py"
    path.write_text("from kfpc.plan import lower\nfrom kfpc.plan import model as p\nx = p.Plan\ny = p._private\n")
    found = {(m, n) for m, n, _ in uses(path)}
    assert ("kfpc.plan.lower", None) in found and ("kfpc.plan.model", "_private") in found
    assert "kfpc.plan.lower" not in PUBLIC_MODULES and "_private" not in public("kfpc.plan.model")


def test_type_information_ships() -> None:
    """PEP 561: without py.typed, mypy treats an installed kfpc as untyped in a plugin's own checks."""
    data = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["package-data"]
    for package, folder in (("kfpc", "kfpc"), ("kfpc_backends", "backends")):
        assert "py.typed" in data[package], package
        assert (REPO / folder / "py.typed").is_file(), folder


def test_backend_schemas_ship() -> None:
    """document_schema() reads these from kfpc.schemas at run time; a wheel without them breaks the kit."""
    data = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["package-data"]
    for name in ("argo/schema.json", "tekton/pipeline-crd.json", "tekton/pipelinerun-crd.json"):
        assert name in data["kfpc.schemas"] and (REPO / "schemas" / name).is_file(), name
