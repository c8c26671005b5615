"""docs/plugins.md's example backend (docs/example/kfpc_flat.py) passes the conformance kit, and the
guide quotes it verbatim."""

from __future__ import annotations

import re

from kfpc_flat import FlatBackend

from conftest import EXAMPLE, REPO
from kfpc.testing import BackendConformance


class TestFlatConformance(BackendConformance):
    backend = FlatBackend()


def test_the_guide_quotes_the_example_verbatim() -> None:
    guide = (REPO / "docs" / "plugins.md").read_text("utf-8")
    source = (EXAMPLE / "kfpc_flat.py").read_text("utf-8")
    excerpts = re.findall(r"```python\n# docs/example/kfpc_flat.py\n(.*?)```", guide, re.S)
    assert len(excerpts) >= 3
    for excerpt in excerpts:
        assert excerpt in source, f"docs/plugins.md quotes code kfpc_flat.py no longer has:\n{excerpt}"


def test_the_example_compiles_hello_container() -> None:
    import kfpc

    plan, _ = kfpc.load_plan(str(REPO / "golden" / "hello_container" / "pipeline.yaml"))
    result = kfpc.compile_plan(plan, FlatBackend())
    assert result.documents[0]["spec"] == {
        "params": [{"name": "message", "default": "hello world"}],
        "steps": [{"name": "echo", "image": "alpine:3.19", "command": ["echo", "$(params.message)"]}],
    }
