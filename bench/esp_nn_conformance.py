"""ESP-NN conformance table: the runtime built against Espressif's ESP-NN C kernels
(ANSI and generic optimized, each without and with TIGRIS_ESP_NN_HAS_GROUPED_CONV /
HAS_MEAN) against the reference build, byte for byte. What
test/python/test_esp_nn_conformance.py asserts, as a table to quote.

    ESP_NN_DIR=/path/to/esp-nn .venv/bin/python bench/esp_nn_conformance.py \
        [--cases 2000] [--models a,b] > bench/esp_nn_conformance.txt

ESP_NN_DIR: the source of github:espressif/esp-nn v1.2.3 (commit d45b843).
Part 1 runs the kernel test files (random cases per test) against each build;
part 2 compiles every zoo model and the 1x1 cases ESP-NN's generic conv got wrong
for --target esp32s3 and esp32 untiled at 8M, and as planned at 8M and 32K+8M
(tiled; the small cases also at 4K+8M), runs each plan on
two seeded inputs on every build and counts the output bytes that differ from the
reference build (0 everywhere is the pass); part 3 runs small --target esp32 plans
on the simulated Xtensa core (tools/iss) with the reference kernels and with the
generic optimized ones linked in, and counts differing bytes and instructions.
A budget tigris refuses (BudgetError) is listed with tigris's one-line reason, in
the table and again at the end; a refusal at flat or 8M, or any other error while
planning, counts as a failure.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "test" / "python"))
sys.path.insert(0, str(ROOT / "test" / "models"))

import esp_nn_conformance as conf  # noqa: E402
import zoo  # noqa: E402
from tigris.budget import Budget  # noqa: E402
from tigris.errors import BudgetError  # noqa: E402
from tigris.plan.compiler import compile_onnx  # noqa: E402
from tigris.plan.reader import read_plan  # noqa: E402

TARGETS = ("esp32s3", "esp32")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=2000, help="kernel-test cases per test")
    ap.add_argument("--models", default=None, help="comma-separated subset (default: all)")
    args = ap.parse_args()
    esp_nn = conf.esp_nn_dir()
    if esp_nn is None:
        print("ESP_NN_DIR is not set (an ESP-NN source tree)", file=sys.stderr)
        return 2
    names = [conf.build_name(f, h) for f, h in conf.BUILDS]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.monotonic()
        libs = conf.load_builds(esp_nn, Path(tmp))
        print(f"# ESP-NN source: {esp_nn}; builds: {', '.join(names)} "
              f"({time.monotonic() - t0:.1f} s to build)")
        print(f"\n## Kernel tests (test_runtime_kernels_conv.py + _ops.py), {args.cases} cases per test")
        print(f"{'build':10s} {'result':48s} {'s':>6s}")
        for (flavour, has), name in zip(conf.BUILDS, names):
            ok, summary, secs = conf.run_kernel_tests(Path(libs[name]._name), args.cases, has)
            failures += not ok
            line = summary.splitlines()[-1] if ok else "FAILED " + summary.replace("\n", " | ")[:200]
            print(f"{name:10s} {line:48s} {secs:6.1f}", flush=True)

        print("\n## Plans: output bytes differing from the reference build (2 seeded inputs), "
              "and calls that ran on ESP-NN")
        print(f"{'model':26s} {'target':8s} {'budget':7s} {'calls':>5s} {'fastKiB':>7s} "
              + " ".join(f"{n:>8s}" for n in names) + f" {'s':>6s}")
        print(f"{'':58s}" + " ".join(f"{'diff':>3s} {'esp':>4s}" for n in names)
              + "   (diff: bytes differing; esp: calls run on ESP-NN, of calls)")
        models = list(conf.CASES) + zoo.names()
        if args.models:
            models = [m for m in models if m in args.models.split(",")]
        folder = Path(tmp) / "cases"
        folder.mkdir()
        plans, refused = 0, []
        for model in models:
            path = conf.case_model(model, folder) if model in conf.CASES else zoo.build(model)
            for target in TARGETS:
                for budget_name, (fast, slow, tile) in conf.budgets_for(model).items():
                    t0 = time.monotonic()
                    try:
                        c = compile_onnx(str(path), Budget(fast, slow), target, tile=tile)
                    except BudgetError as e:
                        # tigris's one-line reason, without the model file's name.
                        reason = re.sub(r"^\S+\.onnx ", "", str(e))
                        failures += budget_name in ("flat", "8M")
                        refused.append((model, target, budget_name, reason))
                        print(f"{model:26s} {target:8s} {budget_name:7s} refused: {reason}",
                              flush=True)
                        continue
                    except Exception as e:    # an internal error: a failure, not a refusal
                        failures += 1
                        print(f"{model:26s} {target:8s} {budget_name:7s} INTERNAL ERROR "
                              f"{type(e).__name__}: {e}", flush=True)
                        continue
                    p = read_plan(c.data)
                    diff, calls = conf.compare_plan(c.data, libs)
                    failures += any(diff.values())
                    plans += 1
                    print(f"{model:26s} {target:8s} {budget_name:7s} {len(p.calls):5d} {p.fast_size / 1024:7.2f} "
                          + " ".join(f"{diff[n]:>3d} {calls[n]:>4d}" for n in names)
                          + f" {time.monotonic() - t0:6.1f}", flush=True)
        from tigris.simulate import missing_tool
        if missing_tool():
            print(f"\n## Simulated core: skipped ({missing_tool()} not installed)")
        else:
            print("\n## Simulated Xtensa core (tigris simulate), --target esp32: bytes differing "
                  "from the host reference build, instructions inside tigris_run")
            print(f"{'model':26s} {'budget':7s} {'ref diff':>8s} {'opt diff':>8s} "
                  f"{'ref insns':>13s} {'opt insns':>13s} {'opt/ref':>7s}")
            for model in conf.ISS_MODELS:
                if args.models and model not in args.models.split(","):
                    continue
                path = conf.case_model(model, folder) if model in conf.CASES else zoo.build(model)
                for budget_name in ("flat", "32K+8M"):
                    fast, slow, tile = conf.BUDGETS[budget_name]
                    plan = Path(tmp) / "sim.tgrs"
                    plan.write_bytes(compile_onnx(str(path), Budget(fast, slow), "esp32",
                                                  tile=tile).data)
                    rd, ed, ri, ei = conf.simulate_both(plan, esp_nn)
                    failures += bool(rd or ed)
                    print(f"{model:26s} {budget_name:7s} {rd:8d} {ed:8d} {ri:13,d} {ei:13,d} "
                          f"{ei / ri:7.3f}", flush=True)
        print(f"\n{plans} plans x {len(names)} builds compared; "
              + ("all byte-equal to the reference build" if not failures
                 else f"{failures} FAILURES"))
        print(f"{len(refused)} plans refused by tigris (one-line BudgetError, not compared):")
        for model, target, budget_name, reason in refused:
            print(f"  {model} --target {target} -m {budget_name}: {reason}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
