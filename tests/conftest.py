"""Shared fixtures. The project's own tests never need ../shared; corpus tests skip without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

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


def golden_options(case: str, backend: str):
    """Backend options a golden case is compiled with: golden/<case>/<backend>.options, one `name=value`
    a line (`#` starts a comment), for cases that need a setting the default cluster lacks."""
    from kfpc.backend import Options

    path = GOLDEN / case / f"{backend}.options"
    lines = path.read_text("utf-8").splitlines() if path.is_file() else []
    pairs = [tuple(x.strip() for x in line.split("=", 1)) for line in lines if line.strip() and not line.startswith("#")]
    return Options(extra=tuple(pairs)) if pairs else None


def corpus_files(*folders: str) -> list[Path]:
    if not CORPUS.is_dir():
        return []
    found: list[Path] = []
    for folder in folders:
        found += sorted(p for p in (CORPUS / folder).rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    return found


# Features still being built; strict, so each entry must be removed the moment its feature lands.
KNOWN_GAPS: dict[str, str] = {}


def artifact_uris(path: Path) -> dict[str, str]:
    """A URI for each required pipeline-level input artifact of an IR file: Argo needs one at compile
    time (`-p NAME=URI`; backends/argo/workflow.py root_artifact_arguments)."""
    import yaml

    spec = next(iter(yaml.safe_load_all(path.read_text("utf-8"))), None) or {}
    declared = ((spec.get("root") or {}).get("inputDefinitions") or {}).get("artifacts") or {}
    return {name: f"s3://kfpc-tests/inputs/{name}" for name, a in declared.items() if not a.get("isOptional")}


def needs_corpus(files: list[Path]) -> list:
    """Parametrize over corpus files, or over one skipped case when ../shared is absent."""
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"shared corpus not found at {CORPUS}"))]
    return [pytest.param(f, id=str(f.relative_to(CORPUS)),
                         marks=[pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[f.name])] if f.name in KNOWN_GAPS
                         else []) for f in files]


# Test layers (markers registered in pyproject.toml; CONTRIBUTING.md): each file's layer, by name.
# `python -m pytest -m "not sim and not corpus"` is the fast loop. Files not listed are unit tests;
# tests/test_layers.py keeps every file that drives a simulator in `sim`.
LAYERS: dict[str, str] = {
    "test_golden.py": "golden", "test_yaml_types.py": "golden", "test_argo_typed.py": "golden",
    "test_conformance.py": "golden", "test_kit.py": "golden", "test_plugin_example.py": "golden",
    "test_argo_runtime.py": "sim", "test_caching.py": "sim", "test_hostile_strings.py": "sim",
    "test_launcher.py": "sim", "test_platform.py": "sim", "test_tekton_features.py": "sim",
    "test_tekton_hostile.py": "sim", "test_tekton_run.py": "sim", "test_ir_features.py": "sim",
    "test_argo_caps.py": "sim", "test_argo_exit.py": "sim", "test_argo_inert.py": "sim", "test_argo_memo.py": "sim",
    "test_argo_outputs.py": "sim", "test_argo_versions.py": "sim", "test_tekton_admission.py": "sim",
    "test_tekton_placement.py": "sim", "test_scale_policy.py": "sim", "test_tekton_results.py": "sim", "test_argo_size.py": "sim",
    "test_argo_pull_secrets.py": "sim", "test_importer_workspace.py": "sim", "test_tekton_size.py": "sim",
    "test_root_artifacts.py": "sim", "test_argo_split.py": "sim",
    "test_argo_children.py": "sim",
    "test_argo_probe.py": "sim",
    "test_cli.py": "cli", "test_output.py": "cli", "test_run_options.py": "cli", "test_cli_workflow.py": "cli",
    "test_corpus.py": "corpus",
}


def _reads_corpus(item: pytest.Item) -> bool:
    params = getattr(getattr(item, "callspec", None), "params", {})
    return any(isinstance(v, Path) and SHARED in v.parents for v in params.values())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(LAYERS.get(item.path.name, "unit"))
        if _reads_corpus(item):  # a case over a ../shared corpus file (kfp/, real/...), in whatever file it lives
            item.add_marker("corpus")


def run_kfpc(*args: str, cwd: Path | None = None) -> "subprocess.CompletedProcess[str]":
    """The console command as a user runs it, from any folder, on this checkout's code."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "kfpc", *args], capture_output=True, text=True, cwd=cwd, env=env)


def cli_documents(*args: str, cwd: Path | None = None) -> list[dict]:
    """The documents `kfpc compile ARGS` prints; the compile must succeed."""
    proc = run_kfpc("compile", *args, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return list(yaml.safe_load_all(proc.stdout))
