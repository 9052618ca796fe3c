"""tigris-liveness: birth and death step of every buffer, from the IR as it stands.

Reads the buffers tigris-bufferize assigned (`tigris.buffer`) and the op
order, and records on the function `tigris.buffers = {name: [size, birth,
death]}` (steps inclusive; function arguments are born at step 0, returned
buffers die at the last step; scratch buffers `scratch:<node>` live at their
kernel's step only) and on each producer `tigris.live = [birth, death]`. A
buffer holding a stage output written over its input needs fewer bytes once
the input is dead: `tigris.buffer_pieces = {name: [[offset, size, birth,
death], ...]}` lists the rectangles such buffers occupy (packed at those
offsets from the buffer's start by tigris-assign-offsets).
It recomputes everything from the IR, so it also checks a transformed plan.
"""
from __future__ import annotations

from mlir import ir

from tigris.bufferization import buffer_lifetimes
from tigris.dialects import attr
from tigris.irgraph import compute_ops
from tigris.passes.registry import Pass


def run(func_op, options) -> None:
    pieces: dict = {}
    table = buffer_lifetimes(func_op, pieces)
    func_op.attributes["tigris.buffers"] = attr(
        {name: attr(entry) for name, entry in sorted(table.items())})
    if pieces:
        func_op.attributes["tigris.buffer_pieces"] = attr(
            {name: attr([attr(p) for p in runs]) for name, runs in sorted(pieces.items())})
    elif "tigris.buffer_pieces" in func_op.attributes:
        del func_op.attributes["tigris.buffer_pieces"]
    for op in compute_ops(func_op):
        size, birth, death = table[ir.StringAttr(op.attributes["tigris.buffer"]).value]
        op.attributes["tigris.live"] = attr([birth, death])


PASS = Pass(
    "tigris-liveness",
    "Record each buffer's size and birth/death step (tigris.buffers on the function, "
    "tigris.live on producers), recomputed from the IR", run)
