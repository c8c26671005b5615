"""oneof_artifacts: dsl.OneOf over artifacts produced in If/Else branches.

Exercises: each branch of an If/Else (condition on a task output) produces a
Dataset artifact from a different component; `dsl.OneOf` selects whichever
branch ran. The selected artifact is (1) consumed by a downstream task
outside the branches and (2) returned as the pipeline's output artifact.
In the IR this is an `artifactSelectors` list under
`outputDefinitions`/`dagOutputs` of the `condition-branches-N` DAG, and a
root `dagOutputs` artifact that points at that DAG. The backend must
resolve the artifact produced by the branch that actually ran, even though
the other branch was skipped.
"""
from kfp import dsl


@dsl.component(base_image='python:3.11-slim')
def decide(flag: bool) -> bool:
    return flag


@dsl.component(base_image='python:3.11-slim')
def make_csv(out: dsl.Output[dsl.Dataset]):
    with open(out.path, 'w') as f:
        f.write('kind,value\ncsv,1\n')
    out.metadata['format'] = 'csv'


@dsl.component(base_image='python:3.11-slim')
def make_json(out: dsl.Output[dsl.Dataset]):
    import json
    with open(out.path, 'w') as f:
        json.dump({'kind': 'json', 'value': 1}, f)
    out.metadata['format'] = 'json'


@dsl.component(base_image='python:3.11-slim')
def read_dataset(ds: dsl.Input[dsl.Dataset]) -> str:
    with open(ds.path) as f:
        text = f.read()
    print(ds.uri, ds.metadata, text)
    return ds.metadata.get('format', 'unknown')


@dsl.pipeline(name='oneof-artifacts')
def pipeline(use_csv: bool = True) -> dsl.Dataset:
    d = decide(flag=use_csv)
    with dsl.If(d.output == True, name='want-csv'):
        csv = make_csv()
    with dsl.Else(name='want-json'):
        js = make_json()
    chosen = dsl.OneOf(csv.outputs['out'], js.outputs['out'])
    read_dataset(ds=chosen)
    return chosen
