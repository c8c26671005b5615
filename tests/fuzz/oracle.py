"""What every fuzzed IR file must get from kfpc: a KfpcError other than KFPC700, or manifests that pass
the backend's checks, reload to the same data (in PyYAML and in independent YAML 1.1 and 1.2 readers)
and are byte-identical on a second compile. A hang is
cut by a watchdog (SIGALRM) so one bad case cannot stall the whole run."""

from __future__ import annotations

import contextlib
import signal
import time
import traceback
from dataclasses import dataclass
from typing import Iterator

import yaml

import kfpc
from kfpc.errors import KfpcError

HANG_SECONDS = 10.0


class Hang(Exception):
    pass


@contextlib.contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    def fire(signum, frame):  # noqa: ARG001
        raise Hang(f"no result after {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class Outcome:
    kind: str  # "ok", a KFPC code, "crash", "hang" or "invalid-output"
    detail: str = ""
    seconds: float = 0.0

    @property
    def bad(self) -> bool:
        return self.kind in ("crash", "hang", "invalid-output", "KFPC700")


def output_problems(backend: str, text: str, documents) -> list[str]:
    import argo_checks
    import tekton_checks

    import yaml_readers

    loaded = list(yaml.safe_load_all(text))
    if loaded != [dict(d) for d in documents]:
        return ["the YAML text does not reload to the documents compiled"]
    misread = yaml_readers.check([dict(d) for d in documents], text)  # YAML 1.1 and 1.2 readers agree
    if misread:
        return misread[:5]
    if backend == "argo":
        if len(loaded) == 1:
            return argo_checks.problems_any(loaded[0])
        # Library WorkflowTemplates (whose DAGs may call each other by templateRef) are checked as
        # objects, and the run with every template it calls copied in.
        run = argo_checks.inline_libraries(loaded)  # may pass Argo 4's caps: only the objects are capped
        run = {**run, "kind": "Workflow", "spec": run["spec"].get("workflowSpec", run["spec"])}
        return ([p for doc in loaded for p in argo_checks.schema_problems(doc)]
                + argo_checks.argument_values(run) + argo_checks.references(run))
    return tekton_checks.problems_all(loaded)


def run_case(text: str, backend: str, name: str = "fuzz.yaml", hang: float = HANG_SECONDS) -> Outcome:
    start = time.perf_counter()
    try:
        with watchdog(hang):
            try:
                result = kfpc.compile_text(text, backend=backend, name=name)
                out = result.text()
            except KfpcError as exc:
                return Outcome(exc.code, str(exc)[:2000], time.perf_counter() - start)
            again = kfpc.compile_text(text, backend=backend, name=name).text()
    except Hang as exc:
        return Outcome("hang", str(exc), time.perf_counter() - start)
    except Exception:  # noqa: BLE001 - the oracle's whole point is to catch what escapes
        return Outcome("crash", traceback.format_exc(limit=-6), time.perf_counter() - start)
    seconds = time.perf_counter() - start
    if again != out:
        return Outcome("invalid-output", "two compiles gave different bytes", seconds)
    found = output_problems(backend, out, result.documents)
    if found:
        return Outcome("invalid-output", "\n".join(found[:10]), seconds)
    return Outcome("ok", "", seconds)
