"""The conformance kit can fail: each broken toy backend (tests/toy_backends.py) fails the case
meant for its defect. The example backend they are built from passes (tests/test_plugin_example.py)."""

from __future__ import annotations

import pytest

import toy_backends as toy
from kfpc.testing import BackendConformance


def kit(backend: object, *cases: str) -> dict[str, str]:
    """The kit's verdict on a backend: every case, or only those named (a whole run per toy is slow)."""
    class Kit(BackendConformance):
        pass

    Kit.backend = backend
    return Kit().failures(cases)


@pytest.mark.parametrize(("backend", "case", "message"), [
    (toy.RefusesEverything(), "test_every_fixture_compiles_or_is_expected_unsupported",
     "hello_container: refused but not in expected_unsupported"),
    (toy.RefusesEverythingAndSaysSo(), "test_declares_its_contract", "every backend must compile ['hello_container']"),
    (toy.RefusesEverythingAndSaysSo(), "test_every_fixture_compiles_or_is_expected_unsupported", "no fixture compiled"),
    (toy.ReturnsNothing(), "test_documents_are_plain_data", "hello_container: no documents"),
    (toy.ReturnsEmptyDocuments(), "test_documents_are_plain_data", "a document without apiVersion"),
    (toy.ReturnsAnEmptyShell(), "test_documents_carry_the_pipeline", "never mention the images ['alpine:3.19']"),
    (toy.BreaksItsSchema(), "test_documents_match_the_backend_schema", "'retries' was unexpected"),
    (toy.SuppliesNoSchema(), "test_documents_match_the_backend_schema", "supplies no schema for"),
    (toy.SuppliesAnEmptySchema(), "test_documents_match_the_backend_schema", "accepts an empty document"),
    (toy.NonStringWarnings(), "test_warnings_are_strings", "must be non-empty text, not UserWarning"),
    (toy.OrderedByHash(), "test_deterministic_across_processes", "in a process with PYTHONHASHSEED="),
    (toy.StaleExpectation(), "test_every_fixture_compiles_or_is_expected_unsupported", "stale entry"),
    (toy.CrashesOnSome(), "test_every_fixture_compiles_or_is_expected_unsupported", "KeyError"),
    (toy.WrongProtocol(), "test_registered_and_loadable", "implements protocol version 99"),
    (toy.NamesItsTransforms(), "test_declares_its_contract", "transforms must be a sequence of functions"),
    (toy.NamesItsOptionTransforms(), "test_declares_its_contract",
     "plan_transforms(options) must return a sequence of functions"),
], ids=lambda v: type(v).__name__ if not isinstance(v, str) else v.split("test_")[-1][:40])
def test_a_broken_backend_fails_its_case(backend: object, case: str, message: str) -> None:
    failed = kit(backend, case)
    assert case in failed, f"{type(backend).__name__} passed {case}; failures: {failed}"
    assert message in failed[case]


def test_hash_ordering_is_invisible_inside_one_process() -> None:
    """Why the kit compiles in fresh processes: the in-process case cannot see set ordering."""
    failed = kit(toy.OrderedByHash(), "test_deterministic", "test_deterministic_across_processes")
    assert "test_deterministic" not in failed and "test_deterministic_across_processes" in failed


def test_a_registered_name_must_be_installed() -> None:
    failed = kit("no-such-backend", "test_registered_and_loadable")
    assert "is not in the kfpc.backends entry points" in failed["test_registered_and_loadable"]


def test_a_backend_declaring_flattening_passes_the_kit() -> None:
    """Transforms are part of what the kit runs: the example engine with flattening declared still
    compiles what it did and refuses the rest (tests/test_transforms.py shows what it gains)."""
    assert kit(toy.FlattensNestedDags()) == {}
