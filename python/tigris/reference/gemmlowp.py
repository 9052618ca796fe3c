"""gemmlowp's int32 fixed-point arithmetic on Python ints, as TensorFlow
Lite's integer kernels compute it: SaturatingRoundingDoublingHighMul,
RoundingDivideByPOT, exp_on_negative_values, the Newton-Raphson reciprocal
of one_over_one_plus_x_for_x_in_0_1, and TFLite's int8 softmax built from
them (`softmax_params`, `softmax_exp_table`, `softmax_row_scale`).

Values are Python ints holding int32 raws; `ib` is a value's integer bits
(gemmlowp's FixedPoint<int32_t, ib>). Used by the TFLite importer's tables
(tigris.importers.tflite.tflm_tables) and the reference kernel softmax_tfl.
"""
from __future__ import annotations

import math

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


def one_over_one_plus_x(a: int) -> int:
    """gemmlowp::one_over_one_plus_x_for_x_in_0_1 (ib 0 -> ib 0)."""
    return _rescale(_newton_reciprocal(a), 1, 0)     # ExactMulByPot<-1>: F2 -> F1, raw kept


# ------------------------------------------------------------------ softmax
# TFLite's int8 softmax (reference_ops::Softmax<int8_t, int8_t>, output scale
# 1/256 and zero point -128): each difference d = x - max(row) in -255..0 is
# rescaled to Q5.26 by beta * s_in and exponentiated in Q0.31; the row's sum
# of exponentials, rounded to Q12.19, is inverted by Newton-Raphson, and each
# output is exp * reciprocal rounded down by `exponent` bits, minus 128.
SOFTMAX_DIFF_BITS, SOFTMAX_ACCUM_BITS = 5, 12
SOFTMAX_SUM_LIMIT = 1 << 28      # a larger sum makes TFLM's exponent exceed 31 (it aborts)


def softmax_params(s_in: float, beta: float) -> tuple[int, int, int] | None:
    """(multiplier, left shift, diff_min) of TFLite's PreprocessSoftmaxScaling
    and CalculateInputRadius; None when beta * s_in * 2^26 <= 1 (TFLite refuses)."""
    real = min(float(beta) * float(s_in) * float(1 << (31 - SOFTMAX_DIFF_BITS)), (1 << 31) - 1.0)
    if not real > 1.0:
        return None
    q, shift = math.frexp(real)
    mult = _round_away(q * (1 << 31))
    if mult == 1 << 31:
        mult //= 2
        shift += 1
    radius = (((1 << SOFTMAX_DIFF_BITS) - 1) * float(1 << (31 - SOFTMAX_DIFF_BITS))
              / float(1 << shift))
    return mult, shift, -int(math.floor(radius))


def softmax_exp_table(s_in: float, beta: float) -> list[int] | None:
    """The softmax_tfl kernel's table: entry 255 + d (d = x - max(row) in
    -255..0) is exp(beta * s_in * d) in Q0.31 as TFLite computes it, 0 where
    TFLite leaves the element out (d < diff_min). None as softmax_params."""
    p = softmax_params(s_in, beta)
    if p is None:
        return None
    mult, shift, diff_min = p
    table = []
    for d in range(-255, 1):
        if d < diff_min:
            table.append(0)
        else:
            table.append(exp_on_negative_values(srdhm(_wrap(d * (1 << shift)), mult),
                                                SOFTMAX_DIFF_BITS))
    return table


def softmax_row_scale(exps) -> tuple[int, int]:
    """(reciprocal in Q0.31, exponent) of one row's table entries: the sum of
    the entries rounded to Q12.19 and its reciprocal (TFLite's GetReciprocal).
    ValueError when the sum is 0 or reaches SOFTMAX_SUM_LIMIT."""
    total = sum(rdbpot(int(e), SOFTMAX_ACCUM_BITS) for e in exps)
    if not 0 < total < SOFTMAX_SUM_LIMIT:
        raise ValueError(f"softmax_tfl: a row's sum of exponentials {total} is outside "
                         f"[1, 2^28)")
    headroom = 32 - total.bit_length()             # count of leading zeros
    shifted_minus_one = _wrap((total << headroom) - (1 << 31))
    over = SOFTMAX_ACCUM_BITS - headroom
    return one_over_one_plus_x(shifted_minus_one), over + 31 - 8
