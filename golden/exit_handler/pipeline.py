"""exit_handler: dsl.ExitHandler, PipelineTaskFinalStatus and ignore_upstream_failure.

Exercises:

* `dsl.ExitHandler(exit_task)` wrapping two dependent tasks (the second
  may fail on purpose, controlled by a pipeline parameter). The exit task
  must run after the wrapped group finishes, whether it succeeded or failed
  (`triggerPolicy.strategy: ALL_UPSTREAM_TASKS_COMPLETED` in the IR, with a
  dependency on the `exit-handler-1` DAG);
* the exit task takes a `dsl.PipelineTaskFinalStatus` input, which the
  backend must fill at runtime (`taskFinalStatus` in the IR, with
  producerTask = the exit-handler DAG) with the state, job resource name,
  task name and error of the wrapped group, plus an ordinary parameter;
* a separate task, outside the exit handler, that depends on a task that
  may fail and uses `.ignore_upstream_failure()`, so it must run even when
  its upstream failed. It consumes the upstream's output through an input
  that has a default (kfp requires a default, used when the upstream
  failed).
"""
from kfp import dsl


@dsl.component(base_image='python:3.11-slim')
def step(msg: str) -> str:
    print(msg)
    return msg


@dsl.component(base_image='python:3.11-slim')
def maybe_fail(should_fail: bool) -> str:
    if should_fail:
        raise RuntimeError('failing on purpose')
    return 'did not fail'


@dsl.component(base_image='python:3.11-slim')
def report_status(user_msg: str, status: dsl.PipelineTaskFinalStatus):
    print(user_msg)
    print('state:', status.state)
    print('job:', status.pipeline_job_resource_name)
    print('task:', status.pipeline_task_name)
    print('error:', status.error_code, status.error_message)


@dsl.component(base_image='python:3.11-slim')
def cleanup(upstream_result: str = 'upstream failed'):
    print('cleanup after:', upstream_result)


@dsl.pipeline(name='exit-handler')
def pipeline(message: str = 'hello', should_fail: bool = False):
    exit_task = report_status(user_msg='exit handler ran')
    with dsl.ExitHandler(exit_task, name='guarded'):
        first = step(msg=message)
        maybe_fail(should_fail=should_fail).after(first)

    risky = maybe_fail(should_fail=should_fail)
    cleanup(upstream_result=risky.output).ignore_upstream_failure()
