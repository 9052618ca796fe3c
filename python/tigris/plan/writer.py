"""The binary plan writer: a lowered plan module (tigris-lower-to-plan) -> `.tgrs` bytes.

The bytes depend only on the plan module and the weights: no time stamp, no
path, no dictionary order (the same input gives the same bytes).
"""
from __future__ import annotations

import zlib

import numpy as np
from mlir import ir

from tigris.dialects import op_attrs
from tigris.plan.format import (CALL, CALL_SINGLE_ROUNDING, CRC_OFFSET, DTYPE_BYTES, DTYPES,
                                HEADER, IO, IO_STATE, IO_UINT8, KERNELS, LAYOUTS, MAGIC, MAX_PARAMS,
                                MAX_RANK, MAX_SLOTS, MAX_TENSORS, NAME_SIZE, NO_TENSOR, OUT,
                                POOLS, ROUNDINGS, SCRATCH, STATE_PREFIX, TARGETS, TENSOR,
                                VERSION, WEIGHT_ALIGN, MAX_BYTES, MAX_ELEMENTS, PlanError,
                                PlanLimitError, layout_offsets)
from tigris.resources import WeightTable, resource_name

INT32 = (-(1 << 31), (1 << 31) - 1)


def _gib(n: int) -> str:
    return f"{n / 1024 ** 3:.2f} GiB ({n} bytes)"


def check_bytes(n: int, what: str) -> None:
    """A size or offset the format stores as u32."""
    if n > MAX_BYTES:
        raise PlanLimitError(f"{what} is {_gib(n)}; the plan format holds at most 4 GiB "
                             "(u32 sizes and offsets, docs/plan-format.md)")


def check_tensor_limits(func_op, label: str) -> None:
    """Before planning: every tensor of the function (`label`: the model's file
    name) fits a plan's tensor record (at most 2**31 - 1 elements)."""
    from tigris.irgraph import block_of
    block = block_of(func_op)
    values = list(block.arguments) + [r for op in block.operations for r in op.results]
    for v in values:
        if not isinstance(v.type, ir.RankedTensorType):
            continue
        shape = list(ir.RankedTensorType(v.type).shape)
        count = int(np.prod(shape, dtype=object))
        if count > MAX_ELEMENTS:
            what = (f"the result of {v.owner.name}" if isinstance(v, ir.OpResult)
                    else f"model input {v.arg_number}")
            raise PlanLimitError(f"{label}: {what} has {count} elements "
                                 f"({'x'.join(map(str, shape))}); a plan's tensors hold at most "
                                 f"{MAX_ELEMENTS} (docs/plan-format.md)")


def plan_modules(module) -> list:
    """The nested plan modules (one per lowered function) inside `module`."""
    op = getattr(module, "operation", module)
    return [o.operation for o in op.regions[0].blocks[0].operations
            if o.operation.name == "builtin.module"]


def _name_bytes(name: str) -> bytes:
    raw = name.encode("utf-8")[:NAME_SIZE - 1]
    while raw:          # never cut a UTF-8 sequence in half
        try:
            raw.decode("utf-8")
            break
        except UnicodeDecodeError:
            raw = raw[:-1]
    return raw.ljust(NAME_SIZE, b"\0")


def _element_dtype(t: ir.RankedTensorType) -> str:
    et = t.element_type
    if isinstance(et, ir.IntegerType) and et.width in (8, 32):
        return "i8" if et.width == 8 else "i32"
    raise PlanError(f"plan tensors are int8 or int32, not {et}")


def constant_bytes(data: ir.Attribute, t: ir.RankedTensorType, weights: WeightTable) -> bytes:
    """The little-endian bytes of a constant (dense_resource or dense elements)."""
    dtype = np.int8 if _element_dtype(t) == "i8" else np.dtype("<i4")
    shape = list(t.shape)
    name = resource_name(data)
    if name is not None:
        if name in weights.arrays:
            arr = np.asarray(weights.arrays[name])
        elif name in weights.blobs:
            arr = np.frombuffer(weights.blobs[name], dtype=dtype)
        else:
            raise PlanError(f"the data of constant '{name}' is not available")
    else:
        dense = ir.DenseElementsAttr(data)
        if dense.is_splat:
            arr = np.full(shape, ir.IntegerAttr(dense.get_splat_value()).value)
        else:
            arr = np.array(dense)
    arr = np.asarray(arr).astype(dtype).reshape(-1)
    if arr.size != int(np.prod(shape, dtype=np.int64)):
        raise PlanError(f"constant of {arr.size} elements for a tensor of shape {shape}")
    return arr.tobytes()


def _param_words(kernel, params: dict, rank: int, where: str) -> list[int]:
    words: list[int] = []
    for p in kernel.params:
        if p.name not in params:
            raise PlanError(f"{where}: parameter '{p.name}' is missing")
        v = params[p.name]
        if p.enum:
            if v not in p.enum:
                raise PlanError(f"{where}: unknown {kernel.name} {p.name} '{v}'")
            v = p.enum.index(v)
        values = [int(x) for x in v] if isinstance(v, list) else [int(v)]
        if p.variable:
            want = rank * p.per_rank
            if len(values) != want:
                raise PlanError(f"{where}: '{p.name}' has {len(values)} entries, want {want}")
        if len(values) > p.count:
            raise PlanError(f"{where}: '{p.name}' has {len(values)} entries, at most {p.count}")
        words += values + [0] * (p.count - len(values))
    for w in words:
        if not INT32[0] <= w <= INT32[1]:
            raise PlanError(f"{where}: parameter value {w} does not fit int32")
    return words + [0] * (MAX_PARAMS - len(words))


def _call_flags(kernel, rounding, where: str) -> int:
    """The call record's flags: bit 0 for `tigris.rounding = "single"` (requantizing
    kernels only); absent or "double" is the default double rounding."""
    if rounding is None or rounding == "double":
        return 0
    if rounding not in ROUNDINGS:
        raise PlanError(f"{where}: unknown rounding '{rounding}' (one of {', '.join(ROUNDINGS)})")
    if not kernel.requantizes:
        raise PlanError(f"{where}: single rounding on a kernel that does not requantize")
    return CALL_SINGLE_ROUNDING


def write_plan(plan_module, weights: WeightTable, label: str | None = None) -> bytes:
    """Serialize one nested plan module to the binary format; `label` (the model's
    file name) starts the message of an error."""
    try:
        return _write_plan(plan_module, weights)
    except PlanError as e:
        if label is None:
            raise
        raise type(e)(f"{label}: {e}") from None


def _write_plan(plan_module, weights: WeightTable) -> bytes:
    mod = getattr(plan_module, "operation", plan_module)
    ma = op_attrs(mod)
    name = ma.get("sym_name", "model")
    pools: dict[str, dict] = {}
    buffers: dict[str, dict] = {}
    calls: list[dict] = []
    for op in mod.regions[0].blocks[0].operations:
        op = op.operation
        a = op.attributes
        if op.name == "tigris.pool":
            pools[ir.StringAttr(a["sym_name"]).value] = {
                "space": ir.StringAttr(a["space"]).value, "size": ir.IntegerAttr(a["size"]).value,
                "alignment": ir.IntegerAttr(a["alignment"]).value}
        elif op.name == "tigris.buffer":
            t = ir.RankedTensorType(ir.TypeAttr(a["type"]).value)
            buffers[ir.StringAttr(a["sym_name"]).value] = {
                "pool": ir.StringAttr(a["pool"]).value, "offset": ir.IntegerAttr(a["offset"]).value,
                "size": ir.IntegerAttr(a["size"]).value, "type": t,
                "data": a["tigris.data"] if "tigris.data" in a else None}
        elif op.name == "tigris.call":
            ca = op_attrs(op)
            calls.append({"kernel": ca["kernel"], "inputs": ca["inputs"], "outputs": ca["outputs"],
                          "params": ca["params"], "stage": ca.get("stage", 0),
                          "scratch": ca.get("scratch", ""),
                          "rounding": ca.get("tigris.rounding"), "where": f"call {len(calls)} "
                          f"({ca['kernel']})"})
        else:
            raise PlanError(f"unexpected op '{op.name}' in a plan module")
    space_of = {p: v["space"] for p, v in pools.items()}

    # ---- tensor table: every buffer a call or the I/O uses, in first-use order
    index: dict[str, int] = {}
    records: list[bytes] = []

    def tensor(bname: str) -> int:
        if bname in index:
            return index[bname]
        if bname not in buffers:
            raise PlanError(f"buffer '{bname}' is not defined")
        b = buffers[bname]
        shape = list(b["type"].shape)
        dtype = DTYPES[_element_dtype(b["type"])]
        if len(shape) > MAX_RANK:
            raise PlanError(f"buffer '{bname}' has rank {len(shape)} (at most {MAX_RANK})")
        if b["size"] != int(np.prod(shape, dtype=np.int64)) * DTYPE_BYTES[dtype]:
            raise PlanError(f"buffer '{bname}': size {b['size']} does not match {shape}")
        if int(np.prod(shape, dtype=object)) > MAX_ELEMENTS:
            raise PlanLimitError(f"buffer '{bname}' of shape {shape} has more than "
                                 f"{MAX_ELEMENTS} elements, the most a plan's tensor holds")
        check_bytes(b["offset"] + b["size"], f"the end of buffer '{bname}'")
        pool = POOLS[space_of.get(b["pool"], b["pool"])]
        records.append(TENSOR.pack(pool, dtype, len(shape), 0, b["offset"], b["size"],
                                   *(shape + [0] * (MAX_RANK - len(shape)))))
        index[bname] = len(records) - 1
        if len(records) > MAX_TENSORS:
            raise PlanError(f"more than {MAX_TENSORS} tensors")
        return index[bname]

    call_records = []
    for c in calls:
        kernel = KERNELS.get(c["kernel"])
        if kernel is None:
            raise PlanError(f"{c['where']}: no runtime kernel")
        ins = iter(c["inputs"])
        slots = []
        for s in kernel.slots:
            if s.role == OUT:
                bname = c["outputs"][0]
            elif s.role == SCRATCH:
                bname = c["scratch"]
            else:
                bname = next(ins, "")
            if not bname:
                if not s.optional:
                    raise PlanError(f"{c['where']}: slot '{s.name}' is empty")
                slots.append(NO_TENSOR)
                continue
            slots.append(tensor(bname))
        rank = len(buffers[c["inputs"][0]]["type"].shape) if c["inputs"] else 0
        words = _param_words(kernel, c["params"], rank, c["where"])
        flags = _call_flags(kernel, c["rounding"], c["where"])
        slots += [NO_TENSOR] * (MAX_SLOTS - len(slots))
        call_records.append(CALL.pack(kernel.id, flags, c["stage"] & 0xFFFF, 0, *slots, *words))

    # ---- I/O descriptors
    ios = []
    state = {"in": {}, "out": {}}      # state variable name -> (size, zero point)
    specs = (ma.get("tigris.inputs") or [], ma.get("tigris.outputs") or [])
    for names, spec_list in zip((ma["tigris.plan_inputs"], ma["tigris.plan_outputs"]), specs):
        for i, bname in enumerate(names):
            b = buffers[bname]
            spec = spec_list[i] if i < len(spec_list) else {}
            shape = list(spec.get("shape", b["type"].shape))
            layout = spec.get("layout", "plain")
            flags = IO_UINT8 if spec.get("uint8") else 0
            io_name = spec.get("name", bname)
            if io_name.startswith(STATE_PREFIX):
                if flags:
                    raise PlanError(f"state variable '{io_name}' is uint8")
                flags = IO_STATE
                side = state["in" if names is ma["tigris.plan_inputs"] else "out"]
                side[io_name] = (buffers[bname]["size"], int(spec.get("zero_point", 0)))
            ios.append(IO.pack(tensor(bname), LAYOUTS[layout], flags,
                               int(spec.get("zero_point", 0)), float(spec.get("scale", 1.0)),
                               len(shape), *(shape + [0] * (MAX_RANK - len(shape))),
                               _name_bytes(spec.get("name", bname)), 0))

    if state["in"] != state["out"]:
        raise PlanError("the state variables' inputs and outputs do not pair up by name, "
                        "size and zero point")
    state_size = sum(size for size, _ in state["in"].values())
    check_bytes(state_size, "the state")

    # ---- weights: every flash buffer's data at its offset
    flash_pool = next((p for p, s in space_of.items() if s == "flash"), None)
    wsize = pools[flash_pool]["size"] if flash_pool else 0
    wsize = (wsize + WEIGHT_ALIGN - 1) // WEIGHT_ALIGN * WEIGHT_ALIGN
    check_bytes(wsize, "the weight section")
    weight_bytes = bytearray(wsize)
    for bname, b in buffers.items():
        if b["data"] is None:
            continue
        raw = constant_bytes(b["data"], b["type"], weights)
        if b["offset"] + len(raw) > wsize:
            raise PlanError(f"constant '{bname}' lies outside the flash pool")
        weight_bytes[b["offset"]:b["offset"] + len(raw)] = raw

    fast = next((v for v in pools.values() if v["space"] == "fast"), {"size": 0, "alignment": 16})
    slow = next((v for v in pools.values() if v["space"] == "slow"), {"size": 0})
    n_in, n_out = len(ma["tigris.plan_inputs"]), len(ma["tigris.plan_outputs"])
    t_off, c_off, io_off, w_off = layout_offsets(len(records), len(call_records), len(ios))
    size = w_off + wsize
    check_bytes(fast["size"], "the fast arena")
    check_bytes(slow["size"], "the slow arena")
    check_bytes(size, "the plan")
    header = HEADER.pack(MAGIC, VERSION, HEADER.size, size, 0,
                         TARGETS.get(ma.get("tigris.target", "reference"), 0), fast["size"],
                         slow["size"], fast["alignment"], len(records), t_off, len(call_records),
                         c_off, n_in, n_out, io_off, w_off, wsize, 0, state_size, 0, 0, 0, 0,
                         _name_bytes(name))
    out = bytearray(size)
    out[:len(header)] = header
    out[t_off:t_off + len(records) * TENSOR.size] = b"".join(records)
    out[c_off:c_off + len(call_records) * CALL.size] = b"".join(call_records)
    out[io_off:io_off + len(ios) * IO.size] = b"".join(ios)
    out[w_off:] = weight_bytes
    crc = zlib.crc32(bytes(out)) & 0xFFFFFFFF
    out[CRC_OFFSET:CRC_OFFSET + 4] = crc.to_bytes(4, "little")
    return bytes(out)


def weight_bytes_of(plan_module, params_only: bool = False) -> int:
    """Bytes of constant data in a plan module: weights and parameter arrays, or with
    params_only the per-channel arrays and tables alone (buffers named <node>.<attr>)."""
    from tigris.plan.format import BLOB_ATTRS
    mod = getattr(plan_module, "operation", plan_module)
    total = 0
    for op in mod.regions[0].blocks[0].operations:
        op = op.operation
        if op.name == "tigris.buffer" and "tigris.data" in op.attributes:
            name = ir.StringAttr(op.attributes["sym_name"]).value
            if params_only and name.rsplit(".", 1)[-1] not in BLOB_ATTRS:
                continue
            total += ir.IntegerAttr(op.attributes["size"]).value
    return total


__all__ = ["write_plan", "plan_modules", "constant_bytes", "weight_bytes_of"]
