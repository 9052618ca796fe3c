"""tigris-liveness: birth and death step of every buffer, from the IR as it stands.

Reads the buffers tigris-bufferize assigned (`tigris.buffer`) and the op
order, and records on the function `tigris.buffers = {name: [size, birth,
death]}` (steps inclusive; function arguments are born at step 0, returned
buffers die at the last step; scratch buffers `scratch:<node>` live at their
kernel's step only) and on each producer `tigris.live = [birth, death]`.
It recomputes everything from the IR, so it also checks a transformed plan.
"""
from __future__ import annotations

from mlir import ir

from tigris.dialects import attr
from tigris.irgraph import block_of, compute_ops, node_name, read_scratch, value_bytes
from tigris.passes.registry import Pass, PassError


def compute(func_op) -> dict[str, list[int]]:
    """{buffer: [size, birth, death]} for the function in its current order."""
    block = block_of(func_op)
    ops = compute_ops(func_op)
    if not ops and "tigris.arg_buffers" not in func_op.attributes:
        return {}
    if "tigris.arg_buffers" not in func_op.attributes:
        raise PassError("tigris-liveness needs buffers: run tigris-bufferize first",
                        func_op.location)
    arg_names = [ir.StringAttr(a).value for a in ir.ArrayAttr(func_op.attributes["tigris.arg_buffers"])]
    last = max(len(ops) - 1, 0)   # a function of no op still holds its arguments
    owner: dict = {}
    table: dict[str, list[int]] = {}

    def touch(buf: str, size: int, step: int):
        if buf not in table:
            table[buf] = [size, step, step]
        entry = table[buf]
        entry[0] = max(entry[0], size)
        entry[1] = min(entry[1], step)
        entry[2] = max(entry[2], step)

    arg_offsets = [0] * len(arg_names)
    if "tigris.arg_view_offsets" in func_op.attributes:
        arg_offsets = list(ir.DenseI64ArrayAttr(func_op.attributes["tigris.arg_view_offsets"]))
    for arg, name, off in zip(block.arguments, arg_names, arg_offsets):
        owner[arg] = name
        touch(name, off + value_bytes(arg), 0)
    for step, op in enumerate(ops):
        if "tigris.buffer" not in op.attributes:
            raise PassError(f"'{op.name}' has no buffer: run tigris-bufferize first", op.location)
        for v in op.operands:
            if v in owner:
                touch(owner[v], 0, step)
        buf = ir.StringAttr(op.attributes["tigris.buffer"]).value
        # A buffer spans every value in it at its byte offset (views, overlays).
        off = ir.IntegerAttr(op.attributes["tigris.view_offset"]).value \
            if "tigris.view_offset" in op.attributes else 0
        extent = ir.IntegerAttr(op.attributes["tigris.overlay_size"]).value \
            if "tigris.overlay_size" in op.attributes else 0
        for r in op.results:
            owner[r] = buf
            touch(buf, max(off + value_bytes(r), extent), step)
        scratch = read_scratch(op)
        if scratch:
            touch(f"scratch:{node_name(op)}", scratch, step)
    ret = next(o.operation for o in block.operations if o.operation.name == "func.return")
    for v in ret.operands:
        if v in owner:
            touch(owner[v], 0, last)
    return table


def run(func_op, options) -> None:
    table = compute(func_op)
    func_op.attributes["tigris.buffers"] = attr(
        {name: attr(entry) for name, entry in sorted(table.items())})
    for op in compute_ops(func_op):
        size, birth, death = table[ir.StringAttr(op.attributes["tigris.buffer"]).value]
        op.attributes["tigris.live"] = attr([birth, death])


PASS = Pass(
    "tigris-liveness",
    "Record each buffer's size and birth/death step (tigris.buffers on the function, "
    "tigris.live on producers), recomputed from the IR", run)
