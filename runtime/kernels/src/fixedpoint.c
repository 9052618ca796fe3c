/*
 * Exported fixed-point helpers (docs/kernels.md, "Fixed-point helpers") and
 * the rounding check of the requantizing kernels, for plan loaders.
 * The kernels use the inline versions in tigris_internal.h; these wrappers
 * exist so that tests can probe the arithmetic on its edge values.
 */
#include <stddef.h>

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

int32_t tigris_requant_single(int32_t acc, int32_t multiplier, int32_t shift)
{
    /* clipped so that the probe stays defined for any shift */
    const int32_t s = (shift < TIGRIS_SINGLE_SHIFT_MIN)   ? TIGRIS_SINGLE_SHIFT_MIN
                      : (shift > TIGRIS_SINGLE_SHIFT_MAX) ? TIGRIS_SINGLE_SHIFT_MAX
                                                          : shift;
    return tigris_fp_requant_single(acc, multiplier, s);
}

int32_t tigris_requant_check(int32_t rounding, const int32_t *shift, int32_t count)
{
    if (shift == NULL && count > 0) {
        return TIGRIS_ERR_NULL;
    }
    return tigris_fp_rounding_check(rounding, shift, count);
}
