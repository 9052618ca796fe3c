"""One converter per TFLite builtin operator: TFLite tensors and options ->
QNodes with ONNX semantics (python/tigris/importers/tflite/convert.py)."""
from __future__ import annotations

import numpy as np

from tigris.importers.onnx.graph import Act, Const
from tigris.importers.tflite.convert import INT8, NHWC_TO_NCHW_AXIS, Converter
from tigris.importers.tflite import tflm_tables
from tigris.importers.tflite.load import Operator

SAME, VALID = 0, 1


def _pads(cv: Converter, padding: int, size, k, stride, dil) -> list[int]:
    """TFLite padding -> ONNX pads [top, left, bottom, right] (SAME puts the
    odd pixel after, as tflite's ComputePaddingHeightWidth)."""
    for what, vals in (("filter size", k), ("stride", stride), ("dilation", dil)):
        if any(not 1 <= int(v) <= 65535 for v in vals):
            cv.fail(f"{what} {list(vals)} is outside 1..65535")
        if what != "stride" and any((int(v) - 1) * int(d) + 1 > n + 2 * 65535
                                    for v, d, n in zip(k, dil, size)):
            cv.fail(f"a {list(k)} window does not fit the input")
    if padding == VALID:
        return [0, 0, 0, 0]
    if padding != SAME:
        cv.fail(f"padding {padding} is not supported (SAME or VALID)")
    before, after = [], []
    for n, kk, s, d in zip(size, k, stride, dil):
        eff = (kk - 1) * d + 1
        out = (n + s - 1) // s
        total = max((out - 1) * s + eff - n, 0)
        before.append(total // 2)
        after.append(total - total // 2)
    return [before[0], before[1], after[0], after[1]]


def _image(cv: Converter, idx: int) -> Act:
    a = cv.act(idx)
    if len(a.shape) != 4:
        cv.fail(f"expected a 4-D NHWC input, got shape {cv.tensor(idx).shape}")
    return a


def _check_out(cv: Converter, a: Act, expect, what: str = "output") -> None:
    if tuple(a.shape) != tuple(expect):
        cv.fail(f"the {what} has shape {list(a.shape)}, the operator computes {list(expect)} "
                "(ONNX order)")


def _bias(cv: Converter, op: Operator, cout: int) -> Const | None:
    if len(op.inputs) < 3 or op.inputs[2] < 0:
        return None
    b = cv.const(op.inputs[2], "bias")
    if cv.tensor(op.inputs[2]).type != 2:
        cv.fail(f"the bias is {cv.tensor(op.inputs[2]).type_name}; int32 is supported")
    if b.value.size != cout:
        cv.fail(f"the bias has {b.value.size} values for {cout} output channels")
    if b.scale is not None and b.scale.size not in (1, cout):
        cv.fail(f"the bias has {b.scale.size} scales for {cout} output channels")
    return Const(b.name, b.value.reshape(-1), b.scale, b.zp, 0 if b.scale is not None
                 and b.scale.size > 1 else None)


def _weights(cv: Converter, idx: int, value: np.ndarray) -> Const:
    """Symmetric int8 weights (`value` already in the ONNX layout, output
    channels first), one scale or one per output channel."""
    t = cv.tensor(idx)
    if t.quantized and (t.scale.size not in (1, value.shape[0]) or t.zp.size != t.scale.size):
        cv.fail(f"the weights (tensor {idx}) have {t.scale.size} scales and {t.zp.size} zero "
                f"points for {value.shape[0]} output channels")
    if t.quantized and not np.all((t.scale > 0) & np.isfinite(t.scale)):
        cv.fail(f"the weights (tensor {idx}) have a scale that is not positive")
    if t.type != INT8 or not t.quantized:
        cv.fail(f"the weights (tensor {idx} '{t.name}') are {t.type_name}"
                f"{'' if t.quantized else ' without quantization'}; int8 is supported")
    if np.any(t.zp != 0):
        cv.fail(f"the weights (tensor {idx} '{t.name}') have a non-zero zero point")
    return Const(f"{t.name}#{idx}", value, t.scale, t.zp, 0 if t.scale.size > 1 else None)


def conv_2d(cv: Converter, op: Operator) -> None:
    o = op.options
    x = _image(cv, op.inputs[0])
    w = cv.const(op.inputs[1], "weights")
    if w.value.ndim != 4:
        cv.fail(f"the weights have shape {list(w.value.shape)}; [O, KH, KW, I] expected")
    cout, kh, kw, cin_g = w.value.shape
    cin = x.shape[1]
    if cin % cin_g:
        cv.fail(f"{cin} input channels are not a multiple of the weights' {cin_g}")
    if cv.tensor(op.inputs[1]).quantized and cv.tensor(op.inputs[1]).scale.size > 1 \
            and cv.tensor(op.inputs[1]).axis != 0:
        cv.fail("per-channel weights quantized along an axis other than 0")
    wc = _weights(cv, op.inputs[1], w.value.transpose(0, 3, 1, 2))
    stride, dil = [o.StrideH(), o.StrideW()], [o.DilationHFactor(), o.DilationWFactor()]
    pads = _pads(cv, o.Padding(), x.shape[2:], (kh, kw), stride, dil)
    out = cv.act(op.outputs[0])
    b = _bias(cv, op, cout)
    cv.add("Conv", [x, wc] + ([b] if b else []), [out],
           {"strides": stride, "dilations": dil, "pads": pads, "group": cin // cin_g},
           cv.activation(o.FusedActivationFunction()))


def depthwise_conv_2d(cv: Converter, op: Operator) -> None:
    o = op.options
    x = _image(cv, op.inputs[0])
    w = cv.const(op.inputs[1], "weights")
    if w.value.ndim != 4 or w.value.shape[0] != 1:
        cv.fail(f"the weights have shape {list(w.value.shape)}; [1, KH, KW, C*M] expected")
    _, kh, kw, cm = w.value.shape
    cin = x.shape[1]
    if cm % cin:
        cv.fail(f"{cm} output channels are not a multiple of the {cin} input channels")
    t = cv.tensor(op.inputs[1])
    if t.quantized and t.scale.size > 1 and t.axis != 3:
        cv.fail("per-channel depthwise weights quantized along an axis other than 3")
    wc = _weights(cv, op.inputs[1], w.value[0].transpose(2, 0, 1)[:, None, :, :])
    stride, dil = [o.StrideH(), o.StrideW()], [o.DilationHFactor(), o.DilationWFactor()]
    pads = _pads(cv, o.Padding(), x.shape[2:], (kh, kw), stride, dil)
    out = cv.act(op.outputs[0])
    b = _bias(cv, op, cm)
    cv.add("Conv", [x, wc] + ([b] if b else []), [out],
           {"strides": stride, "dilations": dil, "pads": pads, "group": cin},
           cv.activation(o.FusedActivationFunction()))


def fully_connected(cv: Converter, op: Operator) -> None:
    o = op.options
    if o is not None and o.WeightsFormat() != 0:
        cv.fail("shuffled weights are not supported")
    x = cv.act(op.inputs[0])
    w = cv.const(op.inputs[1], "weights")
    if w.value.ndim != 2:
        cv.fail(f"the weights have shape {list(w.value.shape)}; [O, K] expected")
    cout, k = w.value.shape
    t = cv.tensor(op.inputs[0])
    total = int(np.prod(t.shape))
    if total % k:
        cv.fail(f"the input's {total} values are not rows of the weights' {k}")
    rows = total // k
    if tuple(t.shape) != (rows, k):
        flat = cv.fresh(x, (rows, k), "rows")
        cv.reshape_to(x, flat)
        x = flat
    out = cv.act(op.outputs[0])
    act = cv.activation(o.FusedActivationFunction()) if o is not None else None
    wc = _weights(cv, op.inputs[1], w.value)
    b = _bias(cv, op, cout)
    y = out if tuple(out.shape) == (rows, cout) else cv.fresh(out, (rows, cout), "fc")
    cv.add("Gemm", [x, wc] + ([b] if b else []), [y], {"transB": 1}, act)
    if y is not out:
        if int(np.prod(out.shape)) != rows * cout:
            cv.fail(f"the output has shape {list(cv.tensor(op.outputs[0]).shape)} for "
                    f"{rows} x {cout} values")
        cv.reshape_to(y, out)


def _operand(cv: Converter, idx: int, rank: int):
    """An elementwise operand: an activation of the output's rank, or a
    constant (numpy broadcasting in TFLite's NHWC order, moved to ONNX order)."""
    t = cv.tensor(idx)
    if t.data is None:
        a = cv.act(idx)
        if len(t.shape) != rank:
            cv.fail(f"operands of rank {len(t.shape)} and {rank}: broadcasting across ranks "
                    "is not supported yet")
        return a
    if t.type != INT8 or not t.quantized or t.scale.size != 1:
        cv.fail(f"the constant operand (tensor {idx}) must be int8 quantized per tensor")
    v = t.data.reshape((1,) * (rank - t.data.ndim) + t.data.shape)
    if rank == 4:
        v = v.transpose(0, 3, 1, 2)
    return Const(f"{t.name}#{idx}", v, t.scale, t.zp, None)


def binary(cv: Converter, op: Operator) -> None:
    rank = len(cv.tensor(op.outputs[0]).shape)
    a, b = (_operand(cv, i, rank) for i in op.inputs[:2])
    if not isinstance(a, Act) and not isinstance(b, Act):
        cv.fail("both operands are constants")
    out = cv.act(op.outputs[0])
    act = cv.activation(op.options.FusedActivationFunction()) if op.options is not None else None
    kind = {"ADD": "Add", "SUB": "Sub", "MUL": "Mul"}[op.name]
    cv.add(kind, [a, b], [out], {}, act)


def _clip(cv: Converter, y: Act, out: Act, act) -> None:
    lo, hi = act
    cv.add("Clip", [y], [out], {"min": lo, "max": hi})


def pool(cv: Converter, op: Operator) -> None:
    o = op.options
    x = _image(cv, op.inputs[0])
    k, stride = [o.FilterHeight(), o.FilterWidth()], [o.StrideH(), o.StrideW()]
    pads = _pads(cv, o.Padding(), x.shape[2:], k, stride, [1, 1])
    out = cv.act(op.outputs[0])
    act = cv.activation(o.FusedActivationFunction())
    y = out if act is None else cv.fresh(out, out.shape, "pool")
    kind = "AveragePool" if op.name == "AVERAGE_POOL_2D" else "MaxPool"
    cv.add(kind, [x], [y], {"kernel_shape": k, "strides": stride, "pads": pads,
                            "count_include_pad": 0})
    if act is not None:
        _clip(cv, y, out, act)


def reshape(cv: Converter, op: Operator) -> None:
    x, out = cv.act(op.inputs[0]), cv.act(op.outputs[0])
    if int(np.prod(x.shape)) != int(np.prod(out.shape)):
        cv.fail(f"reshape of {int(np.prod(x.shape))} values to {list(out.shape)}")
    cv.reshape_to(x, out)


def concatenation(cv: Converter, op: Operator) -> None:
    o = op.options
    if cv.activation(o.FusedActivationFunction()) is not None:
        cv.fail("a fused activation on CONCATENATION is not supported")
    rank = len(cv.tensor(op.outputs[0]).shape)
    axis = o.Axis() % rank
    if rank == 4:
        axis = NHWC_TO_NCHW_AXIS[axis]
    ins = [_operand(cv, i, rank) for i in op.inputs]
    cv.add("Concat", ins, [cv.act(op.outputs[0])], {"axis": axis})


def quantize(cv: Converter, op: Operator) -> None:
    """int8 -> int8 QUANTIZE (a requantization); the float edges are handled
    by the converter."""
    x, out = cv.act(op.inputs[0]), cv.act(op.outputs[0])
    cv.add("Requantize", [x], [out])


def dequantize(cv: Converter, op: Operator) -> None:
    cv.fail("DEQUANTIZE inside the graph (to a tensor that is not a graph output)")


def pad(cv: Converter, op: Operator) -> None:
    x, out = cv.act(op.inputs[0]), cv.act(op.outputs[0])
    p = cv.const(op.inputs[1], "paddings").value.astype(np.int64)
    rank = len(x.shape)
    if p.shape != (rank, 2):
        cv.fail(f"paddings of shape {list(p.shape)} for a rank-{rank} input")
    before, after = list(p[:, 0]), list(p[:, 1])
    if rank == 4:
        before = [before[i] for i in (0, 3, 1, 2)]
        after = [after[i] for i in (0, 3, 1, 2)]
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        v = cv.tensor(op.inputs[2]).data
        if v is None or int(v.reshape(-1)[0]) != out.zp:
            cv.fail("a PADV2 value other than the zero point is not supported yet")
    if not x.same_quant(out):
        cv.fail("PAD with different input and output quantization")
    pads = Const(f"{op.index}.pads", np.array(before + after, np.int64))
    cv.add("Pad", [x, pads], [out], {"mode": "constant"})


def _table(cv: Converter, op: Operator, table: list[int]) -> None:
    cv.add("Table", [cv.act(op.inputs[0])], [cv.act(op.outputs[0])], {"table": table})


def _fixed_output(cv: Converter, op: Operator, scale: float, zp: int) -> None:
    out = cv.act(op.outputs[0])
    if out.scale != scale or out.zp != zp:
        cv.fail(f"the output has scale {out.scale:.6g} and zero point {out.zp}; TFLite's int8 "
                f"kernel needs {scale:.6g} and {zp}")


def logistic(cv: Converter, op: Operator) -> None:
    _fixed_output(cv, op, 1 / 256, -128)
    x = cv.act(op.inputs[0])
    _table(cv, op, tflm_tables.logistic_table(x.scale, x.zp))


def tanh(cv: Converter, op: Operator) -> None:
    _fixed_output(cv, op, 1 / 128, 0)
    x = cv.act(op.inputs[0])
    _table(cv, op, tflm_tables.tanh_table(x.scale, x.zp))


def relu(cv: Converter, op: Operator) -> None:
    x, out = cv.act(op.inputs[0]), cv.act(op.outputs[0])
    if op.name == "RELU":
        table = tflm_tables.relu_table(x.scale, x.zp, out.scale, out.zp, 0.0, None)
    else:   # RELU6 clamps the int8 values: TFLite keeps one quantization
        if not x.same_quant(out):
            cv.fail("RELU6 with different input and output quantization")
        table = tflm_tables.relu_table(x.scale, x.zp, x.scale, x.zp, 0.0, 6.0)
    _table(cv, op, table)


def leaky_relu(cv: Converter, op: Operator) -> None:
    x, out = cv.act(op.inputs[0]), cv.act(op.outputs[0])
    _table(cv, op, tflm_tables.leaky_relu_table(x.scale, x.zp, out.scale, out.zp,
                                                op.options.Alpha()))


def _int_const(cv: Converter, idx: int, what: str) -> list[int]:
    return [int(v) for v in cv.const(idx, what).value.reshape(-1)]


def _slice(cv: Converter, op: Operator, x: Act, begin, end, strides, out_idx: int) -> None:
    """An ONNX Slice of `x` (TFLite axes, resolved non-negative bounds, positive
    strides); a different output rank (shrunk axes) is a reshape after it."""
    rank = len(x.shape)
    tshape = cv.tensor(op.inputs[0]).shape
    sizes = [max(0, (e - b + st - 1) // st) for b, e, st in zip(begin, end, strides)]
    axes = list(range(rank))
    if rank == 4:
        axes = [NHWC_TO_NCHW_AXIS[a] for a in axes]
    shape = [0] * rank
    for a, n in zip(axes, sizes):
        shape[a] = n
    out = cv.act(out_idx)
    if 0 in sizes:
        cv.fail(f"an empty slice of {list(tshape)}")
    y = out if tuple(out.shape) == tuple(shape) else cv.fresh(out, shape, "slice")
    if y is not out and int(np.prod(shape)) != int(np.prod(out.shape)):
        cv.fail(f"the output has shape {list(cv.tensor(out_idx).shape)}, the slice {sizes}")
    arr = lambda v: Const(f"{op.index}.slice", np.array(v, np.int64))  # noqa: E731
    cv.add("Slice", [x, arr(begin), arr(end), arr(axes), arr(strides)], [y])
    if y is not out:
        cv.reshape_to(y, out)


def strided_slice(cv: Converter, op: Operator) -> None:
    o = op.options
    x = cv.act(op.inputs[0])
    dims = list(cv.tensor(op.inputs[0]).shape)
    rank = len(dims)
    begin = _int_const(cv, op.inputs[1], "begin")
    end = _int_const(cv, op.inputs[2], "end")
    strides = _int_const(cv, op.inputs[3], "strides") if len(op.inputs) > 3 else [1] * rank
    if not len(begin) == len(end) == len(strides) == rank:
        cv.fail(f"begin, end and strides must have {rank} values")
    if o is not None and (o.EllipsisMask() or o.NewAxisMask()):
        cv.fail("ellipsis_mask and new_axis_mask are not supported")
    if any(st <= 0 for st in strides):
        cv.fail(f"strides {strides}: only positive strides are supported")
    bm, em_, shrink = (o.BeginMask(), o.EndMask(), o.ShrinkAxisMask()) if o else (0, 0, 0)
    offset = bool(o.Offset()) if o is not None and hasattr(o, "Offset") else False
    rb, re_ = [], []
    for i, d in enumerate(dims):
        b = begin[i] + d if begin[i] < 0 else begin[i]
        e = begin[i] + end[i] if offset else end[i]
        e = e + d if e < 0 else e
        if bm >> i & 1:
            b = 0
        if shrink >> i & 1:
            e = b + 1
        elif em_ >> i & 1:
            e = d
        rb.append(min(max(b, 0), d))
        re_.append(min(max(e, 0), d))
    _slice(cv, op, x, rb, re_, strides, op.outputs[0])


def slice_op(cv: Converter, op: Operator) -> None:
    x = cv.act(op.inputs[0])
    dims = list(cv.tensor(op.inputs[0]).shape)
    begin = _int_const(cv, op.inputs[1], "begin")
    size = _int_const(cv, op.inputs[2], "size")
    if not len(begin) == len(size) == len(dims):
        cv.fail(f"begin and size must have {len(dims)} values")
    end = [d if n == -1 else b + n for b, n, d in zip(begin, size, dims)]
    if any(b < 0 or e > d or e <= b for b, e, d in zip(begin, end, dims)):
        cv.fail(f"begin {begin} and size {size} do not lie inside {dims}")
    _slice(cv, op, x, begin, end, [1] * len(dims), op.outputs[0])


def split(cv: Converter, op: Operator) -> None:
    """SPLIT (axis tensor first, equal parts) and SPLIT_V (sizes, axis last)."""
    if op.name == "SPLIT":
        axis_idx, x_idx = op.inputs[0], op.inputs[1]
    else:
        x_idx, axis_idx = op.inputs[0], op.inputs[2]
    x = cv.act(x_idx)
    dims = list(cv.tensor(x_idx).shape)
    axis = _int_const(cv, axis_idx, "axis")[0] % len(dims)
    outs = [cv.act(i) for i in op.outputs]
    sizes = [cv.tensor(i).shape[axis] for i in op.outputs]
    if sum(sizes) != dims[axis]:
        cv.fail(f"parts of {sizes} do not add up to the axis' {dims[axis]}")
    onnx_axis = NHWC_TO_NCHW_AXIS[axis] if len(dims) == 4 else axis
    cv.add("Split", [x], outs, {"axis": onnx_axis})


def hard_swish(cv: Converter, op: Operator) -> None:
    x, out = cv.act(op.inputs[0]), cv.act(op.outputs[0])
    table = tflm_tables.hard_swish_table(x.scale, x.zp, out.scale, out.zp)
    if table is None:
        cv.fail("the output scale is smaller than the input's / 128 (TFLite refuses it)")
    _table(cv, op, table)


def transpose(cv: Converter, op: Operator) -> None:
    """TRANSPOSE in TFLite's axis order: the input as its NHWC element order,
    the permutation, then back to the ONNX order for a 4-D result."""
    x, out = cv.act(op.inputs[0]), cv.act(op.outputs[0])
    perm = _int_const(cv, op.inputs[1], "permutation")
    tshape = list(cv.tensor(op.inputs[0]).shape)
    if sorted(perm) != list(range(len(tshape))):
        cv.fail(f"permutation {perm} for a rank-{len(tshape)} input")
    src = cv.as_nhwc_order(x)
    moved = [tshape[p] for p in perm]
    if len(moved) == 4:
        mid = cv.fresh(out, moved, "perm")
        cv.add("Transpose", [src], [mid], {"perm": perm})
        cv.add("Transpose", [mid], [out], {"perm": [0, 3, 1, 2]})
    else:
        cv.add("Transpose", [src], [out], {"perm": perm})


def resize_nearest(cv: Converter, op: Operator) -> None:
    x = _image(cv, op.inputs[0])
    out = cv.act(op.outputs[0])
    if not x.same_quant(out):
        cv.fail("different input and output quantization (TFLite copies the int8 values)")
    size = _int_const(cv, op.inputs[1], "size")
    _, _, h, w = x.shape
    if len(size) != 2 or tuple(size) != tuple(out.shape[2:]):
        cv.fail(f"size {size} disagrees with the output shape")
    o = op.options
    align, half = (bool(o.AlignCorners()), bool(o.HalfPixelCenters())) if o else (False, False)
    rows = tflm_tables.nearest_indices(h, size[0], align, half)
    cols = tflm_tables.nearest_indices(w, size[1], align, half)
    cv.add("ResizeIndex", [x], [out], {"rows": rows, "cols": cols})


def mean(cv: Converter, op: Operator) -> None:
    """MEAN over the spatial axes of an image with a requantization: a global
    average pool (sum of q - zp_in, one multiplier s_in / (n s_out)), which is
    how TFLM computes it when the quantization changes."""
    x = _image(cv, op.inputs[0])
    out = cv.act(op.outputs[0])
    axes = sorted({a % 4 for a in _int_const(cv, op.inputs[1], "axes")})
    if axes != [1, 2]:
        cv.fail(f"MEAN over axes {axes}: only the spatial axes [1, 2] of an image")
    keep = bool(op.options.KeepDims()) if op.options is not None else False
    if x.same_quant(out):
        cv.fail("MEAN with the input's own quantization is not supported yet (TFLM rounds "
                "that case differently from a global average pool)")
    cv.add("ReduceMean", [x], [out], {"axes": [2, 3], "keepdims": int(keep)})


def prelu(cv: Converter, op: Operator) -> None:
    """PRELU with a constant alpha that is one value, or one per channel (the
    last axis): one table, or one table per channel."""
    x, out = cv.act(op.inputs[0]), cv.act(op.outputs[0])
    t = cv.tensor(op.inputs[1])
    if t.data is None or t.type != INT8 or not t.quantized or t.scale.size != 1:
        cv.fail("alpha must be an int8 constant quantized per tensor")
    a = t.data.reshape(-1) if t.data.size else t.data
    channels = cv.tensor(op.inputs[0]).shape[-1]
    if t.data.size > 1 and (t.data.shape[-1] != channels or t.data.size != channels):
        cv.fail(f"alpha of shape {list(t.data.shape)}: one value, or one per channel "
                f"({channels}) is supported")
    tables = tflm_tables.prelu_tables(x.scale, x.zp, a, float(t.scale[0]), int(t.zp[0]),
                                      out.scale, out.zp)
    _table(cv, op, tables[0] if len(tables) == 1 else tables)


def state_op(cv: Converter, op: Operator) -> None:
    """Resource variables became plan inputs and outputs (state.py): no code."""


CONVERTERS = {
    "VAR_HANDLE": state_op,
    "READ_VARIABLE": state_op,
    "ASSIGN_VARIABLE": state_op,
    "CALL_ONCE": state_op,
    "PRELU": prelu,
    "MEAN": mean,
    "RESIZE_NEAREST_NEIGHBOR": resize_nearest,
    "HARD_SWISH": hard_swish,
    "TRANSPOSE": transpose,
    "STRIDED_SLICE": strided_slice,
    "SLICE": slice_op,
    "SPLIT": split,
    "SPLIT_V": split,
    "LOGISTIC": logistic,
    "TANH": tanh,
    "RELU": relu,
    "RELU6": relu,
    "LEAKY_RELU": leaky_relu,
    "CONV_2D": conv_2d,
    "DEPTHWISE_CONV_2D": depthwise_conv_2d,
    "FULLY_CONNECTED": fully_connected,
    "ADD": binary,
    "SUB": binary,
    "MUL": binary,
    "AVERAGE_POOL_2D": pool,
    "MAX_POOL_2D": pool,
    "RESHAPE": reshape,
    "SQUEEZE": reshape,
    "EXPAND_DIMS": reshape,
    "CONCATENATION": concatenation,
    "QUANTIZE": quantize,
    "DEQUANTIZE": dequantize,
    "PAD": pad,
    "PADV2": pad,
}


# (inputs, outputs) each operator needs at least; others need (1, 1).
ARITY = {"CONV_2D": (2, 1), "DEPTHWISE_CONV_2D": (2, 1), "FULLY_CONNECTED": (2, 1),
         "ADD": (2, 1), "SUB": (2, 1), "MUL": (2, 1), "STRIDED_SLICE": (3, 1), "SLICE": (3, 1),
         "SPLIT": (2, 1), "SPLIT_V": (3, 1), "PAD": (2, 1), "PADV2": (2, 1), "TRANSPOSE": (2, 1),
         "RESIZE_NEAREST_NEIGHBOR": (2, 1), "MEAN": (2, 1), "PRELU": (2, 1),
         "VAR_HANDLE": (0, 1), "READ_VARIABLE": (1, 1), "ASSIGN_VARIABLE": (2, 0),
         "CALL_ONCE": (0, 0)}
# Operators whose options table the converter reads.
NEEDS_OPTIONS = {"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D",
                 "CONCATENATION", "LEAKY_RELU"}
