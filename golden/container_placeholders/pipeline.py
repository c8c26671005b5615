"""container_placeholders: every command-line placeholder a container component can use.

Exercises, in `@dsl.container_component`s (so the compiler, not the kfp
Python executor, is responsible for rendering argv):

* input parameter placeholders for str, int, float, bool, list and dict
  inputs (list/dict/bool/number values must be rendered as JSON text, e.g.
  `true`, `[1, 2]`, `{"k": "v"}`);
* an output parameter file (`dsl.OutputPath(str)`) written by the container
  and read back as a parameter by a downstream task;
* output artifacts (`dsl.Output[dsl.Model]`, `dsl.Output[dsl.Dataset]`) via
  `.path` and `.uri`, and an input artifact (`dsl.Input[dsl.Dataset]`) via
  `.path` and `.uri`;
* `dsl.ConcatPlaceholder` (including one nested inside an IfPresent);
* `dsl.IfPresentPlaceholder` with only `then`, and with `then` + `else_`,
  on optional inputs that default to None;
* an optional artifact input (`Optional[dsl.Input[dsl.Artifact]] = None`)
  guarded by IfPresent;
* the same component used by two tasks: `consume-all` provides every optional
  input, `consume-all-2` provides none of them (so the `else_` branch and the
  omitted IfPresent branches must be taken, and the optional int falls back
  to its default).
"""
from typing import Optional

from kfp import dsl


@dsl.container_component
def produce(
    text: str,
    out_text: dsl.OutputPath(str),
    dataset: dsl.Output[dsl.Dataset],
    model: dsl.Output[dsl.Model],
):
    # $0..$4 are the args after the script; the script writes the output
    # parameter file and both artifact files and prints the artifact URIs.
    return dsl.ContainerSpec(
        image='alpine:3.19',
        command=['sh', '-c'],
        args=[
            'set -eu\n'
            'mkdir -p "$(dirname "$1")" "$(dirname "$2")" "$(dirname "$3")"\n'
            'printf "%s" "$0" > "$1"\n'
            'printf "a,b\\n1,2\\n" > "$2"\n'
            'printf "weights" > "$3"\n'
            'echo "model uri: $4"\n',
            text,
            out_text,
            dataset.path,
            model.path,
            model.uri,
        ],
    )


@dsl.container_component
def consume_all(
    name: str,
    data: dsl.Input[dsl.Dataset],
    count: int,
    ratio: float,
    flag: bool,
    items: list,
    config: dict,
    opt: Optional[str] = None,
    opt_else: Optional[str] = None,
    extra: Optional[dsl.Input[dsl.Artifact]] = None,
    retries: int = 3,
):
    return dsl.ContainerSpec(
        image='alpine:3.19',
        command=['sh', '-c', 'for a in "$@"; do echo "[$a]"; done', 'argv'],
        args=[
            '--name', name,
            dsl.ConcatPlaceholder(['--greeting=hello-', name, '-!']),
            '--data-path', data.path,
            '--data-uri', data.uri,
            '--count', count,
            '--ratio', ratio,
            '--flag', flag,
            '--items', items,
            '--config', config,
            '--retries', retries,
            dsl.IfPresentPlaceholder(
                input_name='opt',
                then=['--opt', opt],
            ),
            dsl.IfPresentPlaceholder(
                input_name='opt_else',
                then=[dsl.ConcatPlaceholder(['--opt-else=', opt_else])],
                else_=['--no-opt-else'],
            ),
            dsl.IfPresentPlaceholder(
                input_name='extra',
                then=['--extra-path', extra.path],
            ),
        ],
    )


@dsl.pipeline(name='container-placeholders')
def pipeline(name: str = 'world'):
    p = produce(text=name)
    consume_all(
        name=p.outputs['out_text'],
        data=p.outputs['dataset'],
        count=7,
        ratio=0.25,
        flag=True,
        items=[1, 'two', 3.5, True, {'x': 1}],
        config={'k': 'v', 'nested': {'n': [1, 2]}},
        opt='given',
        opt_else='also-given',
        extra=p.outputs['model'],
        retries=5,
    )
    consume_all(
        name=name,
        data=p.outputs['dataset'],
        count=0,
        ratio=-1.5,
        flag=False,
        items=[],
        config={},
    )
