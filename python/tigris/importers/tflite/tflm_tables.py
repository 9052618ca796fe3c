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

INT_MIN, INT_MAX = -(1 << 31), (1 << 31) - 1


def _wrap(x: int) -> int:
    return (x + (1 << 31)) % (1 << 32) - (1 << 31)


def srdhm(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul (the product of two fixed-point values)."""
    if a == b == INT_MIN:
        return INT_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    q = ab + nudge
    return q // (1 << 31) if q >= 0 else -((-q) // (1 << 31))   # C division: toward zero


def rdbpot(x: int, e: int) -> int:
    """RoundingDivideByPOT."""
    mask = (1 << e) - 1
    rem = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if rem > threshold else 0)


def mul_pot(x: int, e: int) -> int:
    """SaturatingRoundingMultiplyByPOT<e>."""
    if e <= 0:
        return rdbpot(x, -e)
    threshold = (1 << (31 - e)) - 1
    if x > threshold:
        return INT_MAX
    if x < -threshold:
        return INT_MIN
    return _wrap(x << e)


def requant(x: int, mult: int, shift: int) -> int:
    """MultiplyByQuantizedMultiplier (double rounding), shift > 0 to the left."""
    left, right = max(shift, 0), max(-shift, 0)
    return rdbpot(srdhm(_wrap(x * (1 << left)), mult), right)


def _round_away(x: float) -> int:
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def _one(ib: int) -> int:
    return INT_MAX if ib == 0 else 1 << (31 - ib)


def _rescale(raw: int, ib_src: int, ib_dst: int) -> int:
    return mul_pot(raw, ib_src - ib_dst)


def _exp_quarter(a: int) -> int:
    """exp_on_interval_between_negative_one_quarter_and_0_excl (ib 0 -> ib 0)."""
    constant_term, one_third = 1895147668, 715827883
    x = _wrap(a + (1 << 28))
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = mul_pot(x4, -2)
    poly = mul_pot(_wrap(srdhm(_wrap(x4_over_4 + x3), one_third) + x2), -1)
    return _wrap(constant_term + srdhm(constant_term, _wrap(x + poly)))


_BARREL = [(-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
           (2, 39332535), (3, 720401), (4, 242)]


def exp_on_negative_values(a: int, ib: int) -> int:
    """gemmlowp::exp_on_negative_values: an ib-integer-bit a <= 0 -> exp(a), ib 0."""
    frac = 31 - ib
    quarter = 1 << (frac - 2)
    mask = quarter - 1
    a_mod = _wrap((a & mask) - quarter)
    result = _exp_quarter(_rescale(a_mod, ib, 0))
    remainder = _wrap(a_mod - a)
    for exponent, mult in _BARREL:
        if ib > exponent:
            if remainder & (1 << (frac + exponent)):
                result = srdhm(result, mult)
    return INT_MAX if a == 0 else result


def _newton_reciprocal(a: int) -> int:
    """x ~= 1 / ((1 + a) / 2) in 2 integer bits, gemmlowp's Newton-Raphson."""
    s = a + INT_MAX + (1 if a + INT_MAX >= 0 else -1)     # RoundingHalfSum(a, One)
    half_den = s // 2 if s >= 0 else -((-s) // 2)
    x = _wrap(1515870810 + srdhm(half_den, -1010580540))
    for _ in range(3):
        hdx = srdhm(half_den, x)
        one_minus = _wrap((1 << 29) - hdx)
        x = _wrap(x + _rescale(srdhm(x, one_minus), 4, 2))
    return x


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
