"""Pooling (and ReduceMean / ReduceMax over H and W, global average / max pools),
Resize and Softmax.

Resize and Softmax go straight to tigris kernel ops: TOSA's resize cannot
express every ONNX coordinate mode, and TOSA has no int8 softmax op.
"""
from __future__ import annotations

import math

import numpy as np
from mlir import ir
from mlir.dialects import tosa

from tigris.dialects import custom_kernel
from tigris.importers.onnx.emit_core import STORED_LAYOUTS, EmitterBase
from tigris.importers.onnx.graph import Act, Const, QNode
from tigris.importers.onnx.ops_conv import (conv_padding, convert_conv, fit_tosa_padding,
                                            floor_window, lift_1d_attrs)
from tigris.reference.fixedpoint import softmax_exp_table, softmax_output_scale_q16


def _pool_geometry(em: EmitterBase, node: QNode, h: int, w: int):
    a = node.attrs
    k = list(a.get("kernel_shape", []))
    if len(k) != 2:
        em.fail(f"only 2-D pooling is supported (kernel_shape {k})")
    strides = list(a.get("strides", [1, 1]))
    dil = list(a.get("dilations", [1, 1]))
    pad = conv_padding(em, a, (h, w), k, strides, dil)
    if a.get("ceil_mode", 0):
        # Extend bottom/right padding so the floor formula gives the ceil size;
        # a window starting inside the padding is dropped, as ONNX specifies.
        for i, (size, lo, hi) in enumerate(((h, 0, 1), (w, 2, 3))):
            span = size + pad[lo] + pad[hi] - dil[i] * (k[i] - 1) - 1
            out = -(-span // strides[i]) + 1
            if (out - 1) * strides[i] >= size + pad[lo]:
                out -= 1
            pad[hi] += max(0, (out - 1) * strides[i] + dil[i] * (k[i] - 1) + 1 - (size + pad[lo] + pad[hi]))
    return k, strides, dil, pad


def _lift_1d(em: EmitterBase, node: QNode):
    """A pool over [N, C, L] as a 2-D pool over its "nlc" storage, the NHWC
    image [N, L, 1, C] (window (k, 1)): the lifted node (4-D ONNX-order
    shapes [N, C, L, 1]) and a finisher that leaves the output "nlc"."""
    x, out = node.inputs[0], node.outputs[0]
    n, c, length = x.shape
    val = em.as_nlc(em.get(x))
    a = lift_1d_attrs(em, node.attrs)
    out4 = Act(out.name + ".2d", (out.shape[0], out.shape[1], out.shape[2], 1), out.scale, out.zp)
    x4 = Act(x.name + ".2d", (n, c, length, 1), x.scale, x.zp)
    em.put(x4, val, "nhwc")

    def finish():
        em.put(out, em.get(out4).value, "nlc")   # [N, OL, 1, C]: already "nlc"
    return QNode(node.name, node.op, [x4] + node.inputs[1:], [out4], a, node.clamp), finish


def _pool_1d_or_2d(convert):
    def run(em: EmitterBase, node: QNode) -> None:
        if len(node.inputs[0].shape) == 3:
            lifted, finish = _lift_1d(em, node)
            convert(em, lifted)
            finish()
            return
        convert(em, node)
    return run


def convert_maxpool(em: EmitterBase, node: QNode) -> None:
    x, out = node.inputs[0], node.outputs[0]
    xv = em.as_nhwc(em.get(x))
    n, h, w, c = ir.RankedTensorType(xv.type).shape
    if node.op == "GlobalMaxPool":
        k, strides, dil, pad = [h, w], [1, 1], [1, 1], [0, 0, 0, 0]
    else:
        k, strides, dil, pad = _pool_geometry(em, node, h, w)
    shape = [out.shape[i] for i in (0, 2, 3, 1)]
    tosa_pad = fit_tosa_padding((h, w), k, strides, dil, pad)
    if dil != [1, 1]:
        # TOSA has no dilated pooling: the tigris kernel op directly.
        if not em.quantized:
            em.fail("dilated max pooling in a float model is not supported")
        y = custom_kernel("max_pool", [xv], em.tensor(shape), {
            "kernel": k, "stride": strides, "dilation": dil, "pad": pad,
            "act_min": -128, "act_max": 127})
    else:
        if tosa_pad is None:
            xv, tosa_pad = _floor_slice(em, xv, shape, k, strides, pad)
        y = tosa.max_pool2d(em.tensor(shape), xv, ir.DenseI64ArrayAttr.get(k),
                            ir.DenseI64ArrayAttr.get(strides), ir.DenseI64ArrayAttr.get(tosa_pad))
    em.put(out, y, "nhwc")


def convert_avgpool(em: EmitterBase, node: QNode) -> None:
    x, out = node.inputs[0], node.outputs[0]
    xv = em.as_nhwc(em.get(x))
    n, h, w, c = ir.RankedTensorType(xv.type).shape
    if node.op == "GlobalAveragePool":
        k, strides, pad, include = [h, w], [1, 1], [0, 0, 0, 0], 0
    else:
        k, strides, dil, pad = _pool_geometry(em, node, h, w)
        include = int(node.attrs.get("count_include_pad", 0))
        if dil != [1, 1]:
            _dilated_avgpool(em, node, (h, w), k, strides, dil, pad, include)
            return
    shape = [out.shape[i] for i in (0, 2, 3, 1)]
    zp = x.zp if em.quantized else 0
    if include and any(pad):
        # ONNX pads with real 0 (the zero point) and divides by the full
        # window; TOSA excludes padding, so the padding is made explicit.
        pad_const = em.const(np.array([zp]), em.act_type) if em.quantized else \
            em.const(np.array([0.0], np.float32), em.f32)
        padded = [n, h + pad[0] + pad[1], w + pad[2] + pad[3], c]
        xv = tosa.pad(em.tensor(padded), xv, em.shape_const([0, 0, pad[0], pad[1], pad[2], pad[3], 0, 0]),
                      pad_const)
        pad = [0, 0, 0, 0]
    acc = em.i32 if em.quantized else em.f32
    h2, w2 = ir.RankedTensorType(xv.type).shape[1:3]
    tosa_pad = fit_tosa_padding((h2, w2), k, strides, [1, 1], pad)
    if tosa_pad is None:
        xv, tosa_pad = _floor_slice(em, xv, shape, k, strides, pad)
    y = tosa.avg_pool2d(em.tensor(shape), xv, em.zp(zp, em.act_type), em.zp(zp, em.act_type),
                        ir.DenseI64ArrayAttr.get(k), ir.DenseI64ArrayAttr.get(strides),
                        ir.DenseI64ArrayAttr.get(tosa_pad), ir.TypeAttr.get(acc))
    if em.quantized and not x.same_quant(out):
        y = em.rescale(y, em.i8, x.scale / out.scale, x.zp, out.zp)
    em.put(out, y, "nhwc")


def _floor_slice(em: EmitterBase, xv, out_shape, k, strides, pad):
    """A floor-mode pool's input cut to the rows/columns its windows read, and its
    TOSA padding (floor_window; tigris-legalize folds the slice back)."""
    n, h, w, c = ir.RankedTensorType(xv.type).shape
    (uh, uw), tosa_pad = floor_window((h, w), out_shape[1:3], k, strides, [1, 1], pad)
    xv = tosa.slice(em.tensor([n, uh, uw, c]), xv, em.shape_const([0, 0, 0, 0]),
                    em.shape_const([n, uh, uw, c]))
    return xv, tosa_pad


def _dilated_avgpool(em: EmitterBase, node: QNode, hw, k, strides, dil, pad, include) -> None:
    """A dilated AveragePool (opset 19) whose every window divides by the
    full kernel size: a depthwise convolution with unit weights of scale
    1 / (KH * KW), its padding the zero point (real 0). That holds with no
    padding, or with count_include_pad=1 and no ceil_mode windows past the
    given pads (those divide by the part inside them)."""
    x = node.inputs[0]
    given = conv_padding(em, node.attrs, hw, k, strides, dil)
    if pad != given or any(pad) and not include:
        em.fail("dilated average pooling over padding is supported only with "
                "count_include_pad=1 and no ceil_mode windows past the pads")
    c, size = x.shape[1], k[0] * k[1]
    if em.quantized:
        w = Const(f"{node.name}.window", np.ones((c, 1, *k), np.int64),
                  np.full(c, 1.0 / size), np.zeros(c, np.int64), 0)
    else:
        w = Const(f"{node.name}.window", np.full((c, 1, *k), 1.0 / size, np.float32))
    attrs = {"group": c, "strides": strides, "dilations": dil, "kernel_shape": k,
             "pads": [pad[0], pad[2], pad[1], pad[3]]}
    convert_conv(em, QNode(node.name, "Conv", [x, w], node.outputs, attrs, node.clamp))


# ------------------------------------------------------- ReduceMean, ReduceMax
def reduce_mean_axes(em: EmitterBase, node: QNode) -> tuple[list[int] | None, bool]:
    """The axes a ReduceMean (or ReduceMax) reduces as the ONNX standard reads them (sorted,
    non-negative; None when the node is the identity), and whether they were
    defaulted. Before opset 18 axes is an attribute; from 18 it is an optional
    second input, and noop_with_empty_axes=1 makes empty axes the identity.
    No axes otherwise means every axis."""
    x = node.inputs[0]
    rank = len(x.shape)
    opset = node.attrs.get("_opset", 13)
    given = node.inputs[1] if len(node.inputs) > 1 else None
    if opset >= 18:
        if "axes" in node.attrs:
            em.fail(f"an axes attribute is not part of {node.op} at opset {opset} "
                    "(axes is the second input from opset 18)")
        if given is not None and not isinstance(given, Const):
            em.fail("the axes input must be a constant (computed axes are not supported)")
        axes = [] if given is None else [int(a) for a in np.asarray(given.value).reshape(-1)]
        if not axes and node.attrs.get("noop_with_empty_axes", 0):
            return None, False
    else:
        if given is not None:
            em.fail(f"axes given as an input needs opset 18 "
                    f"(at opset {opset} axes is an attribute)")
        if "noop_with_empty_axes" in node.attrs:
            em.fail(f"noop_with_empty_axes is not part of {node.op} at opset {opset} "
                    "(it appears in opset 18)")
        axes = [int(a) for a in node.attrs.get("axes", [])]
    if not axes:
        return list(range(rank)), True
    bad = [a for a in axes if not -rank <= a < rank]
    if bad:
        em.fail(f"axis {bad[0]} is out of range for a rank-{rank} input")
    return sorted({a % rank for a in axes}), False


# The global pool each reduction over the spatial axes is.
GLOBAL_POOLS = {"ReduceMean": ("GlobalAveragePool", "a global average pool"),
                "ReduceMax": ("GlobalMaxPool", "a global max pool"),
                "ReduceMin": ("GlobalMaxPool", "a global min pool")}


def convert_reduce(em: EmitterBase, node: QNode) -> None:
    """ReduceMean (ReduceMax) over the spatial axes of an NCHW tensor: a global
    average (max) pool, then a reshape to [N, C] when keepdims=0. Other axes
    are rejected. ReduceMax is a mover (emit.MOVERS): a change of quantization
    is a requantization after it, so it runs on the input's."""
    x, out = node.inputs[0], node.outputs[0]
    if node.op == "ReduceMin" and isinstance(x, Act) and "_reversed" not in node.attrs:
        _reduce_min(em, node)
        return
    if not isinstance(x, Act):
        em.fail("the data input must be an activation")
    pool, what_pool = GLOBAL_POOLS[node.op]
    convert = convert_avgpool if pool == "GlobalAveragePool" else convert_maxpool
    axes, defaulted = reduce_mean_axes(em, node)
    if axes is None:   # empty axes with noop_with_empty_axes=1
        v = em.get(x)
        y = v.value
        if em.quantized and not x.same_quant(out):
            y = em.rescale(y, em.i8, x.scale / out.scale, x.zp, out.zp)
        em.put(out, y, v.layout)
        return
    rank = len(x.shape)
    what = f"axes {axes}" + (" (no axes given: every axis)" if defaulted else "")
    if rank != 4:
        em.fail(f"{node.op} of a rank-{rank} tensor over {what} is not supported "
                "(only a 4-D NCHW tensor over its spatial axes [2, 3])")
    if axes != [2, 3]:
        why = "not the batch or channel axis" if axes[0] < 2 else "both of them together"
        em.fail(f"{node.op} over {what} is not supported: only the spatial axes [2, 3] of "
                f"a 4-D NCHW tensor can be reduced ({what_pool}), {why}")
    n, c = x.shape[:2]
    if node.attrs.get("keepdims", 1):
        convert(em, QNode(node.name, pool, [x], [out]))
        return
    pooled = Act(out.name + ".4d", (n, c, 1, 1), out.scale, out.zp)
    convert(em, QNode(node.name, pool, [x], [pooled]))
    # NHWC [N, 1, 1, C] and [N, C] hold the same bytes: a free reshape.
    em.put(out, em.reshape(em.get(pooled).value, [n, c]), "plain")


convert_reduce_mean = convert_reduce


def _reduce_min(em: EmitterBase, node: QNode) -> None:
    """min(x) = -max(-x). On int8 codes, q -> -1 - q reverses their order (a
    lookup table), so a global max pool between two such tables is a global
    min pool, exactly, with the same quantization throughout; in a float
    model, negations."""
    x, out = node.inputs[0], node.outputs[0]
    v = em.get(x)
    flipped = Act(x.name + ".reversed", x.shape, x.scale, x.zp)
    em.put(flipped, _reverse(em, v.value), v.layout)
    mid = Act(out.name + ".reversed", out.shape, out.scale, out.zp)
    convert_reduce(em, QNode(node.name, node.op, [flipped] + node.inputs[1:], [mid],
                             {**node.attrs, "_reversed": True}, node.clamp))
    m = em.get(mid)
    em.put(out, _reverse(em, m.value), m.layout)


def _reverse(em: EmitterBase, value: ir.Value) -> ir.Value:
    t = ir.RankedTensorType(value.type)
    if em.quantized:
        table = (-1 - np.arange(-128, 128)).astype(np.int8)
        return tosa.table(t, value, em.const(table, em.i8))
    zero = em.const(np.zeros(1, np.float32), em.f32)
    return tosa.negate(t, value, zero, zero)


# ------------------------------------------------------------------- resize
def _coordinate(mode: str, out_i: np.ndarray, scale: float, in_size: int, out_size: int):
    if mode == "half_pixel":
        return (out_i + 0.5) / scale - 0.5
    if mode == "pytorch_half_pixel":
        return (out_i + 0.5) / scale - 0.5 if out_size > 1 else np.zeros_like(out_i)
    if mode == "align_corners":
        return out_i * (in_size - 1) / (out_size - 1) if out_size > 1 else np.zeros_like(out_i)
    if mode == "asymmetric":
        return out_i / scale
    if mode == "tf_half_pixel_for_nn":
        return (out_i + 0.5) / scale
    if mode == "half_pixel_symmetric":
        adj = out_size / scale
        center = in_size / 2
        offset = center * (1 - adj / in_size)
        return offset + (out_i + 0.5) / scale - 0.5
    raise ValueError(mode)


def _nearest(mode: str, x: np.ndarray) -> np.ndarray:
    if mode == "round_prefer_floor":
        return np.where(x - np.floor(x) == 0.5, np.floor(x), np.round(x))
    if mode == "round_prefer_ceil":
        return np.where(x - np.floor(x) == 0.5, np.ceil(x), np.round(x))
    if mode == "floor":
        return np.floor(x)
    if mode == "ceil":
        return np.ceil(x)
    raise ValueError(mode)


def resize_tables(mode: str, coord: str, nearest_mode: str, in_size: int, out_size: int,
                  scale: float) -> tuple[list[int], list[int], list[int]]:
    """Per output index along one axis: (index0, index1, Q11 weight of index1)."""
    o = np.arange(out_size, dtype=np.float64)
    src = _coordinate(coord, o, scale, in_size, out_size)
    if mode == "nearest":
        idx = np.clip(_nearest(nearest_mode, src), 0, in_size - 1).astype(np.int64)
        return idx.tolist(), idx.tolist(), [0] * out_size
    src = np.clip(src, 0, in_size - 1)
    i0 = np.floor(src).astype(np.int64)
    i1 = np.minimum(i0 + 1, in_size - 1)
    wgt = np.round((src - i0) * 2048).astype(np.int64)
    return i0.tolist(), i1.tolist(), wgt.tolist()


def _resize_scales(em: EmitterBase, node: QNode) -> tuple[float, float]:
    """The H and W scales the coordinate transform divides by, as the standard
    defines them: the scales input (Resize-10 and Upsample-9: input 1, from
    Resize-11: input 2, Upsample-7: an attribute), else sizes / input size,
    one per entry of the axes attribute (opset 18; default every axis);
    keep_aspect_ratio_policy not_larger / not_smaller takes the smallest /
    largest of the sizes' ratios for every axis listed."""
    x, a = node.inputs[0], node.attrs
    rank = len(x.shape)
    consts = [c for c in node.inputs[1:]]
    scales = consts[0] if len(consts) == 1 else consts[1] if len(consts) > 1 else None
    sizes = consts[2] if len(consts) > 2 else None
    if any(c is not None and not isinstance(c, Const) for c in (scales, sizes)):
        em.fail("Resize scales and sizes must be constant")
    axes = [int(ax) % rank for ax in a.get("axes", range(rank))]
    per = [1.0] * rank
    if node.op == "Upsample" and "scales" in a:
        per = [float(v) for v in a["scales"]]
    elif scales is not None and scales.value.size:
        for ax, v in zip(axes, scales.value.reshape(-1)):
            per[ax] = float(v)
    elif sizes is not None and sizes.value.size:
        ratios = [int(v) / x.shape[ax] for ax, v in zip(axes, sizes.value.reshape(-1))]
        policy = a.get("keep_aspect_ratio_policy", b"stretch")
        policy = policy.decode() if isinstance(policy, bytes) else policy
        if policy in ("not_larger", "not_smaller"):
            ratios = [(min if policy == "not_larger" else max)(ratios)] * len(axes)
        for ax, r in zip(axes, ratios):
            per[ax] = r
    else:
        out = node.outputs[0]
        per = [o / i for o, i in zip(out.shape, x.shape)]
    return per[2], per[3]


def convert_resize(em: EmitterBase, node: QNode) -> None:
    x, out = node.inputs[0], node.outputs[0]
    a = node.attrs
    dec = lambda v, d: (v.decode() if isinstance(v, bytes) else v) if v is not None else d
    mode = dec(a.get("mode"), "nearest")
    coord = dec(a.get("coordinate_transformation_mode"), "half_pixel" if node.op == "Resize" else "asymmetric")
    nearest_mode = dec(a.get("nearest_mode"), "round_prefer_floor")
    if node.op == "Upsample":
        coord = "asymmetric"
        nearest_mode = "floor"
    if mode not in ("nearest", "linear", "bilinear"):
        em.fail(f"Resize mode '{mode}' is not supported (nearest, linear)")
    mode = "linear" if mode == "bilinear" else mode
    if a.get("antialias", 0):
        em.fail("Resize with antialias=1 is not supported")
    if coord == "tf_crop_and_resize":
        em.fail("coordinate_transformation_mode tf_crop_and_resize is not supported")
    if len(x.shape) != 4:
        em.fail(f"Resize of a rank-{len(x.shape)} tensor is not supported (4-D only)")
    if x.shape[0] != out.shape[0] or x.shape[1] != out.shape[1]:
        em.fail("Resize may only scale the spatial dimensions")
    _, _, h, w = x.shape
    _, _, oh, ow = out.shape
    sy, sx = _resize_scales(em, node)
    try:
        y0, y1, wy = resize_tables(mode, coord, nearest_mode, h, oh, sy)
        x0, x1, wx = resize_tables(mode, coord, nearest_mode, w, ow, sx)
    except ValueError as e:
        em.fail(f"unsupported Resize mode '{e}'")
    xv = em.as_nhwc(em.get(x))
    y = custom_kernel("resize", [xv], em.tensor([out.shape[i] for i in (0, 2, 3, 1)]), {
        "mode": mode, "y_index0": y0, "y_index1": y1, "y_weight": wy,
        "x_index0": x0, "x_index1": x1, "x_weight": wx})
    em.put(out, y, "nhwc")


# ------------------------------------------------------------------ softmax
def convert_softmax(em: EmitterBase, node: QNode) -> None:
    x, out = node.inputs[0], node.outputs[0]
    v = em.get(x)
    if not em.quantized:
        _float_softmax(em, node, v)
        return
    rank = len(x.shape)
    opset_lt_13 = node.attrs.get("_opset", 13) < 13
    axis = int(node.attrs.get("axis", 1 if opset_lt_13 else -1)) % rank
    if opset_lt_13 or axis != rank - 1:
        # Softmax over a trailing block (opset < 13) or a middle axis: bring it last.
        if opset_lt_13:
            rows, cols = int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:]))
            val = em.reshape(em.as_plain(v), [rows, cols])
        else:
            perm = [d for d in range(rank) if d != axis] + [axis]
            if v.layout in STORED_LAYOUTS and axis == 1:
                val = v.value   # channels are already last ("nhwc", "nlc")
                perm = None
            else:
                val = em.transpose(em.as_plain(v), perm)
        t = ir.RankedTensorType(val.type)
        y = custom_kernel("softmax", [val], em.tensor(list(t.shape)), _softmax_attrs(x, out, node))
        if opset_lt_13:
            em.put(out, em.reshape(y, list(out.shape)), "plain")
        elif perm is None:
            em.put(out, y, v.layout)
        else:
            inv = [perm.index(d) for d in range(rank)]
            em.put(out, em.transpose(y, inv), "plain")
        return
    val = em.as_plain(v)
    y = custom_kernel("softmax", [val], em.tensor(list(out.shape)), _softmax_attrs(x, out, node))
    em.put(out, y, "plain")


def _float_softmax(em: EmitterBase, node: QNode, v) -> None:
    """exp(x - max) / sum over the axis, in TOSA float ops."""
    x, out = node.inputs[0], node.outputs[0]
    rank = len(x.shape)
    axis = int(node.attrs.get("axis", -1)) % rank
    if node.attrs.get("_opset", 13) < 13 and axis != rank - 1:
        em.fail("opset < 13 Softmax over several axes in a float model is not supported")
    val = em.as_plain(v)
    t = ir.RankedTensorType(val.type)
    reduced = list(t.shape)
    reduced[axis] = 1
    ax = ir.IntegerAttr.get(ir.IntegerType.get_signless(32), axis)
    mx = tosa.reduce_max(val, ax, results=[em.tensor(reduced)])
    e = tosa.exp(t, tosa.sub(t, val, mx))
    total = tosa.reduce_sum(e, ax, results=[em.tensor(reduced)])
    y = tosa.mul(t, e, tosa.reciprocal(em.tensor(reduced), total), em.zp(0, em.i8))
    em.put(out, y, "plain")


def _softmax_attrs(x, out, node) -> dict:
    return {"exp_table": softmax_exp_table(x.scale, 1.0),
            "output_scale_q16": softmax_output_scale_q16(out.scale), "output_offset": out.zp}


del math


convert_maxpool = _pool_1d_or_2d(convert_maxpool)
convert_avgpool = _pool_1d_or_2d(convert_avgpool)
