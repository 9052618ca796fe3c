"""The tiling fuzzer's long run: random small CNNs (test/models/random_cnn.py),
each compiled flat and at 4 budgets (70% and 45% of the flat arena SRAM-only,
50% and 20% with an 8 MiB slow pool; a budget too tight is replaced by the
smallest the planner finds), every plan on the C runtime on 2
seeded inputs, byte for byte against the flat plan; targets alternate
(reference for even seeds, esp32s3 for odd). A failing model is shrunk to a
minimal one and printed. The default pytest run does a bounded ~40 s of this
(test/python/test_tiling_fuzz.py).

    .venv/bin/python bench/tiling_fuzz.py [--count N] [--start S] [--jobs J] > bench/tiling_fuzz.txt
"""
from __future__ import annotations

import argparse
import collections
import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "test" / "python"))


def one(seed: int):
    import logging
    logging.disable(logging.WARNING)
    import tiling_fuzz
    from tiling_fuzz import random_cnn
    tiling_fuzz.REJECTED = []
    target = "reference" if seed % 2 == 0 else "esp32s3"
    spec = random_cnn.random_spec(seed)
    t = time.monotonic()
    finding = tiling_fuzz.check(spec, target)
    status = "ok"
    if tiling_fuzz.REJECTED:
        status = "import refused: " + tiling_fuzz.REJECTED[0].split(": ", 1)[-1][:80]
    elif finding is not None:
        small, finding = tiling_fuzz.shrink(spec, target, finding)
        status = f"FINDING: {finding}; minimal: {small.describe()}"
    compared, tiling_fuzz.COMPILED[0] = tiling_fuzz.COMPILED[0], 0
    return seed, target, status, time.monotonic() - t, compared


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    t0 = time.monotonic()
    counts = collections.Counter()
    plans = 0
    findings = []
    with multiprocessing.Pool(args.jobs, maxtasksperchild=50) as pool:
        for seed, target, status, _, compiled in pool.imap_unordered(
                one, range(args.start, args.start + args.count)):
            plans += compiled
            key = "ok" if status == "ok" else status.split(":")[0]
            counts[(target, key)] += 1
            done = sum(counts.values())
            if done % 50 == 0:
                print(f"# {done} models, {plans} tiled plans compared, {len(findings)} findings, "
                      f"{time.monotonic() - t0:.0f} s", flush=True)
            if status.startswith("FINDING"):
                findings.append(f"seed {seed} ({target}): {status}")
                print(findings[-1], flush=True)
    print(f"models {args.count} (seeds {args.start}..{args.start + args.count - 1}), "
          f"{plans} tiled plans compared, {time.monotonic() - t0:.0f} s with {args.jobs} jobs")
    for (target, key), n in sorted(counts.items()):
        print(f"  {target:10s} {key:16s} {n}")
    print(f"findings (a tiled plan differing from the flat plan, or an internal error): {len(findings)}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
