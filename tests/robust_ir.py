"""Small hand-made IR for the robustness tests: a producer with outputs and consumers that read them,
so each test states only the one thing it breaks."""

from __future__ import annotations

import copy
from typing import Any

import yaml


def base(consumers: int = 1) -> dict[str, Any]:
    """`make` writes Output (STRING) and count (NUMBER_INTEGER); `use-i` tasks echo a message."""
    tasks: dict[str, Any] = {
        "make": {"componentRef": {"name": "comp-make"}, "taskInfo": {"name": "make"},
                 "inputs": {"parameters": {"seed": {"componentInputParameter": "message"}}}},
    }
    for i in range(consumers):
        key = "use" if i == 0 else f"use-{i}"
        tasks[key] = {"componentRef": {"name": "comp-use"}, "taskInfo": {"name": key}, "dependentTasks": ["make"],
                      "inputs": {"parameters": {"msg": {"taskOutputParameter": {
                          "producerTask": "make", "outputParameterKey": "Output"}}}}}
    return {
        "components": {
            "comp-make": {"executorLabel": "exec-make",
                          "inputDefinitions": {"parameters": {"seed": {"parameterType": "STRING"}}},
                          "outputDefinitions": {"parameters": {"Output": {"parameterType": "STRING"},
                                                               "count": {"parameterType": "NUMBER_INTEGER"}}}},
            "comp-use": {"executorLabel": "exec-use",
                         "inputDefinitions": {"parameters": {"msg": {"parameterType": "STRING"}}}},
        },
        "deploymentSpec": {"executors": {
            "exec-make": {"container": {"image": "alpine:3.19", "command": ["sh", "-c",
                          "echo \"$0\" > \"$1\"; echo 3 > \"$2\""], "args": [
                          "{{$.inputs.parameters['seed']}}", "{{$.outputs.parameters['Output'].output_file}}",
                          "{{$.outputs.parameters['count'].output_file}}"]}},
            "exec-use": {"container": {"image": "alpine:3.19", "command": ["echo"],
                                       "args": ["{{$.inputs.parameters['msg']}}"]}},
        }},
        "pipelineInfo": {"name": "robust"},
        "root": {"dag": {"tasks": tasks}, "inputDefinitions": {"parameters": {
            "message": {"parameterType": "STRING", "defaultValue": "hi"}}}},
        "schemaVersion": "2.1.0",
        "sdkVersion": "kfp-2.17.3",
    }


def platform(executor: str, settings: dict[str, Any]) -> dict[str, Any]:
    return {"platforms": {"kubernetes": {"deploymentSpec": {"executors": {executor: settings}}}}}


def text(pipeline: dict[str, Any], plat: dict[str, Any] | None = None) -> str:
    docs = [copy.deepcopy(pipeline)] + ([plat] if plat is not None else [])
    return yaml.safe_dump_all(docs, sort_keys=False)
