"""subpipelines: pipelines used as components, two levels deep.

Exercises:

* `make_data` (inner pipeline) returns a NamedTuple with a parameter
  output (`summary: str`) and an artifact output (`data: Dataset`);
* `prepare` (middle pipeline) calls `make_data`, consumes both of its
  outputs in a task, and itself returns a NamedTuple of a parameter, the
  inner pipeline's artifact passed straight through, and a new Model
  artifact;
* the top pipeline calls `prepare` twice (the same graph component reused,
  so kfp emits `comp-prepare` and `comp-prepare-2`), consumes the middle
  pipeline's parameter and artifact outputs, and returns its own pipeline
  outputs: a NamedTuple with a STRING parameter and a Model artifact
  (root `outputDefinitions` + `dagOutputs` that point into nested DAGs);
* a pipeline parameter passed down through two DAG levels.

In the IR each sub-pipeline is a component with a `dag` (no executor); its
outputs are `valueFromParameter` / `artifactSelectors` that point at tasks
inside it.
"""
from typing import NamedTuple

from kfp import dsl
from kfp.dsl import Dataset, Input, Model, Output


@dsl.component(base_image='python:3.11-slim')
def generate(seed: int, data: Output[Dataset]) -> str:
    with open(data.path, 'w') as f:
        f.write(f'seed={seed}\n')
    return f'generated with seed {seed}'


@dsl.component(base_image='python:3.11-slim')
def train(summary: str, label: str, data: Input[Dataset],
          model: Output[Model]) -> str:
    with open(data.path) as f, open(model.path, 'w') as m:
        m.write(f'{label}: {summary}: {f.read()}')
    return f'{label} trained on {data.uri}'


@dsl.component(base_image='python:3.11-slim')
def report(first: str, second: str, data: Input[Dataset]) -> str:
    return f'{first} | {second} | {data.uri}'


@dsl.pipeline(name='make-data')
def make_data(seed: int) -> NamedTuple('MakeDataOutputs',
                                       summary=str, data=Dataset):
    g = generate(seed=seed)
    MakeDataOutputs = NamedTuple('MakeDataOutputs', summary=str, data=Dataset)
    return MakeDataOutputs(summary=g.outputs['Output'], data=g.outputs['data'])


@dsl.pipeline(name='prepare')
def prepare(seed: int, label: str) -> NamedTuple(
        'PrepareOutputs', message=str, data=Dataset, model=Model):
    inner = make_data(seed=seed)
    t = train(summary=inner.outputs['summary'], label=label,
              data=inner.outputs['data'])
    PrepareOutputs = NamedTuple('PrepareOutputs', message=str, data=Dataset,
                                model=Model)
    return PrepareOutputs(message=t.outputs['Output'], data=inner.outputs['data'],
                          model=t.outputs['model'])


@dsl.pipeline(name='subpipelines')
def pipeline(seed: int = 7) -> NamedTuple('Outputs', report=str, model=Model):
    a = prepare(seed=seed, label='first')
    b = prepare(seed=3, label='second')
    r = report(first=a.outputs['message'], second=b.outputs['message'],
               data=a.outputs['data'])
    Outputs = NamedTuple('Outputs', report=str, model=Model)
    return Outputs(report=r.output, model=b.outputs['model'])
