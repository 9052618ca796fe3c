/*
 * Pooling: average and max pooling (ESP-NN entry points and the full
 * tigris_ ops with batch, dilation and count_include_pad) and the global
 * average pool / ESP-NN spatial mean.
 *
 * avg: sum of the in-bounds taps; count = in-bounds taps, or kh*kw with
 *      count_include_pad; avg = sum >= 0 ? (sum + count/2) / count
 *      : (sum - count/2) / count (C division); a window without in-bounds
 *      tap averages to 0.
 * max: max of the in-bounds taps, -128 for a window without one.
 * Both are then clamped to [act_min, act_max] and to int8.
 */
#include <stddef.h>

#include "esp_nn_ref.h"
#include "tigris_internal.h"

typedef struct {
    int32_t in_h, in_w, ch;
    int32_t out_h, out_w;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t dil_h, dil_w;
    int32_t pad_top, pad_left;
    int32_t count_include_pad;
    int32_t act_min, act_max;
} pool_geom_t;

static void avg_image(const pool_geom_t *g, const int8_t *in, int8_t *out)
{
    int32_t oy, ox, c, ky, kx;
    for (oy = 0; oy < g->out_h; oy++) {
        const int32_t base_y = oy * g->stride_h - g->pad_top;
        for (ox = 0; ox < g->out_w; ox++) {
            const int32_t base_x = ox * g->stride_w - g->pad_left;
            for (c = 0; c < g->ch; c++) {
                uint32_t sum = 0u; /* int32 in the doc: wraps, never in practice */
                int32_t inside = 0;
                int32_t count;
                int64_t s;
                int64_t avg = 0;
                for (ky = 0; ky < g->k_h; ky++) {
                    const int32_t iy = base_y + ky * g->dil_h;
                    if (iy < 0 || iy >= g->in_h) {
                        continue;
                    }
                    for (kx = 0; kx < g->k_w; kx++) {
                        const int32_t ix = base_x + kx * g->dil_w;
                        if (ix < 0 || ix >= g->in_w) {
                            continue;
                        }
                        const int32_t v = in[(iy * g->in_w + ix) * g->ch + c];
                        sum += (uint32_t)v;
                        inside++;
                    }
                }
                count = g->count_include_pad ? g->k_h * g->k_w : inside;
                s = tigris_to_i32(sum);
                if (count > 0 && s >= -(1 << 30) && s <= (1 << 30) && count <= (1 << 30)) {
                    /* s +- count/2 fits int32: 32-bit division, no libgcc call */
                    const int32_t s32 = (int32_t)s;
                    avg = (s32 >= 0) ? (s32 + count / 2) / count : (s32 - count / 2) / count;
                } else if (count > 0) {
                    avg = (s >= 0) ? (s + count / 2) / count : (s - count / 2) / count;
                }
                *out++ = tigris_fp_clamp8(avg, g->act_min, g->act_max);
            }
        }
    }
}

static void max_image(const pool_geom_t *g, const int8_t *in, int8_t *out)
{
    int32_t oy, ox, c, ky, kx;
    for (oy = 0; oy < g->out_h; oy++) {
        const int32_t base_y = oy * g->stride_h - g->pad_top;
        for (ox = 0; ox < g->out_w; ox++) {
            const int32_t base_x = ox * g->stride_w - g->pad_left;
            for (c = 0; c < g->ch; c++) {
                int32_t m = -128; /* below nothing: every int8 is >= -128 */
                for (ky = 0; ky < g->k_h; ky++) {
                    const int32_t iy = base_y + ky * g->dil_h;
                    if (iy < 0 || iy >= g->in_h) {
                        continue;
                    }
                    for (kx = 0; kx < g->k_w; kx++) {
                        const int32_t ix = base_x + kx * g->dil_w;
                        int32_t v;
                        if (ix < 0 || ix >= g->in_w) {
                            continue;
                        }
                        v = in[(iy * g->in_w + ix) * g->ch + c];
                        m = (v > m) ? v : m;
                    }
                }
                *out++ = tigris_fp_clamp8(m, g->act_min, g->act_max);
            }
        }
    }
}

/* Checks shared by the ESP-NN and tigris entry points; 0 when valid. */
static int pool_geom_ok(const pool_geom_t *g)
{
    int32_t sizes[3];
    sizes[0] = g->in_h;
    sizes[1] = g->in_w;
    sizes[2] = g->ch;
    if (tigris_count(sizes, 3) < 0) {
        return 0;
    }
    sizes[0] = g->out_h;
    sizes[1] = g->out_w;
    if (tigris_count(sizes, 3) < 0) {
        return 0;
    }
    sizes[0] = g->k_h;
    sizes[1] = g->k_w;
    sizes[2] = 1;
    if (tigris_count(sizes, 2) < 0) {
        return 0; /* kh * kw is the count_include_pad divisor: must fit int32 */
    }
    if (g->stride_h < 1 || g->stride_w < 1 || g->dil_h < 1 || g->dil_w < 1 ||
        g->pad_top < 0 || g->pad_left < 0) {
        return 0;
    }
    return tigris_reach_ok(g->out_h, g->stride_h, g->k_h, g->dil_h) &&
           tigris_reach_ok(g->out_w, g->stride_w, g->k_w, g->dil_w);
}

/* ------------------------------------------------------ ESP-NN interface */

static void esp_pool_geom(pool_geom_t *g, uint16_t input_wd, uint16_t input_ht,
                          uint16_t output_wd, uint16_t output_ht, uint16_t stride_wd,
                          uint16_t stride_ht, uint16_t filter_wd, uint16_t filter_ht,
                          uint16_t pad_wd, uint16_t pad_ht, int32_t activation_min,
                          int32_t activation_max, uint16_t channels)
{
    g->in_h = input_ht;
    g->in_w = input_wd;
    g->ch = channels;
    g->out_h = output_ht;
    g->out_w = output_wd;
    g->k_h = filter_ht;
    g->k_w = filter_wd;
    g->stride_h = stride_ht;
    g->stride_w = stride_wd;
    g->dil_h = 1;
    g->dil_w = 1;
    g->pad_top = pad_ht;
    g->pad_left = pad_wd;
    g->count_include_pad = 0; /* ESP-NN divides by the in-bounds count */
    g->act_min = activation_min;
    g->act_max = activation_max;
}

void esp_nn_avg_pool_s8(const int8_t *input, const uint16_t input_wd, const uint16_t input_ht,
                        int8_t *output, const uint16_t output_wd, const uint16_t output_ht,
                        const uint16_t stride_wd, const uint16_t stride_ht,
                        const uint16_t filter_wd, const uint16_t filter_ht,
                        const uint16_t pad_wd, const uint16_t pad_ht,
                        const int32_t activation_min, const int32_t activation_max,
                        const uint16_t channels)
{
    pool_geom_t g;
    if (input == NULL || output == NULL) {
        return;
    }
    esp_pool_geom(&g, input_wd, input_ht, output_wd, output_ht, stride_wd, stride_ht,
                  filter_wd, filter_ht, pad_wd, pad_ht, activation_min, activation_max,
                  channels);
    if (pool_geom_ok(&g)) {
        avg_image(&g, input, output);
    }
}

void esp_nn_max_pool_s8(const int8_t *input, const uint16_t input_wd, const uint16_t input_ht,
                        int8_t *output, const uint16_t output_wd, const uint16_t output_ht,
                        const uint16_t stride_wd, const uint16_t stride_ht,
                        const uint16_t filter_wd, const uint16_t filter_ht,
                        const uint16_t pad_wd, const uint16_t pad_ht,
                        const int32_t activation_min, const int32_t activation_max,
                        const uint16_t channels)
{
    pool_geom_t g;
    if (input == NULL || output == NULL) {
        return;
    }
    esp_pool_geom(&g, input_wd, input_ht, output_wd, output_ht, stride_wd, stride_ht,
                  filter_wd, filter_ht, pad_wd, pad_ht, activation_min, activation_max,
                  channels);
    if (pool_geom_ok(&g)) {
        max_image(&g, input, output);
    }
}

/* -------------------------------------------------------- full pool ops */

/* TIGRIS_OK when valid; fills g for one image of the batch. */
static int32_t tigris_pool_setup(pool_geom_t *g, const tigris_dims4_t *input_dims,
                                 const tigris_dims4_t *output_dims,
                                 const tigris_pool_params_t *p, int32_t use_dilation)
{
    if (input_dims == NULL || output_dims == NULL || p == NULL) {
        return TIGRIS_ERR_NULL;
    }
    if (tigris_count4(input_dims) < 0 || tigris_count4(output_dims) < 0 ||
        input_dims->n != output_dims->n || input_dims->c != output_dims->c) {
        return TIGRIS_ERR_SHAPE;
    }
    if (p->pad[1] < 0 || p->pad[3] < 0 ||
        (p->count_include_pad != 0 && p->count_include_pad != 1)) {
        return TIGRIS_ERR_PARAM;
    }
    g->in_h = input_dims->h;
    g->in_w = input_dims->w;
    g->ch = input_dims->c;
    g->out_h = output_dims->h;
    g->out_w = output_dims->w;
    g->k_h = p->kernel[0];
    g->k_w = p->kernel[1];
    g->stride_h = p->stride[0];
    g->stride_w = p->stride[1];
    g->dil_h = use_dilation ? p->dilation[0] : 1;
    g->dil_w = use_dilation ? p->dilation[1] : 1;
    g->pad_top = p->pad[0];
    g->pad_left = p->pad[2];
    g->count_include_pad = use_dilation ? 0 : p->count_include_pad;
    g->act_min = p->act_min;
    g->act_max = p->act_max;
    return pool_geom_ok(g) ? TIGRIS_OK : TIGRIS_ERR_PARAM;
}

int32_t tigris_pool_check(const tigris_dims4_t *input_dims, const tigris_dims4_t *output_dims,
                          const tigris_pool_params_t *params, int32_t is_max)
{
    pool_geom_t g;
    return tigris_pool_setup(&g, input_dims, output_dims, params, is_max ? 1 : 0);
}

int32_t tigris_avg_pool_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                           const tigris_dims4_t *output_dims, int8_t *output,
                           const tigris_pool_params_t *params)
{
    pool_geom_t g;
    int32_t n;
    const int32_t status = tigris_pool_setup(&g, input_dims, output_dims, params, 0);
    if (status != TIGRIS_OK) {
        return status;
    }
    if (input == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    for (n = 0; n < input_dims->n; n++) {
        avg_image(&g, input + n * (g.in_h * g.in_w * g.ch),
                  output + n * (g.out_h * g.out_w * g.ch));
    }
    return TIGRIS_OK;
}

int32_t tigris_max_pool_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                           const tigris_dims4_t *output_dims, int8_t *output,
                           const tigris_pool_params_t *params)
{
    pool_geom_t g;
    int32_t n;
    const int32_t status = tigris_pool_setup(&g, input_dims, output_dims, params, 1);
    if (status != TIGRIS_OK) {
        return status;
    }
    if (input == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    for (n = 0; n < input_dims->n; n++) {
        max_image(&g, input + n * (g.in_h * g.in_w * g.ch),
                  output + n * (g.out_h * g.out_w * g.ch));
    }
    return TIGRIS_OK;
}

/* ------------------------------------------------------ global average */

/* One image: out[c] = clamp(requant(sum_hw (in + input_offset)) + output_offset),
 * requant in the TIGRIS_ROUND_* mode `rounding`. */
static void gap_image(const int8_t *in, int32_t hw, int32_t ch, int32_t input_offset,
                      int32_t output_offset, int32_t multiplier, int32_t shift,
                      int32_t rounding, int8_t *out)
{
    const uint32_t in_off = (uint32_t)input_offset;
    int32_t c, i;
    for (c = 0; c < ch; c++) {
        uint32_t acc = 0u;
        for (i = 0; i < hw; i++) {
            acc += (uint32_t)(int32_t)in[i * ch + c] + in_off;
        }
        out[c] = tigris_fp_finish(tigris_to_i32(acc), multiplier, shift, rounding,
                                  output_offset, -128, 127);
    }
}

void esp_nn_mean_nhwc_s8(const int8_t *input, int8_t *output, const int32_t height,
                         const int32_t width, const int32_t channels,
                         const int32_t input_zero_point, const int32_t output_zero_point,
                         const int32_t multiplier, const int32_t shift)
{
    int32_t sizes[3];
    sizes[0] = height;
    sizes[1] = width;
    sizes[2] = channels;
    if (input == NULL || output == NULL || tigris_count(sizes, 3) < 0) {
        return;
    }
    /* sum(in) - HW * zp == sum(in + (-zp)) modulo 2^32 */
    gap_image(input, height * width, channels, tigris_to_i32(0u - (uint32_t)input_zero_point),
              output_zero_point, multiplier, shift, TIGRIS_ROUND_DOUBLE, output);
}

int32_t tigris_global_avg_pool_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                                  int8_t *output, const tigris_gap_params_t *params)
{
    int32_t n;
    int32_t hw;
    if (input_dims == NULL || input == NULL || output == NULL || params == NULL) {
        return TIGRIS_ERR_NULL;
    }
    if (tigris_count4(input_dims) < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    if (tigris_fp_rounding_check(params->rounding, &params->shift, 1) != TIGRIS_OK) {
        return TIGRIS_ERR_PARAM;
    }
    hw = input_dims->h * input_dims->w;
    for (n = 0; n < input_dims->n; n++) {
        gap_image(input + n * hw * input_dims->c, hw, input_dims->c, params->input_offset,
                  params->output_offset, params->multiplier, params->shift, params->rounding,
                  output + n * input_dims->c);
    }
    return TIGRIS_OK;
}
