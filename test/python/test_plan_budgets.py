"""Every zoo model compiled at 256K, 64K and 16K (SRAM only, or with an 8 MiB
slow pool where SRAM alone cannot hold it) runs on the host C runtime byte
for byte like the numpy reference interpreter on the untiled function."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tigris.cli import main as tigris
from tigris.plan.host import HostPlan
from tigris.plan.reader import read_plan

from test_plan_zoo import Reference

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import zoo  # noqa: E402

MODELS = zoo.names()   # every zoo model, QOperator variants and tiny models included
BUDGETS = ["256K", "64K", "16K"]


def compile_plan(name: str, budget: str, out: Path) -> str:
    """Compile SRAM-only, else with a slow pool; returns the budget used."""
    path = str(zoo.build(name))
    if tigris(["compile", path, "-m", budget, "-o", str(out)]) == 0:
        return budget
    assert tigris(["compile", path, "-m", f"{budget}+8M", "-o", str(out)]) == 0
    return f"{budget}+8M"


def assert_runs_like_reference(name: str, data: bytes, inputs: int, seed: int):
    """The plan on the host C runtime equals the reference interpreter on the
    untiled function, on seeded int8 inputs."""
    from tigris.reference.interpreter import run_function
    plan = read_plan(data)
    host = HostPlan(data)
    ref = Reference(str(zoo.build(name)))
    rng = np.random.default_rng(seed)
    for _ in range(inputs):
        xs = [rng.integers(-128, 128, size=plan.tensors[d.tensor].shape).astype(np.int8)
              for d in plan.inputs]
        with ref.ctx:
            want = run_function(ref.fn, ref.weights, xs)
        for got, w in zip(host.run(xs), want):
            assert np.array_equal(got.reshape(w.shape), w)
    return plan


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("name", MODELS)
def test_budgeted_plan_runs_like_the_reference(name, budget, tmp_path, capsys):
    out = tmp_path / "m.tgrs"
    used = compile_plan(name, budget, out)
    plan = assert_runs_like_reference(name, out.read_bytes(), 5, 5)
    assert plan.fast_size <= int(budget[:-1]) * 1024
    with capsys.disabled():
        print(f"\n{name:24s} {used:>9s}: fast {plan.fast_size:7d} B, slow {plan.slow_size:8d} B, "
              f"{len(plan.calls)} calls")


# Budgets between the round ones exercise chained overlays (each stage output
# written over the previous one's) and mixed fast/slow placements; these once
# produced plans whose bytes differed from the reference.
ODD = [("ds_cnn", "12K"), ("ds_cnn", "12K+1M"), ("mobilenet_v2_0.35_96", "48K"),
       ("mobilenet_v1_0.25_96", "24K+1M"), ("mobilenet_v1_0.25_96", "32K+8M")]
ODD_SLOW = [("mobilenet_v1_1.0_128", "200K"), ("mobilenet_v1_1.0_128", "48K+8M"),
            ("mobilenet_v2_0.35_96", "48K+8M"), ("unet_small", "24K+1M"),
            ("inception_block", "24K+1M")]   # run with -m slow


@pytest.mark.parametrize("name,budget", ODD + [pytest.param(*c, marks=pytest.mark.slow)
                                               for c in ODD_SLOW])
def test_odd_budgets_run_like_the_reference(name, budget, tmp_path):
    out = tmp_path / "m.tgrs"
    assert tigris(["compile", str(zoo.build(name)), "-m", budget, "-o", str(out)]) == 0
    assert_runs_like_reference(name, out.read_bytes(), 3, 9)


@pytest.mark.parametrize("name", MODELS)
def test_generated_c_equals_the_tiled_plan(name, tmp_path):
    """`tigris codegen` of the 16K plan (tiled, slow pool where needed) gives the
    bytes the plan gives on the host runtime."""
    from test_plan_zoo import build_generated, run_generated
    from tigris.plan.host import build_library
    out = tmp_path / "m.tgrs"
    compile_plan(name, "16K", out)
    exe, plan = build_generated(out, tmp_path, build_library())
    host = HostPlan(out.read_bytes())
    rng = np.random.default_rng(13)
    xs = [rng.integers(-128, 128, size=plan.tensors[d.tensor].shape).astype(np.int8)
          for d in plan.inputs]
    for got, want in zip(run_generated(exe, plan, xs, tmp_path), host.run(xs)):
        assert np.array_equal(got, want)
