/*
 * TiGrIS int8 kernels: the complete ops of docs/kernels.md.
 *
 * Every tigris kernel op has a function here that implements the whole op
 * (batch, asymmetric padding, dilation, groups, broadcasting, one or per
 * channel multipliers), bit exact with the numpy reference
 * python/tigris/reference/kernels.py. The ESP-NN entry points
 * (esp_nn_ref.h) cover the common subset; tigris_kernel_args.h decides,
 * per op instance, which of the two a plan calls.
 *
 * Conventions
 *   - activations are int8, NHWC, row-major, dense; weights are int8 with
 *     zero point 0; bias is int32 (may be NULL: no bias);
 *   - parameter structs use the attribute names and orders of
 *     dialects/tigris.irdl.mlir (pad = [top, bottom, left, right] for 2-D
 *     ops, [before_0..before_k, after_0..after_k] for the pad op);
 *   - every function returns TIGRIS_OK or a negative TIGRIS_ERR_* code and
 *     writes nothing when it returns an error: all pointers, sizes and
 *     index tables are checked before the first store;
 *   - no heap, no recursion, no VLA, no floating point; element counts of
 *     every tensor must fit in int32_t;
 *   - outputs must not overlap inputs, except where a function says so.
 */
#ifndef TIGRIS_KERNELS_H
#define TIGRIS_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TIGRIS_OK 0
#define TIGRIS_ERR_NULL (-1)        /* a required pointer is NULL */
#define TIGRIS_ERR_SHAPE (-2)       /* sizes are non-positive, inconsistent or too large */
#define TIGRIS_ERR_PARAM (-3)       /* an attribute is out of its range */
#define TIGRIS_ERR_UNSUPPORTED (-4) /* not expressible (tigris_kernel_args.h) */
#define TIGRIS_ERR_SCRATCH (-5)     /* ESP-NN wants more scratch than the plan reserved */

/* Highest rank of the N-D data movement and broadcasting kernels. */
#define TIGRIS_MAX_RANK 6

/* NHWC sizes of a 4-D tensor. Filters: conv2d [Cout, KH, KW, Cin/groups]
 * as {n = Cout, h = KH, w = KW, c = Cin/groups}; depthwise [1, KH, KW, C*M]. */
typedef struct {
    int32_t n;
    int32_t h;
    int32_t w;
    int32_t c;
} tigris_dims4_t;

/* ------------------------------------------------------ fixed-point helpers */

/* Requantization rounding: the `rounding` field (last) of the parameter
 * structs of the kernels that requantize (conv2d, depthwise_conv2d,
 * fully_connected, add, mul, global_avg_pool; docs/kernels.md).
 *   TIGRIS_ROUND_DOUBLE  srdhm then rdbpot, two roundings: TFLite's default
 *                        and ESP-NN's. 0, so a zero-initialized struct has it.
 *   TIGRIS_ROUND_SINGLE  one rounding of acc * mult / 2^(31 - shift): TFLite
 *                        with TFLITE_SINGLE_ROUNDING, TOSA's SINGLE_ROUND; the
 *                        closest to a float requantization (onnxruntime).
 *                        Every shift must lie in [TIGRIS_SINGLE_SHIFT_MIN,
 *                        TIGRIS_SINGLE_SHIFT_MAX]; ESP-NN cannot run it.
 * Any other value, or a shift outside that range under single rounding, is
 * TIGRIS_ERR_PARAM (checked before the first store). */
#define TIGRIS_ROUND_DOUBLE 0
#define TIGRIS_ROUND_SINGLE 1
#define TIGRIS_SINGLE_SHIFT_MIN (-31)
#define TIGRIS_SINGLE_SHIFT_MAX 30

/* The rounding primitives of docs/kernels.md, exported so that the tests can
 * check them on edge values. rdbpot accepts any exponent >= 0; requant any
 * shift (left shifts beyond 32 saturate like 32 does). requant_single takes
 * a shift in [-31, 30] (outside it the shift is clipped to the range: the
 * kernels reject such a shift instead) and any multiplier. */
int32_t tigris_srdhm(int32_t a, int32_t b);
int32_t tigris_rdbpot(int32_t x, int32_t exponent);
int32_t tigris_requant(int32_t acc, int32_t multiplier, int32_t shift);
int32_t tigris_requant_single(int32_t acc, int32_t multiplier, int32_t shift);

/* The rounding check every requantizing kernel makes: TIGRIS_OK when
 * `rounding` is TIGRIS_ROUND_DOUBLE, or TIGRIS_ROUND_SINGLE with each of the
 * `count` shifts in [-31, 30]; TIGRIS_ERR_NULL for a NULL shift array (count
 * > 0); TIGRIS_ERR_PARAM otherwise. For plan loaders. */
int32_t tigris_requant_check(int32_t rounding, const int32_t *shift, int32_t count);

/* ---------------------------------------------------------- convolutions */

typedef struct {
    int32_t stride[2];          /* [sh, sw] >= 1 */
    int32_t dilation[2];        /* [dh, dw] >= 1 */
    int32_t pad[4];             /* [top, bottom, left, right] >= 0 */
    int32_t groups;             /* conv2d only, >= 1 */
    int32_t channel_multiplier; /* depthwise only, >= 1 */
    int32_t input_offset;       /* -input zero point */
    int32_t output_offset;      /* output zero point */
    const int32_t *multiplier;  /* quant_count entries */
    const int32_t *shift;       /* quant_count entries, TFLite sign: > 0 is a left shift */
    int32_t quant_count;        /* 1 (same for every channel) or Cout */
    int32_t act_min;
    int32_t act_max;
    int32_t rounding;           /* TIGRIS_ROUND_DOUBLE or TIGRIS_ROUND_SINGLE */
} tigris_conv_params_t;

/* Output height must lie in [1, (H + top + bottom - dh*(KH-1) - 1) / sh + 1]
 * (likewise width): the doc's size, or fewer leading rows/columns, which is
 * how strip tiling computes part of an output. */
int32_t tigris_conv2d_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                         const tigris_dims4_t *filter_dims, const int8_t *filter,
                         const int32_t *bias,
                         const tigris_dims4_t *output_dims, int8_t *output,
                         const tigris_conv_params_t *params);

/* The checks of tigris_conv2d_s8 alone (no data pointers): for plan
 * loaders and tigris_kernel_args.c. */
int32_t tigris_conv2d_check(const tigris_dims4_t *input_dims,
                            const tigris_dims4_t *filter_dims,
                            const tigris_dims4_t *output_dims,
                            const tigris_conv_params_t *params);

int32_t tigris_depthwise_conv2d_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                                   const tigris_dims4_t *filter_dims, const int8_t *filter,
                                   const int32_t *bias,
                                   const tigris_dims4_t *output_dims, int8_t *output,
                                   const tigris_conv_params_t *params);

int32_t tigris_depthwise_conv2d_check(const tigris_dims4_t *input_dims,
                                      const tigris_dims4_t *filter_dims,
                                      const tigris_dims4_t *output_dims,
                                      const tigris_conv_params_t *params);

typedef struct {
    int32_t input_offset;
    int32_t output_offset;
    const int32_t *multiplier;
    const int32_t *shift;
    int32_t quant_count;        /* 1 or Cout */
    int32_t act_min;
    int32_t act_max;
    int32_t rounding;           /* TIGRIS_ROUND_* */
} tigris_fc_params_t;

/* input [rows, K], weights [Cout, K], output [rows, Cout]. */
int32_t tigris_fully_connected_s8(const int8_t *input, int32_t rows, int32_t depth,
                                  const int8_t *weights, const int32_t *bias,
                                  int32_t out_channels, int8_t *output,
                                  const tigris_fc_params_t *params);

/* ------------------------------------------------------------ elementwise */

typedef struct {
    int32_t input1_offset;
    int32_t input2_offset;
    int32_t input1_multiplier;
    int32_t input1_shift;
    int32_t input2_multiplier;
    int32_t input2_shift;
    int32_t left_shift;         /* >= 0 */
    int32_t output_offset;
    int32_t output_multiplier;
    int32_t output_shift;
    int32_t act_min;
    int32_t act_max;
    int32_t rounding;           /* TIGRIS_ROUND_*: all three requantizations */
} tigris_add_params_t;

typedef struct {
    int32_t input1_offset;
    int32_t input2_offset;
    int32_t output_offset;
    int32_t output_multiplier;
    int32_t output_shift;
    int32_t act_min;
    int32_t act_max;
    int32_t rounding;           /* TIGRIS_ROUND_* */
} tigris_mul_params_t;

/* Numpy broadcasting: shapes are aligned at their last dimension, every
 * input dimension equals the output one or is 1, ranks <= TIGRIS_MAX_RANK.
 * The output may alias an input of the output's own shape (in-place). */
int32_t tigris_add_s8(const int8_t *input1, const int32_t *shape1, int32_t rank1,
                      const int8_t *input2, const int32_t *shape2, int32_t rank2,
                      int8_t *output, const int32_t *out_shape, int32_t out_rank,
                      const tigris_add_params_t *params);

int32_t tigris_mul_s8(const int8_t *input1, const int32_t *shape1, int32_t rank1,
                      const int8_t *input2, const int32_t *shape2, int32_t rank2,
                      int8_t *output, const int32_t *out_shape, int32_t out_rank,
                      const tigris_mul_params_t *params);

/* out[i] = table[in[i] + 128]; in-place allowed (output == input). */
int32_t tigris_lut_s8(const int8_t *input, int32_t size, const int8_t table[256],
                      int8_t *output);

/* One table per channel: out[i] = tables[(i mod channels) * 256 + in[i] + 128],
 * `tables` holding channels * 256 entries (channels = the last dimension of a
 * row-major tensor, e.g. C of NHWC; size a multiple of it). In-place allowed. */
int32_t tigris_lut_per_channel_s8(const int8_t *input, int32_t size, int32_t channels,
                                  const int8_t *tables, int8_t *output);

/* --------------------------------------------------------------- pooling */

typedef struct {
    int32_t kernel[2];          /* [kh, kw] >= 1 */
    int32_t stride[2];          /* >= 1 */
    int32_t dilation[2];        /* max_pool only (avg_pool uses 1), >= 1 */
    int32_t pad[4];             /* [top, bottom, left, right] >= 0 */
    int32_t count_include_pad;  /* avg_pool only: 0 or 1 */
    int32_t act_min;
    int32_t act_max;
} tigris_pool_params_t;

/* The output size is free (any >= 1: ONNX ceil_mode gives one more row than
 * the floor formula); pad bottom/right only document the intent. A window
 * with no in-bounds element gives 0 (avg) or -128 (max) before the clamp. */
int32_t tigris_avg_pool_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                           const tigris_dims4_t *output_dims, int8_t *output,
                           const tigris_pool_params_t *params);

int32_t tigris_max_pool_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                           const tigris_dims4_t *output_dims, int8_t *output,
                           const tigris_pool_params_t *params);

/* The checks of the two pool kernels alone; is_max selects max_pool's. */
int32_t tigris_pool_check(const tigris_dims4_t *input_dims, const tigris_dims4_t *output_dims,
                          const tigris_pool_params_t *params, int32_t is_max);

typedef struct {
    int32_t input_offset;
    int32_t output_offset;
    int32_t multiplier;
    int32_t shift;
    int32_t rounding;           /* TIGRIS_ROUND_* */
} tigris_gap_params_t;

/* input [N, H, W, C] -> output [N, 1, 1, C]. */
int32_t tigris_global_avg_pool_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                                  int8_t *output, const tigris_gap_params_t *params);

/* --------------------------------------------------------------- softmax */

/* Softmax over the last axis of `rows` rows of `depth` values, the LUT + Q16
 * definition of docs/kernels.md (not ESP-NN's): exp_table holds the 256 Q20
 * values as uint32 bit patterns, output_scale_q16 = round(2^16 / s_out) >= 0.
 * TIGRIS_ERR_PARAM if a row's exp sum is 0 or reaches 2^47. */
int32_t tigris_softmax_s8(const int8_t *input, int32_t rows, int32_t depth,
                          const int32_t exp_table[256], int32_t output_scale_q16,
                          int32_t output_offset, int8_t *output);

/* TFLite's int8 softmax over the last axis (softmax_tfl in docs/kernels.md;
 * output scale 1/256, zero point -128): exp_table holds exp of each
 * difference to the row maximum in Q0.31 (entries >= 0). TIGRIS_ERR_PARAM
 * for a negative entry, or a row whose Q12.19 sum of exponentials is 0 or
 * reaches 2^28 (where TFLM aborts); nothing is written then. */
int32_t tigris_softmax_tfl_s8(const int8_t *input, int32_t rows, int32_t depth,
                              const int32_t exp_table[256], int8_t *output);

/* --------------------------------------------------------- data movement */

/* out.shape[d] = in.shape[perm[d]]; out_shape is checked against it. */
int32_t tigris_transpose_s8(const int8_t *input, const int32_t *in_shape, int32_t rank,
                            const int32_t *perm, int8_t *output, const int32_t *out_shape);

/* pad = [before_0..before_{rank-1}, after_0..after_{rank-1}], all >= 0. */
int32_t tigris_pad_s8(const int8_t *input, const int32_t *in_shape, int32_t rank,
                      const int32_t *pad, int8_t value,
                      int8_t *output, const int32_t *out_shape);

/* out = in[begin_0 : begin_0 + out_shape_0, ...]. */
int32_t tigris_slice_s8(const int8_t *input, const int32_t *in_shape, int32_t rank,
                        const int32_t *begin, int8_t *output, const int32_t *out_shape);

/* output = dest with output[..., offset : offset + in_shape[axis], ...] = input.
 * in_shape equals dest_shape except along `axis` (negative counts from the
 * end). output may be dest itself (destination-passing, no copy); otherwise
 * dest is copied first and must not overlap output. */
int32_t tigris_insert_s8(const int8_t *input, const int32_t *in_shape,
                         const int8_t *dest, const int32_t *dest_shape, int32_t rank,
                         int32_t axis, int32_t offset, int8_t *output);

#define TIGRIS_RESIZE_NEAREST 0
#define TIGRIS_RESIZE_LINEAR 1

/* Resize over H and W by index tables (length OH for y_*, OW for x_*).
 * Nearest reads only y_index0 / x_index0 (the others may be NULL); linear
 * weights are Q11 (0..2048) weights of index1. Every index is checked. */
int32_t tigris_resize_s8(const tigris_dims4_t *input_dims, const int8_t *input,
                         const tigris_dims4_t *output_dims, int8_t *output,
                         int32_t mode,
                         const int32_t *y_index0, const int32_t *y_index1,
                         const int32_t *y_weight,
                         const int32_t *x_index0, const int32_t *x_index1,
                         const int32_t *x_weight);

#ifdef __cplusplus
}
#endif

#endif /* TIGRIS_KERNELS_H */
