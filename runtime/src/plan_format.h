/*
 * The binary plan layout (docs/plan-format.md; the Python side is
 * python/tigris/plan/format.py, a test checks that both agree) and the
 * private helpers shared by the loader and the executor.
 */
#ifndef TIGRIS_PLAN_FORMAT_H
#define TIGRIS_PLAN_FORMAT_H

#include <stdint.h>

#include "tigris.h"

#define TG_HEADER_SIZE 128u
#define TG_TENSOR_SIZE 36u
#define TG_CALL_SIZE 80u
#define TG_IO_SIZE 80u
#define TG_WEIGHT_ALIGN 16u
#define TG_MAX_RANK 6
#define TG_MAX_SLOTS 8
#define TG_MAX_PARAMS 14
#define TG_NAME_SIZE 32u
#define TG_NO_TENSOR 0xFFFFu
#define TG_MAX_ALIGNMENT 4096u

/* Header field offsets. */
#define TG_H_MAGIC 0u
#define TG_H_VERSION 4u
#define TG_H_HEADER_SIZE 8u
#define TG_H_PLAN_SIZE 12u
#define TG_H_CRC 16u
#define TG_H_TARGET 20u
#define TG_H_FAST_SIZE 24u
#define TG_H_SLOW_SIZE 28u
#define TG_H_ALIGNMENT 32u
#define TG_H_N_TENSORS 36u
#define TG_H_TENSORS 40u
#define TG_H_N_CALLS 44u
#define TG_H_CALLS 48u
#define TG_H_N_INPUTS 52u
#define TG_H_N_OUTPUTS 56u
#define TG_H_IO 60u
#define TG_H_WEIGHTS 64u
#define TG_H_WEIGHTS_SIZE 68u
#define TG_H_FLAGS 72u
#define TG_H_STATE_SIZE 76u
#define TG_H_RESERVED 80u /* 4 words */
#define TG_H_NAME 96u

/* Tensor descriptor fields. */
#define TG_T_POOL 0u
#define TG_T_DTYPE 1u
#define TG_T_RANK 2u
#define TG_T_RESERVED 3u
#define TG_T_OFFSET 4u
#define TG_T_SIZE 8u
#define TG_T_DIMS 12u

/* Call record fields. */
#define TG_C_KERNEL 0u
#define TG_C_FLAGS 2u
#define TG_C_STAGE 4u
#define TG_C_RESERVED 6u
#define TG_C_TENSORS 8u
#define TG_C_PARAMS 24u

/* Call flags (the u16 at TG_C_FLAGS). A kernel accepts only the bits of its
 * tg_kernel_info_t.call_flags; every other bit must be 0. */
#define TG_CALL_SINGLE_ROUNDING 0x0001u /* requantize with TIGRIS_ROUND_SINGLE */

/* I/O descriptor fields. */
#define TG_IO_TENSOR 0u
#define TG_IO_LAYOUT 2u
#define TG_IO_FLAGS 3u
#define TG_IO_ZERO_POINT 4u
#define TG_IO_SCALE 8u
#define TG_IO_MODEL_RANK 16u
#define TG_IO_MODEL_DIMS 20u
#define TG_IO_NAME 44u
#define TG_IO_RESERVED 76u

#define TG_DTYPE_I8 1u
#define TG_DTYPE_I32 2u

/* Kernel ids. */
#define TG_K_CONV2D 1u
#define TG_K_DEPTHWISE_CONV2D 2u
#define TG_K_FULLY_CONNECTED 3u
#define TG_K_ADD 4u
#define TG_K_MUL 5u
#define TG_K_AVG_POOL 6u
#define TG_K_MAX_POOL 7u
#define TG_K_GLOBAL_AVG_POOL 8u
#define TG_K_SOFTMAX 9u
#define TG_K_LUT 10u
#define TG_K_TRANSPOSE 11u
#define TG_K_PAD 12u
#define TG_K_RESIZE 13u
#define TG_K_SLICE 14u
#define TG_K_INSERT 15u
#define TG_K_RESHAPE 16u
#define TG_K_SOFTMAX_TFL 17u
#define TG_K_COUNT 18u /* ids are 1 .. TG_K_COUNT - 1 */

/* Slot roles. */
#define TG_ROLE_NONE 0u
#define TG_ROLE_IN 1u      /* activation read, RAM */
#define TG_ROLE_CONST 2u   /* constant data, flash */
#define TG_ROLE_OUT 3u     /* written, RAM */
#define TG_ROLE_SCRATCH 4u /* written, RAM */

/* How an output may share an input's bytes (tg_slot_t.inplace). */
#define TG_ALIAS_NONE 0u   /* never */
#define TG_ALIAS_EXACT 1u  /* the same bytes: updated in place */
#define TG_ALIAS_WITHIN 2u /* any overlap the kernel's own checks allow (k_insert) */

typedef struct {
    uint8_t role;
    uint8_t dtype;
    uint8_t optional;
    uint8_t inplace; /* TG_ALIAS_*: how an output may share this input's bytes */
} tg_slot_t;

typedef struct {
    const char *name;
    uint8_t n_slots;
    uint8_t n_params;
    uint8_t call_flags; /* TG_CALL_* bits a call of this kernel may set */
    tg_slot_t slots[TG_MAX_SLOTS];
} tg_kernel_info_t;

/* NULL for an unknown id. */
const tg_kernel_info_t *tg_kernel_info(uint32_t id);

/* A decoded tensor descriptor (fields narrow: a call holds eight of them
 * on the stack). */
typedef struct {
    uint8_t pool;
    uint8_t dtype;
    uint8_t rank;
    uint8_t reserved;
    uint32_t offset;
    uint32_t size;
    int32_t dims[TG_MAX_RANK]; /* dims[rank..] are 0 in a loaded plan */
    /* Elements: the byte size over the element size, or -1 when that does
     * not fit an int32. The loader (check_tensor) requires it to equal the
     * product of the dims, so for a loaded plan it is that product; the
     * executor thus gets it without multiplying. */
    int32_t count;
} tg_tensor_t;

/* A decoded call record. */
typedef struct {
    uint16_t kernel;
    uint16_t flags;
    uint16_t reserved;
    uint16_t tensors[TG_MAX_SLOTS];
    int32_t params[TG_MAX_PARAMS];
} tg_call_t;

/* One call resolved against the tensor table: the record, its tensors'
 * descriptors and presence, and the pool bases (fast, slow, flash; the RAM
 * ones are NULL while loading). tg_resolve writes call, present[] and
 * base[] in full, but t[s] for the kernel's slots only (zeros for an absent
 * optional slot): t[s] past the kernel's slot count keeps whatever the
 * caller's struct held, so the callers clear the struct once (the loader per
 * call, tigris_run per run) and nothing reads those slots (present[s] is 0). */
typedef struct {
    tg_call_t call;
    tg_tensor_t t[TG_MAX_SLOTS];
    uint8_t present[TG_MAX_SLOTS];
    uint8_t *base[3];
} tg_operands_t;

/* The data of slot s: NULL when absent or its pool has no base yet. */
static inline uint8_t *tg_slot_ptr(const tg_operands_t *o, uint32_t s)
{
    uint8_t *base;
    if (!o->present[s] || o->t[s].pool > 2u) {
        return NULL;
    }
    base = o->base[o->t[s].pool];
    return (base == NULL) ? NULL : base + o->t[s].offset;
}

static inline uint32_t tg_rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static inline uint32_t tg_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

/* Two's complement int32 from its bit pattern, without implementation-defined casts. */
static inline int32_t tg_i32(uint32_t u)
{
    if (u <= (uint32_t)INT32_MAX) {
        return (int32_t)u;
    }
    return -(int32_t)(~u) - 1;
}

/*
 * Whole-word loads for the per-call decoders (tg_resolve, tg_read_tensor).
 * In a plan tigris_load accepted, every tensor descriptor and call record
 * starts 4-byte aligned (the data is 16-aligned, the sections are at the
 * canonical offsets, records are 36 and 80 bytes) and their 16/32-bit fields
 * sit at multiples of their size, so these fields can be loaded whole. The
 * byte-wise tg_rd32 costs ~10 instructions a word on a core without
 * unaligned loads (Xtensa), which made up much of the executor's per-call
 * overhead. The plan is little-endian: the whole-word load is used where the
 * compiler says the target is little-endian and lets the plan's bytes be
 * read through a wider type without an aliasing violation (GCC/Clang's
 * may_alias); other compilers get the byte-wise reads. Only for fields of
 * those records, and only after check_header has accepted the layout.
 */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
typedef uint16_t __attribute__((may_alias)) tg_alias_u16_t;
typedef uint32_t __attribute__((may_alias)) tg_alias_u32_t;
typedef int32_t __attribute__((may_alias)) tg_alias_i32_t;

static inline uint32_t tg_ld16(const uint8_t *p)
{
    return *(const tg_alias_u16_t *)(const void *)p;
}

static inline uint32_t tg_ld32(const uint8_t *p)
{
    return *(const tg_alias_u32_t *)(const void *)p;
}

static inline int32_t tg_ld32s(const uint8_t *p)
{
    return *(const tg_alias_i32_t *)(const void *)p;
}
#else
static inline uint32_t tg_ld16(const uint8_t *p)
{
    return tg_rd16(p);
}

static inline uint32_t tg_ld32(const uint8_t *p)
{
    return tg_rd32(p);
}

static inline int32_t tg_ld32s(const uint8_t *p)
{
    return tg_i32(tg_rd32(p));
}
#endif

/* CRC-32 (IEEE 802.3, zlib's) of n bytes, the 4 bytes at `skip` counted as zero. */
uint32_t tg_crc32(const uint8_t *data, uint32_t n, uint32_t skip);

/* Decodes tensor descriptor `index` (the caller has checked it against the
 * plan's count; see tg_tensor_t for what it reads and how count is set). */
void tg_read_tensor(const tigris_plan_t *plan, uint32_t index, tg_tensor_t *t);

/* Reads call `index` and its tensors into `o` (see tg_operands_t for what
 * is written); bases from the arenas (NULL while loading) and the plan's
 * weights. Returns 0 if a slot names a tensor index beyond the table (only
 * possible before validation). */
int tg_resolve(const tigris_plan_t *plan, uint32_t index, uint8_t *fast, uint8_t *slow,
               tg_operands_t *o);

/* Validates call `index` of a plan whose header and tensors are valid. */
tigris_status_t tg_check_call(const tigris_plan_t *plan, uint32_t index);

/* Checks (run == 0) or runs (run == 1) one resolved call. Returns a
 * tigris_status_t; when running, TIGRIS_STATUS_KERNEL for a kernel error. */
tigris_status_t tg_kernel(const tg_operands_t *ops, int run);

#define TG_LOADED_MARK 0x54475253u /* "TGRS" */

#endif /* TIGRIS_PLAN_FORMAT_H */
