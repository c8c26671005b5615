"""KFP's importer `download_to_workspace`: where the artifact lands, and when KFP refuses it.

KFP's importer downloads the artifact to `/kfp-workspace/.artifacts/` plus the path the SDK derives
from the URI (`gs://b/k` -> `gcs/b/k`, `s3://` -> `s3/`, `minio://` -> `minio/`;
launcher_v2.go:1241-1278 @2.17.0), and consumers read it there: their artifact keeps its URI, its
metadata carries `_kfp_workspace: true` (driver/resolve.go:37-46 @2.17.0), and `.path` is that
workspace path (launcher_v2.go:1099-1110 @2.17.0; the SDK's Artifact.path does the same,
sdk/python/kfp/dsl/types/artifact_types.py:117-121 @sdk-2.17.0-1).
"""

from __future__ import annotations

from kfpc.errors import Collector
from kfpc.ir.model import Pipeline
from kfpc.plan import k8s
from kfpc.plan.taskconfig import WORKSPACE_MOUNT

__all__ = ["ARTIFACTS", "DIRS", "FLAG", "path_for"]

ARTIFACTS = WORKSPACE_MOUNT + "/.artifacts"
FLAG = "_kfp_workspace"  # the metadata key KFP sets on consumers' copy of the artifact
# URI scheme -> directory; any other scheme fails KFP's importer (oci:// explicitly,
# importer_launcher.go:262-266; others have no local path, launcher_v2.go:1241-1255 @2.17.0).
DIRS = {"gs": "gcs", "s3": "s3", "minio": "minio"}


def path_for(uri: str) -> str | None:
    """The workspace path KFP downloads `uri` to; None for a scheme KFP cannot download there."""
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme not in DIRS:
        return None
    return f"{ARTIFACTS}/{DIRS[scheme]}/{rest}"


def check(ir: Pipeline, config: k8s.RunConfig | None, out: Collector) -> None:
    """What KFP refuses: the SDK refuses download_to_workspace without a workspace
    (compiler/pipeline_spec_builder.py:2218-2268 @sdk-2.17.0-1), and the importer fails on a URI of
    another scheme, which kfpc reports at compile time when the URI is a constant."""
    has_workspace = config is not None and bool(config.workspace_size)
    for key, executor in sorted(ir.executors.items()):
        imp = executor.importer
        if imp is None or not imp.download_to_workspace:
            continue
        where = ("deploymentSpec", "executors", key, "importer", "downloadToWorkspace")
        if not has_workspace:
            out.add("KFPC316", f"importer {key!r} downloads into the KFP workspace (download_to_workspace), but the "
                    "pipeline has no workspace", where,
                    hint="add pipeline_config=dsl.PipelineConfig(workspace=dsl.WorkspaceConfig(size='1Gi')) to "
                    "@dsl.pipeline (the KFP SDK refuses this pipeline too)")
        if imp.uri_constant is not None and path_for(imp.uri_constant) is None:
            out.add("KFPC316", f"importer {key!r} downloads {imp.uri_constant!r} into the KFP workspace, which KFP "
                    f"does only for {', '.join(s + '://' for s in DIRS)} URIs", where,
                    hint="import it without download_to_workspace")
