/*
 * From tigris kernel-op attributes (dialects/tigris.irdl.mlir, semantics in
 * docs/kernels.md) to ESP-NN arguments: the one place that knows both
 * conventions.
 *
 * Build switch: define TIGRIS_USE_ESP_NN to call Espressif's ESP-NN
 * ("esp_nn.h", ESP-IDF component espressif/esp-nn); otherwise the portable
 * reference kernels of esp_nn_ref.h stand in under the same names.
 *
 * Attribute -> ESP-NN argument (per image; the caller loops over N)
 *
 *   conv2d / depthwise_conv2d           esp_nn_conv_s8 / esp_nn_depthwise_conv_s8
 *     input [N,H,W,C]                   input_dims {width=W, height=H, channels=C}
 *     weights [Cout,KH,KW,Cin/g]        filter_dims {width=KW, height=KH, channels=Cin/g}
 *       (depthwise [1,KH,KW,C*M])         (depthwise channels=C*M, ch_mult=M)
 *     output [N,OH,OW,Cout]             output_dims {width=OW, height=OH, channels=Cout}
 *     stride [sh, sw]                   stride {width=sw, height=sh}
 *     pad [top, bottom, left, right]    padding {width=left, height=top};
 *                                       bottom/right are implied by OH/OW
 *     dilation [dh, dw]                 must be [1, 1] (ESP-NN ignores dilation)
 *     groups                            filter_dims.channels = Cin / groups
 *     input_offset, output_offset       in_offset, out_offset (same sign: added)
 *     multiplier, shift                 quant_data {mult, shift}: Cout entries,
 *                                       same TFLite sign (shift > 0 = left)
 *     act_min, act_max                  activation {min, max} (cut to int8)
 *   fully_connected                     esp_nn_fully_connected_per_ch_s8 (Cout entries)
 *                                       or esp_nn_fully_connected_s8 (1 entry), per row:
 *     K, Cout                           row_len, out_channels (uint16)
 *     (weights symmetric)               filter_offset = 0
 *     multiplier, shift                 out_mult, out_shift (note: shift is passed first)
 *   add                                 esp_nn_add_elementwise_s8, same shapes only:
 *     input1/2_multiplier, _shift       input1_mult, input2_mult, input1_shift, input2_shift
 *     left_shift, output_*              left_shift, out_offset, out_mult, out_shift
 *   mul                                 esp_nn_mul_elementwise_s8, same shapes only
 *   avg_pool / max_pool                 esp_nn_avg_pool_s8 / esp_nn_max_pool_s8:
 *     kernel [kh, kw]                   filter_wd = kw, filter_ht = kh
 *     pad                               pad_wd = left, pad_ht = top (uint16)
 *     count_include_pad                 must be 0, or no window may touch padding
 *   global_avg_pool                     esp_nn_mean_nhwc_s8 (ESP-NN master only):
 *     input_offset                      input_zero_point = -input_offset
 *     output_offset                     output_zero_point
 *   rounding (conv, depthwise, fc,      must be TIGRIS_ROUND_DOUBLE: ESP-NN rounds
 *     add, mul, global_avg_pool)        twice; single rounding runs the tigris_ kernel
 *
 * When ESP-NN cannot express an op instance bit-exactly (and safely with
 * the kernels of the build's flavour, whose fast paths add constraints:
 * TIGRIS_ESP_NN_FLAVOUR below, rules in kernel_args.c and dispatch.c),
 * the tigris_esp_nn_*_args functions return
 * TIGRIS_ERR_UNSUPPORTED and the tigris_run_* dispatchers call the
 * tigris_* kernel instead. A plan emitter may equally decide at compile
 * time and call one or the other directly.
 */
#ifndef TIGRIS_KERNEL_ARGS_H
#define TIGRIS_KERNEL_ARGS_H

#include <stdint.h>

#ifdef TIGRIS_USE_ESP_NN
#ifdef ESP_PLATFORM
#include "sdkconfig.h" /* CONFIG_NN_OPTIMIZED, CONFIG_IDF_TARGET_*: esp_nn.h's choice */
#endif
#include "esp_nn.h"
#else
#include "esp_nn_ref.h"
#endif
#include "tigris_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ESP-NN features newer than its last tag (v1.2.0): grouped conv through
 * filter_dims.channels and esp_nn_mean_nhwc_s8 (master, component 1.2.3).
 * On by default with the reference kernels, off with the real library
 * unless the build says otherwise. */
#ifndef TIGRIS_ESP_NN_HAS_GROUPED_CONV
#ifdef TIGRIS_USE_ESP_NN
#define TIGRIS_ESP_NN_HAS_GROUPED_CONV 0
#else
#define TIGRIS_ESP_NN_HAS_GROUPED_CONV 1
#endif
#endif

#ifndef TIGRIS_ESP_NN_HAS_MEAN
#ifdef TIGRIS_USE_ESP_NN
#define TIGRIS_ESP_NN_HAS_MEAN 0
#else
#define TIGRIS_ESP_NN_HAS_MEAN 1
#endif
#endif

/* Which ESP-NN kernels the esp_nn_* names reach (TIGRIS_ESP_NN_FLAVOUR),
 * decided as esp_nn.h decides: without CONFIG_NN_OPTIMIZED the ANSI C
 * kernels (*_ansi.c); with it the ESP32-S3 ones (CONFIG_IDF_TARGET_ESP32S3),
 * else the generic optimized C kernels (*_opt.c: ESP32, ESP32-C3, ...).
 * Each flavour has its own rules in kernel_args.c. The reference stand-ins
 * of esp_nn_ref.h, and the ESP32-P4 kernels (not read), get every rule. */
#define TIGRIS_ESP_NN_ALL 0
#define TIGRIS_ESP_NN_ANSI 1
#define TIGRIS_ESP_NN_OPT 2
#define TIGRIS_ESP_NN_S3 3

#if !defined(TIGRIS_USE_ESP_NN)
#define TIGRIS_ESP_NN_FLAVOUR TIGRIS_ESP_NN_ALL
#elif !defined(CONFIG_NN_OPTIMIZED)
#define TIGRIS_ESP_NN_FLAVOUR TIGRIS_ESP_NN_ANSI
#elif defined(ARCH_ESP32_S3)
#define TIGRIS_ESP_NN_FLAVOUR TIGRIS_ESP_NN_S3
#elif defined(ARCH_ESP32_P4)
#define TIGRIS_ESP_NN_FLAVOUR TIGRIS_ESP_NN_ALL
#else
#define TIGRIS_ESP_NN_FLAVOUR TIGRIS_ESP_NN_OPT
#endif

/* Which kernel a tigris_run_* call used. */
#define TIGRIS_PATH_TIGRIS 0
#define TIGRIS_PATH_ESP_NN 1

/* ------------------------------------------------------ argument mapping */

typedef struct {
    data_dims_t input_dims;
    data_dims_t filter_dims;
    data_dims_t output_dims;
    conv_params_t conv_params;
    quant_data_t quant_data;
    int32_t batch;        /* calls to make, one per image */
    int32_t input_image;  /* elements between consecutive images */
    int32_t output_image;
} tigris_esp_conv_args_t;

typedef struct {
    data_dims_t input_dims;
    data_dims_t filter_dims;
    data_dims_t output_dims;
    dw_conv_params_t conv_params;
    quant_data_t quant_data;
    int32_t batch;
    int32_t input_image;
    int32_t output_image;
} tigris_esp_dw_args_t;

typedef struct {
    int32_t rows;         /* calls to make, one per input row */
    int32_t input_offset;
    uint16_t row_len;
    int32_t filter_offset;
    uint16_t out_channels;
    int32_t out_offset;
    const int32_t *out_shift;
    const int32_t *out_mult;
    int32_t per_channel;  /* 1: _per_ch_s8 with out_channels entries; 0: scalar */
    int32_t activation_min;
    int32_t activation_max;
} tigris_esp_fc_args_t;

typedef struct {
    uint16_t input_wd, input_ht;
    uint16_t output_wd, output_ht;
    uint16_t stride_wd, stride_ht;
    uint16_t filter_wd, filter_ht;
    uint16_t pad_wd, pad_ht;
    int32_t activation_min, activation_max;
    uint16_t channels;
    int32_t batch;
    int32_t input_image;
    int32_t output_image;
} tigris_esp_pool_args_t;

/* Each returns TIGRIS_OK and fills `args` when the op instance maps to
 * ESP-NN, TIGRIS_ERR_UNSUPPORTED when only the tigris_ kernel can run it,
 * or the error the tigris_ kernel would return for invalid arguments. */
int32_t tigris_esp_nn_conv_args(const tigris_dims4_t *input_dims,
                                const tigris_dims4_t *filter_dims,
                                const tigris_dims4_t *output_dims,
                                const tigris_conv_params_t *params, const int32_t *bias,
                                tigris_esp_conv_args_t *args);

int32_t tigris_esp_nn_depthwise_args(const tigris_dims4_t *input_dims,
                                     const tigris_dims4_t *filter_dims,
                                     const tigris_dims4_t *output_dims,
                                     const tigris_conv_params_t *params, const int32_t *bias,
                                     tigris_esp_dw_args_t *args);

int32_t tigris_esp_nn_fc_args(int32_t rows, int32_t depth, int32_t out_channels,
                              const tigris_fc_params_t *params, const int32_t *bias,
                              tigris_esp_fc_args_t *args);

/* Same-shape add / mul: the element count for esp_nn_*_elementwise_s8. */
int32_t tigris_esp_nn_add_args(const int32_t *shape1, int32_t rank1,
                               const int32_t *shape2, int32_t rank2,
                               const int32_t *out_shape, int32_t out_rank,
                               const tigris_add_params_t *params, int32_t *size);

int32_t tigris_esp_nn_mul_args(const int32_t *shape1, int32_t rank1,
                               const int32_t *shape2, int32_t rank2,
                               const int32_t *out_shape, int32_t out_rank,
                               const tigris_mul_params_t *params, int32_t *size);

int32_t tigris_esp_nn_pool_args(const tigris_dims4_t *input_dims,
                                const tigris_dims4_t *output_dims,
                                const tigris_pool_params_t *params, int32_t is_max,
                                tigris_esp_pool_args_t *args);

/* global_avg_pool -> esp_nn_mean_nhwc_s8: TIGRIS_OK when expressible. */
int32_t tigris_esp_nn_mean_ok(const tigris_dims4_t *input_dims,
                              const tigris_gap_params_t *params);

/* ------------------------------------------------------------ dispatchers */

/* Run one op: through ESP-NN when the mapping allows, else the tigris_
 * kernel. `path` (may be NULL) receives TIGRIS_PATH_*. conv and depthwise
 * take the plan's scratch area (may be NULL when scratch_size is 0); it is
 * handed to esp_nn_set_*_scratch_buf before the call, and TIGRIS_ERR_SCRATCH
 * is returned if ESP-NN's own getter asks for more than scratch_size. */
int32_t tigris_run_conv2d_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                             const tigris_dims4_t *filter_dims, const int8_t *filter,
                             const int32_t *bias,
                             const tigris_dims4_t *output_dims, int8_t *output,
                             const tigris_conv_params_t *params,
                             void *scratch, int32_t scratch_size, int32_t *path);

int32_t tigris_run_depthwise_conv2d_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                                       const tigris_dims4_t *filter_dims, const int8_t *filter,
                                       const int32_t *bias,
                                       const tigris_dims4_t *output_dims, int8_t *output,
                                       const tigris_conv_params_t *params,
                                       void *scratch, int32_t scratch_size, int32_t *path);

/* Scratch an op instance needs: ESP-NN's getter when it maps, else 0. */
int32_t tigris_conv2d_scratch_size(const tigris_dims4_t *input_dims,
                                   const tigris_dims4_t *filter_dims,
                                   const tigris_dims4_t *output_dims,
                                   const tigris_conv_params_t *params, const int32_t *bias);

int32_t tigris_depthwise_conv2d_scratch_size(const tigris_dims4_t *input_dims,
                                             const tigris_dims4_t *filter_dims,
                                             const tigris_dims4_t *output_dims,
                                             const tigris_conv_params_t *params,
                                             const int32_t *bias);

int32_t tigris_run_fully_connected_s8(const int8_t *input, int32_t rows, int32_t depth,
                                      const int8_t *weights, const int32_t *bias,
                                      int32_t out_channels, int8_t *output,
                                      const tigris_fc_params_t *params, int32_t *path);

int32_t tigris_run_add_s8(const int8_t *input1, const int32_t *shape1, int32_t rank1,
                          const int8_t *input2, const int32_t *shape2, int32_t rank2,
                          int8_t *output, const int32_t *out_shape, int32_t out_rank,
                          const tigris_add_params_t *params, int32_t *path);

int32_t tigris_run_mul_s8(const int8_t *input1, const int32_t *shape1, int32_t rank1,
                          const int8_t *input2, const int32_t *shape2, int32_t rank2,
                          int8_t *output, const int32_t *out_shape, int32_t out_rank,
                          const tigris_mul_params_t *params, int32_t *path);

int32_t tigris_run_avg_pool_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                               const tigris_dims4_t *output_dims, int8_t *output,
                               const tigris_pool_params_t *params, int32_t *path);

int32_t tigris_run_max_pool_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                               const tigris_dims4_t *output_dims, int8_t *output,
                               const tigris_pool_params_t *params, int32_t *path);

int32_t tigris_run_global_avg_pool_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                                      int8_t *output, const tigris_gap_params_t *params,
                                      int32_t *path);

#ifdef __cplusplus
}
#endif

#endif /* TIGRIS_KERNEL_ARGS_H */
