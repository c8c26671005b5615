"""Regenerate every built-in backend's in-pod program (`python -m kfpc_backends.generate`), or with
`--check` only say which are out of date (tests/test_runtime_generated.py fails the same way)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from kfpc.runtime.generate import write_or_check

from kfpc_backends.argo.runtime import generate as argo
from kfpc_backends.tekton.runtime import generate as tekton

PROGRAMS: dict[Path, Callable[[], str]] = {argo.TARGET: argo.build, tekton.TARGET: tekton.build}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = [target for target, build in PROGRAMS.items() if not write_or_check(target, build(), check)]
    for target in stale:
        print(f"{target} is out of date; run python -m kfpc_backends.generate", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
