/*
 * Load-time validation of one call record (tigris_load): the kernel id,
 * flag bits the kernel allows, reserved fields and unused parameter words, every slot (present when
 * required, absent beyond the kernel's slots, the right dtype, constants in
 * the plan and written tensors in RAM), the overlap of written slots with the
 * others, then the kernel's own shape and parameter checks (plan_kernels.c).
 * In its own file so that its large frame is not inlined into tigris_load.
 */
#include <string.h>

#include "plan_format.h"

static int overlaps(const tg_tensor_t *a, const tg_tensor_t *b)
{
    return a->pool == b->pool && (uint64_t)a->offset < (uint64_t)b->offset + b->size &&
           (uint64_t)b->offset < (uint64_t)a->offset + a->size;
}

static int same_bytes(const tg_tensor_t *a, const tg_tensor_t *b)
{
    return a->pool == b->pool && a->offset == b->offset && a->size == b->size;
}

/* Written slots may not overlap any other slot, except an exact alias of
 * an input the kernel may update in place, or an input the kernel moves
 * within its output (the kernel's own checks decide: k_insert). */
static tigris_status_t check_overlap(const tg_kernel_info_t *k, const tg_operands_t *ops)
{
    uint32_t w, s;
    for (w = 0; w < k->n_slots; w++) {
        const uint8_t role = k->slots[w].role;
        if (!ops->present[w] || (role != TG_ROLE_OUT && role != TG_ROLE_SCRATCH)) {
            continue;
        }
        for (s = 0; s < k->n_slots; s++) {
            if (s == w || !ops->present[s] || !overlaps(&ops->t[w], &ops->t[s])) {
                continue;
            }
            if (role == TG_ROLE_OUT && k->slots[s].inplace == TG_ALIAS_EXACT &&
                same_bytes(&ops->t[w], &ops->t[s])) {
                continue;
            }
            if (role == TG_ROLE_OUT && k->slots[s].inplace == TG_ALIAS_WITHIN) {
                continue;
            }
            return TIGRIS_STATUS_OVERLAP;
        }
    }
    return TIGRIS_STATUS_OK;
}

tigris_status_t tg_check_call(const tigris_plan_t *plan, uint32_t index)
{
    tg_operands_t ops;
    const tg_kernel_info_t *k;
    tigris_status_t st;
    uint32_t s;
    /* tg_resolve leaves t[s] past the kernel's slots as it finds them */
    memset(&ops, 0, sizeof ops);
    if (!tg_resolve(plan, index, NULL, NULL, &ops)) {
        return TIGRIS_STATUS_BAD_CALL;
    }
    k = tg_kernel_info(ops.call.kernel);
    /* only the flag bits the kernel knows (single rounding: the requantizing ones) */
    if (k == NULL || ((uint32_t)ops.call.flags & ~(uint32_t)k->call_flags) != 0u ||
        ops.call.reserved != 0u) {
        return TIGRIS_STATUS_BAD_CALL;
    }
    for (s = k->n_params; s < TG_MAX_PARAMS; s++) {
        if (ops.call.params[s] != 0) {
            return TIGRIS_STATUS_BAD_CALL;
        }
    }
    for (s = 0; s < TG_MAX_SLOTS; s++) {
        const tg_slot_t *slot = &k->slots[s];
        if (s >= k->n_slots) {
            if (ops.call.tensors[s] != TG_NO_TENSOR) {
                return TIGRIS_STATUS_BAD_CALL;
            }
            continue;
        }
        if (!ops.present[s]) {
            if (!slot->optional) {
                return TIGRIS_STATUS_BAD_CALL;
            }
            continue;
        }
        /* constants live in the plan, written tensors in RAM; an input may
         * be either (a constant operand of add, say) */
        if (ops.t[s].dtype != slot->dtype ||
            (slot->role == TG_ROLE_CONST && ops.t[s].pool != TIGRIS_POOL_FLASH) ||
            (slot->role != TG_ROLE_CONST && slot->role != TG_ROLE_IN &&
             ops.t[s].pool == TIGRIS_POOL_FLASH)) {
            return TIGRIS_STATUS_BAD_CALL;
        }
    }
    st = check_overlap(k, &ops);
    if (st != TIGRIS_STATUS_OK) {
        return st;
    }
    return tg_kernel(&ops, 0);
}
