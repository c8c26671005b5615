"""importer: dsl.importer nodes bringing external artifacts into a pipeline.

Exercises:

* an importer with a constant `gs://` URI, `artifact_class=dsl.Dataset`,
  `reimport=False` and constant metadata (nested values);
* an importer whose URI comes from a pipeline parameter with an `https://`
  default, `artifact_class=dsl.Model`, `reimport=True`, and metadata that
  embeds a pipeline parameter value (kfp turns it into an extra importer
  input and a `{{$.inputs.parameters[...]}}` placeholder inside the
  metadata struct);
* both imported artifacts consumed by one Python component.

In the IR the importers are tasks whose components have an `importer`
executor (`artifactUri.constant` vs `artifactUri.runtimeParameter`,
`typeSchema`, `metadata`, `reimport`) instead of a container. Compiling
never touches the network; the URIs are only resolved at run time.
"""
from kfp import dsl


@dsl.component(base_image='python:3.11-slim')
def use_artifacts(data: dsl.Input[dsl.Dataset],
                  model: dsl.Input[dsl.Model]) -> str:
    print(data.uri, data.metadata)
    print(model.uri, model.metadata)
    return f'{data.uri} + {model.uri}'


@dsl.pipeline(name='importer')
def pipeline(
    model_uri: str = 'https://storage.example.com/models/model-v1.bin',
    model_version: str = 'v1',
):
    data = dsl.importer(
        artifact_uri='gs://ml-bucket/datasets/train.csv',
        artifact_class=dsl.Dataset,
        reimport=False,
        metadata={'source': 'golden', 'rows': 3, 'columns': ['a', 'b']},
    )
    model = dsl.importer(
        artifact_uri=model_uri,
        artifact_class=dsl.Model,
        reimport=True,
        metadata={'framework': 'sklearn', 'version': model_version},
    )
    use_artifacts(data=data.output, model=model.output)
