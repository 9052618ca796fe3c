"""Memory plan of every zoo model: naive (ONNX order) vs scheduled peak, packed
arena vs lower bound, and the TFLM greedy / no-reuse baselines.
Usage: python bench/plan_zoo.py [--target esp32s3]"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "test" / "models"))
import zoo  # noqa: E402

from tigris.analysis import analyze  # noqa: E402
from tigris.budget import Budget  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="reference")
    args = ap.parse_args()
    k = 1024
    print(f"target {args.target}, alignment 16; sizes in KiB")
    print(f"{'model':26s} {'naive':>8s} {'sched':>8s} {'arena':>8s} {'bound':>8s} {'gap':>5s} "
          f"{'tflm':>8s} {'noreuse':>8s} {'saved':>6s} {'s':>5s}")
    for name in zoo.names():
        t0 = time.perf_counter()
        r = analyze(str(zoo.build(name)), Budget(1 << 30), None, args.target)
        dt = time.perf_counter() - t0
        p = r["peak"]
        saved = 1 - p["plan"] / p["tflm_greedy"]
        print(f"{name:26s} {p['naive'] / k:8.2f} {p['scheduled'] / k:8.2f} {p['plan'] / k:8.2f} "
              f"{p['lower_bound'] / k:8.2f} {p['gap']:5d} {p['tflm_greedy'] / k:8.2f} "
              f"{p['no_reuse'] / k:8.2f} {saved:6.1%} {dt:5.2f}")


if __name__ == "__main__":
    main()
