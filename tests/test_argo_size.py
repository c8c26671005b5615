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


GOLDEN = Path(__file__).resolve().parents[1] / "golden"


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


def unchecked(text: str, monkeypatch: pytest.MonkeyPatch, **options: str) -> list[dict[str, Any]]:
    """The documents a compile would write as one Workflow if nothing refused them for their size
    (nor ran them as child Workflows)."""
    from kfpc_backends.argo import size

    with monkeypatch.context() as patch:
        patch.setattr(size, "check", lambda *args, **kwargs: [])
        patch.setattr(size, "estimate", lambda *args, **kwargs: {"spec": 0})
        return list(kfpc.compile_text(text, "argo", Options(extra=tuple(options.items()))).documents)


def test_a_workflow_argo_cannot_store_is_refused_at_compile_time(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused where kfpc cannot run it as child Workflows either (here: --parallelism counts the
    pods of one Workflow; without it the same pipeline runs as children, test_argo_children.py)."""
    from kfpc import cli

    source = tmp_path / "wide.yaml"
    source.write_text(distinct_wide(), encoding="utf-8")
    # What the run would hold: the object plus the library templates copied into its status.
    documents = unchecked(distinct_wide(), monkeypatch)
    assert argo_sim.running_workflow_size(documents) > 2 * 1024 * 1024
    assert [d["kind"] for d in documents][-1] == "Workflow" and len(documents) == 2  # one library
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


def test_the_estimate_is_not_below_what_argo_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case the model of the stored object (argo_sim) puts over 1 MiB is refused, or run as
    child Workflows (backends/argo/children.py) that the model puts under it, each."""
    outcomes = set()
    for code in (1500, 3000, 3500, 6000):
        text = distinct_wide(code)
        stored = argo_sim.running_workflow_size(unchecked(text, monkeypatch))
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


def test_the_grey_zone_warns_and_a_raised_limit_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    from kfpc_backends.argo import size

    text = distinct_wide(1500)
    documents = unchecked(text, monkeypatch)
    assert argo_sim.running_workflow_size(documents) < 1024 * 1024
    limit = int(sum(size.estimate(documents).values()) / 0.9)
    warned = kfpc.compile_text(text, "argo", Options(extra=(("max-workflow-size", str(limit)),)))
    assert any("loop iterations and retries" in w for w in warned.warnings)
    assert not any("KiB of JSON" in w for w in kfpc.compile_text(WIDE.read_text("utf-8"), "argo").warnings)
    with pytest.raises(UsageError):
        kfpc.compile_text(text, "argo", Options(extra=(("max-workflow-size", "lots"),)))


def chain(tasks: int, name: str, **run: Any) -> list[dict[str, Any]]:
    from synthetic import chain_ir

    ir = yaml.safe_dump(chain_ir(tasks, stride=tasks, name=name))  # independent tasks, one pod each
    return list(kfpc.compile(ir, "argo", run=run or None).documents)


def test_node_ids_are_argos() -> None:
    """`<workflow>-<32-bit FNV-1a of the node name>`, the root node named as the workflow
    (pkg/apis/workflow/v1alpha1/workflow_types.go:3868-3877 @v4.1.2)."""
    from kfpc_backends.argo import size

    assert size.node_id("wf-k7x2q", "a") == "wf-k7x2q-3826002220"  # FNV-1a("a") = 0xe40c292c
    assert size.node_id("wf-k7x2q", "wf-k7x2q") == "wf-k7x2q"
    assert size.run_name(chain(2, "p")[-1]) == "p-" + size.GENERATED
    assert size.run_name(chain(2, "p", kind="template")[-1]) == "p-" + size.GENERATED
    assert size.run_name(chain(2, "p", kind="cron", schedule="@daily")[-1]) == "p" + size.CRON_RUN


def test_every_modelled_node_id_is_the_hash_of_its_whole_name() -> None:
    """node_status hashes each node name on from its parent's hash; every ID must still be the
    hash of the whole name, also through nested DAGs, split parts and the exit handler."""
    from kfpc_backends.argo import caps, size

    for ir in (GOLDEN / "exit_handler" / "pipeline.yaml", GOLDEN / "subpipelines" / "pipeline.yaml"):
        documents = list(kfpc.compile(str(ir), "argo").documents)
        *libraries, main = documents
        nodes, _ = size.node_status(caps.spec_of(main), libraries, "wf-k7x2q")
        assert len(nodes) > 3 and any(n["name"].count(".") >= 2 for n in nodes.values())
        assert all(node_id == size.node_id("wf-k7x2q", n["name"]) == n["id"] for node_id, n in nodes.items())
    split = chain(450, "deep")  # one DAG over Argo 4's 200 tasks: parts inside parts
    nodes, _ = size.node_status(caps.spec_of(split[-1]), split[:-1], "wf-k7x2q")
    assert max(n["name"].count(".") for n in nodes.values()) >= 2
    assert all(node_id == size.node_id("wf-k7x2q", n["name"]) for node_id, n in nodes.items())


def test_pod_results_map_only_where_argo_keeps_one() -> None:
    """Up to 3.6 the controller creates status.taskResultsCompletionStatus, keyed by node ID
    (workflow_types.go:1983-1994 @v3.6.19); from 3.7 it writes only an existing map and nothing
    creates one (workflow_types.go:2249-2279 @v4.1.2, :2036-2064 @v3.7.18)."""
    from kfpc_backends.argo import size

    documents = chain(3000, "x" * 57)
    run = size.run_name(documents[-1])
    entry = len(f'"{run}-1234567890":true,')  # the longest a real entry is; IDs have 1-10 digits
    on_36 = size.estimate(documents, "3.6")["pod results"]
    assert 3000 * (entry - 9) < on_36 <= 3000 * entry + 64  # ~230 KB, not the 60 KB of 12-character IDs
    assert size.estimate(documents, "3.5")["pod results"] == on_36
    assert size.estimate(documents, "3.7")["pod results"] == size.estimate(documents, "4.1")["pod results"] == 0
    # so a limit between the two fits on Argo 4 and is refused for Argo 3.6
    totals = {v: sum(size.estimate(documents, v).values()) for v in ("3.6", "4.1")}
    limit = (totals["3.6"] + totals["4.1"]) // 2
    size.check(documents, limit, "4.1")  # fits: no error
    with pytest.raises(KfpcError, match="pod results"):
        size.check(documents, limit, "3.6")


def test_a_longer_workflow_name_makes_a_larger_status() -> None:
    from kfpc_backends.argo import size

    short, long = (size.estimate(chain(300, name), "3.6") for name in ("s", "x" * 57))
    assert long["pod results"] > short["pod results"] + 300 * 50
    assert long["node status"] > short["node status"]


def test_a_raised_limit_still_refuses_what_kubernetes_cannot_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """etcd stores no request over 1.5 MiB by default; -O max-workflow-size does not change that."""
    from kfpc.stored import ETCD_REQUEST_LIMIT, go_json_size

    text = distinct_wide()
    assert max(go_json_size(d) for d in unchecked(text, monkeypatch, **{"argo-version": "3.7"})) > ETCD_REQUEST_LIMIT
    for version in ("3.7", "4"):  # one object; a library plus the Workflow that stores its templates
        with pytest.raises(KfpcError, match=r"1\.5 MiB \(1572864 bytes"):
            kfpc.compile_text(text, "argo", Options(extra=(("max-workflow-size", "64Mi"), ("argo-version", version))))
    fits = distinct_wide(4000)  # over 1 MiB running, under 1.5 MiB per object
    assert len(argo_sim.run_groups(kfpc.compile_text(fits, "argo").documents)) > 2  # run as child Workflows
    raised = kfpc.compile_text(fits, "argo", Options(extra=(("max-workflow-size", "2Mi"),))).documents
    assert len(argo_sim.run_groups(raised)) == 1  # one Workflow, as the raised limit allows
