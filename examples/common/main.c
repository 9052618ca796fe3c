/*
 * Example firmware: runs a plan embedded as a C array
 *
 *   tigris compile model.onnx -m 64K -o model.tgrs
 *   tigris codegen model.tgrs --c-array --name model -o plan_data.c
 *
 * once on a fixed input pattern, then prints every output byte (int8, in the
 * order the plan stores it) and the time of each kernel call, taken with the
 * runtime's profiling hook. No heap: the plan stays in flash (const), the
 * arenas are static arrays sized by the macros of plan_data.h.
 *
 * The same file builds for the host (examples/host, which the tests compare
 * with `tigris run`) and for ESP-IDF (examples/esp-idf).
 */
#include <stdint.h>
#include <stdio.h>

#include "example.h"
#include "plan_data.h"
#include "tigris.h"

#if defined(__GNUC__) || defined(__clang__)
#define EXAMPLE_ALIGN_PRE
#define EXAMPLE_ALIGN_POST __attribute__((aligned(16)))
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define EXAMPLE_ALIGN_PRE _Alignas(16)
#define EXAMPLE_ALIGN_POST
#else
#error "align the arenas to 16 bytes for this compiler"
#endif

/* Calls whose time is kept (the rest run, untimed). */
#ifndef EXAMPLE_MAX_CALLS
#define EXAMPLE_MAX_CALLS 512u
#endif

EXAMPLE_ALIGN_PRE static uint8_t fast_arena[MODEL_FAST_ARENA_SIZE] EXAMPLE_ALIGN_POST;
#if MODEL_SLOW_ARENA_SIZE > 0
EXAMPLE_SLOW_ARENA_ATTR EXAMPLE_ALIGN_PRE static uint8_t slow_arena[MODEL_SLOW_ARENA_SIZE]
    EXAMPLE_ALIGN_POST;
#define EXAMPLE_SLOW slow_arena
#else
#define EXAMPLE_SLOW NULL
#endif

typedef struct {
    uint32_t start;
    uint32_t us[EXAMPLE_MAX_CALLS];
    uint16_t kernel[EXAMPLE_MAX_CALLS];
    uint16_t stage[EXAMPLE_MAX_CALLS];
} timing_t;

static timing_t timing;
static tigris_plan_t plan;

static void on_begin(void *user, uint32_t index, uint32_t kernel, uint32_t stage)
{
    timing_t *t = (timing_t *)user;
    (void)index;
    (void)kernel;
    (void)stage;
    t->start = example_now_us();
}

static void on_end(void *user, uint32_t index, uint32_t kernel, uint32_t stage,
                   tigris_status_t status)
{
    timing_t *t = (timing_t *)user;
    const uint32_t now = example_now_us();
    (void)status;
    if (index < EXAMPLE_MAX_CALLS) {
        t->us[index] = now - t->start;
        t->kernel[index] = (uint16_t)kernel;
        t->stage[index] = (uint16_t)stage;
    }
}

/* The input pattern (the tests give `tigris run` the same bytes). */
static int8_t pattern(uint32_t input, uint32_t i)
{
    const uint32_t v = (i * 37u + input * 11u + 5u) & 0xFFu;
    return (int8_t)((int32_t)v - 128);
}

static int fail(const char *what, tigris_status_t st)
{
    printf("example: %s: %s\n", what, tigris_status_str(st));
    return 1;
}

int example_main(void)
{
    const tigris_profiler_t profiler = {on_begin, on_end, &timing};
    tigris_plan_info_t info;
    tigris_io_t io;
    tigris_status_t st;
    uint32_t k;
    uint32_t i;
    uint32_t total = 0;

    st = tigris_load(&plan, model_plan, model_plan_size);
    if (st != TIGRIS_STATUS_OK) {
        return fail("tigris_load", st);
    }
    st = tigris_plan_info(&plan, &info);
    if (st != TIGRIS_STATUS_OK) {
        return fail("tigris_plan_info", st);
    }
    printf("plan %s: %lu bytes, %lu calls, fast arena %lu, slow arena %lu\n", info.name,
           (unsigned long)info.plan_size, (unsigned long)info.n_calls,
           (unsigned long)info.fast_size, (unsigned long)info.slow_size);
    /* The arenas come from plan_data.h: refuse a plan that needs more (the
     * inputs below are written before tigris_run checks the arenas). */
    if (info.fast_size > sizeof fast_arena || info.slow_size > MODEL_SLOW_ARENA_SIZE) {
        return fail("arenas", TIGRIS_STATUS_ARENA_TOO_SMALL);
    }
    for (k = 0; k < info.n_inputs; k++) {
        int8_t *x;
        st = tigris_input(&plan, k, &io);
        if (st != TIGRIS_STATUS_OK) {
            return fail("tigris_input", st);
        }
        x = tigris_io_data(&io, fast_arena, EXAMPLE_SLOW);
        if (x == NULL) {
            return fail("tigris_io_data", TIGRIS_STATUS_NULL_ARGUMENT);
        }
        for (i = 0; i < io.size; i++) {
            x[i] = pattern(k, i);
        }
    }
    st = tigris_run_profiled(&plan, fast_arena, sizeof fast_arena, EXAMPLE_SLOW,
                             MODEL_SLOW_ARENA_SIZE, &profiler);
    if (st != TIGRIS_STATUS_OK) {
        return fail("tigris_run", st);
    }
    for (k = 0; k < info.n_outputs; k++) {
        const int8_t *y;
        st = tigris_output(&plan, k, &io);
        if (st != TIGRIS_STATUS_OK) {
            return fail("tigris_output", st);
        }
        y = tigris_io_data(&io, fast_arena, EXAMPLE_SLOW);
        if (y == NULL) {
            return fail("tigris_io_data", TIGRIS_STATUS_NULL_ARGUMENT);
        }
        printf("output %lu %s: %lu bytes\n", (unsigned long)k, io.name, (unsigned long)io.size);
        for (i = 0; i < io.size; i++) {
            printf("%d%s", (int)y[i], (i % 16u == 15u || i + 1u == io.size) ? "\n" : " ");
        }
    }
    for (i = 0; i < info.n_calls && i < EXAMPLE_MAX_CALLS; i++) {
        printf("call %lu %s stage %lu: %lu us\n", (unsigned long)i,
               tigris_kernel_name(timing.kernel[i]), (unsigned long)timing.stage[i],
               (unsigned long)timing.us[i]);
        total += timing.us[i];
    }
    printf("total %lu us over %lu timed calls\n", (unsigned long)total,
           (unsigned long)((info.n_calls < EXAMPLE_MAX_CALLS) ? info.n_calls : EXAMPLE_MAX_CALLS));
    return 0;
}
