from kfp import compiler, dsl
from kfp.dsl import Dataset, Input


@dsl.component(base_image='python:3.11-slim')
def count_lines(data: Input[Dataset]) -> int:
    with open(data.path) as f:
        return len(f.readlines())


@dsl.container_component
def show(data: Input[Dataset]):
    return dsl.ContainerSpec(image='busybox:1.36', command=['cat'], args=[data.path])


@dsl.pipeline
def inner(data: Input[Dataset]) -> int:
    return count_lines(data=data).output


@dsl.pipeline(name='importer-workspace',
              pipeline_config=dsl.PipelineConfig(workspace=dsl.WorkspaceConfig(size='1Gi')))
def pipeline(uri: str = 's3://models/eval/test.csv'):
    train = dsl.importer(artifact_uri='gs://ml-data/train.csv', artifact_class=Dataset,
                         download_to_workspace=True, metadata={'origin': 'survey'})
    count_lines(data=train.output)
    show(data=train.output)
    with dsl.ParallelFor([1, 2], parallelism=1):
        count_lines(data=train.output)
        inner(data=train.output)
    test = dsl.importer(artifact_uri=uri, artifact_class=Dataset, download_to_workspace=True)
    show(data=test.output)


compiler.Compiler().compile(pipeline, __file__.replace('.py', '.yaml'))
