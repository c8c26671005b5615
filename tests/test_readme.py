"""The README stays true to the code it documents."""

from conftest import REPO
from kfpc.errors import CODES

README = (REPO / "README.md").read_text("utf-8")


def test_every_error_code_is_documented() -> None:
    for code, title in CODES.items():
        assert f"| {code} | {title} |" in README


def test_ci_runs_the_readme_test_command() -> None:
    command = 'pip install -e ".[dev]" && ruff check . && mypy && python -m pytest'
    assert command in README
    assert (REPO / ".ci" / "run").read_text("utf-8").rstrip().splitlines()[-1] == command


def test_the_set_up_command_compiles_the_example_cleanly(tmp_path) -> None:
    """The first command a new user runs ends in `kfpc compile ...`: it must succeed with no warning."""
    import re
    import shlex
    import subprocess
    import sys

    line = next(line for line in README.splitlines() if line.startswith("python3 -m venv .venv") and "kfpc compile" in line)
    words = shlex.split(line[line.index("kfpc compile"):])
    out = tmp_path / "seed-workflow.yaml"
    words[words.index("-o") + 1] = str(out)
    proc = subprocess.run([sys.executable, "-m", "kfpc", *words[1:]], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert re.match(r"apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n", out.read_text("utf-8"))
