"""Seeded kernel cases for the simulator: one generator per kernel kind.

Each generator draws a random instance of its op (`size="small"`: odd and
edge shapes; `"model"`: the sizes zoo models have), builds the kcall.Call
that runs it through the runtime's entry point (the tigris_run_* dispatcher
when the op has one, so ESP-NN's reference path is exercised as a plan would;
`direct=True` calls the tigris_* kernel) and returns it with the numpy
reference result. `Call.work` is the op's MACs (element operations for
non-MAC ops), counted as python/tigris/tiling/rows.py counts them.

    call, want = CASES["conv2d"](rng, size="model")
"""
from __future__ import annotations

import numpy as np

from kcall import Call, Ref, data, hidden, i32, null, out, struct, words
from tigris.reference import fixedpoint as fp
from tigris.reference import kernels as ref


def _r(rng, lo, hi):
    return int(rng.integers(lo, hi + 1))


def _i8(rng, shape):
    return rng.integers(-128, 128, size=shape, dtype=np.int8)


def _rounding_attr(rounding: str) -> dict:
    """The reference kernel's keyword for single rounding (none for double)."""
    return {"rounding": "single"} if rounding == "single" else {}


def _rounding_field(rounding: str) -> int:
    """The params struct's last field: TIGRIS_ROUND_DOUBLE 0, TIGRIS_ROUND_SINGLE 1."""
    return 1 if rounding == "single" else 0


def _kind(name: str, rounding: str) -> str:
    return name + ("_single" if rounding == "single" else "")


def _quant(rng, n):
    ms = [fp.quantize_multiplier(float(r))
          for r in np.exp(rng.uniform(np.log(1e-4), np.log(0.5), size=n))]
    return [m for m, _ in ms], [s for _, s in ms]


def _act(rng, zp):
    return (zp, 127) if rng.random() < 0.5 else (-128, 127)


def _mis(rng):
    """Activation pointers at any byte offset (tiled strips start mid-buffer)."""
    return _r(rng, 0, 3) if rng.random() < 0.3 else 0


def _dims(shape):
    return struct(*[int(s) for s in shape])


def _spatial(rng, size):
    if size == "model":
        return _r(rng, 4, 32), _r(rng, 4, 32)
    return _r(rng, 1, 9), _r(rng, 1, 9)


def conv2d(rng, size="small", direct=False, depthwise=False, rounding="double"):
    while True:
        h, w = _spatial(rng, size)
        k = int(rng.choice([1, 3, 3, 5])) if size == "model" else _r(rng, 1, 4)
        s = _r(rng, 1, 2)
        p = [k // 2] * 4 if rng.random() < 0.7 else [_r(rng, 0, k - 1) for _ in range(4)]
        if size == "model":
            cin = int(rng.choice([8, 16, 32, 64])) if not depthwise else int(rng.choice([8, 32, 64]))
        else:
            cin = _r(rng, 1, 9)
        m = 1 if (size == "model" or not depthwise) else _r(rng, 1, 2)
        cout = cin * m if depthwise else (int(rng.choice([8, 16, 32, 64])) if size == "model"
                                          else _r(rng, 1, 9))
        oh, ow = (h + p[0] + p[1] - k) // s + 1, (w + p[2] + p[3] - k) // s + 1
        if oh >= 1 and ow >= 1:
            break
    x = _i8(rng, (1, h, w, cin))
    wt = _i8(rng, (1, k, k, cout) if depthwise else (cout, k, k, cin))
    b = rng.integers(-20000, 20000, size=cout).astype(np.int32)
    mult, shift = _quant(rng, cout)
    zp_in, zp_out = _r(rng, -128, 127), _r(rng, -128, 127)
    lo, hi = _act(rng, zp_out)
    attrs = dict(stride=[s, s], dilation=[1, 1], pad=p, input_offset=-zp_in,
                 output_offset=zp_out, multiplier=mult, shift=shift, act_min=lo, act_max=hi)
    attrs.update({"channel_multiplier": m} if depthwise else {"groups": 1})
    attrs.update(_rounding_attr(rounding))
    name = "depthwise_conv2d" if depthwise else "conv2d"
    want = getattr(ref, name)(x, wt, b, **attrs)
    tail = [] if direct else [null(), i32(0), null()]      # scratch, scratch_size, path
    q = 8 + len(tail)                                         # index of the hidden arrays
    args = [_dims(x.shape), data(x, _mis(rng)), _dims(wt.shape), data(wt), data(b),
            _dims(want.shape), out(want.size),
            struct(s, s, 1, 1, *p, 1, m, -zp_in, zp_out, Ref(q), Ref(q + 1), cout, lo, hi,
                   _rounding_field(rounding)),
            *tail, hidden(mult), hidden(shift)]
    fn = f"tigris_{name}_s8" if direct else f"tigris_run_{name}_s8"
    work = want.size * k * k * (1 if depthwise else cin)
    return Call(fn, args, _kind(name, rounding), work), want


def depthwise_conv2d(rng, size="small", direct=False, rounding="double"):
    return conv2d(rng, size, direct, depthwise=True, rounding=rounding)


def fully_connected(rng, size="small", direct=False, rounding="double"):
    rows = 1 if size == "model" else _r(rng, 1, 3)
    k = int(rng.choice([64, 256, 1024])) if size == "model" else _r(rng, 1, 80)
    cout = int(rng.choice([10, 12, 64])) if size == "model" else _r(rng, 1, 20)
    x, wt = _i8(rng, (rows, k)), _i8(rng, (cout, k))
    b = rng.integers(-20000, 20000, size=cout).astype(np.int32)
    mult, shift = _quant(rng, cout)
    zp_in, zp_out = _r(rng, -128, 127), _r(rng, -128, 127)
    lo, hi = _act(rng, zp_out)
    want = ref.fully_connected(x, wt, b, input_offset=-zp_in, output_offset=zp_out,
                               multiplier=mult, shift=shift, act_min=lo, act_max=hi,
                               **_rounding_attr(rounding))
    fn = "tigris_fully_connected_s8" if direct else "tigris_run_fully_connected_s8"
    args = [data(x, _mis(rng)), i32(rows), i32(k), data(wt), data(b), i32(cout), out(want.size)]
    extra = [] if direct else [null()]
    p = len(args) + 1 + len(extra)
    args += [struct(-zp_in, zp_out, Ref(p), Ref(p + 1), cout, lo, hi, _rounding_field(rounding)),
             *extra, hidden(mult), hidden(shift)]
    return Call(fn, args, _kind("fully_connected", rounding), want.size * k), want


def _eltwise(rng, op, size, direct, rounding="double"):
    shape = ([1, *_spatial(rng, size), int(rng.choice([16, 32, 64]))] if size == "model"
             else [_r(rng, 1, 4) for _ in range(_r(rng, 1, 4))])
    s2 = list(shape)
    if size != "model" and rng.random() < 0.3:
        s2 = [d if rng.random() < 0.5 else 1 for d in shape]
    a, b = _i8(rng, shape), _i8(rng, s2)
    sc = np.exp(rng.uniform(np.log(1e-2), np.log(0.5), size=3))
    zp = [_r(rng, -128, 127) for _ in range(3)]
    if op == "add":
        attrs = fp.add_params(sc[0], zp[0], sc[1], zp[1], sc[2], zp[2], act_min=-128, act_max=127)
        names = ("input1_offset", "input2_offset", "input1_multiplier", "input1_shift",
                 "input2_multiplier", "input2_shift", "left_shift", "output_offset",
                 "output_multiplier", "output_shift", "act_min", "act_max")
    else:
        attrs = fp.mul_params(sc[0], zp[0], sc[1], zp[1], sc[2], zp[2], act_min=-128, act_max=127)
        names = ("input1_offset", "input2_offset", "output_offset", "output_multiplier",
                 "output_shift", "act_min", "act_max")
    want = getattr(ref, op)(a, b, **attrs, **_rounding_attr(rounding))
    args = [data(a, _mis(rng)), words(shape), i32(len(shape)), data(b, _mis(rng)), words(s2),
            i32(len(s2)), out(want.size), words(want.shape), i32(want.ndim),
            struct(*[attrs[n] for n in names], _rounding_field(rounding))]
    if not direct:
        args.append(null())
    fn = f"tigris_{op}_s8" if direct else f"tigris_run_{op}_s8"
    return Call(fn, args, _kind(op, rounding), want.size), want


def add(rng, size="small", direct=False, rounding="double"):
    return _eltwise(rng, "add", size, direct, rounding)


def mul(rng, size="small", direct=False, rounding="double"):
    return _eltwise(rng, "mul", size, direct, rounding)


def lut(rng, size="small", direct=True):
    shape = [1, *_spatial(rng, size), 16] if size == "model" else [_r(rng, 1, 40)]
    x, table = _i8(rng, shape), _i8(rng, 256)
    want = ref.lut(x, table=[int(t) for t in table])
    return Call("tigris_lut_s8", [data(x, _mis(rng)), i32(x.size), data(table), out(x.size)],
                "lut", x.size), want


def _pool(rng, is_max, size, direct):
    h, w = _spatial(rng, size)
    c = int(rng.choice([16, 32, 64])) if size == "model" else _r(rng, 1, 9)
    k = _r(rng, 2, 3) if size == "model" else _r(rng, 1, 3)
    s = _r(rng, 1, 2) if size != "model" else k
    p = [0, 0, 0, 0] if size == "model" or rng.random() < 0.5 else [_r(rng, 0, k - 1)] * 4
    oh, ow = (h + p[0] + p[1] - k) // s + 1, (w + p[2] + p[3] - k) // s + 1
    if oh < 1 or ow < 1:
        return _pool(rng, is_max, size, direct)
    x = _i8(rng, (1, h, w, c))
    geo = dict(kernel=[k, k], stride=[s, s], pad=p, act_min=-128, act_max=127,
               out_shape=[1, oh, ow, c])
    want = (ref.max_pool(x, dilation=[1, 1], **geo) if is_max
            else ref.avg_pool(x, count_include_pad=0, **geo))
    op = "max_pool" if is_max else "avg_pool"
    args = [_dims(x.shape), data(x, _mis(rng)), _dims(want.shape), out(want.size),
            struct(k, k, s, s, 1, 1, *p, 0, -128, 127)]
    if not direct:
        args.append(null())
    fn = f"tigris_{op}_s8" if direct else f"tigris_run_{op}_s8"
    return Call(fn, args, op, want.size * k * k), want


def max_pool(rng, size="small", direct=False):
    return _pool(rng, True, size, direct)


def avg_pool(rng, size="small", direct=False):
    return _pool(rng, False, size, direct)


def global_avg_pool(rng, size="small", direct=False, rounding="double"):
    h, w = _spatial(rng, size)
    c = int(rng.choice([16, 64])) if size == "model" else _r(rng, 1, 9)
    x = _i8(rng, (1, h, w, c))
    zi, zo = _r(rng, -128, 127), _r(rng, -128, 127)
    m, s = fp.quantize_multiplier(0.9 / (h * w))
    want = ref.global_avg_pool(x, input_offset=-zi, output_offset=zo, multiplier=m, shift=s,
                               **_rounding_attr(rounding))
    args = [_dims(x.shape), data(x, _mis(rng)), out(want.size),
            struct(-zi, zo, m, s, _rounding_field(rounding))]
    if not direct:
        args.append(null())
    fn = "tigris_global_avg_pool_s8" if direct else "tigris_run_global_avg_pool_s8"
    return Call(fn, args, _kind("global_avg_pool", rounding), x.size), want


def softmax(rng, size="small", direct=True):
    depth = int(rng.choice([10, 12])) if size == "model" else _r(rng, 1, 40)
    rows = 1 if size == "model" else _r(rng, 1, 3)
    x = _i8(rng, (rows, depth))
    table = fp.softmax_exp_table(float(np.exp(rng.uniform(np.log(1e-2), 0.0))))
    q16, zo = fp.softmax_output_scale_q16(1 / 256), -128
    want = ref.softmax(x, exp_table=table, output_scale_q16=q16, output_offset=zo)
    args = [data(x, _mis(rng)), i32(rows), i32(depth), words(table), i32(q16), i32(zo),
            out(x.size)]
    return Call("tigris_softmax_s8", args, "softmax", x.size), want


def softmax_tfl(rng, size="small", direct=True):
    from tigris.reference import gemmlowp
    depth = int(rng.choice([10, 12])) if size == "model" else _r(rng, 1, 40)
    rows = 1 if size == "model" else _r(rng, 1, 3)
    x = _i8(rng, (rows, depth))
    table = gemmlowp.softmax_exp_table(float(np.exp(rng.uniform(np.log(2e-3), 0.0))), 1.0)
    want = ref.softmax_tfl(x, exp_table=table)
    args = [data(x, _mis(rng)), i32(rows), i32(depth), words(table), out(x.size)]
    return Call("tigris_softmax_tfl_s8", args, "softmax_tfl", x.size), want


def _shape(rng, size):
    return [1, *_spatial(rng, size), 16] if size == "model" else [_r(rng, 1, 4)
                                                                  for _ in range(_r(rng, 1, 5))]


def transpose(rng, size="small", direct=True):
    shape = _shape(rng, size)
    x = _i8(rng, shape)
    perm = [int(v) for v in rng.permutation(len(shape))]
    want = ref.transpose(x, perm=perm)
    args = [data(x, _mis(rng)), words(shape), i32(len(shape)), words(perm), out(x.size),
            words(want.shape)]
    return Call("tigris_transpose_s8", args, "transpose", x.size), want


def pad(rng, size="small", direct=True):
    shape = _shape(rng, size)
    x, r = _i8(rng, shape), len(shape)
    pads = [_r(rng, 0, 2) for _ in range(2 * r)]
    if size == "model":
        pads = [0, 1, 1, 0, 0, 1, 1, 0]
    v = _r(rng, -128, 127)
    want = ref.pad(x, pad=pads, value=v)
    args = [data(x, _mis(rng)), words(shape), i32(r), words(pads), i32(v), out(want.size),
            words(want.shape)]
    return Call("tigris_pad_s8", args, "pad", want.size), want


def slice(rng, size="small", direct=True):  # noqa: A001 (the op's name)
    shape = _shape(rng, size)
    x = _i8(rng, shape)
    sz = [_r(rng, 1, d) for d in shape]
    begin = [_r(rng, 0, d - s) for d, s in zip(shape, sz)]
    want = ref.slice(x, begin=begin, out_shape=sz)
    args = [data(x, _mis(rng)), words(shape), i32(len(shape)), words(begin), out(want.size),
            words(sz)]
    return Call("tigris_slice_s8", args, "slice", want.size), want


def insert(rng, size="small", direct=True):
    dshape = _shape(rng, size)
    axis = len(dshape) - 1 if size == "model" else _r(rng, 0, len(dshape) - 1)
    ishape = list(dshape)
    ishape[axis] = _r(rng, 1, dshape[axis])
    off = _r(rng, 0, dshape[axis] - ishape[axis])
    x, dest = _i8(rng, ishape), _i8(rng, dshape)
    want = ref.insert(x, dest, axis=axis, offset=off)
    args = [data(x, _mis(rng)), words(ishape), data(dest), words(dshape), i32(len(dshape)),
            i32(axis), i32(off), out(dest.size)]
    return Call("tigris_insert_s8", args, "insert", dest.size), want


def resize(rng, size="small", direct=True):
    h, w = _spatial(rng, size)
    c = 16 if size == "model" else _r(rng, 1, 5)
    oh, ow = (2 * h, 2 * w) if size == "model" else (_r(rng, 1, 12), _r(rng, 1, 12))
    mode = str(rng.choice(["nearest", "linear"]))
    y0, y1, wy = fp.resize_tables(h, oh, mode, "half_pixel", "round_prefer_floor")
    x0, x1, wx = fp.resize_tables(w, ow, mode, "half_pixel", "round_prefer_floor")
    x = _i8(rng, (1, h, w, c))
    tables = [[int(v) for v in t] for t in (y0, y1, wy, x0, x1, wx)]
    want = ref.resize(x, mode=mode, **dict(zip(
        ["y_index0", "y_index1", "y_weight", "x_index0", "x_index1", "x_weight"], tables)))
    args = [_dims(x.shape), data(x, _mis(rng)), _dims(want.shape), out(want.size),
            i32(int(mode == "linear")), *[words(t) for t in tables]]
    return Call("tigris_resize_s8", args, "resize", want.size), want


CASES = {f.__name__: f for f in (conv2d, depthwise_conv2d, fully_connected, add, mul, lut,
                                 max_pool, avg_pool, global_avg_pool, softmax, transpose, pad,
                                 slice, insert, resize)}


def _single_rounding(f):
    """Case `f` with single-rounding requantization (its kind gets "_single")."""
    def case(rng, size="small", direct=False):
        return f(rng, size, direct, rounding="single")
    case.__name__ = f.__name__ + "_single"
    return case


# After the double-rounding kinds, so their seeded cases stay the same.
CASES.update({c.__name__: c for c in map(_single_rounding, (
    conv2d, depthwise_conv2d, fully_connected, add, mul, global_avg_pool))})

# Last, so that every earlier kind's seeded cases stay the same.
CASES["softmax_tfl"] = softmax_tfl
