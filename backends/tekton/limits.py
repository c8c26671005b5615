"""Whether the objects kfpc writes can be stored, once Tekton has added what it keeps in them.

Tekton copies the resolved pipeline spec (parameters, context and workspaces substituted) into the
PipelineRun's `status.pipelineSpec` on its first reconcile (pkg/reconciler/pipelinerun/
pipelinerun.go:710 @v1.15.0, :561 @v0.59.6), and lists every TaskRun it creates in
`status.childReferences` (apiVersion, kind, name, pipelineTaskName, and the task's `when`
expressions; pkg/apis/pipeline/v1/pipelinerun_types.go:508-522 @v1.15.0). A PipelineRun with an
inline `pipelineSpec` therefore holds its pipeline twice. Kubernetes stores no object over 1.5 MiB
(kfpc/stored.py, shared with the Argo backend): a run above that is accepted by nobody (kubectl
create fails) or, when only the status pushes it over, is created but can never record its
progress. So kfpc refuses such a run rather than write it.
"""

from __future__ import annotations

from typing import Any

from kfpc.errors import UnsupportedError
from kfpc.stored import ETCD_REQUEST_LIMIT, go_json_size
from kfpc.stored import kib as _kib
WARN_FRACTION = 0.8
STATUS_BASE = 1024  # conditions, start time, provenance: a generous allowance
RUN_NAME_SUFFIX = 6  # generateName adds 5 characters; TaskRun names are <run>-<task>


def size(obj: Any) -> int:
    """Bytes of the object as the API server stores a custom resource (compact JSON)."""
    return go_json_size(obj)


def check(documents: list[dict[str, Any]]) -> list[str]:
    """Refuse an object etcd would not store; warn when one is close. Returns the warnings."""
    pipelines = {d["metadata"].get("name"): d for d in documents if d.get("kind") == "Pipeline"}
    warnings: list[str] = []
    for doc in documents:
        inline = doc.get("kind") == "PipelineRun" and "pipelineSpec" in doc["spec"]
        if inline:  # measured once: the spec is nearly all of the run
            spec_size = size(doc["spec"]["pipelineSpec"])
            own = size({**doc, "spec": {**doc["spec"], "pipelineSpec": 0}}) - 1 + spec_size
        else:
            own = size(doc)
        stored, what = own, f"the {doc['kind']}"
        if doc.get("kind") == "PipelineRun":
            spec = doc["spec"].get("pipelineSpec") or \
                pipelines.get(doc["spec"].get("pipelineRef", {}).get("name"), {}).get("spec")
            if spec is not None:
                spec_size = spec_size if inline else size(spec)
                stored = own + spec_size + _child_references(doc, spec) + STATUS_BASE
                what = ("the PipelineRun, with the copy of its pipeline Tekton keeps in status.pipelineSpec "
                        "and the list of its TaskRuns,")
        if stored > ETCD_REQUEST_LIMIT:
            raise UnsupportedError(
                f"{what} would be about {_kib(stored)} (written: {_kib(own)}), over the 1.5 MiB etcd stores by "
                "default; Kubernetes would refuse it or it could not record its progress",
                hint=_hint(doc))
        if stored > WARN_FRACTION * ETCD_REQUEST_LIMIT:
            warnings.append(f"{what} will be about {_kib(stored)} once running, close to the 1.5 MiB etcd stores "
                            "by default")
    return warnings


def _child_references(run: dict[str, Any], spec: dict[str, Any]) -> int:
    run_name = run["metadata"].get("name") or run["metadata"].get("generateName", "") + "x" * RUN_NAME_SUFFIX
    total = 0
    for task in spec.get("tasks", []) + spec.get("finally", []):
        entry = {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "name": f"{run_name}-{task['name']}"[:63],
                 "pipelineTaskName": task["name"]}
        if task.get("when"):
            entry["whenExpressions"] = task["when"]
        total += size(entry) + 1
    return total


def _hint(doc: dict[str, Any]) -> str:
    if doc.get("kind") == "PipelineRun" and "pipelineSpec" in doc["spec"]:
        return ("--kind template stores the pipeline once, in a Pipeline the run refers to; otherwise split the "
                "pipeline, or use --backend argo")
    return "split the pipeline, or use --backend argo"
