"""The C99 convolution-family kernels against the numpy reference, byte for byte.

Covers the fixed-point helpers (srdhm, rdbpot, requant), conv2d and
depthwise_conv2d (including partial output rows for strip tiling),
fully_connected, and the argument checks that must reject a call without
writing anything. Every op runs on seeded random cases through its tigris_*
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
    CASES, GUARD_BYTE, INT32_MAX, INT32_MIN, I32P, ConvParams, FcParams, Out, Paths, both,
    c_i32, check, dims4, p8, p32, rand_act, rand_bias, rand_i8, rand_in_offset,
    rand_out_offset, rand_quant)
from tigris.reference import fixedpoint as fp
from tigris.reference import kernels as ref


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


# ---------------------------------------------------------- convolutions


def conv_case(rng, depthwise, esp_friendly):
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
    mult, shift = rand_quant(rng, 1 if (not esp_friendly and rng.random() < 0.2) else cout, edge)
    out_off = rand_out_offset(rng)
    act_min, act_max = rand_act(rng, out_off)
    attrs = dict(stride=[sh, sw], dilation=[dh, dw], pad=pad,
                 input_offset=int(-rng.integers(-128, 128)) if esp_friendly else rand_in_offset(rng),
                 output_offset=out_off, multiplier=mult, shift=shift,
                 act_min=act_min, act_max=act_max)
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
                   quant_count=len(a["multiplier"]), act_min=a["act_min"], act_max=a["act_max"])
    return ctypes.byref(p)


@pytest.mark.parametrize("depthwise", [False, True], ids=["conv2d", "depthwise_conv2d"])
def test_convolutions(lib, depthwise):
    rng = np.random.default_rng(10 + depthwise)
    paths = Paths()
    name = "depthwise_conv2d" if depthwise else "conv2d"
    direct, run = getattr(lib, f"tigris_{name}_s8"), getattr(lib, f"tigris_run_{name}_s8")
    done = 0
    while done < CASES:
        case = conv_case(rng, depthwise, esp_friendly=rng.random() < 0.4)
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
    paths.assert_both(name)


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


def test_fully_connected(lib):
    rng = np.random.default_rng(20)
    paths = Paths()
    for _ in range(CASES):
        k, cout = int(rng.integers(1, 300)), int(rng.integers(1, 40))
        x = rand_i8(rng, [int(v) for v in rng.integers(1, 4, size=int(rng.integers(1, 4)))] + [k])
        wt = rand_i8(rng, (cout, k))
        edge = rng.random() < 0.1
        mult, shift = rand_quant(rng, 1 if rng.random() < 0.3 else cout, edge)
        no_bias = rng.random() < 0.1
        b = np.zeros(cout, np.int32) if no_bias else rand_bias(rng, cout, edge)
        out_off = rand_out_offset(rng)
        act_min, act_max = rand_act(rng, out_off)
        attrs = dict(input_offset=rand_in_offset(rng), output_offset=out_off,
                     multiplier=mult, shift=shift, act_min=act_min, act_max=act_max)
        want = ref.fully_connected(x, wt, b, **attrs)
        p = ctypes.byref(FcParams(attrs["input_offset"], out_off, p32(mult), p32(shift),
                                  len(mult), act_min, act_max))
        args = (p8(x), x.size // k, k, p8(wt), None if no_bias else b.ctypes.data_as(I32P), cout)
        both(lambda o: lib.tigris_fully_connected_s8(*args, o, p),
             lambda o, pp: lib.tigris_run_fully_connected_s8(*args, o, p, pp),
             want, f"fully_connected {x.shape} {attrs}", paths)
    paths.assert_both("fully_connected")


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
