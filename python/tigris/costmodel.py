"""The latency cost model the tiler chooses by (ESP32-S3, reference-kernel
instruction counts as the unit). Every constant lives here.

cost(plan) = sum over kernel calls of
               PER_CALL + PER_MAC[kind] * MACs (element operations for non-MAC kernels)
             + PER_SLOW_BYTE * bytes read from or written to the slow pool.

Calibrated on the simulated Xtensa core (tools/iss, `tigris simulate`):
bench/simulate_costmodel.py runs every zoo model's plans (untiled and at
256K..16K), counts each kernel call's instructions, and fits these constants;
bench/simulate_costmodel.txt records the fit and each plan's predicted vs
measured instructions (60 plans: mean error 13%, max 25%; the ratio of a
tiled plan to its untiled plan, what the tiler decides by, within 0.011 on
average; the slow-pool term is not measured, see PER_SLOW_BYTE).
PER_CALL is measured: the executor's instructions per call (~2,730:
resolving operands) plus the cheapest kernel call (~680, median over kinds).
PER_MAC is fitted per kind (least squares on relative error). Kinds no zoo
plan uses (mul, avg_pool, pad, slice, transpose) come from model-sized
kernel cases. The reference kernels on this core requantize through a
64-bit multiply helper (no MULSH), hence add (three requantizations per
element) and softmax (64-bit divisions) are expensive. A per-output-element
term for conv/fc/pool kinds would bring the error to ~4% (see the bench).
"""
from __future__ import annotations

PER_CALL = 3410                 # executor (operand resolution) + kernel checks and prologues
PER_MAC = {
    "conv2d": 15.1, "depthwise_conv2d": 49.0, "fully_connected": 13.6,
    "max_pool": 16.4, "avg_pool": 32.5, "global_avg_pool": 10.9,
    "add": 433.3, "mul": 196.4, "lut": 8.6, "softmax": 3587.7, "resize": 7.5,
    "pad": 1.9, "slice": 6.7, "insert": 0.2, "transpose": 7.1, "empty": 0.0, "reshape": 0.0,
}
DEFAULT_PER_MAC = 15.1          # an unlisted kind costs like conv2d
# PSRAM through the cache on the ESP32-S3: a miss fills a 32-byte line in
# roughly 150-250 cycles and dirty lines are written back, so a byte moved
# costs about 5-8 cycles; ESP-NN's SIMD kernels spend about 0.2 cycles per MAC,
# so a slow byte is worth about 25-50 MACs. In this model's unit (measured
# reference-kernel instructions, about 15 per conv MAC) that is 375-735; the
# upper end is kept (the earlier 250 at 5 instructions per MAC, rescaled).
# The simulator does not model PSRAM, so this stays a documented constant.
PER_SLOW_BYTE = 735.0


def op_cost(kind: str, macs: int) -> float:
    return PER_CALL + PER_MAC.get(kind, DEFAULT_PER_MAC) * macs
