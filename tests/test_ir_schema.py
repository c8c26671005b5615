"""Tests for the generated KFP IR JSON Schema (schemas/ir/pipeline_spec.schema.json)."""

import importlib.util
import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

REPO = Path(__file__).resolve().parent.parent
GENERATOR = REPO / "schemas" / "generate_ir_schema.py"
SCHEMA_PATH = REPO / "schemas" / "ir" / "pipeline_spec.schema.json"
CORPUS = REPO.parent / "shared" / "corpus" / "kfp"
SCHEMA = json.loads(SCHEMA_PATH.read_text())

K8S_EXECUTOR = "kfp_kubernetes.KubernetesExecutorConfig"


def validator(def_name=None):
    # Re-pointing the root "$ref" keeps "#/$defs/..." references resolvable without a registry.
    if def_name is None:
        return Draft202012Validator(SCHEMA)
    assert def_name in SCHEMA["$defs"]
    return Draft202012Validator({**SCHEMA, "$ref": "#/$defs/" + def_name})


ROOT = validator()
DEPLOYMENT = validator("ml_pipelines.PipelineDeploymentConfig")
PLATFORM = validator("ml_pipelines.PlatformSpec")
EXECUTOR = validator(K8S_EXECUTOR)


def load_docs(path):
    return list(yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader))


def messages(v, instance):
    return sorted(e.message for e in v.iter_errors(instance))


def test_generated_schema_matches_committed_file():
    pytest.importorskip("kfp.pipeline_spec.pipeline_spec_pb2")
    pytest.importorskip("kfp.kubernetes.kubernetes_executor_config_pb2")
    spec = importlib.util.spec_from_file_location("generate_ir_schema", GENERATOR)
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.build().encode() == SCHEMA_PATH.read_bytes(), (
        "schema is stale: run python schemas/generate_ir_schema.py"
    )


def test_schema_is_valid_draft_2020_12():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$ref"] == "#/$defs/ml_pipelines.PipelineSpec"


# --- shared corpus -----------------------------------------------------------

CORPUS_FILES = sorted(
    p
    for sub in ("pipelines", "components", "platform")
    for p in (CORPUS / sub).rglob("*")
    if p.suffix in (".yaml", ".json")
) if CORPUS.is_dir() else []

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")


def k8s_executors(platform_doc):
    kubernetes = platform_doc["platforms"].get("kubernetes", {})
    return (kubernetes.get("deploymentSpec") or {}).get("executors", {})


@needs_corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_file_validates(path):
    docs = load_docs(path)
    pipeline = docs[0]
    assert messages(ROOT, pipeline) == []
    assert messages(DEPLOYMENT, pipeline["deploymentSpec"]) == []
    if path.parent.name == "platform":
        assert len(docs) == 2
    if len(docs) < 2:  # some pipelines/ files carry a PlatformSpec too
        return
    assert messages(PLATFORM, docs[1]) == []
    executors = k8s_executors(docs[1])
    if path.parent.name == "platform":
        assert executors
    for name, config in executors.items():
        if path.relative_to(CORPUS).as_posix() == "platform/init_container.yaml":
            # initContainers is newer than the released kfp-kubernetes proto.
            assert "initContainers" not in SCHEMA["$defs"][K8S_EXECUTOR]["properties"]
            assert messages(EXECUTOR, config) == [
                "Additional properties are not allowed ('initContainers' was unexpected)"
            ]
            config = {k: v for k, v in config.items() if k != "initContainers"}
        assert messages(EXECUTOR, config) == [], name


@needs_corpus
def test_corpus_invalid_files():
    assert messages(ROOT, load_docs(CORPUS / "invalid" / "invalid_yaml.yaml")[0]) == [
        "Additional properties are not allowed ('components_1' was unexpected)"
    ]
    # pipelineInfo.name: null is "unset" to protojson; catching it is not the schema's job.
    assert ROOT.is_valid(load_docs(CORPUS / "invalid" / "no_name.yaml")[0])
    assert load_docs(CORPUS / "invalid" / "empty_file.yaml") == []


# --- focused cases -----------------------------------------------------------


@pytest.mark.parametrize(
    "def_name, instance, valid",
    [
        # field spellings, unknown fields, null
        (None, {"pipelineInfo": {"name": "p"}, "sdkVersion": "kfp-2.17.3"}, True),
        (None, {"pipeline_info": {"name": "p"}, "schema_version": "2.1.0"}, True),
        (None, {"pipelineInfo": None, "components": None}, True),
        (None, {"pipelineInfo": {"name": "p"}, "bogus": 1}, False),
        (None, {"sdkVersion": "a", "sdk_version": "b"}, False),
        (None, {"pipelineInfo": {"name": "p", "displayName": 3}}, False),
        # oneof: ComponentSpec.implementation = dag | executor_label
        ("ml_pipelines.ComponentSpec", {"dag": {"tasks": {}}}, True),
        ("ml_pipelines.ComponentSpec", {"dag": {}, "executorLabel": "exec-a"}, False),
        ("ml_pipelines.ComponentSpec", {"dag": {}, "executor_label": "exec-a"}, False),
        ("ml_pipelines.PipelineDeploymentConfig.ExecutorSpec", {"container": {}, "importer": {}}, False),
        # enums: names or numbers
        ("ml_pipelines.ComponentInputsSpec.ParameterSpec", {"parameterType": "STRING"}, True),
        ("ml_pipelines.ComponentInputsSpec.ParameterSpec", {"parameterType": 3}, True),
        ("ml_pipelines.ComponentInputsSpec.ParameterSpec", {"parameterType": "TEXT"}, False),
        # 64-bit ints as strings, special floats, durations
        (K8S_EXECUTOR, {"activeDeadlineSeconds": "20"}, True),
        (K8S_EXECUTOR, {"activeDeadlineSeconds": 20}, True),
        (K8S_EXECUTOR, {"activeDeadlineSeconds": "20s"}, False),
        ("ml_pipelines.PipelineTaskSpec.RetryPolicy",
         {"maxRetryCount": "3", "backoffFactor": "Infinity", "backoffDuration": "0.5s"}, True),
        ("ml_pipelines.PipelineTaskSpec.RetryPolicy", {"backoffFactor": "fast"}, False),
        ("ml_pipelines.PipelineTaskSpec.RetryPolicy", {"backoffDuration": "5m"}, False),
        # google.protobuf.Value accepts anything
        ("ml_pipelines.ValueOrRuntimeParameter", {"constant": {"a": [1, None]}}, True),
    ],
)
def test_focused_cases(def_name, instance, valid):
    assert validator(def_name).is_valid(instance) is valid
