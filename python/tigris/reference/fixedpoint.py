"""Fixed-point helpers of docs/kernels.md, vectorized over numpy arrays.

Run-time helpers (the integer arithmetic every kernel uses, TFLite / ESP-NN
rounding): `srdhm`, `rdbpot`, `requant` (double rounding, or single with
`requant_single`). They take int32 values (any integer
dtype holding int32-range values is accepted), compute exactly in int64 and
return int32.

Compile-time helpers (float64, run by the importer / legalizer only; kernels
see only the integers they produce): `round_half_away`, `quantize_multiplier`,
`lut_table`, `onnx_lut_tables` (with `dequantize_f32` / `quantize_onnx`: the
float32 arithmetic of onnxruntime's QDQ groups), `softmax_exp_table`,
`softmax_output_scale_q16`, `add_params`, `mul_params`, `conv_params`,
`resize_tables`.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


def wrap_int32(v) -> np.ndarray:
    """Two's-complement wrap of integer values to int32 (what a C int32 accumulator does)."""
    v = np.asarray(v, dtype=np.int64)
    return (((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)).astype(np.int32)


# ----------------------------------------------------------------- run time


def srdhm(a, b) -> np.ndarray:
    """Saturating rounding doubling high multiply (gemmlowp / TFLite)."""
    a = np.asarray(a).astype(np.int64)
    b = np.asarray(b).astype(np.int64)
    ab = a * b  # |ab| <= 2^62: exact in int64
    nudge = np.where(ab >= 0, np.int64(1 << 30), np.int64(1 - (1 << 30)))
    t = ab + nudge
    # C division by 2^31, truncating toward zero.
    q = np.where(t >= 0, t >> 31, -((-t) >> 31))
    q = np.where((a == INT32_MIN) & (b == INT32_MIN), np.int64(INT32_MAX), q)
    return q.astype(np.int32)


def rdbpot(x, e) -> np.ndarray:
    """Rounding divide by 2^e (round half away from zero), arithmetic shift."""
    x = np.asarray(x).astype(np.int64)
    e = np.asarray(e).astype(np.int64)
    if np.any(e < 0) or np.any(e > 62):
        raise ValueError("rdbpot: exponent out of range [0, 31]")
    one = np.int64(1)
    mask = (one << e) - one
    rem = x & mask
    threshold = (mask >> one) + (x < 0).astype(np.int64)
    return ((x >> e) + (rem > threshold).astype(np.int64)).astype(np.int32)


ROUNDINGS = ("double", "single")


def requant(acc, mult, shift, rounding: str = "double") -> np.ndarray:
    """TFLite MultiplyByQuantizedMultiplier, double rounding (gemmlowp, ESP-NN):
    rdbpot(srdhm(sat32(acc << left), mult), right); rounding="single" is
    `requant_single`.

    `mult` and `shift` broadcast against `acc` (per-channel arrays along the last axis).
    """
    if rounding == "single":
        return requant_single(acc, mult, shift)
    if rounding != "double":
        raise ValueError(f"requant: rounding must be one of {ROUNDINGS}, got {rounding!r}")
    acc = np.asarray(acc).astype(np.int64)
    shift = np.asarray(shift).astype(np.int64)
    # A left shift of 32 or more saturates every non-zero int32 value already,
    # so clipping it at 32 changes nothing and keeps acc << left inside int64.
    left = np.clip(shift, 0, 32)
    right = np.maximum(-shift, 0)
    x = np.clip(acc << left, INT32_MIN, INT32_MAX)
    return rdbpot(srdhm(x, mult), right)


def requant_single(acc, mult, shift) -> np.ndarray:
    """TFLite MultiplyByQuantizedMultiplier under TFLITE_SINGLE_ROUNDING (TOSA's
    SINGLE_ROUND): floor((acc * mult + 2^(t-1)) / 2^t) with t = 31 - shift,
    saturated to int32. One rounding, half up, as a float requantization
    rounds once; shift must lie in [-31, 30] (t in [1, 62], so the sum fits int64).
    """
    acc = np.asarray(acc).astype(np.int64)
    mult = np.asarray(mult).astype(np.int64)
    shift = np.asarray(shift).astype(np.int64)
    if np.any(shift < -31) or np.any(shift > 30):
        raise ValueError("requant_single: shift out of range [-31, 30]")
    t = 31 - shift
    one = np.int64(1)
    r = (acc * mult + (one << (t - one))) >> t
    return np.clip(r, INT32_MIN, INT32_MAX).astype(np.int32)


# ------------------------------------------------------------- compile time


def round_half_away(x):
    """Round to nearest, ties away from zero (C `round`), in float64.

    Exact for every float64 (no `floor(x + 0.5)` double-rounding trap).
    Returns float64 (an array for array input, np.float64 for a scalar).
    """
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    fl = np.floor(a)
    r = fl + (a - fl >= 0.5)  # a - floor(a) is exact
    r = np.copysign(r, x)
    return r if r.ndim else np.float64(r)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """(mult, shift) with real ~= mult * 2^(shift - 31); docs/kernels.md.

    Negative reals (sub's negated multiplier) are quantized symmetrically:
    the result is the negation of that of |real|.
    """
    real = float(real)
    if real == 0.0:
        return 0, 0
    if not math.isfinite(real):
        raise ValueError(f"quantize_multiplier: non-finite value {real}")
    if real < 0:
        m, e = quantize_multiplier(-real)
        return -m, e
    q, e = math.frexp(real)
    m = int(round_half_away(q * 2.0**31))
    if m == 1 << 31:
        m //= 2
        e += 1
    if e < -31:
        return 0, 0
    return m, e


def _clamp_int8_list(v: np.ndarray) -> list[int]:
    return [int(t) for t in np.clip(v, -128, 127)]


def dequantize_f32(q, scale: float, zero_point: int) -> np.ndarray:
    """ONNX DequantizeLinear as onnxruntime computes it: float32 (q - zp) * float32 scale."""
    q = np.asarray(q, dtype=np.int64)
    return (q - int(zero_point)).astype(np.float32) * np.float32(scale)


def quantize_onnx(y, scale: float, zero_point: int) -> np.ndarray:
    """ONNX QuantizeLinear to the int8 domain as onnxruntime's CPU kernel computes it:
    float32 y / float32 scale, rounded half to even, plus the zero point, saturated to
    [-128, 127]. +inf saturates to 127, -inf to -128, and NaN gives -128 (the type's
    minimum, what onnxruntime 1.32's x86 QuantizeLinear gives for int8 and uint8 alike,
    measured; a uint8 tensor's 0 is -128 in the int8 domain). Returns int64."""
    y = np.asarray(y, dtype=np.float32)
    with np.errstate(all="ignore"):
        v = (y / np.float32(scale)).astype(np.float64)
        r = np.rint(v) + int(zero_point)
        r = np.where(np.isnan(r), -128.0, r)
        return np.clip(r, -128, 127).astype(np.int64)


def onnx_lut_tables(f: Callable, s_in: float, zp_in: int, s_out: float, zp_out: int
                    ) -> np.ndarray:
    """Lookup tables of a float function between DequantizeLinear and QuantizeLinear,
    computed the way onnxruntime runs that QDQ group: x = dequantize_f32(q) for the
    256 codes q = -128..127 (entry q + 128), y = f(x), quantize_onnx(y).

    `f` takes the float32 array of the 256 inputs and returns an array that
    broadcasts to [K, 256] (K per-channel functions, K = 1 for one function);
    the result is int64 [K, 256]."""
    x = dequantize_f32(np.arange(-128, 128), s_in, zp_in)
    with np.errstate(all="ignore"):
        y = np.asarray(f(x))
    y = np.atleast_2d(y)
    y = np.broadcast_to(y, (y.shape[0], 256))
    return quantize_onnx(y, s_out, zp_out)


def softmax_exp_table(s_in: float, beta: float = 1.0) -> list[int]:
    """exp_table[j] = round(2^20 * exp(s_in * beta * (j - 255))), j = 0..255 (Q20)."""
    d = np.arange(256, dtype=np.float64) - 255.0
    v = round_half_away(2.0**20 * np.exp(float(s_in) * float(beta) * d))
    return [int(t) for t in v]


def softmax_output_scale_q16(s_out: float) -> int:
    """round(2^16 / s_out)."""
    return int(round_half_away(2.0**16 / float(s_out)))


def add_params(s1: float, zp1: int, s2: float, zp2: int, s_out: float, zp_out: int,
               *, act_min: int = -128, act_max: int = 127, subtract: bool = False,
               left_shift: int = 20) -> dict:
    """Attributes of the add kernel (TFLite int8 Add prepare); `subtract` makes sub."""
    twice_max = 2.0 * max(float(s1), float(s2))
    m1, sh1 = quantize_multiplier(float(s1) / twice_max)
    m2, sh2 = quantize_multiplier(float(s2) / twice_max)
    if subtract:
        m2 = -m2
    om, osh = quantize_multiplier(twice_max / ((1 << left_shift) * float(s_out)))
    return {
        "input1_offset": -int(zp1), "input2_offset": -int(zp2),
        "input1_multiplier": m1, "input1_shift": sh1,
        "input2_multiplier": m2, "input2_shift": sh2,
        "left_shift": left_shift, "output_offset": int(zp_out),
        "output_multiplier": om, "output_shift": osh,
        "act_min": int(act_min), "act_max": int(act_max),
    }


def mul_params(s1: float, zp1: int, s2: float, zp2: int, s_out: float, zp_out: int,
               *, act_min: int = -128, act_max: int = 127) -> dict:
    """Attributes of the mul kernel (real multiplier s1 * s2 / s_out)."""
    om, osh = quantize_multiplier(float(s1) * float(s2) / float(s_out))
    return {
        "input1_offset": -int(zp1), "input2_offset": -int(zp2),
        "output_offset": int(zp_out), "output_multiplier": om, "output_shift": osh,
        "act_min": int(act_min), "act_max": int(act_max),
    }


def conv_params(s_in: float, s_w_per_channel, s_out: float) -> tuple[list[int], list[int]]:
    """Per-channel (multipliers, shifts) for conv / depthwise / fully connected:
    real_c = s_in * s_w[c] / s_out. A scalar weight scale gives one entry."""
    sw = np.atleast_1d(np.asarray(s_w_per_channel, dtype=np.float64))
    mults, shifts = [], []
    for s in sw:
        m, e = quantize_multiplier(float(s_in) * float(s) / float(s_out))
        mults.append(m)
        shifts.append(e)
    return mults, shifts


def resize_tables(in_size: int, out_size: int, mode: str,
                  coordinate_transformation_mode: str = "half_pixel",
                  nearest_mode: str = "round_prefer_floor",
                  scale: float | None = None) -> tuple[list[int], list[int], list[int]]:
    """(index0, index1, weight) tables of one axis for the resize kernel (ONNX Resize).

    `scale` is out/in (ONNX `scales`); by default out_size / in_size.
    linear: source coordinate clamped to [0, in-1], index0 = floor, index1 =
    min(index0 + 1, in - 1), weight = round_half_away(frac * 2048) (Q11, of index1).
    nearest: index0 = index1 = the nearest_mode rounding clamped to [0, in-1], weight 0.
    """
    scale = float(out_size) / float(in_size) if scale is None else float(scale)
    o = np.arange(out_size, dtype=np.float64)
    ctm = coordinate_transformation_mode
    if ctm == "half_pixel":
        x = (o + 0.5) / scale - 0.5
    elif ctm == "pytorch_half_pixel":
        x = (o + 0.5) / scale - 0.5 if out_size > 1 else np.zeros_like(o)
    elif ctm == "align_corners":
        x = o * (in_size - 1) / (out_size - 1) if out_size > 1 else np.zeros_like(o)
    elif ctm == "asymmetric":
        x = o / scale
    elif ctm == "half_pixel_symmetric":
        adj = out_size / (scale * in_size)
        center = in_size / 2.0
        offset = center * (1.0 - adj)
        x = offset + (o + 0.5) / scale - 0.5
    else:
        raise ValueError(f"resize_tables: unsupported coordinate mode {ctm!r}")
    hi = in_size - 1
    if mode == "nearest":
        if nearest_mode == "round_prefer_floor":
            i = np.ceil(x - 0.5)
        elif nearest_mode == "round_prefer_ceil":
            i = np.floor(x + 0.5)
        elif nearest_mode == "floor":
            i = np.floor(x)
        elif nearest_mode == "ceil":
            i = np.ceil(x)
        else:
            raise ValueError(f"resize_tables: unsupported nearest mode {nearest_mode!r}")
        idx = [int(t) for t in np.clip(i, 0, hi)]
        return idx, list(idx), [0] * out_size
    if mode == "linear":
        x = np.clip(x, 0.0, float(hi))
        i0 = np.floor(x)
        w = round_half_away((x - i0) * 2048.0)
        i0 = i0.astype(np.int64)
        i1 = np.minimum(i0 + 1, hi)
        return [int(t) for t in i0], [int(t) for t in i1], [int(t) for t in w]
    raise ValueError(f"resize_tables: unsupported mode {mode!r}")
