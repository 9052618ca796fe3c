"""Buffers of a planned function: which buffer each tensor lives in, and when
each buffer is live. tigris-bufferize and tigris-liveness record these on the
IR; tigris-tile measures candidate plans with the same two functions, so the
peak a plan is checked against is the one the arena is packed from.

assign_buffers: every tensor gets a buffer in a memory space (views and
destination-passing inserts share their source's buffer; an elementwise kernel
writes in place over an input of the same size that dies at it; constants in
flash) and every kernel its scratch under the target's rules.
buffer_lifetimes: {buffer: [size, birth, death]} from the IR as it stands
(steps inclusive; arguments born at step 0, returned buffers die at the last
step; scratch buffers `scratch:<node>` live at their kernel's step only), and
on request the pieces of a buffer that holds a stage output written over its
input (`tigris.overlay_of`): the bytes such a buffer needs change over its
life (input and output during the stage, then the output alone, which may in
turn be overwritten by the next stage's output), so it is packed as several
rectangles at fixed offsets from its start (tigris.planning.pack), not as one.
"""
from __future__ import annotations

from mlir import ir

from tigris.dialects import attr
from tigris.errors import PassError
from tigris.irgraph import (CONSTANT_OPS, VIEW_OPS, block_of, build_graph, compute_ops,
                            is_row_view, node_name, read_scratch, row_insert_targets,
                            slow_values, value_bytes, view_offsets)
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


def assign_buffers(func_op, target: str) -> None:
    """Record on every op its buffer (`tigris.buffer`, `tigris.space`, view offset,
    no-op views and inserts) and kernel scratch; on the function the argument
    buffers and the slow ones."""
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
    ops = list(g.ops.values())      # compute_ops, in block order
    into_dest = row_insert_targets(func_op, ops)
    slow = slow_values(func_op, ops, into_dest)
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


def buffer_lifetimes(func_op, pieces: dict | None = None) -> dict[str, list[int]]:
    """{buffer: [size, birth, death]} for the function in its current order.

    `pieces`, when given, receives {buffer: [[offset, size, birth, death], ...]}
    for the buffers holding an overlaid stage output: at each step such a
    buffer needs only the bytes of the values in it that are live then (from
    the op defining a value to its last use), a run of steps needing the same
    bytes is one piece. A value is only read while it is live, and every byte
    it shares with the values it came from (views, inserts) stays covered in
    between, so bytes outside the pieces are free for other buffers."""
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
    spans: dict = {}        # value -> [buffer, first byte, end byte, defined at, last used at]
    overlaid: set = set()   # buffers holding an overlaid stage output
    for arg, name, off in zip(block.arguments, arg_names, arg_offsets):
        owner[arg] = name
        touch(name, off + value_bytes(arg), 0)
        spans[arg] = [name, off, off + value_bytes(arg), 0, 0]
    for step, op in enumerate(ops):
        if "tigris.buffer" not in op.attributes:
            raise PassError(f"'{op.name}' has no buffer: run tigris-bufferize first", op.location)
        for v in op.operands:
            if v in owner:
                touch(owner[v], 0, step)
                spans[v][4] = step
        buf = ir.StringAttr(op.attributes["tigris.buffer"]).value
        # A buffer spans every value in it at its byte offset (views, overlays).
        off = ir.IntegerAttr(op.attributes["tigris.view_offset"]).value \
            if "tigris.view_offset" in op.attributes else 0
        extent = ir.IntegerAttr(op.attributes["tigris.overlay_size"]).value \
            if "tigris.overlay_size" in op.attributes else 0
        if "tigris.overlay_of" in op.attributes:
            overlaid.add(buf)
        for r in op.results:
            owner[r] = buf
            touch(buf, max(off + value_bytes(r), extent), step)
            spans[r] = [buf, off, off + value_bytes(r), step, step]
        scratch = read_scratch(op)
        if scratch:
            touch(f"scratch:{node_name(op)}", scratch, step)
    ret = next(o.operation for o in block.operations if o.operation.name == "func.return")
    for v in ret.operands:
        if v in owner:
            touch(owner[v], 0, last)
            spans[v][4] = last
    if pieces is not None:
        pieces.update(_pieces(table, spans, overlaid))
    return table


def _pieces(table, spans, overlaid) -> dict:
    """{buffer: [[offset, size, birth, death], ...]} of the overlaid buffers
    whose needed bytes change over their life (see buffer_lifetimes)."""
    out = {}
    for buf in sorted(overlaid):
        size, birth, death = table[buf]
        lo = [None] * (death - birth + 1)
        hi = [0] * (death - birth + 1)
        for b, first, end, defined, used in spans.values():
            if b != buf or end <= first:
                continue
            for t in range(max(defined, birth), max(defined, used) + 1):
                k = t - birth
                lo[k] = first if lo[k] is None else min(lo[k], first)
                hi[k] = max(hi[k], end)
        runs = []
        for k in range(len(lo)):
            if lo[k] is None:
                continue
            if runs and runs[-1][3] == birth + k - 1 and (runs[-1][0], runs[-1][0] + runs[-1][1]) \
                    == (lo[k], hi[k]):
                runs[-1][3] = birth + k
            else:
                runs.append([lo[k], hi[k] - lo[k], birth + k, birth + k])
        if runs != [[0, size, birth, death]]:
            out[buf] = runs
    return out
