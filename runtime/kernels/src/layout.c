/*
 * Data movement: transpose, pad, slice and insert on int8 tensors of rank
 * 1..TIGRIS_MAX_RANK, row-major. Slice, pad and insert are one primitive,
 * copy_box: copy a box of elements between two tensors at given corners,
 * in contiguous runs (memcpy; memmove for a run moved within one buffer). No index is computed before all shapes,
 * corners and extents are checked.
 */
#include <stddef.h>
#include <string.h>

#include "tigris_internal.h"

/* Element count of a rank-1..MAX tensor, or -1. */
static int32_t nd_count(const int32_t *shape, int32_t rank)
{
    if (shape == NULL || rank < 1 || rank > TIGRIS_MAX_RANK) {
        return -1;
    }
    return tigris_count(shape, rank);
}

/* Row-major element strides. */
static void nd_strides(const int32_t *shape, int32_t rank, int32_t *stride)
{
    int32_t d;
    int32_t step = 1;
    for (d = rank - 1; d >= 0; d--) {
        stride[d] = step;
        step *= shape[d];
    }
}

/* dst[dst_begin + i] = src[src_begin + i] for every index i of `box`.
 * Callers have checked that both boxes lie inside their tensors. */
static void copy_box(const int8_t *src, const int32_t *src_shape, const int32_t *src_begin,
                     int8_t *dst, const int32_t *dst_shape, const int32_t *dst_begin,
                     const int32_t *box, int32_t rank)
{
    int32_t src_stride[TIGRIS_MAX_RANK] = {0};
    int32_t dst_stride[TIGRIS_MAX_RANK] = {0};
    int32_t idx[TIGRIS_MAX_RANK] = {0};
    int32_t src_off = 0;
    int32_t dst_off = 0;
    int32_t outer = 1;
    int32_t run;
    int32_t k;
    int32_t d;
    int32_t r;

    nd_strides(src_shape, rank, src_stride);
    nd_strides(dst_shape, rank, dst_stride);
    /* Trailing dimensions the box covers whole in both tensors are
     * contiguous in both: copy them as one run (NHWC slices along H copy
     * whole rows, not C bytes at a time). */
    k = rank - 1;
    while (k > 0 && box[k] == src_shape[k] && box[k] == dst_shape[k]) {
        k--;
    }
    run = box[k] * src_stride[k]; /* src_stride[k] == dst_stride[k] == inner extent */
    for (d = 0; d < rank; d++) {
        src_off += src_begin[d] * src_stride[d];
        dst_off += dst_begin[d] * dst_stride[d];
        idx[d] = 0;
    }
    for (d = 0; d < k; d++) {
        outer *= box[d];
    }
    for (r = 0; r < outer; r++) {
        const int8_t *from = src + src_off;
        int8_t *to = dst + dst_off;
        /* compared as addresses: the two may lie in different objects */
        const uintptr_t f = (uintptr_t)from;
        const uintptr_t t = (uintptr_t)to;
        if (f < t + (uintptr_t)run && t < f + (uintptr_t)run) {
            /* an insert moving rows within one buffer (one run, k_insert) */
            memmove(to, from, (size_t)run);
        } else {
            memcpy(to, from, (size_t)run);
        }
        for (d = k - 1; d >= 0; d--) {
            idx[d]++;
            src_off += src_stride[d];
            dst_off += dst_stride[d];
            if (idx[d] < box[d]) {
                break;
            }
            src_off -= src_stride[d] * box[d];
            dst_off -= dst_stride[d] * box[d];
            idx[d] = 0;
        }
    }
}

int32_t tigris_transpose_s8(const int8_t *input, const int32_t *in_shape, int32_t rank,
                            const int32_t *perm, int8_t *output, const int32_t *out_shape)
{
    int32_t in_stride[TIGRIS_MAX_RANK];
    int32_t step[TIGRIS_MAX_RANK]; /* input stride of each output dimension */
    int32_t idx[TIGRIS_MAX_RANK];
    int32_t seen[TIGRIS_MAX_RANK];
    int32_t count;
    int32_t inner;
    int32_t src = 0;
    int32_t done;
    int32_t d;
    int32_t i;

    if (input == NULL || perm == NULL || output == NULL || out_shape == NULL) {
        return TIGRIS_ERR_NULL;
    }
    count = nd_count(in_shape, rank);
    if (count < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    for (d = 0; d < rank; d++) {
        seen[d] = 0;
    }
    for (d = 0; d < rank; d++) {
        if (perm[d] < 0 || perm[d] >= rank || seen[perm[d]]) {
            return TIGRIS_ERR_PARAM; /* not a permutation */
        }
        seen[perm[d]] = 1;
        if (out_shape[d] != in_shape[perm[d]]) {
            return TIGRIS_ERR_SHAPE;
        }
    }
    nd_strides(in_shape, rank, in_stride);
    for (d = 0; d < rank; d++) {
        step[d] = in_stride[perm[d]];
        idx[d] = 0;
    }
    inner = out_shape[rank - 1];
    for (done = 0; done < count; done += inner) {
        const int8_t *s = input + src;
        int8_t *o = output + done;
        for (i = 0; i < inner; i++) {
            o[i] = s[i * step[rank - 1]];
        }
        for (d = rank - 2; d >= 0; d--) {
            idx[d]++;
            src += step[d];
            if (idx[d] < out_shape[d]) {
                break;
            }
            src -= step[d] * out_shape[d];
            idx[d] = 0;
        }
    }
    return TIGRIS_OK;
}

int32_t tigris_pad_s8(const int8_t *input, const int32_t *in_shape, int32_t rank,
                      const int32_t *pad, int8_t value,
                      int8_t *output, const int32_t *out_shape)
{
    int32_t zero[TIGRIS_MAX_RANK];
    int32_t out_count;
    int32_t d;

    if (input == NULL || pad == NULL || output == NULL || out_shape == NULL) {
        return TIGRIS_ERR_NULL;
    }
    if (nd_count(in_shape, rank) < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    for (d = 0; d < rank; d++) {
        if (pad[d] < 0 || pad[rank + d] < 0) {
            return TIGRIS_ERR_PARAM; /* negative pads (cropping) are a slice */
        }
        if ((int64_t)in_shape[d] + pad[d] + pad[rank + d] != out_shape[d]) {
            return TIGRIS_ERR_SHAPE;
        }
        zero[d] = 0;
    }
    out_count = nd_count(out_shape, rank);
    if (out_count < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    memset(output, value, (size_t)out_count);
    copy_box(input, in_shape, zero, output, out_shape, pad, in_shape, rank);
    return TIGRIS_OK;
}

int32_t tigris_slice_s8(const int8_t *input, const int32_t *in_shape, int32_t rank,
                        const int32_t *begin, int8_t *output, const int32_t *out_shape)
{
    int32_t zero[TIGRIS_MAX_RANK];
    int32_t d;

    if (input == NULL || begin == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    if (nd_count(in_shape, rank) < 0 || nd_count(out_shape, rank) < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    for (d = 0; d < rank; d++) {
        if (begin[d] < 0 || (int64_t)begin[d] + out_shape[d] > in_shape[d]) {
            return TIGRIS_ERR_PARAM;
        }
        zero[d] = 0;
    }
    copy_box(input, in_shape, begin, output, out_shape, zero, out_shape, rank);
    return TIGRIS_OK;
}

int32_t tigris_insert_s8(const int8_t *input, const int32_t *in_shape,
                         const int8_t *dest, const int32_t *dest_shape, int32_t rank,
                         int32_t axis, int32_t offset, int8_t *output)
{
    int32_t zero[TIGRIS_MAX_RANK];
    int32_t corner[TIGRIS_MAX_RANK];
    int32_t dest_count;
    int32_t d;

    if (input == NULL || dest == NULL || output == NULL) {
        return TIGRIS_ERR_NULL;
    }
    if (nd_count(in_shape, rank) < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    dest_count = nd_count(dest_shape, rank);
    if (dest_count < 0) {
        return TIGRIS_ERR_SHAPE;
    }
    if (axis < 0) {
        axis += rank;
    }
    if (axis < 0 || axis >= rank) {
        return TIGRIS_ERR_PARAM;
    }
    for (d = 0; d < rank; d++) {
        if (d != axis && in_shape[d] != dest_shape[d]) {
            return TIGRIS_ERR_SHAPE;
        }
        zero[d] = 0;
        corner[d] = 0;
    }
    if (offset < 0 || (int64_t)offset + in_shape[axis] > dest_shape[axis]) {
        return TIGRIS_ERR_PARAM;
    }
    corner[axis] = offset;
    if (output != dest) {
        memcpy(output, dest, (size_t)dest_count);
    }
    copy_box(input, in_shape, zero, output, dest_shape, corner, in_shape, rank);
    return TIGRIS_OK;
}
