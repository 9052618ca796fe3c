"""What the registry records of a kernel kind (`Kind`) and of its plan call
record (`PlanKernel`: slots and parameters, docs/plan-format.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

MAX_RANK = 6                 # dims of a plan tensor; also the longest per-dimension parameter
CALL_SINGLE_ROUNDING = 1     # call flags bit 0: requantize with single rounding

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
    per_rank: int = 0   # > 0: holds this many entries per dimension (transpose/pad/slice)
    enum: tuple[str, ...] = ()   # a string attribute stored as its index here

    @property
    def variable(self) -> bool:
        """Whether its length depends on the rank."""
        return self.per_rank > 0


@dataclass(frozen=True)
class PlanKernel:
    """A kernel's call record: its id in the plan, tensor slots and int32 parameters."""
    name: str
    id: int
    slots: tuple[Slot, ...]
    params: tuple[Param, ...] = ()
    inplace: tuple[str, ...] = ()   # input slots the output may alias exactly
    within: tuple[str, ...] = ()    # input slots the output may overlap (rows moved in a buffer)
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


@dataclass(frozen=True)
class RowRule:
    """A kernel's own row dependency (tigris.tiling.rows), for a kind that is
    neither a window nor row-for-row: `needs(attrs, in_shapes, out_shape, a, b)`
    gives the rows [lo, hi) of each operand (None: read whole) that output rows
    [a, b) read; `strip(attrs, in_shapes, a, b, needs)` the attributes of the
    same kernel computing exactly those rows from exactly those operand rows."""
    needs: Callable
    strip: Callable | None = None


def _default_work(out_elems: int, in_elems: int, weights, attrs: dict) -> int:
    return out_elems


@dataclass(frozen=True)
class Kind:
    """One kernel kind of the tigris dialect: every per-kind fact the compiler
    looks up (the op in dialects/tigris.irdl.mlir, the numpy reference function
    `tigris.reference.kernels.<name>`, the C kernels in runtime/kernels)."""
    name: str
    # Dense-array attributes that are not i64: name -> "i32" | "i8". Those that
    # are also CONST slots of the plan kernel become flash blobs.
    arrays: dict = field(default_factory=dict)
    # tigris-verify: activations (operands and results) must be int8; `weighted`:
    # operands (input, weights int8, bias int32) with per-channel multiplier/shift.
    int8: bool = False
    weighted: bool = False
    # Further verifier rule: (in_shapes, out_shape, attrs) -> error text or None.
    check: Callable | None = None
    # Kernel scratch: per scratch family of a target (targets.Target.scratch), a
    # rule taking shape keywords (targets.scratch_bytes); `scratch_shape` gives
    # those keywords from an op's (in_shapes, out_shape, attrs), for the kinds
    # whose calls reserve scratch in the arena.
    scratch: dict = field(default_factory=dict)
    scratch_shape: Callable | None = None
    # Cost model (tigris.costmodel): instructions per MAC, per output element and
    # per output element and filter tap; None = costs like conv2d.
    per_mac: float | None = None
    per_out: float = 0.0
    per_tap: float = 0.0
    # MACs (element operations) of a call: (output elements, input elements,
    # weights shape in the kernel's layout or None, attributes) -> int.
    work: Callable = _default_work
    # Weights in the layout the kernel reads (the same bytes): shape -> shape.
    weights_view: Callable | None = None
    # Row streaming (tigris.tiling.rows): "window" (conv-like kh x kw window),
    # "rows" (row i from row i of each full-height operand), a RowRule of its
    # own, or None (not streamable).
    rows: str | RowRule | None = None
    # A further condition for streaming rows: attrs -> bool (None: always).
    streams: Callable | None = None
    # Operands the planner may let the result overwrite when they die here (the
    # elementwise kernels; tigris.irgraph), by operand index.
    overwrites: tuple = ()
    # The tiler may split a call by output channels (groups 1 only): one call per
    # group on views of the weights, bias, multipliers and shifts (tigris.tiling).
    channel_split: bool = False
    # The plan call record, None when the op never becomes a call.
    plan: PlanKernel | None = None
    # Optional slots a call leaves empty given the op's attributes: attrs -> names.
    unused_slots: Callable | None = None
    # C code generator (tigris.plan.codegen): (emitter, call, params) -> the C call
    # expression (its declarations added through the emitter), or None.
    emit_c: Callable | None = None

    @property
    def requantizes(self) -> bool:
        return self.plan is not None and self.plan.requantizes

    @property
    def blobs(self) -> dict:
        """Attributes stored as flash blobs: name -> dtype."""
        if self.plan is None:
            return {}
        return {s.name: s.dtype for s in self.plan.slots
                if s.role == CONST and s.name in self.arrays}
