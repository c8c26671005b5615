"""kfpc's own structure-aware fuzzer (tests/fuzz), bounded for CI.

Every mutant of the goldens (and of ../shared/corpus/kfp and ../shared/corpus/real when present) must
get a KFPC error other than KFPC700, or manifests that pass the backend's checks, reload to the same
data and come out byte-identical from a second compile; no case may run into the hang guard. The
cases are a pure function of the seed, so a failure names a case anyone can rerun.

Longer runs: `KFPC_FUZZ_CASES=20000 python -m pytest tests/test_fuzz.py`, or
`python tests/fuzz/run.py --cases 20000` for counts per outcome. Reproducers the fuzzer found live in
tests/fuzz_cases/ and run every time.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fuzz import mutate, oracle
from kfpc import cli

CASES = int(os.environ.get("KFPC_FUZZ_CASES", "250"))  # about a minute on both backends
SEED = int(os.environ.get("KFPC_FUZZ_SEED", "0"))
CLI_EVERY = 10  # every tenth case also goes through the command line
REPRODUCERS = sorted((Path(__file__).parent / "fuzz_cases").glob("*.yaml"))


@pytest.fixture(scope="module")
def cases() -> list[tuple[int, str, str, list[str]]]:
    return list(mutate.cases(CASES, SEED))


def _report(n: int, seed: str, labels: list[str], outcome: oracle.Outcome) -> str:
    return f"case {n} (seed {SEED}, from {seed}, {'+'.join(labels)}): {outcome.kind} after " \
           f"{outcome.seconds:.1f} s\n{outcome.detail[:1500]}"


@pytest.mark.parametrize("backend", ["argo", "tekton"])
def test_fuzzed_ir_gets_an_error_or_a_valid_manifest(backend: str, cases) -> None:
    bad = []
    for n, seed, text, labels in cases:
        outcome = oracle.run_case(text, backend)
        if outcome.bad:
            bad.append(_report(n, seed, labels, outcome))
    assert not bad, f"{len(bad)} of {len(cases)} cases failed; rerun one with tests/fuzz/run.py\n" + "\n".join(bad[:5])


@pytest.mark.parametrize("backend", ["argo", "tekton"])
def test_fuzzed_ir_through_the_command_line(backend: str, cases, tmp_path, capsys, monkeypatch) -> None:
    """The CLI must answer every case with exit 0 or 1 and never an internal error or a traceback."""
    monkeypatch.chdir(tmp_path)  # no kfpc.yaml or pyproject.toml of the checkout applies
    bad = []
    for n, _, text, _ in cases[::CLI_EVERY]:
        path = tmp_path / f"case-{n}.yaml"
        path.write_text(text, encoding="utf-8")
        with oracle.watchdog(oracle.HANG_SECONDS):
            status = cli.main(["compile", str(path), "--backend", backend])
        err = capsys.readouterr().err
        if status not in (0, 1) or "KFPC700" in err or "Traceback" in err or (status == 1 and "error[KFPC" not in err):
            bad.append(f"case {n}: exit {status}\n{err[:800]}")
    assert not bad, "\n".join(bad[:5])


@pytest.mark.parametrize("backend", ["argo", "tekton"])
@pytest.mark.parametrize("path", REPRODUCERS, ids=[p.stem for p in REPRODUCERS])
def test_reproducers_the_fuzzer_found(path: Path, backend: str) -> None:
    outcome = oracle.run_case(path.read_text("utf-8"), backend, name=path.name)
    assert not outcome.bad, outcome.detail


def test_the_cases_are_a_pure_function_of_the_seed() -> None:
    first = [text for _, _, text, _ in mutate.cases(20, 7)]
    assert first == [text for _, _, text, _ in mutate.cases(20, 7)]
    assert first != [text for _, _, text, _ in mutate.cases(20, 8)]
