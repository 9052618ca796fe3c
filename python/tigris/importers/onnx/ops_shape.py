"""Data movement: Reshape/Flatten/Squeeze/Unsqueeze, Transpose, Concat, Split, Slice, Pad, Identity."""
from __future__ import annotations

import numpy as np
from mlir import ir
from mlir.dialects import tosa

from tigris.importers.onnx.emit_core import TO_NHWC, EmitterBase
from tigris.importers.onnx.graph import Act, Const, QNode


def convert_reshape(em: EmitterBase, node: QNode) -> None:
    """Every shape-only op: the output shape comes from shape inference."""
    x, out = node.inputs[0], node.outputs[0]
    v = em.get(x)
    if v.layout == "nhwc" and len(out.shape) == 4 and list(x.shape) == list(out.shape):
        em.put(out, v.value, "nhwc")
        return
    y = em.reshape(em.as_plain(v), list(out.shape))
    em.put(out, y, "plain")


def convert_identity(em: EmitterBase, node: QNode) -> None:
    x = node.inputs[0]
    if isinstance(x, Const):
        em.fail("Identity of a constant as a graph value is not supported")
    v = em.get(x)
    em.put(node.outputs[0], v.value, v.layout)


def convert_transpose(em: EmitterBase, node: QNode) -> None:
    x, out = node.inputs[0], node.outputs[0]
    v = em.get(x)
    rank = len(x.shape)
    perm = list(node.attrs.get("perm", list(range(rank))[::-1]))
    if v.layout == "nhwc":
        inv = {d: i for i, d in enumerate(TO_NHWC)}   # ONNX dim -> stored position
        stored = [inv[p] for p in perm]
        y = em.transpose(v.value, stored)
    else:
        y = em.transpose(v.value, perm)
    em.put(out, y, "plain")


def _requant_to(em: EmitterBase, x: Act, out: Act, value: ir.Value) -> ir.Value:
    if not em.quantized or x.same_quant(out):
        return value
    return em.rescale(value, em.i8, x.scale / out.scale, x.zp, out.zp)


def convert_concat(em: EmitterBase, node: QNode) -> None:
    out = node.outputs[0]
    ins = node.inputs
    if not all(isinstance(x, Act) for x in ins):
        em.fail("constant inputs to Concat are not supported")
    vs = [em.get(x) for x in ins]
    layout = em.layout_of_inputs(vs)
    axis = int(node.attrs.get("axis", 0)) % len(out.shape)
    if layout == "nhwc":
        axis = TO_NHWC.index(axis)
    vals = [_requant_to(em, x, out, em.in_layout(v, layout)) for x, v in zip(ins, vs)]
    shape = em.onnx_to_layout_shape(out.shape, layout)
    if len(vals) == 1:
        y = vals[0]
    else:
        y = tosa.concat(vals, axis, results=[em.tensor(shape)])
    em.put(out, y, layout)


def _slice(em: EmitterBase, value: ir.Value, begin, size) -> ir.Value:
    t = ir.RankedTensorType(value.type)
    if list(size) == list(t.shape):
        return value
    return tosa.slice(em.tensor(size, t.element_type), value, em.shape_const(begin),
                      em.shape_const(size))


def convert_split(em: EmitterBase, node: QNode) -> None:
    x = node.inputs[0]
    v = em.get(x)
    rank = len(x.shape)
    axis = int(node.attrs.get("axis", 0)) % rank
    stored_axis = TO_NHWC.index(axis) if v.layout == "nhwc" else axis
    base = v.value
    shape = list(ir.RankedTensorType(base.type).shape)
    start = 0
    for out in node.outputs:
        n = out.shape[axis]
        begin = [0] * rank
        begin[stored_axis] = start
        size = list(shape)
        size[stored_axis] = n
        em.put(out, _slice(em, base, begin, size), v.layout)
        start += n


def convert_slice(em: EmitterBase, node: QNode) -> None:
    x, out = node.inputs[0], node.outputs[0]
    v = em.get(x)
    rank = len(x.shape)
    consts = node.inputs[1:]
    if not all(isinstance(c, Const) or c is None for c in consts):
        em.fail("Slice starts/ends/axes/steps must be constant")
    starts = consts[0].value.reshape(-1) if consts and consts[0] is not None else np.array(node.attrs.get("starts", []))
    ends = consts[1].value.reshape(-1) if len(consts) > 1 and consts[1] is not None else np.array(node.attrs.get("ends", []))
    axes = consts[2].value.reshape(-1) if len(consts) > 2 and consts[2] is not None else np.array(node.attrs.get("axes", range(len(starts))))
    steps = consts[3].value.reshape(-1) if len(consts) > 3 and consts[3] is not None else np.ones(len(starts), np.int64)
    if np.any(steps != 1):
        em.fail("Slice with steps other than 1 is not supported")
    begin = [0] * rank
    for s, e, ax in zip(starts, ends, axes):
        ax = int(ax) % rank
        dim = x.shape[ax]
        s = int(s) + dim if s < 0 else int(s)
        begin[ax] = min(max(s, 0), dim)
    size = list(out.shape)
    if v.layout == "nhwc":
        begin = [begin[p] for p in TO_NHWC]
        size = [size[p] for p in TO_NHWC]
    em.put(out, _slice(em, v.value, begin, size), v.layout)


def convert_pad(em: EmitterBase, node: QNode) -> None:
    x, out = node.inputs[0], node.outputs[0]
    v = em.get(x)
    rank = len(x.shape)
    mode = node.attrs.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode != "constant":
        em.fail(f"Pad mode '{mode}' is not supported (constant only)")
    if len(node.inputs) > 1 and node.inputs[1] is not None:
        if not isinstance(node.inputs[1], Const):
            em.fail("pads must be constant")
        pads = [int(p) for p in node.inputs[1].value.reshape(-1)]
    else:
        pads = list(node.attrs.get("pads", []))
    axes = list(range(rank))
    if len(node.inputs) > 3 and node.inputs[3] is not None:
        axes = [int(a) % rank for a in node.inputs[3].value.reshape(-1)]
    before, after = [0] * rank, [0] * rank
    for i, ax in enumerate(axes):
        before[ax], after[ax] = pads[i], pads[len(axes) + i]
    if any(p < 0 for p in before + after):
        em.fail("negative pads (cropping) are not supported")
    value = 0.0
    if len(node.inputs) > 2 and isinstance(node.inputs[2], Const):
        value = float(node.inputs[2].real().reshape(-1)[0])
    if v.layout == "nhwc":
        before = [before[p] for p in TO_NHWC]
        after = [after[p] for p in TO_NHWC]
    flat = [p for pair in zip(before, after) for p in pair]
    if em.quantized:
        q = int(np.clip(np.round(value / x.scale) + x.zp, -128, 127))
        pad_const = em.const(np.array([q]), em.i8)
    else:
        pad_const = em.const(np.array([value], np.float32), em.f32)
    shape = [s + b + a for s, b, a in zip(list(ir.RankedTensorType(v.value.type).shape), before, after)]
    y = tosa.pad(em.tensor(shape), v.value, em.shape_const(flat), pad_const)
    em.put(out, y, v.layout)
