"""The binary plan format (`.tgrs`), version 1: layout constants and the kernel table.

docs/plan-format.md is the prose description; runtime/src/plan_format.h is the
C side (a test checks that both agree). Everything is little-endian.

    header (128 B) | tensor table | call table | I/O table | pad to 16 | weights

Tensors are descriptors of bytes at fixed offsets in one of three pools: the
fast arena, the slow arena (both caller-provided RAM) and the plan's own
weight section (flash). A call names its tensors by index in fixed slots and
carries up to 14 int32 parameters and a u16 of flags (bit 0: single-rounding
requantization, on the requantizing kernels only); which slots, parameters and
flags a kernel has is the KERNELS table below (the `plan` records of the kernel
registry, tigris.kernels), shared by the lowering pass, the writer, the reader and
the C code generator.
"""
from __future__ import annotations

import struct

from tigris.kernels import (CALL_SINGLE_ROUNDING, CONST, IN, MAX_RANK, OUT, REGISTRY,  # noqa: F401
                            SCRATCH, Param, PlanKernel, Slot, blob_attrs)
from tigris.kernels.movement import RESIZE_MODES as RESIZE_MODE_NAMES
from tigris.targets import TABLE as TARGET_TABLE

MAGIC = b"TGRS"
VERSION = 1
HEADER_SIZE = 128
TENSOR_SIZE = 36
CALL_SIZE = 80
IO_SIZE = 80
WEIGHT_ALIGN = 16
MAX_SLOTS = 8
MAX_PARAMS = 14
NAME_SIZE = 32
NO_TENSOR = 0xFFFF
MAX_TENSORS = 0xFFFF        # indices are u16 and 0xFFFF means "none"
CRC_OFFSET = 16

# header: magic, version, header_size, plan_size, crc32, target, fast_size,
# slow_size, alignment, n_tensors, tensors_offset, n_calls, calls_offset,
# n_inputs, n_outputs, io_offset, weights_offset, weights_size, flags,
# state_size, reserved[4], name[32]
HEADER = struct.Struct("<4s19I4I32s")
# tensor: pool, dtype, rank, reserved, offset, size, dims[6]
TENSOR = struct.Struct("<4B2I6i")
# call: kernel, flags, stage, reserved, tensors[8], params[14]
CALL = struct.Struct("<4H8H14i")
# io: tensor, layout, flags, zero_point, scale, model_rank, model_shape[6], name[32], reserved
IO = struct.Struct("<HBBid I6i32sI")
assert HEADER.size == HEADER_SIZE and TENSOR.size == TENSOR_SIZE
assert CALL.size == CALL_SIZE and IO.size == IO_SIZE

TARGETS = {t.name: t.plan_id for t in TARGET_TABLE.values()}
POOLS = {"fast": 0, "slow": 1, "flash": 2}
RAM_POOLS = (0, 1)
DTYPES = {"i8": 1, "i32": 2}
DTYPE_BYTES = {1: 1, 2: 4}
LAYOUTS = {"plain": 0, "nhwc": 1}
IO_UINT8 = 1                # io flags bit 0: the model's own input is uint8
IO_STATE = 2                # io flags bit 1: a state variable (an input and an output)
STATE_PREFIX = "state:"     # the I/O names of state variables (the TFLite importer's)
RESIZE_MODES = {m: i for i, m in enumerate(RESIZE_MODE_NAMES)}
# Call flags (u16 at offset 2 of a call record): bit 0, CALL_SINGLE_ROUNDING,
# requantize with single rounding (TIGRIS_ROUND_SINGLE) instead of the default
# double rounding; only the requantizing kernels (Kernel.call_flags) accept it.
# Other bits are reserved (0).
ROUNDINGS = ("double", "single")     # `tigris.rounding` values on a tigris.call
SINGLE_SHIFT_RANGE = (-31, 30)       # the shifts single rounding takes

Kernel = PlanKernel          # a kernel's call record (tigris.kernels.base)
_LIST = [k.plan for k in REGISTRY.values() if k.plan is not None]
KERNELS: dict[str, Kernel] = {k.name: k for k in _LIST}
KERNELS_BY_ID: dict[int, Kernel] = {k.id: k for k in _LIST}
for _k in _LIST:
    assert len(_k.slots) <= MAX_SLOTS and _k.param_words <= MAX_PARAMS, _k.name

# Kernel ops that never become a call (`empty`: undefined contents).
NO_CALL_OPS = tuple(k.name for k in REGISTRY.values() if k.plan is None)
# Attributes of kernel ops stored as flash blobs (per-channel arrays, tables).
BLOB_ATTRS = blob_attrs()


def align(n: int, a: int = WEIGHT_ALIGN) -> int:
    return (n + a - 1) // a * a


def layout_offsets(n_tensors: int, n_calls: int, n_io: int) -> tuple[int, int, int, int]:
    """(tensors_offset, calls_offset, io_offset, weights_offset) of the canonical layout."""
    tensors = HEADER_SIZE
    calls = align(tensors + n_tensors * TENSOR_SIZE, 4)
    io = calls + n_calls * CALL_SIZE
    weights = align(io + n_io * IO_SIZE, WEIGHT_ALIGN)
    return tensors, calls, io, weights


from tigris.errors import TigrisError  # noqa: E402


class PlanError(TigrisError):
    """A plan cannot be written or read (exit code 2)."""

    exit_code = 2


class PlanLimitError(PlanError):
    """The model is too large for the plan format's fields (exit code 3: it does
    not fit, as a budget it exceeds)."""

    exit_code = 3


# The format's limits: offsets and sizes are u32, dims and element counts int32.
MAX_BYTES = 0xFFFFFFFF
MAX_ELEMENTS = 0x7FFFFFFF
