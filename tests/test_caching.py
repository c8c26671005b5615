"""Caching: opt-in (`--enable-caching`), then KFP's per-task cache choices become Argo memoization
whose key hits exactly when the work and its inputs are the same (backends/argo/memo.py); Tekton has no
caching (README).

Keys are evaluated the way Argo evaluates them (argo_sim: the DAG's arguments, then the leaf
template's substitution passes), over golden/platform_runtime: a task with caching off, one with a
custom cache key, and memoized tasks reading parameters, an upstream artifact and run-time
kfp-kubernetes names."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

import argo_checks
import argo_sim
import kfpc
from conftest import GOLDEN
from kfpc.backend import Options
from kfpc.errors import UsageError
from kfpc.run_options import RunOptions

IR = GOLDEN / "platform_runtime" / "pipeline.yaml"
KEY = re.compile(r"^[a-zA-Z0-9][-a-zA-Z0-9]*$")  # Argo's cacheKeyRegex

GLOBALS = {"workflow.parameters.env": "prod", "workflow.parameters.rows": "10",
           "workflow.parameters.node_selector": '{"pool":"gpu"}',
           "workflow.parameters.tolerations": '[{"key":"gpu","operator":"Exists"}]',
           "workflow.parameters.affinity": "{}", "workflow.parameters.pull_secret": "registry-secret",
           "workflow.parameters.models_pvc": "models", "workflow.parameters.tls_secret": "tls-cert",
           "workflow.name": "wf-1", "workflow.uid": "uid-1", "workflow.namespace": "ml",
           "workflow.creationTimestamp": "2026-01-01T00:00:00Z"}
TASKS = {"tasks.pick-config.outputs.parameters.Output": "app-config-prod",
         "tasks.prepare.outputs.parameters.kfpc-id": "wf-1-prepare-111",
         "tasks.prepare.outputs.parameters.kfpc-meta-data": "{}",
         "tasks.train.outputs.parameters.Output": "10"}


def workflow(text: str | None = None, **run: Any) -> dict[str, Any]:
    run.setdefault("caching", True)
    result = kfpc.compile_text(text if text is not None else IR.read_text("utf-8"), "argo",
                               Options(run=RunOptions(**run)), name=str(IR))
    (doc,) = result.documents
    return doc


def compiled(case: str) -> dict[str, Any]:
    """A golden case compiled with caching on."""
    return kfpc.compile_file(str(GOLDEN / case / "pipeline.yaml"), "argo",
                             options=Options(run=RunOptions(caching=True))).documents[0]


def templates(wf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in wf["spec"]["templates"]}


def root_task(wf: dict[str, Any], name: str) -> dict[str, Any]:
    root = templates(wf)[wf["spec"]["entrypoint"]]
    return next(t for t in root["dag"]["tasks"] if t["name"] == name)


def key_of(wf: dict[str, Any], task: str, globals_: dict[str, str] = GLOBALS,
           tasks: dict[str, str] = TASKS) -> str:
    """The memoization key Argo computes for one task of the root DAG."""
    root = templates(wf)[wf["spec"]["entrypoint"]]
    args = argo_sim.dag_arguments(root, task, globals_, {}, tasks)
    template = templates(wf)[root_task(wf, task)["template"]]
    processed, _ = argo_sim._processed(template, args, globals_)
    return processed["memoize"]["key"]


def fingerprint(wf: dict[str, Any], task: str) -> str:
    args = root_task(wf, task).get("arguments", {}).get("parameters", [])
    return next(a["value"] for a in args if a["name"] == "kfpc-cache")


def edited(change: Any) -> str:
    """The golden IR with one edit made to its documents."""
    docs = list(yaml.safe_load_all(IR.read_text("utf-8")))
    change(docs)
    return yaml.safe_dump_all(docs, sort_keys=False)


def test_each_task_keeps_its_caching_choice() -> None:
    wf = workflow()
    by_name = templates(wf)
    memoized = {t["name"] for t in wf["spec"]["templates"] if "memoize" in t}
    assert memoized == {"prepare", "train", "report"}, memoized  # pick-config: set_caching_options(False)
    for name in memoized:
        memo = by_name[name]["memoize"]
        assert memo["cache"]["configMap"]["name"] == "kfpc-cache-platform-runtime" and memo["maxAge"] == "168h"
    assert not argo_checks.problems(wf)


def test_disable_caching_switch_memoizes_nothing() -> None:
    wf = workflow(caching=False)
    text = yaml.safe_dump(wf)
    assert "memoize" not in text and "kfpc-cache" not in text and "kfpc-id" not in text
    assert not argo_checks.problems(wf)


def test_key_is_a_valid_hash_and_changes_with_every_input() -> None:
    wf = workflow()
    base = key_of(wf, "train")
    assert KEY.match(base) and len(base) == 64
    assert key_of(wf, "train") == base  # deterministic: same inputs, same key
    variants = {
        "a parameter": ({**GLOBALS, "workflow.parameters.env": "dev"}, TASKS),
        "the producer of an input artifact": (GLOBALS, {**TASKS, "tasks.prepare.outputs.parameters.kfpc-id": "x"}),
        "a config map name from a task": (GLOBALS, {**TASKS, "tasks.pick-config.outputs.parameters.Output": "c2"}),
        "a JSON node selector": ({**GLOBALS, "workflow.parameters.node_selector": '{"pool":"cpu"}'}, TASKS),
        "an image pull secret": ({**GLOBALS, "workflow.parameters.pull_secret": "other"}, TASKS),
    }
    for what, (globals_, tasks) in variants.items():
        other = key_of(wf, "train", globals_, tasks)
        assert KEY.match(other) and other != base, f"changing {what} must change the key"
    report = key_of(wf, "report")
    assert key_of(wf, "report", {**GLOBALS, "workflow.parameters.models_pvc": "models-2"}) != report  # PVC name
    assert key_of(wf, "report", {**GLOBALS, "workflow.parameters.affinity": "[]"}) == report  # not its input


def test_a_key_cannot_be_forged_by_moving_text_between_inputs() -> None:
    """Inputs are hashed as a JSON list, so `a|b` + `c` and `a` + `b|c` differ."""
    wf = workflow()
    one = key_of(wf, "train", {**GLOBALS, "workflow.parameters.env": "a,b"},
                 {**TASKS, "tasks.prepare.outputs.parameters.kfpc-id": "c"})
    two = key_of(wf, "train", {**GLOBALS, "workflow.parameters.env": "a"},
                 {**TASKS, "tasks.prepare.outputs.parameters.kfpc-id": "b,c"})
    assert one != two


def test_custom_cache_key_replaces_the_inputs() -> None:
    """KFP: a task's cache_key stands for everything but the component; prepare sets 'prepare-v2'."""
    wf = workflow()
    assert key_of(wf, "prepare") == key_of(wf, "prepare", {**GLOBALS, "workflow.parameters.rows": "99"})

    def bump(docs: list[dict[str, Any]]) -> None:
        docs[0]["root"]["dag"]["tasks"]["prepare"]["cachingOptions"]["cacheKey"] = "prepare-v3"

    bumped = workflow(edited(bump))
    assert fingerprint(bumped, "prepare") != fingerprint(wf, "prepare")
    assert fingerprint(bumped, "train") == fingerprint(wf, "train")


def test_fingerprint_covers_the_work_and_its_platform_settings() -> None:
    wf = workflow()

    def new_image(docs: list[dict[str, Any]]) -> None:
        docs[0]["deploymentSpec"]["executors"]["exec-train"]["container"]["image"] = "python:3.12-slim"

    def new_mount(docs: list[dict[str, Any]]) -> None:
        docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-report"]["pvcMount"][0][
            "mountPath"] = "/other"

    image = workflow(edited(new_image))
    assert fingerprint(image, "train") != fingerprint(wf, "train")
    assert fingerprint(image, "report") == fingerprint(wf, "report")
    mount = workflow(edited(new_mount))
    assert fingerprint(mount, "report") != fingerprint(wf, "report")
    assert fingerprint(mount, "train") == fingerprint(wf, "train")


def test_cached_results_copy_who_produced_each_artifact() -> None:
    """A consumer keys on the producing pod's name (kfpc-id), which a cache hit restores."""
    wf = workflow()
    outputs = templates(wf)["prepare"]["outputs"]["parameters"]
    kfpc_id = next(o for o in outputs if o["name"] == "kfpc-id")
    # unique per run: a fixed --name makes pod names repeat (util/pod_name.go @v4.1.2)
    assert kfpc_id["valueFrom"]["default"] == "{{workflow.uid}}-{{pod.name}}"
    assert {"name": "kfpc-id-data"} in templates(wf)["train"]["inputs"]["parameters"]  # hashed with all inputs


def test_cache_options() -> None:
    on = RunOptions(caching=True)
    wf = kfpc.compile_text(IR.read_text("utf-8"), "argo", Options(
        run=on, extra=(("cache-config-map", "ml-cache"), ("cache-max-age", "24h")))).documents[0]
    memo = templates(wf)["train"]["memoize"]
    assert memo["maxAge"] == "24h" and memo["cache"]["configMap"]["name"] == "ml-cache"
    unbounded = kfpc.compile_text(IR.read_text("utf-8"), "argo", Options(run=on, extra=(("cache-max-age", "none"),)))
    assert templates(unbounded.documents[0])["train"]["memoize"]["maxAge"] == ""
    for bad in (("cache-max-age", "1d"), ("cache-max-age", "0s"), ("cache-config-map", "Bad_Name")):
        with pytest.raises(UsageError, match=bad[0]):
            kfpc.compile_text(IR.read_text("utf-8"), "argo", Options(run=on, extra=(bad,)))


def test_artifacts_argo_cannot_identify_are_never_memoized() -> None:
    """A consumer of artifacts collected from a loop has no producer identity: it always runs."""
    wf = compiled("collected_artifacts")
    plan, _ = kfpc.load_plan(str(GOLDEN / "collected_artifacts" / "pipeline.yaml"))
    listed = {t.key for c in plan.components.values() for t in getattr(c, "tasks", ())
              if any(b.is_list for b in t.artifacts)}
    assert listed
    memo_templates = {t["name"] for t in wf["spec"]["templates"] if "memoize" in t}
    for tmpl in wf["spec"]["templates"]:
        for task in tmpl.get("dag", {}).get("tasks", []):
            if task["name"] in listed:
                assert task["template"] not in memo_templates, task["name"]


def test_nothing_is_memoized_where_a_kfp_workspace_is_used() -> None:
    """The workspace is a new volume per run: a hit would skip the write this run's readers need."""
    wf = compiled("kfp_workspace")
    assert not any("memoize" in t for t in wf["spec"]["templates"])


def test_producers_of_collected_artifacts_always_run() -> None:
    """Collected artifacts are listed under the run's own prefix; a cache hit would upload nothing."""
    wf = compiled("collected_artifacts")
    producers = [t for t in wf["spec"]["templates"] if t.get("outputs", {}).get("artifacts") and "container" in t]
    assert producers and not any("memoize" in t for t in producers)
    assert "memoize" in templates(workflow())["prepare"]  # elsewhere artifact producers are memoized


# -- opt-in, and what a key must hold when it is on -------------------------------------------

def test_caching_is_off_unless_asked_for() -> None:
    """A stock controller cannot write ConfigMaps, and a failed cache save ends the task in Error
    (operator.go:1258-1266 @v4.1.2): without --enable-caching nothing is memoized."""
    for case in ("platform_runtime", "pipeline_placeholders", "seed_ml_pipeline"):
        text = kfpc.compile_file(str(GOLDEN / case / "pipeline.yaml"), "argo").text()
        assert "memoize" not in text and "kfpc-cache" not in text and "kfpc-id" not in text, case
    assert "memoize" in yaml.safe_dump(workflow())


def test_cli_caching_switches_and_their_precedence(tmp_path: Any, monkeypatch: Any, capsys: Any) -> None:
    """A flag wins over the config file; the file wins over the default (off); the two flags exclude each other."""
    from kfpc import cli

    monkeypatch.chdir(tmp_path)

    def memoized(*flags: str) -> bool:
        out = tmp_path / "wf.yaml"
        assert cli.main(["compile", str(IR), "-o", str(out), *flags]) == 0
        return "memoize:" in out.read_text("utf-8")

    assert not memoized()
    assert memoized("--enable-caching")
    assert not memoized("--disable-caching")
    (tmp_path / "kfpc.yaml").write_text("caching: true\n", encoding="utf-8")
    assert memoized()
    assert not memoized("--disable-caching")
    (tmp_path / "kfpc.yaml").write_text("caching: false\n", encoding="utf-8")
    assert memoized("--enable-caching")
    assert cli.main(["compile", str(IR), "--enable-caching", "--disable-caching"]) == 2
    capsys.readouterr()


PLACEHOLDERS = GOLDEN / "pipeline_placeholders" / "pipeline.yaml"


def test_run_time_values_read_outside_the_inputs_are_keyed() -> None:
    """echo-context reads the job name, its own id and the creation time through env, not inputs:
    a second run (another uid) must not reuse the first run's output with the first run's ids."""
    wf = workflow(PLACEHOLDERS.read_text("utf-8"))
    tasks = {"tasks.echo-context.outputs.parameters.kfpc-id": "x"}
    for task in ("echo-context", "show-context"):
        template = templates(wf)[root_task(wf, task)["template"]]
        run = next(i for i in template["inputs"]["parameters"] if i["name"] == "kfpc-run")
        assert "{{workflow.uid}}" in run["default"], task
        base = key_of(wf, task, tasks=tasks)
        assert key_of(wf, task, {**GLOBALS, "workflow.uid": "uid-2"}, tasks) != base, task
        assert key_of(wf, task, {**GLOBALS, "workflow.creationTimestamp": "2026-01-02T00:00:00Z"}, tasks) != base
        assert key_of(wf, task, tasks=tasks) == base
    # a task reading no run-time value keeps a key that repeats across runs
    plain = workflow()
    assert key_of(plain, "train", {**GLOBALS, "workflow.uid": "uid-2"}) == key_of(plain, "train")


def test_keys_differ_between_namespaces() -> None:
    """The cache map lives in the controller's namespace (controller.go:235 @v4.1.2) and serves
    every namespace; a result's artifacts belong to the namespace that made them."""
    wf = workflow()
    for task in ("train", "prepare", "report"):  # prepare has a custom cache key
        assert key_of(wf, task, {**GLOBALS, "workflow.namespace": "other"}) != key_of(wf, task), task


def test_one_cache_map_per_pipeline() -> None:
    names = set()
    for case in ("platform_runtime", "pipeline_placeholders", "seed_ml_pipeline"):
        found = {t["memoize"]["cache"]["configMap"]["name"] for t in compiled(case)["spec"]["templates"]
                 if "memoize" in t}
        assert len(found) == 1, (case, found)
        names |= found
    assert len(names) == 3 and all(n.startswith("kfpc-cache-") for n in names), names


def test_a_fixed_name_with_caching_warns_about_artifact_keys() -> None:
    """Argo's default artifact keys are `{{workflow.name}}/{{pod.name}}`
    (pkg/apis/workflow/v1alpha1/artifact_repository_types.go:11 @v4.1.2): with a fixed name a later
    run overwrites the artifacts a cache entry points at."""
    named = kfpc.compile_text(IR.read_text("utf-8"), "argo", Options(run=RunOptions(caching=True, name="nightly")))
    assert any("keyFormat" in w and "{{workflow.uid}}" in w for w in named.warnings)
    for run in (RunOptions(caching=True), RunOptions(name="nightly")):
        assert not any("keyFormat" in w for w in kfpc.compile_text(IR.read_text("utf-8"), "argo",
                                                                      Options(run=run)).warnings)


def test_what_the_pod_is_made_of_is_keyed() -> None:
    """`--pipeline-root` reaches a pod as literal text, not as an input: it must change the key."""
    from kfpc.backend import Options as Opts

    docs = list(yaml.safe_load_all((GOLDEN / "hello_container" / "pipeline.yaml").read_text("utf-8")))
    docs[0]["deploymentSpec"]["executors"]["exec-echo"]["container"]["args"].append("{{$.pipeline_root}}")
    text = yaml.safe_dump_all(docs, sort_keys=False)

    def key(root: str) -> str:
        wf = kfpc.compile_text(text, "argo", Opts(pipeline_root=root, run=RunOptions(caching=True))).documents[0]
        return key_of(wf, "echo", tasks={})

    assert key("gs://a/root") != key("gs://b/root")
    assert key("gs://a/root") == key("gs://a/root")
