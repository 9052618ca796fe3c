/*
 * Softmax over the last axis, the LUT + Q16 definition of docs/kernels.md
 * (deliberately not ESP-NN's TFLite-style esp_nn_softmax_s8):
 *
 *   m = max(row); e_i = exp_table[255 + x_i - m]   (Q20, uint32 bits)
 *   sum = sum_i e_i                                (64-bit)
 *   q_i = (e_i * output_scale_q16 + sum * 2^15) / (sum * 2^16)   (floor)
 *   out_i = clamp(q_i + output_offset, -128, 127)
 *
 * Two passes over each row (max, then sum) and a third to write, so the
 * output may alias the input.
 */
#include <stddef.h>

#include "tigris_internal.h"

/* sum < 2^47 keeps e * scale + sum * 2^15 (< 2^63 + 2^62) and sum * 2^16
 * inside uint64: e < 2^32 and scale < 2^31. A valid Q20 table (entries
 * <= 2^20) reaches the bound only for rows of 2^27 values. */
#define SOFTMAX_SUM_LIMIT ((uint64_t)1 << 47)

int32_t tigris_softmax_s8(const int8_t *input, int32_t rows, int32_t depth,
                          const int32_t exp_table[256], int32_t output_scale_q16,
                          int32_t output_offset, int8_t *output)
{
    int32_t sizes[2];
    int32_t r, i;
    const uint64_t scale = (uint64_t)(uint32_t)output_scale_q16;

    if (input == NULL || exp_table == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    sizes[0] = rows;
    sizes[1] = depth;
    if (tigris_count(sizes, 2) < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    if (output_scale_q16 < 0) {
        return TIGRIS_ERR_PARAM;
    }
    /* Check every row before writing any, so an error leaves output intact. */
    for (r = 0; r < rows; r++) {
        const int8_t *x = input + r * depth;
        int32_t m = -128;
        uint64_t sum = 0u;
        for (i = 0; i < depth; i++) {
            m = (x[i] > m) ? x[i] : m;
        }
        for (i = 0; i < depth; i++) {
            sum += (uint32_t)exp_table[255 + x[i] - m];
        }
        if (sum == 0u || sum >= SOFTMAX_SUM_LIMIT) {
            return TIGRIS_ERR_PARAM;
        }
    }
    for (r = 0; r < rows; r++) {
        const int8_t *x = input + r * depth;
        int8_t *y = output + r * depth;
        int32_t m = -128;
        uint64_t sum = 0u;
        uint64_t denom;
        for (i = 0; i < depth; i++) {
            m = (x[i] > m) ? x[i] : m;
        }
        for (i = 0; i < depth; i++) {
            sum += (uint32_t)exp_table[255 + x[i] - m];
        }
        denom = sum << 16;
        for (i = 0; i < depth; i++) {
            const uint64_t e = (uint32_t)exp_table[255 + x[i] - m];
            /* e <= sum, so q <= scale / 2^16 + 1 < 2^15 + 1: exact in int64 */
            const uint64_t q = (e * scale + (sum << 15)) / denom;
            y[i] = tigris_fp_clamp8((int64_t)q + output_offset, -128, 127);
        }
    }
    return TIGRIS_OK;
}

/*
 * TFLite's int8 softmax (softmax_tfl in docs/kernels.md): gemmlowp fixed
 * point, output scale 1/256 and zero point -128.
 *
 *   e_i = exp_table[255 + x_i - max(row)]     (Q0.31, >= 0)
 *   sum = sum_i rdbpot(e_i, 12)               (Q12.19; must be in [1, 2^28))
 *   h = clz(sum); r = one_over_one_plus_x((sum << h) - 2^31)
 *   out_i = clamp(rdbpot(srdhm(r, e_i), 12 - h + 23) - 128, -128, 127)
 */

/* gemmlowp's SaturatingRoundingMultiplyByPOT<e> for 0 < e < 31. */
static int32_t sat_shl(int32_t x, int32_t e)
{
    const int32_t threshold = (int32_t)((UINT32_C(1) << (31 - e)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return tigris_to_i32((uint32_t)x << e);
}

/* gemmlowp's one_over_one_plus_x_for_x_in_0_1: three Newton-Raphson steps
 * on half the denominator, in Q2.29, then back to Q0.31. */
static int32_t one_over_one_plus_x(int32_t a)
{
    int64_t s = (int64_t)a + INT32_MAX;
    int32_t half_den;
    int32_t x;
    int i;
    s += (s >= 0) ? 1 : -1;
    half_den = (int32_t)(s / 2);
    x = tigris_wrap_add(1515870810, tigris_fp_srdhm(half_den, -1010580540));
    for (i = 0; i < 3; i++) {
        const int32_t hdx = tigris_fp_srdhm(half_den, x);
        const int32_t one_minus = tigris_wrap_add((int32_t)1 << 29, -hdx);
        x = tigris_wrap_add(x, sat_shl(tigris_fp_srdhm(x, one_minus), 2));
    }
    return sat_shl(x, 1);
}

/* The row's Q12.19 sum, or -1 when it is outside [1, 2^28) (TFLite's
 * exponent would leave 0..31 there; TFLM aborts). */
static int64_t tfl_row_sum(const int8_t *x, int32_t depth, const int32_t exp_table[256],
                           int32_t *max_out)
{
    int32_t m = -128;
    int64_t sum = 0;
    int32_t i;
    for (i = 0; i < depth; i++) {
        m = (x[i] > m) ? x[i] : m;
    }
    for (i = 0; i < depth; i++) {
        sum += tigris_fp_rdbpot(exp_table[255 + x[i] - m], 12);
    }
    *max_out = m;
    return (sum >= 1 && sum < ((int64_t)1 << 28)) ? sum : -1;
}

int32_t tigris_softmax_tfl_s8(const int8_t *input, int32_t rows, int32_t depth,
                              const int32_t exp_table[256], int8_t *output)
{
    int32_t sizes[2];
    int32_t r, i, m;
    if (input == NULL || exp_table == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    sizes[0] = rows;
    sizes[1] = depth;
    if (tigris_count(sizes, 2) < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    for (i = 0; i < 256; i++) {
        if (exp_table[i] < 0) {
            return TIGRIS_ERR_PARAM;
        }
    }
    /* Check every row before writing any, so an error leaves output intact. */
    for (r = 0; r < rows; r++) {
        if (tfl_row_sum(input + r * depth, depth, exp_table, &m) < 0) {
            return TIGRIS_ERR_PARAM;
        }
    }
    for (r = 0; r < rows; r++) {
        const int8_t *x = input + r * depth;
        int8_t *y = output + r * depth;
        const uint32_t sum = (uint32_t)tfl_row_sum(x, depth, exp_table, &m);
        int32_t headroom = 0;
        int32_t recip;
        int32_t exponent;
        while ((sum << headroom) < UINT32_C(0x80000000)) {
            headroom++;
        }
        recip = one_over_one_plus_x(tigris_to_i32((sum << headroom) - UINT32_C(0x80000000)));
        exponent = 12 - headroom + 31 - 8;      /* 0..31 for a sum in [1, 2^28) */
        for (i = 0; i < depth; i++) {
            const int32_t e = exp_table[255 + x[i] - m];
            const int32_t q = tigris_fp_rdbpot(tigris_fp_srdhm(recip, e), exponent) - 128;
            y[i] = tigris_fp_clamp8(q, -128, 127);
        }
    }
    return TIGRIS_OK;
}
