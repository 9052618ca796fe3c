/*
 * Elementwise kernels: add and mul (ESP-NN same-size entry points and the
 * broadcasting tigris_ versions) and the 256-entry lookup table.
 *
 * add: x_i = (in_i + input_i_offset) << left_shift (int32, wraps),
 *      s_i = requant(x_i, input_i_multiplier, input_i_shift),
 *      out = clamp(requant(s1 + s2, output_multiplier, output_shift) + output_offset)
 * mul: out = clamp(requant((in1 + off1) * (in2 + off2), ...) + output_offset)
 * requant rounds as the params' `rounding` says (TIGRIS_ROUND_*), for all
 * three requantizations of add.
 */
#include <stddef.h>

#include "esp_nn_ref.h"
#include "tigris_internal.h"

/* v << s modulo 2^32; every bit leaves the register once s >= 32 (the
 * reference shifts in int64 and then wraps to int32). s >= 0. */
static inline int32_t shl_wrap(int32_t v, int32_t s)
{
    if (s >= 32) {
        return 0;
    }
    return tigris_to_i32((uint32_t)v << s);
}

/* One element. `rounding` is a constant in each row function below, so the
 * mode is chosen once per call, not per element. */
static inline int8_t add_one(int32_t a, int32_t b, const tigris_add_params_t *p,
                             int32_t rounding)
{
    const int32_t x1 = shl_wrap(tigris_wrap_add(a, p->input1_offset), p->left_shift);
    const int32_t x2 = shl_wrap(tigris_wrap_add(b, p->input2_offset), p->left_shift);
    const int32_t s1 =
        tigris_fp_requant_mode(x1, p->input1_multiplier, p->input1_shift, rounding);
    const int32_t s2 =
        tigris_fp_requant_mode(x2, p->input2_multiplier, p->input2_shift, rounding);
    return tigris_fp_finish(tigris_wrap_add(s1, s2), p->output_multiplier, p->output_shift,
                            rounding, p->output_offset, p->act_min, p->act_max);
}

static inline int8_t mul_one(int32_t a, int32_t b, const tigris_mul_params_t *p,
                             int32_t rounding)
{
    const int32_t prod = tigris_wrap_mul(tigris_wrap_add(a, p->input1_offset),
                                         tigris_wrap_add(b, p->input2_offset));
    return tigris_fp_finish(prod, p->output_multiplier, p->output_shift, rounding,
                            p->output_offset, p->act_min, p->act_max);
}

/* One innermost row of a broadcast: input strides are 1 or 0 (repeated). */
typedef void (*row_fn_t)(const int8_t *a, int32_t sa, const int8_t *b, int32_t sb,
                         int8_t *out, int32_t n, const void *params);

static void add_row(const int8_t *a, int32_t sa, const int8_t *b, int32_t sb, int8_t *out,
                    int32_t n, const void *params)
{
    const tigris_add_params_t *p = (const tigris_add_params_t *)params;
    int32_t i;
    for (i = 0; i < n; i++) {
        out[i] = add_one(a[i * sa], b[i * sb], p, TIGRIS_ROUND_DOUBLE);
    }
}

static void add_row_single(const int8_t *a, int32_t sa, const int8_t *b, int32_t sb,
                           int8_t *out, int32_t n, const void *params)
{
    const tigris_add_params_t *p = (const tigris_add_params_t *)params;
    int32_t i;
    for (i = 0; i < n; i++) {
        out[i] = add_one(a[i * sa], b[i * sb], p, TIGRIS_ROUND_SINGLE);
    }
}

static void mul_row(const int8_t *a, int32_t sa, const int8_t *b, int32_t sb, int8_t *out,
                    int32_t n, const void *params)
{
    const tigris_mul_params_t *p = (const tigris_mul_params_t *)params;
    int32_t i;
    for (i = 0; i < n; i++) {
        out[i] = mul_one(a[i * sa], b[i * sb], p, TIGRIS_ROUND_DOUBLE);
    }
}

static void mul_row_single(const int8_t *a, int32_t sa, const int8_t *b, int32_t sb,
                           int8_t *out, int32_t n, const void *params)
{
    const tigris_mul_params_t *p = (const tigris_mul_params_t *)params;
    int32_t i;
    for (i = 0; i < n; i++) {
        out[i] = mul_one(a[i * sa], b[i * sb], p, TIGRIS_ROUND_SINGLE);
    }
}

/* ------------------------------------------------------ ESP-NN interface */

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
                               const int32_t size)
{
    tigris_add_params_t p;
    if (input1_data == NULL || input2_data == NULL || output == NULL || size < 1 ||
        left_shift < 0) {
        return;
    }
    p.input1_offset = input1_offset;
    p.input2_offset = input2_offset;
    p.input1_multiplier = input1_mult;
    p.input1_shift = input1_shift;
    p.input2_multiplier = input2_mult;
    p.input2_shift = input2_shift;
    p.left_shift = left_shift;
    p.output_offset = out_offset;
    p.output_multiplier = out_mult;
    p.output_shift = out_shift;
    p.act_min = activation_min;
    p.act_max = activation_max;
    p.rounding = TIGRIS_ROUND_DOUBLE; /* ESP-NN rounds twice */
    add_row(input1_data, 1, input2_data, 1, output, size, &p);
}

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
                               const int32_t size)
{
    tigris_mul_params_t p;
    if (input1_data == NULL || input2_data == NULL || output == NULL || size < 1) {
        return;
    }
    p.input1_offset = input1_offset;
    p.input2_offset = input2_offset;
    p.output_offset = out_offset;
    p.output_multiplier = out_mult;
    p.output_shift = out_shift;
    p.act_min = activation_min;
    p.act_max = activation_max;
    p.rounding = TIGRIS_ROUND_DOUBLE;
    mul_row(input1_data, 1, input2_data, 1, output, size, &p);
}

/* ----------------------------------------------------------- broadcasting */

/* Both inputs seen through the output's shape, right-aligned and padded
 * to TIGRIS_MAX_RANK with leading 1s; a stride is 0 along a dimension an
 * input repeats. */
typedef struct {
    int32_t shape[TIGRIS_MAX_RANK];
    int32_t stride1[TIGRIS_MAX_RANK];
    int32_t stride2[TIGRIS_MAX_RANK];
    int32_t count;
} bcast_t;

/* Element strides of one input; -1 if it does not broadcast to out. */
static int32_t bcast_strides(const int32_t *shape, int32_t rank, const int32_t *out_shape,
                             int32_t out_rank, int32_t *stride)
{
    int32_t d;
    int32_t step = 1;
    if (rank < 0 || rank > out_rank || (rank > 0 && shape == NULL)) {
        return -1;
    }
    for (d = TIGRIS_MAX_RANK - 1; d >= 0; d--) {
        const int32_t od = d - (TIGRIS_MAX_RANK - out_rank); /* index in out_shape */
        const int32_t id = d - (TIGRIS_MAX_RANK - rank);     /* index in shape */
        const int32_t out_n = (od >= 0) ? out_shape[od] : 1;
        const int32_t in_n = (id >= 0) ? shape[id] : 1;
        if (in_n == out_n) {
            stride[d] = (in_n == 1) ? 0 : step;
            step *= in_n; /* <= the output count, checked by the caller */
        } else if (in_n == 1) {
            stride[d] = 0;
        } else {
            return -1;
        }
    }
    return 0;
}

static int32_t bcast_setup(bcast_t *b, const int32_t *shape1, int32_t rank1,
                           const int32_t *shape2, int32_t rank2,
                           const int32_t *out_shape, int32_t out_rank)
{
    int32_t d;
    if (out_rank < 0 || out_rank > TIGRIS_MAX_RANK || (out_rank > 0 && out_shape == NULL)) {
        return TIGRIS_ERR_SHAPE;
    }
    /* numpy: the result has the higher of the two ranks */
    if (out_rank != ((rank1 > rank2) ? rank1 : rank2)) {
        return TIGRIS_ERR_SHAPE;
    }
    b->count = (out_rank > 0) ? tigris_count(out_shape, out_rank) : 1;
    if (b->count < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    for (d = 0; d < TIGRIS_MAX_RANK; d++) {
        const int32_t od = d - (TIGRIS_MAX_RANK - out_rank);
        b->shape[d] = (od >= 0) ? out_shape[od] : 1;
    }
    if (bcast_strides(shape1, rank1, out_shape, out_rank, b->stride1) != 0 ||
        bcast_strides(shape2, rank2, out_shape, out_rank, b->stride2) != 0) {
        return TIGRIS_ERR_SHAPE;
    }
    return TIGRIS_OK;
}

static void bcast_run(const bcast_t *b, const int8_t *in1, const int8_t *in2, int8_t *out,
                      row_fn_t fn, const void *params)
{
    const int32_t last = TIGRIS_MAX_RANK - 1;
    const int32_t inner = b->shape[last];
    int32_t idx[TIGRIS_MAX_RANK];
    int32_t off1 = 0;
    int32_t off2 = 0;
    int32_t done;
    int32_t d;

    for (d = 0; d < TIGRIS_MAX_RANK; d++) {
        idx[d] = 0;
    }
    for (done = 0; done < b->count; done += inner) {
        fn(in1 + off1, b->stride1[last], in2 + off2, b->stride2[last], out + done, inner,
           params);
        /* odometer over the outer dimensions */
        for (d = last - 1; d >= 0; d--) {
            idx[d]++;
            off1 += b->stride1[d];
            off2 += b->stride2[d];
            if (idx[d] < b->shape[d]) {
                break;
            }
            off1 -= b->stride1[d] * b->shape[d];
            off2 -= b->stride2[d] * b->shape[d];
            idx[d] = 0;
        }
    }
}

int32_t tigris_add_s8(const int8_t *input1, const int32_t *shape1, int32_t rank1,
                      const int8_t *input2, const int32_t *shape2, int32_t rank2,
                      int8_t *output, const int32_t *out_shape, int32_t out_rank,
                      const tigris_add_params_t *params)
{
    bcast_t b;
    int32_t status;
    int32_t shifts[3];
    if (input1 == NULL || input2 == NULL || output == NULL || params == NULL) {
        return TIGRIS_ERR_NULL;
    }
    shifts[0] = params->input1_shift;
    shifts[1] = params->input2_shift;
    shifts[2] = params->output_shift;
    if (params->left_shift < 0 ||
        tigris_fp_rounding_check(params->rounding, shifts, 3) != TIGRIS_OK) {
        return TIGRIS_ERR_PARAM;
    }
    status = bcast_setup(&b, shape1, rank1, shape2, rank2, out_shape, out_rank);
    if (status != TIGRIS_OK) {
        return status;
    }
    bcast_run(&b, input1, input2, output,
              (params->rounding == TIGRIS_ROUND_SINGLE) ? add_row_single : add_row, params);
    return TIGRIS_OK;
}

int32_t tigris_mul_s8(const int8_t *input1, const int32_t *shape1, int32_t rank1,
                      const int8_t *input2, const int32_t *shape2, int32_t rank2,
                      int8_t *output, const int32_t *out_shape, int32_t out_rank,
                      const tigris_mul_params_t *params)
{
    bcast_t b;
    int32_t status;
    if (input1 == NULL || input2 == NULL || output == NULL || params == NULL) {
        return TIGRIS_ERR_NULL;
    }
    if (tigris_fp_rounding_check(params->rounding, &params->output_shift, 1) != TIGRIS_OK) {
        return TIGRIS_ERR_PARAM;
    }
    status = bcast_setup(&b, shape1, rank1, shape2, rank2, out_shape, out_rank);
    if (status != TIGRIS_OK) {
        return status;
    }
    bcast_run(&b, input1, input2, output,
              (params->rounding == TIGRIS_ROUND_SINGLE) ? mul_row_single : mul_row, params);
    return TIGRIS_OK;
}

/* ------------------------------------------------------------------ lut */

int32_t tigris_lut_s8(const int8_t *input, int32_t size, const int8_t table[256],
                      int8_t *output)
{
    int32_t i;
    if (input == NULL || table == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    if (size < 1) {
        return TIGRIS_ERR_SHAPE;
    }
    for (i = 0; i < size; i++) {
        output[i] = table[(int32_t)input[i] + 128];
    }
    return TIGRIS_OK;
}

int32_t tigris_lut_per_channel_s8(const int8_t *input, int32_t size, int32_t channels,
                                  const int8_t *tables, int8_t *output)
{
    int32_t i;
    int32_t c;
    if (input == NULL || tables == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    if (size < 1 || channels < 1 || channels > INT32_MAX / 256 || size % channels != 0) {
        return TIGRIS_ERR_SHAPE;
    }
    /* Whole rows of `channels` elements, so element i is channel i mod channels;
     * each element is read before it is written (in place is allowed). */
    for (i = 0; i < size; i += channels) {
        const int8_t *in = input + i;
        int8_t *out = output + i;
        int32_t base = 128;
        for (c = 0; c < channels; c++) {
            out[c] = tables[base + (int32_t)in[c]];
            base += 256;
        }
    }
    return TIGRIS_OK;
}
