"""Tekton backend features beyond the golden cases, each on a small pipeline written with the kfp SDK
here, compiled, and (where it matters) run in tests/tekton_sim.py. (No `from __future__ import
annotations`: the kfp SDK reads the components' annotations as types.)"""

import http.server
import json
import threading
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

import kfpc
import tekton_checks
from kfpc.backend import Options
from kfpc.errors import UsageError
from k8s_standin import Api, k8s_api  # noqa: F401 (fixture)
from tekton_sim import Outcome, simulate

dsl = pytest.importorskip("kfp.dsl")
compiler = pytest.importorskip("kfp.compiler")


def compile_pipeline(fn: Callable, tmp: Path, **options: str) -> dict[str, Any]:
    ir = tmp / "ir.yaml"
    compiler.Compiler().compile(fn, str(ir))
    result = kfpc.compile_file(str(ir), backend="tekton", options=Options(extra=tuple(options.items())))
    manifest = result.documents[0]
    found = tekton_checks.problems(manifest)
    assert not found, "\n".join(found[:20])
    return manifest


def tasks(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    spec = manifest["spec"]["pipelineSpec"]
    return {t["name"]: t for t in spec.get("tasks", []) + spec.get("finally", [])}


def output(outcome: Outcome, task: str, name: str, key: str = "") -> str:
    base = outcome.workspace / "uid-1234" / task
    return (base / key / name if key else base / name).read_text("utf-8")


@dsl.component(base_image="python:3.11-slim")
def count(values: list) -> int:
    return len(values)


@dsl.component(base_image="python:3.11-slim")
def echo(x: str) -> str:
    return x


@dsl.container_component
def shout(word: str, out: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image="alpine:3.19", command=["sh", "-c", 'printf "%s!" "$0" > "$1"'], args=[word, out])


def test_static_loop_over_tekton_matrix_limit_uses_a_gate(tmp_path: Path) -> None:
    @dsl.pipeline(name="wide-static-loop")
    def pipeline():
        with dsl.ParallelFor([str(i) for i in range(300)]) as i:
            echo(x=i)

    manifest = compile_pipeline(pipeline, tmp_path)
    loop = tasks(manifest)["echo"]
    assert loop["matrix"]["params"][0]["value"].startswith("$(tasks.gate-echo.results.keys[*])")
    assert loop["when"] == [{"input": "$(tasks.gate-echo.results.n)", "operator": "notin", "values": ["0"]}]


def test_container_component_fans_out_over_run_time_items(tmp_path: Path) -> None:
    @dsl.component(base_image="python:3.11-slim")
    def words() -> list:
        return ["a", "b$(params.x)", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"]

    @dsl.pipeline(name="direct-fan-out")
    def pipeline():
        w = words()
        with dsl.ParallelFor(w.output) as word:
            s = shout(word=word)
        count(values=dsl.Collected(s.outputs["out"]))

    manifest = compile_pipeline(pipeline, tmp_path)
    assert tasks(manifest)["shout"]["matrix"]["params"][0]["name"] == "kfpc-v"
    outcome = simulate(manifest, tmp_path / "run")
    assert outcome.status == "Succeeded", {n: s.reason for n, s in outcome.states.items()}
    got = [output(outcome, "shout", "out", str(i)) for i in range(12)]
    assert got == [w + "!" for w in ["a", "b$(params.x)", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"]]
    assert output(outcome, "count", "Output") == "12"


def test_conditions_inside_a_loop_skip_single_iterations(tmp_path: Path) -> None:
    @dsl.pipeline(name="loop-conditions")
    def pipeline():
        with dsl.ParallelFor(["keep", "drop", "keep"]) as word:
            e = echo(x=word)
            with dsl.If(e.output == "keep"):
                shout(word=e.output)

    manifest = compile_pipeline(pipeline, tmp_path)
    for version in ("v1", "v0.59"):
        outcome = simulate(manifest, tmp_path / version, version=version)
        assert outcome.status == "Succeeded"
        assert [r.params["kfpc-v"] for r in outcome.states["shout"].runs] == ["keep", "keep"]
        assert output(outcome, "shout", "out", "0") == output(outcome, "shout", "out", "2") == "keep!"
        assert not (outcome.workspace / "uid-1234" / "shout" / "1").exists()


def test_an_exit_task_that_is_a_pipeline_runs_its_tasks_in_order(tmp_path: Path) -> None:
    @dsl.pipeline(name="notify")
    def notify(status: dsl.PipelineTaskFinalStatus):
        e = echo(x="first")
        with dsl.If(e.output == "first"):
            echo(x="second")

    @dsl.component(base_image="python:3.11-slim")
    def fail():
        raise RuntimeError("boom")

    @dsl.pipeline(name="pipeline-exit-task")
    def pipeline():
        with dsl.ExitHandler(notify()):
            fail()

    manifest = compile_pipeline(pipeline, tmp_path)
    (exit_task,) = manifest["spec"]["pipelineSpec"]["finally"]
    steps = [s["name"] for s in exit_task["taskSpec"]["steps"]]
    assert len(steps) == 3 and steps[-1] == "verdict", "one step per task of the exit pipeline, then the verdict"
    outcome = simulate(manifest, tmp_path / "run")
    assert outcome.status == "Failed"
    assert outcome.states[exit_task["name"]].status == "Succeeded"
    steps = outcome.states[exit_task["name"]].runs[0].steps
    assert [s[1] for s in steps] == [0, 0, 0]


def test_importer_fetches_http_artifacts_into_the_workspace(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "model.bin").write_bytes(b"\x00model bytes\xff")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        @dsl.component(base_image="python:3.11-slim")
        def size(model: dsl.Input[dsl.Model]) -> int:
            with open(model.path, "rb") as f:
                return len(f.read())

        @dsl.pipeline(name="http-import")
        def pipeline(uri: str):
            m = dsl.importer(artifact_uri=uri, artifact_class=dsl.Model, metadata={"v": uri})
            size(model=m.output)

        manifest = compile_pipeline(pipeline, tmp_path)
        url = f"http://127.0.0.1:{server.server_address[1]}/model.bin"
        outcome = simulate(manifest, tmp_path / "run", params={"uri": url})
        assert outcome.status == "Succeeded", [s[3] for st in outcome.states.values() for r in st.runs for s in r.steps]
        assert output(outcome, "size", "Output") == "13"
        meta = json.loads(output(outcome, "importer", ".kfpc/artifact.json"))
        assert meta == {"uri": url, "metadata": {"v": url}}
    finally:
        server.shutdown()


def test_a_value_too_large_for_a_result_fails_with_a_clear_message(tmp_path: Path) -> None:
    @dsl.component(base_image="python:3.11-slim")
    def big() -> str:
        return "x" * 5000

    @dsl.pipeline(name="big-result")
    def pipeline():
        shout(word=big().output)

    manifest = compile_pipeline(pipeline, tmp_path)
    outcome = simulate(manifest, tmp_path / "run")
    assert outcome.status == "Failed"
    (error,) = [s[3] for r in outcome.states["big"].runs for s in r.steps if s[1]]
    assert "does not fit" in error and "--backend argo" in error


def test_workspace_options(tmp_path: Path) -> None:
    @dsl.pipeline(name="options")
    def pipeline():
        echo(x="a")

    default = compile_pipeline(pipeline, tmp_path)
    claim = default["spec"]["workspaces"][0]["volumeClaimTemplate"]["spec"]
    assert claim == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    sized = compile_pipeline(pipeline, tmp_path, **{"workspace-size": "20Gi", "storage-class": "fast",
                                                    "access-mode": "ReadWriteMany", "helper-image": "py:1"})
    claim = sized["spec"]["workspaces"][0]["volumeClaimTemplate"]["spec"]
    assert claim == {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "20Gi"}},
                     "storageClassName": "fast"}
    existing = compile_pipeline(pipeline, tmp_path, **{"workspace-claim": "shared-data"})
    assert existing["spec"]["workspaces"] == [{"name": "kfpc", "persistentVolumeClaim": {"claimName": "shared-data"}}]
    with pytest.raises(UsageError) as err:
        compile_pipeline(pipeline, tmp_path, **{"workspace-sise": "1Gi"})
    assert "did you mean 'workspace-size'" in err.value.diagnostics[0].render()


def test_a_pipeline_without_files_needs_no_volume(tmp_path: Path) -> None:
    @dsl.container_component
    def hello():
        return dsl.ContainerSpec(image="alpine:3.19", command=["echo", "hello"])

    @dsl.pipeline(name="no-files")
    def pipeline():
        hello()

    manifest = compile_pipeline(pipeline, tmp_path)
    assert "workspaces" not in manifest["spec"]
    assert "workspaces" not in manifest["spec"]["pipelineSpec"]


def test_create_and_delete_pvc_through_the_kubernetes_api(tmp_path: Path, k8s_api: Api) -> None:
    """CreatePVC / DeletePVC become calls to the API server as the run's service account (here a
    local HTTPS stand-in with a self-signed certificate, as a pod would see it)."""
    kubernetes = pytest.importorskip("kfp.kubernetes")

    @dsl.pipeline(name="pvc")
    def pipeline(size: str = "5Gi"):
        pvc = kubernetes.CreatePVC(pvc_name_suffix="scratch", access_modes=["ReadWriteOnce"], size=size,
                                   storage_class_name="fast")
        use = echo(x=pvc.outputs["name"])
        kubernetes.DeletePVC(pvc_name=pvc.outputs["name"]).after(use)

    manifest = compile_pipeline(pipeline, tmp_path)
    outcome = simulate(manifest, tmp_path / "run", api=(k8s_api.port, k8s_api.account))
    assert outcome.status == "Succeeded", [s[3] for st in outcome.states.values() for r in st.runs for s in r.steps]
    (create, delete) = k8s_api.calls
    assert create[:3] == ("POST", "/api/v1/namespaces/team-a/persistentvolumeclaims", "Bearer secret-token")
    assert create[3] == {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "kfpc-run-scratch"},
                         "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}},
                                  "storageClassName": "fast"}}
    assert delete[:2] == ("DELETE", "/api/v1/namespaces/team-a/persistentvolumeclaims/kfpc-run-scratch")
    assert output(outcome, "echo", "Output") == "kfpc-run-scratch"


def test_tasks_after_an_ignore_upstream_failure_task_run_after_it(tmp_path: Path) -> None:
    @dsl.component(base_image="python:3.11-slim")
    def fail() -> str:
        raise RuntimeError("boom")

    @dsl.component(base_image="python:3.11-slim")
    def tidy(upstream: str = "failed") -> str:
        return "tidied after " + upstream

    @dsl.pipeline(name="after-cleanup")
    def pipeline():
        t = tidy(upstream=fail().output).ignore_upstream_failure()
        echo(x=t.output)

    manifest = compile_pipeline(pipeline, tmp_path)
    (group,) = manifest["spec"]["pipelineSpec"]["finally"]
    outcome = simulate(manifest, tmp_path / "run")
    assert outcome.status == "Failed" and outcome.states[group["name"]].status == "Succeeded"
    assert output(outcome, "echo", "Output") == "tidied after failed"


def test_regressions_from_a_new_users_pipelines(tmp_path: Path) -> None:
    """One pipeline gathering what a bug hunt on unseen pipelines found: a task reusing a looped
    component's name, a container reading an imported artifact's URI and a OneOf artifact's
    metadata, env vars on a Python component, an f-string of the loop item in a container,
    whole numbers in list constants, an optional parameter left unset, a pipeline output with `$(`."""

    @dsl.component(base_image="python:3.11-slim")
    def train(x: int) -> int:
        return x

    @dsl.component(base_image="python:3.11-slim")
    def env_and_types(xs: list, o: Optional[str] = None) -> str:
        import os
        return f"{os.environ.get('MODE')}|{xs}|{o!r}"

    @dsl.component(base_image="python:3.11-slim")
    def make(tag: str, ds: dsl.Output[dsl.Dataset]):
        with open(ds.path, "w") as f:
            f.write(tag)
        ds.metadata["tag"] = tag

    @dsl.container_component
    def show(word: str):
        return dsl.ContainerSpec(image="alpine:3.19", command=["echo"], args=[word])

    @dsl.container_component
    def show_uri(ds: dsl.Input[dsl.Dataset]):
        return dsl.ContainerSpec(image="alpine:3.19", command=["echo"], args=[ds.uri])

    @dsl.container_component
    def show_tag(ds: dsl.Input[dsl.Dataset]):
        return dsl.ContainerSpec(image="alpine:3.19", command=["echo"], args=[ds.metadata["tag"]])

    @dsl.pipeline(name="regressions")
    def pipeline(flag: str = "a", o: Optional[str] = None) -> str:
        with dsl.ParallelFor([1, 2, 3]) as x:
            train(x=x)
            show(word=f"{x}-th")
        train(x=100)
        imp = dsl.importer(artifact_uri="gs://bucket/data.csv", artifact_class=dsl.Dataset)
        show_uri(ds=imp.output)
        with dsl.If(flag == "a"):
            a = make(tag="A")
        with dsl.Else():
            b = make(tag="B")
        show_tag(ds=dsl.OneOf(a.outputs["ds"], b.outputs["ds"]))
        e = env_and_types(xs=[1, 2], o=o).set_env_variable("MODE", "fast $(x)")
        return echo(x=f"text $(params.x) {e.output}").output

    manifest = compile_pipeline(pipeline, tmp_path)
    outcome = simulate(manifest, tmp_path / "run")
    assert outcome.status == "Completed", {n: s.reason for n, s in outcome.states.items()}
    assert sorted(r.stdout for n in outcome.states if n.startswith("show") for r in outcome.states[n].runs) == \
        sorted(["1-th\n", "2-th\n", "3-th\n", "gs://bucket/data.csv\n", "A\n"])
    assert len(outcome.states["train"].runs) == 3 and "train-2" not in outcome.states, "no TaskRun name clash"
    assert output(outcome, "env-and-types", "Output") == "fast $(x)|[1, 2]|None"
    assert outcome.results == {"Output": "text $(params.x) fast $(x)|[1, 2]|None"}


def test_an_exit_task_runs_even_when_a_cleanup_in_its_pod_fails(tmp_path: Path) -> None:
    @dsl.component(base_image="python:3.11-slim")
    def failing(x: str = "none") -> str:
        raise RuntimeError("cleanup failed")

    @dsl.component(base_image="python:3.11-slim")
    def notify(status: dsl.PipelineTaskFinalStatus) -> str:
        return status.state

    @dsl.pipeline(name="exit-with-cleanup")
    def pipeline():
        with dsl.ExitHandler(notify()):
            first = echo(x="work")
            failing(x=first.output).ignore_upstream_failure()

    manifest = compile_pipeline(pipeline, tmp_path)
    outcome = simulate(manifest, tmp_path / "run")
    assert outcome.status == "Failed", "the verdict step fails the exit pod when a step in it failed"
    assert output(outcome, "notify", "Output") == "FAILED"


@dsl.component(base_image="python:3.11-slim")
def make_list() -> list:
    return ["a", "b"]


def test_a_loop_over_a_list_from_a_branch_that_did_not_run_is_skipped(tmp_path: Path) -> None:
    """KFP skips the loop's group and the run succeeds; the gate that computes the loop's keys must
    not fail on the list that was never written."""
    @dsl.pipeline(name="loop-in-skipped-branch")
    def pipeline(flag: str = "no"):
        with dsl.If(flag == "yes"):
            made = make_list()
            with dsl.ParallelFor(made.output) as item:
                echo(x=item)

    manifest = compile_pipeline(pipeline, tmp_path)
    for version in ("v1", "v0.59"):
        skipped = simulate(manifest, tmp_path / f"no-{version}", version=version)
        assert skipped.status in ("Succeeded", "Completed"), {n: s.reason for n, s in skipped.states.items()}
        assert not skipped.ran("echo") and not skipped.ran("make-list")
        ran = simulate(manifest, tmp_path / f"yes-{version}", params={"flag": "yes"}, version=version)
        assert ran.status == "Succeeded"
        assert sorted(output(ran, "echo", "Output", k) for k in ("0", "1")) == ["a", "b"]


def test_an_exit_handler_in_a_sub_pipeline_inside_a_conditional_loop_runs_per_iteration(tmp_path: Path) -> None:
    """Exit tasks run in Tekton's finally: inside a loop they fan out over the same keys as the loop's
    tasks (a gate filters the iterations whose condition holds), after every DAG task."""
    @dsl.component(base_image="python:3.11-slim")
    def work(x: str) -> str:
        if x == "b":
            raise RuntimeError("b fails")
        return x

    @dsl.component(base_image="python:3.11-slim")
    def cleanup(x: str):
        print("cleanup", x)

    @dsl.pipeline(name="sub")
    def sub(x: str):
        with dsl.ExitHandler(cleanup(x=x)):
            work(x=x)

    @dsl.pipeline(name="exit-in-loop")
    def pipeline():
        with dsl.ParallelFor(["a", "b", "skip"]) as item:
            with dsl.If(item != "skip"):
                sub(x=item)

    manifest = compile_pipeline(pipeline, tmp_path)
    (final,) = manifest["spec"]["pipelineSpec"]["finally"]
    assert "matrix" in final
    for version in ("v1", "v0.59"):
        outcome = simulate(manifest, tmp_path / version, version=version)
        assert outcome.status == "Failed", "b's work fails, as on KFP"
        cleaned = sorted(line for line in outcome.stdout(final["name"]).splitlines() if line.startswith("cleanup"))
        assert cleaned == ["cleanup a", "cleanup b"]


@dsl.component(base_image="python:3.11-slim")
def maybe_fail(flag: str) -> str:
    if flag == "fail":
        raise SystemExit(1)
    return flag


@dsl.component(base_image="python:3.11-slim")
def farewell(m: str):
    print("bye", m)


@dsl.pipeline(name="handled")
def handled(m: str):
    with dsl.ExitHandler(farewell(m=m)):
        echo(x=m)


@pytest.mark.parametrize("loop", [True, False])
@pytest.mark.parametrize("flag, byes", [("fail", 0), ("ok", None)])
def test_an_exit_handler_whose_dag_never_started_does_not_run(tmp_path: Path, loop: bool, flag: str,
                                                              byes: Optional[int]) -> None:
    """KFP runs an exit task only when its DAG started; Tekton runs every finally task once the DAG is
    done (pipelinerunstate.go:504-519 @v1.15.0), so the exit task's `when` reads what the DAG waited for."""
    @dsl.pipeline(name="outer")
    def pipeline(flag: str = "ok"):
        first = maybe_fail(flag=flag)
        if loop:
            with dsl.ParallelFor(["p", "q"]) as item:
                handled(m=item).after(first)
        else:
            handled(m="p").after(first)

    manifest = compile_pipeline(pipeline, tmp_path)
    for version in ("v1", "v0.59"):
        outcome = simulate(manifest, tmp_path / f"{version}-{flag}", params={"flag": flag}, version=version)
        assert outcome.status == ("Failed" if flag == "fail" else "Succeeded")
        exit_task = next(t for t in outcome.states if "farewell" in t)
        expected = byes if byes is not None else (2 if loop else 1)
        assert len(outcome.states[exit_task].runs) == expected, (version, outcome.states)


@dsl.component(base_image="python:3.11-slim")
def report_state(status: dsl.PipelineTaskFinalStatus) -> str:
    return status.state


@dsl.component(base_image="python:3.11-slim")
def boom():
    raise RuntimeError("outside the exit handler")


def test_a_group_task_skipped_by_its_condition_counts_as_done_for_the_exit_handler(tmp_path: Path) -> None:
    """Tekton reports "None" for a task its `when` skipped as for one never started
    (GetPipelineTaskStatus, pipelinerunstate.go:704-722 @v1.15.0, :590-608 @v0.59.6). KFP (and the
    Argo backend) count a task skipped by a false dsl.If as done: the group succeeded, whatever
    fails outside it, and a group that is only a false dsl.If succeeded rather than was canceled."""
    @dsl.pipeline(name="exit-cond-status")
    def with_failure_outside(flag: str = "no"):
        with dsl.ExitHandler(report_state(), name="group"):
            echo(x="first")
            with dsl.If(flag == "yes"):
                first = echo(x="only when yes")
                with dsl.If(first.output == "only when yes"):  # its operand is never produced when flag is no
                    echo(x="nested")
        boom()

    @dsl.pipeline(name="exit-skipped-group")
    def only_a_false_condition(flag: str = "no"):
        with dsl.ExitHandler(report_state(), name="group"):
            with dsl.If(flag == "yes"):
                echo(x="only when yes")
        echo(x="outside")

    cases = [(with_failure_outside, "Failed"), (only_a_false_condition, "Completed")]
    for index, (pipeline, run_status) in enumerate(cases):
        (tmp_path / str(index)).mkdir()
        manifest = compile_pipeline(pipeline, tmp_path / str(index))
        for version in ("v1", "v0.59"):
            outcome = simulate(manifest, tmp_path / f"run-{index}-{version}", version=version)
            assert outcome.status == run_status, (pipeline, version)
            assert output(outcome, "report-state", "Output") == "COMPLETE", (pipeline, version)
            assert not outcome.ran("echo-2" if index == 0 else "echo"), "the task under the false condition"
    # The condition true: the task runs and succeeds (with a failure outside, Tekton may stop the run
    # before the nested tasks start, and then the group did not complete).
    taken = simulate(manifest, tmp_path / "yes", params={"flag": "yes"})
    assert taken.ran("echo") and output(taken, "report-state", "Output") == "COMPLETE"


def test_an_exit_task_sharing_a_pod_is_retried_alone_before_the_next(tmp_path: Path) -> None:
    """Exit tasks after an ignore_upstream_failure task share one finally TaskRun; a Tekton retry
    would run that whole pod again (retryTaskRun, pkg/reconciler/taskrun/taskrun.go:1383-1393
    @v1.15.0), re-running `notify`. KFP retries only `cleanup`, before `notify` runs."""
    @dsl.component(base_image="python:3.11-slim")
    def failing() -> str:
        raise RuntimeError("x")

    @dsl.component(base_image="python:3.11-slim")
    def flaky_cleanup(log: str, upstream: str = "failed") -> str:
        with open(log, "a") as handle:
            handle.write("cleanup\n")
        with open(log) as handle:
            if handle.read().count("cleanup") < 3:
                raise RuntimeError("flaky")
        return upstream

    @dsl.component(base_image="python:3.11-slim")
    def notify_once(log: str):
        with open(log, "a") as handle:
            handle.write("notify\n")

    @dsl.pipeline(name="finally-group-retry")
    def pipeline(log: str):
        b = failing()
        c = flaky_cleanup(log=log, upstream=b.output).ignore_upstream_failure().set_retry(num_retries=3)
        notify_once(log=log).after(c).ignore_upstream_failure()

    manifest = compile_pipeline(pipeline, tmp_path)
    (merged,) = manifest["spec"]["pipelineSpec"]["finally"]
    assert "retries" not in merged, "a retry of the merged TaskRun would run notify again"
    for version in ("v1", "v0.59"):
        log = tmp_path / f"log-{version}.txt"
        outcome = simulate(manifest, tmp_path / f"run-{version}", params={"log": str(log)}, version=version)
        assert log.read_text().split() == ["cleanup"] * 3 + ["notify"], version
        assert outcome.states[merged["name"]].status == "Succeeded"
        assert output(outcome, "flaky-cleanup", "Output") == "failed"


def test_a_container_exit_task_with_retries_in_a_shared_pod_is_refused(tmp_path: Path) -> None:
    """Only the runtime can retry a step alone, and it runs only Python components."""
    @dsl.component(base_image="python:3.11-slim")
    def failing() -> str:
        raise RuntimeError("x")

    @dsl.pipeline(name="finally-group-container-retry")
    def pipeline():
        b = failing()
        c = shout(word="x").after(b).ignore_upstream_failure().set_retry(num_retries=2)
        echo(x="after").after(c).ignore_upstream_failure()

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    with pytest.raises(kfpc.KfpcError, match="asks for retries and runs in one finally pod") as caught:
        kfpc.compile_file(str(ir), backend="tekton", options=Options())
    assert caught.value.code == "KFPC400"
