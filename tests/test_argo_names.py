"""Parameter and artifact names Argo refuses (backends/argo/naming.py): the v4 CRD's pattern
`^[-a-zA-Z0-9_]+$` (manifests/base/crds/full/argoproj.io_workflows.yaml:2113 @v4.1.2) and the
validator's (workflow/validate/validate.go:1691,1702 @v4.1.2). Python identifiers may hold any
letter, and `données` used to compile into a Workflow the API server refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

import argo_checks
import kfpc
from kfpc import cli
from kfpc.errors import KfpcError

HELLO = Path(__file__).resolve().parent.parent / "golden" / "hello_container" / "pipeline.yaml"


def test_a_name_argo_refuses_is_a_compile_error_naming_the_ir_place(tmp_path: Path, capsys) -> None:
    text = HELLO.read_text("utf-8").replace("message", "données")
    # What kfpc wrote before: the CRD's pattern refuses it (argo_checks reads the v4 CRD).
    wf = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "x-"},
          "spec": {"entrypoint": "e", "arguments": {"parameters": [{"name": "données", "value": "v"}]},
                   "templates": [{"name": "e", "container": {"image": "alpine"}}]}}
    assert any("données" in problem for problem in argo_checks.problems(wf))
    with pytest.raises(KfpcError) as caught:
        kfpc.compile_text(text, "argo")
    paths = [d.ir_path for d in caught.value.diagnostics]
    assert "root.inputDefinitions.parameters.données" in paths
    assert "components.comp-echo.inputDefinitions.parameters.données" in paths
    assert caught.value.code == "KFPC200"  # refused by the front end's checks, for every backend
    source, out = tmp_path / "p.yaml", tmp_path / "wf.yaml"
    source.write_text(text, encoding="utf-8")
    assert cli.main(["compile", str(source), "-o", str(out)]) == 1 and not out.exists()
    err = capsys.readouterr().err
    line = text.splitlines().index("      données:") + 1  # root.inputDefinitions.parameters
    assert f"{source}:{line}:7: error[KFPC200]: parameter name 'données'" in err and "'donnees'" in err


def test_ascii_names_with_dashes_and_underscores_still_compile() -> None:
    text = HELLO.read_text("utf-8").replace("message", "my_Param-1")
    (wf,) = kfpc.compile_text(text, "argo").documents
    assert not argo_checks.problems(wf)
