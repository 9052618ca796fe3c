/* Helpers of the runtime's C tests (see plan_util.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_util.h"

uint8_t *pu_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data;
    long n;
    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    data = (uint8_t *)malloc((size_t)n + 1u);
    if (data == NULL || fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

uint8_t *pu_copy(const uint8_t *data, size_t n)
{
    uint8_t *out = (uint8_t *)malloc(n ? n : 1u);
    if (out == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    if (n) {
        memcpy(out, data, n);
    }
    return out;
}

void pu_wr16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
}

void pu_wr32(uint8_t *p, uint32_t v)
{
    pu_wr16(p, v & 0xFFFFu);
    pu_wr16(p + 2, v >> 16);
}

void pu_fix_crc(uint8_t *plan, size_t n)
{
    pu_wr32(plan + TG_H_CRC, tg_crc32(plan, (uint32_t)n, TG_H_CRC));
}

uint32_t pu_header(const uint8_t *plan, uint32_t field)
{
    return tg_rd32(plan + field);
}

uint8_t *pu_tensor(uint8_t *plan, uint32_t index)
{
    return plan + pu_header(plan, TG_H_TENSORS) + index * TG_TENSOR_SIZE;
}

uint8_t *pu_call(uint8_t *plan, uint32_t index)
{
    return plan + pu_header(plan, TG_H_CALLS) + index * TG_CALL_SIZE;
}

uint8_t *pu_io(uint8_t *plan, uint32_t index)
{
    return plan + pu_header(plan, TG_H_IO) + index * TG_IO_SIZE;
}

int32_t pu_find_call(const uint8_t *plan, uint32_t kernel)
{
    uint32_t i;
    const uint32_t n = pu_header(plan, TG_H_N_CALLS);
    for (i = 0; i < n; i++) {
        if (tg_rd16(plan + pu_header(plan, TG_H_CALLS) + i * TG_CALL_SIZE) == kernel) {
            return (int32_t)i;
        }
    }
    return -1;
}
