"""Shared pieces of the simulator benchmarks (bench/simulate_*.py).

compile_plan(name, budget) compiles a zoo model as `tigris compile` does
(SRAM only, or with a slow pool when the budget string has `+`); run(...)
runs a plan on the simulated Xtensa core and on the host runtime; the numpy
reference interpreter gives the expected output.
"""
from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "test" / "models"))
import zoo  # noqa: E402

from tigris import simulate as sim  # noqa: E402
from tigris.budget import Budget  # noqa: E402
from tigris.errors import TigrisError  # noqa: E402

MODELS = [n for n in zoo.names() if not n.startswith("tiny_")]
WORK = Path(tempfile.mkdtemp(prefix="tigris-bench-"))
atexit.register(shutil.rmtree, WORK, True)


@dataclass
class Compiled:
    name: str
    budget: str
    path: Path | None
    error: str = ""
    seconds: float = 0.0


def compile_plan(name: str, budget: str, tile: bool = True) -> Compiled:
    from tigris.plan.compiler import compile_onnx
    t0 = time.perf_counter()
    try:
        c = compile_onnx(str(zoo.build(name)), Budget.parse(budget), tile=tile)
    except TigrisError as e:
        return Compiled(name, budget, None, str(e).split(": ", 1)[-1], time.perf_counter() - t0)
    path = WORK / f"{name}_{budget.replace('+', '_')}{'' if tile else '_flat'}.tgrs"
    path.write_bytes(c.data)
    return Compiled(name, budget, path, "", time.perf_counter() - t0)


def plan_input(plan, seed: int = 0) -> np.ndarray:
    shape = plan.tensors[plan.inputs[0].tensor].shape
    return np.random.default_rng(seed).integers(-128, 128, shape, dtype=np.int8)


_refs: dict = {}


def reference(name: str, x: np.ndarray) -> list[np.ndarray]:
    """The numpy reference interpreter on the legalized, untiled function (cached)."""
    key = (name, x.tobytes())
    if key not in _refs:
        from tigris.commands.common import load_onnx
        from tigris.passes.registry import functions
        from tigris.reference.interpreter import run_function
        from tigris.resources import WeightTable
        ctx, res = load_onnx(str(zoo.build(name)), None, legalize=True)
        with ctx:
            fn = functions(res.module.operation)[0]
            _refs[key] = run_function(fn, WeightTable(res.weights), [x])
    return _refs[key]


@dataclass
class Outcome:
    run: object                  # simulate.PlanRun, or None when it failed
    host_equal: bool
    ref_equal: bool
    error: str = ""


def run(path: Path, name: str, x: np.ndarray, check_reference: bool = True) -> Outcome:
    from tigris.plan.host import HostPlan
    try:
        r = sim.simulate_plan(path, [x])
    except TigrisError as e:
        return Outcome(None, False, False, str(e))
    host = HostPlan(path.read_bytes(), r.plan).run([x])
    host_eq = all(np.array_equal(a, b) for a, b in zip(r.outputs, host))
    ref_eq = True
    if check_reference:
        want = reference(name, x)
        ref_eq = all(np.array_equal(a, b.reshape(a.shape)) for a, b in zip(r.outputs, want))
    return Outcome(r, host_eq, ref_eq)


@dataclass
class Measured:
    name: str
    budget: str                  # as compiled ("flat" for the untiled plan)
    run: object                  # simulate.PlanRun
    exact: bool                  # simulated == host == reference
    note: str = ""


def measure(names, budgets, slow: str = "8M", log=None) -> tuple[list[Measured], list[str]]:
    """The untiled plan of every model and its plan at every budget (SRAM only,
    else with a `slow` pool), run on the simulated core. Returns the runs and a
    line per plan that could not be compiled or run."""
    from tigris.plan.reader import read_plan_file
    out, skipped = [], []
    for name in names:
        for budget in ["flat", *budgets]:
            c = compile_plan(name, "64M", tile=False) if budget == "flat" else \
                compile_plan(name, budget)
            if c.path is None and budget != "flat" and slow:
                c = compile_plan(name, f"{budget}+{slow}")
            if c.path is None:
                skipped.append(f"{name} @ {budget}: {c.error}")
                continue
            x = plan_input(read_plan_file(str(c.path)))
            o = run(c.path, name, x)
            if o.run is None:
                skipped.append(f"{name} @ {c.budget}: {o.error}")
                continue
            m = Measured(name, "flat" if budget == "flat" else c.budget, o.run,
                         o.host_equal and o.ref_equal,
                         "" if o.ref_equal else "differs from the reference")
            out.append(m)
            if log:
                log(m)
    return out, skipped
