"""Slow-pool traffic never grows with the fast budget: a plan that fits a
smaller budget also fits a larger one, so the planner must not answer the
larger budget with a plan that moves more bytes (bench/traffic_by_budget.py
runs the zoo and the architecture look-alikes; the whole zoo is `-m slow`)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tigris.budget import Budget
from tigris.dialects import attr_value, make_context
from tigris.driver import Device, planning_pipeline, run_pipeline
from tigris.importers.model import import_model
from tigris.passes.registry import functions

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import zoo  # noqa: E402

BUDGETS = (65536, 32768, 16384)     # each with an 8 MiB slow pool
FAST = ("resnet8", "mobilenet_v1_0.25_96")


def traffic(name: str, fast: int) -> tuple[bool, int]:
    """(fits, slow-pool bytes moved per inference) of the plan tigris compile makes."""
    ctx = make_context()
    res = import_model(str(zoo.build(name)), ctx, None, rounding="single")
    budget = Budget(fast, 8 << 20)
    run_pipeline(ctx, res.module, planning_pipeline(Device("reference", 16, budget)), name)
    with ctx:
        f = functions(res.module.operation)[0]
        arena = attr_value(f.attributes["tigris.arena"])["size"]
        return arena <= fast, attr_value(f.attributes["tigris.tiling"])["slow_traffic"]


@pytest.mark.parametrize("name", [pytest.param(n, marks=[] if n in FAST else [pytest.mark.slow])
                                  for n in zoo.names() if not n.startswith("tiny")])
def test_traffic_does_not_grow_with_the_budget(name):
    figures = [(b, *traffic(name, b)) for b in BUDGETS]
    assert all(fits for _, fits, _ in figures), figures     # +8M: every budget fits
    for (big, _, moved_big), (small, _, moved_small) in zip(figures, figures[1:]):
        assert moved_big <= moved_small, \
            f"{name}: {moved_big} bytes at {big // 1024}K+8M, {moved_small} at {small // 1024}K+8M"
