"""The numpy reference kernels (tigris.reference) against docs/kernels.md.

Every vectorized kernel is compared, byte for byte, with a slow scalar loop
written straight from the doc formula in plain Python integers (two
independent implementations must agree exactly), and the arithmetic ones are
checked against float math on quantized data (within 1 LSB).
"""
import time
import zlib

import numpy as np
import pytest
from onnx import TensorProto, helper

from tigris.reference import fixedpoint as F
from tigris.reference import kernels as K

from scalar_reference import cdiv, clamp, per_ch, py_requant


# ---------------------------------------------------- scalar reference kernels

def ref_conv(x, w, b, stride, dilation, pad, groups, ioff, ooff, mult, shift, amin, amax,
             depthwise_m=None):
    N, H, W, Cin = x.shape
    Cout, KH, KW, Cg = w.shape if depthwise_m is None else (w.shape[3], w.shape[1], w.shape[2], 1)
    (sh, sw), (dh, dw), (t, bo, le, r) = stride, dilation, pad
    OH = (H + t + bo - dh * (KH - 1) - 1) // sh + 1
    OW = (W + le + r - dw * (KW - 1) - 1) // sw + 1
    xl, wl, bl = x.tolist(), w.tolist(), b.tolist()
    out = np.zeros((N, OH, OW, Cout), dtype=np.int8)
    for n, oy, ox, oc in np.ndindex(N, OH, OW, Cout):
        acc = bl[oc]
        for ky, kx in np.ndindex(KH, KW):
            iy, ix = oy * sh - t + ky * dh, ox * sw - le + kx * dw
            if not (0 <= iy < H and 0 <= ix < W):
                continue  # outside the input: contributes nothing
            if depthwise_m is None:
                g = oc // (Cout // groups)
                for ic in range(Cg):
                    acc += (xl[n][iy][ix][g * Cg + ic] + ioff) * wl[oc][ky][kx][ic]
            else:
                acc += (xl[n][iy][ix][oc // depthwise_m] + ioff) * wl[0][ky][kx][oc]
        v = py_requant(acc, per_ch(mult, oc), per_ch(shift, oc)) + ooff
        out[n, oy, ox, oc] = clamp(v, amin, amax)
    return out


def quant_params(rng, cout, per_channel=True):
    reals = rng.uniform(0.0005, 0.02, cout if per_channel else 1)
    reals[0] = rng.uniform(1.0, 3.0)  # one channel with a positive shift
    ms, ss = zip(*(F.quantize_multiplier(r) for r in reals))
    return list(ms), list(ss)


CONV_CASES = [
    # (N, H, W, Cin, Cout, KH, KW, stride, dilation, pad, groups)
    (1, 6, 7, 3, 5, 3, 3, [1, 1], [1, 1], [1, 1, 1, 1], 1),
    (2, 7, 6, 4, 6, 3, 3, [2, 2], [1, 1], [1, 0, 0, 1], 1),
    (1, 8, 8, 4, 4, 3, 2, [1, 2], [2, 1], [2, 2, 0, 1], 1),
    (1, 5, 5, 6, 6, 3, 3, [1, 1], [1, 1], [1, 1, 1, 1], 3),
    (1, 6, 5, 4, 8, 1, 1, [1, 1], [1, 1], [0, 0, 0, 0], 2),
    (1, 5, 6, 8, 3, 1, 1, [2, 1], [1, 1], [0, 0, 0, 0], 1),
    (1, 4, 4, 2, 3, 5, 5, [1, 1], [1, 1], [2, 2, 2, 2], 1),
]


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_matches_scalar(case):
    N, H, W, Cin, Cout, KH, KW, stride, dilation, pad, groups = case
    rng = np.random.default_rng(zlib.crc32(repr(case).encode()))
    for per_channel, (amin, amax) in ((True, (-128, 127)), (False, (-100, 90))):
        x = rng.integers(-128, 128, (N, H, W, Cin), dtype=np.int8)
        w = rng.integers(-127, 128, (Cout, KH, KW, Cin // groups), dtype=np.int8)
        b = rng.integers(-5000, 5000, Cout).astype(np.int32)
        mult, shift = quant_params(rng, Cout, per_channel)
        ioff, ooff = int(rng.integers(-127, 129)), int(rng.integers(-128, 128))
        attrs = dict(stride=stride, dilation=dilation, pad=pad, groups=groups, input_offset=ioff,
                     output_offset=ooff, multiplier=mult, shift=shift, act_min=amin, act_max=amax)
        got = K.conv2d(x, w, b, **attrs)
        want = ref_conv(x, w, b, stride, dilation, pad, groups, ioff, ooff, mult, shift, amin, amax)
        assert got.dtype == np.int8 and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


DW_CASES = [
    # (N, H, W, C, M, KH, KW, stride, dilation, pad)
    (1, 7, 7, 4, 1, 3, 3, [1, 1], [1, 1], [1, 1, 1, 1]),
    (2, 8, 7, 3, 2, 3, 3, [2, 2], [1, 1], [0, 1, 1, 0]),
    (1, 9, 9, 2, 3, 3, 3, [1, 2], [2, 2], [2, 2, 2, 2]),
    (1, 5, 6, 5, 1, 5, 3, [1, 1], [1, 1], [2, 2, 1, 1]),
]


@pytest.mark.parametrize("case", DW_CASES)
def test_depthwise_matches_scalar(case):
    N, H, W, C, M, KH, KW, stride, dilation, pad = case
    rng = np.random.default_rng(zlib.crc32(repr(case).encode()))
    x = rng.integers(-128, 128, (N, H, W, C), dtype=np.int8)
    w = rng.integers(-127, 128, (1, KH, KW, C * M), dtype=np.int8)
    b = rng.integers(-3000, 3000, C * M).astype(np.int32)
    mult, shift = quant_params(rng, C * M)
    ioff, ooff = int(rng.integers(-127, 129)), int(rng.integers(-128, 128))
    got = K.depthwise_conv2d(x, w, b, stride=stride, dilation=dilation, pad=pad,
                             channel_multiplier=M, input_offset=ioff, output_offset=ooff,
                             multiplier=mult, shift=shift, act_min=-128, act_max=127)
    want = ref_conv(x, w, b, stride, dilation, pad, 1, ioff, ooff, mult, shift, -128, 127,
                    depthwise_m=M)
    np.testing.assert_array_equal(got, want)


def test_fully_connected_matches_scalar():
    rng = np.random.default_rng(5)
    for shape, cout in (((3, 20), 7), ((1, 2, 2, 5), 4)):
        x, k = rng.integers(-128, 128, shape, dtype=np.int8), shape[-1]
        w = rng.integers(-127, 128, (cout, k), dtype=np.int8)
        b = rng.integers(-2000, 2000, cout).astype(np.int32)
        mult, shift = quant_params(rng, cout)
        got = K.fully_connected(x, w, b, input_offset=17, output_offset=-5, multiplier=mult,
                                shift=shift, act_min=-128, act_max=100)
        rows = x.reshape(-1, k).tolist()
        assert got.shape == (len(rows), cout)
        for r, row in enumerate(rows):
            for oc in range(cout):
                acc = int(b[oc]) + sum((v + 17) * int(w[oc, i]) for i, v in enumerate(row))
                want = clamp(py_requant(acc, mult[oc], shift[oc]) - 5, -128, 100)
                assert got[r, oc] == want


def ref_add_mul(kind, a, b, p):
    out = np.zeros(np.broadcast_shapes(a.shape, b.shape), dtype=np.int8)
    ab, bb = np.broadcast_to(a, out.shape), np.broadcast_to(b, out.shape)
    for idx in np.ndindex(out.shape):
        v1, v2 = int(ab[idx]) + p["input1_offset"], int(bb[idx]) + p["input2_offset"]
        if kind == "add":
            acc = (py_requant(v1 << p["left_shift"], p["input1_multiplier"], p["input1_shift"])
                   + py_requant(v2 << p["left_shift"], p["input2_multiplier"], p["input2_shift"]))
        else:
            acc = v1 * v2
        v = py_requant(acc, p["output_multiplier"], p["output_shift"]) + p["output_offset"]
        out[idx] = clamp(v, p["act_min"], p["act_max"])
    return out


@pytest.mark.parametrize("shapes", [((2, 3, 4, 5), (2, 3, 4, 5)), ((1, 3, 4, 5), (1, 1, 1, 5)),
                                    ((1, 1, 1, 5), (1, 3, 4, 5))])
@pytest.mark.parametrize("subtract", [False, True])
def test_add_mul_match_scalar_and_float(shapes, subtract):
    rng = np.random.default_rng(7)
    a = rng.integers(-128, 128, shapes[0], dtype=np.int8)
    b = rng.integers(-128, 128, shapes[1], dtype=np.int8)
    (s1, z1), (s2, z2), (so, zo) = (0.031, -9), (0.017, 20), (0.045, 4)
    p = F.add_params(s1, z1, s2, z2, so, zo, subtract=subtract)
    got = K.add(a, b, **p)
    np.testing.assert_array_equal(got, ref_add_mul("add", a, b, p))
    real = s1 * (a.astype(float) - z1) + (-1 if subtract else 1) * s2 * (b.astype(float) - z2)
    fl = np.clip(F.round_half_away(real / so) + zo, -128, 127)
    assert np.abs(got.astype(int) - fl).max() <= 1
    if subtract:
        return
    q = F.mul_params(s1, z1, s2, z2, 0.2, -3, act_min=-120, act_max=127)
    got = K.mul(a, b, **q)
    np.testing.assert_array_equal(got, ref_add_mul("mul", a, b, q))
    real = s1 * (a.astype(float) - z1) * s2 * (b.astype(float) - z2)
    fl = np.clip(F.round_half_away(real / 0.2) - 3, -120, 127)
    assert np.abs(got.astype(int) - fl).max() <= 1


def test_conv_and_fc_within_one_lsb_of_float():
    rng = np.random.default_rng(11)
    s_in, zp_in, s_out, zp_out = 0.02, -7, 0.15, 3
    s_w = rng.uniform(0.002, 0.01, 16)
    x = rng.integers(-128, 128, (1, 9, 9, 8), dtype=np.int8)
    w = rng.integers(-127, 128, (16, 3, 3, 8), dtype=np.int8)
    b = rng.integers(-3000, 3000, 16).astype(np.int32)
    mult, shift = F.conv_params(s_in, s_w, s_out)
    got = K.conv2d(x, w, b, stride=[1, 1], dilation=[1, 1], pad=[1, 1, 1, 1], groups=1,
                   input_offset=-zp_in, output_offset=zp_out, multiplier=mult, shift=shift,
                   act_min=-128, act_max=127)
    xr = np.pad(s_in * (x.astype(float) - zp_in), ((0, 0), (1, 1), (1, 1), (0, 0)))
    wr = w.astype(float) * s_w[:, None, None, None]
    real = np.zeros((1, 9, 9, 16)) + s_in * s_w * b
    for ky, kx in np.ndindex(3, 3):
        real += np.einsum("nhwc,oc->nhwo", xr[:, ky:ky + 9, kx:kx + 9], wr[:, ky, kx])
    fl = np.clip(F.round_half_away(real / s_out) + zp_out, -128, 127)
    assert np.abs(got.astype(int) - fl).max() <= 1
    xf = rng.integers(-128, 128, (4, 64), dtype=np.int8)
    wf = rng.integers(-127, 128, (16, 64), dtype=np.int8)
    got = K.fully_connected(xf, wf, b, input_offset=-zp_in, output_offset=zp_out,
                            multiplier=mult, shift=shift, act_min=-128, act_max=127)
    real = (s_in * (xf.astype(float) - zp_in)) @ (wf.astype(float) * s_w[:, None]).T + s_in * s_w * b
    fl = np.clip(F.round_half_away(real / s_out) + zp_out, -128, 127)
    assert np.abs(got.astype(int) - fl).max() <= 1


# --------------------------------------------------------------------- pools

def ref_pool(x, kind, kernel, stride, dilation, pad, cip, amin, amax, out_shape=None):
    N, H, W, C = x.shape
    (kh, kw), (sh, sw), (dh, dw), (t, bo, le, r) = kernel, stride, dilation, pad
    OH = (H + t + bo - dh * (kh - 1) - 1) // sh + 1 if out_shape is None else out_shape[1]
    OW = (W + le + r - dw * (kw - 1) - 1) // sw + 1 if out_shape is None else out_shape[2]
    out = np.zeros((N, OH, OW, C), dtype=np.int8)
    xl = x.tolist()
    for n, oy, ox, c in np.ndindex(N, OH, OW, C):
        vals = [xl[n][iy][ix][c]
                for iy in (oy * sh - t + ky * dh for ky in range(kh)) if 0 <= iy < H
                for ix in (ox * sw - le + kx * dw for kx in range(kw)) if 0 <= ix < W]
        if kind == "max":
            v = max(vals, default=-128)
        else:
            s, cnt = sum(vals), (kh * kw if cip else len(vals))
            v = cdiv(s + cnt // 2, cnt) if s >= 0 else cdiv(s - cnt // 2, cnt)
        out[n, oy, ox, c] = clamp(v, amin, amax)
    return out


POOL_CASES = [
    # (shape, kernel, stride, dilation, pad, out_shape override)
    ((1, 7, 7, 3), [3, 3], [2, 2], [1, 1], [1, 1, 1, 1], None),
    ((2, 6, 5, 2), [2, 3], [1, 2], [1, 1], [0, 1, 1, 1], None),
    ((1, 8, 8, 2), [3, 3], [1, 1], [2, 1], [2, 2, 1, 1], None),
    ((1, 6, 6, 2), [3, 3], [2, 2], [1, 1], [0, 0, 0, 0], (1, 3, 3, 2)),  # ceil mode
    ((1, 8, 5, 2), [2, 2], [2, 2], [1, 1], [1, 0, 0, 0], (1, 5, 3, 2)),  # ceil mode
]


@pytest.mark.parametrize("case", POOL_CASES)
def test_pools_match_scalar(case):
    shape, kernel, stride, dilation, pad, out_shape = case
    rng = np.random.default_rng(13)
    x = rng.integers(-128, 128, shape, dtype=np.int8)
    kw = {} if out_shape is None else {"out_shape": list(out_shape)}
    got = K.max_pool(x, kernel=kernel, stride=stride, dilation=dilation, pad=pad,
                     act_min=-100, act_max=127, **kw)
    np.testing.assert_array_equal(
        got, ref_pool(x, "max", kernel, stride, dilation, pad, 0, -100, 127, out_shape))
    if dilation != [1, 1]:
        return
    for cip in (0, 1):
        got = K.avg_pool(x, kernel=kernel, stride=stride, pad=pad, count_include_pad=cip,
                         act_min=-128, act_max=120, **kw)
        np.testing.assert_array_equal(
            got, ref_pool(x, "avg", kernel, stride, dilation, pad, cip, -128, 120, out_shape))


def _ort_run(nodes, x, out_dtype):
    pytest.importorskip("onnxruntime")
    from onnx_check import ort_session
    et = {np.int8: TensorProto.INT8, np.float32: TensorProto.FLOAT}
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", et[x.dtype.type], None)],
                          [helper.make_tensor_value_info("y", et[out_dtype], None)])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 19)])
    m.ir_version = 9
    sess = ort_session(m.SerializeToString())
    return sess.run(None, {"x": x})[0]


def test_pools_ceil_mode_match_onnxruntime():
    """out_shape from ONNX ceil_mode: windows hanging past the input (count_include_pad=0)."""
    rng = np.random.default_rng(17)
    x = rng.integers(-128, 128, (1, 7, 6, 3), dtype=np.int8)
    attrs = dict(kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 0, 0], ceil_mode=1)
    nchw = x.transpose(0, 3, 1, 2).copy()
    ref_max = _ort_run([helper.make_node("MaxPool", ["x"], ["y"], **attrs)], nchw, np.int8)
    ref_avg = _ort_run([helper.make_node("AveragePool", ["x"], ["y"], **attrs)],
                       nchw.astype(np.float32), np.float32)
    out_shape = [1, ref_max.shape[2], ref_max.shape[3], 3]
    got = K.max_pool(x, kernel=[3, 2], stride=[2, 2], dilation=[1, 1], pad=[1, 0, 0, 0],
                     act_min=-128, act_max=127, out_shape=out_shape)
    np.testing.assert_array_equal(got, ref_max.transpose(0, 2, 3, 1))
    got = K.avg_pool(x, kernel=[3, 2], stride=[2, 2], pad=[1, 0, 0, 0], count_include_pad=0,
                     act_min=-128, act_max=127, out_shape=out_shape)
    want = F.round_half_away(ref_avg.transpose(0, 2, 3, 1).astype(np.float64))
    np.testing.assert_array_equal(got, want)


def test_global_avg_pool_matches_scalar():
    rng = np.random.default_rng(19)
    x = rng.integers(-128, 128, (2, 5, 4, 3), dtype=np.int8)
    m, s = F.quantize_multiplier(0.05 / (0.07 * 20))
    got = K.global_avg_pool(x, input_offset=12, output_offset=-4, multiplier=m, shift=s)
    assert got.shape == (2, 1, 1, 3)
    for n, c in np.ndindex(2, 3):
        acc = sum(int(v) + 12 for v in x[n, :, :, c].ravel())
        assert got[n, 0, 0, c] == clamp(py_requant(acc, m, s) - 4, -128, 127)
        real = 0.05 * acc / 20 / 0.07
        assert abs(int(got[n, 0, 0, c]) - clamp(round(real) - 4, -128, 127)) <= 1


# ------------------------------------------------------- softmax, lut, resize

def test_softmax_matches_scalar_and_float():
    rng = np.random.default_rng(23)
    s_in, s_out, zp_out = 0.08, 1 / 256, -128
    x = rng.integers(-128, 128, (3, 4, 10), dtype=np.int8)
    x[0, 0] = 5  # a flat row
    table, scale = F.softmax_exp_table(s_in), F.softmax_output_scale_q16(s_out)
    got = K.softmax(x, exp_table=table, output_scale_q16=scale, output_offset=zp_out)
    for idx in np.ndindex(3, 4):
        row = [int(v) for v in x[idx]]
        e = [table[255 + v - max(row)] for v in row]
        tot = sum(e)
        want = [clamp((ei * scale + tot * 2**15) // (tot * 2**16) + zp_out, -128, 127) for ei in e]
        assert got[idx].tolist() == want
    xf = s_in * x.astype(float)
    p = np.exp(xf - xf.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    fl = np.clip(F.round_half_away(p / s_out) + zp_out, -128, 127)
    assert np.abs(got.astype(int) - fl).max() <= 1


def test_lut():
    table = F.onnx_lut_tables(np.tanh, 0.05, 10, 1 / 128, 0)[0].tolist()
    x = np.arange(-128, 128, dtype=np.int8).reshape(4, 8, 8)
    got = K.lut(x, table=table)
    assert got.dtype == np.int8 and got.shape == x.shape
    assert got.ravel().tolist() == table
    want = np.clip(F.round_half_away(np.tanh((x.astype(float) - 10) * 0.05) * 128), -128, 127)
    np.testing.assert_array_equal(got, want)


def test_lut_per_channel():
    """C x 256 entries: element i reads the table of channel i mod C (the last axis)."""
    rng = np.random.default_rng(3)
    x = rng.integers(-128, 128, size=(1, 3, 5, 6)).astype(np.int8)
    tables = rng.integers(-128, 128, size=(6, 256))
    got = K.lut(x, table=tables.ravel().tolist())
    want = tables[np.arange(6), x.astype(int) + 128]
    np.testing.assert_array_equal(got, want)
    same = K.lut(x, table=np.tile(tables[2], 6).tolist())
    np.testing.assert_array_equal(same, K.lut(x, table=tables[2].tolist()))
    with pytest.raises(ValueError, match="256 x 6"):
        K.lut(x, table=[0] * 512)


def test_onnx_lut_tables():
    """QuantizeLinear as onnxruntime computes it: float32 division, half to even,
    saturation, NaN -> -128; per-channel functions give one row per channel."""
    q = F.quantize_onnx(np.array([0.5, 1.5, 2.5, -0.5, np.inf, -np.inf, np.nan, 1e9]), 1.0, 0)
    assert q.tolist() == [0, 2, 2, 0, 127, -128, -128, 127]
    assert F.quantize_onnx(np.array([np.nan]), 0.1, 50).tolist() == [-128]
    x = F.dequantize_f32(np.arange(-128, 128), 0.05, 3)
    assert x.dtype == np.float32 and x[131] == 0.0
    t = F.onnx_lut_tables(np.log, 0.05, 3, 0.05, 3)
    assert t.shape == (1, 256) and (t[0, :132] == -128).all()     # log(<= 0): -inf, NaN
    slopes = np.array([0.1, 1.0, -2.0]).reshape(3, 1)
    t = F.onnx_lut_tables(lambda v: np.where(v < 0, slopes * v, v), 0.1, 0, 0.1, 0)
    assert t.shape == (3, 256)
    assert t[1].tolist() == list(range(-128, 128))
    assert t[0, 128 - 50] == -5 and t[2, 128 - 50] == 100 and t[2, 128 - 70] == 127


def ref_resize(x, mode, t):
    N, H, W, C = x.shape
    OH, OW = len(t["y_index0"]), len(t["x_index0"])
    out = np.zeros((N, OH, OW, C), dtype=np.int8)
    for n, oy, ox, c in np.ndindex(N, OH, OW, C):
        y0, y1, wy = t["y_index0"][oy], t["y_index1"][oy], t["y_weight"][oy]
        x0, x1, wx = t["x_index0"][ox], t["x_index1"][ox], t["x_weight"][ox]
        if mode == "nearest":
            out[n, oy, ox, c] = x[n, y0, x0, c]
            continue
        a, b, cc, d = (int(x[n, yy, xx, c]) for yy, xx in ((y0, x0), (y0, x1), (y1, x0), (y1, x1)))
        v = (a * (2048 - wx) + b * wx) * (2048 - wy) + (cc * (2048 - wx) + d * wx) * wy
        out[n, oy, ox, c] = (v + 2**21) >> 22 if v >= 0 else -((-v + 2**21) >> 22)
    return out


@pytest.mark.parametrize("mode,ctm,nearest_mode", [
    ("nearest", "asymmetric", "floor"), ("nearest", "half_pixel", "round_prefer_floor"),
    ("linear", "half_pixel", None), ("linear", "align_corners", None),
    ("linear", "asymmetric", None)])
def test_resize_tables_and_kernel(mode, ctm, nearest_mode):
    rng = np.random.default_rng(29)
    x = rng.integers(-128, 128, (1, 4, 5, 3), dtype=np.int8)
    oh, ow = 7, 11
    kw = {} if nearest_mode is None else {"nearest_mode": nearest_mode}
    ty, tx = (F.resize_tables(n_in, n_out, mode, ctm, **kw) for n_in, n_out in ((4, oh), (5, ow)))
    t = {"y_index0": ty[0], "y_index1": ty[1], "y_weight": ty[2],
         "x_index0": tx[0], "x_index1": tx[1], "x_weight": tx[2]}
    got = K.resize(x, mode=mode, **t)
    np.testing.assert_array_equal(got, ref_resize(x, mode, t))
    # The tables against onnxruntime's float Resize (sizes input, NCHW).
    sizes = helper.make_tensor("sizes", 7, [4], [1, 3, oh, ow])
    node_attrs = dict(mode=mode, coordinate_transformation_mode=ctm, **kw)
    nodes = [helper.make_node("Constant", [], ["s"], value=sizes),
             helper.make_node("Resize", ["x", "", "", "s"], ["y"], **node_attrs)]
    ref = _ort_run(nodes, x.transpose(0, 3, 1, 2).astype(np.float32), np.float32)
    ref = ref.transpose(0, 2, 3, 1)
    if mode == "nearest":
        np.testing.assert_array_equal(got, ref)
    else:
        # Rounding (0.5) plus the Q11 weight rounding on each axis (255 * 2^-12 each).
        assert np.abs(got.astype(float) - ref).max() <= 0.5 + 2 * 255 / 4096 + 1e-3


# ------------------------------------------------------------- data movement

def test_data_movement():
    rng = np.random.default_rng(31)
    x = rng.integers(-128, 128, (2, 3, 4, 5), dtype=np.int8)
    r = K.reshape(x, out_shape=[6, 20])
    assert r.shape == (6, 20) and r.tobytes() == x.tobytes()
    tr = K.transpose(x, perm=[0, 3, 1, 2])
    assert tr.shape == (2, 5, 3, 4) and tr.flags["C_CONTIGUOUS"]
    for idx in np.ndindex(tr.shape):
        assert tr[idx] == x[idx[0], idx[2], idx[3], idx[1]]
    p = K.pad(x, pad=[0, 1, 2, 0, 0, 2, 0, 3], value=-7)
    want = np.full((2, 6, 6, 8), -7, dtype=np.int8)
    want[:, 1:4, 2:6, 0:5] = x
    assert p.dtype == np.int8 and p.shape == want.shape and (p == want).all()
    s = K.slice(x, begin=[1, 0, 2, 1], out_shape=[1, 3, 2, 3])
    assert s.shape == (1, 3, 2, 3)
    for idx in np.ndindex(s.shape):
        assert s[idx] == x[1 + idx[0], idx[1], 2 + idx[2], 1 + idx[3]]
    e = K.empty(out_shape=[2, 3, 4, 12])
    assert e.shape == (2, 3, 4, 12) and e.dtype == np.int8 and not e.any()
    d1 = K.insert(x, e, axis=3, offset=0)
    d2 = K.insert(x[..., :4] + 1, d1, axis=3, offset=7)
    assert not e.any()  # insert returns a new array
    np.testing.assert_array_equal(d2[..., :5], x)
    np.testing.assert_array_equal(d2[..., 7:11], x[..., :4] + 1)
    assert not d2[..., 5:7].any() and not d2[..., 11:].any()


def test_kernel_call_convention():
    """Planning annotations and unneeded out_shape are ignored; other keywords are errors."""
    x = np.arange(-8, 8, dtype=np.int8).reshape(1, 2, 2, 4)
    ann = {"tigris.step": 3, "tigris.offset": 128, "out_shape": [1, 2, 2, 4]}
    got = K.lut(x, table=list(range(-128, 128)), **ann)
    np.testing.assert_array_equal(got, x)
    got = K.conv2d(x, np.ones((4, 1, 1, 4), np.int8), np.zeros(4, np.int32), stride=[1, 1],
                   dilation=[1, 1], pad=[0, 0, 0, 0], groups=1, input_offset=0, output_offset=0,
                   multiplier=[1 << 30], shift=[1], act_min=-128, act_max=127, **ann)
    np.testing.assert_array_equal(got, np.repeat(x.astype(int).sum(-1, keepdims=True), 4, -1))
    with pytest.raises(TypeError):
        K.lut(x, table=list(range(-128, 128)), bogus=1)


# --------------------------------------------------------------------- speed

def test_pointwise_conv_timing():
    rng = np.random.default_rng(37)
    x = rng.integers(-128, 128, (1, 64, 64, 32), dtype=np.int8)
    w = rng.integers(-127, 128, (64, 1, 1, 32), dtype=np.int8)
    b = rng.integers(-1000, 1000, 64).astype(np.int32)
    mult, shift = F.conv_params(0.02, rng.uniform(0.001, 0.01, 64), 0.05)
    attrs = dict(stride=[1, 1], dilation=[1, 1], pad=[0, 0, 0, 0], groups=1, input_offset=5,
                 output_offset=-3, multiplier=mult, shift=shift, act_min=-128, act_max=127)
    K.conv2d(x, w, b, **attrs)
    t0 = time.perf_counter()
    y = K.conv2d(x, w, b, **attrs)
    dt = time.perf_counter() - t0
    print(f"\npointwise conv 1x64x64x32 -> 64 (8.4 M MACs): {dt * 1e3:.1f} ms")
    assert y.shape == (1, 64, 64, 64) and dt < 1.0
    # Spot check a few outputs against the scalar formula.
    for (oy, ox, oc) in ((0, 0, 0), (63, 17, 63), (31, 40, 5)):
        acc = int(b[oc]) + sum((int(x[0, oy, ox, ic]) + 5) * int(w[oc, 0, 0, ic]) for ic in range(32))
        assert y[0, oy, ox, oc] == clamp(py_requant(acc, mult[oc], shift[oc]) - 3, -128, 127)


@pytest.mark.slow
def test_mobilenet_v1_128_timing():
    """MobileNetV1 1.0 at 128x128 with random weights: one inference, timed."""
    rng = np.random.default_rng(41)
    x = rng.integers(-128, 128, (1, 128, 128, 3), dtype=np.int8)
    common = dict(dilation=[1, 1], input_offset=1, output_offset=-128, act_min=-128, act_max=127)

    def params(c, **kw):
        m, s = F.conv_params(0.02, rng.uniform(0.001, 0.01, c), 0.05)
        return dict(bias=np.zeros(c, np.int32), multiplier=m, shift=s, **kw, **common)

    wts = lambda *shape: rng.integers(-127, 128, shape, dtype=np.int8)  # noqa: E731

    t0 = time.perf_counter()
    p = params(32, stride=[2, 2], pad=[0, 1, 0, 1], groups=1)
    x = K.conv2d(x, wts(32, 3, 3, 3), p.pop("bias"), **p)
    cfg = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5
    for cout, st in cfg + [(1024, 2), (1024, 1)]:
        c = x.shape[-1]
        p = params(c, stride=[st, st], pad=[1, 1, 1, 1] if st == 1 else [0, 1, 0, 1],
                   channel_multiplier=1)
        x = K.depthwise_conv2d(x, wts(1, 3, 3, c), p.pop("bias"), **p)
        p = params(cout, stride=[1, 1], pad=[0, 0, 0, 0], groups=1)
        x = K.conv2d(x, wts(cout, 1, 1, c), p.pop("bias"), **p)
    mg, sg = F.quantize_multiplier(1 / 16)
    x = K.global_avg_pool(x, input_offset=128, output_offset=0, multiplier=mg, shift=sg)
    p = params(1000)
    del p["dilation"]
    x = K.fully_connected(x, wts(1000, 1024), p.pop("bias"), **p)
    dt = time.perf_counter() - t0
    print(f"\nMobileNetV1 1.0 128x128 reference inference: {dt:.2f} s")
    assert x.shape == (1, 1000) and dt < 5.0
