"""ConvTranspose (1-D and 2-D), lowered to ops the pipeline already runs.

A transposed convolution with stride s is a stride-1 convolution over the
input spread out by s: s - 1 values between neighbouring input pixels that
contribute nothing, then the kernel flipped spatially with its input and
output channels swapped per group. In int8 the filler is the input's zero
point, which the integer accumulation turns into exact zeros, so no new
runtime kernel is needed and the result is bit-exact by construction:

  pad one filler row and column (bottom, right)     (tigris.pad)
  nearest resize by index tables: row t of the      (tigris.resize)
    spread input is input row t / s, or the filler
  conv2d / depthwise / grouped, stride 1            (ops_conv.convert_conv)

Padding beyond the kernel's reach (negative convolution padding) is left out
of the index tables, so it costs no separate crop. The resize streams by rows
(tiling/rows.py), so under a tight budget the spread tensor, s*s times the
input, is computed strip by strip into the convolution and never stored
whole. The convolution still runs over the inserted zeros: about s*s times
the multiply-accumulates of a direct transposed convolution.

Output size and padding follow onnxruntime (the oracle): total padding
max(0, s*(in-1) + output_padding + (k-1)*d + 1 - out), where out is
output_shape when given (pads are then ignored), else in*s for auto_pad
SAME_*; the odd unit goes at the end for SAME_UPPER and at the beginning
otherwise (NOTSET with output_shape too). So a kernel shorter than the
stride gives SAME_* outputs shorter than in*s, as in ONNX shape inference;
with output_padding, SAME_* outputs differ from shape inference's (which adds
it), and the importer fails on any such mismatch rather than guess.
"""
from __future__ import annotations

import numpy as np
from mlir import ir
from mlir.dialects import tosa

from tigris.dialects import custom_kernel
from tigris.importers.onnx.emit_core import EmitterBase
from tigris.importers.onnx.graph import Act, Const, QNode
from tigris.importers.onnx.ops_conv import convert_conv


def _ints(em: EmitterBase, attrs: dict, key: str, n: int, default: int) -> list[int]:
    values = [int(v) for v in attrs.get(key, [default] * n)]
    if len(values) != n:
        em.fail(f"{key} has {len(values)} values for {n} spatial dim(s)")
    return values


def transpose_geometry(em: EmitterBase, attrs: dict, in_sp, k_sp) -> tuple[list[int], list[int]]:
    """(padding removed at the beginning of each spatial axis, output size):
    onnxruntime's reading of pads / auto_pad / output_shape / output_padding."""
    n = len(in_sp)
    strides = _ints(em, attrs, "strides", n, 1)
    dil = _ints(em, attrs, "dilations", n, 1)
    adj = _ints(em, attrs, "output_padding", n, 0)
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
        em.fail(f"auto_pad={auto} is not a valid value")
    if any(s < 1 for s in strides) or any(d < 1 for d in dil) or any(a < 0 for a in adj):
        em.fail(f"strides {strides}, dilations {dil} and output_padding {adj} must be "
                "positive (output_padding non-negative)")
    full = [(size - 1) * s + a + (k - 1) * d + 1
            for size, s, a, k, d in zip(in_sp, strides, adj, k_sp, dil)]
    if "output_shape" in attrs:
        out = [int(v) for v in attrs["output_shape"]]
        if len(out) != n:
            em.fail(f"output_shape {out} must give the {n} spatial dim(s) only")
        totals = [max(0, f - o) for f, o in zip(full, out)]
        heads = [t // 2 if auto == "SAME_UPPER" else t - t // 2 for t in totals]
        return heads, out
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        totals = [max(0, f - size * s) for f, size, s in zip(full, in_sp, strides)]
        heads = [t // 2 if auto == "SAME_UPPER" else t - t // 2 for t in totals]
        return heads, [f - t for f, t in zip(full, totals)]
    if auto == "VALID":
        return [0] * n, full
    pads = _ints(em, attrs, "pads", 2 * n, 0)
    if any(p < 0 for p in pads):
        em.fail(f"negative pads {pads} are not valid")
    return pads[:n], [f - pads[i] - pads[n + i] for i, f in enumerate(full)]


def conv_form_weights(em: EmitterBase, w: Const, group: int) -> Const:
    """ConvTranspose weights [C_in, C_out/g, *k] as Conv weights
    [C_out, C_in/g, *k]: per group, channels swapped and the kernel flipped.
    Output channel o = g * C_out/g + j keeps its scale: a per-axis scale on
    axis 1 (onnxruntime's, one per j) repeats for every group; on axis 0 (one
    per input channel) it is per output channel only when C_in/g == 1."""
    v = np.asarray(w.value)
    cin, cog, k = v.shape[0], v.shape[1], v.shape[2:]
    cig = cin // group
    wc = v.reshape(group, cig, cog, *k).swapaxes(1, 2)
    wc = wc[(Ellipsis,) + (slice(None, None, -1),) * len(k)]
    wc = np.ascontiguousarray(wc.reshape(group * cog, cig, *k))
    if w.scale is None:
        return Const(w.name, wc)
    s = np.asarray(w.scale).reshape(-1)
    z = np.broadcast_to(np.asarray(w.zp).reshape(-1), s.shape)
    if s.size == 1:
        return Const(w.name, wc, s, z)
    if w.axis == 1 and s.size == cog:
        s, z = np.tile(s, group), np.tile(z, group)
    elif w.axis == 0 and s.size == cin and cig == 1:
        s, z = np.repeat(s, cog), np.repeat(z, cog)
    else:
        em.fail(f"weight scales per axis {w.axis} ({s.size} values) are not per output "
                "channel (axis 1 expected)")
    return Const(w.name, wc, s, z, 0)


def _bias(em: EmitterBase, b, cout: int, cog: int):
    """The bias, its per-channel scale (if one per j of a group) repeated like
    the weights' so that convert_conv can compare it with theirs."""
    if b is None:
        return None
    if not isinstance(b, Const):
        em.fail("bias must be constant")
    if b.value.size != cout:
        em.fail(f"bias has {b.value.size} values for {cout} output channels")
    if b.scale is None:
        return b
    s = np.asarray(b.scale).reshape(-1)
    if s.size not in (1, cout) and s.size == cog:
        reps = cout // cog
        return Const(b.name, b.value, np.tile(s, reps),
                     np.tile(np.broadcast_to(np.asarray(b.zp).reshape(-1), s.shape), reps), 0)
    return b


def _to_2d(values, unit: int) -> list[int]:
    """Per-spatial-axis values for the NHWC form: a 1-D layer's W axis is a unit one."""
    return list(values) + [unit] * (2 - len(values))


def spread_table(size: int, stride: int, first: int, count: int) -> list[int]:
    """Rows `first` .. `first + count` of the input spread by `stride` (input
    row i at row i * s, filler elsewhere), as indices into the input padded
    with one filler row: input row t / s, or the filler row `size`."""
    return [t // stride if t % stride == 0 and t // stride < size else size
            for t in range(first, first + count)]


def _spread(em: EmitterBase, value: ir.Value, strides, first, counts, fill: ir.Value) -> ir.Value:
    """Rows / columns `first` .. `first + counts` of NHWC `value` spread by
    `strides`: a pad of one filler row / column (bottom, right), then a
    nearest resize whose index tables pick input or filler rows and columns.
    The resize streams by rows like the convolution after it, so under tiling
    the spread tensor (s*s times the input) is never stored whole."""
    n, h, w, c = ir.RankedTensorType(value.type).shape
    ys, xs = (spread_table(size, s, f, k) for size, s, f, k in zip((h, w), strides, first,
                                                                    counts))
    if ys == list(range(h)) and xs == list(range(w)):
        return value
    extra = [int(size in table) for size, table in ((h, ys), (w, xs))]
    if any(extra):
        value = tosa.pad(em.tensor([n, h + extra[0], w + extra[1], c]), value,
                         em.shape_const([0, 0, 0, extra[0], 0, extra[1], 0, 0]), fill)
    return custom_kernel("resize", [value], em.tensor([n, counts[0], counts[1], c]), {
        "mode": "nearest", "y_index0": ys, "y_index1": ys, "y_weight": [0] * len(ys),
        "x_index0": xs, "x_index1": xs, "x_weight": [0] * len(xs)})


def convert_conv_transpose(em: EmitterBase, node: QNode) -> None:
    x, w = node.inputs[0], node.inputs[1]
    b = node.inputs[2] if len(node.inputs) > 2 else None
    out = node.outputs[0]
    if not isinstance(x, Act):
        em.fail("input must be an activation")
    if not isinstance(w, Const):
        em.fail("weights must be constant")
    if em.quantized and w.scale is None:
        # What quantize_static's QOperator format writes: it has no quantized
        # ConvTranspose and leaves it float between DequantizeLinear and
        # QuantizeLinear.
        em.fail(f"weights '{w.name}' are float in a quantized model (quantize_static leaves "
                "ConvTranspose float in the QOperator format; quantize to QDQ)")
    rank = len(x.shape)
    if rank not in (3, 4):
        em.fail(f"only 1-D and 2-D ConvTranspose are supported (input rank {rank})")
    nsp = rank - 2
    if w.value.ndim != rank:
        em.fail(f"weights of shape {list(w.value.shape)} for an input of rank {rank}")
    attrs = node.attrs
    group = int(attrs.get("group", 1))
    cin, cog, k_sp = w.value.shape[0], w.value.shape[1], list(w.value.shape[2:])
    if group < 1 or cin != x.shape[1] or cin % group:
        em.fail(f"weights {list(w.value.shape)} with group={group} do not fit "
                f"{x.shape[1]} input channels")
    if "kernel_shape" in attrs and [int(k) for k in attrs["kernel_shape"]] != k_sp:
        em.fail(f"kernel_shape {list(attrs['kernel_shape'])} differs from the weights' {k_sp}")
    in_sp = list(x.shape[2:])
    heads, out_sp = transpose_geometry(em, attrs, in_sp, k_sp)
    want = [x.shape[0], cog * group] + out_sp
    if list(out.shape) != want:
        em.fail(f"output shape {want} (as onnxruntime computes it) differs from the "
                f"inferred {list(out.shape)}")
    if any(o < 1 for o in out_sp):
        em.fail(f"output size {out_sp} is empty")
    strides = _ints(em, attrs, "strides", nsp, 1)
    dil = _ints(em, attrs, "dilations", nsp, 1)
    # Padding of the stride-1 convolution over the spread input ((in - 1) * s
    # + 1 long): the kernel reach minus the removed head, and whatever makes
    # the output out_sp long at the end. Negative padding is left out of the
    # spread; end padding beyond the begin padding goes into it as filler
    # rows, because the ESP32-S3 kernels want end <= begin (kernel_args.c).
    begin = [(k - 1) * d - p for k, d, p in zip(k_sp, dil, heads)]
    end = [o - (size - 1) * s - 1 + p for o, size, s, p in zip(out_sp, in_sp, strides, heads)]
    pads = [max(0, bg) for bg in begin] + \
        [min(max(0, e), max(0, bg)) for bg, e in zip(begin, end)]
    first = [max(0, -bg) for bg in begin]
    counts = [(size - 1) * s + 1 + e - pe - f for size, s, e, pe, f in
              zip(in_sp, strides, end, pads[nsp:], first)]
    if min(counts) < 1:
        em.fail("the padding removes the whole input")
    # To the 2-D NHWC form: a 1-D [N, C, L] is the "nlc" image [N, L, 1, C].
    v = em.get(x)
    xv = em.as_nhwc(v) if nsp == 2 else em.as_nlc(v)
    if em.quantized:
        fill = em.const(np.array([x.zp]), em.i8)
    else:
        fill = em.const(np.array([0.0], np.float32), em.f32)
    xv = _spread(em, xv, _to_2d(strides, 1), _to_2d(first, 0), _to_2d(counts, 1), fill)
    n, h, wd, c = ir.RankedTensorType(xv.type).shape
    spread = Act(f"{out.name}.spread", (n, c, h, wd) if nsp == 2 else (n, c, h),
                 x.scale, x.zp)
    em.put(spread, xv, "nhwc" if nsp == 2 else "nlc")
    conv_attrs = {"group": group, "strides": [1] * nsp, "dilations": dil, "pads": pads}
    wc = conv_form_weights(em, w, group)
    bc = _bias(em, b, cog * group, cog)
    convert_conv(em, QNode(node.name, "Conv", [spread, wc] + ([bc] if bc is not None else []),
                           node.outputs, conv_attrs, node.clamp))
