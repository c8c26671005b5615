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
