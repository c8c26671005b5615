"""Architecture rules a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from conftest import REPO


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_core_never_imports_a_backend() -> None:
    for path in (REPO / "kfpc").rglob("*.py"):
        bad = {m for m in imports(path) if m.startswith(("kfpc_backends", "backends"))}
        assert not bad, f"{path.relative_to(REPO)} imports {bad}: the core reaches backends only through the registry"


def test_backends_only_see_the_plan() -> None:
    """Backends get the neutral plan; raw IR parsing and networkx stay in the core."""
    for path in (REPO / "backends").rglob("*.py"):
        bad = {m for m in imports(path) if m.startswith(("kfpc.ir", "kfpc.graph", "networkx"))}
        assert not bad, f"{path.relative_to(REPO)} imports {bad}"


def test_every_package_is_listed_for_installation() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    mapping = config["package-dir"]
    for name, folder in mapping.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder)
            dotted = ".".join([name, *rel.parts]) if rel.parts else name
            if not dotted.startswith("kfpc.schemas."):
                assert dotted in listed, f"{dotted} is missing from [tool.setuptools] packages"


def test_no_generic_backends_module_is_installed() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    assert "backends" not in config["packages"]
    assert config["package-dir"]["kfpc_backends"] == "backends"


def test_builtin_backends_are_entry_points() -> None:
    from kfpc import registry

    assert registry.entries()["argo"].target == "kfpc_backends.argo:ArgoBackend"


def test_conformance_fixtures_ship_with_kfpc() -> None:
    """kfpc.testing runs plugin backends over golden/'s IR files; an installed kfpc carries them as
    kfpc.golden, and a run that finds none fails instead of passing over nothing."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    assert config["package-dir"]["kfpc.golden"] == "golden" and "kfpc.golden" in config["packages"]
    assert config["package-data"]["kfpc.golden"] == ["*/pipeline.yaml"]
    from kfpc import testing

    assert len(list(testing.BackendConformance().fixtures())) >= 10
