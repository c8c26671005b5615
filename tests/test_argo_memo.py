"""Memoization as Argo's controller performs it (argo_sim.MemoCache / run_memoized, each rule citing
the controller source): the save that a stock controller role cannot make, what `kfpc setup argo`
grants, hits across runs, and memoize together with retryStrategy."""

from __future__ import annotations

from typing import Any

import argo_sim
import yaml
from conftest import GOLDEN
from test_caching import GLOBALS, TASKS, root_task, templates

import kfpc
from kfpc.backend import Options
from kfpc.run_options import RunOptions

CONTROLLER = ("argo", "argo")  # manifests/base/workflow-controller/workflow-controller-sa.yaml:4 @v4.1.2


def compiled(case: str) -> dict[str, Any]:
    return kfpc.compile_file(str(GOLDEN / case / "pipeline.yaml"), "argo",
                             options=Options(run=RunOptions(caching=True))).documents[0]


def processed(wf: dict[str, Any], task: str, globals_: dict[str, str] = GLOBALS,
              tasks: dict[str, str] = TASKS) -> dict[str, Any]:
    root = templates(wf)[wf["spec"]["entrypoint"]]
    args = argo_sim.dag_arguments(root, task, globals_, {}, tasks)
    return argo_sim._processed(templates(wf)[root_task(wf, task)["template"]], args, globals_)[0]


def granted(documents: list[dict[str, Any]]) -> frozenset[str]:
    """The configmap verbs the controller holds in its own namespace: the stock ones plus the setup's."""
    return argo_sim.STOCK_CONTROLLER_VERBS | {
        verb for verb in ("create", "update", "delete", "get")
        if argo_sim.rbac_allows(documents, CONTROLLER, "argo", verb, "configmaps")}


def setup_documents() -> list[dict[str, Any]]:
    import contextlib
    import io

    from kfpc import cli

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["setup", "argo", "--namespace", "ml"]) == 0
    return list(yaml.safe_load_all(out.getvalue()))


def test_a_stock_controller_fails_every_memoized_task() -> None:
    """The issue's first finding, reproduced: the save is refused and the node ends in Error."""
    wf = compiled("platform_runtime")
    node = argo_sim.run_memoized(processed(wf, "train"), argo_sim.MemoCache(), "n1", [("Succeeded", {"p": 1})])
    assert node["phase"] == "Error" and "forbidden" in node["message"] and "create" in node["message"]


def test_setup_grants_what_memoization_needs_and_runs_hit() -> None:
    docs = setup_documents()
    cache = argo_sim.MemoCache(granted(docs))
    wf = compiled("platform_runtime")
    first = argo_sim.run_memoized(processed(wf, "train"), cache, "n1", [("Succeeded", {"parameters": [1]})])
    assert first["phase"] == "Succeeded" and first["pods"] == 1 and not first["hit"]
    (name,) = cache.maps
    assert name == "kfpc-cache-platform-runtime"
    again = {**GLOBALS, "workflow.uid": "uid-2", "workflow.name": "wf-2"}  # a second run, same inputs
    second = argo_sim.run_memoized(processed(wf, "train", again), cache, "n2", [("Succeeded", {"parameters": [2]})])
    assert second["hit"] and second["pods"] == 0 and second["outputs"] == {"parameters": [1]}
    other = argo_sim.run_memoized(processed(wf, "train", {**again, "workflow.namespace": "team-b"}), cache, "n3",
                                  [("Succeeded", {"parameters": [3]})])
    assert not other["hit"] and other["pods"] == 1  # another namespace never reuses this one's artifacts


def test_cache_entries_expire_and_gc_needs_delete() -> None:
    docs = setup_documents()
    cache = argo_sim.MemoCache(granted(docs))
    wf = compiled("platform_runtime")
    template = processed(wf, "train")
    assert template["memoize"]["maxAge"] == "168h"
    argo_sim.run_memoized(template, cache, "n1", [("Succeeded", {})])
    cache.now += 169 * 3600
    assert not argo_sim.run_memoized(template, cache, "n2", [("Succeeded", {})])["hit"]
    cache.now += 3600 * 24 * 30
    cache.gc(30.0)
    assert not cache.maps  # the GC deleted the emptied map, which the setup's `delete` allows


def test_memoize_with_retries_saves_the_successful_attempt_and_hits_on_the_retry_node() -> None:
    """operator.go:2091-2093 and 2967-2975 @v4.1.2: attempts carry the memoization status, a hit is
    a Retry node with the cached outputs and no children."""
    wf = compiled("retry_resources_env")
    both = [t for t in wf["spec"]["templates"] if "memoize" in t and "retryStrategy" in t]
    assert both, "retry_resources_env has a cached task with retries"
    template = dict(both[0])
    template["memoize"] = {**template["memoize"], "key": "k1"}  # the key itself is covered elsewhere
    cache = argo_sim.MemoCache(granted(setup_documents()))
    first = argo_sim.run_memoized(template, cache, "n1", [("Failed", None), ("Succeeded", {"parameters": ["ok"]})])
    assert first["type"] == "Retry" and first["phase"] == "Succeeded" and first["pods"] == 2
    second = argo_sim.run_memoized(template, cache, "n2", [("Failed", None)])
    assert second["hit"] and second["type"] == "Retry" and second["outputs"] == {"parameters": ["ok"]}
    # every attempt failing saves nothing, and the next run runs again
    cache2 = argo_sim.MemoCache(granted(setup_documents()))
    failed = argo_sim.run_memoized(template, cache2, "n1", [("Failed", None)] * 5)
    assert failed["phase"] == "Failed" and not cache2.maps


def test_a_full_cache_map_fails_the_task() -> None:
    """Kubernetes caps a ConfigMap at 1 MiB: past that every save fails (README: size budget)."""
    cache = argo_sim.MemoCache(granted(setup_documents()))
    wf = compiled("platform_runtime")
    big = {"parameters": [{"name": "Output", "value": "x" * 300_000}]}
    phases = []
    for i in range(5):
        template = processed(wf, "train", {**GLOBALS, "workflow.parameters.env": f"e{i}"})
        phases.append(argo_sim.run_memoized(template, cache, f"n{i}", [("Succeeded", big)])["phase"])
    assert phases[:3] == ["Succeeded"] * 3 and phases[3] == "Error"


def test_setup_objects() -> None:
    docs = setup_documents()
    kinds = [(d["kind"], d["metadata"]["name"], d["metadata"]["namespace"]) for d in docs]
    assert ("ConfigMap", "artifact-repositories", "ml") in kinds
    repo = next(d for d in docs if d["kind"] == "ConfigMap")
    key = repo["metadata"]["annotations"]["workflows.argoproj.io/default-artifact-repository"]
    assert "{{workflow.uid}}" in yaml.safe_load(repo["data"][key])["s3"]["keyFormat"]
    pods = ("ml", "default")
    assert argo_sim.rbac_allows(docs, pods, "ml", "create", "argoproj.io/workflowtaskresults")
    assert argo_sim.rbac_allows(docs, pods, "ml", "patch", "argoproj.io/workflowtaskresults")
    assert not argo_sim.rbac_allows(docs, pods, "argo", "create", "configmaps")
    assert not argo_sim.rbac_allows(docs, CONTROLLER, "ml", "create", "configmaps")  # only its own namespace


def test_setup_refusals(capsys: Any) -> None:
    from kfpc import cli

    assert cli.main(["setup", "tekton"]) == 2  # nothing to set up
    assert cli.main(["setup", "argo", "--namespace", "Not_A_Name"]) == 2
    assert cli.main(["setup", "nosuch"]) == 2  # a usage error, as for compile -b nosuch
    err = capsys.readouterr().err
    assert "needs no one-time set-up" in err and "Not_A_Name" in err and "nosuch" in err
