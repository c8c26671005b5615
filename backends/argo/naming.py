"""Names Argo accepts for parameters and artifacts.

Argo takes input and output parameter and artifact names of ASCII letters, digits, `_` and `-`
only: the v4 CRD's pattern `^[-a-zA-Z0-9_]+$` (manifests/base/crds/full/argoproj.io_workflows.yaml:
2113 @v4.1.2) and the validator's (workflow/validate/validate.go:1691,1702 @v4.1.2). KFP names are
Python identifiers, which may hold any letter (`données`). kfpc writes these names into templates,
`{{inputs.parameters.NAME}}` references, environment variables and, for pipeline parameters, the
Workflow's arguments, which a user addresses by name (`argo submit -p NAME=...`); the Python launcher
also finds inputs by their IR name. So a name Argo would refuse is refused here, naming the IR
place, rather than renamed behind the user's back.
"""

from __future__ import annotations

import re
from typing import Iterator

from kfpc.errors import KfpcError, UnsupportedError
from kfpc.plan.model import Plan

VALID = re.compile(r"^[-a-zA-Z0-9_]+$")  # validate.go:1691 @v4.1.2


def _invalid(plan: Plan) -> Iterator[tuple[str, tuple[str, ...]]]:
    for comp in sorted(plan.components.values(), key=lambda c: c.ir_key):
        base: tuple[str, ...] = ("root",) if comp.ir_key == "root" else ("components", comp.ir_key)
        iface = comp.interface
        for where, items in (("inputDefinitions", (("parameters", iface.in_params), ("artifacts", iface.in_artifacts))),
                             ("outputDefinitions", (("parameters", iface.out_params),
                                                    ("artifacts", iface.out_artifacts)))):
            for kind, entries in items:
                for entry in entries:
                    if not VALID.match(entry.name):
                        yield entry.name, base + (where, kind, entry.name)


def check(plan: Plan) -> None:
    found = sorted(set(_invalid(plan)), key=lambda item: item[1])
    if not found:
        return
    errors = [UnsupportedError(
        f"{'pipeline parameter' if path[0] == 'root' and path[1] == 'inputDefinitions' else 'name'} {name!r}: Argo "
        "accepts only ASCII letters, digits, '_' and '-' in parameter and artifact names",
        path=path, hint="rename it in the pipeline (e.g. " + repr(_ascii(name)) + ")").diagnostics[0]
        for name, path in found]
    raise KfpcError(errors) if len(errors) > 1 else UnsupportedError(errors)


def _ascii(name: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^-a-zA-Z0-9_]", "_", plain) or "param"


def checked(plan: Plan) -> Plan:
    """`check` as the first of the backend's transforms: the plan, unchanged, once its names pass."""
    check(plan)
    return plan
