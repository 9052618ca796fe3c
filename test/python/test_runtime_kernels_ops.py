"""The C99 elementwise, pooling, table and data-movement kernels against the
numpy reference, byte for byte.

Covers add and mul (broadcasting, in place), lut and lut_per_channel,
avg_pool, max_pool and global_avg_pool, softmax, and transpose, pad, slice,
insert and resize. Every op runs on seeded random cases through its tigris_*
kernel and, for the ops ESP-NN has, through the tigris_run_* dispatcher, which
calls the ESP-NN entry points (esp_nn_ref.h) whenever tigris_kernel_args.c maps
the op instance onto them; outputs are written between guard bytes that must
survive the call. Shared helpers and the `lib` fixture:
runtime_kernels_common.py (environment variables are described there). The
convolution-family kernels are in test_runtime_kernels_conv.py.
"""
from __future__ import annotations

import ctypes

import numpy as np
import pytest

from runtime_kernels_common import (
    ADD_FIELDS, CASES, GUARD_BYTE, INT32_MAX, INT32_MIN, MUL_FIELDS, AddParams, GapParams,
    MulParams, Out, Paths, PoolParams, both, c_i32, check, dims4, p8, p32, rand_act,
    rand_i8, rand_in_offset, rand_out_offset, rand_quant)
from tigris.reference import fixedpoint as fp
from tigris.reference import kernels as ref


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


def elementwise_attrs(rng, op):
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


@pytest.mark.parametrize("op", ["add", "mul"])
def test_add_mul_broadcast(lib, op):
    rng = np.random.default_rng(30 + (op == "mul"))
    paths = Paths()
    direct, run = getattr(lib, f"tigris_{op}_s8"), getattr(lib, f"tigris_run_{op}_s8")
    fields, Params = (ADD_FIELDS, AddParams) if op == "add" else (MUL_FIELDS, MulParams)
    for _ in range(2 * CASES):
        s1, s2, so = bcast_shapes(rng)
        a, b = rand_i8(rng, s1), rand_i8(rng, s2)
        attrs = elementwise_attrs(rng, op)
        want = getattr(ref, op)(a, b, **attrs)
        assert list(want.shape) == so
        p = ctypes.byref(Params(*[attrs[f] for f in fields]))
        args = (p8(a), p32(s1), len(s1), p8(b), p32(s2), len(s2))
        both(lambda o: direct(*args, o, p32(so), len(so), p),
             lambda o, pp: run(*args, o, p32(so), len(so), p, pp),
             want, f"{op} {s1} {s2} {attrs}", paths)
    paths.assert_both(op)


def test_add_in_place(lib):
    rng = np.random.default_rng(33)
    for _ in range(10):
        _, s2, so = bcast_shapes(rng)
        a, b = rand_i8(rng, so), rand_i8(rng, s2)
        attrs = elementwise_attrs(rng, "add")
        want = ref.add(a, b, **attrs)
        assert lib.tigris_add_s8(p8(a), p32(so), len(so), p8(b), p32(s2), len(s2), p8(a),
                                 p32(so), len(so),
                                 ctypes.byref(AddParams(*[attrs[f] for f in ADD_FIELDS]))) == 0
        check(a, want, "add in place")


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


def test_global_avg_pool(lib):
    rng = np.random.default_rng(60)
    paths = Paths()
    for _ in range(CASES):
        x = rand_i8(rng, (int(rng.integers(1, 3)), int(rng.integers(1, 10)),
                          int(rng.integers(1, 10)), int(rng.integers(1, 17))))
        if rng.random() < 0.15:
            (m,), (s,) = rand_quant(rng, 1, True)
        else:
            m, s = fp.quantize_multiplier(float(rng.uniform(0.2, 3.0)) / (x.shape[1] * x.shape[2]))
        a = dict(input_offset=rand_in_offset(rng), output_offset=rand_out_offset(rng),
                 multiplier=m, shift=s)
        want = ref.global_avg_pool(x, **a)
        p = ctypes.byref(GapParams(a["input_offset"], a["output_offset"], m, s))
        both(lambda o: lib.tigris_global_avg_pool_s8(dims4(x.shape), p8(x), o, p),
             lambda o, pp: lib.tigris_run_global_avg_pool_s8(dims4(x.shape), p8(x), o, p, pp),
             want, f"global_avg_pool {x.shape} {a}", paths)
    paths.assert_both("global_avg_pool")


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
