"""Every manifest kfpc writes is a well-typed Argo Workflow by hera's models (generated from Argo's
own API definitions): it parses, and dumping the typed object gives back exactly what kfpc wrote,
so no field is unknown, misspelt or of the wrong type (IntOrString, quantities, ...)."""

from __future__ import annotations

import pytest
import yaml

import kfpc
from conftest import GOLDEN, artifact_uris, corpus_files, golden_cases, needs_corpus

models = pytest.importorskip("hera.workflows.models")


def round_trip(document: dict) -> dict:
    typed = models.Workflow.model_validate(document)
    return typed.model_dump(by_alias=True, exclude_none=True, mode="json")


@pytest.mark.parametrize("case", golden_cases())
def test_golden_is_typed_argo(case: str) -> None:
    document = yaml.safe_load((GOLDEN / case / "argo.yaml").read_text("utf-8"))
    assert round_trip(document) == document


@pytest.mark.parametrize("path", needs_corpus(corpus_files("pipelines", "components")))
def test_corpus_output_is_typed_argo(path) -> None:
    document = kfpc.compile(str(path), "argo", params=artifact_uris(path)).documents[0]
    assert round_trip(document) == document
