"""RAM of the four microWakeWord models (pymicro-wakeword): TensorFlow Lite
Micro's arena against ours, side by side (issue 16).

TFLM (`tflite-micro` from PyPI): the smallest arena at which its interpreter
allocates the model, found by bisection over `arena_size`, and its own
allocation report at that size (RecordingMicroAllocator: total, head =
activations, tail = persistent: resource variables, per-tensor and per-node
structs, op data).

Ours (`--target esp32s3`, the TFLM/ESP-NN semantics, whose ESP32-S3 kernels
need scratch in the arena; and `--target esp32`, the same double rounding
for ESP-NN's generic kernels, no scratch): the smallest fast budget
at which `tigris compile` plans the model, found by bisection in steps of 16
bytes, and at that budget the plan's fast arena (activations; the ESP32-S3
scratch inside it), the state (the resource variables' bytes, kept between
inferences in the plan's state region, apart from the arena) and the runtime's fixed RAM (sizeof its
tigris_plan_t, measured by compiling a C file for Xtensa with clang-22; the
run-time stack is printed apart, as TFLM's figure has no stack either). The
plan found is run for 5 frames against TFLM (bytes equal) before its figures
count. Ratio = (arena + state + plan struct) / TFLM's smallest arena; the
issue's target is at most 0.6.

Usage: .venv/bin/python bench/tflm_memory.py > bench/tflm_memory.txt
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("esp32s3", "esp32")


def models() -> list[Path]:
    import pymicro_wakeword
    return sorted((Path(pymicro_wakeword.__file__).parent / "models").glob("*.tflite"))


def tflm_probe(path: Path, arena: int, report: bool = False) -> tuple[bool, str]:
    """Whether TFLM's interpreter allocates the model in `arena` bytes (and
    its allocation report): in a child process, as some too-small arenas
    crash TFLM (a segmentation fault counts as not allocating)."""
    code = ("import sys; from tflite_micro.python.tflite_micro import runtime\n"
            "it = runtime.Interpreter.from_file(sys.argv[1], arena_size=int(sys.argv[2]))\n"
            "print('ALLOCATED', flush=True)\n"
            "if sys.argv[3] == '1': it.print_allocations()\n")
    r = subprocess.run([sys.executable, "-c", code, str(path), str(arena), "1" if report else "0"],
                       capture_output=True, text=True)
    return r.returncode == 0 and "ALLOCATED" in r.stdout, r.stdout + r.stderr


def tflm_figures(path: Path) -> dict:
    lo, hi = 1024, 1 << 17          # fails at lo, allocates at hi
    assert not tflm_probe(path, lo)[0] and tflm_probe(path, hi)[0]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if tflm_probe(path, mid)[0] else (mid, hi)
    text = tflm_probe(path, hi, report=True)[1]
    fig = {k: int(re.search(rf"Arena allocation {k} (\d+) bytes", text).group(1))
           for k in ("total", "head", "tail")}
    parts = dict(re.findall(r"'([^']+)' used (\d+) bytes", text))
    asked = json.loads(path.with_suffix(".json").read_text())["micro"]["tensor_arena_size"]
    return dict(smallest=hi, asked=asked, parts={k: int(v) for k, v in parts.items()}, **fig)


def runtime_sizes() -> dict:
    """sizeof the runtime's structs on Xtensa (clang-22, 32-bit) and the
    stack frames of a run (clang-22 -O2 -fstack-usage)."""
    from tigris import simulate
    rt = ROOT / "runtime"
    incs = [rt / "include", rt / "src", rt / "kernels" / "include", rt / "kernels" / "src"]
    flags = simulate._xtensa_cflags(incs, [])
    tmp = Path(tempfile.mkdtemp(prefix="tg_sizes_"))
    (tmp / "sizes.c").write_text(
        '#include "tigris.h"\n#include "plan_format.h"\n'
        "const unsigned tg_sizes[3] = {sizeof(tigris_plan_t), sizeof(tg_operands_t), "
        "sizeof(tigris_io_t)};\n")
    subprocess.run([simulate.CLANG, *flags, "-S", "sizes.c", "-o", "sizes.s"], cwd=tmp,
                   check=True)
    words = [int(v) for v in re.findall(r"\.long\s+(\d+)", (tmp / "sizes.s").read_text())]
    frames: dict[str, dict[str, int]] = {}
    for src in [rt / "src" / "executor.c", rt / "src" / "plan_kernels.c",
                rt / "kernels" / "src" / "dispatch.c", rt / "kernels" / "src" / "kernel_args.c",
                *sorted((rt / "kernels" / "src").glob("*.c"))]:
        subprocess.run([simulate.CLANG, *flags, "-fstack-usage", "-c", str(src), "-o",
                        f"{src.stem}.o"], cwd=tmp, check=True)
        for line in (tmp / f"{src.stem}.su").read_text().splitlines():
            where, size, _ = line.split("\t")
            frames.setdefault(src.stem, {})[where.rsplit(":", 1)[-1]] = int(size)
    level = {
        "executor": frames["executor"].get("tigris_run_profiled", 0)
        + frames["executor"].get("tigris_run", 0),
        "plan_kernels": max(frames["plan_kernels"].values()),
        "dispatch": max(list(frames["dispatch"].values()) + list(frames["kernel_args"].values())),
        "kernels": max(v for k, f in frames.items()
                       if k not in ("executor", "plan_kernels", "dispatch", "kernel_args")
                       for v in f.values()),
    }
    return dict(plan_struct=words[0], operands=words[1], io=words[2], stack=level)


def ours(path: Path, target: str) -> dict:
    from tigris.budget import Budget
    from tigris.errors import BudgetError
    from tigris.plan.compiler import compile_onnx

    def plan(budget):
        try:
            return compile_onnx(str(path), Budget(budget), target=target)
        except BudgetError:
            return None

    lo, hi = 1024, 64 << 10          # no plan at lo, a plan at hi (16-byte steps)
    assert plan(lo) is None and plan(hi) is not None
    while hi - lo > 16:
        mid = (lo + hi) // 2 // 16 * 16
        lo, hi = (lo, mid) if plan(mid) is not None else (mid, hi)
    c = plan(hi)
    return dict(budget=hi, compiled=c, **plan_figures(c.data))


def plan_figures(data: bytes) -> dict:
    from tigris.plan.reader import read_plan
    p = read_plan(data)
    scratch = 0
    for call in p.calls:
        for slot, t in zip(call.kernel.slots, call.tensors):
            if t is not None and slot.role == "scratch":
                scratch = max(scratch, p.tensors[t].size)
    state_in = [io for io in p.inputs if io.name.startswith("state:")]
    state = getattr(p, "state_size", None)
    if state is None:     # state as plan inputs and outputs: the caller keeps a copy
        state = sum(p.tensors[io.tensor].size for io in state_in)
    return dict(arena=p.fast_size, scratch=scratch, state=state, variables=len(state_in))


def check_runs(path: Path, data: bytes, frames: int = 5) -> None:
    """The plan gives TFLM's bytes for a few frames (state carried)."""
    from tflite_micro.python.tflite_micro import runtime

    from tigris.importers.tflite.state import initial_state
    from tigris.plan.host import HostPlan
    host = HostPlan(data)
    it = runtime.Interpreter.from_file(str(path))
    state = list(initial_state(str(path)).values())
    r = np.random.default_rng(0)
    shape = tuple(it.get_input_details(0)["shape"])
    for _ in range(frames):
        x = r.integers(-128, 128, shape).astype(np.int8)
        it.set_input(x, 0)
        it.invoke()
        want = np.array(it.get_output(0))
        outs = host.run([x] + state)
        got = (outs[0].astype(np.int16) + 128).astype(np.uint8).reshape(want.shape)
        assert np.array_equal(got, want), path.stem
        state = [np.ascontiguousarray(o) for o in outs[1:]]


def main() -> None:
    rs = runtime_sizes()
    stack = sum(rs["stack"].values())
    print("$ .venv/bin/python bench/tflm_memory.py")
    print(f"runtime: sizeof(tigris_plan_t) {rs['plan_struct']} B "
          f"(the caller's only persistent struct), tg_operands_t {rs['operands']} B (on the "
          f"stack during a call); run-time stack estimate {stack} B (largest frame per call "
          f"level, clang-22 -O2 Xtensa -fstack-usage: {rs['stack']}), not counted below, as "
          "TFLM's arena counts no stack and no interpreter object either")
    print()
    head = (f"{'model':<12} {'target':<8} {'TFLM min':>8} {'head':>6} {'tail':>6} {'(asked)':>8} | "
            f"{'budget':>7} {'arena':>6} {'scratch':>7} {'state':>6} {'struct':>6} "
            f"{'total':>6} | {'ratio':>5}  target <= 0.6")
    print(head)
    print("-" * len(head))
    notes = []
    for path in models():
        t = tflm_figures(path)
        for target in TARGETS:
            o = ours(path, target)
            check_runs(path, o["compiled"].data)
            total = o["arena"] + o["state"] + rs["plan_struct"]
            ratio = total / t["smallest"]
            print(f"{path.stem:<12} {target:<8} {t['smallest']:>8} {t['head']:>6} {t['tail']:>6} "
                  f"{t['asked']:>8} | {o['budget']:>7} {o['arena']:>6} {o['scratch']:>7} "
                  f"{o['state']:>6} {rs['plan_struct']:>6} {total:>6} | {ratio:>5.2f}  "
                  f"{'met' if ratio <= 0.6 else 'NOT met'}")
        notes.append(f"{path.stem}: TFLM's report at {t['smallest']}: total {t['total']}, "
                     + ", ".join(f"{k} {v}" for k, v in t["parts"].items()))
    print()
    print("TFLM min: the smallest arena_size at which tflite-micro's interpreter allocates "
          "(bisection); head/tail: its RecordingMicroAllocator report there.")
    print("budget: the smallest fast budget tigris compile plans (bisection, 16-byte steps), "
          "checked bit-exact with TFLM on 5 frames; arena: that plan's fast arena (scratch "
          "inside it, as are per-inference copies of the state variables); state: the plan's "
          "state region (resource variables), kept between inferences apart from the arena; "
          "struct: sizeof(tigris_plan_t); total = arena + state + struct.")
    for n in notes:
        print(n)


if __name__ == "__main__":
    main()
