"""kfp_workspace: KFP's shared workspace (`dsl.PipelineConfig(workspace=...)`).

One task writes a file into the workspace and passes its name on; the next reads it. The workspace
is a new volume per run, so on Argo no task of such a pipeline is memoized (a cache hit would skip
the write); on Tekton it is a directory of the run's volume.
"""
from kfp import dsl


@dsl.component(base_image='python:3.11-slim')
def write(workspace_path: str, text: str) -> str:
    import os
    path = os.path.join(workspace_path, 'data', 'note.txt')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)
    return 'data/note.txt'


@dsl.component(base_image='python:3.11-slim')
def read(workspace_path: str, name: str) -> str:
    import os
    with open(os.path.join(workspace_path, name)) as f:
        return f.read()


@dsl.pipeline(
    name='kfp-workspace',
    pipeline_config=dsl.PipelineConfig(workspace=dsl.WorkspaceConfig(size='2Gi')),
)
def pipeline(text: str = 'hello'):
    w = write(workspace_path=dsl.WORKSPACE_PATH_PLACEHOLDER, text=text)
    read(workspace_path=dsl.WORKSPACE_PATH_PLACEHOLDER, name=w.output)
