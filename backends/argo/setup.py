"""`kfpc setup argo`: the one-time objects kfpc's Workflows rely on, for a platform engineer to
review and apply. Nothing here is applied by kfpc, and nothing is needed beyond it.

- The workflow pods' service account may report results: a stock install leaves that to the
  namespace (manifests/quick-start/base/executor/emissary/executor-role.yaml @v4.1.2: create and
  patch `workflowtaskresults`), plus the claims kfp-kubernetes CreatePVC/DeletePVC steps manage
  (Argo `resource` templates run with the pod's account).
- Only for pipelines too large for one Workflow: the pods that start child Workflows create and
  get `workflows` (children_rbac).
- An artifact repository to fill in: the `artifact-repositories` ConfigMap of the namespace and
  the key its annotation names (workflow/artifactrepositories/artifactrepositories.go:87-96 @v4.1.2).
- Only for `--enable-caching`: the controller writes its memoization maps in the namespace it runs
  in (workflow/controller/controller.go:235 @v4.1.2), but its stock role may only read ConfigMaps
  (manifests/cluster-install-no-crds/workflow-controller-rbac/workflow-controller-clusterrole.yaml:19-27
  @v4.1.2). Saving (create/update, cache/configmap_cache.go:164-203 @v4.1.2), a hit (update,
  :120-131) and the cache GC (delete, workflow/controller/cache_gc.go:61-67 @v4.1.2) need more. The
  controller's account is `argo` in a stock install (manifests/base/workflow-controller/
  workflow-controller-sa.yaml:4 @v4.1.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kfpc import run_options
from kfpc.errors import UsageError

RBAC = "rbac.authorization.k8s.io/v1"
DESCRIPTION = "workflows.argoproj.io/description"
ARTIFACT_REPOSITORIES = "artifact-repositories"  # artifactrepositories.go:87 @v4.1.2
DEFAULT_REPOSITORY = "workflows.argoproj.io/default-artifact-repository"  # artifactrepositories.go:96 @v4.1.2


@dataclass(frozen=True)
class Target:
    """Where the Workflows run, as whom, and where the controller runs."""

    namespace: str = "default"
    service_account: str = "default"
    controller_namespace: str = "argo"
    controller_service_account: str = "argo"

    def check(self) -> None:
        for flag, value in (("--namespace", self.namespace), ("--service-account", self.service_account),
                            ("--controller-namespace", self.controller_namespace),
                            ("--controller-service-account", self.controller_service_account)):
            if not run_options.is_dns_subdomain(value) or len(value) > 63:
                raise UsageError(f"{flag} {value!r} is not a valid Kubernetes name")


def manifests(target: Target) -> list[dict[str, Any]]:
    target.check()
    return [*executor_rbac(target), *children_rbac(target), artifact_repository(target), *memoizer_rbac(target)]


def _role(name: str, namespace: str, why: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": RBAC, "kind": "Role",
            "metadata": {"name": name, "namespace": namespace, "annotations": {DESCRIPTION: why}}, "rules": rules}


def _binding(name: str, namespace: str, account: str, account_namespace: str) -> dict[str, Any]:
    return {"apiVersion": RBAC, "kind": "RoleBinding", "metadata": {"name": name, "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": account_namespace}]}


def executor_rbac(target: Target) -> list[dict[str, Any]]:
    rules = [{"apiGroups": ["argoproj.io"], "resources": ["workflowtaskresults"], "verbs": ["create", "patch"]},
             {"apiGroups": [""], "resources": ["persistentvolumeclaims"],
              "verbs": ["create", "delete", "get", "patch"]}]
    why = ("kfpc: what the pods of kfpc's Workflows need: report results (Argo's executor) and create/delete "
           "the volumes of kfp-kubernetes CreatePVC/DeletePVC steps.")
    return [_role("kfpc-executor", target.namespace, why, rules),
            _binding("kfpc-executor", target.namespace, target.service_account, target.namespace)]


def children_rbac(target: Target) -> list[dict[str, Any]]:
    """A run too large for one Workflow starts child Workflows from `resource` templates
    (children.py): their pod runs `kubectl create -f` (workflow/executor/resource.go:36-57 @v4.1.2),
    GETs the child until it ends (resource.go:255-280) and reads its outputs with `kubectl get`
    (resource.go:318-350), with the workflow's service account. The child names the parent as its
    owner with blockOwnerDeletion (operator.go:3945 @v4.1.2), which clusters running Kubernetes'
    OwnerReferencesPermissionEnforcement admission (OpenShift) allow only with update on the
    owner's finalizers.

    The controller's `parallelism`/`namespaceParallelism` admits a Workflow only while fewer than the
    limit run, and never postpones a Running one (workflow/controller/controller.go:969-985 @v4.1.2):
    a parent holding the last slot waits on a child that stays Pending, until the parent's own
    deadline (--pipeline-timeout, which bounds each starting pod: workflowpod.go:449-466 @v4.1.2) or
    for ever. Hence the note in the Role's description."""
    rules = [{"apiGroups": ["argoproj.io"], "resources": ["workflows"], "verbs": ["create", "get"]},
             {"apiGroups": ["argoproj.io"], "resources": ["workflows/finalizers"], "verbs": ["update"]}]
    why = ("kfpc: pipelines too large for one Workflow run as child Workflows, which the run's pods create and "
           "watch; not needed otherwise. Such a run needs two Workflows running at once (the parent and a "
           "child): the controller's parallelism and namespaceParallelism must be at least 2 per "
           "concurrent run (or unset), or a parent holding the last slot waits for ever on a child the controller "
           "keeps Pending; give such runs --pipeline-timeout so they end.")
    return [_role("kfpc-children", target.namespace, why, rules),
            _binding("kfpc-children", target.namespace, target.service_account, target.namespace)]


def artifact_repository(target: Target) -> dict[str, Any]:
    """A template: kfpc stores artifacts unarchived, which S3, GCS and Azure support."""
    s3 = ("s3:\n"
          "  bucket: FILL-IN-bucket\n"
          "  endpoint: FILL-IN-host:port  # s3.amazonaws.com, or your MinIO\n"
          "  insecure: false\n"
          "  keyFormat: \"{{workflow.name}}/{{workflow.uid}}/{{pod.name}}\"  # unique per run, even with a fixed --name\n"
          "  accessKeySecret: {name: FILL-IN-secret, key: accesskey}  # or useSDKCreds: true (IRSA)\n"
          "  secretKeySecret: {name: FILL-IN-secret, key: secretkey}\n")
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": ARTIFACT_REPOSITORIES, "namespace": target.namespace,
                         "annotations": {DEFAULT_REPOSITORY: "default-v1"}},
            "data": {"default-v1": s3}}


def memoizer_rbac(target: Target) -> list[dict[str, Any]]:
    rules = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create", "delete", "get", "update"]}]
    why = ("kfpc --enable-caching: Argo's controller saves memoized results in ConfigMaps of its own namespace; "
           "without create/update every memoized task ends in Error.")
    ns = target.controller_namespace
    return [_role("kfpc-memoizer", ns, why, rules),
            _binding("kfpc-memoizer", ns, target.controller_service_account, ns)]
