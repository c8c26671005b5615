"""Messages about several offenders name them all, in words that agree with how many there are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import kfpc
from kfpc.errors import UsageError, agree, named

IR = Path(__file__).resolve().parent / "fixtures" / "root_artifact.yaml"  # `data` required, `extra` optional


def test_one_and_several_names() -> None:
    assert f"{named('pipeline parameter', ['a'])} {agree(['a'], 'is', 'are')}" == "pipeline parameter 'a' is"
    assert f"{named('pipeline parameter', ['a', 'b'])} {agree(['a', 'b'], 'is', 'are')}" == \
        "pipeline parameters 'a', 'b' are"


def _ir(edit: Any) -> str:
    ir = yaml.safe_load(IR.read_text("utf-8"))
    edit(ir["root"]["inputDefinitions"])
    return yaml.safe_dump(ir, sort_keys=False)


def test_every_input_artifact_without_uri_is_named() -> None:
    def both_required(defs: dict) -> None:
        defs["artifacts"]["extra"].pop("isOptional")

    with pytest.raises(UsageError, match="pipeline input artifacts 'data', 'extra' have no URI"):
        kfpc.compile_text(_ir(both_required), "argo")


@pytest.mark.parametrize("names, said", [
    (["a"], "pipeline parameter 'a' is required and has no default"),
    (["a", "b"], "pipeline parameters 'a', 'b' are required and have no default"),
])
def test_a_cron_workflow_names_every_required_parameter(names: list[str], said: str) -> None:
    def required(defs: dict) -> None:
        defs["parameters"] = {name: {"parameterType": "STRING"} for name in names}

    options = kfpc.Options(run=kfpc.RunOptions(kind="cron", schedule="@daily"), params=(("data", "s3://b/k"),))
    with pytest.raises(UsageError, match=said) as caught:
        kfpc.compile_text(_ir(required), "argo", options)
    assert caught.value.diagnostics[0].hint.startswith(f"give {agree(names, 'it', 'them')} with -p a=VALUE")
