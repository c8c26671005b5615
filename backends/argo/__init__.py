"""Argo Workflows backend: the plan as a standalone `argoproj.io/v1alpha1` Workflow.

Runs on a vanilla Argo install (3.6 through 4.1; 3.5 works) with an artifact repository
configured; nothing of KFP's. Module map: escape.py (how values survive Argo and the kubelet),
values.py (sources -> expressions), conditions.py (`when`), containers.py (leaf templates, direct or
launcher), dags.py (DAG templates), k8s.py (kfp-kubernetes settings), memo.py (caching), split.py
(the 200-tasks-per-DAG rewrite; splitting.py declares it as a plan transform), library.py (templates beyond 200 in WorkflowTemplates), caps.py
(Argo 4's CRD limits), size.py (the 1 MiB a running Workflow may hold), children.py (a Workflow of
Workflows beyond it; probe.py finds the clear cases before anything is rendered whole), workflow.py (assembly and template sharing), kinds.py (run options and the
object kind), naming.py (names Argo accepts), setup.py (`kfpc setup argo`), runtime/ (the in-pod launcher for Python
components, launcher.py.j2 with kfpc's executor core, kfpc/runtime/core.py.j2), wire.py (what the
launcher reads: spec keys and env vars, defined once).
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Mapping

from kfpc.backend import PROTOCOL_VERSION, Option, Options, Output, settings
from kfpc.errors import UsageError
from kfpc.plan.model import Plan
from kfpc.plan.transforms import Transform

from kfpc_backends.argo import caps, naming, splitting

if TYPE_CHECKING:
    from kfpc_backends.argo import probe


class ArgoBackend:
    name = "argo"
    description = "Argo Workflows (argoproj.io/v1alpha1 Workflow), Argo 3.6 through 4.1 (3.5 works)"
    protocol_version = PROTOCOL_VERSION

    options = (
        Option("argo-version", "4", "oldest Argo version the manifest must run on (3.5: a CronWorkflow's "
               "`schedule`; later: `schedules`)"),
        Option("cache-config-map", None, "ConfigMap of memoized task results, in the controller's namespace (Argo "
               "creates it; at most 1 MiB; default: kfpc-cache-<pipeline>)"),
        Option("cache-max-age", "168h", "with --enable-caching, reuse a cached result only if younger than this Go "
               "duration (`none`: no limit)"),
        Option("helper-image", "python:3.12-slim", "image (with python3) of the pods that download an importer's "
               "artifact into the KFP workspace (download_to_workspace)"),
        Option("instance-id", None, "the controller's instance ID (its `instanceID` setting): the run, its "
               "WorkflowTemplates and its child Workflows get the label "
               "workflows.argoproj.io/controller-instanceid=ID, without which such a controller ignores them"),
        Option("max-workflow-size", "1Mi", "the largest Workflow the controller stores (its MAX_WORKFLOW_SIZE; "
               "default 1 MiB); a pipeline whose running Workflow would be larger is refused, and so is any "
               "object over the 1.5 MiB Kubernetes stores, whatever this says"),
    )

    expected_unsupported: Mapping[str, str] = {}  # every conformance fixture compiles

    # Rewrites before rendering (kfpc.plan.transforms): names are checked as the pipeline wrote them,
    # before splitting (`plan_transforms`, since it depends on -O argo-version) adds the parts' own.
    transforms = (naming.checked,)

    def plan_transforms(self, options: Options) -> tuple[Transform, ...]:
        """Rewrites that depend on `-O argo-version`: from Argo 4 on, DAGs are split to fit its CRD's
        caps (splitting.py); Argo 3's CRD has no caps, so its DAGs stay whole."""
        given = settings(self, options)
        version = _version(given["argo-version"] or "4")
        if not version_at_least(version, caps.SINCE):
            return ()
        return (functools.partial(splitting.transform, settings=_probe_settings(given, options, version)),)

    def document_schema(self, document: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Argo's own JSON Schema of the kind (api/jsonschema/schema.json @v4.1.2, vendored in schemas/argo)."""
        import json
        from importlib import resources

        kind = document.get("kind")
        if document.get("apiVersion") != "argoproj.io/v1alpha1" or kind not in ("Workflow", "WorkflowTemplate",
                                                                                "CronWorkflow"):
            return None
        schema = json.loads(resources.files("kfpc.schemas").joinpath("argo/schema.json").read_text("utf-8"))
        return {"$schema": "https://json-schema.org/draft/2020-12/schema",
                "$ref": f"#/definitions/io.argoproj.workflow.v1alpha1.{kind}", "definitions": schema["definitions"]}

    def compile(self, plan: Plan, options: Options) -> Output:
        from kfpc_backends.argo import children, kinds, library, memo, probe, size, workflow

        given = settings(self, options)
        version = _version(given["argo-version"] or "4")
        probing = _probe_settings(given, options, version)
        cache = None
        if options.run.caching:
            cache = memo.configured(given["cache-config-map"], given["cache-max-age"], plan.k8s_name)
        if options.run.kind == "cron":
            kinds.require_values(plan)
        if given["instance-id"] is not None:
            options = replace(options, run=kinds.with_instance_id(options.run, given["instance-id"]))
        capped = version_at_least(version, caps.SINCE)
        context = children.Context(plan.pipeline_root, cache, options.run, version, probing.limit, capped,
                                   probing.helper_image)
        # Clearly too large for one Workflow (probe.py; for Argo 4 the split transform asked already):
        # child Workflows, unless they cannot run it; then the whole render decides, as for any other.
        estimate = splitting.children_estimate(plan) if capped else probe.estimate(plan, probing)
        unsplit = splitting.whole(plan)
        if estimate is not None:
            direct = children.build_direct(unsplit, estimate, context)
            if direct is not None:
                return Output(direct.documents,
                              _run_notes(direct.documents, direct.rendered, options, cache, version) + direct.warnings)
            plan = splitting.split_whole(unsplit) if capped else plan
        # split by `plan_transforms` for Argo 4; too deep to split, child Workflows may still run it
        too_deep = splitting.too_deep(plan)
        notes: list[str] = []
        document, warnings = kinds.apply(workflow.build(plan, plan.pipeline_root, cache, notes, probing.helper_image,
                                                        fail_slow=probing.fail_slow),
                                         options.run, version, plan.k8s_name[:63].rstrip("-"))
        warnings = _run_notes([document], notes + warnings, options, cache, version)
        documents = library.offload(document, plan.k8s_name) if capped else [document]
        if too_deep is None:
            caps.check(documents, version)
        order = library.how_to_apply(documents)
        if order:
            warnings.append(order)
        parts = size.estimate(documents, version)
        if sum(parts.values()) > probing.limit:  # too large for one Workflow: a Workflow of Workflows (children.py)
            documents, more = children.build(unsplit, documents, parts, context)
            return Output(documents, [w for w in warnings if w != order] + more)
        if too_deep is not None:
            raise too_deep
        warnings += size.check(documents, probing.limit, version, parts)
        return Output(documents, warnings)

    def setup(self, run_semaphores: tuple[str, ...] = (), **where: str) -> list[dict]:
        """`kfpc setup argo`: the RBAC and ConfigMaps to review and apply once (setup.py), and the
        ConfigMaps of run semaphores (`CONFIGMAP:KEY=LIMIT`)."""
        from kfpc_backends.argo import kinds, setup

        target = setup.Target(**where)
        documents = setup.manifests(target)
        for text in run_semaphores:
            ref, _, limit = text.partition("=")
            config_map, _, key = ref.partition(":")
            if not (config_map and key and limit.isdigit() and int(limit) > 0):
                raise UsageError(f"--run-semaphore {text!r} is not CONFIGMAP:KEY=LIMIT (LIMIT a whole number >= 1)")
            documents.append(kinds.run_semaphore_config_map(ref, int(limit), target.namespace))
        return documents


def _probe_settings(given: Mapping[str, str | None], options: Options, version: str) -> "probe.Settings":
    """The compile's settings that make its templates larger or smaller (probe.py), checked."""
    from kfpc_backends.argo import memo, probe, size, workflow

    limit = size.parse_limit(given["max-workflow-size"] or "1Mi")
    helper = given["helper-image"] or workflow.HELPER_IMAGE
    if not re.fullmatch(r"[A-Za-z0-9._/:@+-]+", helper):  # nothing Argo or the kubelet would substitute
        raise UsageError(f"-O helper-image={helper!r} is not an image reference")
    cache = None
    if options.run.caching:  # checked here; the probe's pipeline name only sizes the default map name
        cache = memo.configured(given["cache-config-map"], given["cache-max-age"], "pipeline")
    return probe.Settings(limit, version, cache, helper, options.run.failure_policy == "slow")


def _run_notes(documents: list[dict[str, Any]], notes: list[str], options: Options, cache: Any,
               version: str) -> list[str]:
    """The render's warnings, and what the compile's options mean for these documents."""
    notes = list(notes)
    if tuple(map(int, version.split("."))) < (3, 7) and any("workflows.argoproj.io/display-name" in str(d)
                                                               for d in documents):
        notes.append(f"-O argo-version={version}: task display names show from Argo 3.7 on "
                     "(an annotation older versions ignore)")
    if cache is not None and options.run.kind == "run" and options.run.name:
        notes.append("--enable-caching with a fixed --name: cached results point at artifacts stored under "
                     "the workflow's name, so the artifact repository's keyFormat must hold {{workflow.uid}} "
                     "(as `kfpc setup argo` writes it) or a later run overwrites them")
    return notes


def version_at_least(version: str, least: tuple[int, int]) -> bool:
    return tuple(int(x) for x in version.split(".")) >= least


def _version(text: str) -> str:
    """`-O argo-version` as MAJOR.MINOR (`v3.5.8` -> `3.5`); older than 3.5 is refused."""
    match = re.match(r"^v?(\d+)(?:\.(\d+))?(?:\.\d+)?$", text.strip())
    if not match:
        raise UsageError(f"-O argo-version={text!r} is not a version such as 3.5 or 4")
    major, minor = int(match.group(1)), int(match.group(2) or 0)
    if (major, minor) < (3, 5):
        raise UsageError(f"-O argo-version={text!r}: kfpc's Workflows need Argo 3.5 or later")
    return f"{major}.{minor}"
