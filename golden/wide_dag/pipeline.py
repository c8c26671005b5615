"""wide_dag: 250 tasks in one DAG, more than Argo allows per DAG template.

Exercises: a root DAG with 250 tasks (`step`, `step-2`, ... `step-250`) of
one Python component. Argo Workflows limits a DAG template to 200 tasks, so
a compiler targeting Argo must split this DAG into several templates while
keeping every dependency. Most tasks are independent; every 10th task
(indexes 10, 20, ..., 240; i.e. `step-11`, `step-21`, ...) consumes the
output of the task created just before it, so there are 24 edges,
some of which (e.g. around index 200) cross any naive 200-task split.
"""
from kfp import dsl

N_TASKS = 250


@dsl.component(base_image='python:3.11-slim')
def step(index: int, previous: str = '') -> str:
    return f'{previous}>{index}'


@dsl.pipeline(name='wide-dag')
def pipeline():
    prev = None
    for i in range(N_TASKS):
        if i % 10 == 0 and prev is not None:
            prev = step(index=i, previous=prev.output)
        else:
            prev = step(index=i)
