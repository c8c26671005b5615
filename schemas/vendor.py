"""Refresh the engine schemas vendored under schemas/argo and schemas/tekton.

The upstream files are large YAML CRDs; tests only need each CRD's openAPIV3Schema, so this script
extracts it into compact, deterministic JSON (loading 3 MB of YAML in every test run would be slow).
Usage: python schemas/vendor.py [SOURCE_DIR] [TEKTON_V059_SWAGGER]
(SOURCE_DIR defaults to ../shared/schemas next to the repository; TEKTON_V059_SWAGGER is
pkg/apis/pipeline/v1/swagger.json of tektoncd/pipeline at v0.59.0, kept as its definitions only.)
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def crd_schema(path: Path) -> dict:
    crd = yaml.load(path.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    versions = crd["spec"]["versions"]
    served = [v for v in versions if v.get("storage")] or versions
    return served[0]["schema"]["openAPIV3Schema"]


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else HERE.parent.parent / "shared" / "schemas"
    if not source.is_dir():
        print(f"no schema source at {source}", file=sys.stderr)
        return 1
    shutil.copyfile(source / "argo" / "schema.json", HERE / "argo" / "schema.json")
    write_json(HERE / "argo" / "workflow-crd.json", crd_schema(source / "argo" / "argoproj.io_workflows.yaml"))
    for name in ("pipeline", "pipelinerun", "task"):
        write_json(HERE / "tekton" / f"{name}-crd.json", crd_schema(source / "tekton" / f"300-{name}.yaml"))
    if len(argv) > 2:
        swagger = json.loads(Path(argv[2]).read_text("utf-8"))
        write_json(HERE / "tekton" / "v0.59-swagger.json", {"definitions": swagger["definitions"]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
