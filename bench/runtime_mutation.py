"""Mutation test of the plan loader at benchmark size (default 100,000 variants).

Builds runtime/ with ASan + UBSan (CMake, Debug), compiles the tiny zoo plans and two
kitchen-sink plans (every kernel), and runs runtime/tests/plan_fuzz.c over them: every
corrupted variant must be rejected at load with a status, or run entirely inside its
arenas and its plan; any sanitizer report fails the run. The default pytest run does
20,000 (test/python/test_runtime_core.py).

    .venv/bin/python bench/runtime_mutation.py [--count N] [--seed S] > bench/runtime_mutation.txt
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "test" / "models"))
sys.path.insert(0, str(ROOT / "test" / "python"))

import zoo  # noqa: E402
from tigris.budget import Budget  # noqa: E402
from tigris.plan.compiler import compile_onnx  # noqa: E402
from kitchen_sink import compile_mlir, kitchen_sink_mlir  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp) / "build"
        t0 = time.perf_counter()
        for cmd in (["cmake", "-S", str(ROOT / "runtime"), "-B", str(build),
                     "-DCMAKE_BUILD_TYPE=Debug", "-DTIGRIS_SANITIZE=ON", "-DTIGRIS_BUILD_SHARED=OFF"],
                    ["cmake", "--build", str(build), "-j", "2", "--target", "tigris_plan_fuzz"]):
            subprocess.run(cmd, check=True, capture_output=True)
        plans = []
        for name in (n for n in zoo.names() if n.startswith("tiny_")):
            p = Path(tmp) / f"{name}.tgrs"
            p.write_bytes(compile_onnx(str(zoo.build(name)), Budget(1 << 20)).data)
            plans.append(p)
        for seed in (0, 1):
            p = Path(tmp) / f"kitchen_sink_{seed}.tgrs"
            p.write_bytes(compile_mlir(kitchen_sink_mlir(seed))[0])
            plans.append(p)
        t1 = time.perf_counter()
        r = subprocess.run([str(build / "tigris_plan_fuzz"), "--count", str(args.count),
                            "--seed", str(args.seed)] + [str(p) for p in plans],
                           capture_output=True, text=True,
                           env=dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"))
        t2 = time.perf_counter()
    print(f"# .venv/bin/python bench/runtime_mutation.py --count {args.count} --seed {args.seed}")
    print(f"# plans: {', '.join(p.name for p in plans)}")
    print(f"# build + compile {t1 - t0:.1f} s, mutation run {t2 - t1:.1f} s (ASan + UBSan, Debug)")
    sys.stdout.write(r.stdout)
    if r.returncode != 0 or "Sanitizer" in r.stderr or "runtime error" in r.stderr:
        sys.stdout.write(r.stderr[-4000:])
        print(f"FAILED: exit {r.returncode}")
        return 1
    print("no sanitizer report, exit 0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
