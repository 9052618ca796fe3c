/*
 * plan_main: runs one TiGrIS plan with the C runtime (runtime/include/tigris.h)
 * on the simulated Xtensa core.
 *
 * The plan is linked in as a 16-byte aligned const array (tigris_plan_blob,
 * made by tigris.simulate.assemble_blob), as a device keeps it in flash.
 * Inputs come from the semihosted files input0.bin, input1.bin, ... (int8,
 * the plan's layout, the current directory of QEMU); the arenas are taken
 * from the start-up heap once (the runtime itself allocates nothing).
 * tigris_run runs inside iss_begin/iss_end, and each kernel call inside
 * iss_call_begin/iss_call_end: the link wraps the runtime's per-call
 * function tg_kernel (ld --wrap=tg_kernel). Outputs go to output0.bin, ...
 *
 * A plan with state (docs/plan-format.md, "State") runs through its state
 * region when the file state.bin is there: the region is read from it (its
 * state_size bytes), the state inputs are not read from files, the run is
 * tigris_run_state, and the region is written back to state.bin.
 *
 * stdout: status=NAME, then per output "crc32_<i>=<hex>" and "crc32=<hex>",
 * the CRC-32 (zlib's) of all output bytes in order. Exit code: 0 when the
 * run succeeded, 2 on an I/O problem, 3 when the load or the run failed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iss.h"
#include "tigris.h"

extern const uint8_t tigris_plan_blob[];
extern const uint32_t tigris_plan_blob_size;

/* The runtime's per-call entry, wrapped to mark each kernel call. Its
 * operand struct is only passed through, so it is declared opaque here.
 * Built with -DPLAN_MAIN_NO_CALL_WRAP when the runtime has no tg_kernel. */
#ifndef PLAN_MAIN_NO_CALL_WRAP
int32_t __real_tg_kernel(const void *operands, int run);
int32_t __wrap_tg_kernel(const void *operands, int run);

int32_t __wrap_tg_kernel(const void *operands, int run)
{
    int32_t st;
    if (!run) {
        return __real_tg_kernel(operands, run);
    }
    iss_call_begin();
    st = __real_tg_kernel(operands, run);
    iss_call_end();
    return st;
}
#endif

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, uint32_t n)
{
    uint32_t i;
    int k;
    crc = ~crc;
    for (i = 0; i < n; i++) {
        crc ^= p[i];
        for (k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static void file_name(char *buf, const char *stem, uint32_t i)
{
    size_t n = strlen(stem);
    memcpy(buf, stem, n);
    if (i >= 10u) {
        buf[n++] = (char)('0' + (int)(i / 10u) % 10);
    }
    buf[n++] = (char)('0' + (int)(i % 10u));
    memcpy(buf + n, ".bin", 5);
}

static void hex_kv(const char *key, uint32_t v)
{
    iss_puts(key);
    iss_puts("=");
    iss_put_hex(v);
    iss_puts("\n");
}

static int fail(const char *what, tigris_status_t st, int code)
{
    iss_puts("status=");
    iss_puts(tigris_status_str(st));
    iss_puts("\nfailed=");
    iss_puts(what);
    iss_puts("\n");
    return code;
}

int main(void)
{
    static tigris_plan_t plan;
    tigris_plan_info_t info;
    tigris_io_t io;
    tigris_status_t st;
    uint8_t *fast, *slow, *state = NULL;
    uint32_t i, crc = 0;
    char name[24];
    int sfd;

    st = tigris_load(&plan, tigris_plan_blob, tigris_plan_blob_size);
    if (st != TIGRIS_STATUS_OK) return fail("load", st, 3);
    st = tigris_plan_info(&plan, &info);
    if (st != TIGRIS_STATUS_OK) return fail("info", st, 3);
    fast = malloc(info.fast_size + 16u);
    slow = malloc(info.slow_size + 16u);
    iss_kv("fast_size", info.fast_size);
    iss_kv("slow_size", info.slow_size);
    iss_kv("calls", info.n_calls);
    sfd = info.state_size > 0u ? iss_open("state.bin", 0) : -1;
    if (sfd >= 0) {
        state = malloc(info.state_size);
        if (state == NULL || iss_read(sfd, state, (int)info.state_size) != (int)info.state_size) {
            return fail("state.bin", TIGRIS_STATUS_OK, 2);
        }
        iss_close(sfd);
        iss_kv("state_size", info.state_size);
    }
    for (i = 0; i < info.n_inputs; i++) {
        int fd, got;
        int8_t *dst;
        st = tigris_input(&plan, i, &io);
        if (st != TIGRIS_STATUS_OK) return fail("input", st, 3);
        if (state != NULL && (io.flags & TIGRIS_IO_STATE) != 0u) {
            continue;                       /* tigris_run_state copies it from the region */
        }
        dst = tigris_io_data(&io, fast, slow);
        file_name(name, "input", i);
        fd = iss_open(name, 0);
        if (fd < 0) return fail(name, TIGRIS_STATUS_OK, 2);
        got = iss_read(fd, dst, (int)io.size);
        iss_close(fd);
        if (got != (int)io.size) return fail(name, TIGRIS_STATUS_OK, 2);
    }
    iss_begin();
    if (state != NULL) {
        st = tigris_run_state(&plan, fast, info.fast_size, slow, info.slow_size, state,
                              info.state_size, NULL);
    } else {
        st = tigris_run(&plan, fast, info.fast_size, slow, info.slow_size);
    }
    iss_end();
    if (st != TIGRIS_STATUS_OK) return fail("run", st, 3);
    if (state != NULL) {
        sfd = iss_open("state.bin", 0x241);
        if (sfd < 0 || iss_write(sfd, state, (int)info.state_size) != (int)info.state_size) {
            return fail("state.bin", TIGRIS_STATUS_OK, 2);
        }
        iss_close(sfd);
    }
    for (i = 0; i < info.n_outputs; i++) {
        int fd;
        const int8_t *src;
        st = tigris_output(&plan, i, &io);
        if (st != TIGRIS_STATUS_OK) return fail("output", st, 3);
        src = tigris_io_data(&io, fast, slow);
        crc = crc32_update(crc, (const uint8_t *)src, io.size);
        file_name(name, "crc32_", i);
        name[7 + (i >= 10u)] = 0;           /* the key without ".bin" */
        hex_kv(name, crc32_update(0u, (const uint8_t *)src, io.size));
        file_name(name, "output", i);
        fd = iss_open(name, 0x241);         /* O_WRONLY | O_CREAT | O_TRUNC (host flags) */
        if (fd < 0 || iss_write(fd, src, (int)io.size) != (int)io.size) {
            return fail(name, TIGRIS_STATUS_OK, 2);
        }
        iss_close(fd);
    }
    hex_kv("crc32", crc);
    iss_puts("status=TIGRIS_STATUS_OK\n");
    return 0;
}
