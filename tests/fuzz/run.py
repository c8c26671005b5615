"""Run the fuzzer at length: `python tests/fuzz/run.py --cases 20000 [--seed 0] [--save DIR]`.

Prints the number of cases and the outcomes per class (ok, each KFPC code, crash, hang,
invalid-output) per backend; with --save, writes every bad case as a small YAML file ready to move
into tests/fuzz_cases/.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz import mutate, oracle  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=int, default=0, help="skip the first N cases")
    parser.add_argument("--backend", action="append", choices=("argo", "tekton"))
    parser.add_argument("--save", type=Path, help="folder for the bad cases")
    args = parser.parse_args()
    backends = args.backend or ["argo", "tekton"]
    counts = {b: collections.Counter() for b in backends}
    slowest = 0.0
    began = time.perf_counter()
    for n, seed_name, text, labels in mutate.cases(args.start + args.cases, args.seed):
        if n < args.start:
            continue
        for backend in backends:
            outcome = oracle.run_case(text, backend)
            counts[backend][outcome.kind] += 1
            slowest = max(slowest, outcome.seconds)
            if outcome.bad:
                print(f"case {n} ({seed_name}, {'+'.join(labels)}) {backend}: {outcome.kind}\n"
                      f"{outcome.detail}", flush=True)
                if args.save:
                    args.save.mkdir(parents=True, exist_ok=True)
                    (args.save / f"case-{args.seed}-{n}-{backend}.yaml").write_text(text, "utf-8")
        if (n + 1) % 500 == 0:
            print(f"... {n + 1} cases, {time.perf_counter() - began:.0f} s; " + "; ".join(
                f"{b}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts[b].items())) for b in backends),
                file=sys.stderr, flush=True)
    print(f"cases: {args.cases} (seed {args.seed}), slowest {slowest:.2f} s, total {time.perf_counter() - began:.0f} s")
    for backend in backends:
        print(f"{backend}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts[backend].items())))
    return 1 if any(counts[b][k] for b in backends for k in ("crash", "hang", "invalid-output", "KFPC700")) else 0


if __name__ == "__main__":
    sys.exit(main())
