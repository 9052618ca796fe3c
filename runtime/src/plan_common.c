/*
 * Pieces shared by the loader and the executor: the kernel slot table,
 * record decoders, CRC-32, status names.
 */
#include <stddef.h>
#include <string.h>

#include "plan_format.h"

/* Slot shorthands: role, dtype, optional, in-place. */
#define S_IN {TG_ROLE_IN, TG_DTYPE_I8, 0, 0}
#define S_IN_INPLACE {TG_ROLE_IN, TG_DTYPE_I8, 0, TG_ALIAS_EXACT}
#define S_IN_WITHIN {TG_ROLE_IN, TG_DTYPE_I8, 0, TG_ALIAS_WITHIN}
#define S_W8 {TG_ROLE_CONST, TG_DTYPE_I8, 0, 0}
#define S_W32 {TG_ROLE_CONST, TG_DTYPE_I32, 0, 0}
#define S_W32_OPT {TG_ROLE_CONST, TG_DTYPE_I32, 1, 0}
#define S_OUT {TG_ROLE_OUT, TG_DTYPE_I8, 0, 0}
#define S_SCRATCH {TG_ROLE_SCRATCH, TG_DTYPE_I8, 1, 0}

/* Call flags of the requantizing kernels. */
#define F_RQ TG_CALL_SINGLE_ROUNDING

/* Indexed by kernel id; the same table as KERNELS in tigris/plan/format.py:
 * name, slots, parameter words, allowed call flags, slot roles. */
static const tg_kernel_info_t KERNELS[TG_K_COUNT] = {
    {NULL, 0, 0, 0, {{0, 0, 0, 0}}},
    {"conv2d", 7, 13, F_RQ, {S_IN, S_W8, S_W32_OPT, S_W32, S_W32, S_OUT, S_SCRATCH}},
    {"depthwise_conv2d", 7, 13, F_RQ, {S_IN, S_W8, S_W32_OPT, S_W32, S_W32, S_OUT, S_SCRATCH}},
    {"fully_connected", 6, 4, F_RQ, {S_IN, S_W8, S_W32_OPT, S_W32, S_W32, S_OUT}},
    {"add", 3, 12, F_RQ, {S_IN_INPLACE, S_IN_INPLACE, S_OUT}},
    {"mul", 3, 7, F_RQ, {S_IN_INPLACE, S_IN_INPLACE, S_OUT}},
    {"avg_pool", 2, 11, 0, {S_IN, S_OUT}},
    {"max_pool", 2, 12, 0, {S_IN, S_OUT}},
    {"global_avg_pool", 2, 4, F_RQ, {S_IN, S_OUT}},
    {"softmax", 3, 2, 0, {S_IN_INPLACE, S_W32, S_OUT}},
    {"lut", 3, 0, 0, {S_IN_INPLACE, S_W8, S_OUT}},
    {"transpose", 2, 6, 0, {S_IN, S_OUT}},
    {"pad", 2, 13, 0, {S_IN, S_OUT}},
    {"resize", 8, 1, 0, {S_IN, S_W32, S_W32_OPT, S_W32_OPT, S_W32, S_W32_OPT, S_W32_OPT, S_OUT}},
    {"slice", 2, 6, 0, {S_IN, S_OUT}},
    {"insert", 3, 2, 0, {S_IN_WITHIN, S_IN_INPLACE, S_OUT}},
    {"reshape", 2, 0, 0, {S_IN_INPLACE, S_OUT}},
    {"softmax_tfl", 3, 0, 0, {S_IN_INPLACE, S_W32, S_OUT}},
};

const tg_kernel_info_t *tg_kernel_info(uint32_t id)
{
    if (id == 0u || id >= TG_K_COUNT) {
        return NULL;
    }
    return &KERNELS[id];
}

/* Half-byte table of the reflected polynomial 0xEDB88320. */
static const uint32_t CRC_NIBBLE[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};

uint32_t tg_crc32(const uint8_t *data, uint32_t n, uint32_t skip)
{
    uint32_t crc = 0xFFFFFFFFu;
    uint32_t i;
    for (i = 0; i < n; i++) {
        const uint32_t byte = (i >= skip && i - skip < 4u) ? 0u : data[i];
        crc ^= byte;
        crc = (crc >> 4) ^ CRC_NIBBLE[crc & 15u];
        crc = (crc >> 4) ^ CRC_NIBBLE[crc & 15u];
    }
    return crc ^ 0xFFFFFFFFu;
}

void tg_read_tensor(const tigris_plan_t *plan, uint32_t index, tg_tensor_t *t)
{
    const uint8_t *p = plan->data + plan->tensors_offset + index * TG_TENSOR_SIZE;
    uint32_t elems;
    uint32_t d;
    t->pool = p[TG_T_POOL];
    t->dtype = p[TG_T_DTYPE];
    t->rank = p[TG_T_RANK];
    t->reserved = p[TG_T_RESERVED];
    t->offset = tg_ld32(p + TG_T_OFFSET);
    t->size = tg_ld32(p + TG_T_SIZE);
    /* All TG_MAX_RANK words, whatever the rank: a fixed copy the compiler
     * unrolls costs less than a loop to the rank that fills in the rest,
     * and the loader requires the words past the rank to be 0. */
    for (d = 0; d < TG_MAX_RANK; d++) {
        t->dims[d] = tg_ld32s(p + TG_T_DIMS + 4u * d);
    }
    /* The element count from the byte size, not as the product of the dims:
     * that took a multiply with an overflow check per dim (in 64 bits: a
     * library call on small cores) for every operand of every call. The
     * loader (check_tensor) computes the product and rejects a descriptor
     * whose product is not in 1..INT32_MAX or differs from this count. */
    elems = (t->dtype == TG_DTYPE_I32) ? t->size / 4u : t->size;
    t->count = (elems <= (uint32_t)INT32_MAX) ? (int32_t)elems : -1;
}

int tg_resolve(const tigris_plan_t *plan, uint32_t index, uint8_t *fast, uint8_t *slow,
               tg_operands_t *o)
{
    const uint8_t *p = plan->data + plan->calls_offset + index * TG_CALL_SIZE;
    const tg_kernel_info_t *k;
    uint32_t n_slots;
    uint32_t s;
    /* The whole record, with fixed loops the compiler unrolls (whole-word
     * loads: about two instructions a field). */
    o->call.kernel = (uint16_t)tg_ld16(p + TG_C_KERNEL);
    o->call.flags = (uint16_t)tg_ld16(p + TG_C_FLAGS);
    o->call.reserved = (uint16_t)tg_ld16(p + TG_C_RESERVED);
    for (s = 0; s < TG_MAX_SLOTS; s++) {
        o->call.tensors[s] = (uint16_t)tg_ld16(p + TG_C_TENSORS + 2u * s);
    }
    for (s = 0; s < TG_MAX_PARAMS; s++) {
        o->call.params[s] = tg_ld32s(p + TG_C_PARAMS + 4u * s);
    }
    o->base[TIGRIS_POOL_FAST] = fast;
    o->base[TIGRIS_POOL_SLOW] = slow;
    /* Flash: the kernels only read through these pointers. */
    o->base[TIGRIS_POOL_FLASH] = (uint8_t *)(uintptr_t)(plan->data + plan->weights_offset);
    /* The tensors of the kernel's slots only: tg_check_call requires every
     * slot past them to be TG_NO_TENSOR, and nothing reads t[s] there. */
    k = tg_kernel_info(o->call.kernel);
    n_slots = (k != NULL) ? k->n_slots : 0u;
    for (s = 0; s < n_slots; s++) {
        const uint32_t tensor = o->call.tensors[s];
        if (tensor == TG_NO_TENSOR) {
            o->present[s] = 0u;
            memset(&o->t[s], 0, sizeof o->t[s]);
            continue;
        }
        if (tensor >= plan->n_tensors) {
            return 0;
        }
        tg_read_tensor(plan, tensor, &o->t[s]);
        o->present[s] = 1u;
    }
    for (; s < TG_MAX_SLOTS; s++) {
        o->present[s] = 0u;
    }
    return 1;
}

const char *tigris_kernel_name(uint32_t kernel)
{
    const tg_kernel_info_t *k = tg_kernel_info(kernel);
    return (k != NULL) ? k->name : "unknown";
}

uint32_t tigris_plan_struct_size(void)
{
    return (uint32_t)sizeof(tigris_plan_t);
}

const char *tigris_status_str(tigris_status_t status)
{
    switch (status) {
    case TIGRIS_STATUS_OK: return "TIGRIS_STATUS_OK";
    case TIGRIS_STATUS_NULL_ARGUMENT: return "TIGRIS_STATUS_NULL_ARGUMENT";
    case TIGRIS_STATUS_MISALIGNED: return "TIGRIS_STATUS_MISALIGNED";
    case TIGRIS_STATUS_TRUNCATED: return "TIGRIS_STATUS_TRUNCATED";
    case TIGRIS_STATUS_BAD_MAGIC: return "TIGRIS_STATUS_BAD_MAGIC";
    case TIGRIS_STATUS_BAD_VERSION: return "TIGRIS_STATUS_BAD_VERSION";
    case TIGRIS_STATUS_BAD_CRC: return "TIGRIS_STATUS_BAD_CRC";
    case TIGRIS_STATUS_BAD_HEADER: return "TIGRIS_STATUS_BAD_HEADER";
    case TIGRIS_STATUS_BAD_TENSOR: return "TIGRIS_STATUS_BAD_TENSOR";
    case TIGRIS_STATUS_OUT_OF_BOUNDS: return "TIGRIS_STATUS_OUT_OF_BOUNDS";
    case TIGRIS_STATUS_BAD_CALL: return "TIGRIS_STATUS_BAD_CALL";
    case TIGRIS_STATUS_BAD_PARAM: return "TIGRIS_STATUS_BAD_PARAM";
    case TIGRIS_STATUS_BAD_SHAPE: return "TIGRIS_STATUS_BAD_SHAPE";
    case TIGRIS_STATUS_OVERLAP: return "TIGRIS_STATUS_OVERLAP";
    case TIGRIS_STATUS_BAD_IO: return "TIGRIS_STATUS_BAD_IO";
    case TIGRIS_STATUS_SCRATCH: return "TIGRIS_STATUS_SCRATCH";
    case TIGRIS_STATUS_NOT_LOADED: return "TIGRIS_STATUS_NOT_LOADED";
    case TIGRIS_STATUS_ARENA_TOO_SMALL: return "TIGRIS_STATUS_ARENA_TOO_SMALL";
    case TIGRIS_STATUS_INDEX: return "TIGRIS_STATUS_INDEX";
    case TIGRIS_STATUS_KERNEL: return "TIGRIS_STATUS_KERNEL";
    }
    return "TIGRIS_STATUS_UNKNOWN";
}
