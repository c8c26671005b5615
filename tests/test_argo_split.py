"""DAGs over Argo 4's 200-task limit are split without losing a dependency or a value."""

from __future__ import annotations

import json

import pytest

import kfpc
from argo_checks import problems
from synthetic import chain_ir


@pytest.mark.parametrize("n,stride", [(450, 1), (250, 7), (201, 200)])
def test_split_keeps_every_dependency(n: int, stride: int) -> None:
    wf = kfpc.compile_text(json.dumps(chain_ir(n, stride)), name="chain.json").documents[0]
    assert not problems(wf)
    templates = {t["name"]: t for t in wf["spec"]["templates"]}
    dags = {name: t for name, t in templates.items() if "dag" in t}
    assert all(len(t["dag"]["tasks"]) <= 200 for t in dags.values())
    # Every task is still there, once.
    leaf_tasks = [task["name"] for t in dags.values() for task in t["dag"]["tasks"] if task["name"].startswith("step-")]
    assert sorted(leaf_tasks) == sorted(f"step-{i}" for i in range(n))
    # Each cross-part value is exported by its producer's part and imported by the consumer's part,
    # and the consumer's part depends on the producer's part.
    part_of = {task["name"]: name for name, t in dags.items() for task in t["dag"]["tasks"]}
    root = templates[wf["spec"]["entrypoint"]]
    by_template = {task["template"]: task for task in root["dag"]["tasks"]}
    for i in range(stride, n):
        mine, theirs = part_of[f"step-{i}"], part_of[f"step-{i - stride}"]
        if mine == theirs:
            continue
        export = f"kfpc-x-step-{i - stride}-Output"
        assert export in {o["name"] for o in dags[theirs]["outputs"]["parameters"]}
        consumer = by_template[mine]
        producer = by_template[theirs]
        assert producer["name"] + ".Succeeded" in consumer["depends"]
        assert export in {a["name"] for a in consumer["arguments"]["parameters"]}


def test_small_dags_are_untouched() -> None:
    wf = kfpc.compile_text(json.dumps(chain_ir(200)), name="chain.json").documents[0]
    assert [t["name"] for t in wf["spec"]["templates"] if "dag" in t] == ["root"]
