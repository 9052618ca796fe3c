/*
 * When an op instance can run on ESP-NN, and with which arguments (the
 * table is in tigris_kernel_args.h). A condition is here for one of these
 * reasons, named at each check:
 *   [iface]  the ESP-NN interface cannot say it (dilation, broadcasting,
 *            count_include_pad, one multiplier for all channels, uint16
 *            sizes, grouped conv before ESP-NN 1.2.3);
 *   [exact]  ESP-NN computes something else (add with a positive shift:
 *            it divides by 2^-shift, undefined; offsets outside an int8
 *            zero point: the S3 kernels pad with (int8)-in_offset);
 *   [opt]    the generic optimized kernels (esp_nn_*_opt.c, v1.2.3):
 *            esp_nn_conv_s8_opt sends every 1x1 filter to a route that
 *            ignores padding and groups and reads input pixel
 *            (oy*sh, ox*sw) unchecked;
 *   [s3]     read in the ESP32-S3 sources (esp-nn v1.2.3, master d45b843)
 *            and kept conservative: a non-zero top/left pad makes
 *            conv/depthwise copy the input with that pad on *both* sides,
 *            so a window may not reach further below/right than the
 *            top/left pad; the S3 depthwise sizes its end padding as
 *            OH*sh + KH - 1 - H, which underflows (uint16) when OH is
 *            smaller than the doc's size; the optimized kernels may
 *            dereference bias without a NULL test; the mult-1 depthwise
 *            that widens rows to int16 strip by strip (above 48 KiB) fills
 *            rows of padding with input_offset instead of 0; the avg pool
 *            for channels not a multiple of 4 sums in int16, the one for
 *            multiples of 4 loads 8 channels at a time, max pool wants
 *            multiples of 4; and (dispatch.c) the vector loads ignore the
 *            low address bits, so buffers must be 16-byte aligned.
 * Each rule applies to its flavour (TIGRIS_ESP_NN_FLAVOUR); the reference
 * stand-ins get all of them, so host tests exercise every rule.
 * [exact] also covers requantization: ESP-NN rounds twice (srdhm, then
 * rdbpot), so only TIGRIS_ROUND_DOUBLE calls map to it; a single-rounding
 * call always runs the tigris_ kernel. ESP-NN computes acc * (1 << shift)
 * in int32 without saturation and 1 << -shift, and sums in int32 without
 * wrap-around (signed overflow). The op goes to ESP-NN only when the
 * largest |acc| the op can produce (from its geometry and bias) neither
 * wraps nor overflows the left shift, and no right shift exceeds 31.
 * Checked against ESP-NN's own C kernels, ANSI and generic optimized
 * (test/python/test_esp_nn_conformance.py with ESP_NN_DIR): every mapped
 * case gives the reference kernels' bytes.
 */
#include <stddef.h>

#include "tigris_kernel_args.h"
#include "tigris_internal.h"

#define RULES_S3 (TIGRIS_ESP_NN_FLAVOUR == TIGRIS_ESP_NN_S3 || \
                  TIGRIS_ESP_NN_FLAVOUR == TIGRIS_ESP_NN_ALL)
#define RULES_OPT (TIGRIS_ESP_NN_FLAVOUR == TIGRIS_ESP_NN_OPT || \
                   TIGRIS_ESP_NN_FLAVOUR == TIGRIS_ESP_NN_ALL)

/* Largest size passed through ESP-NN's uint16_t / int16_t locals. */
#define ESP_U16_MAX 65535
#define ESP_I16_MAX 32767

/* [exact] offsets the S3 kernels handle: a negated int8 zero point on the
 * input side, an int8 zero point on the output side. */
static int in_offset_ok(int32_t off)
{
    return off >= -127 && off <= 128;
}

static int out_offset_ok(int32_t off)
{
    return off >= -128 && off <= 127;
}

/* ESP-NN stores clamp(x, min, max) as int8 without a second clamp: cut the
 * activation range to int8, which gives the doc's clamp-then-int8 result
 * whenever the cut range is not empty. */
static int act_cut(int32_t act_min, int32_t act_max, int32_t *lo, int32_t *hi)
{
    *lo = (act_min > -128) ? act_min : -128;
    *hi = (act_max < 127) ? act_max : 127;
    return *lo <= *hi;
}

/* [s3] how far the last window reaches past the input, below or right,
 * must stay within the top/left pad, unless both pads are 0 and the
 * kernel extends the input at its end instead (allow_end_pad). */
static int s3_pads_ok(int32_t h, int32_t w, int32_t oh, int32_t ow, int32_t kh, int32_t kw,
                      int32_t sh, int32_t sw, int32_t top, int32_t left, int allow_end_pad)
{
    const int64_t below = (int64_t)(oh - 1) * sh + kh - h - top;
    const int64_t right = (int64_t)(ow - 1) * sw + kw - w - left;
    if (below <= top && right <= left) {
        return 1;
    }
    return allow_end_pad && top == 0 && left == 0;
}

/* Largest |in + input_offset| * |w| of one tap: 255 * 128 (offsets are
 * limited to a negated int8 zero point, weights are int8). */
#define TAP_BOUND ((int64_t)255 * 128)

static int64_t max_abs(const int32_t *v, int32_t n)
{
    int64_t m = 0;
    int32_t i;
    for (i = 0; i < n; i++) {
        const int64_t a = (v[i] < 0) ? -(int64_t)v[i] : (int64_t)v[i];
        m = (a > m) ? a : m;
    }
    return m;
}

/* [exact] every |acc| <= bound is summed and requantized by ESP-NN exactly
 * as by the doc (see the header of this file). */
static int requant_ok(int64_t bound, const int32_t *shift, int32_t n)
{
    int32_t i;
    if (bound > INT32_MAX) {
        return 0; /* the int32 accumulator could wrap */
    }
    for (i = 0; i < n; i++) {
        /* bound <= 2^31 and left <= 31: the shift stays inside int64 */
        const int32_t left = (shift[i] > 0) ? shift[i] : 0;
        if (shift[i] < -31 || shift[i] > 31 || (bound << left) > INT32_MAX) {
            return 0;
        }
    }
    return 1;
}

static int all_le(const int32_t *v, int32_t n, int32_t limit)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        if (v[i] > limit) {
            return 0;
        }
    }
    return 1;
}

/* Checks shared by conv and depthwise after their own validation. */
static int32_t conv_common(const tigris_dims4_t *in, const tigris_dims4_t *f,
                           const tigris_dims4_t *out, const tigris_conv_params_t *p,
                           const int32_t *bias, int32_t taps, int allow_end_pad)
{
    int32_t sizes[13];
    int32_t lo, hi;
    sizes[0] = in->h;
    sizes[1] = in->w;
    sizes[2] = in->c;
    sizes[3] = f->h;
    sizes[4] = f->w;
    sizes[5] = out->h;
    sizes[6] = out->w;
    sizes[7] = out->c;
    sizes[8] = p->stride[0];
    sizes[9] = p->stride[1];
    sizes[10] = p->pad[0];
    sizes[11] = p->pad[2];
    sizes[12] = f->c;
    if ((RULES_S3 && bias == NULL) ||                     /* [s3] */
        p->dilation[0] != 1 || p->dilation[1] != 1 ||     /* [iface] */
        (p->quant_count != out->c) ||                     /* [iface] Cout entries */
        !all_le(sizes, 13, ESP_I16_MAX) ||                /* [iface] int16 locals */
        (int64_t)(out->h - 1) * p->stride[0] > ESP_I16_MAX || /* out_y * stride too */
        (int64_t)(out->w - 1) * p->stride[1] > ESP_I16_MAX ||
        !in_offset_ok(p->input_offset) || !out_offset_ok(p->output_offset) ||
        !act_cut(p->act_min, p->act_max, &lo, &hi) ||
        !requant_ok((int64_t)taps * TAP_BOUND + (bias ? max_abs(bias, out->c) : 0), p->shift,
                    out->c)) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    if (!RULES_S3) {
        return TIGRIS_OK;
    }
    /* [s3] the doc's output size exactly, no partial (strip) outputs */
    if (out->h != tigris_window_count(in->h, p->pad[0], p->pad[1], f->h, p->stride[0], 1) ||
        out->w != tigris_window_count(in->w, p->pad[2], p->pad[3], f->w, p->stride[1], 1)) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    if (!s3_pads_ok(in->h, in->w, out->h, out->w, f->h, f->w, p->stride[0], p->stride[1],
                    p->pad[0], p->pad[2], allow_end_pad)) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    return TIGRIS_OK;
}

static void fill_dims(data_dims_t *d, int32_t w, int32_t h, int32_t c)
{
    d->width = w;
    d->height = h;
    d->channels = c;
    d->extra = 1; /* batch 1: one call per image */
}

int32_t tigris_esp_nn_conv_args(const tigris_dims4_t *input_dims,
                                const tigris_dims4_t *filter_dims,
                                const tigris_dims4_t *output_dims,
                                const tigris_conv_params_t *params, const int32_t *bias,
                                tigris_esp_conv_args_t *args)
{
    const tigris_conv_params_t *p = params;
    int32_t status;
    int32_t lo, hi;
    /* [s3] the 1x1 stride-1 unpadded conv assumes OH == H and OW == W */
    int allow_end_pad;

    if (args == NULL) {
        return TIGRIS_ERR_NULL;
    }
    status = tigris_conv2d_check(input_dims, filter_dims, output_dims, params);
    if (status != TIGRIS_OK) {
        return status;
    }
    if (p->rounding != TIGRIS_ROUND_DOUBLE) {
        return TIGRIS_ERR_UNSUPPORTED; /* [exact] */
    }
    allow_end_pad = !(filter_dims->h == 1 && filter_dims->w == 1 && p->stride[0] == 1 &&
                      p->stride[1] == 1);
    status = conv_common(input_dims, filter_dims, output_dims, p, bias,
                         filter_dims->h * filter_dims->w * filter_dims->c, allow_end_pad);
    if (status != TIGRIS_OK) {
        return status;
    }
    if (p->groups != 1 && !TIGRIS_ESP_NN_HAS_GROUPED_CONV) {
        return TIGRIS_ERR_UNSUPPORTED; /* [iface] */
    }
    /* [opt] a 1x1 filter: unpadded, ungrouped, every window inside the input */
    if (RULES_OPT && filter_dims->h == 1 && filter_dims->w == 1 &&
        (p->pad[0] != 0 || p->pad[2] != 0 || p->groups != 1 ||
         (int64_t)(output_dims->h - 1) * p->stride[0] >= input_dims->h ||
         (int64_t)(output_dims->w - 1) * p->stride[1] >= input_dims->w)) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    (void)act_cut(p->act_min, p->act_max, &lo, &hi);
    fill_dims(&args->input_dims, input_dims->w, input_dims->h, input_dims->c);
    fill_dims(&args->filter_dims, filter_dims->w, filter_dims->h, filter_dims->c);
    fill_dims(&args->output_dims, output_dims->w, output_dims->h, output_dims->c);
    args->conv_params.in_offset = p->input_offset;
    args->conv_params.out_offset = p->output_offset;
    args->conv_params.stride.width = p->stride[1];
    args->conv_params.stride.height = p->stride[0];
    args->conv_params.padding.width = p->pad[2];  /* left */
    args->conv_params.padding.height = p->pad[0]; /* top */
    args->conv_params.dilation.width = 1;
    args->conv_params.dilation.height = 1;
    args->conv_params.activation.min = lo;
    args->conv_params.activation.max = hi;
    /* ESP-NN's quant_data_t is not const; its kernels only read it. */
    args->quant_data.mult = (int32_t *)(uintptr_t)p->multiplier;
    args->quant_data.shift = (int32_t *)(uintptr_t)p->shift;
    args->batch = input_dims->n;
    args->input_image = input_dims->h * input_dims->w * input_dims->c;
    args->output_image = output_dims->h * output_dims->w * output_dims->c;
    return TIGRIS_OK;
}

int32_t tigris_esp_nn_depthwise_args(const tigris_dims4_t *input_dims,
                                     const tigris_dims4_t *filter_dims,
                                     const tigris_dims4_t *output_dims,
                                     const tigris_conv_params_t *params, const int32_t *bias,
                                     tigris_esp_dw_args_t *args)
{
    const tigris_conv_params_t *p = params;
    int32_t status;
    int32_t lo, hi;

    if (args == NULL) {
        return TIGRIS_ERR_NULL;
    }
    status = tigris_depthwise_conv2d_check(input_dims, filter_dims, output_dims, params);
    if (status != TIGRIS_OK) {
        return status;
    }
    if (p->rounding != TIGRIS_ROUND_DOUBLE) {
        return TIGRIS_ERR_UNSUPPORTED; /* [exact] */
    }
    status = conv_common(input_dims, filter_dims, output_dims, p, bias,
                         filter_dims->h * filter_dims->w, 1);
    if (status != TIGRIS_OK) {
        return status;
    }
    /* [s3] mult 1, C % 8 == 0, not 3x3, int16 filter + input over 48 KiB:
     * processed strip by strip, whose rows of padding are input_offset */
    if (RULES_S3 && p->channel_multiplier == 1 && input_dims->c % 8 == 0 &&
        !(filter_dims->h == 3 && filter_dims->w == 3) &&
        2 * ((int64_t)filter_dims->h * filter_dims->w + (int64_t)input_dims->h * input_dims->w) *
                input_dims->c > 48 * 1024 &&
        (p->pad[0] != 0 ||
         (int64_t)(output_dims->h - 1) * p->stride[0] + filter_dims->h > input_dims->h)) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    (void)act_cut(p->act_min, p->act_max, &lo, &hi);
    fill_dims(&args->input_dims, input_dims->w, input_dims->h, input_dims->c);
    fill_dims(&args->filter_dims, filter_dims->w, filter_dims->h, filter_dims->c);
    fill_dims(&args->output_dims, output_dims->w, output_dims->h, output_dims->c);
    args->conv_params.in_offset = p->input_offset;
    args->conv_params.out_offset = p->output_offset;
    args->conv_params.ch_mult = p->channel_multiplier;
    args->conv_params.stride.width = p->stride[1];
    args->conv_params.stride.height = p->stride[0];
    args->conv_params.padding.width = p->pad[2];
    args->conv_params.padding.height = p->pad[0];
    args->conv_params.dilation.width = 1;
    args->conv_params.dilation.height = 1;
    args->conv_params.activation.min = lo;
    args->conv_params.activation.max = hi;
    args->quant_data.mult = (int32_t *)(uintptr_t)p->multiplier;
    args->quant_data.shift = (int32_t *)(uintptr_t)p->shift;
    args->batch = input_dims->n;
    args->input_image = input_dims->h * input_dims->w * input_dims->c;
    args->output_image = output_dims->h * output_dims->w * output_dims->c;
    return TIGRIS_OK;
}

int32_t tigris_esp_nn_fc_args(int32_t rows, int32_t depth, int32_t out_channels,
                              const tigris_fc_params_t *params, const int32_t *bias,
                              tigris_esp_fc_args_t *args)
{
    int32_t sizes[3];
    int32_t lo, hi;
    if (params == NULL || args == NULL || params->multiplier == NULL || params->shift == NULL) {
        return TIGRIS_ERR_NULL;
    }
    /* input [rows, K], weights [Cout, K], output [rows, Cout] */
    sizes[0] = rows;
    sizes[1] = depth;
    sizes[2] = out_channels;
    if (tigris_count(sizes, 2) < 0 || tigris_count(sizes + 1, 2) < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    sizes[1] = out_channels;
    if (tigris_count(sizes, 2) < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    if (params->quant_count != 1 && params->quant_count != out_channels) {
        return TIGRIS_ERR_PARAM;
    }
    if (tigris_fp_rounding_check(params->rounding, params->shift, params->quant_count) !=
        TIGRIS_OK) {
        return TIGRIS_ERR_PARAM;
    }
    if (params->rounding != TIGRIS_ROUND_DOUBLE ||              /* [exact] */
        bias == NULL || depth > ESP_U16_MAX || out_channels > ESP_U16_MAX ||
        !in_offset_ok(params->input_offset) || !out_offset_ok(params->output_offset) ||
        !act_cut(params->act_min, params->act_max, &lo, &hi) ||
        !requant_ok((int64_t)depth * TAP_BOUND + max_abs(bias, out_channels), params->shift,
                    params->quant_count)) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    args->rows = rows;
    args->input_offset = params->input_offset;
    args->row_len = (uint16_t)depth;
    args->filter_offset = 0; /* symmetric weights */
    args->out_channels = (uint16_t)out_channels;
    args->out_offset = params->output_offset;
    args->out_shift = params->shift;
    args->out_mult = params->multiplier;
    args->per_channel = (params->quant_count != 1) ? 1 : 0;
    args->activation_min = lo;
    args->activation_max = hi;
    return TIGRIS_OK;
}

/* Same-shape elementwise: the element count, or a negative status. */
static int32_t same_shape_count(const int32_t *shape1, int32_t rank1, const int32_t *shape2,
                                int32_t rank2, const int32_t *out_shape, int32_t out_rank)
{
    int32_t d;
    int32_t count;
    if (out_rank < 1 || out_rank > TIGRIS_MAX_RANK || shape1 == NULL || shape2 == NULL ||
        out_shape == NULL) {
        return TIGRIS_ERR_UNSUPPORTED; /* scalars go through the tigris kernel */
    }
    count = tigris_count(out_shape, out_rank);
    if (count < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    if (rank1 != out_rank || rank2 != out_rank) {
        return TIGRIS_ERR_UNSUPPORTED; /* [iface] broadcasting */
    }
    for (d = 0; d < out_rank; d++) {
        if (shape1[d] != out_shape[d] || shape2[d] != out_shape[d]) {
            return TIGRIS_ERR_UNSUPPORTED; /* [iface] broadcasting (or invalid) */
        }
    }
    return count;
}

int32_t tigris_esp_nn_add_args(const int32_t *shape1, int32_t rank1,
                               const int32_t *shape2, int32_t rank2,
                               const int32_t *out_shape, int32_t out_rank,
                               const tigris_add_params_t *params, int32_t *size)
{
    const tigris_add_params_t *p = params;
    int32_t count;
    int32_t lo, hi;
    int32_t shifts[3];
    if (p == NULL || size == NULL) {
        return TIGRIS_ERR_NULL;
    }
    shifts[0] = p->input1_shift;
    shifts[1] = p->input2_shift;
    shifts[2] = p->output_shift;
    if (p->left_shift < 0 || tigris_fp_rounding_check(p->rounding, shifts, 3) != TIGRIS_OK) {
        return TIGRIS_ERR_PARAM;
    }
    count = same_shape_count(shape1, rank1, shape2, rank2, out_shape, out_rank);
    if (count < 0) {
        return count;
    }
    if (p->rounding != TIGRIS_ROUND_DOUBLE ||                            /* [exact] */
        p->input1_shift > 0 || p->input2_shift > 0 || p->output_shift > 0 || /* [exact] */
        p->input1_shift < -31 || p->input2_shift < -31 || p->output_shift < -31 ||
        p->left_shift > 31 ||
        !in_offset_ok(p->input1_offset) || !in_offset_ok(p->input2_offset) ||
        !out_offset_ok(p->output_offset) || !act_cut(p->act_min, p->act_max, &lo, &hi)) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    /* [exact] ESP-NN shifts (in + offset) left in int32: |in + offset| <= 256
     * must not overflow. */
    if (((int64_t)256 << p->left_shift) > INT32_MAX) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    *size = count;
    return TIGRIS_OK;
}

int32_t tigris_esp_nn_mul_args(const int32_t *shape1, int32_t rank1,
                               const int32_t *shape2, int32_t rank2,
                               const int32_t *out_shape, int32_t out_rank,
                               const tigris_mul_params_t *params, int32_t *size)
{
    const tigris_mul_params_t *p = params;
    int32_t count;
    int32_t lo, hi;
    if (p == NULL || size == NULL) {
        return TIGRIS_ERR_NULL;
    }
    if (tigris_fp_rounding_check(p->rounding, &p->output_shift, 1) != TIGRIS_OK) {
        return TIGRIS_ERR_PARAM;
    }
    count = same_shape_count(shape1, rank1, shape2, rank2, out_shape, out_rank);
    if (count < 0) {
        return count;
    }
    /* [exact] one rounding mode; ESP-NN documents output_shift <= 0 for mul */
    if (p->rounding != TIGRIS_ROUND_DOUBLE || p->output_shift > 0 || p->output_shift < -31 ||
        !in_offset_ok(p->input1_offset) ||
        !in_offset_ok(p->input2_offset) || !out_offset_ok(p->output_offset) ||
        !act_cut(p->act_min, p->act_max, &lo, &hi)) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    *size = count;
    return TIGRIS_OK;
}

int32_t tigris_esp_nn_pool_args(const tigris_dims4_t *input_dims,
                                const tigris_dims4_t *output_dims,
                                const tigris_pool_params_t *params, int32_t is_max,
                                tigris_esp_pool_args_t *args)
{
    const tigris_pool_params_t *p = params;
    int32_t sizes[11];
    int32_t status;
    int32_t lo, hi;
    if (args == NULL) {
        return TIGRIS_ERR_NULL;
    }
    status = tigris_pool_check(input_dims, output_dims, params, is_max);
    if (status != TIGRIS_OK) {
        return status;
    }
    sizes[0] = input_dims->h;
    sizes[1] = input_dims->w;
    sizes[2] = input_dims->c;
    sizes[3] = output_dims->h;
    sizes[4] = output_dims->w;
    sizes[5] = p->kernel[0];
    sizes[6] = p->kernel[1];
    sizes[7] = p->stride[0];
    sizes[8] = p->stride[1];
    sizes[9] = p->pad[0];
    sizes[10] = p->pad[2];
    if (!all_le(sizes, 11, ESP_U16_MAX) ||                      /* [iface] uint16 */
        (is_max && (p->dilation[0] != 1 || p->dilation[1] != 1)) || /* [iface] */
        !act_cut(p->act_min, p->act_max, &lo, &hi) ||
        (RULES_S3 &&                                              /* [s3] */
         !s3_pads_ok(input_dims->h, input_dims->w, output_dims->h, output_dims->w,
                     p->kernel[0], p->kernel[1], p->stride[0], p->stride[1], p->pad[0],
                     p->pad[2], 0))) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    /* [exact] every window holds an input element: ESP-NN divides by the
     * in-bounds count (0: a division by zero) and starts max at -128 */
    if (p->kernel[0] <= p->pad[0] || p->kernel[1] <= p->pad[2] ||
        (int64_t)(output_dims->h - 1) * p->stride[0] - p->pad[0] >= input_dims->h ||
        (int64_t)(output_dims->w - 1) * p->stride[1] - p->pad[2] >= input_dims->w) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    /* [s3] max pool: channels a multiple of 4; avg pool: a multiple of 8
     * (8-byte loads), or not of 4 with an int16 sum that cannot overflow */
    if (RULES_S3 && (is_max ? input_dims->c % 4 != 0
                            : (input_dims->c % 4 == 0 ? input_dims->c % 8 != 0
                                                      : (int64_t)p->kernel[0] * p->kernel[1] > 255))) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    /* [iface] ESP-NN always divides by the in-bounds count: equal to
     * count_include_pad only if no window touches padding. */
    if (!is_max && p->count_include_pad &&
        !(p->pad[0] == 0 && p->pad[2] == 0 &&
          s3_pads_ok(input_dims->h, input_dims->w, output_dims->h, output_dims->w,
                     p->kernel[0], p->kernel[1], p->stride[0], p->stride[1], 0, 0, 0))) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    args->input_wd = (uint16_t)input_dims->w;
    args->input_ht = (uint16_t)input_dims->h;
    args->output_wd = (uint16_t)output_dims->w;
    args->output_ht = (uint16_t)output_dims->h;
    args->stride_wd = (uint16_t)p->stride[1];
    args->stride_ht = (uint16_t)p->stride[0];
    args->filter_wd = (uint16_t)p->kernel[1];
    args->filter_ht = (uint16_t)p->kernel[0];
    args->pad_wd = (uint16_t)p->pad[2]; /* left */
    args->pad_ht = (uint16_t)p->pad[0]; /* top */
    args->activation_min = lo;
    args->activation_max = hi;
    args->channels = (uint16_t)input_dims->c;
    args->batch = input_dims->n;
    args->input_image = input_dims->h * input_dims->w * input_dims->c;
    args->output_image = output_dims->h * output_dims->w * output_dims->c;
    return TIGRIS_OK;
}

int32_t tigris_esp_nn_mean_ok(const tigris_dims4_t *input_dims,
                              const tigris_gap_params_t *params)
{
    if (input_dims == NULL || params == NULL) {
        return TIGRIS_ERR_NULL;
    }
    if (tigris_count4(input_dims) < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    if (tigris_fp_rounding_check(params->rounding, &params->shift, 1) != TIGRIS_OK) {
        return TIGRIS_ERR_PARAM;
    }
    if (!TIGRIS_ESP_NN_HAS_MEAN ||                           /* [iface] */
        params->rounding != TIGRIS_ROUND_DOUBLE ||           /* [exact] */
        !in_offset_ok(params->input_offset) || !out_offset_ok(params->output_offset) ||
        !requant_ok((int64_t)input_dims->h * input_dims->w * 256, &params->shift, 1)) {
        return TIGRIS_ERR_UNSUPPORTED;
    }
    return TIGRIS_OK;
}
