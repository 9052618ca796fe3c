"""Every kernel kind alone on the simulated Xtensa core: instructions per call and per MAC.

Seeded model-sized cases (tools/iss/kcases.py) through the runtime's entry
point for the kind (tigris_run_* dispatcher, or tigris_* when there is none)
run on QEMU's Xtensa core with one exact count per call (tools/iss/kcall.c),
and on the host; every output must equal the host's and the numpy reference.
Columns: calls, MACs (element operations for non-MAC kinds), instructions
(min / median / max per call) and instructions per MAC (total / total).

Usage: python bench/simulate_kernels.py [--cases N]
Recorded: bench/simulate_kernels.txt
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict

import numpy as np

from tigris import simulate as sim

sys.path.insert(0, str(sim.ISS))
import kcall  # noqa: E402
import kcases  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=16)
    args = ap.parse_args()
    rng = np.random.default_rng(3)
    calls, wants = [], []
    for kind, gen in kcases.CASES.items():
        for _ in range(args.cases):
            c, w = gen(rng, size="model")
            calls.append(c)
            wants.append(w)
    s, h = kcall.replay(calls)
    rows = defaultdict(list)
    bad = 0
    for i, (c, w) in enumerate(zip(calls, wants)):
        ok = (s.returns[i] == 0 and s.guards_ok[i] and s.outputs[i] == h.outputs[i]
              and s.outputs[i][0] == w.tobytes())
        bad += not ok
        rows[c.kind].append((c.work, s.counts[i], c.name))
    print(f"{'kind':18s} {'entry point':32s} {'calls':>5s} {'MACs':>11s} {'min':>10s} "
          f"{'median':>10s} {'max':>11s} {'insn/MAC':>9s}")
    for kind, v in rows.items():
        work = sum(x for x, _, _ in v)
        n = [y for _, y, _ in v]
        print(f"{kind:18s} {v[0][2]:32s} {len(v):5d} {work:11,d} {min(n):10,d} "
              f"{int(np.median(n)):10,d} {max(n):11,d} {sum(n) / max(work, 1):9.2f}")
    print(f"\n{len(calls)} calls, {bad} not bit-exact (simulated == host == reference)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
