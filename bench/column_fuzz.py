"""Column tiles end to end, long run (test/python/column_fuzz.py): random
conv / depthwise / pool chains split into 2 and 3 column tiles whatever the
cost model says, planned at 50% and 25% of the flat arena with an 8 MiB
slow pool and at 60% without, each plan run on the C runtime against the
flat plan, byte for byte; targets alternate (reference for even seeds,
esp32s3 for odd). The default pytest run checks a few seeds
(test/python/test_columns.py).

    .venv/bin/python bench/column_fuzz.py [--count N] [--start S] > bench/column_fuzz.txt
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "test" / "python"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--start", type=int, default=0)
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    import column_fuzz
    t0 = time.monotonic()
    plans = findings = 0
    for seed in range(args.start, args.start + args.count):
        finding, n = column_fuzz.check(seed, "reference" if seed % 2 == 0 else "esp32s3")
        plans += n
        if finding:
            findings += 1
            print(f"seed {seed}: FINDING {finding}", flush=True)
    print(f"seeds {args.start}..{args.start + args.count - 1}: {plans} column-tiled plans "
          f"compared with the flat plan, {findings} findings ({time.monotonic() - t0:.0f} s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
