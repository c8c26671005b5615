"""hello_container: the smallest possible pipeline.

Exercises: a single `@dsl.container_component` (no Python executor, no
driver-side code) that echoes one input parameter, fed from a pipeline
parameter that has a string default. This is the baseline every backend must
get right before anything else: one root DAG, one task, one executor, one
`{{$.inputs.parameters['message']}}` placeholder in the container args, and a
`defaultValue` on the root input definition.
"""
from kfp import dsl


@dsl.container_component
def echo(message: str):
    return dsl.ContainerSpec(
        image='alpine:3.19',
        command=['echo'],
        args=[message],
    )


@dsl.pipeline(name='hello-container', description='Echo one parameter.')
def pipeline(message: str = 'hello world'):
    echo(message=message)
