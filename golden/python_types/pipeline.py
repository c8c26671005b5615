"""python_types: every parameter/artifact type a Python component can declare.

Exercises the lightweight-Python-component path (kfp's executor shim
`--executor_input {{$}} --function_to_execute <fn>`, the embedded source and
the `pip install` preamble):

* `produce` takes str, int, float, bool, list, dict, `List[int]`,
  `Dict[str, float]` (still LIST/STRUCT in the IR), `Optional[str] = None`
  (given once, omitted once), a defaulted int, and an `Input[Artifact]`;
  it declares `packages_to_install` (two pins), writes an
  `Output[Metrics]` via `log_metric`, an `Output[Model]` with metadata,
  a `dsl.OutputPath(str)` parameter file, and returns a NamedTuple of
  str/int/float/bool/list/dict outputs;
* `consume` takes every one of those outputs (parameters by NamedTuple
  field name, artifacts by output name, the OutputPath(str) as a plain str
  parameter), so every IR parameter type (STRING, NUMBER_INTEGER,
  NUMBER_DOUBLE, BOOLEAN, LIST, STRUCT) and several artifact types
  (system.Artifact, system.Metrics, system.Model) flow between tasks;
* the initial `Input[Artifact]` comes from a small producer with a plain
  `Output[Artifact]`, and `consume` is a second Python component with
  `Input[Metrics]`/`Input[Model]` inputs;
* numbers in list/dict constants come out as doubles in the IR (`1.0`), so
  int-vs-float rendering is the backend's problem. (kfp rejects None inside
  list constants, so there is none.)
"""
from typing import Dict, List, NamedTuple, Optional

from kfp import dsl
from kfp.dsl import Artifact, Input, Metrics, Model, Output, OutputPath


@dsl.component(base_image='python:3.11-slim')
def make_artifact(out: Output[Artifact]):
    with open(out.path, 'w') as f:
        f.write('raw bytes')


@dsl.component(
    base_image='python:3.11-slim',
    packages_to_install=['numpy==1.26.4', 'requests>=2,<3'],
)
def produce(
    text: str,
    count: int,
    ratio: float,
    flag: bool,
    items: list,
    config: dict,
    typed_items: List[int],
    typed_config: Dict[str, float],
    raw: Input[Artifact],
    metrics: Output[Metrics],
    model: Output[Model],
    note_path: OutputPath(str),
    optional_text: Optional[str] = None,
    defaulted: int = 10,
) -> NamedTuple('Outputs', out_str=str, out_int=int, out_float=float,
                out_bool=bool, out_list=list, out_dict=dict):
    with open(raw.path) as f:
        raw_text = f.read()
    metrics.log_metric('accuracy', 0.9)
    metrics.log_metric('count', count)
    with open(model.path, 'w') as f:
        f.write(raw_text)
    model.metadata['framework'] = 'none'
    model.metadata['params'] = {'ratio': ratio}
    with open(note_path, 'w') as f:
        f.write(f'optional_text={optional_text!r}')
    Outputs = NamedTuple('Outputs', out_str=str, out_int=int, out_float=float,
                         out_bool=bool, out_list=list, out_dict=dict)
    return Outputs(text.upper(), count + defaulted, ratio * 2, not flag,
                   items + typed_items, {**config, **typed_config})


@dsl.component(base_image='python:3.11-slim')
def consume(
    out_str: str,
    out_int: int,
    out_float: float,
    out_bool: bool,
    out_list: list,
    out_dict: dict,
    note: str,
    metrics: Input[Metrics],
    model: Input[Model],
) -> str:
    print(out_str, out_int, out_float, out_bool, out_list, out_dict, note)
    print(metrics.metadata, model.metadata, model.uri)
    return 'ok'


@dsl.pipeline(name='python-types')
def pipeline(text: str = 'hello', ratio: float = 0.5, flag: bool = True):
    raw = make_artifact()
    first = produce(
        text=text,
        count=3,
        ratio=ratio,
        flag=flag,
        items=['a', 1, 2.5, False, ['nested']],  # kfp rejects None here
        config={'nested': {'deep': [1, 2]}, 'empty': {}},
        typed_items=[1, 2, 3],
        typed_config={'lr': 0.01},
        raw=raw.outputs['out'],
        optional_text='given',
    )
    second = produce(
        text='no optional',
        count=-1,
        ratio=1e-9,
        flag=False,
        items=[],
        config={},
        typed_items=[],
        typed_config={},
        raw=raw.outputs['out'],
    )
    for task in (first, second):
        consume(
            out_str=task.outputs['out_str'],
            out_int=task.outputs['out_int'],
            out_float=task.outputs['out_float'],
            out_bool=task.outputs['out_bool'],
            out_list=task.outputs['out_list'],
            out_dict=task.outputs['out_dict'],
            note=task.outputs['note_path'],
            metrics=task.outputs['metrics'],
            model=task.outputs['model'],
        )
