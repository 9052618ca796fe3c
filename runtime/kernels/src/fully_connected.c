/*
 * Fully connected: esp_nn_fully_connected_s8 / _per_ch_s8 (ESP-NN
 * interface, one input row) and tigris_fully_connected_s8 (the full op:
 * any number of rows, one or per-channel multipliers).
 *
 * acc = bias[oc] + sum_k (in[k] + input_offset) * (w[oc][k] + filter_offset)
 * in int32 with wrap-around. TiGrIS weights are symmetric: filter_offset is
 * always 0 in a plan, the ESP-NN argument is honoured anyway.
 */
#include <stddef.h>

#include "esp_nn_ref.h"
#include "tigris_internal.h"

typedef struct {
    int32_t depth;          /* K */
    int32_t out_c;
    int32_t input_offset;
    int32_t filter_offset;
    int32_t output_offset;
    const int32_t *mult;
    const int32_t *shift;
    int32_t per_channel;
    int32_t act_min, act_max;
    int32_t rounding;       /* TIGRIS_ROUND_* */
} fc_geom_t;

static void fc_row(const fc_geom_t *g, const int8_t *in, const int8_t *weights,
                   const int32_t *bias, int8_t *out)
{
    const uint32_t in_off = (uint32_t)g->input_offset;
    const uint32_t w_off = (uint32_t)g->filter_offset;
    int32_t oc, k;
    for (oc = 0; oc < g->out_c; oc++) {
        const int8_t *w = weights + oc * g->depth;
        const int32_t q = g->per_channel ? oc : 0;
        uint32_t acc = (bias != NULL) ? (uint32_t)bias[oc] : 0u;
        for (k = 0; k < g->depth; k++) {
            acc += ((uint32_t)(int32_t)in[k] + in_off) * ((uint32_t)(int32_t)w[k] + w_off);
        }
        out[oc] = tigris_fp_finish(tigris_to_i32(acc), g->mult[q], g->shift[q], g->rounding,
                                   g->output_offset, g->act_min, g->act_max);
    }
}

/* Common checks of the two ESP-NN entry points; 0 when the call is valid. */
static int esp_fc_setup(fc_geom_t *g, const int8_t *input_data, int32_t input_offset,
                        uint16_t row_len, const int8_t *filter_data, int32_t filter_offset,
                        int8_t *out_data, uint16_t out_channels, int32_t out_offset,
                        int32_t activation_min, int32_t activation_max)
{
    int32_t sizes[2];
    if (input_data == NULL || filter_data == NULL || out_data == NULL) {
        return -1;
    }
    sizes[0] = row_len;
    sizes[1] = out_channels;
    if (tigris_count(sizes, 2) < 0) {
        return -1; /* zero-sized row or output */
    }
    g->depth = row_len;
    g->out_c = out_channels;
    g->input_offset = input_offset;
    g->filter_offset = filter_offset;
    g->output_offset = out_offset;
    g->act_min = activation_min;
    g->act_max = activation_max;
    g->rounding = TIGRIS_ROUND_DOUBLE; /* ESP-NN rounds twice */
    return 0;
}

void esp_nn_fully_connected_s8(const int8_t *input_data,
                               const int32_t input_offset,
                               const uint16_t row_len,
                               const int8_t *filter_data,
                               const int32_t filter_offset,
                               const int32_t *bias,
                               int8_t *out_data,
                               const uint16_t out_channels,
                               const int32_t out_offset,
                               const int32_t out_shift,
                               const int32_t out_mult,
                               const int32_t activation_min,
                               const int32_t activation_max)
{
    fc_geom_t g;
    if (esp_fc_setup(&g, input_data, input_offset, row_len, filter_data, filter_offset,
                     out_data, out_channels, out_offset, activation_min, activation_max) != 0) {
        return;
    }
    g.mult = &out_mult;
    g.shift = &out_shift;
    g.per_channel = 0;
    fc_row(&g, input_data, filter_data, bias, out_data);
}

void esp_nn_fully_connected_per_ch_s8(const int8_t *input_data,
                                      const int32_t input_offset,
                                      const uint16_t row_len,
                                      const int8_t *filter_data,
                                      const int32_t filter_offset,
                                      const int32_t *bias,
                                      int8_t *out_data,
                                      const uint16_t out_channels,
                                      const int32_t out_offset,
                                      const int32_t *out_shift,
                                      const int32_t *out_mult,
                                      const int32_t activation_min,
                                      const int32_t activation_max)
{
    fc_geom_t g;
    if (out_shift == NULL || out_mult == NULL ||
        esp_fc_setup(&g, input_data, input_offset, row_len, filter_data, filter_offset,
                     out_data, out_channels, out_offset, activation_min, activation_max) != 0) {
        return;
    }
    g.mult = out_mult;
    g.shift = out_shift;
    g.per_channel = 1;
    fc_row(&g, input_data, filter_data, bias, out_data);
}

int32_t tigris_fully_connected_s8(const int8_t *input, int32_t rows, int32_t depth,
                                  const int8_t *weights, const int32_t *bias,
                                  int32_t out_channels, int8_t *output,
                                  const tigris_fc_params_t *params)
{
    fc_geom_t g;
    int32_t sizes[2];
    int32_t r;

    if (input == NULL || weights == NULL || output == NULL || params == NULL ||
        params->multiplier == NULL || params->shift == NULL) {
        return TIGRIS_ERR_NULL;
    }
    sizes[0] = rows;
    sizes[1] = depth;
    if (tigris_count(sizes, 2) < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    sizes[1] = out_channels;
    if (tigris_count(sizes, 2) < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    sizes[0] = depth;
    if (tigris_count(sizes, 2) < 0) {
        return TIGRIS_ERR_SHAPE; /* weights [Cout, K] */
    }
    if (params->quant_count != 1 && params->quant_count != out_channels) {
        return TIGRIS_ERR_PARAM;
    }
    if (tigris_fp_rounding_check(params->rounding, params->shift, params->quant_count) !=
        TIGRIS_OK) {
        return TIGRIS_ERR_PARAM;
    }
    g.depth = depth;
    g.out_c = out_channels;
    g.input_offset = params->input_offset;
    g.filter_offset = 0;
    g.output_offset = params->output_offset;
    g.mult = params->multiplier;
    g.shift = params->shift;
    g.per_channel = (params->quant_count != 1) ? 1 : 0;
    g.act_min = params->act_min;
    g.act_max = params->act_max;
    g.rounding = params->rounding;
    for (r = 0; r < rows; r++) {
        fc_row(&g, input + r * depth, weights, bias, output + r * out_channels);
    }
    return TIGRIS_OK;
}
