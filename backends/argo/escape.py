"""How user strings survive Argo's templating and the kubelet byte-for-byte (util/template/template.go:25 @v4.1.2).

Argo has no escape for `{{` and re-scans values as they travel from template to template; the
kubelet expands `$(VAR)` in container command, args and env. kfpc therefore carries every value
between templates in "K-form": `$` doubled and `{` written as `$(KFPC_L)`, where the container
defines `KFPC_L={`. K-form contains no `{{`, so Argo can never see a tag in it, and the kubelet
turns it back into the original text exactly where it is delivered: command, args and env.

Raw text (task outputs, workflow parameters) is turned into K-form inside Argo expressions with
`sprig.replace`; compile-time literals are escaped here in Python. Every value that is copied from
one template to the next goes through an expression tag (`{{=...}}`), never a simple tag, because
simple tags mangle control characters (strconv.Quote, util/template/simple_template.go:72 @v4.1.2).
"""

from __future__ import annotations

import base64
import json
import re

LBRACE_ENV = "KFPC_L"
LBRACE = f"$({LBRACE_ENV})"
_BRACE_PAIR = re.compile(r"\{(?=\{)")
_BRACE_AT_END = re.compile(r"\{(?=\{|\Z)")

# Text Argo may not see inside an expression literal: tag delimiters, quotes, backslashes, controls.
_PLAIN_LITERAL = re.compile(r"[A-Za-z0-9 _.,:;/@#%+=*!?^~()\[\]<>|-]*")


def literal(text: str, adjacent: bool = False) -> str:
    """K-form of compile-time text for a container field.

    Every `$` is doubled for the kubelet. A `{` is escaped where it could start a `{{` for Argo: when
    another `{` follows, or at the end of a piece that is followed by a run-time value (`adjacent`).
    Lone braces stay readable, which matters for the source code of Python components.
    """
    out = text.replace("$", "$$")
    if "{" not in out:
        return out
    return (_BRACE_AT_END if adjacent else _BRACE_PAIR).sub(LBRACE, out)


def braces_only(text: str) -> str:
    """Text for a container whose `$(VAR)` the kubelet should still expand (an init container):
    only a `{{` is hidden from Argo, as `$(KFPC_L){`, and the container defines KFPC_L."""
    return _BRACE_PAIR.sub(LBRACE, text)


def literal_all(text: str) -> str:
    """K-form with every brace escaped: the same rule the run-time expressions apply."""
    return text.replace("$", "$$").replace("{", LBRACE)


def k_expr(raw: str) -> str:
    """Argo expression turning raw text into K-form."""
    return f'sprig.replace("{{", "{LBRACE}", sprig.replace("$", "$$", {raw}))'


def u_expr(kform: str) -> str:
    """Argo expression turning K-form back into raw text (for conditions, loops, JSON selection).

    K-form is a sequence of `$$`, `$(KFPC_L)` and characters other than `$`, so replacing `$$` by a
    marker first makes the two escapes unambiguous.
    """
    return (f'sprig.replace("$(KFPC_D)", "$", sprig.replace("{LBRACE}", "{{", '
            f'sprig.replace("$$", "$(KFPC_D)", {kform})))')


def string_literal(text: str) -> str:
    """An expr-lang string literal that is safe inside an Argo tag, for any text."""
    if _PLAIN_LITERAL.fullmatch(text):
        return '"' + text + '"'
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f'sprig.b64dec("{encoded}")'


_DOUBLE_QUOTED = re.compile(r'"([^"\\]*)"')


def single_quoted(expression: str) -> str:
    """The same expression with single-quoted literals, for tags that end up inside text which is
    itself JSON (a podSpecPatch): there a `"` would be escaped twice and no longer parse. kfpc's
    literals never contain quotes or backslashes (see string_literal), so this is exact."""
    return _DOUBLE_QUOTED.sub(r"'\1'", expression)


def tag(expression: str) -> str:
    if "}}" in expression or "{{" in expression:
        raise AssertionError(f"expression would break Argo's tag parser: {expression}")
    return "{{=" + expression + "}}"


def json_text(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
