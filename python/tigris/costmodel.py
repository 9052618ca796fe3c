"""The latency cost model the tiler chooses by (ESP32-S3, reference-kernel
instruction counts as the unit). Every constant lives here.

cost(plan) = sum over kernel calls of
               PER_CALL + PER_MAC[kind] * MACs (element operations for non-MAC kernels)
             + PER_SLOW_BYTE * bytes read from or written to the slow pool.
The per-MAC figures are first estimates; `bench/` calibrates them against
instruction counts measured on the simulated core.
"""
from __future__ import annotations

PER_CALL = 400                  # dispatch, argument set-up, loop prologues
PER_MAC = {
    "conv2d": 4.0, "depthwise_conv2d": 6.0, "fully_connected": 3.0,
    "max_pool": 2.0, "avg_pool": 2.0, "global_avg_pool": 2.0,
    "add": 12.0, "mul": 10.0, "lut": 3.0, "softmax": 40.0, "resize": 8.0,
    "pad": 1.0, "slice": 1.0, "insert": 1.0, "transpose": 2.0, "empty": 0.0, "reshape": 0.0,
}
DEFAULT_PER_MAC = 4.0
# PSRAM through the cache on the ESP32-S3: a miss fills a 32-byte line in
# roughly 150-250 cycles and dirty lines are written back, so a byte moved
# costs about 5-8 cycles; ESP-NN's SIMD kernels spend about 0.2 cycles per MAC.
# In this model's unit (reference-kernel instructions, about 5 per MAC) a slow
# byte is therefore worth about 150. The simulator does not model PSRAM, so
# this stays a documented constant; the per-MAC figures are calibrated.
PER_SLOW_BYTE = 250.0
# Copies (view materialization, reload) per byte.
PER_COPY_BYTE = 1.0


def op_cost(kind: str, macs: int) -> float:
    return PER_CALL + PER_MAC.get(kind, DEFAULT_PER_MAC) * macs
