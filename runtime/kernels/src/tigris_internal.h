/*
 * Private helpers of the TiGrIS kernels: the fixed-point arithmetic of
 * docs/kernels.md and the size checks every kernel runs before it stores.
 *
 * Integer wrap-around: the doc's accumulators are int32 and wrap like a
 * hardware register (the numpy reference wraps with wrap_int32). Signed
 * overflow is undefined in C, so every sum or product that may wrap is done
 * in uint32_t (defined modulo 2^32) and converted back with tigris_to_i32,
 * which is exact and free after optimization. Right shifts of negative
 * values are arithmetic on every supported compiler (GCC/Clang define it),
 * as in TFLite and CMSIS-NN.
 */
#ifndef TIGRIS_INTERNAL_H
#define TIGRIS_INTERNAL_H

#include <stdint.h>

#include "tigris_kernels.h"

/* uint32 bit pattern -> int32 two's complement value, without relying on
 * the implementation-defined conversion of out-of-range values. */
static inline int32_t tigris_to_i32(uint32_t u)
{
    if (u <= (uint32_t)INT32_MAX) {
        return (int32_t)u;
    }
    return -(int32_t)(~u) - 1;
}

/* (a + b) and (a * b) modulo 2^32, as int32. */
static inline int32_t tigris_wrap_add(int32_t a, int32_t b)
{
    return tigris_to_i32((uint32_t)a + (uint32_t)b);
}

static inline int32_t tigris_wrap_mul(int32_t a, int32_t b)
{
    return tigris_to_i32((uint32_t)a * (uint32_t)b);
}

/* Saturating rounding doubling high multiply (gemmlowp). */
static inline int32_t tigris_fp_srdhm(int32_t a, int32_t b)
{
    int64_t ab;
    int64_t nudge;
    int64_t t;
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    nudge = (ab >= 0) ? ((int64_t)1 << 30) : ((int64_t)1 - ((int64_t)1 << 30));
    t = ab + nudge;
    /* The doc divides by 2^31 truncating toward zero. Shifting the magnitude
     * does the same without a 64-bit division call on 32-bit cores; the
     * quotient fits int32 since |ab| < 2^62 once INT32_MIN^2 is excluded. */
    return (int32_t)((t >= 0) ? (t >> 31) : -((-t) >> 31));
}

/* Rounding divide by 2^e, half away from zero. For e >= 32 an int32 always
 * rounds to 0, except INT32_MIN / 2^32 = -0.5 which rounds to -1: the same
 * values the doc's mask/threshold formula gives in 64-bit arithmetic. */
static inline int32_t tigris_fp_rdbpot(int32_t x, int32_t e)
{
    int32_t mask;
    int32_t rem;
    int32_t threshold;
    if (e <= 0) {
        return x;
    }
    if (e >= 32) {
        return (e == 32 && x == INT32_MIN) ? -1 : 0;
    }
    mask = tigris_to_i32((UINT32_C(1) << e) - 1u);
    rem = x & mask;
    threshold = (mask >> 1) + ((x < 0) ? 1 : 0);
    return (x >> e) + ((rem > threshold) ? 1 : 0);
}

/* TFLite MultiplyByQuantizedMultiplier with the left shift saturated in
 * int64 (ESP-NN shifts in int32 without saturation; identical unless the
 * shifted value overflows). A left shift of 32 already saturates every
 * non-zero int32, so larger ones are clipped to 32 and acc * 2^32 still
 * fits int64. */
static inline int32_t tigris_fp_requant(int32_t acc, int32_t mult, int32_t shift)
{
    int32_t left = (shift > 0) ? ((shift > 32) ? 32 : shift) : 0;
    int64_t right = (shift < 0) ? -(int64_t)shift : 0;
    int64_t x = (int64_t)acc * ((int64_t)1 << left);
    int32_t x32;
    if (x > INT32_MAX) {
        x32 = INT32_MAX;
    } else if (x < INT32_MIN) {
        x32 = INT32_MIN;
    } else {
        x32 = (int32_t)x;
    }
    /* Every exponent >= 33 rounds every int32 to 0, so 63 stands for them all. */
    return tigris_fp_rdbpot(tigris_fp_srdhm(x32, mult), (right > 63) ? 63 : (int32_t)right);
}

/* TFLite MultiplyByQuantizedMultiplier under TFLITE_SINGLE_ROUNDING (TOSA
 * apply_scale_32 with SINGLE_ROUND): one rounding, half up, of
 * acc * mult / 2^(31 - shift), saturated to int32. The caller has checked
 * shift in [-31, 30] (tigris_fp_rounding_check), so the exponent is 1..62;
 * |acc * mult| <= 2^62 for any int32 mult, and with the 2^61 rounding term
 * the sum stays inside int64. The right shift of a negative value is
 * arithmetic (floor), see the top of this file. */
static inline int32_t tigris_fp_requant_single(int32_t acc, int32_t mult, int32_t shift)
{
    const int32_t total = 31 - shift;
    const int64_t r = ((int64_t)acc * mult + ((int64_t)1 << (total - 1))) >> total;
    if (r > INT32_MAX) {
        return INT32_MAX;
    }
    if (r < INT32_MIN) {
        return INT32_MIN;
    }
    return (int32_t)r;
}

/* requant in the given TIGRIS_ROUND_* mode (already checked). Inlined with
 * a constant or loop-invariant `rounding`, the test costs nothing or one
 * predictable branch. */
static inline int32_t tigris_fp_requant_mode(int32_t acc, int32_t mult, int32_t shift,
                                             int32_t rounding)
{
    if (rounding == TIGRIS_ROUND_SINGLE) {
        return tigris_fp_requant_single(acc, mult, shift);
    }
    return tigris_fp_requant(acc, mult, shift);
}

/* The rounding check of every requantizing kernel (tigris_requant_check):
 * a known mode, and under single rounding each of the n shifts in
 * [-31, 30]. `shift` is non-NULL when n > 0. */
static inline int32_t tigris_fp_rounding_check(int32_t rounding, const int32_t *shift, int32_t n)
{
    int32_t i;
    if (rounding == TIGRIS_ROUND_DOUBLE) {
        return TIGRIS_OK;
    }
    if (rounding != TIGRIS_ROUND_SINGLE) {
        return TIGRIS_ERR_PARAM;
    }
    for (i = 0; i < n; i++) {
        if (shift[i] < TIGRIS_SINGLE_SHIFT_MIN || shift[i] > TIGRIS_SINGLE_SHIFT_MAX) {
            return TIGRIS_ERR_PARAM;
        }
    }
    return TIGRIS_OK;
}

/* clamp(clamp(v, act_min, act_max), -128, 127): the reference clamps to the
 * activation range and then to int8, so out-of-int8 activation bounds are
 * harmless. */
static inline int8_t tigris_fp_clamp8(int64_t v, int32_t act_min, int32_t act_max)
{
    if (v < act_min) {
        v = act_min;
    }
    if (v > act_max) {
        v = act_max;
    }
    if (v < -128) {
        v = -128;
    }
    if (v > 127) {
        v = 127;
    }
    return (int8_t)v;
}

/* requant (TIGRIS_ROUND_* `rounding`) + output offset + clamp: the tail of
 * conv, fc, add, mul, gap. */
static inline int8_t tigris_fp_finish(int32_t acc, int32_t mult, int32_t shift, int32_t rounding,
                                      int32_t output_offset, int32_t act_min, int32_t act_max)
{
    int64_t v = (int64_t)tigris_fp_requant_mode(acc, mult, shift, rounding) + output_offset;
    return tigris_fp_clamp8(v, act_min, act_max);
}

/* Product of n sizes, each >= 1, or -1 when one is < 1 or the product
 * exceeds INT32_MAX: every index computed later then fits int32. */
static inline int32_t tigris_count(const int32_t *sizes, int32_t n)
{
    int64_t p = 1;
    int32_t i;
    for (i = 0; i < n; i++) {
        if (sizes[i] < 1) {
            return -1;
        }
        p *= sizes[i];
        if (p > INT32_MAX) {
            return -1;
        }
    }
    return (int32_t)p;
}

/* Elements of a 4-D tensor, or -1 (see tigris_count). */
static inline int32_t tigris_count4(const tigris_dims4_t *d)
{
    int32_t s[4];
    s[0] = d->n;
    s[1] = d->h;
    s[2] = d->w;
    s[3] = d->c;
    return tigris_count(s, 4);
}

/* Number of outputs of a sliding window: the doc's floor formula, or 0 when
 * the (dilated) kernel does not fit the padded input. int64 so that no
 * attribute value can overflow it. */
static inline int64_t tigris_window_count(int32_t size, int32_t before, int32_t after,
                                          int32_t kernel, int32_t stride, int32_t dilation)
{
    int64_t span = (int64_t)size + before + after - (int64_t)dilation * (kernel - 1) - 1;
    if (span < 0) {
        return 0;
    }
    if (span <= INT32_MAX) {
        return (int32_t)span / stride + 1; /* 32-bit division: no libgcc call */
    }
    return span / stride + 1;
}

/* True when the last tap of the last window, (out - 1) * stride +
 * (kernel - 1) * dilation, fits int32: with pads >= 0 every input coordinate
 * a kernel computes then lies in [-pad, INT32_MAX]. All arguments >= 1. */
static inline int tigris_reach_ok(int32_t out, int32_t stride, int32_t kernel, int32_t dilation)
{
    int64_t reach = (int64_t)(out - 1) * stride + (int64_t)(kernel - 1) * dilation;
    return reach <= INT32_MAX;
}

#endif /* TIGRIS_INTERNAL_H */
