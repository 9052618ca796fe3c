"""The latency cost model the tiler chooses by (ESP32-S3, reference-kernel
instruction counts as the unit). The per-kind constants are in each kernel's
registry entry (tigris.kernels), the others here.

cost(plan) = sum over kernel calls of op_cost(kind, MACs, output elements, window)
             + PER_SLOW_BYTE * bytes read from or written to the slow pool

op_cost = PER_CALL
        + PER_MAC[kind] * MACs (element operations for non-MAC kernels)
        + PER_OUT[kind] * output elements
        + PER_TAP[kind] * output elements * window

The terms follow the reference kernels' loops. PER_OUT is what each output
element costs beyond its MACs: the accumulator set-up and the requantization
(a 64-bit multiply helper on this core), ~260 instructions for conv2d and
fully_connected. PER_TAP (conv2d only) is the cost of each filter position
(`window` = kh * kw) of each output: the padding checks and the set-up of the
input-channel loop, which dominates a conv with few input channels (a first
layer on 1 or 3 channels). Kinds whose MACs are their output elements (add,
lut, resize, ...) have a per-MAC constant only; an insert's "MACs" are the
elements it copies (its input), as for a streamed strip's halo copy.

Calibrated on the simulated Xtensa core (tools/iss, `tigris simulate`):
bench/simulate_costmodel.py runs every zoo model's plans (untiled and at
256K..16K), counts each kernel call's instructions, and fits these constants;
bench/simulate_costmodel.txt records the fit and each plan's predicted vs
measured instructions (60 plans: mean error 1.0%, max 3.4%; the earlier
form PER_CALL + PER_MAC * MACs alone, refitted on the same calls: mean
12.7%, max 21%; the ratio of a tiled plan to its untiled plan, what the
tiler decides by, within 0.001 on average; the slow-pool term is not
measured, see PER_SLOW_BYTE).
PER_CALL is measured, not fitted: the executor's instructions per call
(~460: resolving the call's operands, runtime/src/plan_common.c tg_resolve)
plus the cheapest kernel call (~680, median over kinds). The per-kind
constants are then fitted by least squares on relative error (a term that
would come out negative is left out). Kinds no zoo plan uses (mul,
avg_pool, pad, slice, transpose) come from model-sized kernel cases. The
reference kernels on this core requantize through a 64-bit multiply helper
(no MULSH), hence add (three requantizations per element) and softmax
(64-bit divisions) are expensive per element.
"""
from __future__ import annotations

from tigris import kernels

PER_CALL = 1140                 # executor (operand resolution) + kernel checks and prologues
# The per-kind constants are the kernel registry's (tigris.kernels: per_mac,
# per_out, per_tap); these views of them are what bench/simulate_costmodel.py fits.
PER_MAC = {k.name: k.per_mac for k in kernels.REGISTRY.values() if k.per_mac is not None}
PER_OUT = {k.name: k.per_out for k in kernels.REGISTRY.values() if k.per_out}
PER_TAP = {k.name: k.per_tap for k in kernels.REGISTRY.values() if k.per_tap}
DEFAULT_KIND = "conv2d"         # an unlisted kind costs like conv2d
# PSRAM through the cache on the ESP32-S3: a miss fills a 32-byte line in
# roughly 150-250 cycles and dirty lines are written back, so a byte moved
# costs about 5-8 cycles; ESP-NN's SIMD kernels spend about 0.2 cycles per MAC,
# so a slow byte is worth about 25-50 MACs. In this model's unit (measured
# reference-kernel instructions, about 15 per conv MAC with all its terms)
# that is 375-735; the upper end is kept (the earlier 250 at 5 instructions
# per MAC, rescaled).
# The simulator does not model PSRAM, so this stays a documented constant.
PER_SLOW_BYTE = 735.0


def op_cost(kind: str, macs: int, out_elems: int = 0, window: int = 1) -> float:
    """Instructions of one kernel call of `kind` doing `macs` MACs (element
    operations for non-MAC kernels) and writing `out_elems` output elements;
    `window` is the filter positions per output element (kh * kw of a
    conv2d's weights [cout, kh, kw, cin]; only conv2d's cost depends on it).
    Left at 0, out_elems drops the per-output terms (an underestimate for
    the kinds that have them)."""
    if kind not in PER_MAC:
        kind = DEFAULT_KIND
    return (PER_CALL + PER_MAC[kind] * macs + PER_OUT.get(kind, 0.0) * out_elems
            + PER_TAP.get(kind, 0.0) * out_elems * window)
