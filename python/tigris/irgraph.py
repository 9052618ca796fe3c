"""The bridge between a func.func and the planning library's Graph.

Every op that computes a tensor (tigris kernel ops; TOSA ops in a float model
analyzed before legalization) is a node; every tensor value it produces is a
buffer of `numel * element bytes`. Constants live in flash and are not
buffers. Each node carries a persistent name (`tigris.name`) so the planning
passes agree on names after the schedule has moved ops.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from mlir import ir

from tigris import kernels
from tigris.planning import Graph, Node

CONSTANT_OPS = {"tosa.const", "tosa.const_shape", "arith.constant"}
# Ops whose result is a view of an operand (same bytes): result aliases operand 0.
VIEW_OPS = {"tigris.reshape", "tosa.reshape"}
# Ops writing their result into operand 1 (destination-passing insert).
DEST_OPS = {"tigris.insert"}
# Elementwise kernels that may write over an input that dies at them (the
# kernel registry's `overwrites`).
INPLACE_OPS = {f"tigris.{k.name}": k.overwrites for k in kernels.REGISTRY.values() if k.overwrites}


def value_bytes(value: ir.Value) -> int:
    t = ir.RankedTensorType(value.type)
    et = t.element_type
    width = et.width if isinstance(et, ir.IntegerType) else 32 if isinstance(et, ir.F32Type) else 16
    return math.prod(t.shape) * max(width // 8, 1)


def block_of(func_op):
    return func_op.regions[0].blocks[0]


def is_constant_view(op) -> bool:
    """A tigris.slice of a constant (the weights or bias of one channel group of
    a channel-split stage): no buffer of its own, its bytes are in flash."""
    if op.name != "tigris.slice":
        return False
    owner = op.operands[0].owner
    return getattr(owner, "name", None) in CONSTANT_OPS


def compute_ops(func_op) -> list:
    """The ops of the function that are nodes, in block order."""
    out = []
    for op in block_of(func_op).operations:
        op = op.operation
        if op.name in CONSTANT_OPS or op.name == "func.return" or is_constant_view(op):
            continue
        out.append(op)
    return out


def ensure_names(func_op, ops=None) -> None:
    """Give every node a persistent `tigris.name` ("n0", "n1", ...). `ops`: the
    function's compute_ops when the caller has them."""
    ops = compute_ops(func_op) if ops is None else ops
    used = [int(ir.StringAttr(op.attributes["tigris.name"]).value[1:]) for op in ops
            if "tigris.name" in op.attributes]
    nxt = max(used, default=-1) + 1
    for op in ops:
        if "tigris.name" not in op.attributes:
            op.attributes["tigris.name"] = ir.StringAttr.get(f"n{nxt}")
            nxt += 1


def tensor_shape(value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


def loc_name(op) -> str:
    """The name in an op's `loc("name")` location (the model's node), or ""."""
    text = str(op.location)
    if text.startswith('loc("') and '"' in text[5:]:
        return text[5:text.index('"', 5)]
    return ""


def node_name(op) -> str:
    return ir.StringAttr(op.attributes["tigris.name"]).value


@dataclass
class IRGraph:
    graph: Graph
    ops: dict[str, object]          # node name -> op
    value_buffer: dict              # ir.Value (hashable) -> buffer name
    func: object

    def buffer_of(self, value) -> str:
        return self.value_buffer[value]


def is_row_view(op) -> bool:
    """A tigris.slice taking whole rows of a batch-1 tensor: contiguous bytes, a view."""
    if op.name != "tigris.slice":
        return False
    src = ir.RankedTensorType(op.operands[0].type).shape
    dst = ir.RankedTensorType(op.results[0].type).shape
    begin = list(ir.DenseI64ArrayAttr(op.attributes["begin"]))
    return (len(src) >= 2 and src[0] == 1 and list(src[2:]) == list(dst[2:])
            and all(b == 0 for i, b in enumerate(begin) if i != 1))


def row_insert_targets(func_op, ops=None) -> dict:
    """{producer result: insert op} for row inserts (axis 1, batch 1) whose input
    is a kernel result used only there, produced after the destination exists:
    the producer writes into the destination."""
    out = {}
    ops = compute_ops(func_op) if ops is None else ops
    position = {op.results[0]: i for i, op in enumerate(ops) if len(op.results) == 1}
    for op in ops:
        if op.name != "tigris.insert":
            continue
        shape = ir.RankedTensorType(op.results[0].type).shape
        if ir.IntegerAttr(op.attributes["axis"]).value != 1 or shape[0] != 1:
            continue
        v = op.operands[0]
        producer = v.owner
        if not hasattr(producer, "name") or not producer.name.startswith("tigris.") \
                or producer.name in VIEW_OPS or producer.name in DEST_OPS \
                or producer.name in ("tigris.slice", "tigris.empty") \
                or "tigris.overlay_of" in producer.attributes or len(list(v.uses)) != 1:
            continue
        if position.get(op.operands[1], -1) > position.get(v, -1):
            continue   # the destination does not exist yet when the producer runs: a copy
        out[v] = op
    return out


def slow_values(func_op, ops=None, into_dest=None) -> set:
    """Values placed in the slow pool: producers marked `tigris.space = "slow"`
    (by tigris-tile), arguments listed in `tigris.slow_args`, and everything
    sharing their bytes (views, inserts, producers writing into them)."""
    block = block_of(func_op)
    slow = set()
    if "tigris.slow_args" in func_op.attributes:
        for i in ir.DenseI64ArrayAttr(func_op.attributes["tigris.slow_args"]):
            slow.add(block.arguments[i])
    ops = compute_ops(func_op) if ops is None else ops
    into_dest = row_insert_targets(func_op, ops) if into_dest is None else into_dest
    for op in ops:
        r = op.results[0]
        marked = "tigris.space" in op.attributes and \
            ir.StringAttr(op.attributes["tigris.space"]).value == "slow" and \
            op.name not in VIEW_OPS and op.name not in DEST_OPS and not is_row_view(op)
        if marked:
            slow.add(r)
        elif (op.name in VIEW_OPS or is_row_view(op)) and op.operands[0] in slow:
            slow.add(r)
        elif op.name in DEST_OPS and op.operands[1] in slow:
            slow.add(r)
        elif r in into_dest and into_dest[r].operands[1] in slow:
            slow.add(r)
    return slow


def build_graph(func_op, scratch=None) -> IRGraph:
    """The planning Graph of `func_op` in its current op order.
    `scratch(op) -> bytes` gives each node's kernel scratch (default none)."""
    block = block_of(func_op)
    compute = compute_ops(func_op)     # one walk of the block, shared by the helpers
    ensure_names(func_op, compute)
    into_dest = row_insert_targets(func_op, compute)
    slow = slow_values(func_op, compute, into_dest)
    buffers: dict[str, int] = {}
    value_buffer: dict = {}
    inputs = []
    for i, arg in enumerate(block.arguments):
        name = f"arg{i}"
        buffers[name] = value_bytes(arg)
        value_buffer[arg] = name
        inputs.append(name)
    nodes, ops = [], {}
    for op in compute:
        name = node_name(op)
        ops[name] = op
        ins = [value_buffer[v] for v in op.operands if v in value_buffer]
        outs = []
        for j, r in enumerate(op.results):
            b = name if len(op.results) == 1 else f"{name}.{j}"
            buffers[b] = value_bytes(r)
            value_buffer[r] = b
            outs.append(b)
        aliases = {}
        if "tigris.overlay_of" in op.attributes:
            # A stage output written over an input it consumes (tigris-tile):
            # one buffer for both, sized to hold them at their offsets.
            x = ir.StringAttr(op.attributes["tigris.overlay_of"]).value
            if value_bytes(op.results[0]):
                buffers[outs[0]] = ir.IntegerAttr(op.attributes["tigris.overlay_size"]).value
            ins.append(x)
            aliases = {outs[0]: x}
        elif (op.name in VIEW_OPS or is_row_view(op)) and ins:
            aliases = {outs[0]: ins[0]}
        elif op.name in DEST_OPS:
            aliases = {outs[0]: value_buffer[op.operands[1]]}
        elif op.results[0] in into_dest:
            dest = value_buffer[into_dest[op.results[0]].operands[1]]
            ins.append(dest)           # ordered after the destination exists
            aliases = {outs[0]: dest}
        inplace = [value_buffer[op.operands[k]] for k in INPLACE_OPS.get(op.name, ())
                   if op.operands[k] in value_buffer
                   and value_bytes(op.operands[k]) == value_bytes(op.results[0])
                   and (op.operands[k] in slow) == (op.results[0] in slow)]
        node_scratch = scratch(op) if scratch else 0
        nodes.append(Node(name, ins, outs, node_scratch, aliases, inplace))
    ret = next(op.operation for op in block.operations if op.operation.name == "func.return")
    outputs = [value_buffer[v] for v in ret.operands]
    return IRGraph(Graph(nodes, buffers, inputs, outputs), ops, value_buffer, func_op)


def overlays(func_op) -> dict:
    """{overlaid buffer name: (view offset of that input, view offset of the stage output)}."""
    out = {}
    for op in compute_ops(func_op):
        if "tigris.overlay_of" in op.attributes:
            delta = ir.IntegerAttr(op.attributes["tigris.overlay_delta"]).value
            out[ir.StringAttr(op.attributes["tigris.overlay_of"]).value] = \
                (max(0, -delta), max(0, delta))
    return out


def read_scratch(op) -> int:
    """Kernel scratch bytes recorded by tigris-bufferize (0 when absent)."""
    a = op.attributes
    return ir.IntegerAttr(a["tigris.scratch"]).value if "tigris.scratch" in a else 0


def steps(func_op) -> dict[str, int]:
    """Node name -> its position among the nodes (the step it runs at)."""
    return {node_name(op): i for i, op in enumerate(compute_ops(func_op))}


def view_offsets(func_op, g, owner) -> dict:
    """Byte offset of every value inside its buffer (views, row inserts written
    in place, in-place elementwise results, stage outputs overlaid on their
    inputs). Offsets are relative: an overlay that would start before its
    buffer shifts everything already placed in that buffer up."""
    into_dest = row_insert_targets(func_op)
    args = list(block_of(func_op).arguments)
    by_name = {f"arg{i}": a for i, a in enumerate(args)}
    by_name.update({name: op.results[0] for name, op in g.ops.items()})
    off: dict = {}
    members: dict = {}

    def place(v, o: int) -> None:
        storage = owner[g.value_buffer[v]]
        if o < 0:
            for w in members.get(storage, []):
                off[w] -= o
            o = 0
        off[v] = o
        members.setdefault(storage, []).append(v)

    for a in args:
        place(a, 0)
    for name, op in g.ops.items():
        r = op.results[0]
        if "tigris.overlay_of" in op.attributes:
            x = by_name[ir.StringAttr(op.attributes["tigris.overlay_of"]).value]
            place(r, off.get(x, 0) + ir.IntegerAttr(op.attributes["tigris.overlay_delta"]).value)
        elif op.name in VIEW_OPS:
            place(r, off.get(op.operands[0], 0))
        elif is_row_view(op):
            t = ir.RankedTensorType(op.operands[0].type)
            row = value_bytes(op.operands[0]) // t.shape[1]
            place(r, off.get(op.operands[0], 0)
                  + list(ir.DenseI64ArrayAttr(op.attributes["begin"]))[1] * row)
        elif op.name == "tigris.insert":
            place(r, off.get(op.operands[1], 0))
        elif r in into_dest:
            ins = into_dest[r]
            t = ir.RankedTensorType(ins.results[0].type)
            row = value_bytes(ins.results[0]) // t.shape[1]
            place(r, off.get(ins.operands[1], 0)
                  + ir.IntegerAttr(ins.attributes["offset"]).value * row)
        else:
            mine = owner[g.buffer_of(r)]
            place(r, next((off.get(v, 0) for v in op.operands
                           if v in g.value_buffer and owner[g.buffer_of(v)] == mine), 0))
    return off
