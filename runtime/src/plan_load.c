/*
 * tigris_load: validates a plan completely before anything runs.
 *
 * Order: pointer and alignment, header (magic, version, sizes), CRC-32 over
 * the plan's own length, the canonical section layout, every tensor
 * descriptor against its pool, every call (kernel id, slots, roles, dtypes,
 * overlaps, then the kernel's own shape and parameter checks), and the I/O
 * descriptors. All arithmetic on plan fields is done in 64 bits, so no
 * field value can overflow a bound.
 */
#include <string.h>

#include "plan_format.h"

static uint64_t align_up(uint64_t n, uint64_t a)
{
    return (n + a - 1u) / a * a;
}

static int name_ok(const uint8_t *p)
{
    uint32_t i;
    for (i = 0; i < TG_NAME_SIZE; i++) {
        if (p[i] == 0u) {
            return 1;
        }
    }
    return 0;
}

static uint64_t pool_size(const tigris_plan_t *plan, uint32_t pool)
{
    if (pool == TIGRIS_POOL_FAST) {
        return plan->fast_size;
    }
    if (pool == TIGRIS_POOL_SLOW) {
        return plan->slow_size;
    }
    return plan->weights_size;
}

static tigris_status_t check_header(tigris_plan_t *plan, const uint8_t *p, size_t size)
{
    uint32_t i;
    uint32_t plan_size;
    uint64_t tensors, calls, io, weights;
    if (size < TG_HEADER_SIZE) {
        return TIGRIS_STATUS_TRUNCATED;
    }
    if (p[0] != 'T' || p[1] != 'G' || p[2] != 'R' || p[3] != 'S') {
        return TIGRIS_STATUS_BAD_MAGIC;
    }
    if (tg_rd32(p + TG_H_VERSION) != TIGRIS_PLAN_VERSION) {
        return TIGRIS_STATUS_BAD_VERSION;
    }
    plan_size = tg_rd32(p + TG_H_PLAN_SIZE);
    if (tg_rd32(p + TG_H_HEADER_SIZE) != TG_HEADER_SIZE || plan_size < TG_HEADER_SIZE) {
        return TIGRIS_STATUS_BAD_HEADER;
    }
    if ((uint64_t)plan_size > (uint64_t)size) {
        return TIGRIS_STATUS_TRUNCATED;
    }
    if (tg_crc32(p, plan_size, TG_H_CRC) != tg_rd32(p + TG_H_CRC)) {
        return TIGRIS_STATUS_BAD_CRC;
    }
    plan->data = p;
    plan->size = plan_size;
    plan->target = tg_rd32(p + TG_H_TARGET);
    plan->fast_size = tg_rd32(p + TG_H_FAST_SIZE);
    plan->slow_size = tg_rd32(p + TG_H_SLOW_SIZE);
    plan->alignment = tg_rd32(p + TG_H_ALIGNMENT);
    plan->n_tensors = tg_rd32(p + TG_H_N_TENSORS);
    plan->tensors_offset = tg_rd32(p + TG_H_TENSORS);
    plan->n_calls = tg_rd32(p + TG_H_N_CALLS);
    plan->calls_offset = tg_rd32(p + TG_H_CALLS);
    plan->n_inputs = tg_rd32(p + TG_H_N_INPUTS);
    plan->n_outputs = tg_rd32(p + TG_H_N_OUTPUTS);
    plan->io_offset = tg_rd32(p + TG_H_IO);
    plan->weights_offset = tg_rd32(p + TG_H_WEIGHTS);
    plan->weights_size = tg_rd32(p + TG_H_WEIGHTS_SIZE);
    plan->state_size = tg_rd32(p + TG_H_STATE_SIZE);
    if (plan->target > TIGRIS_TARGET_ESP32 || tg_rd32(p + TG_H_FLAGS) != 0u ||
        plan->alignment == 0u || plan->alignment > TG_MAX_ALIGNMENT ||
        (plan->alignment & (plan->alignment - 1u)) != 0u || !name_ok(p + TG_H_NAME)) {
        return TIGRIS_STATUS_BAD_HEADER;
    }
    for (i = 0; i < 4u; i++) {
        if (tg_rd32(p + TG_H_RESERVED + 4u * i) != 0u) {
            return TIGRIS_STATUS_BAD_HEADER;
        }
    }
    /* The canonical layout: sections in order, nothing between them. */
    if (plan->n_tensors > TG_NO_TENSOR || plan->n_inputs < 1u || plan->n_outputs < 1u) {
        return TIGRIS_STATUS_BAD_HEADER;
    }
    tensors = TG_HEADER_SIZE;
    calls = align_up(tensors + (uint64_t)plan->n_tensors * TG_TENSOR_SIZE, 4u);
    io = calls + (uint64_t)plan->n_calls * TG_CALL_SIZE;
    weights = align_up(io + ((uint64_t)plan->n_inputs + plan->n_outputs) * TG_IO_SIZE,
                       TG_WEIGHT_ALIGN);
    if (plan->tensors_offset != tensors || plan->calls_offset != calls ||
        plan->io_offset != io || plan->weights_offset != weights ||
        plan->weights_size % TG_WEIGHT_ALIGN != 0u ||
        weights + plan->weights_size != (uint64_t)plan_size) {
        return TIGRIS_STATUS_BAD_HEADER;
    }
    return TIGRIS_STATUS_OK;
}

static tigris_status_t check_tensor(const tigris_plan_t *plan, uint32_t index)
{
    const uint8_t *p = plan->data + plan->tensors_offset + index * TG_TENSOR_SIZE;
    tg_tensor_t t;
    uint32_t d;
    uint64_t bytes;
    int64_t count = 1;
    tg_read_tensor(plan, index, &t);
    if (t.pool > TIGRIS_POOL_FLASH || (t.dtype != TG_DTYPE_I8 && t.dtype != TG_DTYPE_I32) ||
        t.rank > TG_MAX_RANK || p[TG_T_RESERVED] != 0u) {
        return TIGRIS_STATUS_BAD_TENSOR;
    }
    /* The dims from the record itself, their product in 64 bits: the
     * decoder takes the element count from the byte size, so this is where
     * count, dims and size are tied together. */
    for (d = 0; d < TG_MAX_RANK; d++) {
        const int32_t n = tg_i32(tg_rd32(p + TG_T_DIMS + 4u * d));
        if ((d < t.rank && n < 1) || (d >= t.rank && n != 0)) {
            return TIGRIS_STATUS_BAD_TENSOR;
        }
        if (d < t.rank) {
            count *= n;
            if (count > INT32_MAX) {
                return TIGRIS_STATUS_BAD_TENSOR;
            }
        }
    }
    /* the product of the dims is the decoded count, and the bytes match it */
    bytes = (uint64_t)count * ((t.dtype == TG_DTYPE_I32) ? 4u : 1u);
    if (count != (int64_t)t.count || bytes != t.size) {
        return TIGRIS_STATUS_BAD_TENSOR;
    }
    if (t.dtype == TG_DTYPE_I32 && t.offset % 4u != 0u) {
        return TIGRIS_STATUS_BAD_TENSOR;
    }
    if ((uint64_t)t.offset + t.size > pool_size(plan, t.pool)) {
        return TIGRIS_STATUS_OUT_OF_BOUNDS;
    }
    return TIGRIS_STATUS_OK;
}

static tigris_status_t check_io(const tigris_plan_t *plan, uint32_t index)
{
    const uint8_t *p = plan->data + plan->io_offset + index * TG_IO_SIZE;
    const uint32_t tensor = tg_rd16(p + TG_IO_TENSOR);
    const uint32_t rank = tg_rd32(p + TG_IO_MODEL_RANK);
    tg_tensor_t t;
    int64_t count = 1;
    uint32_t d;
    if (tensor >= plan->n_tensors || p[TG_IO_LAYOUT] > TIGRIS_LAYOUT_NHWC ||
        (p[TG_IO_FLAGS] & ~(TIGRIS_IO_UINT8 | TIGRIS_IO_STATE)) != 0u ||
        p[TG_IO_FLAGS] == (TIGRIS_IO_UINT8 | TIGRIS_IO_STATE) || rank > TG_MAX_RANK ||
        tg_rd32(p + TG_IO_RESERVED) != 0u || !name_ok(p + TG_IO_NAME)) {
        return TIGRIS_STATUS_BAD_IO;
    }
    tg_read_tensor(plan, tensor, &t);
    if (t.pool == TIGRIS_POOL_FLASH || t.dtype != TG_DTYPE_I8) {
        return TIGRIS_STATUS_BAD_IO;
    }
    for (d = 0; d < TG_MAX_RANK; d++) {
        const int32_t n = tg_i32(tg_rd32(p + TG_IO_MODEL_DIMS + 4u * d));
        if ((d < rank && n < 1) || (d >= rank && n != 0)) {
            return TIGRIS_STATUS_BAD_IO;
        }
        if (d < rank) {
            count *= n;
            if (count > INT32_MAX) {
                return TIGRIS_STATUS_BAD_IO;
            }
        }
    }
    if (count != t.count || (p[TG_IO_LAYOUT] == TIGRIS_LAYOUT_NHWC && (rank != 4u || t.rank != 4u))) {
        return TIGRIS_STATUS_BAD_IO;
    }
    return TIGRIS_STATUS_OK;
}

static int same_name(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, TG_NAME_SIZE) == 0;
}

/* The state variables: every flagged input has exactly one flagged output of
 * the same name, zero point and size (and the other way round), and the
 * state region is the sum of their sizes (0 without state). */
static tigris_status_t check_state(const tigris_plan_t *plan)
{
    const uint8_t *io = plan->data + plan->io_offset;
    uint64_t total = 0u;
    uint32_t n_in = 0u, n_out = 0u;
    uint32_t i, j;
    int32_t zp;
    for (i = 0; i < plan->n_inputs + plan->n_outputs; i++) {
        const uint8_t *a = io + i * TG_IO_SIZE;
        uint32_t matches = 0u;
        tg_tensor_t ta, tb;
        if ((a[TG_IO_FLAGS] & TIGRIS_IO_STATE) == 0u) {
            continue;
        }
        tg_read_tensor(plan, tg_rd16(a + TG_IO_TENSOR), &ta);
        zp = tg_i32(tg_rd32(a + TG_IO_ZERO_POINT));
        if (zp < -128 || zp > 127) { /* real zero must be an int8 value */
            return TIGRIS_STATUS_BAD_IO;
        }
        if (i < plan->n_inputs) {
            n_in++;
            total += ta.size;
        } else {
            n_out++;
        }
        /* its partner among the other side's flagged descriptors */
        for (j = (i < plan->n_inputs) ? plan->n_inputs : 0u;
             j < ((i < plan->n_inputs) ? plan->n_inputs + plan->n_outputs : plan->n_inputs); j++) {
            const uint8_t *b = io + j * TG_IO_SIZE;
            if ((b[TG_IO_FLAGS] & TIGRIS_IO_STATE) == 0u || !same_name(a + TG_IO_NAME, b + TG_IO_NAME)) {
                continue;
            }
            tg_read_tensor(plan, tg_rd16(b + TG_IO_TENSOR), &tb);
            if (tb.size != ta.size || tg_rd32(a + TG_IO_ZERO_POINT) != tg_rd32(b + TG_IO_ZERO_POINT)) {
                return TIGRIS_STATUS_BAD_IO;
            }
            matches++;
        }
        if (matches != 1u) {
            return TIGRIS_STATUS_BAD_IO;
        }
    }
    if (n_in != n_out || total != (uint64_t)plan->state_size) {
        return TIGRIS_STATUS_BAD_IO;
    }
    return TIGRIS_STATUS_OK;
}

tigris_status_t tigris_load(tigris_plan_t *plan, const void *data, size_t size)
{
    tigris_plan_t tmp;
    tigris_status_t st;
    uint32_t i;
    if (plan == NULL) {
        return TIGRIS_STATUS_NULL_ARGUMENT;
    }
    memset(plan, 0, sizeof *plan);
    if (data == NULL) {
        return TIGRIS_STATUS_NULL_ARGUMENT;
    }
    if (((uintptr_t)data & (TG_WEIGHT_ALIGN - 1u)) != 0u) {
        return TIGRIS_STATUS_MISALIGNED;
    }
    memset(&tmp, 0, sizeof tmp);
    st = check_header(&tmp, (const uint8_t *)data, size);
    for (i = 0; st == TIGRIS_STATUS_OK && i < tmp.n_tensors; i++) {
        st = check_tensor(&tmp, i);
    }
    for (i = 0; st == TIGRIS_STATUS_OK && i < tmp.n_calls; i++) {
        st = tg_check_call(&tmp, i);
    }
    for (i = 0; st == TIGRIS_STATUS_OK && i < tmp.n_inputs + tmp.n_outputs; i++) {
        st = check_io(&tmp, i);
    }
    if (st == TIGRIS_STATUS_OK) {
        st = check_state(&tmp);
    }
    if (st != TIGRIS_STATUS_OK) {
        return st;
    }
    tmp.loaded = TG_LOADED_MARK;
    *plan = tmp;
    return TIGRIS_STATUS_OK;
}

tigris_status_t tigris_plan_info(const tigris_plan_t *plan, tigris_plan_info_t *info)
{
    if (plan == NULL || info == NULL) {
        return TIGRIS_STATUS_NULL_ARGUMENT;
    }
    if (plan->loaded != TG_LOADED_MARK) {
        return TIGRIS_STATUS_NOT_LOADED;
    }
    info->name = (const char *)(plan->data + TG_H_NAME);
    info->version = TIGRIS_PLAN_VERSION;
    info->target = plan->target;
    info->fast_size = plan->fast_size;
    info->slow_size = plan->slow_size;
    info->alignment = plan->alignment;
    info->plan_size = plan->size;
    info->weights_size = plan->weights_size;
    info->n_calls = plan->n_calls;
    info->n_inputs = plan->n_inputs;
    info->n_outputs = plan->n_outputs;
    info->state_size = plan->state_size;
    return TIGRIS_STATUS_OK;
}

static tigris_status_t read_io(const tigris_plan_t *plan, uint32_t slot, tigris_io_t *io)
{
    const uint8_t *p = plan->data + plan->io_offset + slot * TG_IO_SIZE;
    tg_tensor_t t;
    uint32_t d;
    tg_read_tensor(plan, tg_rd16(p + TG_IO_TENSOR), &t);
    io->name = (const char *)(p + TG_IO_NAME);
    io->pool = t.pool;
    io->offset = t.offset;
    io->size = t.size;
    io->rank = t.rank;
    io->layout = p[TG_IO_LAYOUT];
    io->flags = p[TG_IO_FLAGS];
    io->zero_point = tg_i32(tg_rd32(p + TG_IO_ZERO_POINT));
    memcpy(&io->scale, p + TG_IO_SCALE, sizeof io->scale); /* little-endian IEEE double */
    io->model_rank = tg_rd32(p + TG_IO_MODEL_RANK);
    for (d = 0; d < TIGRIS_MAX_DIMS; d++) {
        io->dims[d] = t.dims[d];
        io->model_dims[d] = tg_i32(tg_rd32(p + TG_IO_MODEL_DIMS + 4u * d));
    }
    return TIGRIS_STATUS_OK;
}

tigris_status_t tigris_input(const tigris_plan_t *plan, uint32_t index, tigris_io_t *io)
{
    if (plan == NULL || io == NULL) {
        return TIGRIS_STATUS_NULL_ARGUMENT;
    }
    if (plan->loaded != TG_LOADED_MARK) {
        return TIGRIS_STATUS_NOT_LOADED;
    }
    if (index >= plan->n_inputs) {
        return TIGRIS_STATUS_INDEX;
    }
    return read_io(plan, index, io);
}

tigris_status_t tigris_output(const tigris_plan_t *plan, uint32_t index, tigris_io_t *io)
{
    if (plan == NULL || io == NULL) {
        return TIGRIS_STATUS_NULL_ARGUMENT;
    }
    if (plan->loaded != TG_LOADED_MARK) {
        return TIGRIS_STATUS_NOT_LOADED;
    }
    if (index >= plan->n_outputs) {
        return TIGRIS_STATUS_INDEX;
    }
    return read_io(plan, plan->n_inputs + index, io);
}

int8_t *tigris_io_data(const tigris_io_t *io, void *fast, void *slow)
{
    uint8_t *base;
    if (io == NULL) {
        return NULL;
    }
    base = (io->pool == TIGRIS_POOL_FAST) ? (uint8_t *)fast
           : (io->pool == TIGRIS_POOL_SLOW) ? (uint8_t *)slow : NULL;
    if (base == NULL) {
        return NULL;
    }
    return (int8_t *)(base + io->offset);
}
