"""Argo 4's CRD limits, checked on every manifest the backend writes.

From v4.0 the full CRD caps list sizes (manifests/base/crds/full/argoproj.io_workflows.yaml @v4.1.2):
`spec.templates` at 200 items (line 40412), a template's `dag.tasks` at 200 (line 25354) and its
`inputs.parameters` at 500 (line 29394); the API server refuses a larger object. v3.7.18's CRD
has no caps, and no list in v4.1.2's caps `spec.arguments.parameters` (only `.status.nodes{}.inputs.
parameters`, at 500, which a template within its cap keeps). kfpc keeps within them by construction
(split.py cuts DAGs, library.py moves leaf templates into WorkflowTemplates, pack.py hands a
template's surplus inputs in JSON parameters); this check refuses what still does not fit,
before anything is written, instead of letting `kubectl create` fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kfpc.errors import UnsupportedError

TEMPLATES = 200  # argoproj.io_workflows.yaml:40412 @v4.1.2
DAG_TASKS = 200  # argoproj.io_workflows.yaml:25354 @v4.1.2
INPUT_PARAMETERS = 500  # argoproj.io_workflows.yaml:29394 @v4.1.2
SINCE = (4, 0)  # v3.7.18's CRD has no maxItems; v4.0.0's has these


def spec_of(document: dict[str, Any]) -> dict[str, Any]:
    """The workflow spec of a Workflow, WorkflowTemplate or CronWorkflow."""
    spec = document.get("spec", {})
    return spec.get("workflowSpec", spec) if document.get("kind") == "CronWorkflow" else spec


def problems(document: dict[str, Any]) -> Iterator[str]:
    templates = spec_of(document).get("templates", [])
    where = f"{document.get('kind', 'Workflow')} {document.get('metadata', {}).get('name', '')}".rstrip()
    if len(templates) > TEMPLATES:
        yield f"{where} has {len(templates)} templates (Argo 4 accepts at most {TEMPLATES})"
    for template in templates:
        tasks = template.get("dag", {}).get("tasks", [])
        if len(tasks) > DAG_TASKS:
            yield f"template {template['name']!r} has {len(tasks)} DAG tasks (at most {DAG_TASKS})"
        params = template.get("inputs", {}).get("parameters", [])
        if len(params) > INPUT_PARAMETERS:
            yield f"template {template['name']!r} has {len(params)} input parameters (at most {INPUT_PARAMETERS})"


def check(documents: list[dict[str, Any]], version: str) -> None:
    if tuple(int(x) for x in version.split(".")) < SINCE:
        return
    found = [problem for document in documents for problem in problems(document)]
    if found:
        raise UnsupportedError(f"the manifest exceeds Argo 4's CRD limits: {found[0]}"
                               + (f" (and {len(found) - 1} more)" if len(found) > 1 else ""),
                               hint="split the pipeline into sub-pipelines, or target Argo 3.x with "
                                    "-O argo-version=3.7 if the cluster runs it")
