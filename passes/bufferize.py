"""tigris-bufferize: give every tensor a buffer in a memory space, and kernels their scratch.

Tensors stay SSA values (the tigris ops are IRDL ops on tensors); each value's
storage is recorded on its producer as `tigris.buffer` (a name) and
`tigris.space` (fast | flash). Views (reshape) and destination-passing
inserts share their source's buffer; an elementwise kernel (lut, add, mul)
writes in place over an input of the same size that dies at it. Constants
are placed in flash. Kernel scratch (`tigris.scratch`, bytes) follows the
target's rules (ESP-NN on esp32s3, none for the reference kernels).
"""
from __future__ import annotations

from mlir import ir

from tigris.dialects import attr
from tigris.irgraph import (CONSTANT_OPS, VIEW_OPS, block_of, build_graph, is_row_view,
                            row_insert_targets, slow_values, value_bytes, view_offsets)
from tigris.passes.registry import Option, Pass, PassError
from tigris.planning import lifetimes, storage_of
from tigris.targets import TARGETS, op_scratch_bytes




def _already_in_place(op, g, owner, offsets) -> bool:
    """A row insert whose input already sits at its rows inside the destination
    (both in one buffer, e.g. a band a streamed or overlaid stage built there)."""
    src, dest = op.operands[0], op.operands[1]
    shape = ir.RankedTensorType(dest.type).shape
    if ir.IntegerAttr(op.attributes["axis"]).value != 1 or shape[0] != 1 \
            or src not in g.value_buffer or dest not in g.value_buffer \
            or owner[g.buffer_of(src)] != owner[g.buffer_of(dest)]:
        return False
    row = value_bytes(dest) // shape[1]
    at = offsets.get(dest, 0) + ir.IntegerAttr(op.attributes["offset"]).value * row
    return offsets.get(src, 0) == at


def run(func_op, options) -> None:
    target = options["target"]
    if target not in TARGETS:
        raise PassError(f"unknown target '{target}' ({', '.join(TARGETS)})", func_op.location)
    g = build_graph(func_op)
    for name, op in g.ops.items():
        scratch = op_scratch_bytes(op, target)
        if scratch:
            op.attributes["tigris.scratch"] = attr(scratch)
        elif "tigris.scratch" in op.attributes:
            del op.attributes["tigris.scratch"]
    storages = lifetimes(g.graph, g.graph.order, inplace=True)
    owner = storage_of(storages)
    offsets = view_offsets(func_op, g, owner)
    into_dest = row_insert_targets(func_op)
    slow = slow_values(func_op)
    slow_storages = {owner[g.value_buffer[v]] for v in slow if v in g.value_buffer}
    for name, op in g.ops.items():
        storage = owner[g.buffer_of(op.results[0])]
        op.attributes["tigris.buffer"] = attr(storage)
        op.attributes["tigris.space"] = attr("slow" if storage in slow_storages else "fast")
        off = offsets.get(op.results[0], 0)
        if off:
            op.attributes["tigris.view_offset"] = attr(off)
        elif "tigris.view_offset" in op.attributes:
            del op.attributes["tigris.view_offset"]
        noop = (op.name in VIEW_OPS or is_row_view(op) or op.name == "tigris.empty"
                or op.name == "tigris.insert" and (op.operands[0] in into_dest
                                                   or _already_in_place(op, g, owner, offsets)))
        if noop:
            op.attributes["tigris.noop"] = ir.UnitAttr.get()
    for op in block_of(func_op).operations:
        if op.operation.name in CONSTANT_OPS:
            op.operation.attributes["tigris.space"] = attr("flash")
    func_op.attributes["tigris.arg_buffers"] = attr(
        [ir.StringAttr.get(owner[g.value_buffer[a]]) for a in block_of(func_op).arguments])
    func_op.attributes["tigris.slow_buffers"] = ir.ArrayAttr.get(
        [ir.StringAttr.get(n) for n in sorted(slow_storages)])
    func_op.attributes["tigris.arg_view_offsets"] = attr(
        [offsets.get(a, 0) for a in block_of(func_op).arguments])
    func_op.attributes["tigris.target"] = attr(target)


PASS = Pass(
    "tigris-bufferize",
    "Assign each tensor a buffer in a memory space (views and in-place elementwise ops "
    "share buffers; constants in flash) and reserve kernel scratch for the target",
    run,
    (Option("target", str, "reference", "kernel library whose scratch rules apply: "
            + " | ".join(TARGETS)),))
