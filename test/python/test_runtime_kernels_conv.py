"""The C99 convolution-family kernels against the numpy reference, byte for byte.

Covers the fixed-point helpers (srdhm, rdbpot, requant, requant_single),
conv2d and depthwise_conv2d (including partial output rows for strip tiling),
fully_connected, and the argument checks that must reject a call without
writing anything. The requantizing kernels run in both rounding modes
(`rounding` = TIGRIS_ROUND_DOUBLE / _SINGLE): against the numpy reference on
random cases, and against the plain-Python model of scalar_reference.py on
small cases and on chosen accumulators (ties, shift -31 and 30, INT32 extremes,
saturation). Every op runs on seeded random cases through its tigris_*
kernel and through the tigris_run_* dispatcher, which calls the ESP-NN entry
points (esp_nn_ref.h) whenever tigris_kernel_args.c maps the op instance onto
them; outputs are written between guard bytes that must survive the call.
Shared helpers and the `lib` fixture: runtime_kernels_common.py (environment
variables are described there). The elementwise, pooling, table and
data-movement kernels are in test_runtime_kernels_ops.py; build properties and
the sanitizer rerun in test_runtime_kernels_build.py.
"""
from __future__ import annotations

import ctypes

import numpy as np
import pytest

from runtime_kernels_common import (
    CASES, GUARD_BYTE, INT32_MAX, INT32_MIN, I32P, ROUNDING, ConvParams, FcParams, Out, Paths,
    both, c_i32, check, dims4, p8, p32, rand_act, rand_bias, rand_i8, rand_in_offset,
    rand_out_offset, rand_quant)
from scalar_reference import clamp, per_ch, py_requant_mode, py_requant_single
from tigris.reference import fixedpoint as fp
from tigris.reference import kernels as ref

TIGRIS_ERR_NULL, TIGRIS_ERR_PARAM = -1, -3
ROUNDINGS = ["double", "single"]


def test_fixedpoint_helpers(lib):
    rng = np.random.default_rng(1)
    edge = [INT32_MIN, INT32_MIN + 1, -(1 << 30), -65536, -2, -1, 0, 1, 2, 65535,
            1 << 30, INT32_MAX - 1, INT32_MAX]
    for x in edge + [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, 400)]:
        for y in edge + [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, 20)]:
            assert lib.tigris_srdhm(x, y) == int(fp.srdhm(x, y)), (x, y)
        for e in list(range(0, 34)) + [40, 62]:
            assert lib.tigris_rdbpot(x, e) == int(fp.rdbpot(x, e)), (x, e)
        for m in edge[::2] + [int(rng.integers(INT32_MIN, INT32_MAX))]:
            for s in (-62, -40, -32, -31, -20, -1, 0, 1, 5, 31, 32, 33, 40):
                assert lib.tigris_requant(x, m, s) == int(fp.requant(x, m, s)), (x, m, s)


def wrap32(v):
    return (int(v) + (1 << 31)) % (1 << 32) - (1 << 31)


def test_requant_single_helper(lib):
    """tigris_requant_single against the plain-Python model on every shift of its range
    and edge accumulators / multipliers; the numpy reference agrees with the same model."""
    rng = np.random.default_rng(2)
    edge = [INT32_MIN, INT32_MIN + 1, -(1 << 30) - 1, -(1 << 30), -65536, -3, -2, -1, 0, 1, 2,
            3, 65535, 1 << 30, INT32_MAX - 1, INT32_MAX]
    mults = [0, 1, 2, 1 << 30, (1 << 30) + 1, INT32_MAX - 1, INT32_MAX, -1, -(1 << 30),
             INT32_MIN]
    accs, ms, ss, want = [], [], [], []
    for x in edge + [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, 150)]:
        for m in mults + [int(rng.integers(0, 1 << 31))]:
            for s in [-31, -30, -20, -16, -8, -2, -1, 0, 1, 2, 8, 29, 30,
                      int(rng.integers(-31, 31))]:
                w = py_requant_single(x, m, s)
                got = lib.tigris_requant_single(x, m, s)
                assert got == w, (x, m, s, got, w)
                accs.append(x), ms.append(m), ss.append(s), want.append(w)
    assert np.array_equal(fp.requant_single(np.array(accs), np.array(ms), np.array(ss)),
                          np.array(want))
    # ties round half up (toward +inf), once: -2.5 -> -2, 2.5 -> 3, -0.5 -> 0
    assert lib.tigris_requant_single(-10, 1 << 30, -1) == -2
    assert lib.tigris_requant_single(10, 1 << 30, -1) == 3
    assert lib.tigris_requant_single(INT32_MIN, 1 << 30, -31) == 0     # -2^61 / 2^62
    assert lib.tigris_requant_single(INT32_MIN + 1, 1 << 30, -31) == 0
    assert lib.tigris_requant_single(-3, 1 << 30, 0) == -1               # -1.5
    assert lib.tigris_requant(-10, 1 << 30, -1) == -3                    # double: away from 0
    # saturation at both ends (shift 30 divides by 2 only)
    assert lib.tigris_requant_single(INT32_MAX, INT32_MAX, 30) == INT32_MAX
    assert lib.tigris_requant_single(INT32_MIN, INT32_MAX, 30) == INT32_MIN
    assert lib.tigris_requant_single(INT32_MIN, INT32_MIN, 30) == INT32_MAX
    assert lib.tigris_requant_single(3, 1 << 30, 30) == 3 << 29
    assert lib.tigris_requant_single(5, 1 << 30, 30) == INT32_MAX
    # the exported probe clips an out-of-range shift (the kernels reject it instead)
    assert lib.tigris_requant_single(12345, 1 << 30, 31) == py_requant_single(12345, 1 << 30, 30)
    assert lib.tigris_requant_single(-7 << 25, 1 << 30, -40) == \
        py_requant_single(-7 << 25, 1 << 30, -31)


def test_requant_check(lib):
    """tigris_requant_check: the rounding mode, and single rounding's shift range."""
    chk = lib.tigris_requant_check
    assert chk(0, None, 0) == 0 and chk(1, None, 0) == 0
    assert chk(0, p32([99, -99]), 2) == 0          # double rounding takes any shift
    assert chk(1, p32([30, -31, 0]), 3) == 0
    assert chk(1, p32([0, 31]), 2) == TIGRIS_ERR_PARAM
    assert chk(1, p32([-32, 0]), 2) == TIGRIS_ERR_PARAM
    assert chk(1, p32([0, 31]), 1) == 0            # only `count` entries are read
    for bad in (2, -1, 3, 256, INT32_MIN):
        assert chk(bad, p32([0]), 1) == TIGRIS_ERR_PARAM, bad
    assert chk(1, None, 1) == TIGRIS_ERR_NULL


# ---------------------------------------------------------- convolutions


def conv_case(rng, depthwise, esp_friendly, rounding="double"):
    """(x, w, bias for C or None, bias for the reference, attrs) or None if empty."""
    n, h, w = int(rng.integers(1, 3)), int(rng.integers(1, 11)), int(rng.integers(1, 11))
    kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
    if esp_friendly:  # what a TFLite/ONNX model mostly has: ESP-NN can take it
        sh = sw = int(rng.integers(1, 3))
        dh = dw = 1
        pad = [int(rng.integers(0, min(kh, kw)))] * 4
    else:  # asymmetric pads, dilation, strides up to 3
        sh, sw, dh, dw = (int(v) for v in rng.integers(1, 4, size=4))
        pad = [int(v) for v in rng.integers(0, 4, size=4)]
    if depthwise:
        c, m = int(rng.integers(1, 9)), int(rng.integers(1, 4))
        cin, cout, groups, wshape = c, c * m, 1, (1, kh, kw, c * m)
    else:
        groups = 1 if (esp_friendly or rng.random() < 0.4) else int(rng.integers(1, 5))
        cin, cout = groups * int(rng.integers(1, 7)), groups * int(rng.integers(1, 6))
        m, wshape = 1, (cout, kh, kw, cin // groups)
    if (h + pad[0] + pad[1] - dh * (kh - 1) - 1 < 0 or
            w + pad[2] + pad[3] - dw * (kw - 1) - 1 < 0):
        return None
    edge = rng.random() < 0.1
    mult, shift = rand_quant(rng, 1 if (not esp_friendly and rng.random() < 0.2) else cout, edge,
                             rounding)
    out_off = rand_out_offset(rng)
    act_min, act_max = rand_act(rng, out_off)
    attrs = dict(stride=[sh, sw], dilation=[dh, dw], pad=pad,
                 input_offset=int(-rng.integers(-128, 128)) if esp_friendly else rand_in_offset(rng),
                 output_offset=out_off, multiplier=mult, shift=shift,
                 act_min=act_min, act_max=act_max, rounding=rounding)
    attrs.update({"channel_multiplier": m} if depthwise else {"groups": groups})
    no_bias = (not esp_friendly) and rng.random() < 0.1
    b = np.zeros(cout, np.int32) if no_bias else rand_bias(rng, cout, edge)
    return rand_i8(rng, (n, h, w, cin)), rand_i8(rng, wshape), (None if no_bias else b), b, attrs


def conv_params(a):
    p = ConvParams(stride=(c_i32 * 2)(*a["stride"]), dilation=(c_i32 * 2)(*a["dilation"]),
                   pad=(c_i32 * 4)(*a["pad"]), groups=a.get("groups", 1),
                   channel_multiplier=a.get("channel_multiplier", 1),
                   input_offset=a["input_offset"], output_offset=a["output_offset"],
                   multiplier=p32(a["multiplier"]), shift=p32(a["shift"]),
                   quant_count=len(a["multiplier"]), act_min=a["act_min"], act_max=a["act_max"],
                   rounding=a.get("rounding_value", ROUNDING[a.get("rounding", "double")]))
    return ctypes.byref(p)


@pytest.mark.parametrize("rounding", ROUNDINGS)
@pytest.mark.parametrize("depthwise", [False, True], ids=["conv2d", "depthwise_conv2d"])
def test_convolutions(lib, depthwise, rounding):
    rng = np.random.default_rng(10 + depthwise + 100 * (rounding == "single"))
    paths = Paths(rounding)
    name = "depthwise_conv2d" if depthwise else "conv2d"
    direct, run = getattr(lib, f"tigris_{name}_s8"), getattr(lib, f"tigris_run_{name}_s8")
    done = 0
    while done < CASES:
        case = conv_case(rng, depthwise, esp_friendly=rng.random() < 0.4, rounding=rounding)
        if case is None:
            continue
        x, wt, b_c, b_ref, attrs = case
        want = getattr(ref, name)(x, wt, b_ref, **attrs)
        p = conv_params(attrs)
        bias = None if b_c is None else b_c.ctypes.data_as(I32P)
        args = (dims4(x.shape), p8(x), dims4(wt.shape), p8(wt), bias, dims4(want.shape))
        both(lambda o: direct(*args, o, p), lambda o, pp: run(*args, o, p, None, 0, pp),
             want, f"{name} {x.shape} {wt.shape} {attrs}", paths)
        done += 1
    paths.assert_both(f"{name} {rounding}")


def test_conv_partial_output_rows(lib):
    """Fewer output rows/cols than the formula: their leading part (strip tiling)."""
    rng = np.random.default_rng(12)
    for _ in range(max(CASES // 5, 5)):
        case = conv_case(rng, False, esp_friendly=False)
        if case is None:
            continue
        x, wt, _, b, attrs = case
        want = ref.conv2d(x, wt, b, **attrs)
        oh, ow = int(rng.integers(1, want.shape[1] + 1)), int(rng.integers(1, want.shape[2] + 1))
        out = Out((want.shape[0], oh, ow, want.shape[3]))
        assert lib.tigris_run_conv2d_s8(dims4(x.shape), p8(x), dims4(wt.shape), p8(wt),
                                        b.ctypes.data_as(I32P), dims4(out.shape), out.ptr,
                                        conv_params(attrs), None, 0, None) == 0
        check(out.value(), want[:, :oh, :ow], "conv2d partial")


@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_fully_connected(lib, rounding):
    rng = np.random.default_rng(20 + 100 * (rounding == "single"))
    paths = Paths(rounding)
    for _ in range(CASES):
        k, cout = int(rng.integers(1, 300)), int(rng.integers(1, 40))
        x = rand_i8(rng, [int(v) for v in rng.integers(1, 4, size=int(rng.integers(1, 4)))] + [k])
        wt = rand_i8(rng, (cout, k))
        edge = rng.random() < 0.1
        mult, shift = rand_quant(rng, 1 if rng.random() < 0.3 else cout, edge, rounding)
        no_bias = rng.random() < 0.1
        b = np.zeros(cout, np.int32) if no_bias else rand_bias(rng, cout, edge)
        out_off = rand_out_offset(rng)
        act_min, act_max = rand_act(rng, out_off)
        attrs = dict(input_offset=rand_in_offset(rng), output_offset=out_off,
                     multiplier=mult, shift=shift, act_min=act_min, act_max=act_max,
                     rounding=rounding)
        want = ref.fully_connected(x, wt, b, **attrs)
        p = ctypes.byref(FcParams(attrs["input_offset"], out_off, p32(mult), p32(shift),
                                  len(mult), act_min, act_max, ROUNDING[rounding]))
        args = (p8(x), x.size // k, k, p8(wt), None if no_bias else b.ctypes.data_as(I32P), cout)
        both(lambda o: lib.tigris_fully_connected_s8(*args, o, p),
             lambda o, pp: lib.tigris_run_fully_connected_s8(*args, o, p, pp),
             want, f"fully_connected {x.shape} {attrs}", paths)
    paths.assert_both(f"fully_connected {rounding}")


# ------------------------------------------- both roundings, plain-Python model


def scalar_conv(x, w, b, a, depthwise):
    """conv2d / depthwise_conv2d written out element by element (docs/kernels.md), with
    the plain-Python requant of a["rounding"]."""
    n, h, wd, _ = x.shape
    kh, kw = w.shape[1], w.shape[2]
    cout = w.shape[3] if depthwise else w.shape[0]
    (sh, sw), (dh, dw), (top, bottom, left, right) = a["stride"], a["dilation"], a["pad"]
    oh = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + left + right - dw * (kw - 1) - 1) // sw + 1
    cin_g = w.shape[3]
    per_group = cout // a.get("groups", 1)
    out = np.zeros((n, oh, ow, cout), np.int8)
    for i in range(n):
        for oy in range(oh):
            for ox in range(ow):
                for oc in range(cout):
                    acc = int(b[oc])
                    for ky in range(kh):
                        for kx in range(kw):
                            iy, ix = oy * sh - top + ky * dh, ox * sw - left + kx * dw
                            if not (0 <= iy < h and 0 <= ix < wd):
                                continue
                            if depthwise:
                                acc += ((int(x[i, iy, ix, oc // a["channel_multiplier"]])
                                         + a["input_offset"]) * int(w[0, ky, kx, oc]))
                                continue
                            g0 = (oc // per_group) * cin_g
                            for ic in range(cin_g):
                                acc += ((int(x[i, iy, ix, g0 + ic]) + a["input_offset"])
                                        * int(w[oc, ky, kx, ic]))
                    v = py_requant_mode(wrap32(acc), per_ch(a["multiplier"], oc),
                                        per_ch(a["shift"], oc), a["rounding"])
                    out[i, oy, ox, oc] = clamp(clamp(v + a["output_offset"], a["act_min"],
                                                     a["act_max"]), -128, 127)
    return out


def scalar_fc(x, w, b, a):
    cout, k = w.shape
    rows = x.reshape(-1, k)
    out = np.zeros((rows.shape[0], cout), np.int8)
    for r in range(rows.shape[0]):
        for oc in range(cout):
            acc = int(b[oc]) + sum((int(v) + a["input_offset"]) * int(wv)
                                   for v, wv in zip(rows[r], w[oc]))
            v = py_requant_mode(wrap32(acc), per_ch(a["multiplier"], oc),
                                per_ch(a["shift"], oc), a["rounding"])
            out[r, oc] = clamp(clamp(v + a["output_offset"], a["act_min"], a["act_max"]),
                               -128, 127)
    return out


# (acc, multiplier, shift): requant ties in both signs, the two ends of single
# rounding's shift range, INT32 extremes and saturation. Output offset 0, no clamp
# but int8's, so each gives one output value.
PROBES = [(-10, 1 << 30, -1), (10, 1 << 30, -1), (-6, 1 << 30, -1), (6, 1 << 30, -1),
          (-3, 1 << 30, 0), (INT32_MIN, 1 << 30, -31), (INT32_MIN + 1, 1 << 30, -31),
          (INT32_MAX, 1 << 30, -31), (-1, 1 << 30, -31), (INT32_MIN, 1 << 30, 30),
          (INT32_MAX, INT32_MAX, 30), (3, 1 << 30, 30), (-1, 1 << 30, 30),
          (-5, INT32_MAX, 0), (-200, (1 << 30) + 12345, -2), (1 << 20, 1 << 30, -15),
          (-(1 << 20) - (1 << 13), 1 << 30, -15), (0, INT32_MAX, 30)]


def probe_want(rounding):
    return np.array([clamp(py_requant_mode(a, m, s, rounding), -128, 127) for a, m, s in PROBES],
                    np.int8)


def test_probe_values_differ_by_rounding():
    """The probes do tell the two modes apart: ties of negative values, and the -0.5
    of INT32_MIN at shift -31, round up once but away from zero twice."""
    single, double = probe_want("single"), probe_want("double")
    assert single[0] == -2 and double[0] == -3          # -2.5
    assert single[2] == -1 and double[2] == -2          # -1.5
    assert single[5] == 0 and double[5] == -1           # -0.5 at shift -31
    assert single[9] == -128 and single[10] == 127      # saturation
    assert (single != double).sum() >= 3


@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_conv_family_probes(lib, rounding):
    """Chosen accumulators through conv2d, depthwise_conv2d and fully_connected: a zero
    input makes acc = bias[oc], one probe per output channel."""
    c = len(PROBES)
    bias = np.array([a for a, _, _ in PROBES], np.int32)
    mult, shift = [m for _, m, _ in PROBES], [s for _, _, s in PROBES]
    want = probe_want(rounding)
    base = dict(stride=[1, 1], dilation=[1, 1], pad=[0, 0, 0, 0], input_offset=0,
                output_offset=0, multiplier=mult, shift=shift, act_min=-1000, act_max=1000,
                rounding=rounding)
    paths = Paths(rounding)
    for depthwise in (False, True):
        name = "depthwise_conv2d" if depthwise else "conv2d"
        x = np.zeros((1, 1, 1, 1 if depthwise else 3), np.int8)
        wt = rand_i8(np.random.default_rng(3), (1, 1, 1, c) if depthwise else (c, 1, 1, 3))
        a = dict(base, **({"channel_multiplier": c} if depthwise else {"groups": 1}))
        args = (dims4(x.shape), p8(x), dims4(wt.shape), p8(wt), bias.ctypes.data_as(I32P),
                dims4((1, 1, 1, c)))
        p = conv_params(a)
        both(lambda o: getattr(lib, f"tigris_{name}_s8")(*args, o, p),
             lambda o, pp: getattr(lib, f"tigris_run_{name}_s8")(*args, o, p, None, 0, pp),
             want.reshape(1, 1, 1, c), f"{name} probes {rounding}", paths)
    x, wt = np.zeros((2, 4), np.int8), rand_i8(np.random.default_rng(4), (c, 4))
    p = ctypes.byref(FcParams(0, 0, p32(mult), p32(shift), c, -1000, 1000, ROUNDING[rounding]))
    args = (p8(x), 2, 4, p8(wt), bias.ctypes.data_as(I32P), c)
    both(lambda o: lib.tigris_fully_connected_s8(*args, o, p),
         lambda o, pp: lib.tigris_run_fully_connected_s8(*args, o, p, pp),
         np.stack([want, want]), f"fully_connected probes {rounding}", paths)
    if rounding == "single":
        paths.assert_both("probes")


@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_conv_family_matches_scalar(lib, rounding):
    """Small random cases, edge multipliers and biases included, against the
    element-by-element model (independent of the numpy reference)."""
    rng = np.random.default_rng(25 + (rounding == "single"))
    paths = Paths(rounding)
    done = 0
    while done < max(CASES // 5, 10):
        depthwise = bool(done % 2)
        case = conv_case(rng, depthwise, esp_friendly=rng.random() < 0.4, rounding=rounding)
        if case is None or case[0].size > 200:
            continue
        x, wt, b_c, b_ref, attrs = case
        name = "depthwise_conv2d" if depthwise else "conv2d"
        want = scalar_conv(x, wt, b_ref, attrs, depthwise)
        p = conv_params(attrs)
        bias = None if b_c is None else b_c.ctypes.data_as(I32P)
        args = (dims4(x.shape), p8(x), dims4(wt.shape), p8(wt), bias, dims4(want.shape))
        both(lambda o: getattr(lib, f"tigris_{name}_s8")(*args, o, p),
             lambda o, pp: getattr(lib, f"tigris_run_{name}_s8")(*args, o, p, None, 0, pp),
             want, f"{name} scalar {attrs}", paths)
        k, cout = int(rng.integers(1, 20)), int(rng.integers(1, 8))
        x, wt = rand_i8(rng, (int(rng.integers(1, 4)), k)), rand_i8(rng, (cout, k))
        mult, shift = rand_quant(rng, 1 if rng.random() < 0.3 else cout, rng.random() < 0.3,
                                 rounding)
        b = rand_bias(rng, cout, rng.random() < 0.3)
        a = dict(input_offset=rand_in_offset(rng), output_offset=rand_out_offset(rng),
                 multiplier=mult, shift=shift, act_min=-128, act_max=127, rounding=rounding)
        want = scalar_fc(x, wt, b, a)
        p = ctypes.byref(FcParams(a["input_offset"], a["output_offset"], p32(mult), p32(shift),
                                  len(mult), -128, 127, ROUNDING[rounding]))
        args = (p8(x), x.shape[0], k, p8(wt), b.ctypes.data_as(I32P), cout)
        both(lambda o: lib.tigris_fully_connected_s8(*args, o, p),
             lambda o, pp: lib.tigris_run_fully_connected_s8(*args, o, p, pp),
             want, f"fully_connected scalar {a}", paths)
        done += 1
    if rounding == "single":
        paths.assert_both("scalar")


def test_conv_family_rejects_bad_rounding(lib):
    """An unknown rounding value, or single rounding with a shift outside [-31, 30] in
    any channel, is TIGRIS_ERR_PARAM from the kernel, its dispatcher and its _check
    function, before anything is written; double rounding keeps taking any shift."""
    x, b = np.zeros((1, 3, 3, 2), np.int8), np.zeros(4, np.int32)
    wc, wd = np.ones((4, 1, 1, 2), np.int8), np.ones((1, 1, 1, 4), np.int8)
    base = dict(stride=[1, 1], dilation=[1, 1], pad=[0, 0, 0, 0], groups=1,
                channel_multiplier=2, input_offset=0, output_offset=0,
                multiplier=[1 << 30] * 4, shift=[0, 0, 0, 0], act_min=-128, act_max=127)
    cases = [(dict(rounding_value=2), TIGRIS_ERR_PARAM),
             (dict(rounding_value=-1), TIGRIS_ERR_PARAM),
             (dict(rounding_value=1 << 20), TIGRIS_ERR_PARAM),
             (dict(rounding="single", shift=[0, 0, 0, 31]), TIGRIS_ERR_PARAM),
             (dict(rounding="single", shift=[-32, 0, 0, 0]), TIGRIS_ERR_PARAM),
             (dict(rounding="single", shift=[31], multiplier=[1 << 30]), TIGRIS_ERR_PARAM),
             (dict(rounding="single", shift=[30, -31, 0, 5]), 0),
             (dict(rounding="double", shift=[40, -40, 31, -32]), 0)]
    for over, status in cases:
        a = dict(base, **over)
        for name, wt in (("conv2d", wc), ("depthwise_conv2d", wd)):
            args = (dims4(x.shape), p8(x), dims4(wt.shape), p8(wt), b.ctypes.data_as(I32P),
                    dims4((1, 3, 3, 4)))
            check_fn = getattr(lib, f"tigris_{name}_check")
            assert check_fn(dims4(x.shape), dims4(wt.shape), dims4((1, 3, 3, 4)),
                            conv_params(a)) == status, (name, over)
            for call in (lambda o: getattr(lib, f"tigris_{name}_s8")(*args, o, conv_params(a)),
                         lambda o: getattr(lib, f"tigris_run_{name}_s8")(
                             *args, o, conv_params(a), None, 0, None)):
                out = Out((1, 3, 3, 4))
                assert call(out.ptr) == status, (name, over)
                if status != 0:
                    assert (out.buf == GUARD_BYTE).all(), (name, over)
        q = len(a["multiplier"])
        value = a.get("rounding_value", ROUNDING[a.get("rounding", "double")])
        p = ctypes.byref(FcParams(0, 0, p32(a["multiplier"]), p32(a["shift"]), q, -128, 127,
                                  value))
        for run in (False, True):
            out = Out((2, 4))
            fn = lib.tigris_run_fully_connected_s8 if run else lib.tigris_fully_connected_s8
            extra = (None,) if run else ()
            assert fn(p8(x[0, 0]), 1, 2, p8(wc.reshape(4, 2)), b.ctypes.data_as(I32P), 4,
                      out.ptr, p, *extra) == status, ("fc", over)
            if status != 0:
                assert (out.buf == GUARD_BYTE).all()


def test_invalid_arguments_write_nothing(lib):
    x, wt = np.zeros((1, 4, 4, 4), np.int8), np.zeros((6, 3, 3, 2), np.int8)
    attrs = dict(stride=[1, 1], dilation=[1, 1], pad=[1, 1, 1, 1], groups=3, input_offset=0,
                 output_offset=0, multiplier=[1 << 30], shift=[0], act_min=-128, act_max=127)
    out, big = Out((1, 4, 4, 6)), Out((1, 5, 4, 6))
    conv = lambda o, p, xp=p8(x): lib.tigris_conv2d_s8(  # noqa: E731
        dims4(x.shape), xp, dims4(wt.shape), p8(wt), None, dims4(o.shape), o.ptr, p)
    assert conv(out, conv_params(attrs)) == -2  # groups 3 do not split Cin 4 into 2s
    assert lib.tigris_run_conv2d_s8(dims4(x.shape), p8(x), dims4(wt.shape), p8(wt), None,
                                    dims4(out.shape), out.ptr, conv_params(attrs), None, 0,
                                    None) == -2
    assert conv(out, conv_params(dict(attrs, groups=2, stride=[0, 1]))) == -3
    assert conv(big, conv_params(dict(attrs, groups=2))) == -2  # more rows than the formula
    assert conv(out, conv_params(dict(attrs, groups=2)), xp=None) == -1
    z6 = np.zeros(6, np.int8)
    assert lib.tigris_transpose_s8(p8(z6), p32([2, 3]), 2, p32([0, 0]), out.ptr,
                                   p32([2, 3])) == -3
    assert lib.tigris_softmax_s8(p8(z6), 2, 3, p32([0] * 256), 1 << 24, 0, out.ptr) == -3
    assert lib.tigris_resize_s8(dims4(x.shape), p8(x), dims4((1, 2, 2, 4)), out.ptr, 0,
                                p32([0, 4]), None, None, p32([0, 1]), None, None) == -3
    assert lib.tigris_slice_s8(p8(z6), p32([2, 3]), 2, p32([1, 0]), out.ptr, p32([2, 3])) == -3
    assert (out.buf == GUARD_BYTE).all() and (big.buf == GUARD_BYTE).all()
