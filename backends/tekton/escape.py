"""How values survive Tekton and the kubelet on their way into a container.

Tekton has no escape for `$(`: it substitutes known references in params, `when`, args, env and
scripts, in several passes that each rescan the previous pass's output (each pass is one strings.Replacer,
pkg/substitution/replacements.go:28-35 @v1.15.0, run for the PipelineRun and again for each TaskRun,
pkg/reconciler/{pipelinerun,taskrun}/resources/apply.go:581, :683 @v1.15.0), and the kubelet then expands
`$(VAR)` and folds `$$` in args and env. kfpc therefore never lets a `$` of user text
reach either of them:

* T-form: in every string Tekton or the kubelet will see (params, results, `when` values, args, env
  values), each `$` is written `$(KFPC_D)`. Tekton knows no such reference and leaves it alone; the
  kubelet expands it to `$` from the env var KFPC_D that every pod defines (the run's pod template),
  exactly once and without rescanning. The kfpc runtime decodes it itself where the kubelet does not.
* JSON for the runtime (KFPC_SPEC): `$` is written as the JSON escape \\u0024, so the text has no `$`.
"""

from __future__ import annotations

import json
import re
from typing import Any

DOLLAR_ENV = "KFPC_D"
DOLLAR = f"$({DOLLAR_ENV})"
_NOT_ENV_REF = re.compile(r"\$(?=\((?![A-Za-z_][A-Za-z0-9_]*\)))")


def tform(text: str) -> str:
    return text.replace("$", DOLLAR)


def references_only(text: str) -> str:
    """Text for a container whose `$(VAR)` the kubelet should still expand (an init container):
    only `$(` that does not start an env var reference (Tekton's are dotted) becomes T-form."""
    return _NOT_ENV_REF.sub(DOLLAR, text)


def spec_json(value: Any) -> str:
    """Compact JSON with no `$` in it: safe in an env value, decoded by json.loads as written."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).replace("$", "\\u0024")


def ref(expression: str) -> str:
    """A Tekton substitution, `$(...)`: the only `$` kfpc writes on purpose."""
    return f"$({expression})"
