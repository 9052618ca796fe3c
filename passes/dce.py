"""tigris-dce: erase tigris kernel ops whose results are never used.

IRDL ops carry no side-effect information, so upstream canonicalize and dce
keep them; python/tigris/effects.py says which tigris ops are pure. Ops are
visited last to first, so a chain of dead ops goes in one run.
"""
from __future__ import annotations

from mlir import ir

from tigris.effects import is_dead
from tigris.passes.registry import Pass


def run(func_op, options) -> None:
    ops = []

    def collect(op):
        ops.append(op)
        return ir.WalkResult.ADVANCE

    func_op.walk(collect)  # post-order: users after the ops they use (within a block)
    for op in reversed(ops):
        if is_dead(op):
            op.erase()


PASS = Pass("tigris-dce", "Erase tigris kernel ops whose results are unused (IRDL ops declare "
            "no side effects, so upstream dce keeps them)", run)
