"""tigris-tile: split the schedule into stages so the plan fits a RAM budget.

A shell over tigris.tiling: the stage search (tiling/search.py, a dynamic
program over the op sequence with the cost model of tigris.costmodel), the
rewrite into row strips and channel groups (tiling/rewrite.py), and the fit
loop that measures each candidate's real arena with the buffers and lifetimes
tigris-bufferize and tigris-liveness compute (tiling/fit.py). Every op gets
`tigris.stage`; the function gets `tigris.tiling` with the figures.
"""
from __future__ import annotations

from tigris.budget import parse_size
from tigris.errors import UsageError
from dataclasses import dataclass

from tigris.passes.registry import Pass, option
from tigris.tiling.fit import tile


def _size(text: str) -> int:
    try:
        return parse_size(text, "budget")
    except UsageError as e:
        raise ValueError(str(e)) from None


def _size_or_zero(text: str) -> int:
    return 0 if text.strip() == "0" else _size(text)


@dataclass(frozen=True)
class TileOptions:
    budget: int = option(256 * 1024, _size, "fast-memory budget (bytes, or 64K / 1M)")
    alignment: int = option(16, int, "buffer alignment assumed when estimating peaks")
    slow: int = option(0, _size_or_zero, "slow-pool (PSRAM) bytes; 0: no slow pool")
    target: str = option("reference", str, "kernel library whose scratch counts")
    strict: int = option(1, int, "1: fail when nothing fits; 0: keep the smallest-peak plan")
    stream: int = option(1, int, "1: strip chains may carry halo rows from strip to strip; "
                         "0: always recompute them")
    also_fits: int = option(0, int, "1: when the plan fits, also record in tigris.tiling the "
                            "halved budgets it fits without a slow pool")


def run(func_op, options: TileOptions) -> None:
    tile(func_op, options.budget, options.slow, options.target, options.alignment,
         strict=bool(options.strict), stream=bool(options.stream),
         smaller=bool(options.also_fits))


PASS = Pass(
    "tigris-tile",
    "Split the schedule into stages (flat ops, op chains run in row strips that recompute "
    "or carry their halo rows, convs split by output channels) chosen by cost under the "
    "fast-memory budget",
    run, TileOptions)
