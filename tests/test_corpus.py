"""The external conformance corpus (../shared/corpus/kfp): everything valid compiles to a Workflow
that passes every Argo check; everything invalid is refused with exit status 1 and its name. The
real-world corpus (../shared/corpus/real) compiles on both backends or is refused as
docs/ir-coverage.md says."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

import kfpc
import tekton_checks
import yaml_readers
from argo_checks import problems
from conftest import CORPUS, artifact_uris, corpus_files, needs_corpus


@pytest.mark.parametrize("path", needs_corpus(corpus_files("pipelines", "components")))
def test_corpus_compiles_to_valid_argo(path) -> None:
    result = kfpc.compile(str(path), "argo", params=artifact_uris(path))
    text = result.text()
    assert len(text.encode()) < 1024 * 1024
    found = problems(yaml.safe_load(text))
    assert not found, "\n".join(found[:30])


@pytest.mark.parametrize("path", needs_corpus(corpus_files("pipelines", "components")))
def test_corpus_compiles_to_valid_tekton(path) -> None:
    result = tekton_checks.compile_any(str(path))
    text = result.text()
    assert len(text.encode()) < 1024 * 1024
    found = tekton_checks.problems(yaml.safe_load(text))
    assert not found, "\n".join(found[:30])


@pytest.mark.parametrize("path", needs_corpus(corpus_files("invalid")))
def test_corpus_invalid_is_rejected(path, tmp_path) -> None:
    out = tmp_path / "out.yaml"
    proc = subprocess.run([sys.executable, "-m", "kfpc", "compile", str(path), "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert str(path) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


# -- real pipelines written elsewhere (../shared/corpus/real; SOURCE.txt gives origin and licence) ----

REAL = CORPUS.parent / "real"

#: Files refused on purpose, for a reason docs/ir-coverage.md states: file -> backend -> (code, ledger field).
EXPECTED_REFUSALS: dict[str, dict[str, tuple[str, str]]] = {
    "kfp-samples/uncompiled_task_config.yaml": {
        "tekton": ("KFPC400", "ComponentSpec.task_config_passthroughs"),  # TaskConfig naming KFP's workspace claim
    },
    "kfp-samples/uncompiled_v1_pipeline_with_resource_spec.yaml": {
        # a TPU task sharing the volume with nothing steering the affinity assistant to TPU nodes
        "tekton": ("KFPC400", "PipelineDeploymentConfig.PipelineContainerSpec.ResourceSpec.AcceleratorConfig.type"),
    },
    # GPU tasks placed only by a toleration, which lets the assistant onto GPU nodes but never draws it there
    **{f"ods-ci/cache-disabled__gpu__pytorch__pytorch_{vendor}_gpu_availability_compiled.yaml": {
        "tekton": ("KFPC400", "PipelineDeploymentConfig.PipelineContainerSpec.ResourceSpec.accelerator"),
    } for vendor in ("amd", "nvidia")},
}


def real_files() -> list:
    files = sorted(p for p in REAL.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json")) \
        if REAL.is_dir() else []
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"real-world corpus not found at {REAL}"))]
    return [pytest.param(p, id=str(p.relative_to(REAL))) for p in files]


@pytest.mark.parametrize("backend", ["argo", "tekton"])
@pytest.mark.parametrize("path", real_files())
def test_real_pipeline_compiles_or_is_refused_as_the_ledger_says(path, backend: str) -> None:
    expected = EXPECTED_REFUSALS.get(str(path.relative_to(REAL)), {}).get(backend)
    if expected is not None:
        code, field = expected
        with pytest.raises(kfpc.KfpcError) as info:
            kfpc.compile_file(str(path), backend=backend)
        assert info.value.code == code, str(info.value)
        entry = _ledger()[field]
        assert code in str(entry.get(backend, entry.get("status"))) + str(entry.get("note")), \
            f"docs/ir-coverage.yaml does not state {code} for {field}"
        return
    result = kfpc.compile_file(str(path), backend=backend)
    text = result.text()
    assert len(text.encode()) < 1024 * 1024
    doc = yaml.safe_load(text)
    found = problems(doc) if backend == "argo" else tekton_checks.problems(doc)
    found += yaml_readers.check(list(result.documents), text)  # reads the same under YAML 1.1 and 1.2
    assert not found, "\n".join(found[:30])


def test_expected_refusals_name_real_files() -> None:
    if not REAL.is_dir():
        pytest.skip(f"real-world corpus not found at {REAL}")
    assert all((REAL / name).is_file() for name in EXPECTED_REFUSALS)


def _ledger() -> dict:
    from conftest import REPO
    from kfpc import yamlio

    path = REPO / "docs" / "ir-coverage.yaml"
    return yamlio.load_documents(str(path), path.read_text("utf-8"))[0]
