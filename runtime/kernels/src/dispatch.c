/*
 * tigris_run_*: one call per kernel op. Each asks tigris_kernel_args.c
 * whether ESP-NN can run the op instance; if so it makes the ESP-NN calls
 * (one per image or row), otherwise it calls the tigris_ kernel. Both give
 * the same bytes; ESP-NN is only faster on the device. ESP-NN rounds twice:
 * a call with single rounding (params->rounding == TIGRIS_ROUND_SINGLE) is
 * never mapped (tigris_kernel_args.c) and always runs the tigris_ kernel.
 */
#include <stddef.h>

#include "tigris_kernel_args.h"

#if TIGRIS_ESP_NN_FLAVOUR == TIGRIS_ESP_NN_S3 || TIGRIS_ESP_NN_FLAVOUR == TIGRIS_ESP_NN_ALL
/* [s3] the S3 kernels' vector loads and stores ignore the low address
 * bits (ee.vld.128, ee.vld.l.64): buffers must be 16-byte aligned, and each
 * row fully_connected reads 8-byte aligned. */
static int s3_aligned(const void *p, uintptr_t mask)
{
    return ((uintptr_t)p & mask) == 0u;
}

static int s3_fc_rows_ok(const void *input, int32_t rows, int32_t depth)
{
    return s3_aligned(input, 7u) && (rows == 1 || depth % 8 == 0);
}
#else
static int s3_aligned(const void *p, uintptr_t mask)
{
    (void)p;
    (void)mask;
    return 1;
}

static int s3_fc_rows_ok(const void *input, int32_t rows, int32_t depth)
{
    (void)input;
    (void)rows;
    (void)depth;
    return 1;
}
#endif

static int s3_buffers_ok(const void *a, const void *b, const void *c, const void *d)
{
    return s3_aligned(a, 15u) && s3_aligned(b, 15u) && s3_aligned(c, 15u) &&
           s3_aligned(d, 15u);
}

static void set_path(int32_t *path, int32_t value)
{
    if (path != NULL) {
        *path = value;
    }
}

/* [s3] kernels need a scratch area of ESP-NN's computed size. */
static int32_t scratch_ok(int need, const void *scratch, int32_t scratch_size)
{
    if (need <= 0) {
        return TIGRIS_OK;
    }
    if (scratch == NULL || need > scratch_size) {
        return TIGRIS_ERR_SCRATCH;
    }
    return TIGRIS_OK;
}

int32_t tigris_run_conv2d_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                             const tigris_dims4_t *filter_dims, const int8_t *filter,
                             const int32_t *bias,
                             const tigris_dims4_t *output_dims, int8_t *output,
                             const tigris_conv_params_t *params,
                             void *scratch, int32_t scratch_size, int32_t *path)
{
    tigris_esp_conv_args_t a;
    int32_t n;
    int32_t status =
        tigris_esp_nn_conv_args(input_dims, filter_dims, output_dims, params, bias, &a);
    if (status == TIGRIS_OK && !s3_buffers_ok(input, filter, output, scratch)) {
        status = TIGRIS_ERR_UNSUPPORTED;
    }
    if (status == TIGRIS_ERR_UNSUPPORTED) {
        set_path(path, TIGRIS_PATH_TIGRIS);
        return tigris_conv2d_s8(input_dims, input, filter_dims, filter, bias, output_dims,
                                output, params);
    }
    if (status != TIGRIS_OK) {
        return status;
    }
    if (input == NULL || filter == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    status = scratch_ok(esp_nn_get_conv_scratch_size(&a.input_dims, &a.filter_dims,
                                                     &a.output_dims, &a.conv_params),
                        scratch, scratch_size);
    if (status != TIGRIS_OK) {
        return status;
    }
    esp_nn_set_conv_scratch_buf(scratch);
    for (n = 0; n < a.batch; n++) {
        esp_nn_conv_s8(&a.input_dims, input + n * a.input_image, &a.filter_dims, filter, bias,
                       &a.output_dims, output + n * a.output_image, &a.conv_params,
                       &a.quant_data);
    }
    set_path(path, TIGRIS_PATH_ESP_NN);
    return TIGRIS_OK;
}

int32_t tigris_conv2d_scratch_size(const tigris_dims4_t *input_dims,
                                   const tigris_dims4_t *filter_dims,
                                   const tigris_dims4_t *output_dims,
                                   const tigris_conv_params_t *params, const int32_t *bias)
{
    tigris_esp_conv_args_t a;
    if (tigris_esp_nn_conv_args(input_dims, filter_dims, output_dims, params, bias, &a) !=
        TIGRIS_OK) {
        return 0;
    }
    return esp_nn_get_conv_scratch_size(&a.input_dims, &a.filter_dims, &a.output_dims,
                                        &a.conv_params);
}

int32_t tigris_run_depthwise_conv2d_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                                       const tigris_dims4_t *filter_dims, const int8_t *filter,
                                       const int32_t *bias,
                                       const tigris_dims4_t *output_dims, int8_t *output,
                                       const tigris_conv_params_t *params,
                                       void *scratch, int32_t scratch_size, int32_t *path)
{
    tigris_esp_dw_args_t a;
    int32_t n;
    int32_t status =
        tigris_esp_nn_depthwise_args(input_dims, filter_dims, output_dims, params, bias, &a);
    if (status == TIGRIS_OK && !s3_buffers_ok(input, filter, output, scratch)) {
        status = TIGRIS_ERR_UNSUPPORTED;
    }
    if (status == TIGRIS_ERR_UNSUPPORTED) {
        set_path(path, TIGRIS_PATH_TIGRIS);
        return tigris_depthwise_conv2d_s8(input_dims, input, filter_dims, filter, bias,
                                          output_dims, output, params);
    }
    if (status != TIGRIS_OK) {
        return status;
    }
    if (input == NULL || filter == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    status = scratch_ok(esp_nn_get_depthwise_conv_scratch_size(&a.input_dims, &a.filter_dims,
                                                               &a.output_dims, &a.conv_params),
                        scratch, scratch_size);
    if (status != TIGRIS_OK) {
        return status;
    }
    esp_nn_set_depthwise_conv_scratch_buf(scratch);
    for (n = 0; n < a.batch; n++) {
        esp_nn_depthwise_conv_s8(&a.input_dims, input + n * a.input_image, &a.filter_dims,
                                 filter, bias, &a.output_dims, output + n * a.output_image,
                                 &a.conv_params, &a.quant_data);
    }
    set_path(path, TIGRIS_PATH_ESP_NN);
    return TIGRIS_OK;
}

int32_t tigris_depthwise_conv2d_scratch_size(const tigris_dims4_t *input_dims,
                                             const tigris_dims4_t *filter_dims,
                                             const tigris_dims4_t *output_dims,
                                             const tigris_conv_params_t *params,
                                             const int32_t *bias)
{
    tigris_esp_dw_args_t a;
    if (tigris_esp_nn_depthwise_args(input_dims, filter_dims, output_dims, params, bias, &a) !=
        TIGRIS_OK) {
        return 0;
    }
    return esp_nn_get_depthwise_conv_scratch_size(&a.input_dims, &a.filter_dims,
                                                  &a.output_dims, &a.conv_params);
}

int32_t tigris_run_fully_connected_s8(const int8_t *input, int32_t rows, int32_t depth,
                                      const int8_t *weights, const int32_t *bias,
                                      int32_t out_channels, int8_t *output,
                                      const tigris_fc_params_t *params, int32_t *path)
{
    tigris_esp_fc_args_t a;
    int32_t r;
    int32_t status = tigris_esp_nn_fc_args(rows, depth, out_channels, params, bias, &a);
    if (status == TIGRIS_OK && !s3_fc_rows_ok(input, rows, depth)) {
        status = TIGRIS_ERR_UNSUPPORTED;
    }
    if (status == TIGRIS_ERR_UNSUPPORTED) {
        set_path(path, TIGRIS_PATH_TIGRIS);
        return tigris_fully_connected_s8(input, rows, depth, weights, bias, out_channels,
                                         output, params);
    }
    if (status != TIGRIS_OK) {
        return status;
    }
    if (input == NULL || weights == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    for (r = 0; r < a.rows; r++) {
        const int8_t *in_row = input + r * depth;
        int8_t *out_row = output + r * out_channels;
        if (a.per_channel) {
            esp_nn_fully_connected_per_ch_s8(in_row, a.input_offset, a.row_len, weights,
                                             a.filter_offset, bias, out_row, a.out_channels,
                                             a.out_offset, a.out_shift, a.out_mult,
                                             a.activation_min, a.activation_max);
        } else {
            esp_nn_fully_connected_s8(in_row, a.input_offset, a.row_len, weights,
                                      a.filter_offset, bias, out_row, a.out_channels,
                                      a.out_offset, a.out_shift[0], a.out_mult[0],
                                      a.activation_min, a.activation_max);
        }
    }
    set_path(path, TIGRIS_PATH_ESP_NN);
    return TIGRIS_OK;
}

int32_t tigris_run_add_s8(const int8_t *input1, const int32_t *shape1, int32_t rank1,
                          const int8_t *input2, const int32_t *shape2, int32_t rank2,
                          int8_t *output, const int32_t *out_shape, int32_t out_rank,
                          const tigris_add_params_t *params, int32_t *path)
{
    const tigris_add_params_t *p = params;
    int32_t size = 0;
    const int32_t status = tigris_esp_nn_add_args(shape1, rank1, shape2, rank2, out_shape,
                                                  out_rank, params, &size);
    if (status == TIGRIS_ERR_UNSUPPORTED) {
        set_path(path, TIGRIS_PATH_TIGRIS);
        return tigris_add_s8(input1, shape1, rank1, input2, shape2, rank2, output, out_shape,
                             out_rank, params);
    }
    if (status != TIGRIS_OK) {
        return status;
    }
    if (input1 == NULL || input2 == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    /* ESP-NN order: both multipliers, then both shifts */
    esp_nn_add_elementwise_s8(input1, input2, p->input1_offset, p->input2_offset,
                              p->input1_multiplier, p->input2_multiplier, p->input1_shift,
                              p->input2_shift, p->left_shift, output, p->output_offset,
                              p->output_multiplier, p->output_shift,
                              (p->act_min > -128) ? p->act_min : -128,
                              (p->act_max < 127) ? p->act_max : 127, size);
    set_path(path, TIGRIS_PATH_ESP_NN);
    return TIGRIS_OK;
}

int32_t tigris_run_mul_s8(const int8_t *input1, const int32_t *shape1, int32_t rank1,
                          const int8_t *input2, const int32_t *shape2, int32_t rank2,
                          int8_t *output, const int32_t *out_shape, int32_t out_rank,
                          const tigris_mul_params_t *params, int32_t *path)
{
    const tigris_mul_params_t *p = params;
    int32_t size = 0;
    const int32_t status = tigris_esp_nn_mul_args(shape1, rank1, shape2, rank2, out_shape,
                                                  out_rank, params, &size);
    if (status == TIGRIS_ERR_UNSUPPORTED) {
        set_path(path, TIGRIS_PATH_TIGRIS);
        return tigris_mul_s8(input1, shape1, rank1, input2, shape2, rank2, output, out_shape,
                             out_rank, params);
    }
    if (status != TIGRIS_OK) {
        return status;
    }
    if (input1 == NULL || input2 == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    esp_nn_mul_elementwise_s8(input1, input2, p->input1_offset, p->input2_offset, output,
                              p->output_offset, p->output_multiplier, p->output_shift,
                              (p->act_min > -128) ? p->act_min : -128,
                              (p->act_max < 127) ? p->act_max : 127, size);
    set_path(path, TIGRIS_PATH_ESP_NN);
    return TIGRIS_OK;
}

static int32_t run_pool(const tigris_dims4_t *input_dims, const int8_t *input,
                        const tigris_dims4_t *output_dims, int8_t *output,
                        const tigris_pool_params_t *params, int32_t is_max, int32_t *path)
{
    tigris_esp_pool_args_t a;
    int32_t n;
    int32_t status = tigris_esp_nn_pool_args(input_dims, output_dims, params, is_max, &a);
    if (status == TIGRIS_OK && !s3_buffers_ok(input, output, NULL, NULL)) {
        status = TIGRIS_ERR_UNSUPPORTED;
    }
    if (status == TIGRIS_ERR_UNSUPPORTED) {
        set_path(path, TIGRIS_PATH_TIGRIS);
        return is_max ? tigris_max_pool_s8(input_dims, input, output_dims, output, params)
                      : tigris_avg_pool_s8(input_dims, input, output_dims, output, params);
    }
    if (status != TIGRIS_OK) {
        return status;
    }
    if (input == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    for (n = 0; n < a.batch; n++) {
        const int8_t *in = input + n * a.input_image;
        int8_t *out = output + n * a.output_image;
        if (is_max) {
            esp_nn_max_pool_s8(in, a.input_wd, a.input_ht, out, a.output_wd, a.output_ht,
                               a.stride_wd, a.stride_ht, a.filter_wd, a.filter_ht, a.pad_wd,
                               a.pad_ht, a.activation_min, a.activation_max, a.channels);
        } else {
            esp_nn_avg_pool_s8(in, a.input_wd, a.input_ht, out, a.output_wd, a.output_ht,
                               a.stride_wd, a.stride_ht, a.filter_wd, a.filter_ht, a.pad_wd,
                               a.pad_ht, a.activation_min, a.activation_max, a.channels);
        }
    }
    set_path(path, TIGRIS_PATH_ESP_NN);
    return TIGRIS_OK;
}

int32_t tigris_run_avg_pool_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                               const tigris_dims4_t *output_dims, int8_t *output,
                               const tigris_pool_params_t *params, int32_t *path)
{
    return run_pool(input_dims, input, output_dims, output, params, 0, path);
}

int32_t tigris_run_max_pool_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                               const tigris_dims4_t *output_dims, int8_t *output,
                               const tigris_pool_params_t *params, int32_t *path)
{
    return run_pool(input_dims, input, output_dims, output, params, 1, path);
}

int32_t tigris_run_global_avg_pool_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                                      int8_t *output, const tigris_gap_params_t *params,
                                      int32_t *path)
{
#if TIGRIS_ESP_NN_HAS_MEAN
    int32_t n;
    int32_t image;
    const int32_t status = tigris_esp_nn_mean_ok(input_dims, params);
    if (status == TIGRIS_OK) {
        if (input == NULL || output == NULL) {
            return TIGRIS_ERR_NULL;
        }
        image = input_dims->h * input_dims->w * input_dims->c;
        for (n = 0; n < input_dims->n; n++) {
            /* ESP-NN subtracts a zero point: the negated input_offset */
            esp_nn_mean_nhwc_s8(input + n * image, output + n * input_dims->c, input_dims->h,
                                input_dims->w, input_dims->c, -params->input_offset,
                                params->output_offset, params->multiplier, params->shift);
        }
        set_path(path, TIGRIS_PATH_ESP_NN);
        return TIGRIS_OK;
    }
    if (status != TIGRIS_ERR_UNSUPPORTED) {
        return status;
    }
#endif
    set_path(path, TIGRIS_PATH_TIGRIS);
    return tigris_global_avg_pool_s8(input_dims, input, output, params);
}
