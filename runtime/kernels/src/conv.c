/*
 * Convolution: esp_nn_conv_s8 (ESP-NN interface, one image) and
 * tigris_conv2d_s8 (the full conv2d op of docs/kernels.md). Both run the
 * same per-image loop, so the two entry points cannot drift apart.
 *
 * acc = bias[oc] + sum (in + input_offset) * w over the in-bounds taps,
 * in int32 with wrap-around; out = clamp(requant(acc) + output_offset).
 */
#include <stddef.h>

#include "esp_nn_ref.h"
#include "tigris_internal.h"

/* The pointer given to esp_nn_set_conv_scratch_buf. The reference loop
 * needs no scratch; it is kept so that a plan which sets it can be run
 * unchanged on the host. */
static const void *s_conv_scratch;

/* Geometry and quantization of one image. The filter is [out_c][f_h][f_w]
 * [f_c]; groups = in_c / f_c, group g owns output channels
 * [g * out_c / groups, (g + 1) * out_c / groups) and input channels
 * [g * f_c, (g + 1) * f_c). */
typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t f_h, f_w, f_c;
    int32_t out_h, out_w, out_c;
    int32_t stride_h, stride_w;
    int32_t dil_h, dil_w;
    int32_t pad_top, pad_left;
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    const int32_t *mult;
    const int32_t *shift;
    int32_t per_channel; /* 1: mult/shift have out_c entries; 0: one entry */
    int32_t rounding;    /* TIGRIS_ROUND_* */
} conv_geom_t;

static void conv_image(const conv_geom_t *g, const int8_t *in, const int8_t *filter,
                       const int32_t *bias, int8_t *out)
{
    const int32_t groups = g->in_c / g->f_c;
    const int32_t oc_per_group = g->out_c / groups;
    const int32_t filter_oc_size = g->f_h * g->f_w * g->f_c;
    const uint32_t in_off = (uint32_t)g->input_offset;
    int32_t oy, ox, oc, ky, kx, ic;

    for (oy = 0; oy < g->out_h; oy++) {
        const int32_t base_y = oy * g->stride_h - g->pad_top;
        for (ox = 0; ox < g->out_w; ox++) {
            const int32_t base_x = ox * g->stride_w - g->pad_left;
            for (oc = 0; oc < g->out_c; oc++) {
                const int8_t *in_g = in + (oc / oc_per_group) * g->f_c;
                const int8_t *w_oc = filter + oc * filter_oc_size;
                const int32_t q = g->per_channel ? oc : 0;
                /* uint32: the doc's int32 accumulator wraps, C's must not. */
                uint32_t acc = (bias != NULL) ? (uint32_t)bias[oc] : 0u;
                for (ky = 0; ky < g->f_h; ky++) {
                    const int32_t iy = base_y + ky * g->dil_h;
                    /* Taps outside the input are padding: they add nothing. */
                    if (iy < 0 || iy >= g->in_h) {
                        continue;
                    }
                    for (kx = 0; kx < g->f_w; kx++) {
                        const int32_t ix = base_x + kx * g->dil_w;
                        const int8_t *ip;
                        const int8_t *wp;
                        if (ix < 0 || ix >= g->in_w) {
                            continue;
                        }
                        ip = in_g + (iy * g->in_w + ix) * g->in_c;
                        wp = w_oc + (ky * g->f_w + kx) * g->f_c;
                        for (ic = 0; ic < g->f_c; ic++) {
                            acc += ((uint32_t)(int32_t)ip[ic] + in_off) * (uint32_t)(int32_t)wp[ic];
                        }
                    }
                }
                *out++ = tigris_fp_finish(tigris_to_i32(acc), g->mult[q], g->shift[q],
                                          g->rounding, g->output_offset, g->act_min,
                                          g->act_max);
            }
        }
    }
}

/* ------------------------------------------------------ ESP-NN interface */

int esp_nn_get_conv_scratch_size(const data_dims_t *input_dims,
                                 const data_dims_t *filter_dims,
                                 const data_dims_t *output_dims,
                                 const conv_params_t *conv_params)
{
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    (void)conv_params;
    return 0;
}

void esp_nn_set_conv_scratch_buf(const void *buf)
{
    s_conv_scratch = buf;
    (void)s_conv_scratch;
}

void esp_nn_conv_s8(const data_dims_t *input_dims,
                    const int8_t *input_data,
                    const data_dims_t *filter_dims,
                    const int8_t *filter_data,
                    const int32_t *bias,
                    const data_dims_t *output_dims,
                    int8_t *out_data,
                    const conv_params_t *conv_params,
                    const quant_data_t *quant_data)
{
    conv_geom_t g;
    int32_t in_sizes[3];
    int32_t f_sizes[4];
    int32_t out_sizes[3];

    if (input_dims == NULL || input_data == NULL || filter_dims == NULL ||
        filter_data == NULL || output_dims == NULL || out_data == NULL ||
        conv_params == NULL || quant_data == NULL || quant_data->mult == NULL ||
        quant_data->shift == NULL) {
        return;
    }
    g.in_h = input_dims->height;
    g.in_w = input_dims->width;
    g.in_c = input_dims->channels;
    /* ESP-NN: filter channels 0 means "not grouped" (older callers). */
    g.f_c = (filter_dims->channels != 0) ? filter_dims->channels : g.in_c;
    g.f_h = filter_dims->height;
    g.f_w = filter_dims->width;
    g.out_h = output_dims->height;
    g.out_w = output_dims->width;
    g.out_c = output_dims->channels;
    in_sizes[0] = g.in_h;
    in_sizes[1] = g.in_w;
    in_sizes[2] = g.in_c;
    f_sizes[0] = g.out_c;
    f_sizes[1] = g.f_h;
    f_sizes[2] = g.f_w;
    f_sizes[3] = g.f_c;
    out_sizes[0] = g.out_h;
    out_sizes[1] = g.out_w;
    out_sizes[2] = g.out_c;
    if (tigris_count(in_sizes, 3) < 0 || tigris_count(f_sizes, 4) < 0 ||
        tigris_count(out_sizes, 3) < 0) {
        return;
    }
    if (g.in_c % g.f_c != 0 || g.out_c % (g.in_c / g.f_c) != 0) {
        return;
    }
    g.stride_h = conv_params->stride.height;
    g.stride_w = conv_params->stride.width;
    g.pad_top = conv_params->padding.height;
    g.pad_left = conv_params->padding.width;
    if (g.stride_h < 1 || g.stride_w < 1 || g.pad_top < 0 || g.pad_left < 0) {
        return;
    }
    /* ESP-NN ignores dilation; so does its reference here. */
    g.dil_h = 1;
    g.dil_w = 1;
    if (!tigris_reach_ok(g.out_h, g.stride_h, g.f_h, 1) ||
        !tigris_reach_ok(g.out_w, g.stride_w, g.f_w, 1)) {
        return;
    }
    g.input_offset = conv_params->in_offset;
    g.output_offset = conv_params->out_offset;
    g.act_min = conv_params->activation.min;
    g.act_max = conv_params->activation.max;
    g.mult = quant_data->mult;
    g.shift = quant_data->shift;
    g.per_channel = 1;
    g.rounding = TIGRIS_ROUND_DOUBLE; /* ESP-NN rounds twice */
    conv_image(&g, input_data, filter_data, bias, out_data);
}

/* ------------------------------------------------------- full conv2d op */

int32_t tigris_conv2d_check(const tigris_dims4_t *input_dims,
                            const tigris_dims4_t *filter_dims,
                            const tigris_dims4_t *output_dims,
                            const tigris_conv_params_t *params)
{
    const tigris_conv_params_t *p = params;
    if (input_dims == NULL || filter_dims == NULL || output_dims == NULL || p == NULL ||
        p->multiplier == NULL || p->shift == NULL) {
        return TIGRIS_ERR_NULL;
    }
    if (tigris_count4(input_dims) < 0 || tigris_count4(filter_dims) < 0 ||
        tigris_count4(output_dims) < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    if (p->stride[0] < 1 || p->stride[1] < 1 || p->dilation[0] < 1 || p->dilation[1] < 1 ||
        p->pad[0] < 0 || p->pad[1] < 0 || p->pad[2] < 0 || p->pad[3] < 0 || p->groups < 1) {
        return TIGRIS_ERR_PARAM;
    }
    if (p->quant_count != 1 && p->quant_count != output_dims->c) {
        return TIGRIS_ERR_PARAM;
    }
    if (tigris_fp_rounding_check(p->rounding, p->shift, p->quant_count) != TIGRIS_OK) {
        return TIGRIS_ERR_PARAM;
    }
    /* weights [Cout, KH, KW, Cin/groups]; Cout split evenly over groups. */
    if (output_dims->n != input_dims->n || filter_dims->n != output_dims->c ||
        (int64_t)filter_dims->c * p->groups != input_dims->c ||
        output_dims->c % p->groups != 0) {
        return TIGRIS_ERR_SHAPE;
    }
    if (output_dims->h > tigris_window_count(input_dims->h, p->pad[0], p->pad[1],
                                             filter_dims->h, p->stride[0], p->dilation[0]) ||
        output_dims->w > tigris_window_count(input_dims->w, p->pad[2], p->pad[3],
                                             filter_dims->w, p->stride[1], p->dilation[1]) ||
        !tigris_reach_ok(output_dims->h, p->stride[0], filter_dims->h, p->dilation[0]) ||
        !tigris_reach_ok(output_dims->w, p->stride[1], filter_dims->w, p->dilation[1])) {
        return TIGRIS_ERR_SHAPE;
    }
    return TIGRIS_OK;
}

int32_t tigris_conv2d_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                         const tigris_dims4_t *filter_dims, const int8_t *filter,
                         const int32_t *bias,
                         const tigris_dims4_t *output_dims, int8_t *output,
                         const tigris_conv_params_t *params)
{
    conv_geom_t g;
    int32_t n;
    int32_t in_image;
    int32_t out_image;
    const tigris_conv_params_t *p = params;
    const int32_t status = tigris_conv2d_check(input_dims, filter_dims, output_dims, params);

    if (status != TIGRIS_OK) {
        return status;
    }
    if (input == NULL || filter == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }

    g.in_h = input_dims->h;
    g.in_w = input_dims->w;
    g.in_c = input_dims->c;
    g.f_h = filter_dims->h;
    g.f_w = filter_dims->w;
    g.f_c = filter_dims->c;
    g.out_h = output_dims->h;
    g.out_w = output_dims->w;
    g.out_c = output_dims->c;
    g.stride_h = p->stride[0];
    g.stride_w = p->stride[1];
    g.dil_h = p->dilation[0];
    g.dil_w = p->dilation[1];
    g.pad_top = p->pad[0];
    g.pad_left = p->pad[2];
    g.input_offset = p->input_offset;
    g.output_offset = p->output_offset;
    g.act_min = p->act_min;
    g.act_max = p->act_max;
    g.mult = p->multiplier;
    g.shift = p->shift;
    g.per_channel = (p->quant_count != 1) ? 1 : 0;
    g.rounding = p->rounding;

    in_image = input_dims->h * input_dims->w * input_dims->c;
    out_image = output_dims->h * output_dims->w * output_dims->c;
    for (n = 0; n < input_dims->n; n++) {
        conv_image(&g, input + n * in_image, filter, bias, output + n * out_image);
    }
    return TIGRIS_OK;
}
