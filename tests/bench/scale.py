"""Cost at scale: time and peak memory of `kfpc compile` at 1,000 and 10,000 tasks (issue 13).

  python tests/bench/scale.py [--sizes 1000,10000] [--backends argo,tekton] [--repeat 3] [--ir-dir DIR]

For each backend and size: the wall time and peak resident memory (VmHWM of a fresh process
running the CLI, writing to /dev/null, with its modules already compiled as an installed kfpc has them), the ratio of the largest size's time to the smallest's,
and the YAML floor (libyaml C load of the IR + C dump of the output, cycle collector off) for the
in-process compile (as tests/bench/run.py measures it); and for Argo, the size of each object written for the
largest size and what each run holds while running. Targets: peak at 10,000 tasks at most
350 MB (aim: 20x the IR's size); 10,000 tasks at most 12x 1,000 tasks; the 1,000-task compile at or
below the floor.

IRs are tests/synthetic.py's, or with --sdk the kfp SDK's (tests/bench/wide_pipeline.py; the SDK
takes many minutes for 10,000 tasks); both are cached in --ir-dir. A Tekton run of 1,000 tasks or more is over etcd's size limit and
kfpc refuses it (backends/tekton/limits.py); here the refusal is turned into a no-op, after its
cost is paid, so that the compile's cost can be measured.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def build_ir(n: int, ir_dir: Path, sdk: bool) -> Path:
    """tests/synthetic.py's IR (as the SDK writes it: a component and an executor per task; every task
    reads the output of the one 10 before it), or with --sdk the kfp SDK's own."""
    path = ir_dir / f"{'wide' if sdk else 'chain'}-{n}.yaml"
    if not path.exists() and not sdk:
        import yaml

        sys.path.insert(0, str(REPO / "tests"))
        import synthetic

        with path.open("w") as out:
            yaml.dump(synthetic.chain_ir(n, stride=10), out, Dumper=yaml.CSafeDumper, sort_keys=False)
    if not path.exists():
        code = ("import sys; sys.path.insert(0, sys.argv[1]); import wide_pipeline; from kfp import compiler; "
                "compiler.Compiler().compile(wide_pipeline.pipeline, sys.argv[2])")
        subprocess.run([sys.executable, "-c", code, str(HERE), str(path)], check=True,
                       env={**os.environ, "KFPC_BENCH_TASKS": str(n)})
    return path


def allow_oversize() -> None:
    """Tekton's size check still runs (its cost is measured) but does not refuse."""
    sys.path.insert(0, str(REPO))
    from kfpc.errors import UnsupportedError

    try:
        from kfpc_backends.tekton import limits
    except ImportError:  # a kfpc from before the check (for before/after figures)
        return

    real = limits.check

    def measured_only(documents):
        try:
            return real(documents)
        except UnsupportedError:
            return []

    limits.check = measured_only


def child(backend: str, ir: str) -> int:
    """One compile through the CLI, as a user runs it; prints its wall time."""
    allow_oversize()
    from kfpc import cli

    start = time.perf_counter()
    status = cli.main(["compile", ir, "-b", backend, "-o", os.devnull])
    print(f"{time.perf_counter() - start:.6f} {_own_peak_rss()}")
    return status


def _own_peak_rss() -> int:
    """This process's own peak RSS in bytes: VmHWM of its memory map. Not ru_maxrss, which Linux
    carries over exec from the forking parent's map (exec_mmap keeps the larger high-water mark),
    so a child of a large benchmark process would report the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_child(backend: str, ir: Path, bytecode: str) -> tuple[float, int]:
    """Wall time inside the process (after imports) and peak RSS in bytes. The process keeps its
    compiled modules in `bytecode` (a temporary folder), as an installed kfpc has them: with
    PYTHONDONTWRITEBYTECODE set, every run would compile kfpc's modules again, a fixed cost that
    would flatter the ratio of the two sizes."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.Popen([sys.executable, __file__, "--child", backend, str(ir)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**env, "PYTHONPYCACHEPREFIX": bytecode})
    _, status, _ = os.wait4(proc.pid, 0)
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    if status:
        raise SystemExit(f"kfpc failed on {ir} ({backend}):\n{err}")
    seconds, peak = out.split()[-2:]
    return float(seconds), int(peak)


def floor(backend: str, ir: Path) -> tuple[float, float]:
    """(kfpc in-process compile, YAML floor) in seconds, as tests/bench/run.py measures them."""
    import yaml

    allow_oversize()
    import kfpc

    text = ir.read_text("utf-8")
    start = time.perf_counter()
    result = kfpc.compile_text(text, backend=backend, name=ir.name)
    result.text()
    ours = time.perf_counter() - start
    gc.disable()
    start = time.perf_counter()
    list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    yaml.dump_all(result.documents, Dumper=yaml.CSafeDumper)
    base = time.perf_counter() - start
    gc.enable()
    return ours, base


def object_sizes(ir: Path) -> None:
    """The Argo objects of one compile: each object's JSON bytes (at most 1 MiB each, issue 13) and
    what each run (the parent, every child Workflow with its libraries) holds while running
    (size.py's estimate, against the controller's 1 MiB)."""
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(REPO / "tests"))
    import argo_sim
    import kfpc
    from kfpc_backends.argo import size

    documents = kfpc.compile_text(ir.read_text("utf-8"), backend="argo", name=ir.name).documents
    largest = max(size.go_json_size(d) for d in documents)
    print(f"argo objects of {ir.name}: {len(documents)}, largest {largest / 1024:.0f} KiB (limit 1024 KiB)")
    for document in documents:
        name = document["metadata"].get("name") or document["metadata"].get("generateName")
        print(f"  {document['kind']} {name}: {size.go_json_size(document) / 1024:.0f} KiB")
    for group in argo_sim.run_groups(documents):
        parts = size.estimate(group)
        name = group[-1]["metadata"].get("name") or group[-1]["metadata"].get("generateName")
        print(f"  running {name}: about {sum(parts.values()) / 1024:.0f} KiB ("
              + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in parts.items() if v) + ")")


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        return child(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--backends", default="argo,tekton")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ir-dir", default=os.environ.get("KFPC_BENCH_IR_DIR", "/tmp/kfpc-bench"))
    parser.add_argument("--sdk", action="store_true", help="IRs written by the kfp SDK (slow at 10,000 tasks)")
    args = parser.parse_args()
    ir_dir = Path(args.ir_dir)
    ir_dir.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    irs = {n: build_ir(n, ir_dir, args.sdk) for n in sizes}
    print("| backend | tasks | IR bytes | `kfpc compile` time (fastest of --repeat) | peak RSS | peak / IR size |")
    print("|---|---|---|---|---|---|")
    times: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory(prefix="kfpc-bench-pyc-") as bytecode:
        for backend in args.backends.split(","):
            run_child(backend, irs[min(sizes)], bytecode)  # warm-up: compiles the modules once
            for n in sizes:
                runs = [run_child(backend, irs[n], bytecode) for _ in range(args.repeat)]
                times[backend, n] = min(t for t, _ in runs)  # the least disturbed run on a shared machine
                peak = max(m for _, m in runs)
                size = irs[n].stat().st_size
                print(f"| {backend} | {n:,} | {size:,} | {times[backend, n]:.2f} s | {peak / 1e6:.0f} MB "
                      f"| {peak / size:.1f}x |")
    print()
    small, large = min(sizes), max(sizes)
    for backend in args.backends.split(","):
        if small != large:
            print(f"{backend}: {large:,} tasks cost {times[backend, large] / times[backend, small]:.1f}x "
                  f"{small:,} tasks (target at most {large / small * 1.2:.0f}x)")
    if "argo" in args.backends.split(","):
        object_sizes(irs[large])
    for backend in args.backends.split(","):
        floor(backend, irs[small])  # warm-up: imports, the packed runtime
        ours, base = zip(*(floor(backend, irs[small]) for _ in range(args.repeat)))
        print(f"{backend}: {small:,}-task in-process compile vs YAML floor: median {statistics.median(ours) * 1000:.0f} "
              f"ms vs {statistics.median(base) * 1000:.0f} ms ({statistics.median(ours) / statistics.median(base):.2f}x),"
              f" fastest {min(ours) * 1000:.0f} ms vs {min(base) * 1000:.0f} ms ({min(ours) / min(base):.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
