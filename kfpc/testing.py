"""A conformance test base for backend authors (built-ins use it too).

Subclass it in your plugin's tests and set `backend`:

    from kfpc.testing import BackendConformance

    class TestMyEngine(BackendConformance):
        backend = "myengine"

pytest then checks the contract every backend must keep, over the IR fixtures shipped in kfpc's
golden/ folder (or your own, via `fixtures()`): it is registered and loads by name, it returns
plain JSON-serialisable documents, the same plan always gives the same bytes, and what it cannot
express is reported as kfpc.errors.UnsupportedError instead of any other exception.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

def _golden() -> Path:
    """The IR fixtures: `golden/` of a source checkout, or the copy installed as kfpc.golden."""
    checkout = Path(__file__).resolve().parent.parent / "golden"
    return checkout if checkout.is_dir() else Path(__file__).resolve().parent / "golden"


GOLDEN = _golden()


class BackendConformance:
    backend: str = ""

    def fixtures(self) -> Iterable[Path]:
        """IR files to compile; override to use your own. None found is a failure: a conformance
        run over nothing would pass whatever the backend does."""
        found = sorted(GOLDEN.glob("*/pipeline.yaml"))
        assert found, f"no IR fixtures in {GOLDEN}; override fixtures() to name your own"
        return found

    def _compile(self, path: Path):
        from kfpc import compiler
        from kfpc.errors import UnsupportedError

        plan, _ = compiler.load_plan(str(path))
        try:
            return compiler.compile_plan(plan, self.backend)
        except UnsupportedError:
            return None

    def test_registered_and_loadable(self) -> None:
        from kfpc import registry
        from kfpc.backend import PROTOCOL_VERSION

        assert self.backend in registry.names(), f"{self.backend!r} is not in the kfpc.backends entry points"
        loaded = registry.load(self.backend)
        assert loaded.protocol_version == PROTOCOL_VERSION
        assert loaded.description

    def test_documents_are_plain_data(self) -> None:
        for path in self.fixtures():
            result = self._compile(path)
            if result is None:
                continue
            assert result.documents, f"{path}: no documents"
            for doc in result.documents:
                assert isinstance(doc, dict) and doc.get("apiVersion") and doc.get("kind"), path
                json.dumps(doc, allow_nan=False)  # only JSON types, no NaN/Infinity

    def test_deterministic(self) -> None:
        for path in self.fixtures():
            first, second = self._compile(path), self._compile(path)
            if first is None:
                continue
            assert first.text() == second.text(), f"{path}: two compiles differ"
            assert first.text("json") == second.text("json")
