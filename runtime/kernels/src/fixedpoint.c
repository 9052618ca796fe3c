/*
 * Exported fixed-point helpers (docs/kernels.md, "Fixed-point helpers").
 * The kernels use the inline versions in tigris_internal.h; these wrappers
 * exist so that tests can probe the arithmetic on its edge values.
 */
#include "tigris_internal.h"

int32_t tigris_srdhm(int32_t a, int32_t b)
{
    return tigris_fp_srdhm(a, b);
}

int32_t tigris_rdbpot(int32_t x, int32_t exponent)
{
    return tigris_fp_rdbpot(x, exponent);
}

int32_t tigris_requant(int32_t acc, int32_t multiplier, int32_t shift)
{
    return tigris_fp_requant(acc, multiplier, shift);
}
