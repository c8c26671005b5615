"""Inputs that used to end in `internal error[KFPC700]`, a hang or an invalid manifest (issue 8,
part 3): each is now a KFPC error naming file, line:column and IR path, or a manifest that passes
the backend's checks. Every case here failed on the code before the fix."""

from __future__ import annotations

import copy
import re
import signal
from typing import Any

import pytest
import yaml

import argo_checks
import kfpc
import robust_ir as R
import tekton_checks
from conftest import GOLDEN
from kfpc import yamlio
from kfpc.errors import KfpcError

BACKENDS = ["argo", "tekton"]


def refused(text: str, backend: str) -> KfpcError:
    with pytest.raises(KfpcError) as info:
        kfpc.compile_text(text, backend=backend, name="p.yaml")
    error = info.value
    assert error.code != "KFPC700", str(error)
    return error


def assert_placed(error: KfpcError, code: str, path_part: str) -> None:
    """The error has the code, the file, a line:column and an IR path containing `path_part`."""
    diags = [d for d in error.diagnostics if d.code == code]
    assert diags, str(error)
    d = diags[0]
    assert d.file == "p.yaml" and d.line is not None and d.column is not None, str(error)
    assert path_part in d.ir_path, str(error)


def valid(text: str, backend: str) -> list[dict[str, Any]]:
    result = kfpc.compile_text(text, backend=backend, name="p.yaml")
    docs = list(yaml.safe_load_all(result.text()))
    found = [p for d in docs for p in argo_checks.problems_any(d)] if backend == "argo" \
        else tekton_checks.problems_all(docs)
    assert not found, "\n".join(found[:20])
    return docs


def task_output(producer: str = "make", key: str = "Output") -> dict[str, Any]:
    return {"taskOutputParameter": {"producerTask": producer, "outputParameterKey": key}}


def secret_from(ref: dict[str, Any]) -> dict[str, Any]:
    return {"secretAsEnv": [{"secretName": "s", "secretNameParameter": ref,
                             "keyToEnv": [{"secretKey": "k", "envVar": "E"}]}]}


# ---------------------------------------------------------------------------------------------
# 1. Crash classes


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("condition", [
    "(" * 200 + "inputs.parameter_values['msg'] == 'a'" + ")" * 200,
    "!" * 300 + "(inputs.parameter_values['msg'] == 'a')",
])
def test_deeply_nested_condition_is_refused(backend: str, condition: str) -> None:
    p = R.base()
    p["root"]["dag"]["tasks"]["use"]["triggerPolicy"] = {"condition": condition}
    error = refused(R.text(p), backend)
    assert_placed(error, "KFPC309", "root.dag.tasks.use.triggerPolicy.condition")
    assert "nested more than" in str(error)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("source,kind", [
    (task_output(key="count"), "NUMBER_INTEGER"),
    ({"runtimeValue": {"constant": [1, 2]}}, "LIST"),
    ({"runtimeValue": {"constant": {"a": 1}}}, "STRUCT"),
    ({"runtimeValue": {"constant": 2.5}}, "NUMBER_DOUBLE"),
])
def test_a_bare_non_boolean_condition_is_refused_by_the_checks(backend: str, source: dict, kind: str) -> None:
    p = R.base()
    task = p["root"]["dag"]["tasks"]["use"]
    task["inputs"]["parameters"]["n"] = source
    task["triggerPolicy"] = {"condition": "inputs.parameter_values['n']"}
    error = refused(R.text(p), backend)
    assert_placed(error, "KFPC309", "use.triggerPolicy.condition")
    assert kind in str(error)


def test_a_declared_number_input_used_bare_is_refused_by_the_checks() -> None:
    """The checks, not lowering, refuse it: lowering never sees the pipeline."""
    from kfpc.graph import checks
    from kfpc.ir import parse

    p = R.base()
    p["components"]["comp-use"]["inputDefinitions"]["parameters"]["n"] = {"parameterType": "NUMBER_INTEGER"}
    task = p["root"]["dag"]["tasks"]["use"]
    task["inputs"]["parameters"]["n"] = task_output(key="count")
    task["triggerPolicy"] = {"condition": "inputs.parameter_values['n']"}
    with pytest.raises(KfpcError) as info:
        checks.check(parse.parse(p), "p.yaml")
    assert info.value.code == "KFPC309"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("ref", [{}, "make", [1], {"producerTask": "make"}, {"outputParameterKey": "Output"},
                                 {"producerTask": 3, "outputParameterKey": "Output"}])
def test_a_malformed_platform_task_output_is_refused(backend: str, ref: Any) -> None:
    text = R.text(R.base(), R.platform("exec-use", secret_from({"taskOutputParameter": ref})))
    error = refused(text, backend)
    assert_placed(error, "KFPC315", "secretNameParameter.taskOutputParameter")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_platform_output_the_producer_does_not_declare_is_KFPC304(backend: str) -> None:
    text = R.text(R.base(), R.platform("exec-use", secret_from(task_output(key="Outptu"))))
    error = refused(text, backend)
    assert_placed(error, "KFPC304", "exec-use.secretAsEnv[0].secretNameParameter")
    assert "did you mean 'Output'" in str(error)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_platform_setting_reading_an_unknown_task_is_KFPC303(backend: str) -> None:
    error = refused(R.text(R.base(), R.platform("exec-use", secret_from(task_output("mkae")))), backend)
    assert_placed(error, "KFPC303", "secretNameParameter")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_platform_setting_reading_its_own_task_output_is_refused(backend: str) -> None:
    error = refused(R.text(R.base(), R.platform("exec-make", secret_from(task_output("make")))), backend)
    assert_placed(error, "KFPC307", "exec-make.secretAsEnv[0]")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_dependency_cycle_through_the_platform_spec_is_refused(backend: str) -> None:
    p = R.base()
    p["components"]["comp-use"]["outputDefinitions"] = {"parameters": {"Output": {"parameterType": "STRING"}}}
    error = refused(R.text(p, R.platform("exec-make", secret_from(task_output("use")))), backend)
    assert_placed(error, "KFPC307", "exec-make.secretAsEnv[0]")
    assert "cycle" in str(error)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("env", [{"A": "b"}, "A=b", 3])
def test_an_init_container_env_that_is_not_a_list_is_refused(backend: str, env: Any) -> None:
    init = {"initContainers": [{"name": "i", "image": "busybox", "command": ["true"], "env": env}]}
    error = refused(R.text(R.base(), R.platform("exec-use", init)), backend)
    assert_placed(error, "KFPC315", "initContainers[0]")
    assert "env must be a list" in str(error)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("field", ["env", "args"])
def test_an_executor_reading_an_input_nobody_supplies_is_refused(backend: str, field: str) -> None:
    p = R.base()
    container = p["deploymentSpec"]["executors"]["exec-use"]["container"]
    if field == "env":
        container["env"] = [{"name": "E", "value": "{{$.inputs.parameters['zz']}}"}]
    else:
        container["args"] = ["{{$.inputs.parameters['zz']}}"]
    error = refused(R.text(p), backend)
    assert_placed(error, "KFPC305", "root.dag.tasks.use")
    assert "'zz'" in str(error)


@pytest.mark.parametrize("consumers", [200, 420])
def test_a_wide_dag_reading_a_platform_setting_from_a_task_output(consumers: int) -> None:
    """Argo cuts DAGs of more than 200 tasks into parts (backends/argo/split.py); a platform setting
    reading a task in another part must cross the cut like a task input does."""
    docs = valid(R.text(R.base(consumers), R.platform("exec-use", secret_from(task_output()))), "argo")
    assert "make" in yaml.safe_dump(docs)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["kfpc-items", "kfpc-meta-x", "KFPC-list-y", "kfpc-x-make-Output"])
def test_an_input_named_like_a_kfpc_name_is_refused(backend: str, name: str) -> None:
    p = R.base()
    p["root"]["inputDefinitions"]["parameters"][name] = {"parameterType": "STRING", "defaultValue": "a"}
    p["components"]["comp-use"]["inputDefinitions"]["parameters"][name] = {"parameterType": "STRING"}
    p["root"]["dag"]["tasks"]["use"]["inputs"]["parameters"][name] = {"componentInputParameter": name}
    error = refused(R.text(p), backend)
    assert_placed(error, "KFPC200", "inputDefinitions.parameters")
    assert "reserves" in str(error)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_loop_over_an_input_named_kfpc_items(backend: str) -> None:
    doc = yaml.safe_load((GOLDEN / "loops" / "pipeline.yaml").read_text("utf-8"))
    text = yaml.safe_dump(doc).replace("pipelinechannel--", "kfpc-items-")
    refused(text, backend)


# ---------------------------------------------------------------------------------------------
# 2. Tekton task names


@pytest.fixture()
def watchdog():
    def fire(signum, frame):
        raise TimeoutError("no result after 20 s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


@pytest.mark.parametrize("copies", [26, 30, 40])
def test_many_copies_of_a_condition_task_get_valid_unique_tekton_names(copies: int, watchdog) -> None:
    doc = yaml.safe_load((GOLDEN / "conditions" / "pipeline.yaml").read_text("utf-8"))
    tasks = doc["root"]["dag"]["tasks"]
    key = sorted(k for k in tasks if k.startswith("condition"))[0]
    for i in range(copies):
        tasks[f"{key}-{i}"] = copy.deepcopy(tasks[key])
    docs = valid(yaml.safe_dump(doc), "tekton")
    spec = next(d for d in docs if d["kind"] == "PipelineRun")["spec"]["pipelineSpec"]
    names = [t["name"] for t in spec["tasks"] + spec.get("finally", [])]
    assert len(names) == len(set(names))
    assert all(len(n) <= 63 and _LABEL.fullmatch(n) for n in names), [n for n in names if not _LABEL.fullmatch(n)]


@pytest.mark.parametrize("max_len", [25, 52, 63])
@pytest.mark.parametrize("text", ["condition-1", "-" * 65, "a" * 80, "_"])
def test_the_namer_always_ends_with_a_valid_unique_label(max_len: int, text: str, watchdog) -> None:
    from kfpc import names

    namer = names.Namer(max_len=max_len)
    got = [namer.name(text) for _ in range(300)]
    assert len(set(got)) == len(got)
    assert all(len(n) <= max_len and _LABEL.fullmatch(n) for n in got), got[:5]


# ---------------------------------------------------------------------------------------------
# 3. Many errors: capped, placed in one pass


def test_thousands_of_graph_errors_are_capped_and_located_in_one_pass(monkeypatch) -> None:
    p = R.base(1000)
    for key, task in p["root"]["dag"]["tasks"].items():
        if key != "make":
            task["dependentTasks"] = ["nope"]
    calls = []
    real = yamlio.yaml.compose_all

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(yamlio.yaml, "compose_all", counting)
    error = refused(R.text(p), "argo")
    assert len(calls) == 1
    assert len(error.diagnostics) == 51
    assert all(d.line is not None for d in error.diagnostics[:50])
    assert error.diagnostics[-1].message.startswith("950 more problems not shown")
    assert str(error).count("\n") == 50


# ---------------------------------------------------------------------------------------------
# 4. Inputs that used to compile, with exit 0, to manifests the engines refuse


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["a{b}", "x$(y)", "back\\slash", "it's", 'say"hi"', "two words", "1e+308G"])
def test_a_name_no_engine_accepts_is_refused(backend: str, name: str) -> None:
    p = R.base()
    p["components"]["comp-use"]["inputDefinitions"]["parameters"] = {name: {"parameterType": "STRING"}}
    task = p["root"]["dag"]["tasks"]["use"]
    task["inputs"]["parameters"] = {name: task["inputs"]["parameters"]["msg"]}
    p["deploymentSpec"]["executors"]["exec-use"]["container"]["args"] = [f"{{{{$.inputs.parameters[{name!r}]}}}}"]
    error = refused(R.text(p), backend)
    assert_placed(error, "KFPC200", "comp-use.inputDefinitions.parameters")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("key,value", [("resourceCpuLimit", "x"), ("resourceMemoryLimit", "inf"),
                                       ("resourceMemoryLimit", "1e+308G"), ("memoryLimit", float("inf")),
                                       ("cpuLimit", -1), ("resourceCpuRequest", "1.5.2")])
def test_a_resource_that_is_not_a_quantity_is_refused(backend: str, key: str, value: Any) -> None:
    p = R.base()
    p["deploymentSpec"]["executors"]["exec-use"]["container"]["resources"] = {key: value}
    error = refused(R.text(p), backend)
    assert_placed(error, "KFPC313", f"exec-use.container.resources.{key}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_only_constant_resources_outside_the_quantity_grammar_are_refused(backend: str) -> None:
    p = R.base()
    resources = {"resourceCpuLimit": "500m", "resourceMemoryLimit": "1.5Gi", "memoryRequest": 0.5,
                 "resourceCpuRequest": "{{$.inputs.parameters['msg']}}"}
    p["deploymentSpec"]["executors"]["exec-use"]["container"]["resources"] = resources
    valid(R.text(p), backend)
    resources["resourceMemoryLimit"] = "1.5Gb"
    assert_placed(refused(R.text(p), backend), "KFPC313", "resources.resourceMemoryLimit")


def _loop_ir() -> tuple[dict[str, Any], dict[str, Any]]:
    doc = yaml.safe_load((GOLDEN / "loops" / "pipeline.yaml").read_text("utf-8"))
    loop = next(t for t in doc["root"]["dag"]["tasks"].values() if "parameterIterator" in t)
    return doc, loop


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("value", [-1, "-1"])
def test_a_negative_or_non_numeric_parallelism_is_refused(backend: str, value: Any) -> None:
    doc, loop = _loop_ir()
    loop["iteratorPolicy"] = {"parallelismLimit": value}
    error = refused(yaml.safe_dump(doc), backend)
    assert_placed(error, "KFPC200", "iteratorPolicy.parallelismLimit")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("value", [-3, "-3"])
def test_a_negative_or_non_numeric_retry_count_is_refused(backend: str, value: Any) -> None:
    p = R.base()
    p["root"]["dag"]["tasks"]["use"]["retryPolicy"] = {"maxRetryCount": value}
    error = refused(R.text(p), backend)
    assert_placed(error, "KFPC200", "retryPolicy.maxRetryCount")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("tasks", [{}, None])
def test_an_empty_root_dag_is_refused(backend: str, tasks: Any) -> None:
    p = R.base()
    p["root"]["dag"]["tasks"] = tasks
    error = refused(R.text(p), backend)
    assert_placed(error, "KFPC314", "root.dag")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("settings,where", [
    ({"tolerations": [{"key": 1, "operator": "Equal", "value": "v", "effect": "NoSchedule"}]}, "tolerations[0].key"),
    ({"tolerations": [{"key": "k", "operator": "Exists", "effect": ["NoSchedule"]}]}, "tolerations[0].effect"),
    ({"secretAsVolume": [{"secretName": "s", "mountPath": "/s", "optional": "yes"}]}, "secretAsVolume[0].optional"),
    ({"emptyDirMounts": [{"volumeName": "v", "mountPath": "/v", "medium": 5}]}, "emptyDirMounts[0].medium"),
])
def test_kfp_kubernetes_values_of_the_wrong_type_are_refused(backend: str, settings: dict, where: str) -> None:
    error = refused(R.text(R.base(), R.platform("exec-use", settings)), backend)
    assert_placed(error, "KFPC315", where)


# ---------------------------------------------------------------------------------------------
# 5. Error text


def test_a_control_character_is_placed_at_its_line_and_column() -> None:
    text = R.text(R.base()).replace("name: robust", "name: rob\x07ust")
    error = refused(text, "argo")
    d = error.diagnostics[0]
    assert d.code == "KFPC104"
    line = next(i for i, t in enumerate(text.split("\n"), 1) if "\x07" in t)
    assert (d.line, d.column) == (line, text.split("\n")[line - 1].index("\x07") + 1)
    assert "unicode string" not in str(error) and "U+0007" in str(error)


def test_a_control_character_after_non_ascii_text_is_placed_in_characters() -> None:
    error = refused("é: ü\nb: x\x1by\n", "argo")
    assert (error.diagnostics[0].line, error.diagnostics[0].column) == (2, 5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_names_in_messages_are_printed_escaped(backend: str) -> None:
    p = R.base()
    tasks = p["root"]["dag"]["tasks"]
    odd = "us\ne\x1b[2J\u202e"
    tasks[odd] = tasks.pop("use")
    tasks["make"]["dependentTasks"] = [odd]  # a cycle: its message lists the task names
    error = refused(R.text(p), backend)
    rendered = str(error)
    assert "\x1b" not in rendered and "\u202e" not in rendered
    assert rendered.count("\n") == 0, rendered
    assert "\\x1b[2J" in rendered


def test_file_names_in_messages_are_printed_escaped() -> None:
    with pytest.raises(KfpcError) as info:
        kfpc.compile_text("a: [", name="dir/new\nline\x07.yaml")
    assert str(info.value).startswith("dir/new\\nline\\x07.yaml:")


def test_the_size_limit_message_does_not_invent_a_size() -> None:
    with pytest.raises(KfpcError) as info:
        yamlio.decode("big.yaml", b"a" * (yamlio.MAX_BYTES + 1))
    assert f"more than {yamlio.MAX_BYTES} bytes" in str(info.value)
    with pytest.raises(KfpcError) as info:
        yamlio.decode("big.yaml", b"a" * (yamlio.MAX_BYTES + 10))
    assert f"is {yamlio.MAX_BYTES + 10} bytes" in str(info.value)


# ---------------------------------------------------------------------------------------------
# Found by the fuzzer (tests/fuzz)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_task_waits_for_the_task_its_platform_setting_reads(backend: str) -> None:
    """kfp-kubernetes `mount_pvc(task, pvc_name=create.outputs['name'])` does not add dependentTasks."""
    p = R.base()
    use = p["root"]["dag"]["tasks"]["use"]
    del use["dependentTasks"]
    use["inputs"]["parameters"]["msg"] = {"runtimeValue": {"constant": "hi"}}
    docs = valid(R.text(p, R.platform("exec-use", {"pvcMount": [{"mountPath": "/data", **task_output()}]})), backend)
    text = yaml.safe_dump(docs)
    assert "make" in text[text.index("name: use"):] if backend == "argo" else "runAfter" in text


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_declared_dag_output_nobody_produces_is_refused(backend: str) -> None:
    doc = yaml.safe_load((GOLDEN / "conditions" / "pipeline.yaml").read_text("utf-8"))
    doc["components"]["comp-condition-2"]["dag"].pop("outputs")
    error = refused(yaml.safe_dump(doc), backend)
    assert_placed(error, "KFPC304", "comp-condition-2.outputDefinitions.parameters")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("image", ["python:3.11$(tasks.a.results.b)", "alpine {{workflow.name}}", "img\nx"])
def test_an_image_that_is_not_a_reference_is_refused(backend: str, image: str) -> None:
    p = R.base()
    p["deploymentSpec"]["executors"]["exec-use"]["container"]["image"] = image
    assert_placed(refused(R.text(p), backend), "KFPC313", "exec-use.container.image")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("env,problem", [
    ([{"name": "A", "value": "1"}, {"name": "A", "value": "2"}], "set twice"),
    ([{"name": "two words", "value": "1"}], "not an environment variable name"),
    ([{"name": "KFPC_L", "value": "1"}], "kfpc's"),
])
def test_executor_env_names_are_checked(backend: str, env: list, problem: str) -> None:
    p = R.base()
    p["deploymentSpec"]["executors"]["exec-use"]["container"]["env"] = env
    error = refused(R.text(p), backend)
    assert_placed(error, "KFPC200", "exec-use.container.env")
    assert problem in str(error)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_pvc_step_declaring_outputs_it_cannot_produce_is_refused(backend: str) -> None:
    docs = list(yaml.safe_load_all((GOLDEN / "kubernetes_platform" / "pipeline.yaml").read_text("utf-8")))
    docs[0]["components"]["comp-createpvc"]["executorLabel"] = "exec-deletepvc"
    error = refused(yaml.safe_dump_all(docs), backend)
    assert_placed(error, "KFPC314", "comp-createpvc.outputDefinitions")


def test_a_workflow_needing_more_templates_than_argo_4_accepts_fits_by_construction() -> None:
    """Each distinct component is a template; 210 of them exceed WorkflowSpec.Templates' MaxItems
    (workflow_types.go:304 @v4.1.2), so the leaves beyond it move to library WorkflowTemplates."""
    p = R.base(1)
    use = p["root"]["dag"]["tasks"].pop("use")
    for i in range(210):
        p["components"][f"comp-use-{i}"] = copy.deepcopy(p["components"]["comp-use"])
        p["deploymentSpec"]["executors"][f"exec-use-{i}"] = {"container": {"image": f"alpine:3.{i}",
                                                                           "command": ["true"]}}
        p["components"][f"comp-use-{i}"]["executorLabel"] = f"exec-use-{i}"
        p["root"]["dag"]["tasks"][f"use-{i}"] = dict(copy.deepcopy(use), componentRef={"name": f"comp-use-{i}"})
    documents = kfpc.compile_text(R.text(p), backend="argo", name="p.yaml").documents
    assert [d["kind"] for d in documents].count("Workflow") == 1
    assert any(d["kind"] == "WorkflowTemplate" for d in documents)
    assert all(len(d["spec"]["templates"]) <= 200 for d in documents)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("field,value", [("secretKey", "{{inputs.parameters.x}}key"), ("envVar", "$(HOME) x")])
def test_secret_keys_and_env_names_from_kfp_kubernetes_are_checked(backend: str, field: str, value: str) -> None:
    pair = {"secretKey": "k", "envVar": "E", field: value}
    settings = {"secretAsEnv": [{"secretName": "s", "keyToEnv": [pair]}]}
    error = refused(R.text(R.base(), R.platform("exec-use", settings)), backend)
    assert_placed(error, "KFPC315", f"keyToEnv[0].{field}")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("affinity", [
    {"preferredDuringSchedulingIgnoredDuringExecution": [{"runtimeValue": {"constant": "0"}}]},
    {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 500, "preference": {}}]},
    {"requiredDuringSchedulingIgnoredDuringExecution": []},
    {"nodeSelectorTerms": []},
])
def test_a_node_affinity_json_constant_of_the_wrong_shape_is_refused(backend: str, affinity: dict) -> None:
    settings = {"nodeAffinity": [{"nodeAffinityJson": {"runtimeValue": {"constant": affinity}}}]}
    error = refused(R.text(R.base(), R.platform("exec-use", settings)), backend)
    assert_placed(error, "KFPC315", "nodeAffinity[0].nodeAffinityJson")


def test_a_tekton_resource_taken_from_a_parameter_default_must_be_a_quantity() -> None:
    """Tekton cannot substitute into quantities, so the default is written into the TaskRun."""
    p = R.base()
    p["root"]["inputDefinitions"]["parameters"]["cpu"] = {"parameterType": "STRING", "defaultValue": "lots"}
    p["components"]["comp-use"]["inputDefinitions"]["parameters"]["cpu"] = {"parameterType": "STRING"}
    p["root"]["dag"]["tasks"]["use"]["inputs"]["parameters"]["cpu"] = {"componentInputParameter": "cpu"}
    p["deploymentSpec"]["executors"]["exec-use"]["container"]["resources"] = {
        "resourceCpuLimit": "{{$.inputs.parameters['cpu']}}"}
    error = refused(R.text(p), "tekton")
    assert error.code == "KFPC313" and "'lots'" in str(error) and error.diagnostics[0].file == "p.yaml"
