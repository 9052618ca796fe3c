"""Slow-pool traffic, fast peak, MACs ratio and planning seconds of every zoo
model at shrinking budgets with a slow pool: traffic must never grow with the
budget (a plan that fits 16K also fits 32K).
Usage: python bench/traffic_by_budget.py [--budgets 256K,128K,64K,32K,16K] [--slow 8M | --slow 0]
       [--target reference] [--models a,b] [--arch yolov5n,face_landmarks,unet,mobilenet_v3_small]
       [--lookalikes]
--arch adds the architecture look-alikes of test/python/test_architectures.py (quantized once
into a temporary folder)."""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "test" / "models"))
sys.path.insert(0, str(ROOT / "test" / "python"))
import zoo  # noqa: E402

from tigris.budget import Budget, parse_size  # noqa: E402
from tigris.dialects import attr_value, make_context  # noqa: E402
from tigris.driver import Device, pipeline, planning_pipeline, run_pipeline  # noqa: E402
from tigris.importers.model import import_model  # noqa: E402
from tigris.passes.registry import functions  # noqa: E402
from tigris.targets import ROUNDING  # noqa: E402


def plan_figures(path: str, budget: Budget, target: str) -> dict:
    ctx = make_context()
    res = import_model(path, ctx, None, rounding=ROUNDING[target])
    t0 = time.perf_counter()
    run_pipeline(ctx, res.module, planning_pipeline(Device(target, 16, budget)), Path(path).name)
    seconds = time.perf_counter() - t0
    with ctx:
        f = functions(res.module.operation)[0]
        t = attr_value(f.attributes["tigris.tiling"])
        arena = attr_value(f.attributes["tigris.arena"])["size"]
    return {"fits": arena <= budget.fast, "fast": arena, "traffic": t["slow_traffic"],
            "macs": t["macs"] / max(1, t["model_macs"]), "seconds": seconds}


def arch_model(name: str) -> str:
    import tempfile
    from onnx_check import quantize
    from test_architectures import BUILDERS
    build, side, draw = BUILDERS[name]
    path = Path(tempfile.mkdtemp()) / f"{name}.onnx"
    return str(quantize(build(), path, (1, 3, side, side), draw=draw))


def lookalike(name: str) -> str:
    """A look-alike of test/python/lookalikes.py, quantized into a temporary folder."""
    import tempfile
    import lookalikes
    from onnx_check import quantize
    model = getattr(lookalikes, name)()
    shape = tuple(d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim)
    return str(quantize(model, Path(tempfile.mkdtemp()) / f"{name}.onnx", shape))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budgets", default="256K,128K,64K,32K,16K")
    ap.add_argument("--slow", default="8M")
    ap.add_argument("--target", default="reference")
    ap.add_argument("--models", default="")
    ap.add_argument("--arch", default="")
    ap.add_argument("--lookalikes", action="store_true",
                    help="also the text-line classifier and text detector look-alikes")
    args = ap.parse_args()
    budgets = [parse_size(b, "budget") for b in args.budgets.split(",")]
    slow = 0 if args.slow == "0" else parse_size(args.slow, "slow")   # 0: SRAM only
    names = args.models.split(",") if args.models else (
        [] if args.arch or args.lookalikes else zoo.names())
    models = [(n, lambda n=n: str(zoo.build(n))) for n in names]
    models += [(n, lambda n=n: arch_model(n)) for n in args.arch.split(",") if n]
    if args.lookalikes:
        models += [(n, lambda n=n: lookalike(n)) for n in ("text_line_classifier", "text_detector")]
    print(f"target {args.target}, slow pool {args.slow}; traffic in bytes per inference")
    worse = 0
    for name, build in models:
        path = build()
        prev = None        # (budget, traffic) of the next larger budget that fit
        for b in budgets:  # largest first
            r = plan_figures(path, Budget(b, slow), args.target)
            flag = ""
            if prev is not None and r["fits"] and prev[1] > r["traffic"]:
                flag = f"  WORSE: {prev[1]} at {prev[0] // 1024}K"
                worse += 1
            print(f"{name:26s} {b // 1024:5d}K+{args.slow} fits={int(r['fits'])} "
                  f"fast={r['fast']:7d} traffic={r['traffic']:9d} macs={r['macs']:.3f} "
                  f"{r['seconds']:6.1f}s{flag}", flush=True)
            if r["fits"]:
                prev = (b, r["traffic"])
    print(f"{worse} budget steps where a larger budget moved more slow traffic")


if __name__ == "__main__":
    main()
