"""Every zoo model at 256K, 64K and 16K on the simulated Xtensa core: bit-exact?

For each model and budget the plan is compiled SRAM-only; when that does not
fit, again with an 8 MiB slow pool (`16K+8M`). Each plan runs on QEMU's
Xtensa core (tools/iss) and on the host runtime with one seeded int8 input;
the outputs must equal each other and the numpy reference interpreter.
Columns: exact = sim==host==reference, calls, instructions in tigris_run,
the output checksum (CRC-32, `tigris simulate`), seconds (compile / simulate).

Usage: python bench/simulate_matrix.py [--models a,b] [--budgets 256K,64K,16K]
Recorded: bench/simulate_matrix.txt
"""
from __future__ import annotations

import argparse
import sys
import time

from simulate_common import MODELS, compile_plan, plan_input, run

SLOW = "8M"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--budgets", default="256K,64K,16K")
    args = ap.parse_args()
    print(f"{'model':26s} {'budget':>8s} {'exact':>6s} {'calls':>6s} {'instructions':>15s} "
          f"{'slow B':>9s} {'crc32':>9s} {'comp s':>7s} {'sim s':>6s}  note")
    bad = 0
    for name in args.models.split(","):
        for budget in args.budgets.split(","):
            c = compile_plan(name, budget)
            note = ""
            if c.path is None:
                note = f"SRAM only: {c.error}"
                c = compile_plan(name, f"{budget}+{SLOW}")
            if c.path is None:
                print(f"{name:26s} {budget:>8s} {'-':>6s}  does not compile (SRAM only, nor +{SLOW}): {c.error}")
                continue
            from tigris.plan.reader import read_plan_file
            x = plan_input(read_plan_file(str(c.path)))
            t0 = time.perf_counter()
            o = run(c.path, name, x)
            dt = time.perf_counter() - t0
            if o.run is None:
                bad += 1
                print(f"{name:26s} {c.budget:>8s} {'FAIL':>6s}  {o.error}")
                continue
            r = o.run
            exact = "yes" if o.host_equal and o.ref_equal else \
                ("HOST" if not o.host_equal else "REF")
            bad += exact != "yes"
            if exact == "REF":
                note = (note + "; " if note else "") + "sim == host but != reference"
            print(f"{name:26s} {c.budget:>8s} {exact:>6s} {len(r.plan.calls):6d} {r.run:15,d} "
                  f"{r.slow_bytes:9,d} {format(r.crc32, '08x'):>9s} {c.seconds:7.2f} {dt:6.2f}  {note}",
                  flush=True)
    print(f"\n{bad} plan(s) not bit-exact")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
