"""TFLite operators that move int8 values: reshapes, slices, concatenation,
padding, transposes, nearest and bilinear resizing (QNodes with ONNX semantics; see
convert.py)."""
from __future__ import annotations

import numpy as np

from tigris.importers.onnx.graph import Act, Const
from tigris.importers.tflite import tflm_tables
from tigris.importers.tflite.convert import INT8, NHWC_TO_NCHW_AXIS, Converter
from tigris.importers.tflite.load import Operator


def _image(cv: Converter, idx: int) -> Act:
    a = cv.act(idx)
    if len(a.shape) != 4:
        cv.fail(f"expected a 4-D NHWC input, got shape {cv.tensor(idx).shape}")
    return a


def _int_const(cv: Converter, idx: int, what: str) -> list[int]:
    return [int(v) for v in cv.const(idx, what).value.reshape(-1)]


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


def _resize_operands(cv: Converter, op: Operator, what: str):
    """(input, output, size, input h, w, align_corners, half_pixel_centers) of a
    RESIZE_* whose output keeps the input's quantization."""
    x = _image(cv, op.inputs[0])
    out = cv.act(op.outputs[0])
    if not x.same_quant(out):
        cv.fail(f"different input and output quantization (TFLite {what} the int8 values)")
    size = _int_const(cv, op.inputs[1], "size")
    _, _, h, w = x.shape
    if len(size) != 2 or tuple(size) != tuple(out.shape[2:]):
        cv.fail(f"size {size} disagrees with the output shape")
    o = op.options
    align, half = (bool(o.AlignCorners()), bool(o.HalfPixelCenters())) if o else (False, False)
    return x, out, size, h, w, align, half


def resize_nearest(cv: Converter, op: Operator) -> None:
    x, out, size, h, w, align, half = _resize_operands(cv, op, "copies")
    rows = tflm_tables.nearest_indices(h, size[0], align, half)
    cols = tflm_tables.nearest_indices(w, size[1], align, half)
    cv.add("ResizeIndex", [x], [out], {"rows": rows, "cols": cols})


def resize_bilinear(cv: Converter, op: Operator) -> None:
    """RESIZE_BILINEAR of int8 values as TFLM's ResizeBilinearInteger
    interpolates them (Q10 weights, the sum rounded half away from zero)."""
    x, out, size, h, w, align, half = _resize_operands(cv, op, "interpolates")
    if align and half:
        cv.fail("align_corners and half_pixel_centers together (TFLite refuses them)")
    ys = tflm_tables.bilinear_tables(h, size[0], align, half)
    xs = tflm_tables.bilinear_tables(w, size[1], align, half)
    if ys is None or xs is None:
        cv.fail(f"resizing {[h, w]} to {size}: TFLM's integer coordinates leave the input")
    cv.add("ResizeLinear", [x], [out], {
        "y_index0": ys[0], "y_index1": ys[1], "y_weight": ys[2],
        "x_index0": xs[0], "x_index1": xs[1], "x_weight": xs[2]})

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
