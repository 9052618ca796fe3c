"""tigris-bufferize: give every tensor a buffer in a memory space, and kernels their scratch.

Tensors stay SSA values (the tigris ops are IRDL ops on tensors); each value's
storage is recorded on its producer as `tigris.buffer` (a name) and
`tigris.space` (fast | flash). Views (reshape) and destination-passing
inserts share their source's buffer; an elementwise kernel (lut, add, mul)
writes in place over an input of the same size that dies at it. Constants
are placed in flash. Kernel scratch (`tigris.scratch`, bytes) follows the
target's rules (ESP-NN on esp32s3, none for the reference kernels).
"""
from __future__ import annotations

from tigris.bufferization import assign_buffers
from dataclasses import dataclass

from tigris.passes.registry import Pass, option
from tigris.targets import TARGETS


@dataclass(frozen=True)
class BufferizeOptions:
    target: str = option("reference", str, "kernel library whose scratch rules apply: "
                         + " | ".join(TARGETS))


def run(func_op, options: BufferizeOptions) -> None:
    assign_buffers(func_op, options.target)


PASS = Pass(
    "tigris-bufferize",
    "Assign each tensor a buffer in a memory space (views and in-place elementwise ops "
    "share buffers; constants in flash) and reserve kernel scratch for the target",
    run, BufferizeOptions)
