"""retry_resources_env: per-task runtime settings on PipelineTask.

Exercises:

* `.set_retry(num_retries=3, backoff_duration='5s', backoff_factor=2,
  backoff_max_duration='60s')` (`retryPolicy` on the task), and a bare
  `.set_retry(num_retries=1)` with no backoff fields;
* constant resources: `.set_cpu_request/.set_cpu_limit/.set_memory_request/
  .set_memory_limit`, `.set_accelerator_type('nvidia.com/gpu')` +
  `.set_accelerator_limit(1)` (`resources` on the executor's container, with
  kfp's normalised values: '500m' -> 0.5 cpu, '1Gi' -> bytes, and also the
  raw `resourceCpuLimit`/`resourceMemoryLimit` strings);
* resources from pipeline parameters (`set_cpu_limit(cpu_limit)`,
  `set_memory_limit(memory_limit)`, requests, and accelerator type/limit
  from parameters), which kfp 2.17 encodes as `{{$.inputs.parameters[
  'pipelinechannel--...']}}` placeholders plus extra task inputs, so the
  backend must resolve them per task at runtime;
* a memory limit taken from an upstream task's output (same mechanism, but
  the value only exists after that task ran). Note that kfp 2.17.3 does NOT
  list the producer in `dependentTasks` here: the dependency exists only
  through the `taskOutputParameter` input, so a backend must derive
  ordering from inputs as well as from dependentTasks;
* `.set_env_variable` (constant values, including one with `$`/`{{`);
* `.set_container_image(image_param)`: the container image chosen by a
  pipeline parameter (same placeholder mechanism);
* caching: `.set_caching_options(False)` on one task and
  `.set_caching_options(enable_caching=True, cache_key='v1')` on another
  (`cachingOptions.cacheKey`), the rest keep the default (enabled);
* `.set_display_name` on a task.
"""
from kfp import dsl


@dsl.component(base_image='python:3.11-slim')
def work(label: str) -> str:
    import os
    print(label, os.environ.get('MODE'), os.environ.get('TRICKY'))
    return label


@dsl.component(base_image='python:3.11-slim')
def pick_memory() -> str:
    return '2Gi'


@dsl.container_component
def print_env():
    return dsl.ContainerSpec(image='alpine:3.19', command=['env'])


@dsl.pipeline(name='retry-resources-env')
def pipeline(
    cpu_limit: str = '2',
    memory_limit: str = '4Gi',
    cpu_request: str = '250m',
    memory_request: str = '256Mi',
    accelerator: str = 'nvidia.com/gpu',
    accelerator_count: int = 2,
    image: str = 'alpine:3.19',
):
    (work(label='retried')
     .set_retry(num_retries=3, backoff_duration='5s', backoff_factor=2,
                backoff_max_duration='60s'))

    (work(label='retried-once')
     .set_retry(num_retries=1))

    (work(label='constant-resources')
     .set_cpu_request('500m')
     .set_cpu_limit('1')
     .set_memory_request('512Mi')
     .set_memory_limit('1Gi')
     .set_accelerator_type('nvidia.com/gpu')
     .set_accelerator_limit(1))

    (work(label='parameter-resources')
     .set_cpu_request(cpu_request)
     .set_cpu_limit(cpu_limit)
     .set_memory_request(memory_request)
     .set_memory_limit(memory_limit)
     .set_accelerator_type(accelerator)
     .set_accelerator_limit(accelerator_count))

    # Resource value computed at runtime by an upstream task.
    sizing = pick_memory()
    work(label='task-output-resources').set_memory_limit(sizing.output)

    (work(label='env')
     .set_env_variable('MODE', 'production')
     .set_env_variable('TRICKY', '$HOME {{workflow.name}} "q"'))

    print_env().set_container_image(image).set_display_name('image-from-param')

    work(label='no-cache').set_caching_options(False)
    work(label='cache-key').set_caching_options(enable_caching=True,
                                                cache_key='v1')
