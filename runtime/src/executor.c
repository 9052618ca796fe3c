/*
 * tigris_run: walks the call table of a loaded plan. Everything was
 * checked by tigris_load; here only the arenas are checked, then each call
 * is resolved to pointers and handed to its kernel. tg_resolve runs once
 * per kernel call, so it decodes the record and the tensors of the kernel's
 * slots only, with whole-word loads (plan_format.h).
 */
#include <string.h>

#include "plan_format.h"

static tigris_status_t check_arena(const void *arena, size_t have, uint32_t need,
                                   uint32_t alignment)
{
    const uintptr_t mask = (uintptr_t)((alignment < 16u) ? alignment : 16u) - 1u;
    if (need == 0u) {
        return TIGRIS_STATUS_OK;
    }
    if (arena == NULL) {
        return TIGRIS_STATUS_NULL_ARGUMENT;
    }
    if (((uintptr_t)arena & mask) != 0u) {
        return TIGRIS_STATUS_MISALIGNED;
    }
    return (have < need) ? TIGRIS_STATUS_ARENA_TOO_SMALL : TIGRIS_STATUS_OK;
}

/* Resolves and runs one call. `ops` is the caller's, reused for every call
 * of a run: tg_resolve rewrites all of it that the call's kernel reads. */
static tigris_status_t run_call(const tigris_plan_t *plan, uint32_t index, uint8_t *fast,
                                uint8_t *slow, tg_operands_t *ops)
{
    if (!tg_resolve(plan, index, fast, slow, ops)) {
        return TIGRIS_STATUS_BAD_CALL; /* unreachable after a successful load */
    }
    return tg_kernel(ops, 1);
}

/* Reports call `index` to the profiler, before (end = 0) or after its run.
 * Kind and stage come straight from the call record (checked at load); they
 * are read again for the end so that nothing stays live across the kernel. */
static void report(const tigris_plan_t *plan, uint32_t index, const tigris_profiler_t *profiler,
                   int end, tigris_status_t st)
{
    const uint8_t *rec = plan->data + plan->calls_offset + index * TG_CALL_SIZE;
    const uint32_t kernel = tg_rd16(rec + TG_C_KERNEL);
    const uint32_t stage = tg_rd16(rec + TG_C_STAGE);
    if (!end && profiler->begin != NULL) {
        profiler->begin(profiler->user, index, kernel, stage);
    } else if (end && profiler->end != NULL) {
        profiler->end(profiler->user, index, kernel, stage, st);
    }
}

tigris_status_t tigris_run(const tigris_plan_t *plan, void *fast, size_t fast_size, void *slow,
                           size_t slow_size)
{
    return tigris_run_profiled(plan, fast, fast_size, slow, slow_size, NULL);
}

tigris_status_t tigris_run_profiled(const tigris_plan_t *plan, void *fast, size_t fast_size,
                                    void *slow, size_t slow_size,
                                    const tigris_profiler_t *profiler)
{
    tg_operands_t ops; /* the largest local (~430 bytes) */
    tigris_status_t st;
    uint32_t i;
    if (plan == NULL) {
        return TIGRIS_STATUS_NULL_ARGUMENT;
    }
    if (plan->loaded != TG_LOADED_MARK) {
        return TIGRIS_STATUS_NOT_LOADED;
    }
    st = check_arena(fast, fast_size, plan->fast_size, plan->alignment);
    if (st == TIGRIS_STATUS_OK) {
        st = check_arena(slow, slow_size, plan->slow_size, plan->alignment);
    }
    /* Cleared once per run, not per call: tg_resolve leaves the slots past a
     * kernel's slot count as they are, so these hold zeros or an earlier
     * call's descriptors, marked absent either way. */
    memset(&ops, 0, sizeof ops);
    for (i = 0; st == TIGRIS_STATUS_OK && i < plan->n_calls; i++) {
        if (profiler != NULL) {
            report(plan, i, profiler, 0, TIGRIS_STATUS_OK);
        }
        st = run_call(plan, i, (uint8_t *)fast, (uint8_t *)slow, &ops);
        if (profiler != NULL) {
            report(plan, i, profiler, 1, st);
        }
    }
    return st;
}

/* ------------------------------------------------------------------ state */

/* The output record of the state variable whose input record is `in`. */
static const uint8_t *state_output(const tigris_plan_t *plan, const uint8_t *in)
{
    const uint8_t *io = plan->data + plan->io_offset;
    uint32_t j;
    for (j = plan->n_inputs; j < plan->n_inputs + plan->n_outputs; j++) {
        const uint8_t *b = io + j * TG_IO_SIZE;
        if ((b[TG_IO_FLAGS] & TIGRIS_IO_STATE) != 0u &&
            memcmp(b + TG_IO_NAME, in + TG_IO_NAME, TG_NAME_SIZE) == 0) {
            return b;
        }
    }
    return NULL; /* unreachable after a successful load */
}

static uint8_t *io_bytes(const tigris_plan_t *plan, const uint8_t *rec, uint8_t *fast,
                         uint8_t *slow, uint32_t *size)
{
    tg_tensor_t t;
    tg_read_tensor(plan, tg_rd16(rec + TG_IO_TENSOR), &t);
    *size = t.size;
    return ((t.pool == TIGRIS_POOL_SLOW) ? slow : fast) + t.offset;
}

static tigris_status_t check_state_region(const tigris_plan_t *plan, const void *state,
                                          size_t state_size)
{
    if (plan == NULL) {
        return TIGRIS_STATUS_NULL_ARGUMENT;
    }
    if (plan->loaded != TG_LOADED_MARK) {
        return TIGRIS_STATUS_NOT_LOADED;
    }
    if (plan->state_size == 0u) {
        return TIGRIS_STATUS_OK;
    }
    if (state == NULL) {
        return TIGRIS_STATUS_NULL_ARGUMENT;
    }
    return (state_size < plan->state_size) ? TIGRIS_STATUS_ARENA_TOO_SMALL : TIGRIS_STATUS_OK;
}

tigris_status_t tigris_state_init(const tigris_plan_t *plan, void *state, size_t state_size)
{
    const tigris_status_t st = check_state_region(plan, state, state_size);
    uint32_t i, at = 0u;
    if (st != TIGRIS_STATUS_OK) {
        return st;
    }
    for (i = 0; i < plan->n_inputs; i++) {
        const uint8_t *rec = plan->data + plan->io_offset + i * TG_IO_SIZE;
        tg_tensor_t t;
        if ((rec[TG_IO_FLAGS] & TIGRIS_IO_STATE) == 0u) {
            continue;
        }
        tg_read_tensor(plan, tg_rd16(rec + TG_IO_TENSOR), &t);
        /* real zero: the zero point, an int8 value (checked at load) */
        memset((uint8_t *)state + at, (int)(uint8_t)(int8_t)tg_i32(tg_rd32(rec + TG_IO_ZERO_POINT)),
               t.size);
        at += t.size;
    }
    return TIGRIS_STATUS_OK;
}

tigris_status_t tigris_run_state(const tigris_plan_t *plan, void *fast, size_t fast_size,
                                 void *slow, size_t slow_size, void *state, size_t state_size,
                                 const tigris_profiler_t *profiler)
{
    tigris_status_t st = check_state_region(plan, state, state_size);
    uint32_t i, at, size;
    if (st == TIGRIS_STATUS_OK) {
        st = check_arena(fast, fast_size, plan->fast_size, plan->alignment);
    }
    if (st == TIGRIS_STATUS_OK) {
        st = check_arena(slow, slow_size, plan->slow_size, plan->alignment);
    }
    if (st != TIGRIS_STATUS_OK) {
        return st;
    }
    for (i = 0, at = 0u; i < plan->n_inputs; i++) {
        const uint8_t *rec = plan->data + plan->io_offset + i * TG_IO_SIZE;
        if ((rec[TG_IO_FLAGS] & TIGRIS_IO_STATE) != 0u) {
            uint8_t *dst = io_bytes(plan, rec, (uint8_t *)fast, (uint8_t *)slow, &size);
            memcpy(dst, (const uint8_t *)state + at, size);
            at += size;
        }
    }
    st = tigris_run_profiled(plan, fast, fast_size, slow, slow_size, profiler);
    if (st != TIGRIS_STATUS_OK) {
        return st;
    }
    for (i = 0, at = 0u; i < plan->n_inputs; i++) {
        const uint8_t *rec = plan->data + plan->io_offset + i * TG_IO_SIZE;
        if ((rec[TG_IO_FLAGS] & TIGRIS_IO_STATE) != 0u) {
            const uint8_t *out = state_output(plan, rec);
            const uint8_t *src;
            if (out == NULL) {
                return TIGRIS_STATUS_BAD_IO;
            }
            src = io_bytes(plan, out, (uint8_t *)fast, (uint8_t *)slow, &size);
            memcpy((uint8_t *)state + at, src, size);
            at += size;
        }
    }
    return TIGRIS_STATUS_OK;
}
