"""A pipeline clearly too large for one Workflow goes straight to child Workflows
(backends/argo/probe.py, children.build_direct) instead of being rendered whole first: a run with
the same results as the whole render's path gives (the same documents where both cut as many
children; the count follows the estimate, not the measured whole), the same refusals, and the whole
render wherever the probe's estimate is not confirmed: a pipeline that fits one Workflow stays one."""

from __future__ import annotations

import json
from typing import Any

import pytest

import argo_sim
import kfpc
from argo_checks import inline_libraries, problems_any
from kfpc.backend import Options
from kfpc.errors import KfpcError
from kfpc.run_options import RunOptions
from synthetic import chain_ir
from test_argo_children import run, with_output

SMALL = ("max-workflow-size", "80Ki")
ARGO_3 = ("argo-version", "3.7")


def compile_ir(ir: dict[str, Any], *extra: tuple[str, str], run: RunOptions | None = None) -> Any:
    return kfpc.compile_text(json.dumps(ir), "argo", Options(extra=extra, run=run or RunOptions()), name="chain.json")


def whole_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compile as it was before the probe: every pipeline rendered whole, then measured."""
    from kfpc_backends.argo import probe

    monkeypatch.setattr(probe, "estimate", lambda plan, settings: None)


def probe_settings(limit: int, version: str = "4") -> Any:
    from kfpc_backends.argo import probe, workflow

    return probe.Settings(limit, version, None, workflow.HELPER_IMAGE, False)


def test_a_pipeline_far_over_the_limit_is_never_rendered_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from kfpc_backends.argo import split, workflow

    built: list[int] = []
    real_build, real_split = workflow.build, split.split_large_dags
    monkeypatch.setattr(workflow, "build", lambda plan, *a, **k: built.append(len(plan.components)) or
                        real_build(plan, *a, **k))
    splits: list[int] = []
    monkeypatch.setattr(split, "split_large_dags", lambda plan: splits.append(1) or real_split(plan))
    documents = compile_ir(chain_ir(1200), SMALL).documents
    children = argo_sim.run_groups(documents)[1:]
    assert len(children) >= 4
    assert max(built) < 1200 / 2  # probes and children only: no render of all 1,200 tasks
    assert len(splits) == len(children)  # each child split on its own, the whole never


@pytest.mark.parametrize("version", [ARGO_3, ("argo-version", "4")])
def test_both_paths_run_the_pipeline_the_same(monkeypatch: pytest.MonkeyPatch, version: tuple[str, str]) -> None:
    ir = with_output(chain_ir(600), "step-599")
    direct = compile_ir(ir, SMALL, version)
    with monkeypatch.context() as patched:
        whole_first(patched)
        exact = compile_ir(ir, SMALL, version)
    for result in (direct, exact):
        groups = argo_sim.run_groups(result.documents)
        assert len(groups) > 2
        for group in groups:
            assert not problems_any(inline_libraries(group)) if len(group) > 1 else not problems_any(group[0])
    workflow_direct, seen_direct = run(direct.documents, "s")
    workflow_exact, seen_exact = run(exact.documents, "s")
    assert workflow_direct["status"]["phase"] == workflow_exact["status"]["phase"] == "Succeeded"
    assert workflow_direct["status"]["outputs"] == workflow_exact["status"]["outputs"]
    assert seen_direct == seen_exact and len(seen_direct) == 600
    # The parent's own fields come from the plan (workflow.shell) as the whole render wrote them.
    parent_direct, parent_exact = direct.documents[-1], exact.documents[-1]
    assert parent_direct["metadata"] == parent_exact["metadata"]
    for key in ("arguments", "activeDeadlineSeconds", "ttlStrategy"):
        assert parent_direct["spec"].get(key) == parent_exact["spec"].get(key)
    assert len(direct.warnings) == len(exact.warnings)


def test_same_children_same_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where both paths cut the same children, the documents and warnings are the same, whatever
    the run options put on the parent."""
    ir = with_output(chain_ir(600), "step-599")
    options = RunOptions(kind="cron", schedule="0 * * * *", ttl_seconds=60, pipeline_timeout="2h",
                         labels=(("team", "ml"),), annotations=(("note", "x"),), caching=True)
    direct = compile_ir(ir, SMALL, ARGO_3, run=options)
    with monkeypatch.context() as patched:
        whole_first(patched)
        exact = compile_ir(ir, SMALL, ARGO_3, run=options)
    assert len(argo_sim.run_groups(direct.documents)) > 2
    assert direct.documents == exact.documents
    assert sorted(direct.warnings) == sorted(exact.warnings)


def test_refusals_are_the_whole_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    ir = chain_ir(600)
    messages = []
    for path in ("direct", "whole"):
        with monkeypatch.context() as patched:
            if path == "whole":
                whole_first(patched)
            with pytest.raises(KfpcError) as caught:
                compile_ir(ir, SMALL, run=RunOptions(parallelism=4))
            messages.append(str(caught.value))
    assert messages[0] == messages[1] and "--parallelism" in messages[0]


@pytest.mark.parametrize("n, limit, wrong", [(400, "1Mi", 50 * 1024 * 1024),
                                              (600, "240Ki", int(2.5 * 240 * 1024))])
def test_an_estimate_the_children_do_not_confirm_falls_back(monkeypatch: pytest.MonkeyPatch, n: int, limit: str,
                                                            wrong: int) -> None:
    """A wrong estimate never turns a pipeline that fits one Workflow into child Workflows: the
    600-task chain runs at about 207 KiB, and its five children at about 236 KiB together."""
    from kfpc_backends.argo import probe

    ir = chain_ir(n)
    expected = {v: compile_ir(ir, ("max-workflow-size", limit), v).documents for v in (ARGO_3, ("argo-version", "4"))}
    monkeypatch.setattr(probe, "estimate", lambda plan, settings: wrong)
    for version, documents in expected.items():
        assert [d["kind"] for d in documents] == ["Workflow"]
        assert compile_ir(ir, ("max-workflow-size", limit), version).documents == documents


def test_small_and_near_limit_pipelines_are_not_probed() -> None:
    from kfpc_backends.argo import probe

    def plan_of(n: int) -> Any:
        plan, _ = kfpc.compiler.load_text(json.dumps(chain_ir(n)), "chain.json")
        return plan

    mib = 1024 * 1024
    assert probe.estimate(plan_of(1000), probe_settings(mib)) is None  # under limit / 512 leaf tasks
    assert probe.estimate(plan_of(600), probe_settings(400 * 1024)) is None  # about 230 KiB: maybe it fits
    assert probe.estimate(plan_of(600), probe_settings(80 * 1024)) is not None


def test_the_estimate_is_near_the_whole_run() -> None:
    """What the probe extrapolates from two prefixes, against the whole Workflow rendered and measured."""
    from kfpc_backends.argo import probe, size, workflow

    plan, _ = kfpc.compiler.load_text(json.dumps(chain_ir(600, stride=3)), "chain.json")
    estimated = probe.estimate(plan, probe_settings(64 * 1024, "3.7"))
    assert estimated is not None
    measured = sum(size.estimate([workflow.build(plan, plan.pipeline_root, None)], "3.7").values())
    assert 0.8 * measured <= estimated <= 1.2 * measured


def test_a_probe_that_cannot_render_leaves_the_decision_to_the_whole_render(monkeypatch: pytest.MonkeyPatch) -> None:
    from kfpc_backends.argo import probe

    def broken(plan: Any, count: int, settings: Any) -> int:
        raise KeyError("a prefix the renderer cannot take")

    ir = chain_ir(600)
    with monkeypatch.context() as patched:
        whole_first(patched)
        expected = compile_ir(ir, SMALL).documents
    monkeypatch.setattr(probe, "_measure", broken)
    assert probe.estimate(kfpc.compiler.load_text(json.dumps(ir), "chain.json")[0], probe_settings(80 * 1024)) is None
    assert compile_ir(ir, SMALL).documents == expected


def heavy_prefix_ir(tasks: int, heavy: int, blob: int, shared: int) -> dict[str, Any]:
    """Independent tasks: the first `heavy` pass a distinct `blob`-byte constant (what the probe's
    prefixes measure), the rest call one component whose command holds `shared` bytes (one template
    in one Workflow, a copy in every child Workflow)."""
    components = {"comp-h": {"executorLabel": "exec-h", "inputDefinitions": {"parameters": {
                      "blob": {"parameterType": "STRING"}}}},
                  "comp-l": {"executorLabel": "exec-l"}}
    executors = {"exec-h": {"container": {"image": "alpine", "command": [
                     "sh", "-c", "echo $0", "{{$.inputs.parameters['blob']}}"]}},
                 "exec-l": {"container": {"image": "alpine", "command": ["sh", "-c", "true # " + "x" * shared]}}}
    dag: dict[str, Any] = {}
    for i in range(tasks):
        key = f"t{i:04d}"
        task: dict[str, Any] = {"componentRef": {"name": "comp-h" if i < heavy else "comp-l"}, "taskInfo": {"name": key}}
        if i < heavy:
            task["inputs"] = {"parameters": {"blob": {"runtimeValue": {"constant": (f"{i}:" * blob)[:blob]}}}}
        dag[key] = task
    return {"components": components, "deploymentSpec": {"executors": executors}, "pipelineInfo": {"name": "flat"},
            "root": {"dag": {"tasks": dag}}, "schemaVersion": "2.1.0", "sdkVersion": "kfp-2.17.3"}


@pytest.mark.parametrize("shape, limit", [((320, 40, 600, 12000), "80Ki"), ((6000, 512, 700, 110000), "1Mi"),
                                          ((300, 40, 400, 20000), "80Ki")])
def test_a_heavy_prefix_that_fits_one_workflow_stays_one(monkeypatch: pytest.MonkeyPatch, shape: tuple[int, ...],
                                                         limit: str) -> None:
    """The probe extrapolates the heavy prefix to about 3x the limit; the whole run fits (65 KiB of
    80 KiB; 978 KiB of 1 MiB) and stays one Workflow. Counted as they are, the children held more
    than the limit: each carries its own copy of the shared template and of the launcher (found by
    an independent review, with this test). In the third, a 20 KB template in each of four children
    takes them to 1.6 times the limit, next to an estimate of 2 and a whole of 0.8."""
    ir = heavy_prefix_ir(*shape)
    with monkeypatch.context() as patched:
        whole_first(patched)
        exact = compile_ir(ir, ("max-workflow-size", limit))
    assert [d["kind"] for d in exact.documents] == ["Workflow"]
    assert compile_ir(ir, ("max-workflow-size", limit)).documents == exact.documents


def display_forms_ir(tasks: int, light: int, shared: int, forms: int, per: int, blob: int) -> dict[str, Any]:
    """Independent tasks with a distinct `blob`-byte constant each: the first `light` call a small
    component, the rest one component whose command holds `shared` bytes under one of `forms` display
    names (a template each: x, x-<hash>, ...). Each run of `per` tasks shows the forms in a rotated
    order, so every child Workflow names them in a different order."""
    param = {"inputDefinitions": {"parameters": {"c": {"parameterType": "STRING"}}}}
    use = ["{{$.inputs.parameters['c']}}"]
    components = {"comp-x": {"executorLabel": "exec-x", **param}, "comp-l": {"executorLabel": "exec-l", **param}}
    executors = {"exec-x": {"container": {"image": "alpine", "command": ["sh", "-c", "true # " + "x" * shared, *use]}},
                 "exec-l": {"container": {"image": "alpine", "command": ["sh", "-c", "true", *use]}}}
    dag: dict[str, Any] = {}
    for i in range(tasks):
        key = f"t{i:04d}"
        shown = key if i < light else f"form-{(i // per + i % per) % forms}"
        dag[key] = {"componentRef": {"name": "comp-l" if i < light else "comp-x"}, "taskInfo": {"name": shown},
                    "inputs": {"parameters": {"c": {"runtimeValue": {"constant": (f"{i}:" * blob)[:blob]}}}}}
    return {"components": components, "deploymentSpec": {"executors": executors}, "pipelineInfo": {"name": "forms"},
            "root": {"dag": {"tasks": dag}}, "schemaVersion": "2.1.0", "sdkVersion": "kfp-2.17.3"}


def parameter_reads_ir(tasks: int, name_length: int, shared: int, switch: int = 20) -> dict[str, Any]:
    """Independent tasks that each read one pipeline parameter with a long name; from task `switch`
    on they call a component whose command holds `shared` bytes (one template, which the probe's
    larger prefix meets first)."""
    name = "param".ljust(name_length, "x")
    reads = {"inputDefinitions": {"parameters": {name: {"parameterType": "STRING"}}}}
    command = ["sh", "-c", "echo {{$.inputs.parameters['%s']}}" % name]
    components = {"comp-b": {"executorLabel": "exec-b", **reads}, "comp-l": {"executorLabel": "exec-l", **reads}}
    executors = {"exec-b": {"container": {"image": "alpine", "command": [*command[:2], command[2] + " # " + "x" * shared]}},
                 "exec-l": {"container": {"image": "alpine", "command": command}}}
    dag = {f"t{i:04d}": {"componentRef": {"name": "comp-b" if i >= switch else "comp-l"}, "taskInfo": {"name": f"t{i:04d}"},
                         "inputs": {"parameters": {name: {"componentInputParameter": name}}}} for i in range(tasks)}
    return {"components": components, "deploymentSpec": {"executors": executors}, "pipelineInfo": {"name": "reads"},
            "root": {"dag": {"tasks": dag}, "inputDefinitions": {"parameters": {name: {"parameterType": "STRING",
                                                                                         "defaultValue": "v"}}}},
            "schemaVersion": "2.1.0", "sdkVersion": "kfp-2.17.3"}


@pytest.mark.parametrize("ir, limit", [
    (display_forms_ir(160, 20, 5200, 5, 32, 150), "80Ki"),
    (parameter_reads_ir(160, 70, 14000), "80Ki"),
])
def test_what_children_repeat_or_add_does_not_make_children_of_a_run_that_fits(
        monkeypatch: pytest.MonkeyPatch, ir: dict[str, Any], limit: str) -> None:
    """Found by a second independent review. First: five display-name forms of one 5 KB component
    are a template each, named in the order each child's render meets them, so the children repeat
    them under other names (the run, 76 KiB of 80 KiB, became five child Workflows). Second: a child
    reads a pipeline parameter through a base64 decode that names it three times, so its tasks hold
    more bytes than the same tasks in one Workflow (75 KiB of 80 KiB became four children)."""
    with monkeypatch.context() as patched:
        whole_first(patched)
        exact = compile_ir(ir, ("max-workflow-size", limit))
    assert [d["kind"] for d in exact.documents] == ["Workflow"]
    assert compile_ir(ir, ("max-workflow-size", limit)).documents == exact.documents


def test_the_runs_annotations_each_child_repeats_do_not_make_children_of_a_run_that_fits(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a third independent review: a 32 KB annotation (RunOptions) on a run of 70 KiB in an
    80 KiB limit; the probe estimates 2.2x, and four children carrying the annotation each held 2.1x."""
    ir = heavy_prefix_ir(170, 30, 10, 21000)
    ir["pipelineInfo"]["name"] = "r"
    run_options = RunOptions(annotations=(("note", "x" * 32000),))
    with monkeypatch.context() as patched:
        whole_first(patched)
        exact = compile_ir(ir, SMALL, run=run_options)
    assert [d["kind"] for d in exact.documents] == ["Workflow"]
    assert compile_ir(ir, SMALL, run=run_options).documents == exact.documents


def heavy_subdags_ir(light: int, every: int, leaves: int, command: int) -> dict[str, Any]:
    """`light` small tasks and, from the 300th on, every `every` tasks a call of one sub-DAG whose
    `leaves` tasks each have their own `command`-byte component (shared by every call)."""
    components: dict[str, Any] = {"comp-l": {"executorLabel": "exec-l"}}
    executors: dict[str, Any] = {"exec-l": {"container": {"image": "alpine", "command": ["sh", "-c", "true"]}}}
    for j in range(leaves):
        components[f"comp-b{j}"] = {"executorLabel": f"exec-b{j}"}
        executors[f"exec-b{j}"] = {"container": {"image": "alpine", "command": ["sh", "-c", f"true {j} # " + "x" * command]}}
    components["comp-sub"] = {"dag": {"tasks": {f"b{j}": {"componentRef": {"name": f"comp-b{j}"},
                                                          "taskInfo": {"name": f"b{j}"}} for j in range(leaves)}}}
    dag: dict[str, Any] = {}
    for i in range(light):
        dag[f"l{i:04d}"] = {"componentRef": {"name": "comp-l"}, "taskInfo": {"name": f"l{i:04d}"}}
        if i >= 300 and (i - 300) % every == 0:
            dag[f"l{i:04d}x"] = {"componentRef": {"name": "comp-sub"}, "taskInfo": {"name": f"l{i:04d}x"}}
    return {"components": components, "deploymentSpec": {"executors": executors}, "pipelineInfo": {"name": "slow"},
            "root": {"dag": {"tasks": dag}}, "schemaVersion": "2.1.0", "sdkVersion": "kfp-2.17.3"}


def renamed_forms_ir(light: int, calls: int, inner: int, blob: int, between: int, forms: int = 8) -> dict[str, Any]:
    """`light` small tasks, then `calls` times: a one-task sub-DAG of component `i` under display name
    n<j+1>, a call of one sub-DAG of `inner` tasks of `i` (display names n0..n<forms-1>, each passing a
    distinct `blob`-byte constant), and `between` small tasks. Each display name of `i` is a template
    of its own, named in the order a render meets them, so each child names the large sub-DAG's
    templates differently and its DAG template differs from child to child."""
    given = {"inputDefinitions": {"parameters": {"c": {"parameterType": "STRING"}}}}
    components: dict[str, Any] = {"comp-l": {"executorLabel": "exec-l"}, "comp-i": {"executorLabel": "exec-i", **given}}
    executors = {"exec-l": {"container": {"image": "alpine", "command": ["sh", "-c", "true"]}},
                 "exec-i": {"container": {"image": "alpine", "command": ["sh", "-c", "echo", "{{$.inputs.parameters['c']}}"]}}}

    def call(form: int, constant: str) -> dict[str, Any]:
        return {"componentRef": {"name": "comp-i"}, "taskInfo": {"name": f"n{form % forms}"},
                "inputs": {"parameters": {"c": {"runtimeValue": {"constant": constant}}}}}

    components["comp-sub"] = {"dag": {"tasks": {f"i{k:03d}": call(k, (f"{k}:" * blob)[:blob]) for k in range(inner)}}}
    dag: dict[str, Any] = {f"l{i:04d}": {"componentRef": {"name": "comp-l"}, "taskInfo": {"name": f"l{i:04d}"}}
                           for i in range(light)}
    for j in range(calls):
        components[f"comp-x{j}"] = {"dag": {"tasks": {"x": call(j + 1, "m")}}}
        dag[f"s{j:02d}a"] = {"componentRef": {"name": f"comp-x{j}"}, "taskInfo": {"name": f"s{j:02d}a"}}
        dag[f"s{j:02d}b"] = {"componentRef": {"name": "comp-sub"}, "taskInfo": {"name": f"s{j:02d}b"}}
        for b in range(between):
            dag[f"s{j:02d}c{b:03d}"] = {"componentRef": {"name": "comp-l"}, "taskInfo": {"name": f"s{j:02d}c{b:03d}"}}
    return {"components": components, "deploymentSpec": {"executors": executors}, "pipelineInfo": {"name": "sub"},
            "root": {"dag": {"tasks": dag}}, "schemaVersion": "2.1.0", "sdkVersion": "kfp-2.17.3"}


@pytest.mark.parametrize("version", [ARGO_3, ("argo-version", "4")])
def test_a_sub_dag_each_child_names_differently_does_not_make_children_of_a_run_that_fits(
        monkeypatch: pytest.MonkeyPatch, version: tuple[str, str]) -> None:
    """Found by a fourth independent review: a 660 KB sub-DAG called eight times in 2,000 leaf
    tasks at the default 1 MiB; the run holds 0.89 MiB as one Workflow, the probe estimates 6.4 MiB,
    and eleven children, each naming the sub-DAG's templates in another order, hold 4.8 MiB once
    repeats by name and content are taken off (the sub-DAG's DAG template differs from child to child)."""
    ir = renamed_forms_ir(256, 8, 300, 2200, 50)
    with monkeypatch.context() as patched:
        whole_first(patched)
        exact = compile_ir(ir, version)
    assert [d["kind"] for d in exact.documents] == ["Workflow"]
    assert compile_ir(ir, version).documents == exact.documents


@pytest.mark.parametrize("shape", [(2100, 400, 7, 112000), (2100, 300, 8, 100000)])
def test_children_that_cannot_confirm_the_estimate_end_the_attempt_early(
        monkeypatch: pytest.MonkeyPatch, shape: tuple[int, ...]) -> None:
    """Sub-DAG calls holding 700 to 784 KB of commands among 2,100 small tasks (0.91 and 0.93 of
    1 MiB as one Workflow), one call inside the probe's prefixes: estimated at 5.7x and 5.8x. Found
    by the third independent review: no cut keeps a child with that sub-DAG under 75% of the limit,
    so the cut went on to one task per child, 2,105 children, before falling back (5.6 s against
    0.13 s). Then by the fourth: the first cut's ten children hold 0.94x once repeats are taken off,
    far from what would confirm the estimate, and finer cuts only add repeats, yet 10, 14 and 19
    children were built (43 renders, about 4x the old path's time)."""
    from kfpc_backends.argo import children

    ir = heavy_subdags_ir(*shape)
    with monkeypatch.context() as patched:
        whole_first(patched)
        exact = compile_ir(ir, ARGO_3)
    assert [d["kind"] for d in exact.documents] == ["Workflow"]
    built: list[int] = []
    real = children._child
    monkeypatch.setattr(children, "_child", lambda *a: built.append(1) or real(*a))
    assert compile_ir(ir, ARGO_3).documents == exact.documents
    assert 0 < len(built) <= 12  # one cut of about ten children
