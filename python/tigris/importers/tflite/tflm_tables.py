"""int8 -> int8 lookup tables computed as TensorFlow Lite Micro's reference
kernels compute each element (integer arithmetic, gemmlowp fixed point), so
a `tosa.table` of them is bit-exact with TFLM: LOGISTIC, TANH, RELU, RELU6,
RELU_N1_TO_1. Each table lists the output for inputs -128..127.

Fixed-point values are Python ints holding int32 raws; `ib` is a value's
integer bits (gemmlowp's FixedPoint<int32_t, ib>).
"""
from __future__ import annotations

import math

from tigris.reference.fixedpoint import quantize_multiplier
from tigris.reference.gemmlowp import (  # noqa: F401
    INT_MAX, INT_MIN, _newton_reciprocal, _one, _rescale, _round_away, _wrap,
    exp_on_negative_values, mul_pot, rdbpot, requant, srdhm)


def logistic_raw(a: int, ib: int) -> int:
    """gemmlowp::logistic -> a raw with 0 integer bits."""
    if a == 0:
        return 1 << 30
    pos = a > 0
    ab = a if pos else _wrap(-a)
    e = exp_on_negative_values(_wrap(-ab), ib)
    r_pos = _rescale(_newton_reciprocal(e), 1, 0)   # ExactMulByPot<-1>: F2 -> F1, raw kept
    return r_pos if pos else _wrap(INT_MAX - r_pos)


def tanh_raw(a: int, ib: int) -> int:
    """gemmlowp::tanh -> a raw with 0 integer bits."""
    if a == 0:
        return 0
    neg = a < 0
    n = a if neg else _wrap(-a)
    e = exp_on_negative_values(n, ib + 1)           # ExactMulByPot<1>: one more integer bit
    t = _rescale(_wrap(_newton_reciprocal(e) - (1 << 29)), 2, 0)
    return _wrap(-t) if neg else t


def _input_params(scale: float, integer_bits: int = 4) -> tuple[int, int, int]:
    """TFLM's logistic/tanh Prepare: input multiplier, left shift, range radius."""
    real = float(scale) * float(1 << (31 - integer_bits))
    q, shift = math.frexp(real)
    mult = _round_away(q * (1 << 31))
    radius = math.floor(((1 << integer_bits) - 1) * float(1 << (31 - integer_bits)) * 2.0 ** -shift)
    return mult, shift, radius


def _saturating_table(s_in: float, zp_in: int, raw, exponent: int, offset: int) -> list[int]:
    """The shared loop of TFLM's int8 Logistic and Tanh: inputs beyond the
    range radius saturate; the rest go through `raw` (a Q4 input) and are
    rounded down by `exponent` bits, then shifted by `offset`."""
    mult, shift, radius = _input_params(s_in)
    out = []
    for q in range(-128, 128):
        x = q - zp_in
        if x <= -radius:
            out.append(-128)
        elif x >= radius:
            out.append(127)
        else:
            r = raw(requant(x, mult, shift), 4)
            out.append(max(-128, min(127, rdbpot(r, exponent) + offset)))
    return out


def logistic_table(s_in: float, zp_in: int) -> list[int]:
    """reference_integer_ops::Logistic (output scale 1/256, zero point -128)."""
    return _saturating_table(s_in, zp_in, logistic_raw, 23, -128)


def tanh_table(s_in: float, zp_in: int) -> list[int]:
    """reference_integer_ops::Tanh (output scale 1/128, zero point 0)."""
    return _saturating_table(s_in, zp_in, tanh_raw, 24, 0)


def _roundf(x) -> int:
    """roundf of a float32 value: half away from zero."""
    import numpy as np
    return _round_away(float(np.float32(x)))


def relu_table(s_in: float, zp_in: int, s_out: float, zp_out: int,
               lo: float | None, hi: float | None) -> list[int]:
    """TFLM's ReluQuantized (RELU, RELU6, RELU_N1_TO_1): requantize, then clamp
    to the bounds quantized with roundf(bound / output scale) in float32."""
    import numpy as np
    mult, shift = quantize_multiplier(float(np.float32(s_in)) / float(np.float32(s_out)))
    qmin = -128 if lo is None else max(-128, zp_out + _roundf(np.float32(lo) / np.float32(s_out)))
    qmax = 127 if hi is None else min(127, zp_out + _roundf(np.float32(hi) / np.float32(s_out)))
    return [min(qmax, max(qmin, zp_out + requant(q - zp_in, mult, shift))) for q in range(-128, 128)]


def leaky_relu_table(s_in: float, zp_in: int, s_out: float, zp_out: int, alpha: float) -> list[int]:
    """TFLM's QuantizeLeakyRelu: the identity or the alpha multiplier by the
    sign of (q - zero point), both computed in float32 as TFLM's Prepare does."""
    import numpy as np
    f32 = np.float32
    m_id, s_id = quantize_multiplier(float(f32(s_in) / f32(s_out)))
    m_a, s_a = quantize_multiplier(float(f32(f32(s_in) * f32(alpha)) / f32(s_out)))
    out = []
    for q in range(-128, 128):
        x = q - zp_in
        y = zp_out + (requant(x, m_id, s_id) if x >= 0 else requant(x, m_a, s_a))
        out.append(max(-128, min(127, y)))
    return out


def _srdhm16(a: int, b: int) -> int:
    """gemmlowp's SaturatingRoundingDoublingHighMul on int16."""
    if a == b == -32768:
        return 32767
    ab = a * b
    q = ab + ((1 << 14) if ab >= 0 else 1 - (1 << 14))
    return q // (1 << 15) if q >= 0 else -((-q) // (1 << 15))


def _sdhm16(a: int, b: int) -> int:
    """TFLite's SaturatingDoublingHighMul on int16 (no rounding nudge)."""
    if a == b == -32768:
        return 32767
    ab = a * b
    return ab // (1 << 15) if ab >= 0 else -((-ab) // (1 << 15))


def _sat_shl16(x: int, amount: int) -> int:
    return max(-32768, min(32767, x * (1 << amount)))


def _to_int16_multiplier(m: int) -> int:
    """DownScaleInt32ToInt16Multiplier."""
    if m >= INT_MAX - (1 << 15):
        return 32767
    return (m + (1 << 15)) >> 16


def hard_swish_table(s_in: float, zp_in: int, s_out: float, zp_out: int) -> list[int] | None:
    """reference_ops::HardSwish<int8_t> with TFLM's Prepare (float32 scales,
    int16 fixed-point multipliers); None when TFLM's Prepare would refuse the
    scales (an output multiplier above 1)."""
    import numpy as np
    f32 = np.float32
    hires = f32(f32(1.0) / f32(128.0)) * f32(s_in)
    out_m, out_e = quantize_multiplier(float(f32(hires / f32(s_out))))
    relu_m, relu_e = quantize_multiplier(float(f32(hires / f32(f32(3.0) / f32(32768.0)))))
    if out_e > 0:
        return None
    out_m16, relu_m16 = _to_int16_multiplier(out_m), _to_int16_multiplier(relu_m)
    table = []
    for q in range(-128, 128):
        x = q - zp_in
        hi = x * (1 << 7)
        pre_out = _srdhm16(hi, out_m16)
        r = hi
        if relu_e > 0:
            r = _sat_shl16(r, relu_e - 1)
        r = _srdhm16(r, relu_m16)
        if relu_e > 0:
            r = _sat_shl16(r, 1)
        if relu_e < 0:
            r = rdbpot(r, -relu_e)
        r = (r + (1 << 15)) >> 1
        y = rdbpot(_sdhm16(r, pre_out), -out_e) + zp_out
        table.append(max(-128, min(127, y)))
    return table


def nearest_indices(in_size: int, out_size: int, align_corners: bool,
                    half_pixel_centers: bool) -> list[int]:
    """TFLM's GetNearestNeighbor for each output position (float32 arithmetic)."""
    import numpy as np
    f32 = np.float32
    if align_corners and out_size > 1:
        scale = f32(in_size - 1) / f32(out_size - 1)
    else:
        scale = f32(in_size) / f32(out_size)
    offset = f32(0.5) if half_pixel_centers else f32(0.0)
    out = []
    for i in range(out_size):
        v = f32(f32(i) + offset) * scale
        j = _round_away(float(v)) if align_corners else int(math.floor(float(v)))
        j = min(j, in_size - 1)
        out.append(max(0, j) if half_pixel_centers else j)
    return out


def bilinear_tables(in_size: int, out_size: int, align_corners: bool,
                    half_pixel_centers: bool) -> tuple[list[int], list[int], list[int]] | None:
    """TFLM's ResizeBilinearInteger along one axis: for each output position
    the lower and upper input index and the upper one's weight. TFLM weighs
    in Q10 and rounds the Q20 sum; the resize kernel weighs in Q11 and
    rounds the Q22 sum the same way (half away from zero), so a weight of
    2 w gives TFLM's bytes. Where both indices agree the weight does not
    matter (TFLM's may be negative there) and is 0. None when an index would
    fall outside the input (TFLM would read beyond it)."""
    def cdiv(a: int, b: int) -> int:          # C division, toward zero
        return a // b if a >= 0 else -((-a) // b)
    if align_corners and out_size > 1:
        scale = ((1 << 10) * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
    else:
        scale = ((1 << 10) * in_size + out_size // 2) // out_size
    lo, hi, weight = [], [], []
    for v in range(out_size):
        sv = v * scale + scale // 2 - (1 << 9) if half_pixel_centers else v * scale
        i0 = max(cdiv(sv, 1 << 10), 0)
        i1 = min(cdiv(sv + (1 << 10) - 1, 1 << 10), in_size - 1)
        if i0 > in_size - 1:
            return None
        lo.append(i0)
        hi.append(i1)
        weight.append(0 if i0 == i1 else 2 * (sv - (i0 << 10)))
    return lo, hi, weight


def prelu_tables(s_in: float, zp_in: int, alphas, s_a: float, zp_a: int, s_out: float,
                 zp_out: int) -> list[list[int]]:
    """TFLM's PRELU (reference_ops::BroadcastPrelu4DSlow), one table per alpha
    value: q - zp_in >= 0 is rescaled by s_in / s_out, otherwise multiplied by
    (alpha - zp_a) and rescaled by s_in * s_a / s_out (double, as TFLM)."""
    m1, e1 = quantize_multiplier(float(s_in) / float(s_out))
    m2, e2 = quantize_multiplier(float(s_in) * float(s_a) / float(s_out))
    tables = []
    for a in alphas:
        row = []
        for q in range(-128, 128):
            x = q - zp_in
            y = requant(x, m1, e1) if x >= 0 else requant(x * (int(a) - zp_a), m2, e2)
            row.append(max(-128, min(127, y + zp_out)))
        tables.append(row)
    return tables
