"""One converter per TFLite builtin operator: TFLite tensors and options ->
QNodes with ONNX semantics (python/tigris/importers/tflite/convert.py)."""
from __future__ import annotations

import numpy as np

from tigris.importers.onnx.graph import Act, Const
from tigris.importers.tflite.convert import INT8, Converter
from tigris.importers.tflite.load import Operator
from tigris.importers.tflite.ops_shape import (_image, _int_const, _operand, concatenation, pad,
                                               reshape, resize_bilinear, resize_nearest,
                                               slice_op,
                                               strided_slice, split, transpose)
from tigris.importers.tflite.ops_tables import (hard_swish, leaky_relu, logistic, prelu, relu,
                                                softmax, tanh)

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


def quantize(cv: Converter, op: Operator) -> None:
    """int8 -> int8 QUANTIZE (a requantization); the float edges are handled
    by the converter."""
    x, out = cv.act(op.inputs[0]), cv.act(op.outputs[0])
    cv.add("Requantize", [x], [out])


def dequantize(cv: Converter, op: Operator) -> None:
    cv.fail("DEQUANTIZE inside the graph (to a tensor that is not a graph output)")


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
    "RESIZE_BILINEAR": resize_bilinear,
    "SOFTMAX": softmax,
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
    "RELU_N1_TO_1": relu,
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
         "RESIZE_NEAREST_NEIGHBOR": (2, 1), "RESIZE_BILINEAR": (2, 1), "MEAN": (2, 1),
         "PRELU": (2, 1),
         "VAR_HANDLE": (0, 1), "READ_VARIABLE": (1, 1), "ASSIGN_VARIABLE": (2, 0),
         "CALL_ONCE": (0, 0)}
# Operators whose options table the converter reads.
NEEDS_OPTIONS = {"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D",
                 "CONCATENATION", "LEAKY_RELU"}
