"""More templates than Argo 4 accepts in one object: leaf templates move into WorkflowTemplates.

Argo 4's CRD caps `spec.templates` at 200 (caps.py). A pipeline of many distinct components needs
more, so the leaf templates that do not fit stay whole but live in WorkflowTemplates of at most 200
templates each, which the Workflow's DAG tasks call with `templateRef`. A leaf template calls no
other template, so it means the same wherever it is stored; the pod still belongs to the calling
workflow, with its parameters, service account and workflow-level podSpecPatch
(workflow/templateresolution/context.go:124-178 @v4.1.2 resolves a templateRef to the template itself).
When the DAG templates alone are more than 200 (many sub-pipelines, or the parts of split DAGs),
they move too: a template reached through a templateRef resolves the names it calls in its own
WorkflowTemplate (context.go:258-268 @v4.1.2), so calls across WorkflowTemplates become templateRefs
as well, and `{{workflow.*}}` still means the calling workflow (every template is substituted with
its global parameters, workflow/controller/operator.go:2256 @v4.1.2).

The WorkflowTemplates are written first; their names carry a digest of their content, so
compiling the same pipeline again names the same objects, and a changed pipeline never changes the
templates an earlier run refers to. They must exist before the run starts, which the usual commands
do not arrange (how_to_apply() says what does): `argo submit` takes only the Workflows of a file
(workflow/common/parse.go:121-135, cmd/argo/commands/submit.go:264 @v4.1.2); a second `kubectl
create -f` of the whole file fails with AlreadyExists; and the controller looks a templateRef up in
its informer cache with no fallback (controller/operator.go:4253, templateresolution/context.go:
329-334 @v4.1.2), so a template created a moment before the run may not be found yet.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from kfpc_backends.argo import caps, kinds, pack


def _leaf(template: dict[str, Any]) -> bool:
    return "dag" not in template and "steps" not in template


def offload(document: dict[str, Any], base: str) -> list[dict[str, Any]]:
    """`[library WorkflowTemplates..., document]`; just `[document]` when everything fits. Leaf
    templates move first; when the DAG templates alone are too many, every template but those the
    spec names (entrypoint, onExit) moves."""
    spec = caps.spec_of(document)
    pack.pack_inputs(spec)  # Argo 4's other cap that more objects cannot meet: 500 inputs per template
    templates = spec["templates"]
    if len(templates) <= caps.TEMPLATES:
        return [document]
    composite = [t for t in templates if not _leaf(t)]
    room = caps.TEMPLATES - len(composite)
    if room >= 0:
        leaves = [t for t in templates if _leaf(t)]
        moved = leaves[room:]
    else:
        named = {spec.get("entrypoint"), spec.get("onExit")}
        moved = [t for t in templates if t["name"] not in named]
    text = json.dumps(moved, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    chunks = [moved[i:i + caps.TEMPLATES] for i in range(0, len(moved), caps.TEMPLATES)]
    libraries = []
    home: dict[str, str] = {}
    metadata = document.get("metadata", {})
    for i, chunk in enumerate(chunks):
        name = f"{base[:40].rstrip('-')}-lib-{digest}-{i + 1}"
        meta: dict[str, Any] = {"name": name}
        if "namespace" in metadata:
            meta["namespace"] = metadata["namespace"]
        meta["labels"] = {k: v for k, v in metadata.get("labels", {}).items()
                          if k.startswith("kfpc.dev/") or k == kinds.INSTANCE_ID}  # for the controller's, too
        libraries.append({"apiVersion": document["apiVersion"], "kind": "WorkflowTemplate", "metadata": meta,
                          "spec": {"templates": chunk}})
        home.update({t["name"]: name for t in chunk})
    for template in templates:
        _refer(template, home, home.get(template["name"]))
    kept = {t["name"] for t in templates} - set(home)
    spec["templates"] = [t for t in templates if t["name"] in kept]
    return libraries + [document]


def _refer(template: dict[str, Any], home: dict[str, str], where: str | None) -> None:
    """Calls of templates that live elsewhere become `templateRef`s. A template found through a
    templateRef resolves the plain template names it calls in its own WorkflowTemplate, and reaches
    other WorkflowTemplates with templateRef too (workflow/templateresolution/context.go:116-150,
    258-268 @v4.1.2)."""
    calls = template.get("dag", {}).get("tasks", []) + [s for g in template.get("steps", []) for s in g]
    for call in calls:
        target = call.get("template")
        if target in home and home[target] != where:
            ref = {"name": home[target], "template": target}
            fields = [(k, ref if k == "template" else v) for k, v in call.items()]
            call.clear()
            call.update(("templateRef" if k == "template" else k, v) for k, v in fields)


def how_to_apply(documents: list[dict[str, Any]]) -> str | None:
    """The warning that says how to create a run that calls library WorkflowTemplates."""
    libraries = [d["metadata"]["name"] for d in documents[:-1] if d.get("kind") == "WorkflowTemplate"]
    if not libraries:
        return None
    why = (f"more than {caps.TEMPLATES} templates: library WorkflowTemplate{'s' if len(libraries) > 1 else ''} "
           f"{', '.join(libraries)} hold{'' if len(libraries) > 1 else 's'} the rest and must exist before the run "
           "starts (the controller finds them through its cache, so apply them a few seconds before)")
    apply = "`kubectl apply --server-side -f` (client-side apply fails above 256 KiB; re-applying changes nothing)"
    if documents[-1].get("kind") == "Workflow":
        return (f"{why}: {apply} them first, then `argo submit` or `kubectl create -f` the Workflow alone (`argo "
                "submit` ignores WorkflowTemplates, and `kubectl create -f` of both fails with AlreadyExists the "
                "second time); with --output-dir they are written apart, to <input>.workflowtemplate.yaml and "
                "<input>.workflow.yaml")
    return f"{why}: {apply} the whole output, which lists them first"
