"""tigris-lower-to-plan: turn a planned function into a static plan of pools, buffers and calls.

Runs after tigris-assign-offsets. Each `func.func` is replaced by a nested
`builtin.module @<name>` holding only plan ops, in this order:

- `tigris.pool` ops: `fast` (the arena, size `tigris.arena.size`), `slow`
  (`tigris.slow_arena.size`, when buffers live there: `tigris.space = "slow"`,
  or arguments named in `tigris.slow_buffers`) and `flash` (the constants);
- one `tigris.buffer` per tensor the calls touch: function arguments, every
  kernel result (at its buffer's `tigris.offset` plus its `tigris.view_offset`,
  so views and in-place results are buffers that overlap on purpose), kernel
  scratch (`<node>.scratch`), and constants in the flash pool at 16-byte
  aligned offsets with their data in `tigris.data`. Per-channel
  multiplier/shift arrays and lookup/exp/resize tables become flash buffers
  too (identical arrays are stored once);
- one `tigris.call` per kernel call, in schedule order: `inputs` names the
  buffers of the kernel's slots (activations, weights, bias, parameter
  arrays; "" for an absent optional slot), `outputs` the result buffer,
  `params` the remaining scalar attributes, `stage` the op's `tigris.stage`
  (0 when absent), `scratch` the scratch buffer when there is one, and
  `tigris.rounding = "single"` when the kernel op rounds its requantization
  once (its `rounding` attribute; the call record's flag).

No call is emitted for `empty` (undefined contents), for ops marked
`tigris.noop` (their bytes are already in place) and for a `reshape` whose
result occupies the bytes of its operand. The nested module keeps the
function's `tigris.inputs` / `tigris.outputs` (model I/O quantization and
layout), `tigris.target` and `tigris.arena`, and names the argument and
result buffers in `tigris.plan_inputs` / `tigris.plan_outputs`. The slot
and parameter table is each kind's `plan` record in the kernel registry
(`tigris.kernels`, gathered in `tigris.plan.format.KERNELS`).
"""
from __future__ import annotations

import math

import numpy as np
from mlir import ir

from tigris.dialects import attr, op_attrs
from tigris.irgraph import CONSTANT_OPS, block_of, is_constant_view, node_name, value_bytes
from tigris.passes.registry import Pass, PassError
from tigris import kernels
from tigris.plan.format import (CONST, IN, KERNELS, NO_CALL_OPS, OUT, SCRATCH, WEIGHT_ALIGN,
                                align)

_NP = {"i8": np.int8, "i32": np.int32}


def _int(op, name: str, default: int = 0) -> int:
    a = op.attributes
    return ir.IntegerAttr(a[name]).value if name in a else default


def _flag(op, name: str) -> bool:
    """A unit attribute (present = set), or an integer attribute that is non-zero."""
    a = op.attributes
    if name not in a:
        return False
    v = a[name]
    return ir.IntegerAttr(v).value != 0 if isinstance(v, ir.IntegerAttr) else True


def _shape(t) -> list[int]:
    return list(ir.RankedTensorType(t).shape)


def _tensor_type(shape, element) -> ir.Type:
    return ir.RankedTensorType.get(list(shape), element)


class _Builder:
    """Collects the buffers and calls of one function's plan."""

    def __init__(self, func_op):
        self.func = func_op
        self.buffers: dict[str, dict] = {}      # name -> buffer record, in creation order
        self.value_name: dict = {}              # ir.Value -> buffer name (activations)
        self.const_name: dict = {}              # (const op value, type str) -> buffer name
        self.const_offset: dict = {}            # const value -> flash offset
        self.blob_name: dict = {}               # (dtype, bytes) -> buffer name
        self.flash = 0
        self.calls: list[dict] = []
        fa = op_attrs(func_op)
        for key in ("tigris.arena", "tigris.offsets", "tigris.arg_buffers"):
            if key not in fa:
                raise PassError(f"tigris-lower-to-plan needs '{key}': run the planning passes "
                                "(tigris-schedule, tigris-bufferize, tigris-liveness, "
                                "tigris-assign-offsets) first", func_op.location)
        self.fa = fa
        self.arena = int(fa["tigris.arena"]["size"])

    # ------------------------------------------------------------- buffers
    def add_buffer(self, name, pool, offset, size, type_, data=None, loc=None):
        if name in self.buffers:
            raise PassError(f"internal error: buffer '{name}' defined twice", loc)
        if pool == "fast" and offset + size > self.arena:
            raise PassError(f"buffer '{name}' ({size} B at {offset}) lies outside the "
                            f"{self.arena}-byte arena", loc or self.func.location)
        self.buffers[name] = {"pool": pool, "offset": offset, "size": size, "type": type_,
                              "data": data}
        return name

    def place_flash(self, size: int) -> int:
        offset = self.flash
        self.flash = align(offset + size, WEIGHT_ALIGN)
        return offset

    def activation(self, value, name: str, pool: str, offset: int, loc) -> str:
        self.value_name[value] = name
        return self.add_buffer(name, pool, offset, value_bytes(value), value.type, loc=loc)

    def constant(self, value, type_, name: str) -> str:
        key = (value, str(type_))
        if key in self.const_name:
            return self.const_name[key]
        if value not in self.const_offset:
            self.const_offset[value] = self.place_flash(value_bytes(value))
        op = _owner(value)
        data = op.attributes["values"]
        self.const_name[key] = self.add_buffer(name, "flash", self.const_offset[value],
                                               value_bytes(value), type_, data, op.location)
        return self.const_name[key]

    def constant_view(self, view_op, type_, name: str) -> str:
        """A contiguous slice of a constant: a flash buffer inside the constant's bytes."""
        value = view_op.results[0]
        key = (value, str(type_))
        if key in self.const_name:
            return self.const_name[key]
        src = view_op.operands[0]
        self.constant(src, src.type, f"{name}.whole")
        begin = list(ir.DenseI64ArrayAttr(view_op.attributes["begin"]))
        src_shape = _shape(src.type)
        off = _box_offset(src_shape, begin, _shape(value.type))
        if off is None:
            raise PassError("a slice of a constant must be one contiguous run of its elements",
                            view_op.location)
        esize = value_bytes(src) // max(math.prod(src_shape), 1)
        self.const_name[key] = self.add_buffer(name, "flash", self.const_offset[src] + off * esize,
                                               value_bytes(value), type_, loc=view_op.location)
        return self.const_name[key]

    def blob(self, values, dtype: str, name: str) -> str:
        arr = np.asarray(values, dtype=np.int64)
        lo, hi = (-128, 127) if dtype == "i8" else (-(1 << 31), (1 << 31) - 1)
        if dtype == "i32":
            arr = np.where(arr > hi, arr - (1 << 32), arr)   # uint32 bit patterns (exp tables)
        if arr.size and (arr.min() < lo or arr.max() > hi):
            raise PassError(f"'{name}' has values outside {dtype}", self.func.location)
        arr = arr.astype(_NP[dtype]).reshape(-1)
        key = (dtype, arr.tobytes())
        if key in self.blob_name:
            return self.blob_name[key]
        element = ir.IntegerType.get_signless(8 if dtype == "i8" else 32)
        type_ = _tensor_type([arr.size], element)
        data = ir.DenseElementsAttr.get(arr, type=type_)
        offset = self.place_flash(arr.nbytes)
        self.blob_name[key] = self.add_buffer(name, "flash", offset, arr.nbytes, type_, data)
        return self.blob_name[key]

    def location(self, name: str) -> tuple[str, int, int]:
        b = self.buffers[name]
        return b["pool"], b["offset"], b["size"]

    def check_in_place(self, op, kind: str, where: tuple[str, int]) -> None:
        """A call is left out only if its bytes really are in place: a planning bug
        would otherwise give a plan that runs and computes something else."""
        if kind == "empty":
            return
        esize = value_bytes(op.results[0]) // max(math.prod(_shape(op.results[0].type)), 1)

        def loc(value) -> tuple[str, int]:
            return self.location(self.operand(op, value, kind, "input", node_name(op)))[:2]

        def box(value, begin, size) -> int | None:
            off = _box_offset(_shape(value.type), begin, size)
            return None if off is None else loc(value)[1] + off * esize

        if kind == "reshape":
            want = loc(op.operands[0])
        elif kind == "slice":
            begin = list(ir.DenseI64ArrayAttr(op.attributes["begin"]))
            src = op.operands[0]
            want = (loc(src)[0], box(src, begin, _shape(op.results[0].type)))
        elif kind == "insert":
            dest, src = op.operands[1], op.operands[0]
            want = loc(dest)
            shape = _shape(dest.type)
            axis = _int(op, "axis") % len(shape)
            begin = [0] * len(shape)
            begin[axis] = _int(op, "offset")
            at = (want[0], box(dest, begin, _shape(src.type)))
            if loc(src) != at:
                raise PassError(f"'{op.name}' is marked tigris.noop but its input is at "
                                f"{_where(loc(src))}, not at {_where(at)} inside its destination "
                                "(a planning bug)", op.location)
        else:
            raise PassError(f"'{op.name}' is marked tigris.noop; tigris-lower-to-plan can verify "
                            "that only for reshape, slice, insert and empty", op.location)
        if want != where:
            raise PassError(f"'{op.name}' is marked tigris.noop but its result is at "
                            f"{_where(where)} and its bytes are at {_where(want)} "
                            "(a planning bug)", op.location)

    # --------------------------------------------------------------- calls
    def operand(self, op, value, kind: str, slot: str, user: str) -> str:
        owner = _owner(value)
        if owner is not None and owner.name in CONSTANT_OPS:
            return self.constant(value, _kernel_view(kind, slot, value, op), f"{user}.{slot}")
        if owner is not None and is_constant_view(owner):
            return self.constant_view(owner, _kernel_view(kind, slot, value, op), f"{user}.{slot}")
        if value not in self.value_name:
            raise PassError(f"'{op.name}' uses a value that has no buffer", op.location)
        return self.value_name[value]

    def lower_op(self, op) -> None:
        if not op.name.startswith("tigris."):
            raise PassError(f"tigris-lower-to-plan lowers tigris kernel ops, not '{op.name}' "
                            "(run tigris-legalize first)", op.location)
        kind = op.name.split(".", 1)[1]
        name = node_name(op)
        if len(op.results) != 1:
            raise PassError(f"'{op.name}' must have one result", op.location)
        result = op.results[0]
        space = ir.StringAttr(op.attributes["tigris.space"]).value \
            if "tigris.space" in op.attributes else "fast"
        if "tigris.offset" not in op.attributes:
            raise PassError(f"'{op.name}' has no tigris.offset: run tigris-assign-offsets",
                            op.location)
        offset = _int(op, "tigris.offset") + _int(op, "tigris.view_offset")
        self.activation(result, name, space, offset, op.location)
        if kind in NO_CALL_OPS or _flag(op, "tigris.noop"):
            self.check_in_place(op, kind, (space, offset))
            return
        if kind == "reshape":
            src = self.operand(op, op.operands[0], kind, "input", name)
            if self.location(src)[:2] == (space, offset):
                return
        entry = kernels.get(kind)
        if entry is None or entry.plan is None:
            raise PassError(f"'{op.name}' has no runtime kernel", op.location)
        kernel = entry.plan
        attrs = {k: v for k, v in op_attrs(op).items() if not k.startswith("tigris.")}
        unused = entry.unused_slots(attrs) if entry.unused_slots else ()
        operands = iter(op.operands)
        slots: list[str] = []
        scratch = None
        for s in kernel.slots:
            if s.role == OUT:
                slots.append(name)
            elif s.role == SCRATCH:
                size = _int(op, "tigris.scratch")
                if size > 0:
                    scratch = self.add_buffer(f"{name}.scratch", "fast",
                                              _int(op, "tigris.scratch_offset"), size,
                                              _tensor_type([size], ir.IntegerType.get_signless(8)),
                                              loc=op.location)
                slots.append(scratch or "")
            elif s.role == CONST and s.name in entry.blobs:
                values = attrs.pop(s.name, None)
                if s.name in unused:
                    values = None
                if values is None or (isinstance(values, list) and not values):
                    if not s.optional:
                        raise PassError(f"'{op.name}' has no '{s.name}'", op.location)
                    slots.append("")
                    continue
                slots.append(self.blob(values, s.dtype, f"{name}.{s.name}"))
            else:
                value = next(operands, None)
                if value is None:
                    if not s.optional:
                        raise PassError(f"'{op.name}' lacks operand '{s.name}'", op.location)
                    slots.append("")
                    continue
                slots.append(self.operand(op, value, kind, s.name, name))
        rounding = attrs.pop("rounding", "double")
        self.calls.append({"kernel": kind, "slots": slots, "params": attrs, "scratch": scratch,
                           "stage": _int(op, "tigris.stage"), "loc": op.location,
                           "rounding": rounding})


def _where(loc) -> str:
    return "?" if loc[1] is None else f"{loc[0]}+{loc[1]}"


def _box_offset(shape, begin, size) -> int | None:
    """Element offset of a box inside a row-major tensor, or None when the box
    is not one contiguous run of elements."""
    r = len(shape)
    k = next((d for d in range(r) if size[d] != 1), r - 1)
    if any(begin[d] != 0 or size[d] != shape[d] for d in range(k + 1, r)):
        return None
    return sum(begin[d] * math.prod(shape[d + 1:]) for d in range(r))


def _owner(value):
    """The operation defining `value`, or None for a block argument."""
    owner = value.owner
    if isinstance(owner, ir.Block):
        return None
    return getattr(owner, "operation", owner)


def _strings(names: list[str]) -> ir.Attribute:
    return ir.ArrayAttr.get([ir.StringAttr.get(n) for n in names])


def _kernel_view(kind: str, slot: str, value, op) -> ir.Type:
    """Weights in the layout the kernel reads (the same bytes): the registry
    entry's `weights_view` (depthwise [KH,KW,C,M] -> [1,KH,KW,C*M], fully
    connected [Cout,...,K] -> [Cout,K])."""
    t = ir.RankedTensorType(value.type)
    shape = list(t.shape)
    entry = kernels.get(kind)
    if slot == "weights" and entry is not None and entry.weights_view is not None:
        shape = entry.weights_view(shape)
    return _tensor_type(shape, t.element_type)


def _lower(func_op) -> ir.Operation:
    b = _Builder(func_op)
    block = block_of(func_op)
    offsets = b.fa["tigris.offsets"]
    views = b.fa.get("tigris.arg_view_offsets") or [0] * len(block.arguments)
    slow = set(b.fa.get("tigris.slow_buffers") or [])
    inputs = []
    for i, (arg, buf) in enumerate(zip(block.arguments, b.fa["tigris.arg_buffers"])):
        inputs.append(b.activation(arg, f"arg{i}", "slow" if buf in slow else "fast",
                                   int(offsets[buf]) + int(views[i]), func_op.location))
    outputs = []
    for op in block.operations:
        op = op.operation
        if op.name in CONSTANT_OPS or is_constant_view(op):
            continue
        if op.name == "func.return":
            for v in op.operands:
                if v not in b.value_name:
                    raise PassError("a function result must be an activation, not a constant",
                                    op.location)
                outputs.append(b.value_name[v])
            continue
        b.lower_op(op)
    return _emit(func_op, b, inputs, outputs)


def _emit(func_op, b: _Builder, inputs: list[str], outputs: list[str]) -> ir.Operation:
    name = ir.StringAttr(func_op.attributes["sym_name"]).value
    fa = b.fa
    attrs = {"sym_name": attr(name), "tigris.plan_inputs": _strings(inputs),
             "tigris.plan_outputs": _strings(outputs)}
    for key in ("tigris.inputs", "tigris.outputs", "tigris.target", "tigris.arena",
                "tigris.slow_arena"):
        if key in func_op.attributes:
            attrs[key] = func_op.attributes[key]
    with func_op.location, ir.InsertionPoint(func_op):
        module = ir.Operation.create("builtin.module", regions=1, attributes=attrs)
    module.regions[0].blocks.append()
    alignment = int(fa["tigris.arena"].get("alignment", 16))
    used = max((r["offset"] + r["size"] for r in b.buffers.values() if r["pool"] == "slow"),
               default=0)
    slow = max(int((fa.get("tigris.slow_arena") or {}).get("size", 0)), align(used, alignment))
    pools = [("fast", b.arena, alignment)]
    if slow:
        pools.append(("slow", slow, alignment))
    pools.append(("flash", b.flash, WEIGHT_ALIGN))
    with ir.InsertionPoint(module.regions[0].blocks[0]), func_op.location:
        for pool, size, al in pools:
            ir.Operation.create("tigris.pool", attributes={
                "sym_name": attr(pool), "space": attr(pool), "size": attr(size),
                "alignment": attr(al)})
        for bname, r in b.buffers.items():
            a = {"sym_name": attr(bname), "pool": attr(r["pool"]), "offset": attr(r["offset"]),
                 "size": attr(r["size"]), "type": ir.TypeAttr.get(r["type"])}
            if r["data"] is not None:
                a["tigris.data"] = r["data"]
            ir.Operation.create("tigris.buffer", attributes=a)
        for c in b.calls:
            kernel = KERNELS[c["kernel"]]
            ins = [s for s, slot in zip(c["slots"], kernel.slots) if slot.role in (IN, CONST)]
            a = {"kernel": attr(c["kernel"]),
                 "inputs": _strings(ins),
                 "outputs": _strings([c["slots"][kernel.slot_index("output")]]),
                 "params": _params_attr(c["params"]), "stage": attr(c["stage"])}
            if c["scratch"]:
                a["scratch"] = attr(c["scratch"])
            if c["rounding"] == "single":   # the call record's flag (docs/plan-format.md)
                a["tigris.rounding"] = attr("single")
            ir.Operation.create("tigris.call", attributes=a, loc=c["loc"])
    return module


def _params_attr(params: dict) -> ir.Attribute:
    return ir.DictAttr.get({k: attr(v) for k, v in sorted(params.items())})


def run(module_op, options) -> None:
    from tigris.passes.registry import functions
    for func_op in functions(module_op):
        with func_op.location:
            _lower(func_op)
        func_op.erase()


PASS = Pass(
    "tigris-lower-to-plan",
    "Replace each planned function by a nested module of plan ops: pools, buffers at fixed "
    "offsets (constants and parameter arrays in flash) and kernel calls in schedule order",
    run, on_module=True)
