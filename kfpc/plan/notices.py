"""What the lowering tells the user besides errors: IR fields compiled without their effect (status
"warned" in docs/ir-coverage.md) and Vertex-AI-only features (refused). Each is reported once, with
how many places use it, so a 500-task pipeline yields one line per reason, not 500."""

from __future__ import annotations

from typing import Any, Mapping

from kfpc.errors import Collector
from kfpc.ir.model import Component, MISSING, Path, Pipeline
from kfpc.plan import placeholders


class Notices:
    def __init__(self) -> None:
        self.warned: dict[str, list[str]] = {}  # warning text -> where it applies
        self.vertex: dict[str, list[Path]] = {}  # Vertex-AI-only feature -> where it is used

    def warn(self, text: str, where: str) -> None:
        self.warned.setdefault(text, []).append(where)

    def warnings(self) -> tuple[str, ...]:
        out = []
        for text, places in self.warned.items():
            shown = ", ".join(places[:3]) + (f" and {len(places) - 3} more" if len(places) > 3 else "")
            out.append(f"{text} ({len(places)} {'place' if len(places) == 1 else 'places'}: {shown})")
        return tuple(out)

    def legacy_boolean(self, where: str) -> None:
        self.warn("a BOOLEAN value written as 1.0 or 0.0 (as 2.0.0-beta SDKs did) is read as true or false", where)

    def vertex_only(self, feature: str, path: Path) -> None:
        self.vertex.setdefault(feature, []).append(path)

    def vertex_default(self, value: Any, path: Path) -> None:
        """A default such as Google Cloud Pipeline Components' `project` (the job's project on Vertex)."""
        if isinstance(value, str):
            for feature in placeholders.VERTEX_ONLY.values():
                if feature in value:
                    self.vertex_only(feature, path)

    def report_vertex_only(self, out: Collector) -> None:
        for feature, paths in self.vertex.items():
            more = f" ({len(paths)} uses; the first is here)" if len(paths) > 1 else ""
            out.add("KFPC317", f"{feature} is filled in by Vertex AI only; no other engine knows the job's "
                    f"Google Cloud project or location{more}", paths[0],
                    hint="pass the value as a pipeline parameter instead")


def ignored_fields(ir: Pipeline, components: Mapping[str, Component], notices: Notices) -> None:
    """Fields the plan leaves out, each with a warning (docs/ir-coverage.md)."""
    from kfpc.plan.lower import legacy_boolean

    for key, comp in sorted(components.items()):
        for name, spec in sorted(comp.interface.in_params.items()):
            if spec.type == "BOOLEAN" and spec.default is not MISSING and legacy_boolean(spec.default):
                notices.legacy_boolean(f"{key}.{name}")
        for name, art in sorted(comp.interface.out_artifacts.items()):
            if art.metadata:
                notices.warn("output artifact metadata in the component's outputDefinitions is not given to the "
                             "component (it starts with empty metadata)", f"{key}.{name}")
    for name in sorted((ir.platform or {}).get("platforms") or {}):
        if name != "kubernetes":
            notices.warn(f"platform settings for {name!r} are ignored: only 'kubernetes' applies off KFP's "
                         "hosted backends", "platforms")
