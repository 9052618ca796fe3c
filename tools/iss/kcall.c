/*
 * kcall: runs a file of recorded kernel calls and writes their results.
 * The same source builds for the simulated Xtensa core (semihosted file I/O,
 * every call inside an iss_call_begin/iss_call_end window, so the
 * instruction-count plugin logs one count per call) and for the host
 * (-DKCALL_HOST, stdio), so the two outputs can be compared byte for byte.
 *
 *   kcall CASES OUT
 *
 * CASES (little-endian u32 words, written by tools/iss/kcall.py):
 *   "KCAL" ncalls, then per call: name[32] nargs, then per argument:
 *     kind nbytes extra, payload (nbytes, padded to 16)
 *   kind 0 INT    payload = one int32 word, passed by value
 *   kind 1 DATA   a pointer to payload + extra (extra = deliberate misalignment)
 *   kind 2 OUT    like DATA; the payload holds 16 guard bytes, the buffer,
 *                 16 guard bytes; extra = buffer size
 *   kind 3 NULL   a null pointer
 *   kind 5 HIDDEN like DATA but not passed: only structs point to it
 *   kind 4 STRUCT payload = struct bytes followed by `extra` fixups
 *                 (u32 byte offset, u32 argument index): each patches the
 *                 pointer at that offset to the pointer of that argument
 *                 (the writer lays structs out for the target's pointer size)
 * OUT per call: int32 return value, int32 guards_ok, the OUT buffers' bytes
 * (in argument order, each padded to 4).
 */
#include <stdint.h>
#include <string.h>

#include "tigris_kernel_args.h"
#include "tigris_kernels.h"

#ifdef KCALL_HOST
#include <stdio.h>
#include <stdlib.h>
#define CALL_BEGIN() ((void)0)
#define CALL_END() ((void)0)
#else
#include "iss.h"
#include <stdlib.h>
#define CALL_BEGIN() iss_call_begin()
#define CALL_END() iss_call_end()
#endif

#define MAX_ARGS 16
#define GUARD 16
#define GUARD_BYTE 0x5A

typedef uintptr_t W;
typedef int32_t (*fn_t)(void);

typedef struct {
    const char *name;
    fn_t fn;
} entry_t;

#define E(f) {#f, (fn_t)(void (*)(void))f}
static const entry_t TABLE[] = {
    E(tigris_srdhm), E(tigris_rdbpot), E(tigris_requant),
    E(tigris_conv2d_s8), E(tigris_depthwise_conv2d_s8), E(tigris_fully_connected_s8),
    E(tigris_add_s8), E(tigris_mul_s8), E(tigris_lut_s8), E(tigris_lut_per_channel_s8),
    E(tigris_avg_pool_s8), E(tigris_max_pool_s8), E(tigris_global_avg_pool_s8),
    E(tigris_softmax_s8), E(tigris_softmax_tfl_s8), E(tigris_transpose_s8), E(tigris_pad_s8), E(tigris_slice_s8),
    E(tigris_insert_s8), E(tigris_resize_s8),
    E(tigris_run_conv2d_s8), E(tigris_run_depthwise_conv2d_s8),
    E(tigris_run_fully_connected_s8), E(tigris_run_add_s8), E(tigris_run_mul_s8),
    E(tigris_run_avg_pool_s8), E(tigris_run_max_pool_s8), E(tigris_run_global_avg_pool_s8),
};
#undef E

static fn_t lookup(const char *name)
{
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++)
        if (strcmp(TABLE[i].name, name) == 0) return TABLE[i].fn;
    return 0;
}

/* ------------------------------------------------------------------- I/O */

#ifdef KCALL_HOST
static uint8_t *read_file(const char *path, uint32_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = aligned_alloc(16, ((size_t)n + 15u) / 16u * 16u + 16u);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { fclose(f); return 0; }
    fclose(f);
    *size = (uint32_t)n;
    return buf;
}
static FILE *out_f;
static int out_open(const char *path) { out_f = fopen(path, "wb"); return out_f != 0; }
static void out_write(const void *p, uint32_t n) { fwrite(p, 1, n, out_f); }
static void out_close(void) { fclose(out_f); }
static void fail(const char *msg) { fprintf(stderr, "kcall: %s\n", msg); exit(2); }
#else
static uint8_t *read_file(const char *path, uint32_t *size)
{
    int fd = iss_open(path, 0);
    if (fd < 0) return 0;
    uint32_t cap = 1u << 20, n = 0;
    uint8_t *buf = malloc(64u << 20);     /* bump allocator: take a large block */
    for (;;) {
        int got = iss_read(fd, buf + n, (int)cap);
        if (got <= 0) break;
        n += (uint32_t)got;
    }
    iss_close(fd);
    *size = n;
    return buf;
}
static int out_fd = -1;
static int out_open(const char *path) { out_fd = iss_open(path, 0x241); return out_fd >= 0; }
static void out_write(const void *p, uint32_t n) { iss_write(out_fd, p, (int)n); }
static void out_close(void) { iss_close(out_fd); }
static void fail(const char *msg) { iss_puts("kcall: "); iss_puts(msg); iss_puts("\n"); iss_exit(2); }
#endif

/* ------------------------------------------------------------------ calls */

static uint32_t rd(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int32_t invoke(fn_t f, const W *a, uint32_t n)
{
    switch (n) {
    case 2: return ((int32_t (*)(W, W))(void (*)(void))f)(a[0], a[1]);
    case 3: return ((int32_t (*)(W, W, W))(void (*)(void))f)(a[0], a[1], a[2]);
    case 4: return ((int32_t (*)(W, W, W, W))(void (*)(void))f)(a[0], a[1], a[2], a[3]);
    case 5: return ((int32_t (*)(W, W, W, W, W))(void (*)(void))f)(a[0], a[1], a[2], a[3], a[4]);
    case 6: return ((int32_t (*)(W, W, W, W, W, W))(void (*)(void))f)(
                a[0], a[1], a[2], a[3], a[4], a[5]);
    case 7: return ((int32_t (*)(W, W, W, W, W, W, W))(void (*)(void))f)(
                a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    case 8: return ((int32_t (*)(W, W, W, W, W, W, W, W))(void (*)(void))f)(
                a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    case 9: return ((int32_t (*)(W, W, W, W, W, W, W, W, W))(void (*)(void))f)(
                a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
    case 10: return ((int32_t (*)(W, W, W, W, W, W, W, W, W, W))(void (*)(void))f)(
                a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
    case 11: return ((int32_t (*)(W, W, W, W, W, W, W, W, W, W, W))(void (*)(void))f)(
                a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]);
    case 12: return ((int32_t (*)(W, W, W, W, W, W, W, W, W, W, W, W))(void (*)(void))f)(
                a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
    default: fail("unsupported argument count"); return 0;
    }
}

int main(int argc, char **argv);

int main(int argc, char **argv)
{
#ifdef KCALL_HOST
    if (argc != 3) fail("usage: kcall CASES OUT");
    const char *in_path = argv[1], *out_path = argv[2];
#else
    (void)argc; (void)argv;
    const char *in_path = KCALL_IN, *out_path = KCALL_OUT;  /* -D at build time */
#endif
    uint32_t size = 0;
    uint8_t *buf = read_file(in_path, &size);
    if (!buf || size < 8 || memcmp(buf, "KCAL", 4) != 0) fail("cannot read the cases");
    if (!out_open(out_path)) fail("cannot open the output");
    const uint32_t ncalls = rd(buf + 4);
    uint32_t pos = 8;
    for (uint32_t c = 0; c < ncalls; c++) {
        char name[33];
        memcpy(name, buf + pos, 32);
        name[32] = 0;
        const uint32_t nargs = rd(buf + pos + 32);
        pos += 36;
        if (nargs > MAX_ARGS) fail("too many arguments");
        W a[MAX_ARGS];
        uint8_t *payload[MAX_ARGS];
        uint32_t kind[MAX_ARGS], nbytes[MAX_ARGS], extra[MAX_ARGS];
        for (uint32_t i = 0; i < nargs; i++) {
            kind[i] = rd(buf + pos);
            nbytes[i] = rd(buf + pos + 4);
            extra[i] = rd(buf + pos + 8);
            pos += 16;                      /* header padded so payloads stay 16-aligned */
            payload[i] = buf + pos;
            pos += (nbytes[i] + 15u) & ~15u;
            switch (kind[i]) {
            case 0: a[i] = (W)(int32_t)rd(payload[i]); break;
            case 1: a[i] = (W)(payload[i] + extra[i]); break;
            case 2: a[i] = (W)(payload[i] + GUARD); break;
            case 3: a[i] = 0; break;
            case 4: a[i] = (W)payload[i]; break;
            case 5: a[i] = (W)payload[i]; break;
            default: fail("bad argument kind");
            }
        }
        for (uint32_t i = 0; i < nargs; i++) {   /* struct pointer fixups */
            if (kind[i] != 4) continue;
            const uint8_t *fx = payload[i] + nbytes[i] - 8u * extra[i];
            for (uint32_t k = 0; k < extra[i]; k++) {
                const uint32_t off = rd(fx + 8 * k), idx = rd(fx + 8 * k + 4);
                if (idx >= nargs) fail("bad fixup");
                memcpy(payload[i] + off, &a[idx], sizeof(W));
            }
        }
        fn_t f = lookup(name);
        if (!f) fail("unknown function");
        W pass[MAX_ARGS];
        uint32_t npass = 0;
        for (uint32_t i = 0; i < nargs; i++)
            if (kind[i] != 5) pass[npass++] = a[i];
        CALL_BEGIN();
        const int32_t ret = invoke(f, pass, npass);
        CALL_END();
        int32_t guards_ok = 1;
        for (uint32_t i = 0; i < nargs; i++) {
            if (kind[i] != 2) continue;
            const uint8_t *p = payload[i];
            for (uint32_t k = 0; k < GUARD; k++)
                if (p[k] != GUARD_BYTE || p[GUARD + extra[i] + k] != GUARD_BYTE) guards_ok = 0;
        }
        out_write(&ret, 4);
        out_write(&guards_ok, 4);
        for (uint32_t i = 0; i < nargs; i++) {
            if (kind[i] != 2) continue;
            static const uint8_t zeros[4] = {0, 0, 0, 0};
            out_write(payload[i] + GUARD, extra[i]);
            out_write(zeros, (4u - extra[i] % 4u) % 4u);
        }
    }
    out_close();
    return 0;
}
