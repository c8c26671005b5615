"""How large an object Kubernetes will store, shared by every backend.

Kubernetes keeps each object in etcd, which refuses a request over 1.5 MiB by default (etcd's
`--max-request-bytes`, 1572864); the API server's own cap on a request body (3 MiB) is looser, so
etcd's is the one an object meets first: above it `kubectl create` fails, and an object that only
its status pushes over it is created but can never record its progress. Custom resources are
stored as JSON, written by Go's encoding/json.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["ETCD_REQUEST_LIMIT", "go_json_size", "go_text_size", "kib"]

ETCD_REQUEST_LIMIT = 1572864  # etcd's default --max-request-bytes (1.5 MiB)


def go_json_size(value: Any) -> int:
    """Bytes of Go's `json.Marshal`: UTF-8 kept as is, but `<`, `>` and `&` written as `\\u003c`
    etc. (encoding/json's HTML escaping), five bytes more each."""
    return go_text_size(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def go_text_size(text: str) -> int:
    """go_json_size of a value from its compact JSON text (json.dumps, ensure_ascii off)."""
    return len(text.encode("utf-8")) + 5 * sum(text.count(c) for c in "<>&")


def kib(size: int) -> str:
    return f"{size / 1024:,.0f} KiB"
