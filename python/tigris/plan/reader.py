"""Reading and validating a binary plan in Python (the C loader is runtime/src/plan_load.c).

`read_plan(data)` checks what the C loader checks structurally (magic,
version, CRC-32, the canonical section layout, every tensor against its pool,
every call's kernel id, flags, slots, roles and dtypes, the I/O descriptors)
and returns a `Plan`. Of the kernels' own rules it checks single rounding's
shift range (the flag's one condition); the shape rules are left to the C
loader, which `tigris run` always goes through.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from tigris.plan.format import (CALL, CALL_SINGLE_ROUNDING, CONST, OUT, SCRATCH, CRC_OFFSET,
                                DTYPE_BYTES, HEADER, HEADER_SIZE, IO, IO_STATE, IO_UINT8,
                                KERNELS_BY_ID,
                                LAYOUTS, MAGIC, MAX_PARAMS, MAX_RANK, NO_TENSOR, POOLS,
                                RAM_POOLS, SINGLE_SHIFT_RANGE, TARGETS, TENSOR,
                                VERSION, WEIGHT_ALIGN, Kernel, PlanError, layout_offsets)

_POOL_NAMES = {v: k for k, v in POOLS.items()}
_DTYPE_NAMES = {1: "i8", 2: "i32"}
_LAYOUT_NAMES = {v: k for k, v in LAYOUTS.items()}
_TARGET_NAMES = {v: k for k, v in TARGETS.items()}


@dataclass
class Tensor:
    pool: str            # fast | slow | flash
    dtype: str           # i8 | i32
    offset: int
    size: int
    shape: list[int]

    @property
    def count(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


@dataclass
class Call:
    kernel: Kernel
    stage: int
    tensors: list[int | None]       # per slot of kernel.slots
    words: list[int]                # the 14 parameter words
    flags: int = 0                  # the call record's flags (CALL_SINGLE_ROUNDING)

    @property
    def rounding(self) -> str:
        """The requantization rounding: "single" (flag bit 0) or "double" (the default;
        also what every kernel that does not requantize reports)."""
        return "single" if self.flags & CALL_SINGLE_ROUNDING else "double"

    def slot(self, name: str) -> int | None:
        return self.tensors[self.kernel.slot_index(name)]

    def params(self, rank: int = MAX_RANK) -> dict:
        """Parameter name -> int or list, variable-length arrays cut to `rank`."""
        out, i = {}, 0
        for p in self.kernel.params:
            values = self.words[i:i + p.count]
            i += p.count
            if p.variable:
                values = values[:rank * p.per_rank]
            if p.enum:
                out[p.name] = p.enum[values[0]] if 0 <= values[0] < len(p.enum) else values[0]
            else:
                out[p.name] = values if p.count > 1 else values[0]
        return out


@dataclass
class IODesc:
    tensor: int
    name: str
    layout: str
    uint8: bool
    zero_point: int
    scale: float
    shape: list[int]     # the model's own shape
    state: bool = False  # a state variable (flag IO_STATE; an input and an output)

    def spec(self) -> dict:
        """The same record as the function's `tigris.inputs` / `tigris.outputs` entries."""
        return {"name": self.name, "shape": list(self.shape), "layout": self.layout,
                "scale": self.scale, "zero_point": self.zero_point, "uint8": self.uint8}


@dataclass
class Plan:
    name: str
    target: str
    fast_size: int
    slow_size: int
    alignment: int
    size: int
    tensors: list[Tensor] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    inputs: list[IODesc] = field(default_factory=list)
    outputs: list[IODesc] = field(default_factory=list)
    weights: bytes = b""
    weights_offset: int = 0
    state_size: int = 0      # bytes of the state region (the IODesc with state=True)

    def constant(self, index: int) -> np.ndarray:
        """The data of a flash tensor as a flat numpy array."""
        t = self.tensors[index]
        if t.pool != "flash":
            raise PlanError(f"tensor {index} is not a constant")
        dtype = np.int8 if t.dtype == "i8" else np.dtype("<i4")
        return np.frombuffer(self.weights, dtype=dtype, count=t.count, offset=t.offset)

    def constant_bytes(self) -> int:
        """Bytes of distinct constant data the calls reference (weights and parameter arrays)."""
        seen = {(t.offset, t.size) for t in self.tensors if t.pool == "flash"}
        return sum(size for _, size in seen)


def state_vars(plan: Plan) -> list[tuple[int, int, int, int]]:
    """(input index, output index, offset in the state region, size) of each
    state variable, in the order of the inputs (as the C runtime lays the
    region out)."""
    out, at = [], 0
    for i, d in enumerate(plan.inputs):
        if d.state:
            j = next(j for j, o in enumerate(plan.outputs) if o.state and o.name == d.name)
            size = plan.tensors[d.tensor].size
            out.append((i, j, at, size))
            at += size
    return out


def state_start(plan: Plan) -> np.ndarray:
    """The state region at load (tigris_state_init): each variable's zero point."""
    region = np.zeros(plan.state_size, np.int8)
    for i, _, at, size in state_vars(plan):
        region[at:at + size] = plan.inputs[i].zero_point
    return region


def _name(raw: bytes, what: str) -> str:
    if b"\0" not in raw:
        raise PlanError(f"{what} is not NUL-terminated")
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")


def _one_run_move(slots, out, axis: int) -> bool:
    """An insert whose output is its destination's bytes and whose input is
    one contiguous run (rows of batch 1), as k_insert requires of an input
    overlapping its output."""
    by_name = {s.name: t for s, t in slots}
    dest, inp = by_name.get("dest"), by_name.get("input")
    if dest is None or inp is None or (dest.pool, dest.offset, dest.size) != \
            (out.pool, out.offset, out.size):
        return False
    axis = axis + len(inp.shape) if axis < 0 else axis
    return axis == 1 and inp.shape[0] == 1


def _check_overlap(plan: Plan, index: int, kernel, tensors: list, words) -> None:
    """The loader's rule: a written slot (output, scratch) overlaps no other slot,
    except an exact alias of an input the kernel may update in place, or an
    insert's input moved within its destination (the output aliasing the
    destination exactly, one contiguous run: rows of batch 1)."""
    slots = [(s, plan.tensors[t]) for s, t in zip(kernel.slots, tensors) if t is not None]
    for ws, w in slots:
        if ws.role not in (OUT, SCRATCH):
            continue
        for s, t in slots:
            if s is ws or t.pool != w.pool or not (w.offset < t.offset + t.size
                                                   and t.offset < w.offset + w.size):
                continue
            if ws.role == OUT and s.name in kernel.inplace and (t.offset, t.size) == (w.offset, w.size):
                continue
            if ws.role == OUT and s.name in kernel.within and _one_run_move(slots, w, words[0]):
                continue
            raise PlanError(f"call {index} ({kernel.name}): slot '{ws.name}' overlaps slot "
                            f"'{s.name}' in the {w.pool} pool")


def _shifts(plan: Plan, kernel, tensors: list, words: list[int]) -> list[int]:
    """Every requantization shift of a call: the per-channel shift array (conv,
    depthwise, fully connected) or the *_shift parameter words (add, mul, gap)."""
    out: list[int] = []
    if any(s.name == "shift" for s in kernel.slots):
        out += [int(v) for v in plan.constant(tensors[kernel.slot_index("shift")])]
    i = 0
    for p in kernel.params:
        if p.name.endswith("shift") and p.name != "left_shift":
            out += list(words[i:i + p.count])
        i += p.count
    return out


def read_plan(data: bytes) -> Plan:
    data = bytes(data)
    if len(data) < HEADER_SIZE:
        raise PlanError(f"not a plan: {len(data)} bytes is shorter than the header")
    h = HEADER.unpack_from(data)
    (magic, version, header_size, plan_size, crc, target, fast, slow, alignment, n_tensors,
     t_off, n_calls, c_off, n_in, n_out, io_off, w_off, w_size, flags, state_size, *rest) = h
    reserved, raw_name = rest[:4], rest[4]
    if magic != MAGIC:
        raise PlanError("not a TiGrIS plan (bad magic)")
    if version != VERSION:
        raise PlanError(f"plan format version {version}, this tigris reads version {VERSION}")
    if header_size != HEADER_SIZE or plan_size < HEADER_SIZE:
        raise PlanError("bad header size")
    if plan_size > len(data):
        raise PlanError(f"truncated plan: {len(data)} of {plan_size} bytes")
    body = bytearray(data[:plan_size])
    body[CRC_OFFSET:CRC_OFFSET + 4] = b"\0\0\0\0"
    if zlib.crc32(bytes(body)) & 0xFFFFFFFF != crc:
        raise PlanError("CRC-32 mismatch: the plan is corrupted")
    if target not in _TARGET_NAMES or flags or any(reserved) or not alignment \
            or alignment & (alignment - 1) or alignment > 4096:
        raise PlanError("bad header fields")
    if n_tensors > NO_TENSOR or n_in < 1 or n_out < 1:
        raise PlanError("bad header counts")
    if (t_off, c_off, io_off, w_off) != layout_offsets(n_tensors, n_calls, n_in + n_out) \
            or w_size % WEIGHT_ALIGN or w_off + w_size != plan_size:
        raise PlanError("bad section layout")
    plan = Plan(_name(raw_name, "model name"), _TARGET_NAMES[target], fast, slow, alignment,
                plan_size, weights=data[w_off:w_off + w_size], weights_offset=w_off,
                state_size=state_size)
    pool_size = {"fast": fast, "slow": slow, "flash": w_size}
    for i in range(n_tensors):
        pool, dtype, rank, res, offset, size, *dims = TENSOR.unpack_from(data, t_off + i * TENSOR.size)
        if pool not in _POOL_NAMES or dtype not in _DTYPE_NAMES or rank > MAX_RANK or res \
                or any(d < 1 for d in dims[:rank]) or any(dims[rank:]):
            raise PlanError(f"tensor {i}: malformed descriptor")
        count = int(np.prod(dims[:rank], dtype=np.int64))
        if count * DTYPE_BYTES[dtype] != size or count > 2 ** 31 - 1 \
                or (dtype == 2 and offset % 4):
            raise PlanError(f"tensor {i}: size {size} does not match its shape")
        if offset + size > pool_size[_POOL_NAMES[pool]]:
            raise PlanError(f"tensor {i}: lies outside the {_POOL_NAMES[pool]} pool")
        plan.tensors.append(Tensor(_POOL_NAMES[pool], _DTYPE_NAMES[dtype], offset, size,
                                   list(dims[:rank])))
    for i in range(n_calls):
        kid, cflags, stage, res, *rest = CALL.unpack_from(data, c_off + i * CALL.size)
        slots, words = rest[:8], rest[8:]
        kernel = KERNELS_BY_ID.get(kid)
        if kernel is None or res or any(words[kernel.param_words:]):
            raise PlanError(f"call {i}: unknown kernel {kid} or bad reserved fields")
        if cflags & ~kernel.call_flags:
            what = ("single rounding on a kernel that does not requantize"
                    if cflags == CALL_SINGLE_ROUNDING else "unknown flag bits")
            raise PlanError(f"call {i} ({kernel.name}): call flags 0x{cflags:04x}: {what}")
        tensors: list[int | None] = []
        for j, idx in enumerate(slots):
            if j >= len(kernel.slots):
                if idx != NO_TENSOR:
                    raise PlanError(f"call {i}: tensor in unused slot {j}")
                continue
            s = kernel.slots[j]
            if idx == NO_TENSOR:
                if not s.optional:
                    raise PlanError(f"call {i} ({kernel.name}): slot '{s.name}' is empty")
                tensors.append(None)
                continue
            if idx >= n_tensors:
                raise PlanError(f"call {i}: tensor index {idx} out of range")
            t = plan.tensors[idx]
            if t.dtype != s.dtype or (s.role == CONST and t.pool != "flash") \
                    or (s.role in (OUT, SCRATCH) and t.pool == "flash"):
                raise PlanError(f"call {i} ({kernel.name}): slot '{s.name}' has the wrong tensor")
            tensors.append(idx)
        _check_overlap(plan, i, kernel, tensors, words)
        if cflags & CALL_SINGLE_ROUNDING:
            lo, hi = SINGLE_SHIFT_RANGE
            bad = [s for s in _shifts(plan, kernel, tensors, words) if not lo <= s <= hi]
            if bad:
                raise PlanError(f"call {i} ({kernel.name}): shift {bad[0]} outside [{lo}, {hi}] "
                                "under single rounding")
        plan.calls.append(Call(kernel, stage, tensors, list(words[:MAX_PARAMS]), cflags))
    for i in range(n_in + n_out):
        (tensor, layout, ioflags, zp, scale, rank, *rest) = IO.unpack_from(data, io_off + i * IO.size)
        dims, raw, res = rest[:6], rest[6], rest[7]
        if tensor >= n_tensors or layout not in _LAYOUT_NAMES or ioflags & ~(IO_UINT8 | IO_STATE) \
                or ioflags == IO_UINT8 | IO_STATE \
                or rank > MAX_RANK or res or any(d < 1 for d in dims[:rank]) or any(dims[rank:]):
            raise PlanError(f"I/O descriptor {i}: malformed")
        t = plan.tensors[tensor]
        if POOLS[t.pool] not in RAM_POOLS or t.dtype != "i8" \
                or int(np.prod(dims[:rank], dtype=np.int64)) != t.count:
            raise PlanError(f"I/O descriptor {i}: does not match its tensor")
        d = IODesc(tensor, _name(raw, "I/O name"), _LAYOUT_NAMES[layout],
                   bool(ioflags & IO_UINT8), zp, scale, list(dims[:rank]),
                   bool(ioflags & IO_STATE))
        (plan.inputs if i < n_in else plan.outputs).append(d)
    _check_state(plan)
    return plan


def _check_state(plan: Plan) -> None:
    """State variables as the loader checks them: each flagged input has one
    flagged output of its name, size and zero point (an int8 value), and the
    state region is the sum of their sizes."""
    def side(ios):
        out: dict[str, list] = {}
        for d in ios:
            if d.state:
                if not -128 <= d.zero_point <= 127:
                    raise PlanError(f"state variable '{d.name}': zero point {d.zero_point}")
                out.setdefault(d.name, []).append((plan.tensors[d.tensor].size, d.zero_point))
        return out
    ins, outs = side(plan.inputs), side(plan.outputs)
    if ins != outs or any(len(v) != 1 for v in ins.values()):
        raise PlanError("state variables: the flagged inputs and outputs do not pair up")
    if sum(v[0][0] for v in ins.values()) != plan.state_size:
        raise PlanError(f"state size {plan.state_size} is not the variables' "
                        f"{sum(v[0][0] for v in ins.values())} bytes")


def read_plan_file(path: str) -> Plan:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise PlanError(f"cannot read '{path}': {e.strerror}") from None
    try:
        return read_plan(data)
    except PlanError as e:
        raise PlanError(f"{path}: {e}") from None


__all__ = ["read_plan", "read_plan_file", "Plan", "Tensor", "Call", "IODesc", "state_vars",
           "state_start"]
