/*
 * One plan call -> one kernel call. Each function maps the call's tensor
 * descriptors and int32 parameters onto the kernel's arguments; with
 * run == 0 it only checks them (tigris_load), with run == 1 it calls the
 * kernel (tigris_run). Checking and running share the mapping, so what was
 * checked is what runs. The kernels of ESP-NN's interface go through the
 * tigris_run_* dispatchers (runtime/kernels/src/dispatch.c), the others
 * through the tigris_* kernels. Parameter words follow the KERNELS table
 * of python/tigris/plan/format.py.
 */
#include <string.h>

#include "plan_format.h"
#include "tigris_kernel_args.h"

#define P(i) (o->call.params[(i)])
#define I8(s) ((const int8_t *)tg_slot_ptr(o, (s)))
#define O8(s) ((int8_t *)tg_slot_ptr(o, (s)))
#define I32(s) ((const int32_t *)(const void *)tg_slot_ptr(o, (s)))

/* A kernel's TIGRIS_ERR_* -> the status tigris_load reports. */
static tigris_status_t from_kernel(int32_t err)
{
    switch (err) {
    case TIGRIS_OK: return TIGRIS_STATUS_OK;
    case TIGRIS_ERR_SHAPE: return TIGRIS_STATUS_BAD_SHAPE;
    case TIGRIS_ERR_SCRATCH: return TIGRIS_STATUS_SCRATCH;
    default: return TIGRIS_STATUS_BAD_PARAM;
    }
}

static tigris_status_t ran(int32_t err)
{
    if (err == TIGRIS_OK) {
        return TIGRIS_STATUS_OK;
    }
    return (err == TIGRIS_ERR_SCRATCH) ? TIGRIS_STATUS_SCRATCH : TIGRIS_STATUS_KERNEL;
}

static int dims4(const tg_tensor_t *t, tigris_dims4_t *d)
{
    if (t->rank != 4u) {
        return 0;
    }
    d->n = t->dims[0];
    d->h = t->dims[1];
    d->w = t->dims[2];
    d->c = t->dims[3];
    return 1;
}

/* The call's requantization mode: TG_CALL_SINGLE_ROUNDING (allowed by the
 * loader on the requantizing kernels only) or the default double rounding. */
static int32_t rounding(const tg_operands_t *o)
{
    return ((uint32_t)o->call.flags & TG_CALL_SINGLE_ROUNDING) != 0u ? TIGRIS_ROUND_SINGLE
                                                                    : TIGRIS_ROUND_DOUBLE;
}

/* The kernel's rounding check (a known mode; under single rounding every
 * shift in [-31, 30]) as a load status. */
static tigris_status_t rounding_ok(int32_t mode, const int32_t *shift, int32_t count)
{
    return (tigris_requant_check(mode, shift, count) == TIGRIS_OK) ? TIGRIS_STATUS_OK
                                                                 : TIGRIS_STATUS_BAD_PARAM;
}

static int32_t last_dim(const tg_tensor_t *t)
{
    return (t->rank > 0u) ? t->dims[t->rank - 1u] : 1;
}

/* Parameter words from `first` on must be zero (unused array entries). */
static int zero_from(const tg_operands_t *o, uint32_t first, uint32_t end)
{
    uint32_t i;
    for (i = first; i < end; i++) {
        if (P(i) != 0) {
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------- conv, depthwise */

static tigris_status_t k_conv(const tg_operands_t *o, int run, int depthwise)
{
    tigris_dims4_t in, f, out;
    tigris_conv_params_t p;
    const int32_t *bias = o->present[2] ? I32(2) : NULL;
    void *scratch = tg_slot_ptr(o, 6);
    const int32_t scratch_size = !o->present[6] ? 0
                                 : (o->t[6].size > (uint32_t)INT32_MAX) ? INT32_MAX
                                 : (int32_t)o->t[6].size;
    int32_t need;
    int32_t err;
    if (!dims4(&o->t[0], &in) || !dims4(&o->t[1], &f) || !dims4(&o->t[5], &out) ||
        o->t[3].count != o->t[4].count || (bias != NULL && o->t[2].count != out.c)) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    p.stride[0] = P(0);
    p.stride[1] = P(1);
    p.dilation[0] = P(2);
    p.dilation[1] = P(3);
    p.pad[0] = P(4);
    p.pad[1] = P(5);
    p.pad[2] = P(6);
    p.pad[3] = P(7);
    p.groups = depthwise ? 1 : P(8);
    p.channel_multiplier = depthwise ? P(8) : 1;
    p.input_offset = P(9);
    p.output_offset = P(10);
    p.act_min = P(11);
    p.act_max = P(12);
    p.multiplier = I32(3);
    p.shift = I32(4);
    p.quant_count = o->t[3].count;
    p.rounding = rounding(o);
    if (!run) {
        err = depthwise ? tigris_depthwise_conv2d_check(&in, &f, &out, &p)
                        : tigris_conv2d_check(&in, &f, &out, &p);
        if (err != TIGRIS_OK) {
            return from_kernel(err);
        }
        need = depthwise ? tigris_depthwise_conv2d_scratch_size(&in, &f, &out, &p, bias)
                         : tigris_conv2d_scratch_size(&in, &f, &out, &p, bias);
        return (need > scratch_size) ? TIGRIS_STATUS_SCRATCH : TIGRIS_STATUS_OK;
    }
    if (depthwise) {
        return ran(tigris_run_depthwise_conv2d_s8(&in, I8(0), &f, I8(1), bias, &out, O8(5), &p,
                                                  scratch, scratch_size, NULL));
    }
    return ran(tigris_run_conv2d_s8(&in, I8(0), &f, I8(1), bias, &out, O8(5), &p, scratch,
                                    scratch_size, NULL));
}

static tigris_status_t k_fc(const tg_operands_t *o, int run)
{
    tigris_fc_params_t p;
    const int32_t *bias = o->present[2] ? I32(2) : NULL;
    int32_t cout, depth, rows;
    if (o->t[1].rank != 2u) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    cout = o->t[1].dims[0];
    depth = o->t[1].dims[1];
    rows = o->t[0].count / depth;
    if (o->t[0].count % depth != 0 || (int64_t)rows * cout != o->t[5].count ||
        o->t[3].count != o->t[4].count || (bias != NULL && o->t[2].count != cout)) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    if (o->t[3].count != 1 && o->t[3].count != cout) {
        return TIGRIS_STATUS_BAD_PARAM;
    }
    p.input_offset = P(0);
    p.output_offset = P(1);
    p.act_min = P(2);
    p.act_max = P(3);
    p.multiplier = I32(3);
    p.shift = I32(4);
    p.quant_count = o->t[3].count;
    p.rounding = rounding(o);
    if (!run) {
        return rounding_ok(p.rounding, p.shift, p.quant_count);
    }
    return ran(tigris_run_fully_connected_s8(I8(0), rows, depth, I8(1), bias, cout, O8(5), &p,
                                             NULL));
}

/* ------------------------------------------------------------ elementwise */

/* numpy broadcasting of `in` to `out`, shapes aligned at their last dimension. */
static int broadcasts(const tg_tensor_t *in, const tg_tensor_t *out)
{
    uint32_t d;
    if (in->rank > out->rank) {
        return 0;
    }
    for (d = 0; d < in->rank; d++) {
        const int32_t a = in->dims[in->rank - 1u - d];
        const int32_t b = out->dims[out->rank - 1u - d];
        if (a != b && a != 1) {
            return 0;
        }
    }
    return 1;
}

static tigris_status_t k_binary(const tg_operands_t *o, int run, int is_add)
{
    const tg_tensor_t *a = &o->t[0];
    const tg_tensor_t *b = &o->t[1];
    const tg_tensor_t *y = &o->t[2];
    tigris_add_params_t ap;
    tigris_mul_params_t mp;
    int32_t shifts[3];
    if (y->rank != ((a->rank > b->rank) ? a->rank : b->rank) || !broadcasts(a, y) ||
        !broadcasts(b, y)) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    if (is_add) {
        ap.input1_offset = P(0);
        ap.input2_offset = P(1);
        ap.input1_multiplier = P(2);
        ap.input1_shift = P(3);
        ap.input2_multiplier = P(4);
        ap.input2_shift = P(5);
        ap.left_shift = P(6);
        ap.output_offset = P(7);
        ap.output_multiplier = P(8);
        ap.output_shift = P(9);
        ap.act_min = P(10);
        ap.act_max = P(11);
        ap.rounding = rounding(o);
        if (ap.left_shift < 0) {
            return TIGRIS_STATUS_BAD_PARAM;
        }
        if (!run) {
            shifts[0] = ap.input1_shift;
            shifts[1] = ap.input2_shift;
            shifts[2] = ap.output_shift;
            return rounding_ok(ap.rounding, shifts, 3);
        }
        return ran(tigris_run_add_s8(I8(0), a->dims, (int32_t)a->rank, I8(1), b->dims,
                                     (int32_t)b->rank, O8(2), y->dims, (int32_t)y->rank, &ap,
                                     NULL));
    }
    mp.input1_offset = P(0);
    mp.input2_offset = P(1);
    mp.output_offset = P(2);
    mp.output_multiplier = P(3);
    mp.output_shift = P(4);
    mp.act_min = P(5);
    mp.act_max = P(6);
    mp.rounding = rounding(o);
    if (!run) {
        return rounding_ok(mp.rounding, &mp.output_shift, 1);
    }
    return ran(tigris_run_mul_s8(I8(0), a->dims, (int32_t)a->rank, I8(1), b->dims,
                                 (int32_t)b->rank, O8(2), y->dims, (int32_t)y->rank, &mp, NULL));
}

/* ------------------------------------------------------------------ pools */

/* A pool's work is outputs x window, and nothing but this check ties the
 * window to the tensors: it must fit the padded input (a ceil-mode overhang
 * below both the stride and the padded input), pads must be smaller than the
 * window (ONNX's rule) and no larger than the input: so the window is at
 * most six times the input. Every ONNX / TFLite pool and every strip of one
 * meets this (a 1-row strip of a stride-2 pool has a stride longer than its
 * input); a corrupted plan with a huge window is rejected instead of running
 * for hours. Values the kernel itself rejects pass through. */
static int pool_window_ok(int32_t size, int32_t k, int32_t s, int32_t d, int32_t before,
                          int32_t after)
{
    int64_t ext, padded;
    if (k < 1 || s < 1 || d < 1 || before < 0 || after < 0) {
        return 1;
    }
    ext = (int64_t)(k - 1) * d + 1;
    padded = (int64_t)size + before + after;
    return before < ext && after < ext && before <= size && after <= size &&
           ext <= padded + ((s < padded) ? s : padded) - 1;
}

static tigris_status_t k_pool(const tg_operands_t *o, int run, int is_max)
{
    tigris_dims4_t in, out;
    tigris_pool_params_t p;
    int32_t err;
    if (!dims4(&o->t[0], &in) || !dims4(&o->t[1], &out)) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    p.kernel[0] = P(0);
    p.kernel[1] = P(1);
    p.stride[0] = P(2);
    p.stride[1] = P(3);
    if (is_max) {
        p.dilation[0] = P(4);
        p.dilation[1] = P(5);
        p.pad[0] = P(6);
        p.pad[1] = P(7);
        p.pad[2] = P(8);
        p.pad[3] = P(9);
        p.count_include_pad = 0;
        p.act_min = P(10);
        p.act_max = P(11);
    } else {
        p.dilation[0] = 1;
        p.dilation[1] = 1;
        p.pad[0] = P(4);
        p.pad[1] = P(5);
        p.pad[2] = P(6);
        p.pad[3] = P(7);
        p.count_include_pad = P(8);
        p.act_min = P(9);
        p.act_max = P(10);
    }
    if (!run) {
        err = tigris_pool_check(&in, &out, &p, is_max);
        if (err == TIGRIS_OK &&
            (!pool_window_ok(in.h, p.kernel[0], p.stride[0], p.dilation[0], p.pad[0], p.pad[1]) ||
             !pool_window_ok(in.w, p.kernel[1], p.stride[1], p.dilation[1], p.pad[2], p.pad[3]))) {
            return TIGRIS_STATUS_BAD_PARAM;
        }
        return from_kernel(err);
    }
    if (is_max) {
        return ran(tigris_run_max_pool_s8(&in, I8(0), &out, O8(1), &p, NULL));
    }
    return ran(tigris_run_avg_pool_s8(&in, I8(0), &out, O8(1), &p, NULL));
}

static tigris_status_t k_gap(const tg_operands_t *o, int run)
{
    tigris_dims4_t in;
    tigris_gap_params_t p;
    if (!dims4(&o->t[0], &in) || (int64_t)in.n * in.c != o->t[1].count) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    p.input_offset = P(0);
    p.output_offset = P(1);
    p.multiplier = P(2);
    p.shift = P(3);
    p.rounding = rounding(o);
    if (!run) {
        return rounding_ok(p.rounding, &p.shift, 1);
    }
    return ran(tigris_run_global_avg_pool_s8(&in, I8(0), O8(1), &p, NULL));
}

/* ------------------------------------------------------------ table kernels */

static tigris_status_t k_softmax(const tg_operands_t *o, int run)
{
    const int32_t depth = last_dim(&o->t[0]);
    const int32_t *table = I32(1);
    uint64_t largest = 0u;
    int32_t i;
    if (o->t[0].count != o->t[2].count || o->t[1].count != 256) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    for (i = 0; i < 256; i++) {
        const uint64_t e = (uint32_t)table[i];
        largest = (e > largest) ? e : largest;
    }
    /* The row maximum reads table[255]: a non-zero entry keeps every sum
     * above 0, and depth * largest < 2^47 keeps it below the kernel's limit. */
    if (P(0) < 0 || (uint32_t)table[255] == 0u ||
        (uint64_t)depth * largest >= ((uint64_t)1 << 47)) {
        return TIGRIS_STATUS_BAD_PARAM;
    }
    if (!run) {
        return TIGRIS_STATUS_OK;
    }
    return ran(tigris_softmax_s8(I8(0), o->t[0].count / depth, depth, table, P(0), P(1), O8(2)));
}

/* TFLite's softmax: entries >= 0, and exp_table[255] (the row maximum's)
 * at least 2^11 so that every row's Q12.19 sum is >= 1. A row whose sum
 * reaches 2^28 is the kernel's error at run time (TFLM aborts there). */
static tigris_status_t k_softmax_tfl(const tg_operands_t *o, int run)
{
    const int32_t depth = last_dim(&o->t[0]);
    const int32_t *table = I32(1);
    int32_t i;
    if (o->t[0].count != o->t[2].count || o->t[1].count != 256) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    for (i = 0; i < 256; i++) {
        if (table[i] < 0) {
            return TIGRIS_STATUS_BAD_PARAM;
        }
    }
    if (table[255] < ((int32_t)1 << 11)) {
        return TIGRIS_STATUS_BAD_PARAM;
    }
    if (!run) {
        return TIGRIS_STATUS_OK;
    }
    return ran(tigris_softmax_tfl_s8(I8(0), o->t[0].count / depth, depth, table, O8(2)));
}

/* One table of 256 entries, or one per channel: channels x 256 entries with
 * channels the last dimension of both the input and the output. */
static tigris_status_t k_lut(const tg_operands_t *o, int run)
{
    const int32_t channels = last_dim(&o->t[0]);
    const int per_channel = (o->t[1].count != 256);
    if (o->t[0].count != o->t[2].count) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    if (per_channel && ((int64_t)channels * 256 != (int64_t)o->t[1].count ||
                        last_dim(&o->t[2]) != channels || o->t[0].count % channels != 0)) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    if (!run) {
        return TIGRIS_STATUS_OK;
    }
    if (per_channel) {
        return ran(tigris_lut_per_channel_s8(I8(0), o->t[0].count, channels, I8(1), O8(2)));
    }
    return ran(tigris_lut_s8(I8(0), o->t[0].count, I8(1), O8(2)));
}

static int table_in_range(const tg_tensor_t *t, const int32_t *table, int32_t n, int32_t limit)
{
    int32_t i;
    if (t->count != n) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (table[i] < 0 || table[i] >= limit) {
            return 0;
        }
    }
    return 1;
}

static tigris_status_t k_resize(const tg_operands_t *o, int run)
{
    tigris_dims4_t in, out;
    const int32_t mode = P(0);
    const int linear = (mode == TIGRIS_RESIZE_LINEAR);
    if (!dims4(&o->t[0], &in) || !dims4(&o->t[7], &out) || in.n != out.n || in.c != out.c) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    if (mode != TIGRIS_RESIZE_NEAREST && !linear) {
        return TIGRIS_STATUS_BAD_PARAM;
    }
    if (linear && !(o->present[2] && o->present[3] && o->present[5] && o->present[6])) {
        return TIGRIS_STATUS_BAD_CALL;
    }
    if (!table_in_range(&o->t[1], I32(1), out.h, in.h) ||
        !table_in_range(&o->t[4], I32(4), out.w, in.w) ||
        (o->present[2] && !table_in_range(&o->t[2], I32(2), out.h, in.h)) ||
        (o->present[5] && !table_in_range(&o->t[5], I32(5), out.w, in.w)) ||
        (o->present[3] && o->t[3].count != out.h) || (o->present[6] && o->t[6].count != out.w)) {
        return TIGRIS_STATUS_BAD_PARAM;
    }
    if (!run) {
        return TIGRIS_STATUS_OK;
    }
    return ran(tigris_resize_s8(&in, I8(0), &out, O8(7), mode, I32(1),
                                o->present[2] ? I32(2) : NULL, o->present[3] ? I32(3) : NULL,
                                I32(4), o->present[5] ? I32(5) : NULL,
                                o->present[6] ? I32(6) : NULL));
}

/* ---------------------------------------------------------- data movement */

static tigris_status_t k_transpose(const tg_operands_t *o, int run)
{
    const tg_tensor_t *in = &o->t[0];
    const tg_tensor_t *out = &o->t[1];
    uint32_t seen = 0u;
    uint32_t d;
    if (in->rank < 1u || in->rank != out->rank) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    if (!zero_from(o, in->rank, TG_MAX_RANK)) {
        return TIGRIS_STATUS_BAD_PARAM;
    }
    for (d = 0; d < in->rank; d++) {
        if (P(d) < 0 || (uint32_t)P(d) >= in->rank || (seen & (1u << P(d))) != 0u) {
            return TIGRIS_STATUS_BAD_PARAM;
        }
        seen |= 1u << P(d);
        if (out->dims[d] != in->dims[P(d)]) {
            return TIGRIS_STATUS_BAD_SHAPE;
        }
    }
    if (!run) {
        return TIGRIS_STATUS_OK;
    }
    return ran(tigris_transpose_s8(I8(0), in->dims, (int32_t)in->rank, o->call.params, O8(1),
                                   out->dims));
}

static tigris_status_t k_pad(const tg_operands_t *o, int run)
{
    const tg_tensor_t *in = &o->t[0];
    const tg_tensor_t *out = &o->t[1];
    const uint32_t r = in->rank;
    uint32_t d;
    if (r < 1u || r != out->rank) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    if (!zero_from(o, 2u * r, 2u * TG_MAX_RANK) || P(12) < -128 || P(12) > 127) {
        return TIGRIS_STATUS_BAD_PARAM;
    }
    for (d = 0; d < r; d++) {
        if (P(d) < 0 || P(r + d) < 0) {
            return TIGRIS_STATUS_BAD_PARAM;
        }
        if ((int64_t)in->dims[d] + P(d) + P(r + d) != out->dims[d]) {
            return TIGRIS_STATUS_BAD_SHAPE;
        }
    }
    if (!run) {
        return TIGRIS_STATUS_OK;
    }
    return ran(tigris_pad_s8(I8(0), in->dims, (int32_t)r, o->call.params, (int8_t)P(12), O8(1),
                             out->dims));
}

static tigris_status_t k_slice(const tg_operands_t *o, int run)
{
    const tg_tensor_t *in = &o->t[0];
    const tg_tensor_t *out = &o->t[1];
    uint32_t d;
    if (in->rank < 1u || in->rank != out->rank) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    if (!zero_from(o, in->rank, TG_MAX_RANK)) {
        return TIGRIS_STATUS_BAD_PARAM;
    }
    for (d = 0; d < in->rank; d++) {
        if (P(d) < 0 || (int64_t)P(d) + out->dims[d] > in->dims[d]) {
            return TIGRIS_STATUS_BAD_PARAM;
        }
    }
    if (!run) {
        return TIGRIS_STATUS_OK;
    }
    return ran(tigris_slice_s8(I8(0), in->dims, (int32_t)in->rank, o->call.params, O8(1),
                               out->dims));
}

static tigris_status_t k_insert(const tg_operands_t *o, int run)
{
    const tg_tensor_t *in = &o->t[0];
    const tg_tensor_t *dest = &o->t[1];
    const tg_tensor_t *out = &o->t[2];
    const int32_t r = (int32_t)in->rank;
    const int32_t axis = (P(0) < 0) ? P(0) + r : P(0);
    int32_t d;
    if (r < 1 || dest->rank != in->rank || out->rank != in->rank) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    if (axis < 0 || axis >= r || P(1) < 0 || (int64_t)P(1) + in->dims[axis] > dest->dims[axis]) {
        return TIGRIS_STATUS_BAD_PARAM;
    }
    for (d = 0; d < r; d++) {
        if (dest->dims[d] != out->dims[d] || (d != axis && in->dims[d] != dest->dims[d])) {
            return TIGRIS_STATUS_BAD_SHAPE;
        }
    }
    if (in->pool == out->pool && in->offset < out->offset + out->size &&
        out->offset < in->offset + in->size) {
        /* Rows moved within one buffer (a streamed stage's band): right only
         * as one contiguous run (memmove: rows of batch 1) within the
         * destination itself. */
        if (axis != 1 || in->dims[0] != 1 || dest->pool != out->pool ||
            dest->offset != out->offset) {
            return TIGRIS_STATUS_OVERLAP;
        }
    }
    if (!run) {
        return TIGRIS_STATUS_OK;
    }
    return ran(tigris_insert_s8(I8(0), in->dims, I8(1), dest->dims, r, axis, P(1), O8(2)));
}

static tigris_status_t k_reshape(const tg_operands_t *o, int run)
{
    if (o->t[0].count != o->t[1].count) {
        return TIGRIS_STATUS_BAD_SHAPE;
    }
    if (run && tg_slot_ptr(o, 0) != tg_slot_ptr(o, 1)) {
        /* the loader rules out a partial overlap */
        memcpy(tg_slot_ptr(o, 1), tg_slot_ptr(o, 0), o->t[0].size);
    }
    return TIGRIS_STATUS_OK;
}

tigris_status_t tg_kernel(const tg_operands_t *o, int run)
{
    switch (o->call.kernel) {
    case TG_K_CONV2D: return k_conv(o, run, 0);
    case TG_K_DEPTHWISE_CONV2D: return k_conv(o, run, 1);
    case TG_K_FULLY_CONNECTED: return k_fc(o, run);
    case TG_K_ADD: return k_binary(o, run, 1);
    case TG_K_MUL: return k_binary(o, run, 0);
    case TG_K_AVG_POOL: return k_pool(o, run, 0);
    case TG_K_MAX_POOL: return k_pool(o, run, 1);
    case TG_K_GLOBAL_AVG_POOL: return k_gap(o, run);
    case TG_K_SOFTMAX: return k_softmax(o, run);
    case TG_K_LUT: return k_lut(o, run);
    case TG_K_TRANSPOSE: return k_transpose(o, run);
    case TG_K_PAD: return k_pad(o, run);
    case TG_K_RESIZE: return k_resize(o, run);
    case TG_K_SLICE: return k_slice(o, run);
    case TG_K_INSERT: return k_insert(o, run);
    case TG_K_RESHAPE: return k_reshape(o, run);
    case TG_K_SOFTMAX_TFL: return k_softmax_tfl(o, run);
    default: return TIGRIS_STATUS_BAD_CALL;
    }
}
