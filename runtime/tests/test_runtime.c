/*
 * C unit tests of the runtime core (loader, executor, I/O descriptors,
 * status names) over the valid plan files given on the command line.
 * Every corruption below is made with the CRC fixed up afterwards (unless
 * the CRC itself is the point), so the structural checks behind it are
 * what rejects the plan.
 *
 *   tigris_runtime_tests PLAN.tgrs...     run the suite on each plan
 *   tigris_runtime_tests --kernel-table   print the kernel table (id, name,
 *                                         parameter words, call flags, slots)
 *
 * Prints one line per check and ends with "N passed, M failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_util.h"
#include "tigris_kernels.h"

static int passed;
static int failed;

static void check(int ok, const char *plan, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("not ok - %s: %s\n", plan, what);
    }
}

static void expect(tigris_status_t got, tigris_status_t want, const char *plan, const char *what)
{
    if (got != want) {
        printf("not ok - %s: %s: got %s, want %s\n", plan, what, tigris_status_str(got),
               tigris_status_str(want));
        failed++;
    } else {
        passed++;
    }
}

/* Loads a mutated copy (CRC fixed when fix != 0) and returns the status. */
typedef void (*mutate_fn)(uint8_t *plan, size_t size, int32_t arg);

static tigris_status_t load_mutated(const uint8_t *plan, size_t size, mutate_fn fn, int32_t arg,
                                    int fix)
{
    tigris_plan_t p;
    tigris_status_t st;
    uint8_t *copy = pu_copy(plan, size);
    fn(copy, size, arg);
    if (fix) {
        pu_fix_crc(copy, size);
    }
    st = tigris_load(&p, copy, size);
    if (st != TIGRIS_STATUS_OK && p.loaded != 0u) {
        st = TIGRIS_STATUS_KERNEL; /* a failed load must leave the handle unloaded */
    }
    free(copy);
    return st;
}

static uint32_t g_value;
static void m_byte(uint8_t *p, size_t n, int32_t at) { (void)n; p[at] ^= 0x5A; }
static void m_header(uint8_t *p, size_t n, int32_t field) { (void)n; pu_wr32(p + field, tg_rd32(p + field) + 1u); }
static void m_header_zero(uint8_t *p, size_t n, int32_t field) { (void)n; pu_wr32(p + field, 0u); }
static void m_set32(uint8_t *p, size_t n, int32_t field) { (void)n; pu_wr32(p + field, g_value); }
static void m_version(uint8_t *p, size_t n, int32_t v) { (void)n; pu_wr32(p + TG_H_VERSION, (uint32_t)v); }
static void m_name(uint8_t *p, size_t n, int32_t at) { (void)n; memset(p + at, 'x', TG_NAME_SIZE); }
static void m_fast_size(uint8_t *p, size_t n, int32_t v) { (void)n; pu_wr32(p + TG_H_FAST_SIZE, (uint32_t)v); }
static void m_tensor_offset(uint8_t *p, size_t n, int32_t i) { (void)n; pu_wr32(pu_tensor(p, (uint32_t)i) + TG_T_OFFSET, 0xFFFFFFF0u); }
static void m_tensor_dim(uint8_t *p, size_t n, int32_t i) { (void)n; pu_wr32(pu_tensor(p, (uint32_t)i) + TG_T_DIMS, tg_rd32(pu_tensor(p, (uint32_t)i) + TG_T_DIMS) * 2u + 1u); }
static void m_tensor_pool(uint8_t *p, size_t n, int32_t i) { (void)n; pu_tensor(p, (uint32_t)i)[TG_T_POOL] = 7u; }
static void m_tensor_rank(uint8_t *p, size_t n, int32_t i) { (void)n; pu_tensor(p, (uint32_t)i)[TG_T_RANK] = 9u; }
static void m_call_kernel(uint8_t *p, size_t n, int32_t k) { (void)n; pu_wr16(pu_call(p, 0) + TG_C_KERNEL, (uint32_t)k); }
static void m_call_flags(uint8_t *p, size_t n, int32_t i) { (void)n; pu_wr16(pu_call(p, (uint32_t)i) + TG_C_FLAGS, g_value & 0xFFFFu); }
static void m_call_slot(uint8_t *p, size_t n, int32_t i) { (void)n; pu_wr16(pu_call(p, (uint32_t)i) + TG_C_TENSORS, pu_header(p, TG_H_N_TENSORS)); }
static void m_call_unused(uint8_t *p, size_t n, int32_t i) { (void)n; pu_wr32(pu_call(p, (uint32_t)i) + TG_C_PARAMS + 4u * 13u, 1u); }
static void m_io_tensor(uint8_t *p, size_t n, int32_t i) { (void)n; pu_wr16(pu_io(p, (uint32_t)i) + TG_IO_TENSOR, 0xFFFEu); }
static void m_io_layout(uint8_t *p, size_t n, int32_t i) { (void)n; pu_io(p, (uint32_t)i)[TG_IO_LAYOUT] = 5u; }
static void m_io_name(uint8_t *p, size_t n, int32_t i) { (void)n; memset(pu_io(p, (uint32_t)i) + TG_IO_NAME, 'y', TG_NAME_SIZE); }
static void m_io_rank(uint8_t *p, size_t n, int32_t i) { (void)n; pu_wr32(pu_io(p, (uint32_t)i) + TG_IO_MODEL_RANK, 7u); }

/* The output slot of call i gets the tensor of slot `from`. */
static int32_t g_slot_from, g_slot_to;
static void m_slot_copy(uint8_t *p, size_t n, int32_t i)
{
    uint8_t *c = pu_call(p, (uint32_t)i);
    (void)n;
    pu_wr16(c + TG_C_TENSORS + 2u * (uint32_t)g_slot_to, tg_rd16(c + TG_C_TENSORS + 2u * (uint32_t)g_slot_from));
}

/* The table of lut call i one table short (per-channel) or one entry short:
 * still a valid tensor inside the weights, but not 256 or channels x 256. */
static void m_lut_table(uint8_t *p, size_t n, int32_t i)
{
    uint8_t *t = pu_tensor(p, tg_rd16(pu_call(p, (uint32_t)i) + TG_C_TENSORS + 2u));
    const uint32_t count = tg_rd32(t + TG_T_SIZE);
    const uint32_t fewer = (count > 512u) ? count - 256u : count - 1u;
    (void)n;
    pu_wr32(t + TG_T_SIZE, fewer);
    pu_wr32(t + TG_T_DIMS, fewer);
}

static void m_param(uint8_t *p, size_t n, int32_t i)
{
    (void)n;
    pu_wr32(pu_call(p, (uint32_t)i) + TG_C_PARAMS + 4u * (uint32_t)g_slot_from, (uint32_t)g_slot_to);
}

/* ------------------------------------------------ single rounding (call flag bit 0) */

static int requantizes(uint32_t kernel)
{
    const tg_kernel_info_t *k = tg_kernel_info(kernel);
    return k != NULL && (k->call_flags & TG_CALL_SINGLE_ROUNDING) != 0u;
}

/* The requantization shifts of call i: `*n` words at the returned address (the
 * flash shift array of conv / depthwise / fc, or one parameter word of add
 * (its output_shift, `second` its input2_shift), mul and gap); NULL for the
 * other kernels. */
static uint8_t *shift_words(uint8_t *p, uint32_t i, int second, uint32_t *n)
{
    uint8_t *c = pu_call(p, i);
    uint8_t *t;
    *n = 1u;
    switch (tg_rd16(c + TG_C_KERNEL)) {
    case TG_K_CONV2D:
    case TG_K_DEPTHWISE_CONV2D:
    case TG_K_FULLY_CONNECTED:
        t = pu_tensor(p, tg_rd16(c + TG_C_TENSORS + 2u * 4u));
        *n = tg_rd32(t + TG_T_SIZE) / 4u;
        return p + pu_header(p, TG_H_WEIGHTS) + tg_rd32(t + TG_T_OFFSET);
    case TG_K_ADD: return c + TG_C_PARAMS + 4u * (second ? 5u : 9u);
    case TG_K_MUL: return c + TG_C_PARAMS + 4u * 4u;
    case TG_K_GLOBAL_AVG_POOL: return c + TG_C_PARAMS + 4u * 3u;
    default: return NULL;
    }
}

/* Every shift of call i inside single rounding's range [-31, 30]. */
static int shifts_in_range(const uint8_t *plan, uint32_t i)
{
    uint32_t n, k, pass;
    for (pass = 0; pass < 2u; pass++) {
        const uint8_t *w = shift_words((uint8_t *)(uintptr_t)plan, i, (int)pass, &n);
        for (k = 0; w != NULL && k < n; k++) {
            const int32_t v = tg_i32(tg_rd32(w + 4u * k));
            if (v < TIGRIS_SINGLE_SHIFT_MIN || v > TIGRIS_SINGLE_SHIFT_MAX) {
                return 0;
            }
        }
    }
    if (tg_rd16(plan + pu_header(plan, TG_H_CALLS) + i * TG_CALL_SIZE) == TG_K_ADD) {
        const int32_t v = tg_i32(tg_rd32(plan + pu_header(plan, TG_H_CALLS) + i * TG_CALL_SIZE +
                                         TG_C_PARAMS + 12u)); /* input1_shift */
        return v >= TIGRIS_SINGLE_SHIFT_MIN && v <= TIGRIS_SINGLE_SHIFT_MAX;
    }
    return 1;
}

/* Every call double rounding (flags 0), then call i gets flags g_value and, if
 * g_shift_set, its first shift (or add's input2_shift when g_shift_second)
 * becomes g_shift: the other calls take any shift, so a shift array shared with
 * another call cannot decide the outcome. */
static int g_shift_set, g_shift_second;
static int32_t g_shift;
static void m_rounding(uint8_t *p, size_t n, int32_t i)
{
    uint32_t j, count;
    uint8_t *w;
    (void)n;
    for (j = 0; j < pu_header(p, TG_H_N_CALLS); j++) {
        pu_wr16(pu_call(p, j) + TG_C_FLAGS, 0u);
    }
    pu_wr16(pu_call(p, (uint32_t)i) + TG_C_FLAGS, g_value & 0xFFFFu);
    w = shift_words(p, (uint32_t)i, g_shift_second, &count);
    if (g_shift_set && w != NULL) {
        pu_wr32(w, (uint32_t)g_shift);
    }
}

/* Loads the m_rounding variant of call i (CRC fixed); *in_range: every shift of
 * call i in that variant lies in [-31, 30]. */
static tigris_status_t load_rounding(const uint8_t *plan, size_t size, uint32_t i, int *in_range)
{
    tigris_plan_t p;
    tigris_status_t st;
    uint8_t *copy = pu_copy(plan, size);
    m_rounding(copy, size, (int32_t)i);
    *in_range = shifts_in_range(copy, i);
    pu_fix_crc(copy, size);
    st = tigris_load(&p, copy, size);
    if (st != TIGRIS_STATUS_OK && p.loaded != 0u) {
        st = TIGRIS_STATUS_KERNEL; /* a failed load must leave the handle unloaded */
    }
    free(copy);
    return st;
}

/* A copy of the plan with every requantizing call in one rounding mode (CRC fixed). */
static uint8_t *with_rounding(const uint8_t *plan, size_t size, int single)
{
    uint8_t *copy = pu_copy(plan, size);
    uint32_t j;
    for (j = 0; j < pu_header(copy, TG_H_N_CALLS); j++) {
        uint8_t *c = pu_call(copy, j);
        pu_wr16(c + TG_C_FLAGS, (single && requantizes(tg_rd16(c + TG_C_KERNEL)))
                                    ? TG_CALL_SINGLE_ROUNDING : 0u);
    }
    pu_fix_crc(copy, size);
    return copy;
}

/* The call flags: unknown bits are BAD_CALL on every kernel, bit 0 (single
 * rounding) is BAD_CALL on a kernel that does not requantize, and on one that
 * does it loads exactly when every shift of the call lies in [-31, 30]
 * (BAD_PARAM otherwise), the edges included; double rounding takes any shift. */
static void suite_rounding(const char *name, const uint8_t *plan, size_t size)
{
    static const uint32_t bad_bits[] = {0x0002u, 0x0003u, 0x0004u, 0x0100u, 0x8000u, 0xFFFFu};
    static const int32_t shifts[] = {31, -32, 1000, INT32_MIN, INT32_MAX, 30, -31, 0};
    const uint32_t n_calls = pu_header(plan, TG_H_N_CALLS);
    uint32_t i, b, k;
    int in_range;
    char what[96];
    for (i = 0; i < n_calls; i++) {
        const uint32_t kernel = tg_rd16(plan + pu_header(plan, TG_H_CALLS) + i * TG_CALL_SIZE);
        const int rq = requantizes(kernel);
        for (b = 0; b < sizeof bad_bits / sizeof bad_bits[0]; b++) {
            g_value = bad_bits[b];
            snprintf(what, sizeof what, "call %u flags 0x%04x", (unsigned)i, (unsigned)g_value);
            expect(load_mutated(plan, size, m_call_flags, (int32_t)i, 1), TIGRIS_STATUS_BAD_CALL,
                   name, what);
        }
        g_shift_set = 0;
        g_shift_second = 0;
        g_value = 0u;
        snprintf(what, sizeof what, "call %u double rounding", (unsigned)i);
        expect(load_rounding(plan, size, i, &in_range), TIGRIS_STATUS_OK, name, what);
        g_value = TG_CALL_SINGLE_ROUNDING;
        snprintf(what, sizeof what, "call %u single rounding (kernel %u)", (unsigned)i,
                 (unsigned)kernel);
        expect(load_rounding(plan, size, i, &in_range),
               !rq ? TIGRIS_STATUS_BAD_CALL : in_range ? TIGRIS_STATUS_OK : TIGRIS_STATUS_BAD_PARAM,
               name, what);
        check(!rq || in_range, name, "the plan's own shifts suit single rounding");
        for (b = 0; rq && b < ((kernel == TG_K_ADD) ? 2u : 1u); b++) {
            g_shift_set = 1;
            g_shift_second = (int)b; /* add: its output_shift, then its input2_shift */
            for (k = 0; k < sizeof shifts / sizeof shifts[0]; k++) {
                const int edge = shifts[k] >= TIGRIS_SINGLE_SHIFT_MIN &&
                                 shifts[k] <= TIGRIS_SINGLE_SHIFT_MAX;
                tigris_status_t st;
                g_shift = shifts[k];
                g_value = TG_CALL_SINGLE_ROUNDING;
                st = load_rounding(plan, size, i, &in_range);
                snprintf(what, sizeof what, "call %u single rounding, shift %ld", (unsigned)i,
                         (long)g_shift);
                expect(st, in_range ? TIGRIS_STATUS_OK : TIGRIS_STATUS_BAD_PARAM, name, what);
                check(edge || !in_range, name, "an out-of-range shift was written");
                g_value = 0u;
                snprintf(what, sizeof what, "call %u double rounding, shift %ld", (unsigned)i,
                         (long)g_shift);
                expect(load_rounding(plan, size, i, &in_range), TIGRIS_STATUS_OK, name, what);
            }
        }
        g_shift_set = 0;
    }
}

static void suite_load(const char *name, const uint8_t *plan, size_t size)
{
    tigris_plan_t p;
    uint8_t *copy;
    const int32_t conv = pu_find_call(plan, TG_K_CONV2D);
    const uint32_t n_calls = pu_header(plan, TG_H_N_CALLS);
    uint32_t i;

    expect(tigris_load(NULL, plan, size), TIGRIS_STATUS_NULL_ARGUMENT, name, "NULL handle");
    expect(tigris_load(&p, NULL, size), TIGRIS_STATUS_NULL_ARGUMENT, name, "NULL data");
    copy = pu_copy(plan, size + 1u);
    memmove(copy + 1, copy, size);
    expect(tigris_load(&p, copy + 1, size), TIGRIS_STATUS_MISALIGNED, name, "misaligned plan");
    free(copy);
    expect(tigris_load(&p, plan, 64), TIGRIS_STATUS_TRUNCATED, name, "shorter than the header");
    expect(tigris_load(&p, plan, size - 1u), TIGRIS_STATUS_TRUNCATED, name, "one byte short");
    expect(load_mutated(plan, size, m_byte, 0, 1), TIGRIS_STATUS_BAD_MAGIC, name, "magic");
    expect(load_mutated(plan, size, m_version, 2, 1), TIGRIS_STATUS_BAD_VERSION, name, "version 2");
    expect(load_mutated(plan, size, m_version, 0, 1), TIGRIS_STATUS_BAD_VERSION, name, "version 0");
    expect(load_mutated(plan, size, m_byte, 200, 0), TIGRIS_STATUS_BAD_CRC, name, "flipped byte");
    expect(load_mutated(plan, size, m_byte, (int32_t)size - 1, 0), TIGRIS_STATUS_BAD_CRC, name,
           "flipped last byte");
    expect(load_mutated(plan, size, m_header, TG_H_HEADER_SIZE, 1), TIGRIS_STATUS_BAD_HEADER,
           name, "header size");
    expect(load_mutated(plan, size, m_header, TG_H_FLAGS, 1), TIGRIS_STATUS_BAD_HEADER, name,
           "header flags");
    expect(load_mutated(plan, size, m_header, TG_H_RESERVED + 8u, 1), TIGRIS_STATUS_BAD_HEADER,
           name, "reserved word");
    expect(load_mutated(plan, size, m_header, TG_H_N_TENSORS, 1), TIGRIS_STATUS_BAD_HEADER, name,
           "tensor count + 1");
    expect(load_mutated(plan, size, m_header, TG_H_N_CALLS, 1), TIGRIS_STATUS_BAD_HEADER, name,
           "call count + 1");
    expect(load_mutated(plan, size, m_header_zero, TG_H_N_INPUTS, 1), TIGRIS_STATUS_BAD_HEADER,
           name, "no inputs");
    expect(load_mutated(plan, size, m_header, TG_H_WEIGHTS_SIZE, 1), TIGRIS_STATUS_BAD_HEADER,
           name, "weights size + 1");
    expect(load_mutated(plan, size, m_header, TG_H_CALLS, 1), TIGRIS_STATUS_BAD_HEADER, name,
           "calls offset + 1");
    expect(load_mutated(plan, size, m_header, TG_H_ALIGNMENT, 1), TIGRIS_STATUS_BAD_HEADER, name,
           "alignment not a power of two");
    g_value = 5u;
    expect(load_mutated(plan, size, m_set32, TG_H_TARGET, 1), TIGRIS_STATUS_BAD_HEADER, name,
           "unknown target");
    g_value = 8192u;
    expect(load_mutated(plan, size, m_set32, TG_H_ALIGNMENT, 1), TIGRIS_STATUS_BAD_HEADER, name,
           "alignment 8192");
    g_value = (uint32_t)size + 16u;
    expect(load_mutated(plan, size, m_set32, TG_H_PLAN_SIZE, 1), TIGRIS_STATUS_TRUNCATED, name,
           "plan size past the buffer");
    g_value = (uint32_t)size - 16u;
    expect(load_mutated(plan, size, m_set32, TG_H_PLAN_SIZE, 0), TIGRIS_STATUS_BAD_CRC, name,
           "plan size shortened, CRC over the shorter plan");
    expect(load_mutated(plan, size, m_name, TG_H_NAME, 1), TIGRIS_STATUS_BAD_HEADER, name,
           "name without NUL");
    expect(load_mutated(plan, size, m_fast_size, 1, 1), TIGRIS_STATUS_OUT_OF_BOUNDS, name,
           "fast pool of 1 byte");
    expect(load_mutated(plan, size, m_tensor_offset, 0, 1), TIGRIS_STATUS_OUT_OF_BOUNDS, name,
           "tensor offset past its pool");
    expect(load_mutated(plan, size, m_tensor_dim, 0, 1), TIGRIS_STATUS_BAD_TENSOR, name,
           "tensor dims do not match its size");
    expect(load_mutated(plan, size, m_tensor_pool, 0, 1), TIGRIS_STATUS_BAD_TENSOR, name,
           "unknown pool");
    expect(load_mutated(plan, size, m_tensor_rank, 0, 1), TIGRIS_STATUS_BAD_TENSOR, name,
           "rank 9");
    expect(load_mutated(plan, size, m_io_tensor, 0, 1), TIGRIS_STATUS_BAD_IO, name,
           "input tensor index");
    expect(load_mutated(plan, size, m_io_layout, 0, 1), TIGRIS_STATUS_BAD_IO, name,
           "input layout");
    expect(load_mutated(plan, size, m_io_name, 1, 1), TIGRIS_STATUS_BAD_IO, name,
           "output name without NUL");
    expect(load_mutated(plan, size, m_io_rank, 1, 1), TIGRIS_STATUS_BAD_IO, name,
           "output model rank 7");
    if (n_calls == 0u) {
        return;
    }
    expect(load_mutated(plan, size, m_call_kernel, 0, 1), TIGRIS_STATUS_BAD_CALL, name,
           "kernel id 0");
    expect(load_mutated(plan, size, m_call_kernel, 99, 1), TIGRIS_STATUS_BAD_CALL, name,
           "kernel id 99");
    g_value = 0x8000u;
    expect(load_mutated(plan, size, m_call_flags, (int32_t)n_calls - 1, 1),
           TIGRIS_STATUS_BAD_CALL, name, "call flags");
    expect(load_mutated(plan, size, m_call_slot, 0, 1), TIGRIS_STATUS_BAD_CALL, name,
           "tensor index past the table");
    expect(load_mutated(plan, size, m_call_unused, 0, 1), TIGRIS_STATUS_BAD_CALL, name,
           "unused parameter word");
    if (conv >= 0) {
        /* conv slots: 0 input, 1 weights, 2 bias, 3 multiplier, 4 shift, 5 output */
        g_slot_from = 0; g_slot_to = 5;
        expect(load_mutated(plan, size, m_slot_copy, conv, 1), TIGRIS_STATUS_OVERLAP, name,
               "conv writes over its input");
        g_slot_from = 1; g_slot_to = 5;
        expect(load_mutated(plan, size, m_slot_copy, conv, 1), TIGRIS_STATUS_BAD_CALL, name,
               "conv writes into the plan");
        g_slot_from = 2; g_slot_to = 1;
        expect(load_mutated(plan, size, m_slot_copy, conv, 1), TIGRIS_STATUS_BAD_CALL, name,
               "int32 tensor as int8 weights");
        g_slot_from = 0; g_slot_to = 0;
        expect(load_mutated(plan, size, m_param, conv, 1), TIGRIS_STATUS_BAD_PARAM, name,
               "stride 0");
        g_slot_from = 4; g_slot_to = -1;
        expect(load_mutated(plan, size, m_param, conv, 1), TIGRIS_STATUS_BAD_PARAM, name,
               "negative pad");
        g_slot_from = 0; g_slot_to = 1000;
        expect(load_mutated(plan, size, m_param, conv, 1), TIGRIS_STATUS_BAD_SHAPE, name,
               "stride 1000 leaves no output row");
    }
    for (i = 0; i < n_calls; i++) {   /* every lut, one table or one per channel */
        const uint8_t *c = plan + pu_header(plan, TG_H_CALLS) + i * TG_CALL_SIZE;
        if (tg_rd16(c + TG_C_KERNEL) == TG_K_LUT) {
            expect(load_mutated(plan, size, m_lut_table, (int32_t)i, 1), TIGRIS_STATUS_BAD_SHAPE,
                   name, "lut table neither 256 nor 256 per channel");
        }
    }
    copy = pu_copy(plan, size);
    expect(tigris_load(&p, copy, size), TIGRIS_STATUS_OK, name, "valid plan loads");
    free(copy);
}

static uint8_t *arena(uint32_t n)
{
    return (uint8_t *)calloc(n ? n : 1u, 1u);
}

static void suite_run(const char *name, const uint8_t *plan, size_t size)
{
    tigris_plan_t p, unloaded;
    tigris_plan_info_t info;
    tigris_io_t in, out;
    uint8_t *fast, *first;
    uint32_t i;
    memset(&unloaded, 0, sizeof unloaded);
    expect(tigris_load(&p, plan, size), TIGRIS_STATUS_OK, name, "load");
    expect(tigris_plan_info(&p, &info), TIGRIS_STATUS_OK, name, "info");
    expect(tigris_plan_info(&unloaded, &info), TIGRIS_STATUS_NOT_LOADED, name, "info unloaded");
    expect(tigris_plan_info(&p, &info), TIGRIS_STATUS_OK, name, "info again");
    check(info.version == TIGRIS_PLAN_VERSION && info.plan_size == size &&
              info.fast_size == pu_header(plan, TG_H_FAST_SIZE) &&
              info.n_calls == pu_header(plan, TG_H_N_CALLS) &&
              strncmp(info.name, (const char *)plan + TG_H_NAME, TG_NAME_SIZE) == 0,
          name, "info fields");
    expect(tigris_input(&p, info.n_inputs, &in), TIGRIS_STATUS_INDEX, name, "input index");
    expect(tigris_output(&p, info.n_outputs, &out), TIGRIS_STATUS_INDEX, name, "output index");
    expect(tigris_input(&unloaded, 0, &in), TIGRIS_STATUS_NOT_LOADED, name, "input unloaded");
    expect(tigris_input(&p, 0, NULL), TIGRIS_STATUS_NULL_ARGUMENT, name, "input NULL");
    expect(tigris_input(&p, 0, &in), TIGRIS_STATUS_OK, name, "input 0");
    expect(tigris_output(&p, 0, &out), TIGRIS_STATUS_OK, name, "output 0");
    check(in.pool == TIGRIS_POOL_FAST && (uint64_t)in.offset + in.size <= info.fast_size &&
              in.size > 0u && in.name != NULL && in.scale > 0.0,
          name, "input descriptor");
    fast = arena(info.fast_size);
    check(tigris_io_data(&in, fast, NULL) == (int8_t *)(fast + in.offset), name, "io data");
    check(tigris_io_data(NULL, fast, NULL) == NULL, name, "io data NULL");
    expect(tigris_run(&unloaded, fast, info.fast_size, NULL, 0), TIGRIS_STATUS_NOT_LOADED, name,
           "run unloaded");
    expect(tigris_run(NULL, fast, info.fast_size, NULL, 0), TIGRIS_STATUS_NULL_ARGUMENT, name,
           "run NULL plan");
    expect(tigris_run(&p, NULL, info.fast_size, NULL, 0), TIGRIS_STATUS_NULL_ARGUMENT, name,
           "run NULL arena");
    expect(tigris_run(&p, fast, info.fast_size - 1u, NULL, 0), TIGRIS_STATUS_ARENA_TOO_SMALL,
           name, "arena one byte short");
    expect(tigris_run(&p, fast + 1, info.fast_size, NULL, 0), TIGRIS_STATUS_MISALIGNED, name,
           "misaligned arena");
    for (i = 0; i < in.size; i++) {
        tigris_io_data(&in, fast, NULL)[i] = (int8_t)(i * 37u);
    }
    expect(tigris_run(&p, fast, info.fast_size, NULL, 0), TIGRIS_STATUS_OK, name, "run");
    first = pu_copy((const uint8_t *)tigris_io_data(&out, fast, NULL), out.size);
    memset(fast, 0x55, info.fast_size);
    for (i = 0; i < in.size; i++) {
        tigris_io_data(&in, fast, NULL)[i] = (int8_t)(i * 37u);
    }
    expect(tigris_run(&p, fast, info.fast_size, NULL, 0), TIGRIS_STATUS_OK, name, "run again");
    check(memcmp(first, tigris_io_data(&out, fast, NULL), out.size) == 0, name,
          "same input, same output (no state between runs, no read of stale arena bytes)");
    free(first);
    free(fast);
}

static void suite_status(void)
{
    int s;
    char want[64];
    static const char *const names[] = {
        "OK", "NULL_ARGUMENT", "MISALIGNED", "TRUNCATED", "BAD_MAGIC", "BAD_VERSION",
        "BAD_CRC", "BAD_HEADER", "BAD_TENSOR", "OUT_OF_BOUNDS", "BAD_CALL", "BAD_PARAM",
        "BAD_SHAPE", "OVERLAP", "BAD_IO", "SCRATCH", "NOT_LOADED", "ARENA_TOO_SMALL", "INDEX",
        "KERNEL"};
    for (s = 0; s < (int)(sizeof names / sizeof names[0]); s++) {
        snprintf(want, sizeof want, "TIGRIS_STATUS_%s", names[s]);
        check(strcmp(tigris_status_str((tigris_status_t)s), want) == 0, "status", want);
    }
    check(strcmp(tigris_status_str((tigris_status_t)99), "TIGRIS_STATUS_UNKNOWN") == 0, "status",
          "unknown");
    check(tigris_plan_struct_size() == sizeof(tigris_plan_t), "status", "struct size");
}

static void print_kernel_table(void)
{
    uint32_t id, s;
    for (id = 1; id < TG_K_COUNT; id++) {
        const tg_kernel_info_t *k = tg_kernel_info(id);
        printf("%u %s %u %u", (unsigned)id, k->name, (unsigned)k->n_params,
               (unsigned)k->call_flags);
        for (s = 0; s < k->n_slots; s++) {
            printf(" %u:%u:%u:%u", (unsigned)k->slots[s].role, (unsigned)k->slots[s].dtype,
                   (unsigned)k->slots[s].optional, (unsigned)k->slots[s].inplace);
        }
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    static char label[256];
    int i, r;
    if (argc == 2 && strcmp(argv[1], "--kernel-table") == 0) {
        print_kernel_table();
        return 0;
    }
    suite_status();
    for (i = 1; i < argc; i++) {
        size_t size = 0;
        uint8_t *plan = pu_read_file(argv[i], &size);
        if (plan == NULL) {
            printf("not ok - cannot read %s\n", argv[i]);
            failed++;
            continue;
        }
        suite_load(argv[i], plan, size);
        suite_rounding(argv[i], plan, size);
        suite_run(argv[i], plan, size);
        for (r = 0; r < 2; r++) {   /* every requantizing call in one rounding mode */
            uint8_t *variant = with_rounding(plan, size, r);
            snprintf(label, sizeof label, "%.200s (%s rounding)", argv[i],
                     r ? "single" : "double");
            suite_run(label, variant, size);
            free(variant);
        }
        free(plan);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
