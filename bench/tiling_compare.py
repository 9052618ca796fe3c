"""Tiled against flat for one int8 ONNX model, with whichever `tigris` package
is importable, so that an older checkout can be measured on the same model:
each budget's plan and the flat plan run on the C runtime of that checkout on
N seeded int8 inputs; prints, per budget, the differing bytes per input, the
largest difference in LSB and the output rows (NHWC axis 1) that differ.
It uses only compile_onnx, Budget and HostPlan, which older trees have too.

    .venv/bin/python bench/tiling_compare.py MODEL.onnx [--target T] [--inputs N] [--seed S] \
        BUDGET...

An older tree (before c63ccd3, say), its packages mapped as setup.py maps them:

    git archive c63ccd3^ | tar -x -C /tmp/old
    ln -s /tmp/old/passes /tmp/old/python/tigris/passes
    ln -s /tmp/old/dialects /tmp/old/python/tigris/dialects
    PYTHONPATH=/tmp/old/python .venv/bin/python bench/tiling_compare.py MODEL.onnx 128K+8M

`bench/tiling_lookalikes.py --write DIR` writes the look-alikes' int8 models.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("budgets", nargs="+")
    ap.add_argument("--target", default="reference")
    ap.add_argument("--inputs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)
    import tigris
    from tigris.budget import Budget
    from tigris.plan.compiler import compile_onnx
    from tigris.plan.host import HostPlan

    def run(data):
        plan = HostPlan(data)
        rng = np.random.default_rng(args.seed)
        shapes = [plan.plan.tensors[d.tensor].shape for d in plan.plan.inputs]
        xs = [[rng.integers(-128, 128, s, dtype=np.int8) for s in shapes]
              for _ in range(args.inputs)]
        return [plan.run(x)[0] for x in xs]

    tree = Path(tigris.__file__).resolve().parents[2]
    print(f"# tigris from {tree}; {Path(args.model).name}, target {args.target}, "
          f"{args.inputs} seeded inputs (seed {args.seed})")
    want = run(compile_onnx(args.model, Budget(64 << 20), args.target, tile=False).data)
    bad = 0
    for text in args.budgets:
        t = time.monotonic()
        try:
            c = compile_onnx(args.model, Budget.parse(text), args.target)
        except Exception as e:  # noqa: BLE001 (a budget that does not fit, say)
            print(f"{text:9s} {type(e).__name__}: {str(e).split(': ', 1)[-1]}", flush=True)
            continue
        got = run(c.data)
        per = [int(np.count_nonzero(g != w)) for g, w in zip(got, want)]
        line = f"{text:9s} arena {c.arena:7d}  calls {c.calls:5d}  "
        if not any(per):
            line += "EQUAL"
        else:
            bad += 1
            rows = sorted({int(r) for g, w in zip(got, want)
                           for r in np.argwhere(g != w)[:, 1]}) if want[0].ndim == 4 else []
            lsb = max(int(np.abs(g.astype(int) - w.astype(int)).max()) for g, w in zip(got, want))
            line += f"DIFFERS: bytes per input {per}, up to {lsb} LSB"
            if rows:
                line += f", rows {rows[0]}-{rows[-1]} ({len(rows)} rows)"
        print(f"{line}  ({time.monotonic() - t:.0f} s)", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
