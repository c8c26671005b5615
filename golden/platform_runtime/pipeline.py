"""platform_runtime: kfp-kubernetes settings whose values arrive at run time, the pipeline-level
config, and per-task caching choices.

Exercises:

* node selector, tolerations and node affinity given as JSON pipeline parameters;
* image pull secrets, a secret volume and a PVC mount named by pipeline parameters;
* a config map (as env) named by an upstream task's output;
* an emptyDir mount, generic ephemeral volume and security context on a consumer task;
* `pipeline_config`: an active deadline and a TTL (the workspace has its own case, kfp_workspace);
* caching: one task opts out (`set_caching_options(False)`), one sets a custom `cache_key`, the
  others keep KFP's default (on), one of them reading an artifact produced upstream.
"""
from kfp import dsl
from kfp import kubernetes
from kfp.dsl import Dataset, Input, Output


@dsl.component(base_image='python:3.11-slim')
def pick_config(env: str) -> str:
    return f'app-config-{env}'


@dsl.component(base_image='python:3.11-slim')
def prepare(rows: int, data: Output[Dataset]):
    with open(data.path, 'w') as f:
        f.write('\n'.join(str(i) for i in range(rows)))


@dsl.component(base_image='python:3.11-slim')
def train(data: Input[Dataset], mode: str = '') -> int:
    import os
    with open(data.path) as f:
        n = len(f.read().splitlines())
    print(os.environ.get('APP_MODE'), mode)
    return n


@dsl.container_component
def report(count: int):
    return dsl.ContainerSpec(image='alpine:3.19', command=['sh', '-c'],
                             args=[f'echo trained on {count} rows; ls /models /scratch /tls'])


@dsl.pipeline(
    name='platform-runtime',
    pipeline_config=dsl.PipelineConfig(
        active_deadline_seconds=3600,
        ttl_seconds_after_finished=86400,
    ),
)
def pipeline(env: str = 'prod',
             rows: int = 10,
             node_selector: dict = {'pool': 'gpu'},
             tolerations: list = [{'key': 'gpu', 'operator': 'Exists', 'effect': 'NoSchedule'}],
             affinity: dict = {'requiredDuringSchedulingIgnoredDuringExecution': {'nodeSelectorTerms': [
                 {'matchExpressions': [{'key': 'zone', 'operator': 'In', 'values': ['a']}]}]}},
             pull_secret: str = 'registry-secret',
             models_pvc: str = 'models',
             tls_secret: str = 'tls-cert'):
    cfg = pick_config(env=env)
    cfg.set_caching_options(False)

    data = prepare(rows=rows)
    data.set_caching_options(True, cache_key='prepare-v2')

    t = train(data=data.outputs['data'], mode=env)
    kubernetes.use_config_map_as_env(t, config_map_name=cfg.output,
                                     config_map_key_to_env={'mode': 'APP_MODE'})
    kubernetes.add_node_selector_json(t, node_selector_json=node_selector)
    kubernetes.add_toleration_json(t, toleration_json=tolerations)
    kubernetes.add_node_affinity_json(t, node_affinity_json=affinity)
    kubernetes.set_image_pull_secrets(t, [pull_secret])

    r = report(count=t.output)
    kubernetes.mount_pvc(r, pvc_name=models_pvc, mount_path='/models')
    kubernetes.use_secret_as_volume(r, secret_name=tls_secret, mount_path='/tls')
    kubernetes.empty_dir_mount(r, volume_name='scratch', mount_path='/scratch', size_limit='1Gi')
    kubernetes.add_ephemeral_volume(r, volume_name='eph', mount_path='/eph',
                                    access_modes=['ReadWriteOnce'], size='1Gi')
    kubernetes.set_security_context(r, run_as_user=1000, run_as_non_root=True)
