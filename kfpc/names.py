"""Kubernetes-safe, collision-free, stable names.

KFP names are free text ("Produce!", very long generated names); engines want DNS-1123 labels with
length limits. A name is kept as written when it is already valid; otherwise it is cleaned and, if
it changed or had to be cut, gets a short hash of the *original* text. So two names that differ
only past the length limit still get different results, and the same input always gives the same
name.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["short_hash", "clean", "dns_label", "Namer"]


_INVALID = re.compile(r"[^a-z0-9-]+")
_DASHES = re.compile(r"-{2,}")
_VALID = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def short_hash(text: str, length: int = 5) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def clean(text: str) -> str:
    """Lowercase, invalid runs to '-', starting with a letter and ending with a letter or digit."""
    out = _DASHES.sub("-", _INVALID.sub("-", text.lower())).strip("-")
    if not out or not out[0].isalpha():
        out = "n-" + out if out else "n"
    return out.strip("-") or "n"


def dns_label(text: str, max_len: int = 63) -> str:
    """A valid label for `text`: unchanged when already valid, else cleaned plus a hash suffix."""
    if len(text) <= max_len and _VALID.fullmatch(text):
        return text
    suffix = short_hash(text)
    base = clean(text)[: max_len - len(suffix) - 1].rstrip("-")
    return f"{base}-{suffix}" if base else f"n{suffix}"


@dataclass
class Namer:
    """Hands out unique labels within one namespace (a DAG's tasks, a workflow's templates).

    `clash` lets an engine refuse names that are unique but would still collide in what it derives
    from them (Tekton names a fanned-out task's runs `<task>-<i>`)."""

    max_len: int = 63
    taken: set[str] = field(default_factory=set)

    def reserve(self, name: str) -> None:
        self.taken.add(name)

    def name(self, text: str, clash: Callable[[str], bool] | None = None) -> str:
        candidate = dns_label(text, self.max_len)
        longest = min(16, self.max_len - 2)  # room for at least "n-" before the suffix
        length = 5
        attempt = 0
        while candidate in self.taken or (clash is not None and clash(candidate)):
            # Longer hashes first; once they stop fitting, numbered seeds, so every attempt is new and
            # the loop ends however many copies of one name there are.
            attempt += 1
            length += 2
            seed = text + "\x00" if length <= longest else f"{text}\x00{attempt}"
            suffix = short_hash(seed, min(length, longest))
            base = clean(text)[: self.max_len - len(suffix) - 1].rstrip("-") or "n"
            candidate = f"{base}-{suffix}"
        self.taken.add(candidate)
        return candidate
