"""sha256 of the plan `tigris compile` writes for every zoo model at three
budgets (flat, tiled in SRAM, tiled with a slow pool), both targets: a
refactor of the planner must leave every line unchanged.
Usage: python bench/zoo_plan_hashes.py [--budgets 8M,128K,64K+8M] [--targets reference,esp32s3]"""
import argparse
import hashlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "test" / "models"))
import zoo  # noqa: E402

from tigris.budget import Budget  # noqa: E402
from tigris.errors import TigrisError  # noqa: E402
from tigris.plan.compiler import compile_onnx  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budgets", default="8M,128K,64K+8M")
    ap.add_argument("--targets", default="reference,esp32s3")
    args = ap.parse_args()
    for target in args.targets.split(","):
        for name in zoo.names():
            path = str(zoo.build(name))
            for b in args.budgets.split(","):
                t0 = time.perf_counter()
                try:
                    c = compile_onnx(path, Budget.parse(b), target)
                    digest = hashlib.sha256(c.data).hexdigest()[:16]
                    size = len(c.data)
                except TigrisError as e:
                    digest, size = "refused:" + hashlib.sha256(str(e).encode()).hexdigest()[:8], 0
                print(f"{target:9s} {name:26s} {b:8s} {digest:24s} {size:8d} "
                      f"{time.perf_counter() - t0:6.1f}s", flush=True)


if __name__ == "__main__":
    main()
