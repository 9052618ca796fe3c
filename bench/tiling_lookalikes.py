"""Tiled against flat on the look-alikes of the two third-party models whose
tiled plans once differed (test/python/lookalikes.py): each quantized with
onnxruntime, compiled flat and at every budget below, SRAM-only and with an
8 MiB slow pool, for both targets; every plan that fits runs on the C runtime
on 3 seeded inputs and must give the flat plan's bytes.

    .venv/bin/python bench/tiling_lookalikes.py > bench/tiling_lookalikes.txt
    .venv/bin/python bench/tiling_lookalikes.py --write DIR   # only the int8 models, for
                                                              # bench/tiling_compare.py
"""
from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "test" / "python"))
logging.disable(logging.WARNING)

import lookalikes  # noqa: E402
from onnx_check import quantize  # noqa: E402

from tigris.budget import Budget  # noqa: E402
from tigris.errors import BudgetError  # noqa: E402
from tigris.plan.compiler import compile_onnx  # noqa: E402
from tigris.plan.host import HostPlan  # noqa: E402
from tigris.plan.verify_tiling import seeded_inputs  # noqa: E402

BUDGETS = [256, 128, 64, 32, 16]
MODELS = {"text_line_classifier": (lookalikes.text_line_classifier, (1, 3, 48, 192)),
          "text_detector": (lookalikes.text_detector, (1, 3, 128, 128))}


def write(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (build, shape) in MODELS.items():
        print(quantize(build(), folder / f"{name}.onnx", shape))
    return 0


def main() -> int:
    if sys.argv[1:2] == ["--write"] and len(sys.argv) == 3:
        return write(Path(sys.argv[2]))
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        for name, (build, shape) in MODELS.items():
            path = str(quantize(build(), Path(d) / f"{name}.onnx", shape))
            for target in ("reference", "esp32s3"):
                flat = compile_onnx(path, Budget(64 << 20), target, tile=False)
                host = HostPlan(flat.data)
                inputs = seeded_inputs(host.plan, 3, seed=4)
                want = [host.run(x) for x in inputs]
                print(f"{name} ({target}): flat arena {flat.arena} bytes", flush=True)
                for slow in (0, 8 << 20):
                    for kib in BUDGETS:
                        label = f"{kib}K" + ("+8M" if slow else "")
                        t = time.monotonic()
                        try:
                            c = compile_onnx(path, Budget(kib << 10, slow), target)
                        except BudgetError as e:
                            print(f"  {label:8s} does not fit ({str(e).split(': ', 1)[-1]})")
                            continue
                        plan = HostPlan(c.data)
                        diff = sum(int(np.count_nonzero(g != w)) for x, ws in zip(inputs, want)
                                   for g, w in zip(plan.run(x), ws))
                        bad += diff > 0
                        print(f"  {label:8s} arena {c.arena:7d}  calls {c.calls:4d}  "
                              f"{'EQUAL' if diff == 0 else f'DIFFERS in {diff} bytes'}  "
                              f"({time.monotonic() - t:.1f} s)", flush=True)
    print(f"plans differing from their flat plan: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
