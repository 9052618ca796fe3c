/*
 * Mutation test of the plan loader: corrupts valid plans in many ways,
 * loads each variant, and runs the ones that load over arenas of exactly
 * the size the plan declares. Build it with ASan + UBSan: every variant
 * must be rejected with a status, or run entirely inside its arenas and
 * its plan (heap blocks of exact size, so any stray access is a sanitizer
 * report and a non-zero exit), and a run must never write into the plan.
 *
 *   tigris_plan_fuzz [--count N] [--seed S] [--crc-fix PERCENT] PLAN.tgrs...
 *
 * Mutations (1-3 per variant, 85% of them aimed at the header and tables):
 * bit flips, bytes set to edge values, 32-bit fields set to edge values
 * (0, -1, INT32_MAX, pool sizes +-1, ...), 16-bit tensor indices in the
 * call table, call flags (single rounding toggled on any kernel, other bits
 * set), header counts and offsets nudged, records copied over other
 * records, truncation (with or without plan_size patched to match) and
 * trailing bytes. The CRC is recomputed afterwards for PERCENT (default
 * 90) of the variants, so that the checks behind it are what rejects them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan_util.h"

#define MAX_PLANS 64
#define ARENA_CAP (16u << 20)

static uint64_t rng_state;

static uint32_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return (uint32_t)((x * UINT64_C(2685821657736338717)) >> 32);
}

static uint32_t below(uint32_t n)
{
    return n ? rnd() % n : 0u;
}

typedef struct {
    const char *path;
    uint8_t *data;
    size_t size;
    uint32_t meta;      /* bytes before the weights: header and tables */
} base_t;

typedef struct {
    uint8_t *data;
    size_t size;
} variant_t;

static uint32_t pick_offset(const base_t *b, const variant_t *v, uint32_t align)
{
    const uint32_t limit = (below(100) < 85u && b->meta <= v->size) ? b->meta : (uint32_t)v->size;
    const uint32_t n = limit / align;
    return below(n ? n : 1u) * align;
}

static uint32_t edge32(const base_t *b, uint32_t current)
{
    const uint32_t fast = tg_rd32(b->data + TG_H_FAST_SIZE);
    const uint32_t weights = tg_rd32(b->data + TG_H_WEIGHTS_SIZE);
    switch (below(20)) {
    case 0: return 0u;
    case 1: return 1u;
    case 2: return 0xFFFFFFFFu;
    case 3: return 0x7FFFFFFFu;
    case 4: return 0x80000000u;
    case 5: return 0xFFFFu;
    case 6: return 0x10000u;
    case 7: return fast;
    case 8: return fast - 1u;
    case 9: return fast + 1u;
    case 10: return weights;
    case 11: return weights + 16u;
    case 12: return (uint32_t)b->size;
    case 13: return current + 1u;
    case 14: return current - 1u;
    case 15: return current * 2u;
    case 16: return current + 16u;
    case 17: return below(256);
    case 18: return 0xFFFFFFF0u;
    default: return rnd();
    }
}

static void resize_variant(variant_t *v, size_t n)
{
    uint8_t *copy = pu_copy(v->data, n < v->size ? n : v->size);
    size_t i;
    free(v->data);
    v->data = NULL;
    if (n > v->size) {
        uint8_t *longer = (uint8_t *)realloc(copy, n);
        if (longer == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        copy = longer;
    }
    for (i = v->size; i < n; i++) {
        copy[i] = (uint8_t)rnd();
    }
    v->data = copy;
    v->size = n;
}

static void mutate(const base_t *b, variant_t *v)
{
    const uint32_t n_tensors = tg_rd32(b->data + TG_H_N_TENSORS);
    uint32_t at, i, k;
    if (v->size < TG_HEADER_SIZE) {
        return;
    }
    switch (below(10)) {
    case 0: /* bit flips */
        for (k = 1u + below(4); k > 0u; k--) {
            at = pick_offset(b, v, 1u);
            v->data[at] ^= (uint8_t)(1u << below(8));
        }
        break;
    case 1: { /* edge bytes */
        static const uint8_t edges[] = {0x00u, 0x01u, 0x7Fu, 0x80u, 0xFFu, 0x10u};
        for (k = 1u + below(4); k > 0u; k--) {
            at = pick_offset(b, v, 1u);
            v->data[at] = (below(4) == 0u) ? (uint8_t)rnd() : edges[below(sizeof edges)];
        }
        break;
    }
    case 2: /* a 32-bit field */
        at = pick_offset(b, v, 4u);
        if (at + 4u <= v->size) {
            pu_wr32(v->data + at, edge32(b, tg_rd32(v->data + at)));
        }
        break;
    case 3: { /* a tensor index of a call */
        const uint32_t calls = tg_rd32(b->data + TG_H_CALLS);
        const uint32_t n_calls = tg_rd32(b->data + TG_H_N_CALLS);
        static const uint32_t picks[] = {0u, 1u, 0xFFFFu, 0xFFFEu};
        if (n_calls == 0u) {
            break;
        }
        at = calls + below(n_calls) * TG_CALL_SIZE + TG_C_TENSORS + 2u * below(TG_MAX_SLOTS);
        i = below(3) == 0u ? picks[below(4)] : (below(2) ? below(n_tensors) : n_tensors);
        if (at + 2u <= v->size) {
            pu_wr16(v->data + at, i);
        }
        break;
    }
    case 4: { /* a header count or offset nudged */
        static const uint32_t fields[] = {TG_H_N_TENSORS, TG_H_N_CALLS, TG_H_N_INPUTS,
                                          TG_H_N_OUTPUTS, TG_H_TENSORS, TG_H_CALLS, TG_H_IO,
                                          TG_H_WEIGHTS, TG_H_WEIGHTS_SIZE, TG_H_PLAN_SIZE,
                                          TG_H_FAST_SIZE, TG_H_SLOW_SIZE, TG_H_ALIGNMENT};
        at = fields[below(sizeof fields / sizeof fields[0])];
        i = tg_rd32(v->data + at);
        pu_wr32(v->data + at, below(2) ? i + 1u + below(3) : i - 1u - below(3));
        break;
    }
    case 5: { /* a record copied over another */
        const uint32_t table = below(3);
        const uint32_t off = tg_rd32(b->data + (table == 0u ? TG_H_TENSORS
                                                : table == 1u ? TG_H_CALLS : TG_H_IO));
        const uint32_t count = table == 0u ? n_tensors
                               : table == 1u ? tg_rd32(b->data + TG_H_N_CALLS)
                                             : tg_rd32(b->data + TG_H_N_INPUTS) +
                                                   tg_rd32(b->data + TG_H_N_OUTPUTS);
        const uint32_t size = table == 0u ? TG_TENSOR_SIZE : table == 1u ? TG_CALL_SIZE : TG_IO_SIZE;
        const uint32_t from = below(count), to = below(count);
        if (count > 0u && off + count * size <= v->size) {
            memmove(v->data + off + to * size, v->data + off + from * size, size);
        }
        break;
    }
    case 6: /* truncation, sometimes with a matching plan_size */
        resize_variant(v, below((uint32_t)v->size));
        if (v->size >= 16u && below(2)) {
            pu_wr32(v->data + TG_H_PLAN_SIZE, (uint32_t)v->size);
        }
        break;
    case 7: /* trailing bytes, sometimes counted in plan_size */
        resize_variant(v, v->size + 1u + below(64));
        if (below(2)) {
            pu_wr32(v->data + TG_H_PLAN_SIZE, (uint32_t)v->size);
        }
        break;
    case 8: /* call flags: single rounding toggled (any kernel), or another bit */
        if (tg_rd32(b->data + TG_H_N_CALLS) > 0u) {
            at = tg_rd32(b->data + TG_H_CALLS) +
                 below(tg_rd32(b->data + TG_H_N_CALLS)) * TG_CALL_SIZE + TG_C_FLAGS;
            if (at + 2u <= v->size) {
                i = tg_rd16(v->data + at);
                pu_wr16(v->data + at, below(4) ? (i ^ TG_CALL_SINGLE_ROUNDING)
                                               : (i | (1u << below(16))));
            }
        }
        break;
    default: /* a parameter word of a call set to an edge value */
        if (tg_rd32(b->data + TG_H_N_CALLS) > 0u) {
            at = tg_rd32(b->data + TG_H_CALLS) +
                 below(tg_rd32(b->data + TG_H_N_CALLS)) * TG_CALL_SIZE + TG_C_PARAMS +
                 4u * below(TG_MAX_PARAMS);
            if (at + 4u <= v->size) {
                i = tg_rd32(v->data + at);
                pu_wr32(v->data + at, below(2) ? edge32(b, i) : i + below(5) - 2u);
            }
        }
        break;
    }
}

static unsigned long load_counts[32];
static unsigned long run_counts[32];

static void try_variant(const base_t *b, variant_t *v)
{
    tigris_plan_t plan;
    tigris_plan_info_t info;
    tigris_status_t st = tigris_load(&plan, v->data, v->size);
    uint8_t *fast, *slow, *before, *state = NULL;
    uint32_t fast_n, slow_n, i;
    load_counts[(unsigned)st < 32u ? (unsigned)st : 31u]++;
    if (st != TIGRIS_STATUS_OK) {
        return;
    }
    if (tigris_plan_info(&plan, &info) != TIGRIS_STATUS_OK) {
        fprintf(stderr, "info failed on a loaded plan (%s)\n", b->path);
        exit(3);
    }
    fast_n = info.fast_size <= ARENA_CAP ? info.fast_size : tg_rd32(b->data + TG_H_FAST_SIZE);
    slow_n = info.slow_size <= ARENA_CAP ? info.slow_size : 0u;
    fast = (uint8_t *)malloc(fast_n ? fast_n : 1u);
    slow = (uint8_t *)malloc(slow_n ? slow_n : 1u);
    if (fast == NULL || slow == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    for (i = 0; i < fast_n; i++) {
        fast[i] = (uint8_t)rnd();
    }
    for (i = 0; i < slow_n; i++) {
        slow[i] = (uint8_t)rnd();
    }
    before = pu_copy(v->data, v->size);
    if (info.state_size > 0u && info.state_size <= ARENA_CAP) {
        /* a plan with state runs through its region (tigris_run_state) */
        state = (uint8_t *)malloc(info.state_size);
        if (state == NULL || tigris_state_init(&plan, state, info.state_size) != TIGRIS_STATUS_OK) {
            fprintf(stderr, "state init failed on a loaded plan (%s)\n", b->path);
            exit(3);
        }
        st = tigris_run_state(&plan, fast, fast_n, slow, slow_n, state, info.state_size, NULL);
        free(state);
    } else {
        st = tigris_run(&plan, fast, fast_n, slow, slow_n);
    }
    run_counts[(unsigned)st < 32u ? (unsigned)st : 31u]++;
    if (memcmp(before, v->data, v->size) != 0) {
        fprintf(stderr, "a run wrote into the plan (%s)\n", b->path);
        exit(3);
    }
    free(before);
    free(fast);
    free(slow);
}

int main(int argc, char **argv)
{
    static base_t bases[MAX_PLANS];
    unsigned long count = 10000ul, n, loaded = 0ul, ran = 0ul;
    unsigned long long seed = 1ull;
    unsigned crc_fix = 90u;
    double slow_report = 0.0;
    int nb = 0, i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
            count = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--report-slow") == 0 && i + 1 < argc) {
            slow_report = strtod(argv[++i], NULL);
        } else if (strcmp(argv[i], "--crc-fix") == 0 && i + 1 < argc) {
            crc_fix = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (nb < MAX_PLANS) {
            base_t *b = &bases[nb];
            tigris_plan_t p;
            b->path = argv[i];
            b->data = pu_read_file(argv[i], &b->size);
            if (b->data == NULL || tigris_load(&p, b->data, b->size) != TIGRIS_STATUS_OK) {
                fprintf(stderr, "%s: not a valid plan\n", argv[i]);
                return 2;
            }
            b->meta = tg_rd32(b->data + TG_H_WEIGHTS);
            nb++;
        }
    }
    if (nb == 0) {
        fprintf(stderr, "usage: tigris_plan_fuzz [--count N] [--seed S] [--crc-fix PCT] PLAN...\n");
        return 2;
    }
    rng_state = (uint64_t)seed * UINT64_C(0x9E3779B97F4A7C15) + 1u;
    for (n = 0; n < count; n++) {
        const base_t *b = &bases[n % (unsigned long)nb];
        variant_t v;
        uint32_t k;
        v.data = pu_copy(b->data, b->size);
        v.size = b->size;
        for (k = 1u + (below(3) == 0u ? 1u + below(2) : 0u); k > 0u; k--) {
            mutate(b, &v);
        }
        if (v.size >= 20u && below(100) < crc_fix) {
            pu_fix_crc(v.data, v.size < tg_rd32(v.data + TG_H_PLAN_SIZE)
                                   ? v.size : tg_rd32(v.data + TG_H_PLAN_SIZE));
        }
        {
            const clock_t t0 = clock();
            double secs;
            try_variant(b, &v);
            secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
            if (slow_report > 0.0 && secs > slow_report) {
                printf("slow variant %lu (%s): %.2f s\n", n, b->path, secs);
                if (v.size > 0u) {
                    FILE *f = fopen("slow_variant.tgrs", "wb");
                    if (f != NULL) {
                        fwrite(v.data, 1, v.size, f);
                        fclose(f);
                    }
                }
            }
        }
        free(v.data);
    }
    printf("variants %lu, seed %llu, plans %d, crc fixed for %u%%\n", count, seed, nb, crc_fix);
    for (i = 0; i < 32; i++) {
        if (load_counts[i]) {
            printf("load %-32s %lu\n", tigris_status_str((tigris_status_t)i), load_counts[i]);
        }
        if (run_counts[i]) {
            printf("run  %-32s %lu\n", tigris_status_str((tigris_status_t)i), run_counts[i]);
        }
    }
    loaded = load_counts[TIGRIS_STATUS_OK];
    ran = run_counts[TIGRIS_STATUS_OK];
    printf("fuzz: %lu variants, %lu rejected at load, %lu loaded, %lu ran to completion\n",
           count, count - loaded, loaded, ran);
    for (i = 0; i < nb; i++) {
        free(bases[i].data);
    }
    return 0;
}
