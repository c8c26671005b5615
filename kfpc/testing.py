"""The conformance kit every backend passes: the built-ins and third-party plugins alike.

Subclass it in your plugin's tests and name your backend:

    from kfpc.testing import BackendConformance

    class TestMyEngine(BackendConformance):
        backend = "myengine"

pytest then holds the backend to the contract (docs/plugins.md), over the IR fixtures shipped in
kfpc's golden/ folder (or your own, via `fixtures()`):

* it is registered under its name, loads, and declares what the kit reads (`expected_unsupported`,
  `document_schema`, and `transforms` and `plan_transforms(options)` when it has them);
* every fixture compiles, or is listed in `expected_unsupported` with the reason and then raises
  kfpc.errors.UnsupportedError (a listed fixture that compiles is a stale entry and fails too);
  the smallest pipeline (`required_fixtures`) may never be listed;
* it produces documents: plain JSON data, each with apiVersion, kind and a name, carrying the
  pipeline's containers (every literal image of the plan appears);
* each document validates against the JSON Schema the backend supplies for its kind;
* warnings are non-empty strings;
* the same plan gives the same bytes, twice in one process and in two fresh processes with
  different hash seeds (set and dict-of-hash ordering differ between processes, not within one).

A backend that refuses everything, returns nothing, or changes from run to run fails. `failures()`
runs every case and returns what failed, for tools that want the verdict without pytest.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["GOLDEN", "BackendConformance", "fixture_name"]


def _golden() -> Path:
    """The IR fixtures: `golden/` of a source checkout, or the copy installed as kfpc.golden."""
    checkout = Path(__file__).resolve().parent.parent / "golden"
    return checkout if checkout.is_dir() else Path(__file__).resolve().parent / "golden"


GOLDEN = _golden()


def fixture_name(path: Path) -> str:
    """How `expected_unsupported` names a fixture: its folder for `<case>/pipeline.yaml`, else its stem."""
    return path.parent.name if path.name == "pipeline.yaml" else path.stem


class BackendConformance:
    #: The backend under test: its registered name, or (for a backend not installed, such as a
    #: test's toy) an instance of a module-level class that takes no arguments.
    backend: Any = ""
    #: Fixtures no backend may list as unsupported: one container echoing a parameter.
    required_fixtures: Sequence[str] = ("hello_container",)

    def fixtures(self) -> Iterable[Path]:
        """IR files to compile; override to use your own. None found is a failure: a conformance
        run over nothing would pass whatever the backend does."""
        found = sorted(GOLDEN.glob("*/pipeline.yaml"))
        assert found, f"no IR fixtures in {GOLDEN}; override fixtures() to name your own"
        return found

    def options(self) -> Any:
        """The compile options used for every fixture; override to exercise another setting."""
        from kfpc.backend import Options

        return Options()

    # -- the cases -----------------------------------------------------------------------------

    def test_registered_and_loadable(self) -> None:
        from kfpc import registry
        from kfpc.backend import PROTOCOL_VERSION

        if isinstance(self.backend, str):
            assert self.backend in registry.names(), f"{self.backend!r} is not in the kfpc.backends entry points"
        loaded = self._engine()
        assert loaded.protocol_version == PROTOCOL_VERSION
        assert isinstance(loaded.name, str) and loaded.name, "a backend has a name"
        assert isinstance(loaded.description, str) and loaded.description, "a backend has a description"

    def test_declares_its_contract(self) -> None:
        engine = self._engine()
        expected = getattr(engine, "expected_unsupported", None)
        assert isinstance(expected, Mapping), "expected_unsupported must be a mapping of fixture name to reason"
        for name, reason in expected.items():
            assert isinstance(name, str) and isinstance(reason, str) and reason.strip(), \
                f"expected_unsupported[{name!r}] must give the reason as text"
        known = {fixture_name(path) for path in self.fixtures()}
        stale = sorted(set(expected) - known)
        assert not stale, f"expected_unsupported names fixtures that do not exist: {stale}"
        required = sorted(set(expected) & set(self.required_fixtures))
        assert not required, f"every backend must compile {required}; it cannot be expected unsupported"
        assert callable(getattr(engine, "document_schema", None)), "the backend must supply document_schema()"
        declared = getattr(engine, "transforms", ())
        assert isinstance(declared, (tuple, list)) and all(callable(t) for t in declared), \
            "transforms must be a sequence of functions Plan -> Plan (kfpc.plan.transforms)"
        for_options = getattr(engine, "plan_transforms", None)
        if for_options is not None:
            given = for_options(self.options())
            assert isinstance(given, (tuple, list)) and all(callable(t) for t in given), \
                "plan_transforms(options) must return a sequence of functions Plan -> Plan (kfpc.plan.transforms)"

    def test_every_fixture_compiles_or_is_expected_unsupported(self) -> None:
        from kfpc.errors import UnsupportedError

        expected = self._expected()
        problems = []
        compiled = 0
        for name, outcome in self._outcomes():
            if isinstance(outcome, UnsupportedError):
                if name not in expected:
                    problems.append(f"{name}: refused but not in expected_unsupported: {outcome}")
            elif name in expected:
                problems.append(f"{name}: compiles, but expected_unsupported says {expected[name]!r} (stale entry)")
            else:
                compiled += 1
        assert not problems, "\n".join(problems)
        assert compiled, "no fixture compiled: a backend that refuses everything does not conform"

    def test_documents_are_plain_data(self) -> None:
        for name, result in self._compiled():
            assert result.documents, f"{name}: no documents"
            for doc in result.documents:
                assert isinstance(doc, dict), f"{name}: a document is a dict, not {type(doc).__name__}"
                for key in ("apiVersion", "kind"):
                    assert isinstance(doc.get(key), str) and doc[key], f"{name}: a document without {key}"
                metadata = doc.get("metadata")
                assert isinstance(metadata, dict) and (metadata.get("name") or metadata.get("generateName")), \
                    f"{name}: {doc['kind']} has no metadata.name or generateName"
                json.dumps(doc, allow_nan=False)  # only JSON types, no NaN/Infinity

    def test_documents_carry_the_pipeline(self) -> None:
        """Every container image the plan names appears in the output: a backend that renders
        an empty shell, or drops tasks, fails here."""
        from kfpc.plan.model import ContainerComponent

        for name, result, plan in self._compiled_with_plans():
            images = {"".join(c.image) for c in plan.components.values()  # type: ignore[arg-type]
                      if isinstance(c, ContainerComponent) and all(isinstance(t, str) for t in c.image)}
            written = set(_strings(list(result.documents)))
            missing = sorted(images - written)
            assert not missing, f"{name}: the documents never mention the images {missing}"

    def test_documents_match_the_backend_schema(self) -> None:
        import jsonschema

        engine = self._engine()
        validators: dict[tuple[str, str], Any] = {}
        for name, result in self._compiled():
            for doc in result.documents:
                kind = (str(doc.get("apiVersion")), str(doc.get("kind")))
                if kind not in validators:
                    schema = engine.document_schema(doc)
                    assert isinstance(schema, Mapping), f"{name}: the backend supplies no schema for {kind[0]} {kind[1]}"
                    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
                    validators[kind] = validator(schema)
                    assert not validators[kind].is_valid({}), \
                        f"the schema for {kind[0]} {kind[1]} accepts an empty document: it checks nothing"
                errors = [f"{'/'.join(map(str, e.absolute_path)) or '(document)'}: {e.message[:200]}"
                          for e in validators[kind].iter_errors(doc)]
                assert not errors, f"{name}: {kind[1]} does not match its schema:\n  " + "\n  ".join(errors[:5])

    def test_warnings_are_strings(self) -> None:
        for name, result in self._compiled():
            for warning in result.warnings:
                assert isinstance(warning, str) and warning.strip(), \
                    f"{name}: a warning must be non-empty text, not {warning!r}"

    def test_deterministic(self) -> None:
        for path in self.fixtures():
            first, second = self._compile(path), self._compile(path)
            if not isinstance(first, Exception) and not isinstance(second, Exception):
                assert first.text() == second.text(), f"{fixture_name(path)}: two compiles differ"
                assert first.text("json") == second.text("json")
            else:
                assert str(first) == str(second), f"{fixture_name(path)}: two compiles differ"

    def test_deterministic_across_processes(self) -> None:
        paths = [str(path) for path in self.fixtures()]
        here = _digests(self._engine(), paths, self.options())
        for seed in ("1", "2"):
            there = self._digests_in_subprocess(paths, seed)
            differ = [f"{name}: {a} here, {b} in a process with PYTHONHASHSEED={seed}"
                      for (name, a), (_, b) in zip(here, there) if a != b]
            assert len(there) == len(here) and not differ, \
                "output differs between processes:\n" + "\n".join(differ or [f"{len(there)} results, not {len(here)}"])

    # -- running the kit without pytest --------------------------------------------------------

    def failures(self, cases: Iterable[str] = ()) -> dict[str, str]:
        """Run every case (or those named); what failed, by case name, with the message. Empty means conformant."""
        failed = {}
        for case in sorted(cases or (n for n in dir(type(self)) if n.startswith("test_"))):
            try:
                getattr(self, case)()
            except Exception as exc:  # an assertion, or the backend's own crash: both are failures
                failed[case] = f"{type(exc).__name__}: {exc}"
        return failed

    # -- helpers -------------------------------------------------------------------------------

    def _engine(self) -> Any:
        from kfpc import registry

        if isinstance(self.backend, str):
            return registry.load(self.backend)
        registry.check(self.backend)
        return self.backend

    def _expected(self) -> Mapping[str, str]:
        expected = getattr(self._engine(), "expected_unsupported", None)
        return expected if isinstance(expected, Mapping) else {}

    def _compile(self, path: Path) -> Any:
        """The compile result, or the UnsupportedError the backend raised (anything else propagates)."""
        from kfpc import compiler
        from kfpc.errors import UnsupportedError

        plan = compiler.load_plan(str(path))[0]
        try:
            return compiler.compile_plan(plan, self._engine(), self.options())
        except UnsupportedError as exc:
            return exc

    def _outcomes(self) -> Iterator[tuple[str, Any]]:
        for path in self.fixtures():
            yield fixture_name(path), self._compile(path)

    def _compiled(self) -> Iterator[tuple[str, Any]]:
        """Fixtures that compiled; refusals are judged by the compile case alone."""
        for name, outcome in self._outcomes():
            if not isinstance(outcome, Exception):
                yield name, outcome

    def _compiled_with_plans(self) -> Iterator[tuple[str, Any, Any]]:
        from kfpc import compiler

        for path in self.fixtures():
            outcome = self._compile(path)
            if not isinstance(outcome, Exception):
                yield fixture_name(path), outcome, compiler.load_plan(str(path))[0]

    def _target(self) -> str:
        if isinstance(self.backend, str):
            return self.backend
        cls = type(self.backend)
        target = f"{cls.__module__}:{cls.__qualname__}"
        assert "<" not in target and cls.__module__ != "__main__", \
            f"{target}: a backend under test must be a module-level class a fresh process can import"
        return target

    def _digests_in_subprocess(self, paths: list[str], seed: str) -> list[tuple[str, str]]:
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # so a test's toy backend imports
        request = json.dumps({"backend": self._target(), "paths": paths, "options": _options_data(self.options())})
        done = subprocess.run([sys.executable, "-m", "kfpc.testing"], input=request, capture_output=True,
                              text=True, env=env, timeout=600, check=False)
        assert done.returncode == 0, f"the compile in a fresh process failed:\n{done.stderr[-2000:]}"
        return [(name, digest) for name, digest in json.loads(done.stdout)]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _digests(engine: Any, paths: Sequence[str], options: Any) -> list[tuple[str, str]]:
    """(fixture, sha256 of its YAML and JSON output, or of the refusal) per path."""
    from kfpc import compiler
    from kfpc.errors import UnsupportedError

    found = []
    for path in paths:
        plan = compiler.load_plan(path)[0]
        try:
            result = compiler.compile_plan(plan, engine, options)
            text = result.text() + "\0" + result.text("json") + "\0" + repr(list(result.warnings))
        except UnsupportedError as exc:
            text = f"unsupported: {exc}"
        found.append((fixture_name(Path(path)), hashlib.sha256(text.encode("utf-8")).hexdigest()))
    return found


def _options_data(options: Any) -> dict[str, Any]:
    """Options as JSON for the subprocess; run options are rebuilt field by field."""
    import dataclasses

    return {"pipeline_root": options.pipeline_root, "extra": [list(kv) for kv in options.extra],
            "params": [list(kv) for kv in options.params], "run": dataclasses.asdict(options.run)}


def _options_from(data: dict[str, Any]) -> Any:
    from kfpc.backend import Options
    from kfpc.run_options import RunOptions

    fields: dict[str, Any] = {k: tuple(tuple(i) if isinstance(i, list) else i for i in v) if isinstance(v, list) else v
              for k, v in data["run"].items()}
    return Options(pipeline_root=data["pipeline_root"], extra=tuple(tuple(kv) for kv in data["extra"]),
                   params=tuple(tuple(kv) for kv in data["params"]), run=RunOptions(**fields))


def _main() -> int:
    """`python -m kfpc.testing` < request: the digests of one backend's compiles, for the determinism case."""
    from kfpc import registry

    request = json.loads(sys.stdin.read())
    target = request["backend"]
    engine = registry.instantiate(target) if ":" in target else registry.load(target)
    json.dump(_digests(engine, request["paths"], _options_from(request["options"])), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
