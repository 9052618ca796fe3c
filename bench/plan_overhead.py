"""Binary plan sizes for the model zoo, and the runtime core's code size.

Every zoo model compiled with `tigris compile -m 1M` (flat): plan bytes, calls,
fast arena, the model's constants (weights and biases), the per-channel
multiplier/shift arrays and tables the plan adds, and the plan's own bytes
(header, tensor/call/I/O tables, 16-byte alignment padding). "overhead" is
plan bytes minus the model's weights and biases. Then `size` of the runtime
core (runtime/src, no kernels) built with the host gcc.

    .venv/bin/python bench/plan_overhead.py > bench/plan_overhead.txt
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "test" / "models"))

import zoo  # noqa: E402
from tigris.budget import Budget  # noqa: E402
from tigris.plan.compiler import compile_onnx  # noqa: E402
from tigris.plan.host import include_dirs, sources  # noqa: E402
from tigris.plan.reader import read_plan  # noqa: E402


def main() -> None:
    print("# .venv/bin/python bench/plan_overhead.py   (plan format 1, -m 1M, target reference)")
    print(f"{'model':28s} {'plan B':>9s} {'calls':>5s} {'tensors':>7s} {'arena B':>8s} "
          f"{'weights B':>9s} {'params B':>8s} {'tables B':>8s} {'pad B':>6s} "
          f"{'overhead B':>10s} {'ovh %':>6s} {'compile s':>9s}")
    for name in zoo.names():
        t0 = time.perf_counter()
        c = compile_onnx(str(zoo.build(name)), Budget(1 << 20))
        secs = time.perf_counter() - t0
        p = read_plan(c.data)
        model = c.weights - c.params
        tables = p.weights_offset
        pad = len(c.data) - tables - c.weights
        over = len(c.data) - model
        print(f"{name:28s} {len(c.data):9d} {len(p.calls):5d} {len(p.tensors):7d} "
              f"{p.fast_size:8d} {model:9d} {c.params:8d} {tables:8d} {pad:6d} "
              f"{over:10d} {100 * over / len(c.data):5.1f}% {secs:9.2f}")
    print()
    print("weights: the model's constants (int8 weights, int32 biases); params: per-channel")
    print("multiplier/shift arrays, LUT/softmax/resize tables; tables: header + tensor, call and")
    print("I/O tables; pad: 16-byte alignment of the constants; overhead = plan - weights.")
    print()
    core = [f for f in sources() if f.parent == ROOT / "runtime" / "src"]
    with tempfile.TemporaryDirectory() as tmp:
        for opt in ("-O2", "-Os"):
            objs = []
            for src in core:
                obj = Path(tmp) / f"{src.stem}{opt}.o"
                subprocess.run(["gcc", "-std=c99", opt, "-c", str(src), "-o", str(obj)]
                               + [f"-I{d}" for d in include_dirs()], check=True)
                objs.append(str(obj))
            out = subprocess.run(["size", "-t"] + objs, capture_output=True, text=True,
                                 check=True).stdout.strip().splitlines()
            total = out[-1].split()
            print(f"runtime core (runtime/src, {len(core)} files, no kernels), gcc {opt} x86-64: "
                  f"text {total[0]} B, data {total[1]} B, bss {total[2]} B")
    gcc = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"({gcc})")


if __name__ == "__main__":
    main()
