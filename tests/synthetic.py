"""Pipeline IR of any size, shaped like what the kfp SDK writes, built without the SDK.

Used by the DAG-splitting tests and the benchmarks: each task gets its own component and executor
(as the SDK emits them), and task i reads task i-`stride`'s output, so data crosses any cut.
"""

from __future__ import annotations

from typing import Any

BOOT = ("\nif ! [ -x \"$(command -v pip)\" ]; then\n    python3 -m ensurepip || python3 -m ensurepip --user || "
        "apt-get install python3-pip\nfi\n\nPIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install --quiet "
        "--no-warn-script-location 'kfp==2.17.3' '--no-deps' 'typing-extensions>=3.7.4,<5; python_version<\"3.9\"' "
        "&& \"$0\" \"$@\"\n")
PROG = ("program_path=$(mktemp -d)\n\nprintf \"%s\" \"$0\" > \"$program_path/ephemeral_component.py\"\n_KFP_RUNTIME=true "
        "python3 -m kfp.dsl.executor_main --component_module_path \"$program_path/ephemeral_component.py\" \"$@\"\n")


def chain_ir(n: int, stride: int = 1, name: str = "synthetic-chain", after_failure: tuple[int, ...] = (),
             also: dict[int, tuple[int, ...]] | None = None) -> dict[str, Any]:
    """`after_failure`: tasks that run once their upstreams completed in any phase (KFP's
    ignore_upstream_failure; their `previous` input gets a default, as the SDK requires); `also`:
    more upstream tasks of a task, that it waits for without reading them."""
    components: dict[str, Any] = {}
    executors: dict[str, Any] = {}
    tasks: dict[str, Any] = {}
    for i in range(n):
        key = f"step-{i}"
        comp = f"comp-{key}"
        exe = f"exec-{key}"
        source = "\nimport kfp\nfrom kfp import dsl\nfrom kfp.dsl import *\nfrom typing import *\n\n" \
                 "def step(index: int, previous: str) -> str:\n    return previous + ',' + str(index)\n\n"
        components[comp] = {
            "executorLabel": exe,
            "inputDefinitions": {"parameters": {"index": {"parameterType": "NUMBER_INTEGER"},
                                                "previous": {"parameterType": "STRING"}}},
            "outputDefinitions": {"parameters": {"Output": {"parameterType": "STRING"}}},
        }
        executors[exe] = {"container": {
            "image": "python:3.11-slim", "command": ["sh", "-c", BOOT, "sh", "-ec", PROG, source],
            "args": ["--executor_input", "{{$}}", "--function_to_execute", "step"]}}
        inputs: dict[str, Any] = {"index": {"runtimeValue": {"constant": float(i)}}}
        task: dict[str, Any] = {"cachingOptions": {"enableCache": True}, "componentRef": {"name": comp},
                                "taskInfo": {"name": key}}
        if i >= stride:
            inputs["previous"] = {"taskOutputParameter": {"producerTask": f"step-{i - stride}",
                                                          "outputParameterKey": "Output"}}
            task["dependentTasks"] = [f"step-{i - stride}"]
        else:
            inputs["previous"] = {"componentInputParameter": "seed"}
        task["inputs"] = {"parameters": inputs}
        extra = [f"step-{j}" for j in (also or {}).get(i, ())]
        if extra:
            task["dependentTasks"] = sorted(set(task.get("dependentTasks", []) + extra))
        if i in after_failure:
            task["triggerPolicy"] = {"strategy": "ALL_UPSTREAM_TASKS_COMPLETED"}
            components[comp]["inputDefinitions"]["parameters"]["previous"]["defaultValue"] = "none"
        tasks[key] = task
    return {
        "components": components,
        "deploymentSpec": {"executors": executors},
        "pipelineInfo": {"name": name},
        "root": {"dag": {"tasks": tasks}, "inputDefinitions": {"parameters": {"seed": {
            "parameterType": "STRING", "defaultValue": "start"}}}},
        "schemaVersion": "2.1.0",
        "sdkVersion": "kfp-2.17.3",
    }
