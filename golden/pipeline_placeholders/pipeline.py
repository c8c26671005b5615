"""pipeline_placeholders: run-time values known only to the backend.

Exercises: every `dsl.PIPELINE_*` placeholder constant that is meaningful
as a task input (job name, job resource name, job id, task name, task id,
pipeline root, job create time, job schedule time), passed as task inputs
to both a Python component and a container component. In the IR they are
`runtimeValue.constant: '{{$.pipeline_job_name}}'` etc.; the backend must
substitute the real values when the task runs.

Also: placeholders embedded in a larger constant string
(`f'job={dsl.PIPELINE_JOB_NAME_PLACEHOLDER}/task=...'`), which stays a
single constant with the placeholders inside it, and an f-string mixing a
literal and a pipeline parameter (`f'Hello {name}'`), which kfp compiles to
a constant `'Hello {{$.inputs.parameters[''pipelinechannel--name'']}}'`
plus an extra `pipelinechannel--name` task input that the backend must
interpolate.

Not covered: PIPELINE_TASK_EXECUTOR_OUTPUT_PATH_PLACEHOLDER /
PIPELINE_TASK_EXECUTOR_INPUT_PLACEHOLDER (container-command placeholders,
not task-input values) and WORKSPACE_PATH_PLACEHOLDER (needs a workspace).
"""
from kfp import dsl


@dsl.component(base_image='python:3.11-slim')
def show_context(
    job_name: str,
    job_resource_name: str,
    job_id: str,
    task_name: str,
    task_id: str,
    pipeline_root: str,
    create_time: str,
    schedule_time: str,
    mixed: str,
    greeting: str,
):
    for k, v in sorted(locals().items()):
        print(f'{k}={v}')


@dsl.container_component
def echo_context(job_name: str, task_name: str, task_id: str,
                 create_time: str, greeting: str):
    return dsl.ContainerSpec(
        image='alpine:3.19',
        command=['echo'],
        args=[job_name, task_name, task_id, create_time, greeting],
    )


@dsl.pipeline(name='pipeline-placeholders')
def pipeline(name: str = 'world'):
    show_context(
        job_name=dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
        job_resource_name=dsl.PIPELINE_JOB_RESOURCE_NAME_PLACEHOLDER,
        job_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
        task_name=dsl.PIPELINE_TASK_NAME_PLACEHOLDER,
        task_id=dsl.PIPELINE_TASK_ID_PLACEHOLDER,
        pipeline_root=dsl.PIPELINE_ROOT_PLACEHOLDER,
        create_time=dsl.PIPELINE_JOB_CREATE_TIME_UTC_PLACEHOLDER,
        schedule_time=dsl.PIPELINE_JOB_SCHEDULE_TIME_UTC_PLACEHOLDER,
        mixed=(f'job={dsl.PIPELINE_JOB_NAME_PLACEHOLDER}'
               f'/task={dsl.PIPELINE_TASK_NAME_PLACEHOLDER}'),
        greeting=f'Hello {name}',
    )
    echo_context(
        job_name=dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
        task_name=dsl.PIPELINE_TASK_NAME_PLACEHOLDER,
        task_id=dsl.PIPELINE_TASK_ID_PLACEHOLDER,
        create_time=dsl.PIPELINE_JOB_CREATE_TIME_UTC_PLACEHOLDER,
        greeting=f'Hello {name}, from {dsl.PIPELINE_JOB_ID_PLACEHOLDER}!',
    )
