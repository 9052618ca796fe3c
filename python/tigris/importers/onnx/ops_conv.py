"""Conv (regular, depthwise, grouped, 1-D), Gemm, MatMul and BatchNormalization."""
from __future__ import annotations

import math

import numpy as np
from mlir import ir
from mlir.dialects import tosa

from tigris.importers.onnx.emit_core import EmitterBase, int_weights, symmetric_weights
from tigris.importers.onnx.graph import Act, Const, QNode


def conv_padding(em: EmitterBase, attrs: dict, in_hw, k_hw, strides, dilations) -> list[int]:
    """ONNX pads / auto_pad -> [top, bottom, left, right]."""
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        out = []
        for size, k, s, d in zip(in_hw, k_hw, strides, dilations):
            total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
            small = total // 2
            out.append((small, total - small) if auto == "SAME_UPPER" else (total - small, small))
        return [out[0][0], out[0][1], out[1][0], out[1][1]]
    if auto == "VALID":
        return [0, 0, 0, 0]
    if auto != "NOTSET":
        em.fail(f"auto_pad={auto} is not a valid value")
    pads = list(attrs.get("pads", [0] * 2 * len(in_hw)))
    if len(pads) != 2 * len(in_hw):
        em.fail(f"pads has {len(pads)} values for {len(in_hw)} spatial dims")
    if any(p < 0 for p in pads):
        em.fail("negative pads are not supported")
    n = len(in_hw)
    return [pads[0], pads[n], pads[1], pads[n + 1]]


def fit_tosa_padding(size_hw, k_hw, strides, dil, pad) -> list[int] | None:
    """TOSA wants (size - 1 + pads - (k - 1) * d) divisible by the stride; ONNX
    floors. Trim unused bottom/right padding to match, or None if that is not
    enough (the caller then slices off the input rows/columns no window reads)."""
    pad = list(pad)
    for i, (size, k, s, d) in enumerate(zip(size_hw, k_hw, strides, dil)):
        r = (size - 1 + pad[2 * i] + pad[2 * i + 1] - (k - 1) * d) % s
        if r > pad[2 * i + 1]:
            return None
        pad[2 * i + 1] -= r
    return pad


def floor_window(hw, out_hw, k_hw, strides, dil, pad):
    """For a windowed op whose TOSA padding does not fit (ONNX floor mode): the
    input rows and columns its windows read, (used_h, used_w), and the TOSA
    padding on that part. The caller slices the input to them; tigris-legalize
    folds the slice back into the kernel op, which reads the whole input."""
    used = [min(size, (o - 1) * s + d * (k - 1) + 1 - before)
            for size, o, s, d, k, before in zip(hw, out_hw, strides, dil, k_hw, pad[0::2])]
    pad = [pad[0], pad[1] if used[0] == hw[0] else 0, pad[2], pad[3] if used[1] == hw[1] else 0]
    return used, fit_tosa_padding(used, k_hw, strides, dil, pad)


def int_bias(em: EmitterBase, real, scale) -> np.ndarray:
    """A real bias as int32 accumulator units of `scale` (input scale x weight
    scale), clamped to int32; a scale that underflows to 0 is an error, not a
    NaN cast to an integer."""
    with np.errstate(all="ignore"):
        q = np.round(np.asarray(real, np.float64).reshape(-1) / scale)
    if not np.all(np.isfinite(q)):
        em.fail("the bias has no int32 value at the input scale x weight scale "
                f"(smallest {float(np.min(scale)):.3g}): a scale too small or a bias not finite")
    return np.clip(q, -2**31, 2**31 - 1).astype(np.int64)


def _out_size(size, k, s, d, before, after):
    return (size + before + after - d * (k - 1) - 1) // s + 1


def lift_1d_attrs(em: EmitterBase, attrs: dict) -> dict:
    """1-D attributes as 2-D ones over NHWC [N, L, 1, C]: the 1-D axis is H
    and W is a unit axis (kernel 1, stride 1, dilation 1, no padding). ONNX
    pads [begin, end] become [top, 0, bottom, 0] (begins first)."""
    a = dict(attrs)
    for key in ("kernel_shape", "strides", "dilations"):
        if key in a:
            a[key] = list(a[key]) + [1]
    if "pads" in a:
        p = list(a["pads"])
        if len(p) != 2:
            em.fail(f"pads has {len(p)} values for 1 spatial dim")
        a["pads"] = [p[0], 0, p[1], 0]
    return a


def _to_2d(em: EmitterBase, x, w: Const, attrs: dict):
    """The input as NHWC, the kernel size (KH, KW) and 2-D attributes. A 1-D
    convolution over [N, C, L] is 2-D over the "nlc" storage [N, L, 1, C]
    with a (k, 1) kernel, so its output stays "nlc" for the next 1-D layer."""
    v = em.get(x)
    if len(x.shape) == 4:
        if w.value.ndim != 4:
            em.fail(f"2-D convolution weights must be rank 4, got {list(w.value.shape)}")
        return em.as_nhwc(v), w.value.shape[2:], attrs, False
    if len(x.shape) != 3:
        em.fail(f"only 1-D and 2-D convolutions are supported (input rank {len(x.shape)})")
    if w.value.ndim != 3:
        em.fail(f"1-D convolution weights must be rank 3, got {list(w.value.shape)}")
    return em.as_nlc(v), (w.value.shape[2], 1), lift_1d_attrs(em, attrs), True


def convert_conv(em: EmitterBase, node: QNode) -> None:
    x, w = node.inputs[0], node.inputs[1]
    b = node.inputs[2] if len(node.inputs) > 2 else None
    out = node.outputs[0]
    if not isinstance(w, Const):
        em.fail("weights must be constant")
    if not isinstance(x, Act):
        em.fail("input must be an activation")
    if b is not None and not isinstance(b, Const):
        em.fail("the bias must be constant")
    xv, k_hw, attrs, one_d = _to_2d(em, x, w, node.attrs)
    n, h, wd, cin = ir.RankedTensorType(xv.type).shape
    group = int(attrs.get("group", 1))
    cout = w.value.shape[0]
    kh, kw = int(k_hw[0]), int(k_hw[1])
    strides = list(attrs.get("strides", [1, 1]))
    dil = list(attrs.get("dilations", [1, 1]))
    pad = conv_padding(em, attrs, (h, wd), (kh, kw), strides, dil)
    oh = _out_size(h, kh, strides[0], dil[0], pad[0], pad[1])
    ow = _out_size(wd, kw, strides[1], dil[1], pad[2], pad[3])
    if group < 1 or cin % group or cout % group:
        em.fail(f"group={group} does not divide {cin} input / {cout} output channels")
    if w.value.ndim != len(x.shape) or w.value.shape[1] * group != cin:
        em.fail(f"weight '{w.name}' of shape {list(w.value.shape)} does not match the input's "
                f"{cin} channels (group={group} needs {cin // group} per output channel)")
    if b is not None and np.asarray(b.value).size != cout:
        em.fail(f"bias '{b.name}' has {np.asarray(b.value).size} values for {cout} output channels")
    depthwise = group == cin and group > 1
    out_shape = [n, oh, ow, cout]
    if em.quantized:
        w = symmetric_weights(em, w, 0)
        wq = int_weights(em, w)
        reals_w = np.broadcast_to(np.asarray(w.scale, np.float64).reshape(-1), (cout,))
        bias = np.zeros(cout, np.int64) if b is None else np.asarray(b.value, np.int64).reshape(-1)
        if b is not None and b.scale is not None:
            expect = x.scale * reals_w
            got = np.broadcast_to(np.asarray(b.scale, np.float64).reshape(-1), (cout,))
            if not np.allclose(got, expect, rtol=1e-4):
                bias = int_bias(em, b.real(), expect)
        elif b is not None:
            bias = int_bias(em, b.real(), x.scale * reals_w)
        bias = np.clip(bias, -2**31, 2**31 - 1)
        reals = x.scale * reals_w / out.scale
        wzp_elem, acc_elem = em.i8, em.i32
    else:
        wq = w.value.astype(np.float32)
        bias = np.zeros(cout, np.float32) if b is None else b.real().reshape(-1).astype(np.float32)
        wzp_elem, acc_elem = em.f32, em.f32
    name = node.name
    if depthwise:
        mult = cout // cin
        wt = wq.reshape(cin, mult, kh, kw).transpose(2, 3, 0, 1)   # [KH,KW,C,M]
    else:
        wt = wq.reshape(cout, cin // group, kh, kw).transpose(0, 2, 3, 1)  # [O,KH,KW,I/g]
    wv = em.const(wt, wzp_elem if em.quantized else em.f32, f"{name}.weights")
    bv = em.const(bias, em.i32 if em.quantized else em.f32, f"{name}.bias")
    izp = em.zp(x.zp if em.quantized else 0, em.act_type)
    wzp = em.zp(0, wzp_elem)
    st_a = ir.DenseI64ArrayAttr.get(strides)
    dl_a = ir.DenseI64ArrayAttr.get(dil)
    acc_t = em.tensor(out_shape, acc_elem)
    tosa_pad = fit_tosa_padding((h, wd), (kh, kw), strides, dil, pad)
    grouped = group > 1 and not depthwise
    used_h, used_w = h, wd
    if tosa_pad is None:
        # Floor mode (ONNX floors the output size, TOSA wants it exact): drop the
        # input rows/columns that no window reaches (floor_window).
        (used_h, used_w), tosa_pad = floor_window((h, wd), (oh, ow), (kh, kw), strides, dil, pad)
        if not grouped:   # (a grouped one slices each group's channels so)
            xv = tosa.slice(em.tensor([n, used_h, used_w, cin]), xv, em.shape_const([0, 0, 0, 0]),
                            em.shape_const([n, used_h, used_w, cin]))
    pad_a = ir.DenseI64ArrayAttr.get(tosa_pad)
    if depthwise:
        acc = tosa.depthwise_conv2d(acc_t, xv, wv, bv, izp, wzp, pad_a, st_a, dl_a,
                                    ir.TypeAttr.get(acc_elem))
    elif grouped:
        acc = _grouped(em, xv, (used_h, used_w), wv, bv, izp, wzp, group, out_shape, acc_elem,
                       pad_a, st_a, dl_a)
    else:
        acc = tosa.conv2d(acc_t, xv, wv, bv, izp, wzp, pad_a, st_a, dl_a, ir.TypeAttr.get(acc_elem))
    if em.quantized:
        y = em.rescale(acc, em.i8, reals, 0, out.zp)
        lo, hi = em.clamp_range(out, node.clamp)
        y = em.clamp(y, lo, hi)
    else:
        y = acc if node.clamp is None else em.clamp(acc, *node.clamp)
    _finish_conv(em, out, y, one_d)


def _grouped(em: EmitterBase, xv, used_hw, wv, bv, izp, wzp, group: int, out_shape, acc_elem,
             pad_a, st_a, dl_a) -> ir.Value:
    """A grouped convolution in TOSA (which has none): per group, a convolution of
    its input channels (the first `used_hw` rows and columns) with its slice of
    the weights and bias, the accumulators concatenated on channels
    (tigris-legalize makes it one grouped conv2d)."""
    n = ir.RankedTensorType(xv.type).shape[0]
    h, w = used_hw
    cout, kh, kw, cin_g = ir.RankedTensorType(wv.type).shape
    cout_g = cout // group
    w_elem = ir.RankedTensorType(wv.type).element_type
    b_elem = ir.RankedTensorType(bv.type).element_type
    accs = []
    for g in range(group):
        xg = tosa.slice(em.tensor([n, h, w, cin_g]), xv, em.shape_const([0, 0, 0, g * cin_g]),
                        em.shape_const([n, h, w, cin_g]))
        wg = tosa.slice(em.tensor([cout_g, kh, kw, cin_g], w_elem), wv,
                        em.shape_const([g * cout_g, 0, 0, 0]),
                        em.shape_const([cout_g, kh, kw, cin_g]))
        bg = tosa.slice(em.tensor([cout_g], b_elem), bv, em.shape_const([g * cout_g]),
                        em.shape_const([cout_g]))
        accs.append(tosa.conv2d(em.tensor(out_shape[:3] + [cout_g], acc_elem), xg, wg, bg, izp,
                                wzp, pad_a, st_a, dl_a, ir.TypeAttr.get(acc_elem)))
    return tosa.concat(accs, 3, results=[em.tensor(out_shape, acc_elem)])


def _finish_conv(em: EmitterBase, out: Act, y, one_d: bool) -> None:
    # A 1-D result [N, L, 1, C] is already the "nlc" storage of [N, C, L].
    em.put(out, y, "nlc" if one_d else "nhwc")


def convert_matmul(em: EmitterBase, node: QNode) -> None:
    """Gemm / MatMul with constant weights: a 1x1 convolution over rows."""
    x, w = node.inputs[0], node.inputs[1]
    b = node.inputs[2] if len(node.inputs) > 2 else None
    out = node.outputs[0]
    if not isinstance(x, Act) or not isinstance(w, Const):
        em.fail("only activation x constant-weight products are supported")
    a = node.attrs
    trans_a = node.op == "Gemm" and bool(a.get("transA", 0))
    if w.value.ndim != 2:
        em.fail(f"weights of rank {w.value.ndim} are not supported (rank 2 expected)")
    wmat = w.value if (node.op == "Gemm" and a.get("transB", 0)) else w.value.T   # [OC, K]
    w_axis_is_out = True
    cout, k = wmat.shape
    alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
    xv = em.get(x)
    if node.op == "Gemm" and len(x.shape) != 2:
        em.fail(f"Gemm input must be 2-D, got {list(x.shape)}")
    # transA=1: A is [K, M], its transpose the rows.
    rows = int(np.prod(x.shape[:-1])) if node.op == "MatMul" else x.shape[1 if trans_a else 0]
    if x.shape[0 if trans_a else -1] != k:
        em.fail(f"input has {x.shape[0 if trans_a else -1]} features, weights expect {k}")
    plain = em.as_plain(xv)
    flat = em.reshape(em.transpose(plain, (1, 0)) if trans_a else plain, [rows, 1, 1, k])
    breal = None if b is None else _gemm_bias(em, b, rows, cout) * beta
    if em.quantized:
        w = symmetric_weights(em, Const(w.name, wmat, w.scale, w.zp, 0), 0)
        wq = int_weights(em, w)
        sw = np.broadcast_to(np.asarray(w.scale, np.float64).reshape(-1), (cout,)) * abs(alpha)
        if alpha < 0:
            wq = -wq.astype(np.int16)
            if wq.max() > 127:
                em.fail("alpha < 0 with weight -128 cannot be represented")
        bias = np.zeros(cout, np.int64)
        if breal is not None:
            bias = int_bias(em, breal, x.scale * sw)
        reals = x.scale * sw / out.scale
        wv = em.const(np.asarray(wq).reshape(cout, 1, 1, k), em.i8, f"{node.name}.weights")
        bv = em.const(np.clip(bias, -2**31, 2**31 - 1), em.i32, f"{node.name}.bias")
        acc_elem = em.i32
    else:
        wf = (wmat.astype(np.float64) * alpha).astype(np.float32)
        bias = np.zeros(cout, np.float32) if breal is None else breal.astype(np.float32)
        wv = em.const(wf.reshape(cout, 1, 1, k), em.f32, f"{node.name}.weights")
        bv = em.const(bias, em.f32, f"{node.name}.bias")
        acc_elem = em.f32
    del w_axis_is_out
    izp = em.zp(x.zp if em.quantized else 0, em.act_type)
    wzp = em.zp(0, em.i8 if em.quantized else em.f32)
    one = ir.DenseI64ArrayAttr.get([1, 1])
    acc = tosa.conv2d(em.tensor([rows, 1, 1, cout], acc_elem), flat, wv, bv, izp, wzp,
                      ir.DenseI64ArrayAttr.get([0, 0, 0, 0]), one, one, ir.TypeAttr.get(acc_elem))
    if em.quantized:
        y = em.rescale(acc, em.i8, reals, 0, out.zp)
        y = em.clamp(y, *em.clamp_range(out, node.clamp))
    else:
        y = acc if node.clamp is None else em.clamp(acc, *node.clamp)
    em.put(out, em.reshape(y, list(out.shape)), "plain")


def _gemm_bias(em: EmitterBase, b: Const, rows: int, cout: int) -> np.ndarray:
    """Gemm's C (unidirectionally broadcast to [M, N]) as one bias per output
    column: a scalar, [N], [1, N], or an [M, N] / [M, 1] whose rows agree."""
    if not isinstance(b, Const):
        em.fail("the bias C must be constant")
    real = b.real()
    try:
        full = np.broadcast_to(real.reshape((1,) * (2 - real.ndim) + real.shape), (rows, cout))
    except ValueError:
        em.fail(f"bias of shape {list(real.shape)} does not broadcast to the output "
                f"[{rows}, {cout}]")
    if np.any(full != full[:1]):
        em.fail(f"a bias of shape {list(real.shape)} that varies along the rows is not "
                "supported (one bias per output column)")
    return full[0].astype(np.float64)


def convert_batchnorm(em: EmitterBase, node: QNode) -> None:
    """A BatchNormalization left standing (not after a Conv): a per-channel
    affine map; quantized, one lookup table per channel (ops_lut), float, a
    1x1 depthwise convolution."""
    x = node.inputs[0]
    consts = node.inputs[1:5]
    if node.attrs.get("training_mode", 0):
        em.fail("training_mode=1 (normalizing by the batch's own statistics) is not supported")
    if not all(isinstance(c, Const) for c in consts):
        em.fail("scale, bias, mean and variance must be constant")
    if em.quantized:
        from tigris.importers.onnx.ops_lut import convert_batchnorm_lut
        convert_batchnorm_lut(em, node)
        return
    gamma, beta, mean, var = (c.real().reshape(-1) for c in consts)
    eps = float(node.attrs.get("epsilon", 1e-5))
    a = gamma / np.sqrt(var + eps)
    shift = beta - a * mean
    c = len(a)
    kshape = (1,) * (len(x.shape) - 2)    # a unit kernel: 1-D or 2-D like the input
    w = Const(f"{node.name}.scale", a.reshape(c, 1, *kshape).astype(np.float32))
    b = Const(f"{node.name}.shift", shift.astype(np.float32))
    conv = QNode(node.name, "Conv", [x, w, b], node.outputs, {"group": c}, node.clamp)
    convert_conv(em, conv)
