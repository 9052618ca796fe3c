"""The binary plan format (`.tgrs`), version 1: layout constants and the kernel table.

docs/plan-format.md is the prose description; runtime/src/plan_format.h is the
C side (a test checks that both agree). Everything is little-endian.

    header (128 B) | tensor table | call table | I/O table | pad to 16 | weights

Tensors are descriptors of bytes at fixed offsets in one of three pools: the
fast arena, the slow arena (both caller-provided RAM) and the plan's own
weight section (flash). A call names its tensors by index in fixed slots and
carries up to 14 int32 parameters and a u16 of flags (bit 0: single-rounding
requantization, on the requantizing kernels only); which slots, parameters and
flags a kernel has is the KERNELS table below, shared by the lowering pass, the
writer, the reader and the C code generator.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

MAGIC = b"TGRS"
VERSION = 1
HEADER_SIZE = 128
TENSOR_SIZE = 36
CALL_SIZE = 80
IO_SIZE = 80
WEIGHT_ALIGN = 16
MAX_RANK = 6
MAX_SLOTS = 8
MAX_PARAMS = 14
NAME_SIZE = 32
NO_TENSOR = 0xFFFF
MAX_TENSORS = 0xFFFF        # indices are u16 and 0xFFFF means "none"
CRC_OFFSET = 16

# header: magic, version, header_size, plan_size, crc32, target, fast_size,
# slow_size, alignment, n_tensors, tensors_offset, n_calls, calls_offset,
# n_inputs, n_outputs, io_offset, weights_offset, weights_size, flags,
# reserved[5], name[32]
HEADER = struct.Struct("<4s18I5I32s")
# tensor: pool, dtype, rank, reserved, offset, size, dims[6]
TENSOR = struct.Struct("<4B2I6i")
# call: kernel, flags, stage, reserved, tensors[8], params[14]
CALL = struct.Struct("<4H8H14i")
# io: tensor, layout, flags, zero_point, scale, model_rank, model_shape[6], name[32], reserved
IO = struct.Struct("<HBBid I6i32sI")
assert HEADER.size == HEADER_SIZE and TENSOR.size == TENSOR_SIZE
assert CALL.size == CALL_SIZE and IO.size == IO_SIZE

TARGETS = {"reference": 0, "esp32s3": 1, "esp32": 2}
POOLS = {"fast": 0, "slow": 1, "flash": 2}
RAM_POOLS = (0, 1)
DTYPES = {"i8": 1, "i32": 2}
DTYPE_BYTES = {1: 1, 2: 4}
LAYOUTS = {"plain": 0, "nhwc": 1}
IO_UINT8 = 1                # io flags bit 0: the model's own input is uint8
RESIZE_MODES = {"nearest": 0, "linear": 1}
# Call flags (u16 at offset 2 of a call record). Bit 0: requantize with single
# rounding (TIGRIS_ROUND_SINGLE) instead of the default double rounding; only the
# requantizing kernels (Kernel.call_flags) accept it. Other bits are reserved (0).
CALL_SINGLE_ROUNDING = 1
ROUNDINGS = ("double", "single")     # `tigris.rounding` values on a tigris.call
SINGLE_SHIFT_RANGE = (-31, 30)       # the shifts single rounding takes

# Slot roles: "in" an activation read, "const" constant data (flash),
# "out" the output written, "scratch" kernel scratch (written).
IN, CONST, OUT, SCRATCH = "in", "const", "out", "scratch"


@dataclass(frozen=True)
class Slot:
    name: str           # the operand or attribute it comes from
    role: str
    dtype: str = "i8"
    optional: bool = False


@dataclass(frozen=True)
class Param:
    name: str           # attribute name
    count: int = 1      # int32 words; arrays shorter than count are zero-padded
    variable: bool = False  # length depends on the rank (transpose/pad/slice)


@dataclass(frozen=True)
class Kernel:
    name: str
    id: int
    slots: tuple[Slot, ...]
    params: tuple[Param, ...] = ()
    inplace: tuple[str, ...] = ()   # input slots the output may alias exactly
    call_flags: int = 0             # the call flag bits its calls may set

    @property
    def requantizes(self) -> bool:
        """Whether calls of this kernel take a rounding mode (CALL_SINGLE_ROUNDING)."""
        return bool(self.call_flags & CALL_SINGLE_ROUNDING)

    @property
    def param_words(self) -> int:
        return sum(p.count for p in self.params)

    def slot_index(self, name: str) -> int:
        return next(i for i, s in enumerate(self.slots) if s.name == name)


def _i(name): return Slot(name, IN)
def _c(name, dtype="i8", optional=False): return Slot(name, CONST, dtype, optional)


_OUT = Slot("output", OUT)
_SCRATCH = Slot("scratch", SCRATCH, optional=True)
_CONV_COMMON = (Param("stride", 2), Param("dilation", 2), Param("pad", 4))
_REQUANT_SLOTS = (_c("multiplier", "i32"), _c("shift", "i32"))
_CLAMP = (Param("act_min"), Param("act_max"))
_RQ = CALL_SINGLE_ROUNDING

_LIST = [
    Kernel("conv2d", 1, (_i("input"), _c("weights"), _c("bias", "i32", True), *_REQUANT_SLOTS,
                         _OUT, _SCRATCH),
           _CONV_COMMON + (Param("groups"), Param("input_offset"), Param("output_offset")) + _CLAMP,
           call_flags=_RQ),
    Kernel("depthwise_conv2d", 2, (_i("input"), _c("weights"), _c("bias", "i32", True),
                                   *_REQUANT_SLOTS, _OUT, _SCRATCH),
           _CONV_COMMON + (Param("channel_multiplier"), Param("input_offset"),
                           Param("output_offset")) + _CLAMP, call_flags=_RQ),
    Kernel("fully_connected", 3, (_i("input"), _c("weights"), _c("bias", "i32", True),
                                  *_REQUANT_SLOTS, _OUT),
           (Param("input_offset"), Param("output_offset")) + _CLAMP, call_flags=_RQ),
    Kernel("add", 4, (_i("input1"), _i("input2"), _OUT),
           tuple(Param(n) for n in ("input1_offset", "input2_offset", "input1_multiplier",
                                    "input1_shift", "input2_multiplier", "input2_shift",
                                    "left_shift", "output_offset", "output_multiplier",
                                    "output_shift", "act_min", "act_max")),
           inplace=("input1", "input2"), call_flags=_RQ),
    Kernel("mul", 5, (_i("input1"), _i("input2"), _OUT),
           tuple(Param(n) for n in ("input1_offset", "input2_offset", "output_offset",
                                    "output_multiplier", "output_shift", "act_min", "act_max")),
           inplace=("input1", "input2"), call_flags=_RQ),
    Kernel("avg_pool", 6, (_i("input"), _OUT),
           (Param("kernel", 2), Param("stride", 2), Param("pad", 4), Param("count_include_pad"))
           + _CLAMP),
    Kernel("max_pool", 7, (_i("input"), _OUT),
           (Param("kernel", 2), Param("stride", 2), Param("dilation", 2), Param("pad", 4)) + _CLAMP),
    Kernel("global_avg_pool", 8, (_i("input"), _OUT),
           (Param("input_offset"), Param("output_offset"), Param("multiplier"), Param("shift")),
           call_flags=_RQ),
    Kernel("softmax", 9, (_i("input"), _c("exp_table", "i32"), _OUT),
           (Param("output_scale_q16"), Param("output_offset")), inplace=("input",)),
    # table: 256 entries, or 256 per channel (C x 256, C = the last dimension of
    # input and output); the count alone selects the form (docs/kernels.md).
    Kernel("lut", 10, (_i("input"), _c("table"), _OUT), inplace=("input",)),
    Kernel("transpose", 11, (_i("input"), _OUT), (Param("perm", MAX_RANK, True),)),
    Kernel("pad", 12, (_i("input"), _OUT), (Param("pad", 2 * MAX_RANK, True), Param("value"))),
    Kernel("resize", 13, (_i("input"), _c("y_index0", "i32"), _c("y_index1", "i32", True),
                          _c("y_weight", "i32", True), _c("x_index0", "i32"),
                          _c("x_index1", "i32", True), _c("x_weight", "i32", True), _OUT),
           (Param("mode"),)),
    Kernel("slice", 14, (_i("input"), _OUT), (Param("begin", MAX_RANK, True),)),
    Kernel("insert", 15, (_i("input"), _i("dest"), _OUT), (Param("axis"), Param("offset")),
           inplace=("dest",)),
    # A byte copy: only emitted for a view whose bytes are not already in place.
    Kernel("reshape", 16, (_i("input"), _OUT), inplace=("input",)),
]
KERNELS: dict[str, Kernel] = {k.name: k for k in _LIST}
KERNELS_BY_ID: dict[int, Kernel] = {k.id: k for k in _LIST}
for _k in _LIST:
    assert len(_k.slots) <= MAX_SLOTS and _k.param_words <= MAX_PARAMS, _k.name

# Kernel ops that never become a call: `empty` has undefined contents.
NO_CALL_OPS = ("empty",)
# Attributes of kernel ops stored as flash blobs (per-channel arrays, tables).
BLOB_ATTRS = {"multiplier": "i32", "shift": "i32", "exp_table": "i32", "table": "i8",
              "y_index0": "i32", "y_index1": "i32", "y_weight": "i32",
              "x_index0": "i32", "x_index1": "i32", "x_weight": "i32"}


def blob_attrs(kind: str) -> tuple[str, ...]:
    """The attributes of a kernel op that become constant slots of its call."""
    k = KERNELS[kind]
    return tuple(s.name for s in k.slots if s.role == CONST and s.name in BLOB_ATTRS)


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
