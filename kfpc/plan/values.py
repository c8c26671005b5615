"""How KFP parameter values look as text, the one form every engine carries them in.

Engines move parameters as strings. KFP's own launcher renders a value inside a command line as:
strings as they are, integers without a trailing `.0`, booleans `true`/`false`, lists and dicts as
compact JSON. Using that same text form everywhere means a container component sees exactly what it
would see under KFP, and the in-pod launcher can turn the text back into a typed value.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["text_form", "joined_text"]


def joined_text(parts: list[Any]) -> list[Any]:
    """The parts of a text built from pieces, with neighbouring strings joined and empty ones dropped,
    so that equal texts have equal parts (an Interpolation's parts alternate text and sources)."""
    merged: list[Any] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return merged


def text_form(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return "" if value is None else str(value)
