"""kubernetes_platform: kfp-kubernetes task settings (the IR's platform spec).

Not one of the originally requested cases; added because these settings
live in a second YAML document (`platforms.kubernetes.deploymentSpec.
executors.<exec>`) that a KFP->Argo compiler must merge into the pod specs.

Exercises:

* secrets as env vars and as a volume (names constant and from a pipeline
  parameter), optional and required;
* config maps as env vars and as a volume;
* PVC lifecycle: `CreatePVC` -> `mount_pvc` (PVC name from the CreatePVC
  task's output, so also a data dependency) -> `DeletePVC` after the user
  task; these are kfp-provided platform components (`createpvc` /
  `deletepvc` executors backed by the driver);
* an emptyDir mount and a generic ephemeral volume;
* node selector, node affinity, toleration, pod labels and annotations,
  image pull policy and image pull secrets, a field-path env var
  (downward API), security context and an active-deadline timeout.
"""
from kfp import dsl
from kfp import kubernetes


@dsl.component(base_image='python:3.11-slim')
def use_everything(msg: str) -> str:
    import os
    print(msg, os.environ.get('DB_PASSWORD'), os.environ.get('POD_NAME'))
    return msg


@dsl.container_component
def list_mounts():
    return dsl.ContainerSpec(image='alpine:3.19',
                             command=['sh', '-c', 'ls -la /data /cfg /scratch'])


@dsl.pipeline(name='kubernetes-platform')
def pipeline(secret_name: str = 'db-credentials', message: str = 'hi'):
    t = use_everything(msg=message)
    kubernetes.use_secret_as_env(
        t, secret_name=secret_name,
        secret_key_to_env={'password': 'DB_PASSWORD', 'user': 'DB_USER'})
    kubernetes.use_secret_as_volume(
        t, secret_name='tls-cert', mount_path='/etc/tls', optional=True)
    kubernetes.use_config_map_as_env(
        t, config_map_name='app-config',
        config_map_key_to_env={'mode': 'APP_MODE'})
    kubernetes.use_field_path_as_env(
        t, env_name='POD_NAME', field_path='metadata.name')
    kubernetes.add_node_selector(
        t, label_key='cloud.google.com/gke-nodepool', label_value='cpu-pool')
    kubernetes.add_node_affinity(
        t, match_expressions=[{'key': 'zone', 'operator': 'In',
                               'values': ['a', 'b']}])
    kubernetes.add_toleration(
        t, key='dedicated', operator='Equal', value='ml', effect='NoSchedule')
    kubernetes.add_pod_label(t, label_key='team', label_value='ml')
    kubernetes.add_pod_annotation(
        t, annotation_key='example.com/note', annotation_value='golden')
    kubernetes.set_image_pull_policy(t, 'Always')
    kubernetes.set_image_pull_secrets(t, ['registry-secret'])
    kubernetes.set_security_context(t, run_as_user=1000, run_as_group=1000,
                                    run_as_non_root=True)
    kubernetes.set_timeout(t, seconds=600)

    pvc = kubernetes.CreatePVC(
        pvc_name_suffix='-golden',
        access_modes=['ReadWriteOnce'],
        size='1Gi',
        storage_class_name='standard',
    )
    m = list_mounts()
    kubernetes.mount_pvc(m, pvc_name=pvc.outputs['name'], mount_path='/data')
    kubernetes.use_config_map_as_volume(
        m, config_map_name='app-config', mount_path='/cfg')
    kubernetes.empty_dir_mount(m, volume_name='scratch', mount_path='/scratch',
                               medium='Memory', size_limit='64Mi')
    kubernetes.add_ephemeral_volume(
        m, volume_name='eph', mount_path='/eph', access_modes=['ReadWriteOnce'],
        size='1Gi', storage_class_name='standard')
    kubernetes.DeletePVC(pvc_name=pvc.outputs['name']).after(m)
