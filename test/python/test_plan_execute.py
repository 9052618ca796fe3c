"""The plan executor (tigris.plan.execute): the reference kernels run over a
plan's own arenas give the C runtime's bytes, on the plan that uses every
kernel and on a tiled plan of a zoo model with a slow pool; and it sees a misplaced buffer."""
import numpy as np

from tigris.plan.execute import run_plan
from tigris.plan.host import HostPlan
from tigris.plan.reader import read_plan
from kitchen_sink import compile_mlir, kitchen_sink_mlir
from tigris.plan.verify_tiling import seeded_inputs

import zoo_cache


def _same_as_runtime(data: bytes, count: int = 2) -> None:
    plan, host = read_plan(data), HostPlan(data)
    for xs in seeded_inputs(plan, count, seed=7):
        for got, want in zip(run_plan(plan, xs), host.run(xs)):
            assert np.array_equal(got.reshape(want.shape), want)


def test_every_kernel_equals_the_c_runtime_and_the_reference():
    for seed in (0, 1):
        data, reference = compile_mlir(kitchen_sink_mlir(seed))
        _same_as_runtime(data)
        plan = read_plan(data)
        (xs,) = seeded_inputs(plan, 1, seed=seed)
        for got, want in zip(run_plan(plan, xs), reference(xs)):
            assert np.array_equal(got.reshape(want.shape), want)


def test_a_tiled_zoo_plan_equals_the_c_runtime():
    _same_as_runtime(zoo_cache.compiled("mobilenet_v1_0.25_96", "16K+8M").data)


def test_a_buffer_overwritten_while_live_shows():
    """Moving one activation onto another's bytes changes the executor's
    output, as it would the device's: the check is on placement, not only on
    the arithmetic."""
    data, _ = compile_mlir(kitchen_sink_mlir(0))
    plan = read_plan(data)
    (xs,) = seeded_inputs(plan, 1)
    want = run_plan(plan, xs)
    fast = [i for i, t in enumerate(plan.tensors) if t.pool == "fast"]
    outs = {d.tensor for d in plan.outputs}
    changed = False
    for i in fast:
        if i in outs or plan.tensors[i].offset == 0:
            continue
        plan.tensors[i].offset = 0
        got = run_plan(plan, xs)
        changed = any(not np.array_equal(a, b) for a, b in zip(got, want))
        if changed:
            break
    assert changed
