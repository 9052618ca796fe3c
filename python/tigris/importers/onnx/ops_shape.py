"""Data movement: Reshape/Flatten/Squeeze/Unsqueeze, Transpose, Concat, Split, Slice, Pad, Identity."""
from __future__ import annotations

import numpy as np
from mlir import ir
from mlir.dialects import tosa

from tigris.importers.onnx.emit_core import (STORED_LAYOUTS, TO_NHWC, EmitterBase, stored_axis,
                                             to_stored)
from tigris.importers.onnx.graph import Act, Const, QNode


def convert_reshape(em: EmitterBase, node: QNode) -> None:
    """Every shape-only op: the output shape comes from shape inference."""
    x, out = node.inputs[0], node.outputs[0]
    v = em.get(x)
    ins, outs = list(x.shape), list(out.shape)
    if v.layout in STORED_LAYOUTS and len(outs) in (3, 4) and ins[:2] == outs[:2]:
        # Batch and channels kept, only the spatial dims reshaped (row-major):
        # [N, C, L] <-> [N, C, L, 1] or [N, C, 1, L], [N, C, H, W] -> [N, C, H*W].
        # Stored channels-last the bytes are the same: "nhwc" / "nlc" for free.
        layout = "nhwc" if len(outs) == 4 else "nlc"
        em.put(out, em.reshape(v.value, em.onnx_to_layout_shape(outs, layout)), layout)
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
    if _free_as_nhwc(em, v, perm, out):
        return
    if v.layout == "nhwc":
        y = em.transpose(v.value, [stored_axis(p, "nhwc") for p in perm])
    elif v.layout == "nlc":
        # The storage [N, L, 1, C] holds the bytes of [N, L, C]: ONNX dims
        # (0, 2, 1) in that order. A Transpose to [N, L, C] is then free.
        n, length, _, c = v.shape
        nlc = em.reshape(v.value, [n, length, c])
        y = em._move(nlc, [(0, 2, 1).index(p) for p in perm], list(out.shape))
    else:
        y = em.transpose(v.value, perm)
    em.put(out, y, "plain")


def _free_as_nhwc(em: EmitterBase, v, perm: list[int], out: Act) -> bool:
    """A 4-D Transpose whose result, stored NHWC, has the bytes of its input
    as stored (an exporter's NHWC -> NCHW Transpose of a plain input): no copy,
    the input is the NHWC result. Only when the ONNX-order result is not free."""
    if len(perm) != 4 or v.layout not in ("plain", "nhwc"):
        return False
    stored = TO_NHWC if v.layout == "nhwc" else (0, 1, 2, 3)
    as_plain = [stored.index(p) for p in perm]
    as_nhwc = [stored.index(perm[k]) for k in TO_NHWC]
    shape = ir.RankedTensorType(v.value.type).shape
    if not _same_bytes(shape, as_nhwc) or _same_bytes(shape, as_plain):
        return False
    em.put(out, em.reshape(v.value, to_stored(list(out.shape), "nhwc", fill=1)), "nhwc")
    return True


def _same_bytes(shape, perm) -> bool:
    """Whether transposing by `perm` moves only unit dimensions."""
    return [p for p in perm if shape[p] != 1] == [i for i, n in enumerate(shape) if n != 1]


def _requant_to(em: EmitterBase, x: Act, out: Act, value: ir.Value) -> ir.Value:
    if not em.quantized or x.same_quant(out):
        return value
    return em.rescale(value, em.i8, x.scale / out.scale, x.zp, out.zp)


def convert_concat(em: EmitterBase, node: QNode) -> None:
    out = node.outputs[0]
    ins = node.inputs
    acts = [x for x in ins if isinstance(x, Act)]
    if not acts:
        em.fail("Concat of constants only")
    vs = {id(x): em.get(x) for x in acts}
    layout = em.layout_of_inputs(list(vs.values()))
    axis = stored_axis(int(node.attrs.get("axis", 0)) % len(out.shape), layout)
    vals = [_requant_to(em, x, out, em.in_layout(vs[id(x)], layout)) if isinstance(x, Act)
            else _concat_constant(em, x, out, layout) for x in ins]
    shape = em.onnx_to_layout_shape(out.shape, layout)
    if len(vals) == 1:
        y = vals[0]
    else:
        y = tosa.concat(vals, axis, results=[em.tensor(shape)])
    em.put(out, y, layout)


def _concat_constant(em: EmitterBase, c: Const, out: Act, layout: str) -> ir.Value:
    """A constant operand of Concat (anchors, a learned token), in the output's
    quantization as onnxruntime gives it: QuantizeLinear of its real value."""
    real = c.real()
    if real.ndim != len(out.shape):
        em.fail(f"constant '{c.name}' has rank {real.ndim}, the output {len(out.shape)}")
    arr = em.const_to_layout(real, layout)
    if not em.quantized:
        return em.const(arr.astype(np.float32), em.f32)
    q = np.clip(np.round(arr.astype(np.float32) / np.float32(out.scale)) + out.zp, -128, 127)
    return em.const(q.astype(np.int8), em.i8)


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
    at = stored_axis(axis, v.layout)
    base = v.value
    shape = list(ir.RankedTensorType(base.type).shape)
    start = 0
    for out in node.outputs:
        n = out.shape[axis]
        begin = [0] * len(shape)
        begin[at] = start
        size = list(shape)
        size[at] = n
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
    begin = to_stored(begin, v.layout, fill=0)
    size = to_stored(list(out.shape), v.layout, fill=1)
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
    before = to_stored(before, v.layout, fill=0)
    after = to_stored(after, v.layout, fill=0)
    flat = [p for pair in zip(before, after) for p in pair]
    if em.quantized:
        q = int(np.clip(np.round(value / x.scale) + x.zp, -128, 127))
        pad_const = em.const(np.array([q]), em.i8)
    else:
        pad_const = em.const(np.array([value], np.float32), em.f32)
    shape = [s + b + a for s, b, a in zip(list(ir.RankedTensorType(v.value.type).shape), before, after)]
    y = tosa.pad(em.tensor(shape), v.value, em.shape_const(flat), pad_const)
    em.put(out, y, v.layout)
