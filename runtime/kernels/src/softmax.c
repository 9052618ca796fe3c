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
