"""Pod placement on Tekton with its default affinity assistant (`coschedule: workspaces`): every pod
that binds the run's volume runs on the assistant's node, and only the run-wide pod template places
the assistant. tests/tekton_sim.py's `schedule_pods` models that; these tests compile small
pipelines and check that what kfpc writes can be scheduled. (No `from __future__ import
annotations`: the kfp SDK reads the components' annotations as types.)"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tekton_checks
import tekton_sim

import kfpc
from kfpc.backend import Options
from kfpc.errors import UnsupportedError, UsageError

dsl = pytest.importorskip("kfp.dsl")
compiler = pytest.importorskip("kfp.compiler")
kubernetes = pytest.importorskip("kfp.kubernetes")


def compile_pipeline(fn: Callable, tmp: Path, **options: str) -> kfpc.compiler.Result:
    ir = tmp / "ir.yaml"
    compiler.Compiler().compile(fn, str(ir))
    result = kfpc.compile_file(str(ir), backend="tekton", options=Options(extra=tuple(options.items())))
    found = tekton_checks.problems(result.documents[0])
    assert not found, "\n".join(found[:20])
    return result


@dsl.component(base_image="python:3.11-slim")
def make() -> str:
    return "data"


@dsl.component(base_image="python:3.11-slim")
def use(x: str) -> str:
    return x


def gpu_pipeline(selector: bool, on_all: bool = False) -> Callable:
    @dsl.pipeline(name="gpu-train")
    def pipeline():
        first = make()
        train = use(x=first.output).set_accelerator_type("nvidia.com/gpu").set_accelerator_limit(1)
        for task in (first, train) if on_all else (train,):
            if selector:
                kubernetes.add_node_selector(task, label_key="pool", label_value="gpu")
                kubernetes.add_toleration(task, key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")
    return pipeline


def placement_of(run: dict[str, Any]) -> dict[str, Any]:
    template = run["spec"]["taskRunTemplate"]["podTemplate"]
    return {k: template[k] for k in ("nodeSelector", "tolerations", "affinity") if k in template}


def test_per_task_placement_would_never_schedule_with_the_assistant() -> None:
    """The model: a GPU task placed only through taskRunSpecs cannot join the assistant's node."""
    run = {"spec": {"pipelineSpec": {"tasks": [
        {"name": "a", "workspaces": [{"name": "kfpc", "workspace": "kfpc"}], "taskSpec": {"steps": [{"name": "s"}]}},
        {"name": "b", "workspaces": [{"name": "kfpc", "workspace": "kfpc"}],
         "taskSpec": {"steps": [{"name": "s", "computeResources": {"limits": {"nvidia.com/gpu": "1"}}}]}}]},
        "taskRunTemplate": {"podTemplate": {}},
        "taskRunSpecs": [{"pipelineTaskName": "b", "podTemplate": {"nodeSelector": {"pool": "gpu"}, "tolerations": [
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]}}],
        "workspaces": [{"name": "kfpc", "volumeClaimTemplate": {"spec": {}}}]}}
    problems = tekton_sim.schedule_pods(run)
    assert problems and "b" in problems[0]
    assert tekton_sim.schedule_pods(run, coschedule="disabled") == []


def test_placement_shared_by_the_volume_tasks_goes_to_the_run_wide_template(tmp_path: Path) -> None:
    result = compile_pipeline(gpu_pipeline(selector=True), tmp_path)
    run = result.documents[0]
    assert placement_of(run) == {"nodeSelector": {"pool": "gpu"}, "tolerations": [
        {"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"}]}
    assert "taskRunSpecs" not in run["spec"]
    assert tekton_sim.schedule_pods(run) == []
    assert any("run on the same node" in w and "make" in w for w in result.warnings)


def test_the_same_placement_on_every_task_needs_no_warning(tmp_path: Path) -> None:
    result = compile_pipeline(gpu_pipeline(selector=True, on_all=True), tmp_path)
    assert placement_of(result.documents[0])["nodeSelector"] == {"pool": "gpu"}
    assert not any("same node" in w for w in result.warnings)


def test_a_gpu_task_nothing_steers_is_refused_with_the_ways_out(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedError) as err:
        compile_pipeline(gpu_pipeline(selector=False), tmp_path)
    text = err.value.diagnostics[0].render()
    assert "affinity assistant" in text and "-O affinity-assistant=disabled" in text and "nvidia.com/gpu" in text
    result = compile_pipeline(gpu_pipeline(selector=False), tmp_path, **{"affinity-assistant": "disabled"})
    assert any("ReadWriteMany" in w for w in result.warnings)
    quiet = compile_pipeline(gpu_pipeline(selector=False), tmp_path, **{"affinity-assistant": "disabled",
                                                                        "access-mode": "ReadWriteMany"})
    assert not any("affinity-assistant" in w for w in quiet.warnings)


def test_different_node_pools_for_tasks_sharing_the_volume_are_refused(tmp_path: Path) -> None:
    @dsl.pipeline(name="two-pools")
    def pipeline():
        first = make()
        second = use(x=first.output)
        kubernetes.add_node_selector(first, label_key="pool", label_value="cpu")
        kubernetes.add_node_selector(second, label_key="pool", label_value="highmem")

    with pytest.raises(UnsupportedError) as err:
        compile_pipeline(pipeline, tmp_path)
    text = err.value.diagnostics[0].render()
    assert "affinity assistant" in text and "pool=cpu" in text and "pool=highmem" in text
    assert "affinity-assistant=disabled" in text and "same node selector" in text
    run = compile_pipeline(pipeline, tmp_path, **{"affinity-assistant": "disabled",
                                                  "access-mode": "ReadWriteMany"}).documents[0]
    assert sorted(s["pipelineTaskName"] for s in run["spec"]["taskRunSpecs"]) == ["make", "use"]
    assert tekton_sim.schedule_pods(run, coschedule="disabled") == []


def test_read_write_once_pod_cannot_work_with_the_assistant(tmp_path: Path) -> None:
    @dsl.pipeline(name="rwop")
    def pipeline():
        use(x=make().output)

    with pytest.raises(UsageError) as err:
        compile_pipeline(pipeline, tmp_path, **{"access-mode": "ReadWriteOncePod"})
    assert "affinity assistant" in err.value.diagnostics[0].render()
    compile_pipeline(pipeline, tmp_path, **{"access-mode": "ReadWriteOncePod", "affinity-assistant": "disabled"})
    with pytest.raises(UsageError):
        compile_pipeline(pipeline, tmp_path, **{"affinity-assistant": "off"})


@pytest.mark.parametrize("case", sorted(p.name for p in (Path(__file__).parent.parent / "golden").iterdir()
                                        if (p / "pipeline.yaml").is_file()))
def test_every_golden_pipeline_can_be_scheduled(case: str) -> None:
    from conftest import GOLDEN, golden_options

    options = golden_options(case, "tekton")
    try:
        run = kfpc.compile_file(str(GOLDEN / case / "pipeline.yaml"), backend="tekton", options=options).documents[0]
    except UnsupportedError:
        pytest.skip("not compiled for Tekton")
    disabled = options is not None and ("affinity-assistant", "disabled") in options.extra
    assert tekton_sim.schedule_pods(run, coschedule="disabled" if disabled else "workspaces") == []


def test_non_root_steps_share_a_group_that_may_write_the_volume(tmp_path: Path) -> None:
    """A fresh block-storage volume is root's: a step running as user 1000 needs the pod fsGroup
    (the kubelet makes the volume group-writable at mount) and files the others create group-writable."""
    @dsl.pipeline(name="non-root")
    def pipeline():
        first = make()
        second = use(x=first.output)
        kubernetes.set_security_context(second, run_as_user=1000, run_as_group=2000, run_as_non_root=True)

    run = compile_pipeline(pipeline, tmp_path).documents[0]
    assert run["spec"]["taskRunTemplate"]["podTemplate"]["securityContext"] == {"fsGroup": 2000}
    outcome = tekton_sim.simulate(run, tmp_path / "run")
    assert outcome.status == "Succeeded"
    made = outcome.workspace / "uid-1234" / "make"
    assert (made / "Output").stat().st_mode & 0o020 and made.stat().st_mode & 0o020, "group-writable"

    @dsl.pipeline(name="root")
    def plain():
        use(x=make().output)

    (tmp_path / "plain").mkdir()
    root = compile_pipeline(plain, tmp_path / "plain").documents[0]
    assert "securityContext" not in root["spec"]["taskRunTemplate"]["podTemplate"]


def test_a_task_with_pod_affinity_keeps_its_node_affinity() -> None:
    """A task's own `affinity` replaces the run-wide one whole, so moving only its node affinity
    run-wide would lose it."""
    from kfpc_backends.tekton import placement

    node = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}}
    pod = {"preferredDuringSchedulingIgnoredDuringExecution": []}
    step = {"name": "s"}
    run_spec = {"taskRunTemplate": {"podTemplate": {}}, "taskRunSpecs": [
        {"pipelineTaskName": "a", "podTemplate": {"affinity": {"nodeAffinity": node, "podAffinity": pod}}},
        {"pipelineTaskName": "b", "podTemplate": {"affinity": {"nodeAffinity": node}}}]}
    tasks = [{"name": n, "workspaces": [{"name": "kfpc", "workspace": "kfpc"}], "taskSpec": {"steps": [step]}}
             for n in ("a", "b")]
    placement.reconcile(run_spec, tasks, True, "ReadWriteOnce", False)
    assert run_spec["taskRunTemplate"]["podTemplate"]["affinity"] == {"nodeAffinity": node}
    assert run_spec["taskRunSpecs"] == [{"pipelineTaskName": "a", "podTemplate": {
        "affinity": {"nodeAffinity": node, "podAffinity": pod}}}]
    run = {"spec": {**run_spec, "pipelineSpec": {"tasks": tasks},
                    "workspaces": [{"name": "kfpc", "volumeClaimTemplate": {}}]}}
    assert tekton_sim.schedule_pods(run) == []


def _corpus() -> list:
    from conftest import corpus_files, needs_corpus

    return needs_corpus(corpus_files("pipelines", "components", "platform"))


@pytest.mark.parametrize("path", _corpus())
def test_every_corpus_pipeline_can_be_scheduled_or_is_refused(path: Path) -> None:
    """With the assistant (the default) every pod that binds the volume can join it; where that is
    impossible kfpc refuses, and the pipeline then compiles for a cluster without the assistant."""
    try:
        run = kfpc.compile_file(str(path), backend="tekton").documents[0]
    except UnsupportedError as err:
        if "affinity-assistant=disabled" not in err.diagnostics[0].render():
            pytest.skip("not compiled for Tekton")
        run = tekton_checks.compile_any(str(path)).documents[0]
        assert tekton_sim.schedule_pods(run, coschedule="disabled") == []
        return
    assert tekton_sim.schedule_pods(run) == []


def test_a_gpu_task_with_only_a_toleration_is_refused(tmp_path: Path) -> None:
    """A toleration lets the assistant onto a tainted GPU node but never draws it there
    (affinity_assistant.go:439-446 @v1.15.0 copies only the run-wide template), so the assistant lands on
    a CPU node and the GPU pod, bound to it, stays Pending: kfpc refuses as for no placement at all."""
    @dsl.pipeline(name="gpu-toleration")
    def pipeline():
        first = make()
        train = use(x=first.output).set_accelerator_type("nvidia.com/gpu").set_accelerator_limit(1)
        kubernetes.add_toleration(train, key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    run = kfpc.compile_file(str(ir), backend="tekton", options=Options(extra=(("affinity-assistant", "disabled"),
                                                                              ("access-mode", "ReadWriteMany"))))
    assert tekton_sim.schedule_pods(run.documents[0], coschedule="disabled") == []
    with pytest.raises(UnsupportedError) as err:
        compile_pipeline(pipeline, tmp_path)
    text = err.value.diagnostics[0].render()
    assert "nvidia.com/gpu" in text and "affinity-assistant=disabled" in text and "node selector" in text


@pytest.mark.parametrize("weight", [50, None])
def test_a_gpu_task_steered_only_by_a_preferred_node_affinity_is_refused(tmp_path: Path, weight: Any) -> None:
    """A preferred node affinity is a score: the assistant, which copies it (affinity_assistant.go:446
    @v1.15.0), may still land on a node without the GPU. A required one steers it."""
    @dsl.pipeline(name="gpu-preferred")
    def pipeline():
        first = make()
        train = use(x=first.output).set_accelerator_type("nvidia.com/gpu").set_accelerator_limit(1)
        kubernetes.add_node_affinity(train, match_expressions=[{"key": "gpu", "operator": "In", "values": ["yes"]}],
                                     weight=weight)
        kubernetes.add_toleration(train, key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")

    if weight is None:
        run = compile_pipeline(pipeline, tmp_path).documents[0]
        assert "requiredDuringSchedulingIgnoredDuringExecution" in placement_of(run)["affinity"]["nodeAffinity"]
        assert tekton_sim.schedule_pods(run) == []
        return
    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    unchecked = kfpc.compile_file(str(ir), backend="tekton", options=Options(extra=(("affinity-assistant", "disabled"),
                                                                                    ("access-mode", "ReadWriteMany"))))
    steered = unchecked.documents[0]
    pod = next(s["podTemplate"] for s in steered["spec"]["taskRunSpecs"] if "affinity" in s.get("podTemplate", {}))
    steered["spec"]["taskRunTemplate"]["podTemplate"].update(pod)  # as if kfpc had moved it run-wide
    assert any("requests ['nvidia.com/gpu']" in p for p in tekton_sim.schedule_pods(steered))
    with pytest.raises(UnsupportedError) as err:
        compile_pipeline(pipeline, tmp_path)
    text = err.value.diagnostics[0].render()
    assert "preferred node affinity" in text and "required node affinity" in text and "nvidia.com/gpu" in text


@dsl.container_component
def say(text: str):
    return dsl.ContainerSpec(image="alpine:3.19", command=["echo"], args=[text])


def test_a_task_without_the_volume_keeps_only_its_own_placement(tmp_path: Path) -> None:
    """The volume's placement goes run-wide, and Tekton fills a task's unset fields from there
    (template.go:200-209 @v1.15.0): a task without the volume that has placement of its own must not
    also need the volume tasks' node selector or node affinity, as it would not on KFP."""
    zone = [{"key": "zone", "operator": "In", "values": ["a"]}]

    @dsl.pipeline(name="own-pool")
    def pipeline():
        first = make()
        second = use(x=first.output)
        for task in (first, second):
            kubernetes.add_node_selector(task, label_key="pool", label_value="gpu")
            kubernetes.add_node_affinity(task, match_expressions=zone)
        tolerant = say(text="hi")
        kubernetes.add_toleration(tolerant, key="spot", operator="Exists", effect="NoSchedule")
        picky = say(text="ho")
        kubernetes.add_node_selector(picky, label_key="pool", label_value="cpu")

    run = compile_pipeline(pipeline, tmp_path).documents[0]
    assert placement_of(run)["nodeSelector"] == {"pool": "gpu"}
    names = [t["name"] for t in run["spec"]["pipelineSpec"]["tasks"] if "workspaces" not in t]
    assert len(names) == 2
    for name in names:
        pod = tekton_sim._effective_template(run["spec"], name)
        assert "pool" not in pod.get("nodeSelector", {}) or pod["nodeSelector"]["pool"] == "cpu"
        assert not (pod.get("affinity") or {}).get("nodeAffinity"), name
    assert tekton_sim.schedule_pods(run) == []


def test_the_ways_out_name_the_flag_each_tekton_version_reads(tmp_path: Path) -> None:
    """Tekton 1.x turns the assistant off with `coschedule: disabled`; v0.59 refuses that value while
    `disable-affinity-assistant` is false (feature_flags.go:349-350 @v0.59.6) and is off with
    `disable-affinity-assistant: "true"` (affinityassistant_types.go:41-43 @v0.59.6)."""
    with pytest.raises(UnsupportedError) as err:
        compile_pipeline(gpu_pipeline(selector=False), tmp_path)
    with pytest.raises(UsageError) as rwop:
        compile_pipeline(gpu_pipeline(selector=True), tmp_path, **{"access-mode": "ReadWriteOncePod"})
    for text in (err.value.diagnostics[0].render(), rwop.value.diagnostics[0].render()):
        assert "coschedule: disabled" in text and 'disable-affinity-assistant: "true"' in text and "v0.59" in text


def test_auto_cleanup_with_the_assistant_disabled_is_warned_about(tmp_path: Path) -> None:
    """Tekton deletes a run's claims only in the assistant's branches of its clean-up; disabled, it
    returns early (affinity_assistant.go:258-259 @v1.15.0)."""
    from kfpc.run_options import RunOptions

    @dsl.pipeline(name="cleanup")
    def pipeline():
        use(x=make().output)

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))

    def warnings(*extra: tuple[str, str]) -> list[str]:
        run = RunOptions(annotations=(("tekton.dev/auto-cleanup-pvc", "true"),))
        options = Options(extra=(("access-mode", "ReadWriteMany"), *extra), run=run)
        return kfpc.compile_file(str(ir), backend="tekton", options=options).warnings

    assert any("auto-cleanup-pvc" in w for w in warnings(("affinity-assistant", "disabled")))
    assert not any("auto-cleanup-pvc" in w for w in warnings())
