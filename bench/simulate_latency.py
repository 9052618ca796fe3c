"""Measured latency of every zoo model's plan at 256K..16K on the simulated Xtensa core.

Per model and budget: instructions executed by tigris_run (QEMU's exact
count, reference kernels, tools/iss), the ratio to the untiled plan of the
same model, MACs executed (tiling recomputes halo rows) against the model's
MACs, and the bytes kernels read from or wrote to the slow pool. A budget
the model does not fit SRAM-only is compiled with an 8 MiB slow pool; one it
does not fit at all is listed at the end. `exact`: the simulated output equals
the host runtime and the numpy reference interpreter.

Usage: python bench/simulate_latency.py [--models a,b] [--budgets 256K,...]
Recorded: bench/simulate_latency.txt
"""
from __future__ import annotations

import argparse
import sys

from simulate_common import MODELS, measure

BUDGETS = "256K,128K,64K,32K,16K"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--budgets", default=BUDGETS)
    args = ap.parse_args()
    flat: dict = {}
    print(f"{'model':26s} {'budget':>9s} {'calls':>6s} {'instructions':>15s} {'x untiled':>9s} "
          f"{'MACs':>13s} {'x model':>7s} {'slow B':>9s} {'insn/MAC':>8s} exact")

    def line(m):
        r = m.run
        if m.budget == "flat":
            flat[m.name] = r
        base = flat.get(m.name)
        ratio = r.run / base.run if base else float("nan")
        mratio = r.macs / base.macs if base else float("nan")
        print(f"{m.name:26s} {m.budget:>9s} {len(r.plan.calls):6d} {r.run:15,d} {ratio:9.3f} "
              f"{r.macs:13,d} {mratio:7.3f} {r.slow_bytes:9,d} {r.run / max(r.macs, 1):8.2f} "
              f"{'yes' if m.exact else 'NO'} {m.note}", flush=True)

    runs, skipped = measure(args.models.split(","), args.budgets.split(","), log=line)
    print("\nnot compiled (does not fit SRAM-only nor with an 8M slow pool):")
    for s in skipped:
        print(f"  {s}")
    return 0 if all(m.exact for m in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
