"""With a slow pool, is every model's smallest fast budget its floor? For each
model: the floor tigris-tile names when nothing fits (the operator that needs
the most fast memory whatever the plan: the model outputs certain to stay in fast
memory live at it plus its smallest kernel scratch), then the plan at 16K (or at the floor + 1 KiB when
the floor is above 16K): it must fit.
Usage: python bench/slow_pool_floor.py [--slow 8M] [--target reference] [--models a,b]
       [--arch yolov5n,face_landmarks,unet,mobilenet_v3_small] [--lookalikes]"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "test" / "models"))
sys.path.insert(0, str(ROOT / "test" / "python"))
sys.path.insert(0, str(ROOT / "bench"))
import zoo  # noqa: E402
from traffic_by_budget import arch_model, lookalike, plan_figures  # noqa: E402

from tigris.analysis import plan_report  # noqa: E402
from tigris.budget import Budget, parse_size  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slow", default="8M")
    ap.add_argument("--target", default="reference")
    ap.add_argument("--models", default="")
    ap.add_argument("--arch", default="")
    ap.add_argument("--lookalikes", action="store_true")
    args = ap.parse_args()
    slow = parse_size(args.slow, "slow")
    names = args.models.split(",") if args.models else zoo.names()
    models = [(n, lambda n=n: str(zoo.build(n))) for n in names if n]
    models += [(n, lambda n=n: arch_model(n)) for n in args.arch.split(",") if n]
    if args.lookalikes:
        models += [(n, lambda n=n: lookalike(n)) for n in ("text_line_classifier", "text_detector")]
    print(f"target {args.target}, slow pool {args.slow}")
    missed = 0
    for name, build in models:
        path = build()
        t0 = time.perf_counter()
        r = plan_report(path, Budget(1024, slow), args.target)
        floor = (r["tiling"] or {}).get("floor")
        at = max(16 << 10, floor["bytes"] + 1024) if floor else 16 << 10
        f = plan_figures(path, Budget(at, slow), args.target)
        where = f"{floor['node']} ({floor['op']}) {floor['bytes']:7d} B" if floor else "-"
        if not f["fits"]:
            missed += 1
        print(f"{name:26s} floor {where:44s} at {at:6d}+{args.slow}: fits={int(f['fits'])} "
              f"fast={f['fast']:7d} traffic={f['traffic']:9d} macs={f['macs']:.3f} "
              f"{time.perf_counter() - t0:6.1f}s", flush=True)
    print(f"{missed} models that do not fit max(16K, floor + 1K)")


if __name__ == "__main__":
    main()
