"""The C99 elementwise, pooling, table and data-movement kernels against the
numpy reference, byte for byte.

Covers add and mul (broadcasting, in place), lut and lut_per_channel,
avg_pool, max_pool and global_avg_pool, softmax, and transpose, pad, slice,
insert and resize. Every op runs on seeded random cases through its tigris_*
kernel and, for the ops ESP-NN has, through the tigris_run_* dispatcher, which
calls the ESP-NN entry points (esp_nn_ref.h) whenever tigris_kernel_args.c maps
the op instance onto them; outputs are written between guard bytes that must
survive the call. add, mul and global_avg_pool run in both rounding modes
(`rounding` = TIGRIS_ROUND_DOUBLE / _SINGLE), also against the plain-Python model
of scalar_reference.py on chosen accumulators. Shared helpers and the `lib` fixture:
runtime_kernels_common.py (environment variables are described there). The
convolution-family kernels are in test_runtime_kernels_conv.py.
"""
from __future__ import annotations

import ctypes

import numpy as np
import pytest

from runtime_kernels_common import (
    ADD_FIELDS, CASES, GUARD_BYTE, INT32_MAX, INT32_MIN, MUL_FIELDS, ROUNDING, AddParams,
    GapParams, MulParams, Out, Paths, PoolParams, both, c_i32, check, dims4, p8, p32, rand_act,
    rand_i8, rand_in_offset, rand_out_offset, rand_quant, single_shift)
from scalar_reference import clamp, py_requant_mode
from tigris.reference import fixedpoint as fp
from tigris.reference import kernels as ref

ROUNDINGS = ["double", "single"]
TIGRIS_ERR_PARAM = -3


# ----------------------------------------------------------- elementwise


def bcast_shapes(rng):
    """(shape1, shape2, out_shape): the same shape half the time, else numpy broadcasting."""
    rank = int(rng.integers(1, 7))
    out = [int(v) for v in rng.integers(1, 5, size=rank)]
    if rng.random() < 0.5:
        return out, list(out), out
    shapes = []
    for _ in range(2):
        r = int(rng.integers(0, rank + 1)) if rng.random() < 0.5 else rank
        shapes.append([d if rng.random() < 0.6 else 1 for d in out[rank - r:]])
    shapes[int(rng.integers(0, 2))] = list(out)  # one input has the output's shape
    return shapes[0], shapes[1], out


def elementwise_attrs(rng, op, rounding="double"):
    a = _elementwise_attrs(rng, op)
    if rounding == "single":   # shifts inside single rounding's range [-31, 30]
        for k in ("input1_shift", "input2_shift", "output_shift"):
            if k in a:
                a[k] = single_shift(a[k])
    return a


def _elementwise_attrs(rng, op):
    act = rand_act(rng)
    zps = [int(v) for v in rng.integers(-128, 128, size=3)]
    scales = np.exp(rng.uniform(np.log(1e-3), np.log(1.0), size=3))
    if rng.random() < 0.6:  # compile-time parameters of real scales
        if op == "mul":
            return fp.mul_params(scales[0], zps[0], scales[1], zps[1], scales[2], zps[2],
                                 act_min=act[0], act_max=act[1])
        return fp.add_params(scales[0], zps[0], scales[1], zps[1], scales[2], zps[2],
                             act_min=act[0], act_max=act[1], subtract=bool(rng.random() < 0.3),
                             left_shift=int(rng.choice([20, 20, 16, 0, 8])))
    m = [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, size=3, dtype=np.int64)]
    s = [int(v) for v in rng.integers(-35, 10, size=3)]
    a = dict(input1_offset=rand_in_offset(rng), input2_offset=rand_in_offset(rng),
             output_offset=rand_out_offset(rng), output_multiplier=m[2], output_shift=s[2],
             act_min=act[0], act_max=act[1])
    if op == "add":
        a.update(input1_multiplier=m[0], input1_shift=s[0], input2_multiplier=m[1],
                 input2_shift=s[1], left_shift=int(rng.integers(0, 40)))
    return a


@pytest.mark.parametrize("rounding", ROUNDINGS)
@pytest.mark.parametrize("op", ["add", "mul"])
def test_add_mul_broadcast(lib, op, rounding):
    rng = np.random.default_rng(30 + (op == "mul") + 100 * (rounding == "single"))
    paths = Paths(rounding)
    direct, run = getattr(lib, f"tigris_{op}_s8"), getattr(lib, f"tigris_run_{op}_s8")
    fields, Params = (ADD_FIELDS, AddParams) if op == "add" else (MUL_FIELDS, MulParams)
    for _ in range(2 * CASES):
        s1, s2, so = bcast_shapes(rng)
        a, b = rand_i8(rng, s1), rand_i8(rng, s2)
        attrs = elementwise_attrs(rng, op, rounding)
        want = getattr(ref, op)(a, b, **attrs, rounding=rounding)
        assert list(want.shape) == so
        p = ctypes.byref(Params(*[attrs[f] for f in fields], ROUNDING[rounding]))
        args = (p8(a), p32(s1), len(s1), p8(b), p32(s2), len(s2))
        both(lambda o: direct(*args, o, p32(so), len(so), p),
             lambda o, pp: run(*args, o, p32(so), len(so), p, pp),
             want, f"{op} {s1} {s2} {attrs}", paths)
    paths.assert_both(f"{op} {rounding}")


def test_add_in_place(lib):
    rng = np.random.default_rng(33)
    for i in range(10):
        rounding = ROUNDINGS[i % 2]
        _, s2, so = bcast_shapes(rng)
        a, b = rand_i8(rng, so), rand_i8(rng, s2)
        attrs = elementwise_attrs(rng, "add", rounding)
        want = ref.add(a, b, **attrs, rounding=rounding)
        p = AddParams(*[attrs[f] for f in ADD_FIELDS], ROUNDING[rounding])
        assert lib.tigris_add_s8(p8(a), p32(so), len(so), p8(b), p32(s2), len(s2), p8(a),
                                 p32(so), len(so), ctypes.byref(p)) == 0
        check(a, want, f"add in place {rounding}")


def test_lut(lib):
    rng = np.random.default_rng(40)
    for _ in range(CASES // 3 + 1):
        x = rand_i8(rng, [int(v) for v in rng.integers(1, 6, size=int(rng.integers(1, 5)))])
        table = rng.integers(-128, 128, size=256).astype(np.int8)
        out = Out(x.shape)
        assert lib.tigris_lut_s8(p8(x), x.size, p8(table), out.ptr) == 0
        check(out.value(), ref.lut(x, table=[int(t) for t in table]), "lut")


TIGRIS_ERR_SHAPE = -2


def test_lut_per_channel(lib):
    """One table per channel (element i uses table i mod C), out of place and in
    place, and the size checks: channels < 1, a size not a multiple of them."""
    rng = np.random.default_rng(41)
    for k in range(CASES // 3 + 1):
        rank = int(rng.integers(1, 5))
        shape = [int(v) for v in rng.integers(1, 6, size=rank)]
        if k % 4 == 0:
            shape[-1] = int(rng.integers(16, 70))   # many channels
        x = rand_i8(rng, shape)
        c = shape[-1]
        tables = rng.integers(-128, 128, size=256 * c).astype(np.int8)
        want = ref.lut(x, table=[int(t) for t in tables])
        out = Out(x.shape)
        assert lib.tigris_lut_per_channel_s8(p8(x), x.size, c, p8(tables), out.ptr) == 0
        check(out.value(), want, "lut per channel")
        flat = x.reshape(-1)
        assert np.array_equal(want.reshape(-1), tables[(np.arange(x.size) % c) * 256 + flat + 128])
        y = x.copy()
        assert lib.tigris_lut_per_channel_s8(p8(y), y.size, c, p8(tables), p8(y)) == 0
        check(y, want, "lut per channel in place")
    x = rand_i8(rng, [6])
    tables = rng.integers(-128, 128, size=256 * 4).astype(np.int8)
    out = Out([6])
    for size, channels in ((6, 4), (6, 0), (6, -1), (0, 1), (-4, 2), (6, 1 << 24)):
        assert lib.tigris_lut_per_channel_s8(p8(x), size, channels, p8(tables), out.ptr) \
            == TIGRIS_ERR_SHAPE, (size, channels)
    assert lib.tigris_lut_per_channel_s8(None, 6, 2, p8(tables), out.ptr) != 0
    assert lib.tigris_lut_per_channel_s8(p8(x), 6, 2, None, out.ptr) != 0
    assert (out.value() == GUARD_BYTE).all()   # the rejected calls wrote nothing


# -------------------------------------------------------------- pooling


def pool_case(rng, is_max, esp_friendly):
    n, h, w, c = (int(rng.integers(1, 3)), int(rng.integers(1, 12)), int(rng.integers(1, 12)),
                  int(rng.integers(1, 9)))
    kh, kw, sh, sw = (int(v) for v in rng.integers(1, 5, size=4))
    dil, pad = [1, 1], [0, 0, 0, 0]
    if not esp_friendly:
        pad = [int(rng.integers(0, kh)), int(rng.integers(0, kh)),
               int(rng.integers(0, kw)), int(rng.integers(0, kw))]
        if is_max and rng.random() < 0.4:
            dil = [int(v) for v in rng.integers(1, 4, size=2)]
    oh = (h + pad[0] + pad[1] - dil[0] * (kh - 1) - 1) // sh + 1
    ow = (w + pad[2] + pad[3] - dil[1] * (kw - 1) - 1) // sw + 1
    if oh < 1 or ow < 1:
        return None
    out_shape = None
    if not esp_friendly and rng.random() < 0.25:  # ceil_mode-like: windows past the pads
        out_shape = [n, oh + int(rng.integers(0, 3)), ow + int(rng.integers(0, 3)), c]
    act = rand_act(rng)
    attrs = dict(kernel=[kh, kw], stride=[sh, sw], pad=pad, act_min=act[0], act_max=act[1],
                 out_shape=out_shape)
    attrs.update({"dilation": dil} if is_max else {"count_include_pad": int(rng.random() < 0.3)})
    return rand_i8(rng, (n, h, w, c)), attrs


@pytest.mark.parametrize("op", ["avg_pool", "max_pool"])
def test_pools(lib, op):
    is_max = op == "max_pool"
    rng = np.random.default_rng(50 + is_max)
    paths = Paths()
    direct, run = getattr(lib, f"tigris_{op}_s8"), getattr(lib, f"tigris_run_{op}_s8")
    done = 0
    while done < CASES:
        case = pool_case(rng, is_max, esp_friendly=rng.random() < 0.3)
        if case is None:
            continue
        x, a = case
        want = getattr(ref, op)(x, **a)
        p = ctypes.byref(PoolParams((c_i32 * 2)(*a["kernel"]), (c_i32 * 2)(*a["stride"]),
                                    (c_i32 * 2)(*a.get("dilation", [1, 1])),
                                    (c_i32 * 4)(*a["pad"]), a.get("count_include_pad", 0),
                                    a["act_min"], a["act_max"]))
        args = (dims4(x.shape), p8(x), dims4(want.shape))
        both(lambda o: direct(*args, o, p), lambda o, pp: run(*args, o, p, pp),
             want, f"{op} {x.shape} {a}", paths)
        done += 1
    paths.assert_both(op)


@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_global_avg_pool(lib, rounding):
    rng = np.random.default_rng(60 + 100 * (rounding == "single"))
    paths = Paths(rounding)
    for _ in range(CASES):
        x = rand_i8(rng, (int(rng.integers(1, 3)), int(rng.integers(1, 10)),
                          int(rng.integers(1, 10)), int(rng.integers(1, 17))))
        if rng.random() < 0.15:
            (m,), (s,) = rand_quant(rng, 1, True, rounding)
        else:
            m, s = fp.quantize_multiplier(float(rng.uniform(0.2, 3.0)) / (x.shape[1] * x.shape[2]))
        a = dict(input_offset=rand_in_offset(rng), output_offset=rand_out_offset(rng),
                 multiplier=m, shift=s, rounding=rounding)
        want = ref.global_avg_pool(x, **a)
        p = ctypes.byref(GapParams(a["input_offset"], a["output_offset"], m, s,
                                   ROUNDING[rounding]))
        both(lambda o: lib.tigris_global_avg_pool_s8(dims4(x.shape), p8(x), o, p),
             lambda o, pp: lib.tigris_run_global_avg_pool_s8(dims4(x.shape), p8(x), o, p, pp),
             want, f"global_avg_pool {x.shape} {a}", paths)
    paths.assert_both(f"global_avg_pool {rounding}")


# ------------------------------------- both roundings, plain-Python model

# (acc, multiplier, shift): ties of both signs, shift -31 and 30, INT32 extremes,
# saturation (as PROBES in test_runtime_kernels_conv.py).
PROBES = [(-10, 1 << 30, -1), (10, 1 << 30, -1), (-6, 1 << 30, -1), (-3, 1 << 30, 0),
          (INT32_MIN, 1 << 30, -31), (INT32_MAX, 1 << 30, -31), (-1, 1 << 30, -31),
          (INT32_MIN, 1 << 30, 30), (INT32_MAX, INT32_MAX, 30), (-1, 1 << 30, 30),
          (-5, INT32_MAX, 0), (-200, (1 << 30) + 12345, -2), (-(1 << 20) - (1 << 13), 1 << 30, -15)]


def wrap32(v):
    return (int(v) + (1 << 31)) % (1 << 32) - (1 << 31)


def scalar_add(a, b, p, rounding):
    """add written out for one pair of int8 values (docs/kernels.md)."""
    x1 = wrap32((a + p["input1_offset"]) << p["left_shift"])
    x2 = wrap32((b + p["input2_offset"]) << p["left_shift"])
    s = wrap32(py_requant_mode(x1, p["input1_multiplier"], p["input1_shift"], rounding)
               + py_requant_mode(x2, p["input2_multiplier"], p["input2_shift"], rounding))
    v = py_requant_mode(s, p["output_multiplier"], p["output_shift"], rounding)
    return clamp(clamp(v + p["output_offset"], p["act_min"], p["act_max"]), -128, 127)


def scalar_mul(a, b, p, rounding):
    prod = wrap32((a + p["input1_offset"]) * (b + p["input2_offset"]))
    v = py_requant_mode(prod, p["output_multiplier"], p["output_shift"], rounding)
    return clamp(clamp(v + p["output_offset"], p["act_min"], p["act_max"]), -128, 127)


@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_elementwise_and_gap_probes(lib, rounding):
    """Chosen accumulators through mul ((0 + acc) * (0 + 1)), global_avg_pool (one
    pixel: acc = x + input_offset) and add (each of its three requantizations), against
    the plain-Python model; plus random add / mul / gap cases against it."""
    paths = Paths(rounding)
    zero, one = np.zeros(1, np.int8), np.ones(1, np.int8)
    shape = p32([1])
    for acc, m, s in PROBES:
        want = clamp(py_requant_mode(acc, m, s, rounding), -128, 127)
        mp = ctypes.byref(MulParams(acc, 0, 0, m, s, -128, 127, ROUNDING[rounding]))
        both(lambda o: lib.tigris_mul_s8(p8(zero), shape, 1, p8(one), shape, 1, o, shape, 1, mp),
             lambda o, pp: lib.tigris_run_mul_s8(p8(zero), shape, 1, p8(one), shape, 1, o,
                                                 shape, 1, mp, pp),
             np.array([want], np.int8), f"mul probe {acc} {m} {s}", paths)
        gp = ctypes.byref(GapParams(acc, 0, m, s, ROUNDING[rounding]))
        both(lambda o: lib.tigris_global_avg_pool_s8(dims4((1, 1, 1, 1)), p8(zero), o, gp),
             lambda o, pp: lib.tigris_run_global_avg_pool_s8(dims4((1, 1, 1, 1)), p8(zero), o,
                                                             gp, pp),
             np.array([want], np.int8).reshape(1, 1, 1, 1), f"gap probe {acc} {m} {s}", paths)
        for which in range(3):   # the probe in input 1's, input 2's or the output's requant
            ident = (0, 1 << 30, 1)  # requant by 2^30 * 2 / 2^31: the value itself, mostly
            q = [(acc, m, s) if which == i else ident for i in range(3)]
            if which == 2:           # the output requantizes s1 + s2 ~ acc + 0
                q[0] = (acc, 1 << 30, 1)
            p = dict(input1_offset=q[0][0], input2_offset=q[1][0], input1_multiplier=q[0][1],
                     input1_shift=q[0][2], input2_multiplier=q[1][1], input2_shift=q[1][2],
                     left_shift=0, output_offset=0, output_multiplier=q[2][1],
                     output_shift=q[2][2], act_min=-128, act_max=127)
            want = scalar_add(0, 0, p, rounding)
            ap = ctypes.byref(AddParams(*[p[f] for f in ADD_FIELDS], ROUNDING[rounding]))
            both(lambda o: lib.tigris_add_s8(p8(zero), shape, 1, p8(zero), shape, 1, o, shape, 1,
                                             ap),
                 lambda o, pp: lib.tigris_run_add_s8(p8(zero), shape, 1, p8(zero), shape, 1, o,
                                                     shape, 1, ap, pp),
                 np.array([want], np.int8), f"add probe {which} {acc} {m} {s}", paths)
    rng = np.random.default_rng(35 + (rounding == "single"))
    for _ in range(max(CASES // 3, 10)):
        for op, model in (("add", scalar_add), ("mul", scalar_mul)):
            s1, s2, so = bcast_shapes(rng)
            a, b = rand_i8(rng, s1), rand_i8(rng, s2)
            attrs = elementwise_attrs(rng, op, rounding)
            fields, Params = (ADD_FIELDS, AddParams) if op == "add" else (MUL_FIELDS, MulParams)
            ba, bb = np.broadcast_arrays(a, b)
            want = np.array([model(int(u), int(v), attrs, rounding)
                             for u, v in zip(ba.ravel(), bb.ravel())], np.int8).reshape(so)
            p = ctypes.byref(Params(*[attrs[f] for f in fields], ROUNDING[rounding]))
            args = (p8(a), p32(s1), len(s1), p8(b), p32(s2), len(s2))
            both(lambda o: getattr(lib, f"tigris_{op}_s8")(*args, o, p32(so), len(so), p),
                 lambda o, pp: getattr(lib, f"tigris_run_{op}_s8")(*args, o, p32(so), len(so),
                                                                   p, pp),
                 want, f"{op} scalar {s1} {s2} {attrs}", paths)
        x = rand_i8(rng, (int(rng.integers(1, 3)), int(rng.integers(1, 6)),
                          int(rng.integers(1, 6)), int(rng.integers(1, 5))))
        (m,), (s,) = rand_quant(rng, 1, rng.random() < 0.5, rounding)
        ioff, ooff = rand_in_offset(rng), rand_out_offset(rng)
        acc = (x.astype(np.int64) + ioff).sum(axis=(1, 2))
        want = np.array([[clamp(py_requant_mode(wrap32(v), m, s, rounding) + ooff, -128, 127)
                          for v in row] for row in acc], np.int8).reshape(x.shape[0], 1, 1, -1)
        gp = ctypes.byref(GapParams(ioff, ooff, m, s, ROUNDING[rounding]))
        both(lambda o: lib.tigris_global_avg_pool_s8(dims4(x.shape), p8(x), o, gp),
             lambda o, pp: lib.tigris_run_global_avg_pool_s8(dims4(x.shape), p8(x), o, gp, pp),
             want, f"gap scalar {x.shape} {m} {s}", paths)
    if rounding == "single":
        paths.assert_both("elementwise probes")


def test_elementwise_and_gap_reject_bad_rounding(lib):
    """An unknown rounding value, or single rounding with any of the shifts (add: three)
    outside [-31, 30]: TIGRIS_ERR_PARAM from the kernel and its dispatcher, nothing
    written; double rounding keeps taking any shift."""
    x, shape = np.zeros(4, np.int8), p32([4])
    add = dict(input1_offset=0, input2_offset=0, input1_multiplier=1 << 30, input1_shift=0,
               input2_multiplier=1 << 30, input2_shift=0, left_shift=0, output_offset=0,
               output_multiplier=1 << 30, output_shift=0, act_min=-128, act_max=127)
    mul = {k: add[k] for k in MUL_FIELDS}
    cases = [({}, 2, TIGRIS_ERR_PARAM), ({}, -1, TIGRIS_ERR_PARAM), ({}, 7, TIGRIS_ERR_PARAM),
             ({"output_shift": 31}, 1, TIGRIS_ERR_PARAM),
             ({"output_shift": -32}, 1, TIGRIS_ERR_PARAM),
             ({"input1_shift": 31}, 1, TIGRIS_ERR_PARAM),
             ({"input2_shift": -32}, 1, TIGRIS_ERR_PARAM),
             ({"output_shift": 30, "input1_shift": -31, "input2_shift": 30}, 1, 0),
             ({"output_shift": 40, "input1_shift": -40, "input2_shift": 33}, 0, 0)]
    for over, rounding, status in cases:
        pa = ctypes.byref(AddParams(*[dict(add, **over)[f] for f in ADD_FIELDS], rounding))
        calls = [("add", lambda o: lib.tigris_add_s8(p8(x), shape, 1, p8(x), shape, 1, o, shape,
                                                     1, pa)),
                 ("run_add", lambda o: lib.tigris_run_add_s8(p8(x), shape, 1, p8(x), shape, 1,
                                                             o, shape, 1, pa, None))]
        if "input1_shift" not in over and "input2_shift" not in over:
            m = dict(mul, **over)
            pm = ctypes.byref(MulParams(*[m[f] for f in MUL_FIELDS], rounding))
            pg = ctypes.byref(GapParams(0, 0, 1 << 30, m["output_shift"], rounding))
            calls += [("mul", lambda o: lib.tigris_mul_s8(p8(x), shape, 1, p8(x), shape, 1, o,
                                                          shape, 1, pm)),
                      ("run_mul", lambda o: lib.tigris_run_mul_s8(p8(x), shape, 1, p8(x), shape,
                                                                  1, o, shape, 1, pm, None)),
                      ("gap", lambda o: lib.tigris_global_avg_pool_s8(dims4((1, 2, 2, 1)), p8(x),
                                                                      o, pg)),
                      ("run_gap", lambda o: lib.tigris_run_global_avg_pool_s8(
                          dims4((1, 2, 2, 1)), p8(x), o, pg, None))]
        for name, call in calls:
            out = Out([4])
            assert call(out.ptr) == status, (name, over, rounding)
            if status != 0:
                assert (out.buf == GUARD_BYTE).all(), (name, over, rounding)


# -------------------------------------------------------------- softmax


def test_softmax(lib):
    rng = np.random.default_rng(70)
    for _ in range(CASES):
        shape = [int(v) for v in rng.integers(1, 6, size=int(rng.integers(0, 3)))]
        shape.append(int(rng.integers(1, 60)))
        x = rand_i8(rng, shape)
        if rng.random() < 0.2:  # rows near -128: many table entries far from exp(0)
            x = np.clip(x, -128, int(rng.integers(-128, -100))).astype(np.int8)
        if rng.random() < 0.8:
            table = fp.softmax_exp_table(float(np.exp(rng.uniform(np.log(1e-3), 0.0))),
                                         float(rng.uniform(0.5, 2.0)))
            oscale = fp.softmax_output_scale_q16(float(rng.choice([1 / 256, 1 / 128, 0.01])))
            ooff = int(rng.choice([-128, 0, int(rng.integers(-128, 128))]))
        else:  # raw uint32 table bits, some >= 2^31 (negative as int32)
            table = [int(v) for v in rng.integers(1, 1 << 32, size=256, dtype=np.int64)]
            table = [t - (1 << 32) if t >= 1 << 31 else t for t in table]
            oscale, ooff = int(rng.integers(0, 1 << 24)), rand_out_offset(rng)
        want = ref.softmax(x, exp_table=table, output_scale_q16=oscale, output_offset=ooff)
        out = Out(x.shape)
        assert lib.tigris_softmax_s8(p8(x), x.size // shape[-1], shape[-1], p32(table), oscale,
                                     ooff, out.ptr) == 0
        check(out.value(), want, f"softmax {shape}")


def test_softmax_tfl(lib):
    """TFLite's int8 softmax: the C kernel equals the reference on tables
    made as the TFLite importer makes them and on random ones; a row whose
    sum reaches 2^28, a negative entry, are errors that write nothing."""
    from tigris.reference import gemmlowp
    rng = np.random.default_rng(71)
    for _ in range(CASES):
        shape = [int(v) for v in rng.integers(1, 5, size=int(rng.integers(0, 3)))]
        shape.append(int(rng.integers(1, 120)))
        x = rand_i8(rng, shape)
        if rng.random() < 0.3:
            x = np.clip(x, -128, int(rng.integers(-128, -60))).astype(np.int8)
        if rng.random() < 0.8:
            table = gemmlowp.softmax_exp_table(float(np.exp(rng.uniform(np.log(2e-3), 0.0))),
                                               float(rng.uniform(0.5, 2.0)))
        else:
            table = [int(v) for v in rng.integers(0, 1 << 24, size=256)]
            table[255] = int(rng.integers(1 << 11, 1 << 31))
        out = Out(x.shape)
        try:
            want = ref.softmax_tfl(x, exp_table=table)
        except ValueError:
            assert lib.tigris_softmax_tfl_s8(p8(x), x.size // shape[-1], shape[-1], p32(table),
                                             out.ptr) != 0
            assert (out.value() == GUARD_BYTE).all()
            continue
        assert lib.tigris_softmax_tfl_s8(p8(x), x.size // shape[-1], shape[-1], p32(table),
                                         out.ptr) == 0
        check(out.value(), want, f"softmax_tfl {shape}")
    x = np.zeros((2, 600), np.int8)            # 600 * 2^19 >= 2^28: TFLM aborts
    table = gemmlowp.softmax_exp_table(0.1, 1.0)
    out = Out(x.shape)
    assert lib.tigris_softmax_tfl_s8(p8(x), 2, 600, p32(table), out.ptr) != 0
    assert (out.value() == GUARD_BYTE).all()
    bad = list(table)
    bad[3] = -1
    assert lib.tigris_softmax_tfl_s8(p8(np.zeros((2, 10), np.int8)), 2, 10, p32(bad), out.ptr) != 0


# -------------------------------------------------------- data movement


def rand_shape(rng, hi=5):
    return [int(v) for v in rng.integers(1, hi, size=int(rng.integers(1, 7)))]


def test_transpose_pad_slice(lib):
    rng = np.random.default_rng(80)
    for _ in range(CASES):
        shape = rand_shape(rng)
        x, r = rand_i8(rng, shape), len(shape)
        perm = [int(v) for v in rng.permutation(r)]
        want = ref.transpose(x, perm=perm)
        out = Out(want.shape)
        assert lib.tigris_transpose_s8(p8(x), p32(shape), r, p32(perm), out.ptr,
                                       p32(want.shape)) == 0
        check(out.value(), want, f"transpose {shape} {perm}")

        pads, value = [int(v) for v in rng.integers(0, 3, size=2 * r)], int(rng.integers(-128, 128))
        want = ref.pad(x, pad=pads, value=value)
        out = Out(want.shape)
        assert lib.tigris_pad_s8(p8(x), p32(shape), r, p32(pads), value, out.ptr,
                                 p32(want.shape)) == 0
        check(out.value(), want, f"pad {shape} {pads}")

        size = [int(rng.integers(1, d + 1)) for d in shape]
        begin = [int(rng.integers(0, d - s + 1)) for d, s in zip(shape, size)]
        want = ref.slice(x, begin=begin, out_shape=size)
        out = Out(size)
        assert lib.tigris_slice_s8(p8(x), p32(shape), r, p32(begin), out.ptr, p32(size)) == 0
        check(out.value(), want, f"slice {shape} {begin} {size}")


def test_insert(lib):
    rng = np.random.default_rng(83)
    for i in range(CASES):
        dshape = rand_shape(rng, hi=7)
        axis = int(rng.integers(0, len(dshape)))
        ishape = list(dshape)
        ishape[axis] = int(rng.integers(1, dshape[axis] + 1))
        offset = int(rng.integers(0, dshape[axis] - ishape[axis] + 1))
        x, dest = rand_i8(rng, ishape), rand_i8(rng, dshape)
        ax = axis - len(dshape) if rng.random() < 0.3 else axis
        want = ref.insert(x, dest, axis=ax, offset=offset)
        if i % 2:  # destination-passing: written into dest itself
            got = dest.copy()
            assert lib.tigris_insert_s8(p8(x), p32(ishape), p8(got), p32(dshape), len(dshape),
                                        ax, offset, p8(got)) == 0
        else:
            out = Out(dshape)
            assert lib.tigris_insert_s8(p8(x), p32(ishape), p8(dest), p32(dshape), len(dshape),
                                        ax, offset, out.ptr) == 0
            got = out.value()
        check(got, want, f"insert {ishape} into {dshape} axis {ax} at {offset}")


def test_resize(lib):
    rng = np.random.default_rng(84)
    for _ in range(CASES):
        n, h, w, c = (int(v) for v in rng.integers(1, [3, 9, 9, 5]))
        oh, ow = (int(v) for v in rng.integers(1, 17, size=2))
        mode = str(rng.choice(["nearest", "linear"]))
        if rng.random() < 0.8:  # ONNX coordinate modes through the compile-time tables
            ctm = str(rng.choice(["half_pixel", "pytorch_half_pixel", "align_corners",
                                  "asymmetric"]))
            nm = str(rng.choice(["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]))
            y0, y1, wy = fp.resize_tables(h, oh, mode, ctm, nm)
            x0, x1, wx = fp.resize_tables(w, ow, mode, ctm, nm)
        else:
            y0, y1, wy = rng.integers(0, h, oh), rng.integers(0, h, oh), rng.integers(0, 2049, oh)
            x0, x1, wx = rng.integers(0, w, ow), rng.integers(0, w, ow), rng.integers(0, 2049, ow)
        x = rand_i8(rng, (n, h, w, c))
        tables = [[int(v) for v in t] for t in (y0, y1, wy, x0, x1, wx)]
        want = ref.resize(x, mode=mode, **dict(zip(
            ["y_index0", "y_index1", "y_weight", "x_index0", "x_index1", "x_weight"], tables)))
        out = Out(want.shape)
        assert lib.tigris_resize_s8(dims4(x.shape), p8(x), dims4(want.shape), out.ptr,
                                    int(mode == "linear"), *[p32(t) for t in tables]) == 0
        check(out.value(), want, f"resize {mode} {x.shape} -> {want.shape}")
