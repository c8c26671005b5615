"""Argo Workflows backend: the plan as one standalone `argoproj.io/v1alpha1` Workflow.

Runs on a vanilla Argo install (v3.5 through 4.x) with an artifact repository configured; nothing
of KFP's. Module map: escape.py (how values survive Argo and the kubelet), values.py (sources ->
expressions), conditions.py (`when`), containers.py (leaf templates, direct or launcher),
dags.py (DAG templates), split.py (the 200-tasks-per-DAG rewrite), workflow.py (assembly and
template sharing).
"""

from __future__ import annotations

from kfpc.backend import PROTOCOL_VERSION, Option, Options, Output, settings
from kfpc.plan.model import Plan


class ArgoBackend:
    name = "argo"
    description = "Argo Workflows (argoproj.io/v1alpha1 Workflow), Argo v3.5 through 4.x"
    protocol_version = PROTOCOL_VERSION

    options = (
        Option("argo-version", "4", "oldest Argo version the manifest must run on (3.5: a CronWorkflow's "
               "`schedule`; later: `schedules`)"),
    )

    def compile(self, plan: Plan, options: Options) -> Output:
        from kfpc_backends.argo import kinds, split, workflow

        given = settings(self, options)
        root = options.pipeline_root if options.pipeline_root is not None else plan.pipeline_root
        plan = split.split_large_dags(plan)  # target-specific rewrites happen before rendering
        document, warnings = kinds.apply(workflow.build(plan, root or ""), options.run, given["argo-version"] or "4",
                                         plan.k8s_name[:63].rstrip("-"))
        return Output([document], warnings)
