"""Tekton backend: the plan as one standalone `tekton.dev/v1` PipelineRun.

Runs on a stock Tekton Pipelines install (v0.59 LTS through 1.x, default feature flags): no custom
tasks, no controllers, no image of kfpc's. Module map: flatten.py (sub-DAGs into one list of tasks:
kfpc.plan.transforms.flatten with Tekton's task names, the rewrite the backend declares), escape.py
(how values survive Tekton and the kubelet), sources.py (where the runtime finds each value),
guards.py (`when`), steps.py (what runs in a pod), build.py (one pipeline task per plan task),
helper_tasks.py (the helper tasks Tekton needs), finally_tasks.py (exit tasks), direct.py (values a
container without the launcher reads), resources.py (images and compute resources), k8s.py
(kfp-kubernetes settings), units.py (a pipeline task before it is YAML), pipelinerun.py (assembly).
The in-pod runtime is runtime/program.py.j2 (with kfpc's executor core, kfpc/runtime/core.py.j2);
the descriptors it reads are defined once in wire.py.
"""

from __future__ import annotations

from typing import Any, Mapping

from kfpc import run_options
from kfpc.backend import PROTOCOL_VERSION, Option, Options, Output, settings
from kfpc.errors import UsageError
from kfpc.plan.model import Plan

from kfpc_backends.tekton import flatten


class TektonBackend:
    name = "tekton"
    description = "Tekton Pipelines (tekton.dev/v1 PipelineRun), Tekton v0.59 LTS through 1.x"
    protocol_version = PROTOCOL_VERSION
    options = (
        Option("helper-image", "python:3.12-slim", "image for kfpc's helper steps (needs python3)"),
        Option("workspace-size", "1Gi", "size of the per-run volume that carries artifacts and values"),
        Option("storage-class", None, "storage class of that volume (default: the cluster's)"),
        Option("access-mode", "ReadWriteOnce", "access mode of that volume"),
        Option("workspace-claim", None, "use this existing PersistentVolumeClaim instead of one per run"),
        Option("affinity-assistant", "enabled", "`disabled` when the cluster's Tekton runs with `coschedule: "
               "disabled` (v0.59: `disable-affinity-assistant: \"true\"`) (pods that share the volume may then run on different nodes)"),
    )

    # With default options, a pipeline whose tasks ask for different nodes is refused: the affinity
    # assistant would hold them all on one node (golden/retry_resources_env/tekton.options compiles it
    # for a cluster without the assistant).
    expected_unsupported: Mapping[str, str] = {
        "retry_resources_env": "tasks ask for different nodes, which the affinity assistant cannot honour",
    }

    # Rewrites before rendering (kfpc.plan.transforms): nested DAGs into one list of pipeline tasks.
    transforms = (flatten.transform,)

    def document_schema(self, document: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The kind's CRD schema (config/300-crds, vendored in schemas/tekton, see SOURCE.md) with what
        the CRD leaves to the API server and webhook: apiVersion, kind, metadata and spec present; a
        PipelineRun names exactly one of pipelineRef / pipelineSpec
        (pkg/apis/pipeline/v1/pipelinerun_validation.go:62-67 @v1.6.0)."""
        import json
        from importlib import resources

        kind = document.get("kind")
        if document.get("apiVersion") != "tekton.dev/v1" or kind not in ("PipelineRun", "Pipeline"):
            return None
        crd = json.loads(resources.files("kfpc.schemas").joinpath(f"tekton/{kind.lower()}-crd.json").read_text("utf-8"))
        envelope: dict[str, Any] = {"required": ["apiVersion", "kind", "metadata", "spec"],
                                    "properties": {"apiVersion": {"const": "tekton.dev/v1"}, "kind": {"const": kind}}}
        if kind == "PipelineRun":
            envelope["properties"]["spec"] = {"oneOf": [{"required": ["pipelineRef"]}, {"required": ["pipelineSpec"]}]}
        return {"$schema": "http://json-schema.org/draft-07/schema#", "allOf": [crd, envelope]}

    def compile(self, plan: Plan, options: Options) -> Output:

        from kfpc_backends.tekton import kinds, limits, pipelinerun

        given = settings(self, options)
        _check(given)
        kinds.check_scale(options.run)
        helper = given["helper-image"] or "python:3.12-slim"
        run, warnings = pipelinerun.build(plan, pipelinerun.Settings(
            helper_image=helper,
            workspace_size=given["workspace-size"] or "1Gi",
            storage_class=given["storage-class"],
            access_mode=given["access-mode"] or "ReadWriteOnce",
            workspace_claim=given["workspace-claim"],
            pipeline_root=plan.pipeline_root,
            affinity_assistant=(given["affinity-assistant"] or "enabled") == "enabled",
        ))
        if (given["affinity-assistant"] == "disabled" and dict(options.run.annotations).get(AUTO_CLEANUP) == "true"
                and any("volumeClaimTemplate" in w for w in run["spec"].get("workspaces", []))):
            # Clean-up of a run's claims happens only in the assistant's branches: with the assistant
            # disabled it returns at once (pkg/reconciler/pipelinerun/affinity_assistant.go:258-259 @v1.15.0).
            warnings.append(f"--annotation {AUTO_CLEANUP}=true has no effect with -O affinity-assistant=disabled: "
                            "Tekton deletes the run's volume only when it runs the affinity assistant; the volume "
                            "stays until the PipelineRun is deleted")
        documents, more = kinds.apply(run, options.run, helper)
        return Output(documents, warnings + more + limits.check(documents))


AUTO_CLEANUP = "tekton.dev/auto-cleanup-pvc"
ACCESS_MODES = ("ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod", "ReadOnlyMany")


def _check(given: dict[str, str | None]) -> None:
    """Option values Kubernetes would refuse only when the run is created."""
    if given["access-mode"] and given["access-mode"] not in ACCESS_MODES:
        raise UsageError(f"-O access-mode={given['access-mode']!r} is not one of {', '.join(ACCESS_MODES)}")
    if given["workspace-size"] and not run_options.is_quantity(given["workspace-size"]):
        raise UsageError(f"-O workspace-size={given['workspace-size']!r} is not a quantity such as 1Gi or 500Mi")
    for key in ("storage-class", "workspace-claim"):
        if (name := given[key]) and not run_options.is_dns_subdomain(name):
            raise UsageError(f"-O {key}={name!r} is not a valid Kubernetes name")
    if given["affinity-assistant"] and given["affinity-assistant"] not in ("enabled", "disabled"):
        raise UsageError(f"-O affinity-assistant={given['affinity-assistant']!r} is not `enabled` or `disabled`")
    if given["helper-image"] is not None and not given["helper-image"].strip():
        raise UsageError("-O helper-image needs an image")
