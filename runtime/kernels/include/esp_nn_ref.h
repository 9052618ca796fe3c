/*
 * TiGrIS reference int8 kernels behind the ESP-NN interface.
 *
 * This header declares, under the ESP-NN public names, the subset of the
 * ESP-NN API that TiGrIS plans call. The host (and any target without
 * ESP-NN) links the portable C99 implementations in runtime/kernels/src;
 * on an ESP32 build the runtime includes ESP-NN's own "esp_nn.h" instead
 * (see tigris_kernel_args.h, TIGRIS_USE_ESP_NN), whose macros map the same
 * names to esp_nn_*_ansi / esp_nn_*_esp32s3, so every call site is unchanged.
 *
 * Interface source: espressif/esp-nn, include/esp_nn_defs.h,
 * include/esp_nn_ansi_headers.h and include/esp_nn_ansi_c.h at master
 * commit d45b843 (component version 1.2.3). The structs below have the same
 * field names, types and order as esp_nn_defs.h. Never include this header
 * together with esp_nn.h: both define data_dims_t and friends.
 *
 * Integer semantics are those of docs/kernels.md (TFLite rounding). Where
 * ESP-NN itself is looser (it shifts left without saturation; it divides by
 * 2^-shift for add, which is undefined for shift > 0) these kernels keep the
 * doc's exact behaviour, and the mapping in tigris_kernel_args.c only routes
 * an op to ESP-NN when both agree. Deliberate ESP-NN behaviours that are kept:
 *   - one image per call: data_dims_t.extra (batch) is ignored, the caller
 *     loops over the batch;
 *   - conv/depthwise ignore conv_params->dilation (ESP-NN's kernels do; its
 *     own tests pass {0, 0}); dilated ops use tigris_conv2d_s8 & co;
 *   - padding is given as top (padding.height) and left (padding.width);
 *     bottom/right are implied by the output size: taps outside the input
 *     contribute nothing;
 *   - conv groups come from filter_dims->channels (Cin / groups; 0 means
 *     Cin), as in ESP-NN master (grouped conv is not in the v1.2.0 tag).
 * The functions return void like ESP-NN's; arguments they cannot accept
 * (NULL pointers, non-positive or inconsistent sizes) make them return
 * without writing the output. The tigris_esp_nn_*_args() functions check
 * the same conditions up front and report them.
 */
#ifndef TIGRIS_ESP_NN_REF_H
#define TIGRIS_ESP_NN_REF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------- esp_nn_defs.h types */

/* Sizes of one tensor: input/output [height][width][channels], filter
 * [out][height][width][channels]. `extra` is the batch in ESP-NN's words;
 * the kernels never read it. */
typedef struct data_dims {
    int32_t width;
    int32_t height;
    int32_t channels;
    int32_t extra;
} data_dims_t;

typedef struct data_2d {
    int32_t width;
    int32_t height;
} data_2d_t;

typedef struct act_params {
    int32_t min;
    int32_t max;
} act_params_t;

/* Per output channel requantization. Not const in ESP-NN; the kernels only
 * read through these pointers, so the flash-resident constant arrays of a
 * plan are passed after a cast. */
typedef struct quant_data {
    int32_t *shift;
    int32_t *mult;
} quant_data_t;

typedef struct conv_params {
    int32_t in_offset;    /* added to every input value: -input zero point */
    int32_t out_offset;   /* added after requantization: output zero point */
    data_2d_t stride;
    data_2d_t padding;    /* left (width) and top (height) */
    data_2d_t dilation;   /* ignored, as by ESP-NN */
    act_params_t activation;
} conv_params_t;

typedef struct dw_conv_params {
    int32_t in_offset;
    int32_t out_offset;
    int32_t ch_mult;      /* output channels = input channels * ch_mult */
    data_2d_t stride;
    data_2d_t padding;
    data_2d_t dilation;   /* ignored, as by ESP-NN */
    act_params_t activation;
} dw_conv_params_t;

/* ------------------------------------------------------------- basic math */

/* out[i] = clamp(requant(requant((in1[i] + input1_offset) << left_shift,
 * input1_mult, input1_shift) + requant((in2[i] + ...), ...), out_mult,
 * out_shift) + out_offset, activation_min, activation_max), `size` elements.
 * Note the ESP-NN argument order: both multipliers, then both shifts. */
void esp_nn_add_elementwise_s8(const int8_t *input1_data,
                               const int8_t *input2_data,
                               const int32_t input1_offset,
                               const int32_t input2_offset,
                               const int32_t input1_mult,
                               const int32_t input2_mult,
                               const int32_t input1_shift,
                               const int32_t input2_shift,
                               const int32_t left_shift,
                               int8_t *output,
                               const int32_t out_offset,
                               const int32_t out_mult,
                               const int32_t out_shift,
                               const int32_t activation_min,
                               const int32_t activation_max,
                               const int32_t size);

/* out[i] = clamp(requant((in1[i] + input1_offset) * (in2[i] + input2_offset),
 * out_mult, out_shift) + out_offset, activation_min, activation_max). */
void esp_nn_mul_elementwise_s8(const int8_t *input1_data,
                               const int8_t *input2_data,
                               const int32_t input1_offset,
                               const int32_t input2_offset,
                               int8_t *output,
                               const int32_t out_offset,
                               const int32_t out_mult,
                               const int32_t out_shift,
                               const int32_t activation_min,
                               const int32_t activation_max,
                               const int32_t size);

/* ------------------------------------------------------------ convolution */

/* One image: input [H][W][Cin], filter [Cout][KH][KW][Cin/groups],
 * output [OH][OW][Cout]; bias may be NULL; quant_data has Cout entries. */
void esp_nn_conv_s8(const data_dims_t *input_dims,
                    const int8_t *input_data,
                    const data_dims_t *filter_dims,
                    const int8_t *filter_data,
                    const int32_t *bias,
                    const data_dims_t *output_dims,
                    int8_t *out_data,
                    const conv_params_t *conv_params,
                    const quant_data_t *quant_data);

/* The reference kernels need no scratch: the getters return 0 and the
 * setters only record the pointer. The ESP32-S3 kernels do need one; its
 * size comes from ESP-NN's own getter on the device. */
int esp_nn_get_conv_scratch_size(const data_dims_t *input_dims,
                                 const data_dims_t *filter_dims,
                                 const data_dims_t *output_dims,
                                 const conv_params_t *conv_params);
void esp_nn_set_conv_scratch_buf(const void *buf);

/* One image: input [H][W][C], filter [KH][KW][C*ch_mult], output
 * [OH][OW][C*ch_mult]; output channel oc reads input channel oc / ch_mult. */
void esp_nn_depthwise_conv_s8(const data_dims_t *input_dims,
                              const int8_t *input_data,
                              const data_dims_t *filter_dims,
                              const int8_t *filter_data,
                              const int32_t *bias,
                              const data_dims_t *output_dims,
                              int8_t *out_data,
                              const dw_conv_params_t *conv_params,
                              const quant_data_t *quant_data);

int esp_nn_get_depthwise_conv_scratch_size(const data_dims_t *input_dims,
                                           const data_dims_t *filter_dims,
                                           const data_dims_t *output_dims,
                                           const dw_conv_params_t *conv_params);
void esp_nn_set_depthwise_conv_scratch_buf(const void *buf);

/* ---------------------------------------------------------------- pooling */

/* Average over the in-bounds part of each window (padded taps are not
 * counted), rounded half away from zero. pad_wd/pad_ht: left/top. */
void esp_nn_avg_pool_s8(const int8_t *input,
                        const uint16_t input_wd,
                        const uint16_t input_ht,
                        int8_t *output,
                        const uint16_t output_wd,
                        const uint16_t output_ht,
                        const uint16_t stride_wd,
                        const uint16_t stride_ht,
                        const uint16_t filter_wd,
                        const uint16_t filter_ht,
                        const uint16_t pad_wd,
                        const uint16_t pad_ht,
                        const int32_t activation_min,
                        const int32_t activation_max,
                        const uint16_t channels);

void esp_nn_max_pool_s8(const int8_t *input,
                        const uint16_t input_wd,
                        const uint16_t input_ht,
                        int8_t *output,
                        const uint16_t output_wd,
                        const uint16_t output_ht,
                        const uint16_t stride_wd,
                        const uint16_t stride_ht,
                        const uint16_t filter_wd,
                        const uint16_t filter_ht,
                        const uint16_t pad_wd,
                        const uint16_t pad_ht,
                        const int32_t activation_min,
                        const int32_t activation_max,
                        const uint16_t channels);

/* Mean over H and W of one [H][W][C] image (ESP-NN master only, added
 * 2026-03 for squeeze-and-excite). input_zero_point is subtracted, i.e. it
 * is the negated tigris input_offset. */
void esp_nn_mean_nhwc_s8(const int8_t *input,
                         int8_t *output,
                         const int32_t height,
                         const int32_t width,
                         const int32_t channels,
                         const int32_t input_zero_point,
                         const int32_t output_zero_point,
                         const int32_t multiplier,
                         const int32_t shift);

/* -------------------------------------------------------- fully connected */

/* One input row of row_len values; filter [out_channels][row_len].
 * Note the ESP-NN argument order: shift before multiplier. */
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
                               const int32_t activation_max);

/* As above with out_channels multipliers and shifts. */
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
                                      const int32_t activation_max);

/* ---------------------------------------------------------------- softmax */

/* Declared for completeness only: ESP-NN's softmax is TFLite's (exp in
 * fixed point from mult/shift/diff_min), not the LUT + Q16 softmax of
 * docs/kernels.md, so this library does not define these three functions.
 * Plans call tigris_softmax_s8 (tigris_kernels.h) instead. */
int32_t esp_nn_get_softmax_scratch_size(const int32_t width, const int32_t height);
void esp_nn_set_softmax_scratch_buf(void *buffer);
void esp_nn_softmax_s8(const int8_t *input_data,
                       const int32_t height,
                       const int32_t width,
                       const int32_t mult,
                       const int32_t shift,
                       const int32_t diff_min,
                       int8_t *output_data);

#ifdef __cplusplus
}
#endif

#endif /* TIGRIS_ESP_NN_REF_H */
