"""The generated validity check (kfpc/ir/_schema_check.py) and jsonschema always agree."""

from __future__ import annotations

import copy
import random
import subprocess
import sys

import pytest
import yaml

from conftest import GOLDEN, REPO, corpus_files
from kfpc.ir import _schema_check, schema

MUTATIONS = 40


def jsonschema_valid(kind: str, document) -> bool:
    definition = {"pipeline": None, "deployment": "ml_pipelines.PipelineDeploymentConfig",
                  "platform": "ml_pipelines.PlatformSpec"}[kind]
    return schema._validator(definition).is_valid(document)


def documents() -> list:
    docs = []
    for path in sorted(GOLDEN.glob("*/pipeline.yaml")) + corpus_files("pipelines", "components", "platform", "invalid"):
        try:
            loaded = list(yaml.load_all(path.read_text("utf-8"), Loader=yaml.CSafeLoader))
        except yaml.YAMLError:
            continue
        docs += [(path.name, "pipeline", d) for d in loaded[:1] if isinstance(d, dict)]
        docs += [(path.name, "platform", d) for d in loaded[1:2] if isinstance(d, dict)]
        docs += [(path.name, "deployment", d["deploymentSpec"]) for d in loaded[:1]
                 if isinstance(d, dict) and isinstance(d.get("deploymentSpec"), dict)]
    return docs


REPLACEMENTS = [None, 0, 1.5, -3, True, "", "x", "5s", "NaN", [], ["x"], {}, {"unknownField": 1}, {"name": None}]


def mutate(document, rng: random.Random):
    """One random change somewhere in the document: a value replaced, a key dropped, a key added."""
    doc = copy.deepcopy(document)
    node, path = doc, []
    for _ in range(rng.randint(1, 8)):
        if isinstance(node, dict) and node:
            key = rng.choice(sorted(node))
        elif isinstance(node, list) and node:
            key = rng.randrange(len(node))
        else:
            break
        path.append((node, key))
        node = node[key]
    if not path:
        return doc
    parent, key = path[-1]
    action = rng.random()
    if action < 0.6:
        parent[key] = copy.deepcopy(rng.choice(REPLACEMENTS))
    elif action < 0.8 and isinstance(parent, dict):
        del parent[key]
    elif isinstance(parent, dict):
        parent[rng.choice(["componentRef", "component_ref", "bogusField", "type", "dag", "executorLabel"])] = \
            copy.deepcopy(rng.choice(REPLACEMENTS + [node]))
    return doc


@pytest.mark.parametrize("name,kind,document", [pytest.param(*d, id=f"{d[0]}-{d[1]}-{i}")
                                                for i, d in enumerate(documents())])
def test_agreement_on_real_and_mutated_documents(name: str, kind: str, document) -> None:
    assert _schema_check.valid(kind, document) == jsonschema_valid(kind, document)
    rng = random.Random(name + kind)
    for _ in range(MUTATIONS):
        mutated = mutate(document, rng)
        assert _schema_check.valid(kind, mutated) == jsonschema_valid(kind, mutated), mutated


def test_generated_check_is_up_to_date() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "schemas" / "generate_ir_validator.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
