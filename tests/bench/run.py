"""kfpc benchmarks, measured side by side in one run (figures go in the README).

  python tests/bench/run.py [--repeat N] [--sizes 250,500,1000,2000] [--backends argo,tekton]

1. Cold start: wall time of `kfpc compile` (per backend) on the seed pipeline's IR vs
   `kfp dsl compile` producing that IR (fresh processes, interleaved, medians). Target: at most 0.5x.
2. Large IR: kfpc's in-process compile time for an N-task IR written by the kfp SDK vs the YAML
   floor (libyaml C load of the IR + C dump of that backend's output). Target: at most 1.5x at
   1,000 tasks, and time per task roughly constant across N.
3. Manifest size: bytes of kfpc's Workflow vs the KFP backend compiler's for every IR of
   ../shared/corpus/kfp/pipelines that has a reference (target: median ratio at most 0.4, nothing
   over 1 MiB); for Tekton, bytes per task and the ratio to kfpc's own Argo output. Skipped when
   ../shared is absent.
Needs the dev extra (kfp) to build IRs. Timings are wall-clock medians: run on a quiet machine.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("KFPC_SHARED", REPO.parent / "shared"))
BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()}")
    return elapsed


def cold_start(repeat: int, work: Path, backends: list[str]) -> None:
    ir = work / "seed.yaml"
    source = REPO / "golden" / "seed_ml_pipeline" / "pipeline.py"
    kfp_cmd = [str(BIN / "kfp"), "dsl", "compile", "--py", str(source), "--function", "ml_pipeline",
               "--output", str(ir)]
    kfpc_cmds = {b: [str(BIN / "kfpc"), "compile", str(ir), "-b", b, "-o", str(work / f"seed-{b}.yaml")]
                 for b in backends}
    timed(kfp_cmd)
    for cmd in kfpc_cmds.values():
        timed(cmd)  # warm the OS file cache; every measured run is still a fresh process
    kfp_times: list[float] = []
    kfpc_times: dict[str, list[float]] = {b: [] for b in backends}
    for _ in range(repeat):
        kfp_times.append(timed(kfp_cmd))
        for b, cmd in kfpc_cmds.items():
            kfpc_times[b].append(timed(cmd))
    base = statistics.median(kfp_times)
    print("## Cold start (seed ML pipeline)\n")
    print("| command | median wall time | vs kfp |\n|---|---|---|")
    print(f"| `kfp dsl compile` (produces the IR) | {base * 1000:.0f} ms | |")
    for b, times in kfpc_times.items():
        mine = statistics.median(times)
        print(f"| `kfpc compile -b {b}` | {mine * 1000:.0f} ms | **{mine / base:.2f}x** |")
    print(f"\ntarget at most 0.5x; {repeat} interleaved runs each\n")


def build_wide_ir(n: int, work: Path) -> Path:
    path = work / f"wide-{n}.yaml"
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import wide_pipeline; from kfp import compiler; "
            "compiler.Compiler().compile(wide_pipeline.pipeline, sys.argv[2])")
    env = {**os.environ, "KFPC_BENCH_TASKS": str(n)}
    subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), str(path)], check=True, env=env)
    return path


def large_ir(sizes: list[int], repeat: int, work: Path, backend: str) -> None:
    import kfpc
    from scale import allow_oversize

    allow_oversize()  # Tekton runs of more than about 500 tasks are over etcd's limit: measured, not refused
    loader = yaml.CSafeLoader
    dumper = yaml.CSafeDumper
    print(f"## Large IR (kfp SDK pipeline of N Python tasks), {backend}\n")
    print("| tasks | IR bytes | YAML floor (C load + C dump) | kfpc compile (in process) | ratio | kfpc per task "
          "| `kfpc compile` wall time |")
    print("|---|---|---|---|---|---|---|")
    for n in sizes:
        ir = work / f"wide-{n}.yaml"
        if not ir.exists():
            build_wide_ir(n, work)
        text = ir.read_text("utf-8")
        floors, ours, walls = [], [], []
        for _ in range(repeat):
            start = time.perf_counter()
            result = kfpc.compile_text(text, backend=backend, name=ir.name)
            out = result.text()
            ours.append(time.perf_counter() - start)
            gc.disable()  # kfpc compiles with the cycle collector off; the floor gets the same
            start = time.perf_counter()
            list(yaml.load_all(text, Loader=loader))
            yaml.dump_all(result.documents, Dumper=dumper)
            floors.append(time.perf_counter() - start)
            gc.enable()
            walls.append(timed([sys.executable, str(Path(__file__).parent / "scale.py"), "--child", backend, str(ir)]))
        floor, mine = statistics.median(floors), statistics.median(ours)
        print(f"| {n} | {len(text.encode()):,} | {floor * 1000:.0f} ms | {mine * 1000:.0f} ms | {mine / floor:.2f}x "
              f"| {mine / n * 1e6:.0f} µs | {statistics.median(walls) * 1000:.0f} ms |")
        if backend == "tekton":
            print(f"|  | manifest: {len(out.encode()):,} bytes, {len(out.encode()) / n:,.0f} bytes per task | | | | | |")
        del out
    print("\ntarget: at most 1.5x the floor at 1,000 tasks; per-task cost flat as N grows\n")


def manifest_size() -> None:
    import kfpc

    pipelines = SHARED / "corpus" / "kfp" / "pipelines"
    reference = SHARED / "corpus" / "kfp-argo-reference"
    print("## Manifest size vs the KFP backend compiler\n")
    if not pipelines.is_dir() or not reference.is_dir():
        print(f"skipped: {SHARED} not found\n")
        return
    ratios, largest = [], (0, "")
    for ir in sorted(p for p in pipelines.rglob("*") if p.suffix in (".yaml", ".json")):
        ref = reference / (ir.stem + ".yaml")
        if not ref.exists():
            continue
        size = len(kfpc.compile_file(str(ir)).text().encode())
        ratios.append(size / ref.stat().st_size)
        largest = max(largest, (size, ir.name))
    ratios.sort()
    print(f"{len(ratios)} pipelines with a reference manifest\n")
    print("| statistic | kfpc bytes / KFP bytes |\n|---|---|")
    for label, q in (("25th percentile", 0.25), ("median", 0.5), ("75th percentile", 0.75)):
        print(f"| {label} | {ratios[int(q * (len(ratios) - 1))]:.2f} |")
    print(f"| max | {ratios[-1]:.2f} |")
    print(f"\nlargest kfpc manifest: {largest[0]:,} bytes ({largest[1]}); target: median at most 0.4, none over "
          "1 MiB\n")


def tekton_size() -> None:
    """Tekton has no reference compiler to compare with: bytes per task, and against kfpc's Argo."""
    import kfpc
    from kfpc import compiler
    from kfpc.errors import UnsupportedError

    pipelines = SHARED / "corpus" / "kfp" / "pipelines"
    print("## Tekton manifest size\n")
    if not pipelines.is_dir():
        print(f"skipped: {SHARED} not found\n")
        return
    per_task, vs_argo, largest = [], [], (0, "")
    for ir in sorted(p for p in pipelines.rglob("*") if p.suffix in (".yaml", ".json")):
        plan, _ = compiler.load_plan(str(ir))
        try:
            run = compiler.compile_plan(plan, "tekton")
        except UnsupportedError:  # e.g. tasks needing different nodes under Tekton's affinity assistant
            continue
        size = len(run.text().encode())
        spec = run.documents[0]["spec"]["pipelineSpec"]
        per_task.append(size / (len(spec["tasks"]) + len(spec.get("finally", []))))
        vs_argo.append(size / len(kfpc.compile_file(str(ir)).text().encode()))
        largest = max(largest, (size, ir.name))
    per_task.sort()
    vs_argo.sort()
    print(f"{len(per_task)} pipelines\n")
    print("| statistic | bytes per pipeline task | Tekton bytes / Argo bytes |\n|---|---|---|")
    for label, q in (("median", 0.5), ("75th percentile", 0.75), ("max", 1.0)):
        i = int(q * (len(per_task) - 1))
        print(f"| {label} | {per_task[i]:,.0f} | {vs_argo[i]:.2f} |")
    print(f"\nlargest Tekton manifest: {largest[0]:,} bytes ({largest[1]}), including the packed runtime "
          f"(one copy per run)\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--sizes", default="250,500,1000,2000")
    parser.add_argument("--backends", default="argo,tekton")
    args = parser.parse_args()
    backends = args.backends.split(",")
    if not shutil.which("kfp", path=str(BIN)):
        raise SystemExit("the benchmarks need the dev extra: pip install -e '.[dev]'")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cold_start(args.repeat, work, backends)
        for backend in backends:
            large_ir([int(s) for s in args.sizes.split(",")], max(3, args.repeat // 3), work, backend)
    if "argo" in backends:
        manifest_size()
    if "tekton" in backends:
        tekton_size()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
