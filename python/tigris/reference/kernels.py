"""Numpy reference kernels: the integer semantics of docs/kernels.md, bit exact.

Every function takes numpy operand arrays and keyword attributes named as in
dialects/tigris.irdl.mlir (dense arrays as lists of ints, integers as ints)
and returns a new array (int8 unless documented otherwise). Extra keywords
starting with "tigris." (planning annotations) are ignored, as is `out_shape`
where a kernel does not need it.

Speed: conv and fully connected accumulate in float64 with BLAS matmuls. Every
product of an offset input (|v| <= 255) and an int8 weight is an integer below
2^15 in magnitude, so every partial sum of fewer than 2^37 terms is an integer
below 2^53 and float64 arithmetic is exact whatever the summation order. The
exact sum is then wrapped to int32 (the int32 accumulator of the C kernels).
"""
from __future__ import annotations

import builtins
import functools
import inspect

import numpy as np

from . import gemmlowp
from .fixedpoint import rdbpot, requant, srdhm, wrap_int32

__all__ = [
    "conv2d", "depthwise_conv2d", "fully_connected", "add", "mul", "avg_pool",
    "max_pool", "global_avg_pool", "softmax", "softmax_tfl", "lut", "reshape", "transpose", "pad",
    "resize", "slice", "empty", "insert",
]

_pyslice = builtins.slice
_EXACT_TERMS = 1 << 37  # float64 accumulation is exact below this many int8 x 255 terms


def _kernel(fn):
    """Drop `tigris.*` annotations (and `out_shape` when fn does not take it)."""
    takes_out_shape = "out_shape" in inspect.signature(fn).parameters

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for k in [k for k in kwargs if k.startswith("tigris.")]:
            del kwargs[k]
        if not takes_out_shape:
            kwargs.pop("out_shape", None)
        return fn(*args, **kwargs)

    return wrapper


def _ints(v, n=None, name="attribute"):
    out = [int(t) for t in np.atleast_1d(np.asarray(v)).ravel()]
    if n is not None and len(out) != n:
        raise ValueError(f"{name}: expected {n} values, got {out}")
    return out


def _finish(acc, mult, shift, output_offset, act_min, act_max, rounding="double"):
    """int8 of clamp(requant(acc, mult, shift) + output_offset, act_min, act_max)."""
    mult = np.asarray(mult, dtype=np.int64).ravel()
    shift = np.asarray(shift, dtype=np.int64).ravel()
    v = requant(acc, mult, shift, rounding).astype(np.int64) + int(output_offset)
    v = np.clip(v, int(act_min), int(act_max))
    return np.clip(v, -128, 127).astype(np.int8)


def _out_size(size, before, after, k, s, d):
    return (size + before + after - d * (k - 1) - 1) // s + 1


def _pad_hw(xv, top, left, need_h, need_w, fill):
    """Pad [N,H,W,C] at top/left and at bottom/right as far as windows reach."""
    n, h, w, c = xv.shape
    bottom = max(0, need_h - top - h)
    right = max(0, need_w - left - w)
    if top == bottom == left == right == 0:
        return xv
    out = np.full((n, top + h + bottom, left + w + right, c), fill, dtype=xv.dtype)
    out[:, top:top + h, left:left + w, :] = xv
    return out


def _tap(xp, ky, kx, oh, ow, sh, sw, dh, dw):
    """The [N, OH, OW, C] view of the padded input seen by kernel tap (ky, kx)."""
    y0, x0 = ky * dh, kx * dw
    return xp[:, y0:y0 + (oh - 1) * sh + 1:sh, x0:x0 + (ow - 1) * sw + 1:sw, :]


def _check_exact(terms):
    if terms >= _EXACT_TERMS:
        raise ValueError("accumulation too long for exact float64 arithmetic")


# -------------------------------------------------------------- convolutions


@_kernel
def conv2d(x, w, b, *, stride, dilation, pad, groups, input_offset, output_offset,
           multiplier, shift, act_min, act_max, rounding="double"):
    x = np.asarray(x)
    w = np.asarray(w)
    n, h, wd, cin = x.shape
    cout, kh, kw, cin_g = w.shape
    g = int(groups)
    if cin_g * g != cin or cout % g:
        raise ValueError(f"conv2d: groups {g} do not divide Cin {cin} / Cout {cout}")
    cout_g = cout // g
    sh, sw = _ints(stride, 2, "stride")
    dh, dw = _ints(dilation, 2, "dilation")
    top, bottom, left, right = _ints(pad, 4, "pad")
    oh = _out_size(h, top, bottom, kh, sh, dh)
    ow = _out_size(wd, left, right, kw, sw, dw)
    _check_exact(kh * kw * cin_g)
    # Offset input; padded positions are 0 so they add nothing.
    xo = x.astype(np.float64) + float(input_offset)
    xp = _pad_hw(xo, top, left, (oh - 1) * sh + (kh - 1) * dh + 1,
                 (ow - 1) * sw + (kw - 1) * dw + 1, 0.0)
    wf = w.astype(np.float64)
    p = n * oh * ow
    if g == 1:
        acc = np.zeros((p, cout), dtype=np.float64)
        for ky in range(kh):
            for kx in range(kw):
                xs = _tap(xp, ky, kx, oh, ow, sh, sw, dh, dw).reshape(p, cin)
                acc += xs @ wf[:, ky, kx, :].T
    else:
        acc = np.zeros((g, p, cout_g), dtype=np.float64)
        for ky in range(kh):
            for kx in range(kw):
                xs = _tap(xp, ky, kx, oh, ow, sh, sw, dh, dw).reshape(p, g, cin_g)
                wt = wf[:, ky, kx, :].reshape(g, cout_g, cin_g).transpose(0, 2, 1)
                acc += np.matmul(xs.transpose(1, 0, 2), wt)
        acc = acc.transpose(1, 0, 2).reshape(p, cout)
    acc32 = wrap_int32(acc.astype(np.int64) + np.asarray(b, dtype=np.int64))
    out = _finish(acc32, multiplier, shift, output_offset, act_min, act_max, rounding)
    return out.reshape(n, oh, ow, cout)


@_kernel
def depthwise_conv2d(x, w, b, *, stride, dilation, pad, channel_multiplier, input_offset,
                     output_offset, multiplier, shift, act_min, act_max, rounding="double"):
    x = np.asarray(x)
    w = np.asarray(w)
    n, h, wd, c = x.shape
    kh, kw, cm = w.shape[-3:]
    m = int(channel_multiplier)
    if cm != c * m:
        raise ValueError(f"depthwise_conv2d: weights have {cm} channels, expected {c}*{m}")
    sh, sw = _ints(stride, 2, "stride")
    dh, dw = _ints(dilation, 2, "dilation")
    top, bottom, left, right = _ints(pad, 4, "pad")
    oh = _out_size(h, top, bottom, kh, sh, dh)
    ow = _out_size(wd, left, right, kw, sw, dw)
    xo = x.astype(np.int64) + int(input_offset)
    xp = _pad_hw(xo, top, left, (oh - 1) * sh + (kh - 1) * dh + 1,
                 (ow - 1) * sw + (kw - 1) * dw + 1, 0)
    # Output channel oc = ic * M + mm reads input channel ic.
    w4 = w.reshape(kh, kw, c, m).astype(np.int64)
    acc = np.zeros((n, oh, ow, c, m), dtype=np.int64)
    for ky in range(kh):
        for kx in range(kw):
            acc += _tap(xp, ky, kx, oh, ow, sh, sw, dh, dw)[..., None] * w4[ky, kx]
    acc = acc.reshape(n, oh, ow, cm) + np.asarray(b, dtype=np.int64)
    return _finish(wrap_int32(acc), multiplier, shift, output_offset, act_min, act_max,
                   rounding)


@_kernel
def fully_connected(x, w, b, *, input_offset, output_offset, multiplier, shift,
                    act_min, act_max, rounding="double"):
    x = np.asarray(x)
    w = np.asarray(w)
    cout, k = w.shape
    if x.size % k:
        raise ValueError(f"fully_connected: input size {x.size} is not a multiple of K={k}")
    _check_exact(k)
    xo = x.reshape(-1, k).astype(np.float64) + float(input_offset)
    acc = (xo @ w.astype(np.float64).T).astype(np.int64) + np.asarray(b, dtype=np.int64)
    return _finish(wrap_int32(acc), multiplier, shift, output_offset, act_min, act_max,
                   rounding)


# --------------------------------------------------------------- elementwise


def _broadcast(a, b):
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    return a.astype(np.int64), b.astype(np.int64)


@_kernel
def add(a, b, *, input1_offset, input2_offset, input1_multiplier, input1_shift,
        input2_multiplier, input2_shift, left_shift, output_offset, output_multiplier,
        output_shift, act_min, act_max, rounding="double"):
    a, b = _broadcast(a, b)
    ls = int(left_shift)
    x1 = wrap_int32((a + int(input1_offset)) << ls)
    x2 = wrap_int32((b + int(input2_offset)) << ls)
    s1 = requant(x1, int(input1_multiplier), int(input1_shift), rounding).astype(np.int64)
    s2 = requant(x2, int(input2_multiplier), int(input2_shift), rounding).astype(np.int64)
    return _finish(wrap_int32(s1 + s2), output_multiplier, output_shift, output_offset,
                   act_min, act_max, rounding)


@_kernel
def mul(a, b, *, input1_offset, input2_offset, output_offset, output_multiplier,
        output_shift, act_min, act_max, rounding="double"):
    a, b = _broadcast(a, b)
    prod = (a + int(input1_offset)) * (b + int(input2_offset))
    return _finish(wrap_int32(prod), output_multiplier, output_shift, output_offset,
                   act_min, act_max, rounding)


@_kernel
def lut(x, *, table):
    """out = table[x + 128]; with C x 256 entries (C = the last dimension of x)
    element i of x uses the table of channel i mod C: table[(i mod C) * 256 + x + 128]."""
    x = np.asarray(x)
    t = np.asarray(table, dtype=np.int64).ravel()
    channels = x.shape[-1] if x.ndim else 1
    if t.size != 256 and t.size != 256 * channels:
        raise ValueError(f"lut: table has {t.size} entries, expected 256 or 256 x {channels} "
                         "(one per channel)")
    t8 = np.clip(t, -128, 127).astype(np.int8)
    index = x.astype(np.int64) + 128
    if t.size != 256:
        index = index + 256 * np.arange(channels, dtype=np.int64)
    return t8[index]


# --------------------------------------------------------------------- pools


def _pool_geometry(x, kernel, stride, dilation, pad, out_shape):
    n, h, w, c = x.shape
    kh, kw = _ints(kernel, 2, "kernel")
    sh, sw = _ints(stride, 2, "stride")
    dh, dw = dilation
    top, bottom, left, right = _ints(pad, 4, "pad")
    if out_shape is not None:
        os_ = _ints(out_shape, 4, "out_shape")
        oh, ow = os_[1], os_[2]
    else:
        oh = _out_size(h, top, bottom, kh, sh, dh)
        ow = _out_size(w, left, right, kw, sw, dw)
    return kh, kw, sh, sw, dh, dw, top, left, oh, ow


def _inbounds_count(size, before, k, s, d, o):
    """Per output index, how many of the k taps land inside [0, size)."""
    pos = np.arange(o)[:, None] * s - before + np.arange(k)[None, :] * d
    return ((pos >= 0) & (pos < size)).sum(axis=1)


@_kernel
def avg_pool(x, *, kernel, stride, pad, count_include_pad, act_min, act_max, out_shape=None):
    x = np.asarray(x)
    n, h, w, c = x.shape
    kh, kw, sh, sw, _, _, top, left, oh, ow = _pool_geometry(
        x, kernel, stride, (1, 1), pad, out_shape)
    xp = _pad_hw(x.astype(np.int64), top, left, (oh - 1) * sh + kh, (ow - 1) * sw + kw, 0)
    s = np.zeros((n, oh, ow, c), dtype=np.int64)
    for ky in range(kh):
        for kx in range(kw):
            s += _tap(xp, ky, kx, oh, ow, sh, sw, 1, 1)
    s = wrap_int32(s).astype(np.int64)
    if int(count_include_pad):
        cnt = np.full((oh, ow), kh * kw, dtype=np.int64)
    else:
        cnt = (_inbounds_count(h, top, kh, sh, 1, oh)[:, None]
               * _inbounds_count(w, left, kw, sw, 1, ow)[None, :])
    cnt = cnt[None, :, :, None]
    safe = np.maximum(cnt, 1)
    # sum >= 0 ? (sum + cnt/2) / cnt : (sum - cnt/2) / cnt, C (truncating) division.
    avg = np.sign(s) * ((np.abs(s) + safe // 2) // safe)
    avg = np.where(cnt == 0, 0, avg)  # a window with no input element averages to 0
    avg = np.clip(avg, int(act_min), int(act_max))
    return np.clip(avg, -128, 127).astype(np.int8)


@_kernel
def max_pool(x, *, kernel, stride, dilation, pad, act_min, act_max, out_shape=None):
    x = np.asarray(x)
    n, h, w, c = x.shape
    dil = _ints(dilation, 2, "dilation")
    kh, kw, sh, sw, dh, dw, top, left, oh, ow = _pool_geometry(
        x, kernel, stride, dil, pad, out_shape)
    # -128 fill: never above an in-bounds int8, and the TFLite initial max of
    # a window with no in-bounds element.
    xp = _pad_hw(x.astype(np.int8), top, left, (oh - 1) * sh + (kh - 1) * dh + 1,
                 (ow - 1) * sw + (kw - 1) * dw + 1, -128)
    m = np.full((n, oh, ow, c), -128, dtype=np.int8)
    for ky in range(kh):
        for kx in range(kw):
            np.maximum(m, _tap(xp, ky, kx, oh, ow, sh, sw, dh, dw), out=m)
    lo, hi = max(int(act_min), -128), min(int(act_max), 127)
    return np.clip(m, lo, hi).astype(np.int8)


@_kernel
def global_avg_pool(x, *, input_offset, output_offset, multiplier, shift, rounding="double"):
    x = np.asarray(x)
    acc = (x.astype(np.int64) + int(input_offset)).sum(axis=(1, 2), keepdims=True)
    return _finish(wrap_int32(acc), int(multiplier), int(shift), output_offset, -128, 127,
                   rounding)


# ------------------------------------------------------------------- softmax


@_kernel
def softmax(x, *, exp_table, output_scale_q16, output_offset):
    x = np.asarray(x).astype(np.int64)
    table = np.asarray(exp_table, dtype=np.int64).ravel() & 0xFFFFFFFF  # uint32 bits
    if table.size != 256:
        raise ValueError(f"softmax: exp_table has {table.size} entries, expected 256")
    m = x.max(axis=-1, keepdims=True)
    e = table[255 + x - m]
    s = e.sum(axis=-1, keepdims=True)
    if np.any(s == 0):
        raise ValueError("softmax: zero exp sum (exp_table[255] must be non-zero)")
    q = (e * int(output_scale_q16) + s * (1 << 15)) // (s * (1 << 16))
    return np.clip(q + int(output_offset), -128, 127).astype(np.int8)


@_kernel
def softmax_tfl(x, *, exp_table):
    """TFLite's int8 softmax (docs/kernels.md): output scale 1/256, zero point -128."""
    x = np.asarray(x).astype(np.int64)
    table = np.asarray(exp_table, dtype=np.int64).ravel()
    if table.size != 256 or table.min() < 0:
        raise ValueError("softmax_tfl: exp_table must hold 256 non-negative entries")
    rows = x.reshape(-1, x.shape[-1] if x.ndim else 1)
    out = np.empty(rows.shape, np.int8)
    for r, row in enumerate(rows):
        e = table[255 + row - row.max()]
        scale, exponent = gemmlowp.softmax_row_scale(e)
        q = rdbpot(srdhm(scale, e), exponent).astype(np.int64) - 128
        out[r] = np.clip(q, -128, 127)
    return out.reshape(x.shape)


# ------------------------------------------------------------- data movement


@_kernel
def reshape(x, *, out_shape):
    return np.array(np.asarray(x).reshape(_ints(out_shape, name="out_shape")))


@_kernel
def transpose(x, *, perm):
    return np.ascontiguousarray(np.transpose(np.asarray(x), _ints(perm, name="perm")))


@_kernel
def pad(x, *, pad, value):
    x = np.asarray(x)
    p = _ints(pad, 2 * x.ndim, "pad")
    r = x.ndim
    widths = [(p[d], p[r + d]) for d in range(r)]
    if min(p) < 0:
        raise ValueError(f"pad: negative padding {p}")
    return np.pad(x, widths, mode="constant", constant_values=int(value)).astype(x.dtype)


@_kernel
def resize(x, *, mode, y_index0, y_index1, y_weight, x_index0, x_index1, x_weight):
    x = np.asarray(x)
    y0 = np.asarray(_ints(y_index0), dtype=np.intp)
    x0 = np.asarray(_ints(x_index0), dtype=np.intp)
    if mode == "nearest":
        return np.ascontiguousarray(x[:, y0][:, :, x0])
    if mode != "linear":
        raise ValueError(f"resize: unknown mode {mode!r}")
    y1 = np.asarray(_ints(y_index1), dtype=np.intp)
    x1 = np.asarray(_ints(x_index1), dtype=np.intp)
    wy = np.asarray(_ints(y_weight), dtype=np.int64)[None, :, None, None]
    wx = np.asarray(_ints(x_weight), dtype=np.int64)[None, None, :, None]
    xi = x.astype(np.int64)
    r0, r1 = xi[:, y0], xi[:, y1]
    a, bb = r0[:, :, x0], r0[:, :, x1]
    c, d = r1[:, :, x0], r1[:, :, x1]
    top = a * (2048 - wx) + bb * wx
    bot = c * (2048 - wx) + d * wx
    v = wrap_int32(top * (2048 - wy) + bot * wy).astype(np.int64)
    half = 1 << 21
    out = np.where(v >= 0, (v + half) >> 22, -((-v + half) >> 22))
    return np.clip(out, -128, 127).astype(np.int8)


@_kernel
def slice(x, *, begin, out_shape):
    x = np.asarray(x)
    bg = _ints(begin, x.ndim, "begin")
    sz = _ints(out_shape, x.ndim, "out_shape")
    for d in range(x.ndim):
        if bg[d] < 0 or bg[d] + sz[d] > x.shape[d]:
            raise ValueError(f"slice: box {bg} + {sz} outside input shape {x.shape}")
    idx = tuple(_pyslice(bg[d], bg[d] + sz[d]) for d in range(x.ndim))
    return np.array(x[idx])


@_kernel
def empty(*, out_shape):
    return np.zeros(_ints(out_shape, name="out_shape"), dtype=np.int8)


@_kernel
def insert(x, dest, *, axis, offset):
    x = np.asarray(x)
    out = np.array(dest)
    ax = int(axis)
    if ax < 0:
        ax += out.ndim
    off = int(offset)
    if off < 0 or off + x.shape[ax] > out.shape[ax]:
        raise ValueError(f"insert: {x.shape[ax]} at {off} does not fit axis {ax} of {out.shape}")
    idx = [_pyslice(None)] * out.ndim
    idx[ax] = _pyslice(off, off + x.shape[ax])
    out[tuple(idx)] = x
    return out
