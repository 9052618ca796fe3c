/*
 * Helpers of the runtime's C tests and mutation harness (not part of the
 * runtime): reading plan files, patching fields, fixing the CRC.
 */
#ifndef TIGRIS_PLAN_UTIL_H
#define TIGRIS_PLAN_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "plan_format.h"

/* The file's bytes in a heap block of exactly `*size` bytes (16-aligned by
 * malloc on the supported hosts), or NULL. */
uint8_t *pu_read_file(const char *path, size_t *size);

/* A heap copy of exactly n bytes (n may be 0: one byte is allocated). */
uint8_t *pu_copy(const uint8_t *data, size_t n);

void pu_wr16(uint8_t *p, uint32_t v);
void pu_wr32(uint8_t *p, uint32_t v);

/* Recomputes the CRC-32 of a plan of n bytes (n >= 20). */
void pu_fix_crc(uint8_t *plan, size_t n);

/* Field accessors of a valid plan. */
uint32_t pu_header(const uint8_t *plan, uint32_t field);
uint8_t *pu_tensor(uint8_t *plan, uint32_t index);
uint8_t *pu_call(uint8_t *plan, uint32_t index);
uint8_t *pu_io(uint8_t *plan, uint32_t index);

/* Index of the first call of `kernel`, or -1. */
int32_t pu_find_call(const uint8_t *plan, uint32_t kernel);

#endif /* TIGRIS_PLAN_UTIL_H */
