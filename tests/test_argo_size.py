"""The 1 MiB a running Workflow may hold (backends/argo/size.py; workflow/packer/packer.go:20
@v4.1.2, :19 @v3.6.19; hydrator/hydrator.go:100-123 and controller/operator.go:816-819 @v4.1.2 mark
a larger one Error). Library WorkflowTemplates do not help: every template they supply is copied
into status.storedTemplates (templateresolution/context.go:207-218 @v4.1.2)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

import argo_sim
import kfpc
from kfpc.backend import Options
from kfpc.errors import KfpcError, UsageError
from kfpc.run_options import RunOptions

WIDE = Path(__file__).resolve().parent.parent / "golden" / "wide_dag" / "pipeline.yaml"


def distinct_wide(code_bytes: int = 8000, tasks: int = 250) -> str:
    """golden/wide_dag with every task given its own executor: its own image and ~code_bytes of source."""
    ir = yaml.safe_load(WIDE.read_text("utf-8"))
    executors = ir["deploymentSpec"]["executors"]
    template = executors.pop("exec-step")
    for i, name in enumerate(sorted(ir["components"])[:tasks]):
        executor = copy.deepcopy(template)
        executor["container"]["image"] = f"registry.example.com/team/step-{i}:1.0"
        executor["container"]["command"][-1] += f"\n# step {i}\n" + ("# padding " * (code_bytes // 10)) + "\n"
        executors[f"exec-{name[5:]}"] = executor
        ir["components"][name]["executorLabel"] = f"exec-{name[5:]}"
    for name in sorted(ir["components"])[tasks:]:
        ir["components"][name]["executorLabel"] = "exec-step-0-shared"
    if tasks < len(ir["components"]):
        executors["exec-step-0-shared"] = template
    return yaml.safe_dump(ir)


def test_a_workflow_argo_cannot_store_is_refused_at_compile_time(tmp_path: Any) -> None:
    """Refused where kfpc cannot run it as child Workflows either (here: --parallelism counts the
    pods of one Workflow; without it the same pipeline runs as children, test_argo_children.py)."""
    from kfpc import cli

    source = tmp_path / "wide.yaml"
    source.write_text(distinct_wide(), encoding="utf-8")
    # What the run would hold: the object plus the library templates copied into its status.
    result = kfpc.compile_text(distinct_wide(), "argo", Options(extra=(("max-workflow-size", "64Mi"),)))
    assert argo_sim.running_workflow_size(result.documents) > 2 * 1024 * 1024
    assert [d["kind"] for d in result.documents][-1] == "Workflow" and len(result.documents) == 2  # one library
    bounded = Options(run=RunOptions(parallelism=4))
    with pytest.raises(KfpcError, match=r"1048576 bytes \(1 MiB\).*storedTemplates.*--parallelism") as caught:
        kfpc.compile_text(distinct_wide(), "argo", bounded)
    assert caught.value.code == "KFPC400"
    out = tmp_path / "wf.yaml"
    assert cli.main(["compile", str(source), "--parallelism", "4", "-o", str(out)]) == 1
    assert not out.exists()
    # Argo 3 (no library split): the one object is just as large.
    with pytest.raises(KfpcError, match="1 MiB"):
        kfpc.compile_text(distinct_wide(), "argo", Options(extra=(("argo-version", "3.7"),), run=bounded.run))


def test_the_estimate_is_not_below_what_argo_stores() -> None:
    """Every case the model of the stored object (argo_sim) puts over 1 MiB is refused, or run as
    child Workflows (backends/argo/children.py) that the model puts under it, each."""
    outcomes = set()
    for code in (1500, 3000, 3500, 6000):
        text = distinct_wide(code)
        stored = argo_sim.running_workflow_size(
            kfpc.compile_text(text, "argo", Options(extra=(("max-workflow-size", "64Mi"),))).documents)
        if stored > 1024 * 1024:
            try:
                documents = kfpc.compile_text(text, "argo").documents
            except KfpcError as exc:
                assert "1 MiB" in str(exc)
                outcomes.add("refused")
                continue
            groups = argo_sim.run_groups(documents)
            assert len(groups) > 2  # a parent and its children
            assert all(argo_sim.running_workflow_size(group) <= 1024 * 1024 for group in groups)
            outcomes.add("children")
        else:
            kfpc.compile_text(text, "argo")
            outcomes.add("one")
    assert {"one", "children"} <= outcomes


def test_the_grey_zone_warns_and_a_raised_limit_is_honoured() -> None:
    from kfpc_backends.argo import size

    text = distinct_wide(1500)
    documents = kfpc.compile_text(text, "argo", Options(extra=(("max-workflow-size", "64Mi"),))).documents
    assert argo_sim.running_workflow_size(documents) < 1024 * 1024
    limit = int(sum(size.estimate(documents).values()) / 0.9)
    warned = kfpc.compile_text(text, "argo", Options(extra=(("max-workflow-size", str(limit)),)))
    assert any("loop iterations and retries" in w for w in warned.warnings)
    assert not any("KiB of JSON" in w for w in kfpc.compile_text(WIDE.read_text("utf-8"), "argo").warnings)
    with pytest.raises(UsageError):
        kfpc.compile_text(text, "argo", Options(extra=(("max-workflow-size", "lots"),)))
