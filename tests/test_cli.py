"""The command line as users and Makefiles meet it: exit codes, messages, and files written or not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GOLDEN

HELLO = GOLDEN / "hello_container" / "pipeline.yaml"


def kfpc(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kfpc", *args], input=stdin, capture_output=True, cwd=cwd)


def test_compile_to_stdout() -> None:
    proc = kfpc("compile", str(HELLO))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n")


def test_compile_from_stdin_as_json() -> None:
    proc = kfpc("compile", "-", "--format", "json", stdin=HELLO.read_bytes())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b'{\n  "apiVersion": "argoproj.io/v1alpha1"')


def test_output_file_and_output_dir(tmp_path: Path) -> None:
    out = tmp_path / "wf.yaml"
    assert kfpc("compile", str(HELLO), "-o", str(out)).returncode == 0
    assert out.read_bytes() == kfpc("compile", str(HELLO)).stdout


def test_output_dir_refuses_same_stem(tmp_path: Path) -> None:
    a = tmp_path / "a" / "p.yaml"
    b = tmp_path / "b" / "p.yaml"
    for f in (a, b):
        f.parent.mkdir()
        f.write_bytes(HELLO.read_bytes())
    proc = kfpc("compile", str(a), str(b), "--output-dir", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert b"would both be written to p.yaml" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_output_dir_names_files_after_inputs(tmp_path: Path) -> None:
    a = tmp_path / "first.yaml"
    b = tmp_path / "second.json"
    a.write_bytes(HELLO.read_bytes())
    b.write_bytes(HELLO.read_bytes())
    proc = kfpc("compile", str(a), str(b), "--output-dir", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["first.yaml", "second.yaml"]


def test_failure_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("pipelineInfo: {name: x}\nroot: {dag: {tasks: {t: {componentRef: {name: nope}}}}}\n")
    out = tmp_path / "out.yaml"
    out.write_text("previous content")
    proc = kfpc("compile", str(HELLO), str(bad), "-o", str(out))
    assert proc.returncode == 1
    assert out.read_text() == "previous content"
    assert str(bad).encode() in proc.stderr
    assert b"Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [["compile"], ["frobnicate"], ["compile", str(HELLO), "--format", "xml"],
                                  ["compile", str(HELLO), "-o", "x", "--output-dir", "y"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    proc = kfpc(*args)
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr


def test_unknown_backend_suggests_a_name() -> None:
    proc = kfpc("compile", str(HELLO), "-b", "agro")
    assert proc.returncode == 2
    assert b"did you mean 'argo'?" in proc.stderr


def test_validate_and_backends() -> None:
    proc = kfpc("validate", str(HELLO))
    assert proc.returncode == 0 and proc.stdout.endswith(b": ok\n")
    proc = kfpc("backends")
    assert proc.returncode == 0 and proc.stdout.startswith(b"argo ")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    proc = kfpc("compile", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 1 and b"cannot read" in proc.stderr
    proc = kfpc("compile", str(tmp_path))
    assert proc.returncode == 1 and b"is a directory" in proc.stderr


def test_backend_options(tmp_path: Path) -> None:
    out = tmp_path / "run.yaml"
    proc = kfpc("compile", str(GOLDEN / "loops" / "pipeline.yaml"), "-b", "tekton", "-O", "workspace-size=20Gi",
                "-O", "storage-class=fast", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "storage: 20Gi" in out.read_text() and "storageClassName: fast" in out.read_text()
    for args, message in ((["-b", "tekton", "-O", "workspace-sise=1Gi"], b"did you mean 'workspace-size'"),
                          (["-b", "tekton", "-O", "novalue"], b"is not NAME=VALUE"),
                          (["-O", "workspace-size=1Gi"], b"backend 'argo' has no option 'workspace-size'")):
        proc = kfpc("compile", str(HELLO), *args, "-o", str(tmp_path / "x.yaml"))
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
        assert not (tmp_path / "x.yaml").exists() and b"Traceback" not in proc.stderr
    listing = kfpc("backends").stdout
    assert b"-O workspace-claim=" in listing
