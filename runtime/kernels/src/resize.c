/*
 * Resize over H and W by compile-time index tables (docs/kernels.md), so
 * every ONNX coordinate mode is the same kernel:
 *
 * nearest: out[n, oy, ox, c] = in[n, y_index0[oy], x_index0[ox], c]
 * linear:  a, b, c, d = in[y0, x0], in[y0, x1], in[y1, x0], in[y1, x1]
 *          top = a*(2048-wx) + b*wx; bot = c*(2048-wx) + d*wx
 *          v = top*(2048-wy) + bot*wy   (int32, wraps)
 *          out = v >= 0 ? (v + 2^21) >> 22 : -((-v + 2^21) >> 22), clamped to int8
 * Input and output share their quantization.
 */
#include <stddef.h>

#include "tigris_internal.h"

/* 0 when every entry of table[0..n) lies in [0, limit). */
static int32_t index_table_ok(const int32_t *table, int32_t n, int32_t limit)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        if (table[i] < 0 || table[i] >= limit) {
            return -1;
        }
    }
    return 0;
}

/* The linear blend in wrapping 32-bit arithmetic: it equals the
 * reference's int64 computation wrapped once at the end, because
 * arithmetic modulo 2^32 commutes with + and *. Weights in 0..2048 never
 * wrap; the doc does not forbid other weights, so they wrap identically. */
static int8_t blend(int32_t a, int32_t b, int32_t c, int32_t d, int32_t wx, int32_t wy)
{
    const uint32_t wx0 = 2048u - (uint32_t)wx;
    const uint32_t wy0 = 2048u - (uint32_t)wy;
    const uint32_t top = (uint32_t)a * wx0 + (uint32_t)b * (uint32_t)wx;
    const uint32_t bot = (uint32_t)c * wx0 + (uint32_t)d * (uint32_t)wx;
    const int64_t v = tigris_to_i32(top * wy0 + bot * (uint32_t)wy);
    const int64_t half = (int64_t)1 << 21;
    const int64_t r = (v >= 0) ? ((v + half) >> 22) : -((-v + half) >> 22);
    return tigris_fp_clamp8(r, -128, 127);
}

int32_t tigris_resize_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                         const tigris_dims4_t *output_dims, int8_t *output,
                         int32_t mode,
                         const int32_t *y_index0, const int32_t *y_index1,
                         const int32_t *y_weight,
                         const int32_t *x_index0, const int32_t *x_index1,
                         const int32_t *x_weight)
{
    int32_t n, oy, ox, ch;
    int32_t in_row;   /* elements per input row (W * C) */
    int32_t in_image; /* elements per input image */
    const int32_t chans = (input_dims != NULL) ? input_dims->c : 0;

    if (input_dims == NULL || input == NULL || output_dims == NULL || output == NULL ||
        y_index0 == NULL || x_index0 == NULL) {
        return TIGRIS_ERR_NULL;
    }
    if (mode != TIGRIS_RESIZE_NEAREST && mode != TIGRIS_RESIZE_LINEAR) {
        return TIGRIS_ERR_PARAM;
    }
    if (mode == TIGRIS_RESIZE_LINEAR &&
        (y_index1 == NULL || y_weight == NULL || x_index1 == NULL || x_weight == NULL)) {
        return TIGRIS_ERR_NULL;
    }
    if (tigris_count4(input_dims) < 0 || tigris_count4(output_dims) < 0 ||
        input_dims->n != output_dims->n || input_dims->c != output_dims->c) {
        return TIGRIS_ERR_SHAPE;
    }
    if (index_table_ok(y_index0, output_dims->h, input_dims->h) != 0 ||
        index_table_ok(x_index0, output_dims->w, input_dims->w) != 0) {
        return TIGRIS_ERR_PARAM;
    }
    if (mode == TIGRIS_RESIZE_LINEAR &&
        (index_table_ok(y_index1, output_dims->h, input_dims->h) != 0 ||
         index_table_ok(x_index1, output_dims->w, input_dims->w) != 0)) {
        return TIGRIS_ERR_PARAM;
    }

    in_row = input_dims->w * chans;
    in_image = input_dims->h * in_row;
    for (n = 0; n < input_dims->n; n++) {
        const int8_t *img = input + n * in_image;
        for (oy = 0; oy < output_dims->h; oy++) {
            const int8_t *r0 = img + y_index0[oy] * in_row;
            for (ox = 0; ox < output_dims->w; ox++) {
                const int8_t *p00 = r0 + x_index0[ox] * chans;
                if (mode == TIGRIS_RESIZE_NEAREST) {
                    for (ch = 0; ch < chans; ch++) {
                        *output++ = p00[ch];
                    }
                } else {
                    const int8_t *r1 = img + y_index1[oy] * in_row;
                    const int8_t *p01 = r0 + x_index1[ox] * chans;
                    const int8_t *p10 = r1 + x_index0[ox] * chans;
                    const int8_t *p11 = r1 + x_index1[ox] * chans;
                    for (ch = 0; ch < chans; ch++) {
                        *output++ = blend(p00[ch], p01[ch], p10[ch], p11[ch], x_weight[ox],
                                          y_weight[oy]);
                    }
                }
            }
        }
    }
    return TIGRIS_OK;
}
