"""`tigris compile --verify-tiling`: a tiled plan must give the flat plan's bytes.

The model is compiled a second time without tiling (everything in one fast
arena), and both plans run on the same seeded int8 inputs through the plan
executor (`tigris.plan.execute`: the reference kernels over the plans' own
arenas, so a misplaced buffer shows as it would on the device). Any byte
that differs is a planning bug: the tiled plan is refused with one line
saying where, and nothing is written.
"""
from __future__ import annotations

import numpy as np

from tigris.budget import Budget
from tigris.errors import TigrisError
from tigris.plan.execute import run_plan
from tigris.plan.reader import read_plan

UNLIMITED = Budget(1 << 40)


class TilingMismatch(TigrisError):
    """A tiled plan whose output differs from the flat plan's (a planning bug)."""

    exit_code = 1


def seeded_inputs(plan, count: int, seed: int = 0) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    shapes = [plan.tensors[d.tensor].shape for d in plan.inputs]
    return [[rng.integers(-128, 128, s, dtype=np.int8) for s in shapes] for _ in range(count)]


def compare_plans(flat_data: bytes, tiled_data: bytes, label: str, count: int = 3) -> int:
    """Run both plans on `count` seeded inputs; raise TilingMismatch at the first
    differing output. Returns the number of inputs checked."""
    flat, tiled = read_plan(flat_data), read_plan(tiled_data)
    for n, xs in enumerate(seeded_inputs(flat, count)):
        want, got = run_plan(flat, xs), run_plan(tiled, xs)
        for d, w, g in zip(tiled.outputs, want, got):
            if not np.array_equal(w, g):
                bad = int(np.count_nonzero(w != g))
                raise TilingMismatch(
                    f"{label}: the tiled plan differs from the flat plan in output '{d.name}' "
                    f"on seeded input {n} ({bad} of {w.size} bytes, up to "
                    f"{int(np.abs(w.astype(int) - g.astype(int)).max())} LSB): a planning bug; "
                    "nothing written")
    return count


def verify_tiling(path: str, tiled_data: bytes, target: str, alignment: int,
                  input_shapes=None, count: int = 3) -> int:
    """Compile `path` flat and compare it with the tiled plan `tiled_data`."""
    import os

    from tigris.plan.compiler import compile_onnx
    flat = compile_onnx(path, UNLIMITED, target, alignment, input_shapes, tile=False)
    return compare_plans(flat.data, tiled_data, os.path.basename(path), count)


__all__ = ["verify_tiling", "compare_plans", "TilingMismatch", "seeded_inputs"]
