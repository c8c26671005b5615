"""A kfp pipeline of N tasks (N from KFPC_BENCH_TASKS), written with the SDK like a user would.

Every task is one Python component; every 10th consumes the previous task's output, so the DAG is
wide with chains. Used by tests/bench/run.py to build the 1,000-task IR.
"""

import os

from kfp import dsl

N = int(os.environ.get("KFPC_BENCH_TASKS", "1000"))


@dsl.component(base_image="python:3.11-slim")
def step(index: int, previous: str) -> str:
    return f"{previous},{index}"


@dsl.pipeline(name="wide-benchmark")
def pipeline(seed: str = "start"):
    last = None
    for i in range(N):
        task = step(index=i, previous=last.output if (last is not None and i % 10 == 0) else seed)
        last = task
