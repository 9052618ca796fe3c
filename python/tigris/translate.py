"""MLIR <-> binary plan, for `tigris translate`.

`mlir_to_plan`: a module already through the planning pipeline (tigris-opt with
legalize, schedule, [tile,] bufferize, liveness, assign-offsets; or already
lowered by tigris-lower-to-plan) -> tigris-lower-to-plan -> the bytes `tigris
compile` writes (the same writer and the same load checks). The weights are the
module's own constants: `dense<...>` literals or `dense_resource` blobs from the
text's `{-# dialect_resources #-}` section.

`plan_to_mlir`: a `.tgrs` read back into the plan ops tigris-lower-to-plan makes
(`tigris.pool`, `tigris.buffer`, `tigris.call` in a module), for inspection.
With the constants kept (elide=False) the text translates back to the same bytes.
"""
from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np
from mlir import ir

from tigris.dialects import attr, attr_value, make_context
from tigris.driver import Device, planning_pipeline
from tigris.errors import ModelError
from tigris.plan.format import CONST, IN, OUT, SCRATCH, PlanError
from tigris.resources import WeightTable, resource_name

BYTECODE_MAGIC = b"ML\xefR"
# What each planning pass leaves on the function, in pipeline order.
PLANNING_MARKS = (("tigris-schedule", "tigris.schedule"),
                  ("tigris-bufferize", "tigris.arg_buffers"),
                  ("tigris-liveness", "tigris.buffers"),
                  ("tigris-assign-offsets", "tigris.arena"))
_KEPT_OPS = ("tosa.const", "tosa.const_shape", "func.return")


def _what_is(data: bytes) -> str | None:
    """A short name for well-known non-MLIR contents (None: could be MLIR)."""
    if data.startswith(b"TGRS"):
        return "a TiGrIS plan (.tgrs), not MLIR; read it with --plan-to-mlir"
    if data.startswith(b"\x08") or data[4:8] == b"TFL3":
        return "an ONNX or TFLite model, not MLIR; use tigris compile"
    if not data.strip():
        return "an empty file, not MLIR"
    if b"\0" in data[:4096] and not data.startswith(BYTECODE_MAGIC):
        return "a binary file, not MLIR text or bytecode"
    return None


def parse_module(path: str) -> tuple[ir.Context, ir.Module, WeightTable]:
    """Read MLIR text or bytecode; one-line ModelError for anything else."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ModelError(f"cannot read '{path}': {e.strerror}") from None
    what = _what_is(data)
    if what is not None:
        raise ModelError(f"{path}: {what}")
    ctx = make_context()
    with ctx, ir.Location.unknown():
        try:
            module = ir.Module.parseFile(path)
        except ir.MLIRError as e:
            d = e.error_diagnostics[0] if e.error_diagnostics else None
            where = f"{d.location}: {d.message}" if d else str(e).splitlines()[0]
            where = where[4:].replace(")", "", 1) if where.startswith("loc(") else where
            raise ModelError(f"{path}: not valid MLIR ({where})") from None
        text = data.decode("utf-8", errors="replace") if not data.startswith(BYTECODE_MAGIC) \
            else module.operation.get_asm()
    return ctx, module, WeightTable.from_asm(text)


def _missing_passes(func_op) -> list[str]:
    """The planning passes whose marks the function lacks."""
    missing = []
    ops = [o.operation for o in func_op.regions[0].blocks[0].operations]
    if any(not o.name.startswith("tigris.") and o.name not in _KEPT_OPS for o in ops):
        missing.append("tigris-legalize")
    missing += [p for p, mark in PLANNING_MARKS if mark not in func_op.attributes]
    return missing


def _top_ops(module) -> list:
    return [o.operation for o in module.operation.regions[0].blocks[0].operations]


def mlir_to_plan(path: str):
    """A planned (or lowered) MLIR module -> plan.compiler.Compiled (the .tgrs bytes and
    their figures). ModelError (exit 2) for a file that is not MLIR or not planned."""
    from tigris.plan.compiler import lower
    from tigris.plan.writer import write_plan
    label = os.path.basename(path)
    ctx, module, weights = parse_module(path)
    with ctx, ir.Location.unknown():
        top = _top_ops(module)
        funcs = [o for o in top if o.name == "func.func"]
        plans = [o for o in top if o.name == "builtin.module"]
        if "tigris.plan_inputs" in module.operation.attributes:   # a plan module itself
            plans, funcs = [module.operation], []
        if plans and not funcs:           # already lowered by tigris-lower-to-plan
            if len(plans) != 1:
                raise ModelError(f"{path}: {len(plans)} plan modules; a plan file holds one")
            if _elided(plans[0], weights):
                raise ModelError(f"{path}: the constants were elided when this MLIR was "
                                 "printed (tigris compile --emit-mlir, --plan-to-mlir without "
                                 "--keep-constants): it cannot be translated")
            return _compiled_from_plan(write_plan(plans[0], weights, label), plans[0])
        if len(funcs) != 1:
            raise ModelError(f"{path}: expected one func.func to translate, found {len(funcs)}")
        func_op = funcs[0]
        missing = _missing_passes(func_op)
        if missing:
            pipe = planning_pipeline(Device())
            raise ModelError(f"{path}: the MLIR was not planned: missing {', '.join(missing)} "
                             f"(run tigris-opt --pass-pipeline='{pipe}' first)")
        try:
            arrays = {}
            for op in func_op.regions[0].blocks[0].operations:
                op = op.operation
                if op.name == "tosa.const" and resource_name(op.attributes["values"]):
                    arrays[resource_name(op.attributes["values"])] = weights.constant(op)
        except KeyError as e:
            raise ModelError(f"{path}: {e.args[0]} (was the file printed with elided "
                             "resources?)") from None
        arena = int(attr_value(func_op.attributes["tigris.arena"])["size"])
        return lower(ctx, SimpleNamespace(module=module, weights=arrays), label, arena)


def _elided(plan_op, weights: WeightTable) -> bool:
    """Whether a constant's data is missing (printed with large elements elided)."""
    for op in plan_op.regions[0].blocks[0].operations:
        op = op.operation
        if "tigris.data" in op.attributes:
            name = resource_name(op.attributes["tigris.data"])
            if name is not None and name not in weights.blobs:
                return True
    return False


def _compiled_from_plan(data: bytes, plan_op):
    from tigris.plan.compiler import Compiled
    from tigris.plan.reader import read_plan
    from tigris.plan.writer import weight_bytes_of
    try:
        plan = read_plan(data)
    except PlanError as e:
        raise PlanError(f"the plan fails the runtime's load checks: {e}") from None
    return Compiled(data, plan.name, plan.fast_size, weight_bytes_of(plan_op),
                    weight_bytes_of(plan_op, params_only=True), len(plan.calls),
                    plan_op.get_asm(large_elements_limit=16))


def _io_attr(d) -> ir.Attribute:
    return ir.DictAttr.get({
        "name": ir.StringAttr.get(d.name), "layout": ir.StringAttr.get(d.layout),
        "shape": ir.DenseI64ArrayAttr.get(list(d.shape)),
        "scale": ir.FloatAttr.get(ir.F64Type.get(), float(d.scale)),
        "zero_point": attr(int(d.zero_point)), "uint8": ir.BoolAttr.get(bool(d.uint8))})


def plan_to_mlir(path: str, elide: bool = True) -> str:
    """A .tgrs file -> the text of its plan module (constants over 16 elements elided
    unless `elide` is False)."""
    from tigris.plan.reader import read_plan_file
    plan = read_plan_file(path)
    ctx = make_context()
    names = [f"t{i}" for i in range(len(plan.tensors))]
    with ctx, ir.Location.unknown():
        i8, i32 = ir.IntegerType.get_signless(8), ir.IntegerType.get_signless(32)
        module = ir.Module.create()
        with ir.InsertionPoint(module.body):
            attrs = {"sym_name": attr(plan.name),
                     "tigris.plan_inputs": _strings([names[d.tensor] for d in plan.inputs]),
                     "tigris.plan_outputs": _strings([names[d.tensor] for d in plan.outputs]),
                     "tigris.inputs": ir.ArrayAttr.get([_io_attr(d) for d in plan.inputs]),
                     "tigris.outputs": ir.ArrayAttr.get([_io_attr(d) for d in plan.outputs]),
                     "tigris.target": attr(plan.target)}
            pm = ir.Operation.create("builtin.module", regions=1, attributes=attrs)
        pm.regions[0].blocks.append()
        with ir.InsertionPoint(pm.regions[0].blocks[0]):
            pools = [("fast", plan.fast_size, plan.alignment)]
            if plan.slow_size:
                pools.append(("slow", plan.slow_size, plan.alignment))
            pools.append(("flash", len(plan.weights), 16))
            for pool, size, al in pools:
                ir.Operation.create("tigris.pool", attributes={
                    "sym_name": attr(pool), "space": attr(pool), "size": attr(size),
                    "alignment": attr(al)})
            for index, (name, t) in enumerate(zip(names, plan.tensors)):
                ty = ir.RankedTensorType.get(t.shape, i8 if t.dtype == "i8" else i32)
                a = {"sym_name": attr(name), "pool": attr(t.pool), "offset": attr(t.offset),
                     "size": attr(t.size), "type": ir.TypeAttr.get(ty)}
                if t.pool == "flash":
                    values = plan.constant(index)
                    a["tigris.data"] = ir.DenseElementsAttr.get(
                        np.ascontiguousarray(values.reshape(t.shape)), type=ty)
                ir.Operation.create("tigris.buffer", attributes=a)
            for c in plan.calls:
                k = c.kernel
                slot = dict(zip((s.name for s in k.slots), c.tensors))
                ins = [names[slot[s.name]] if slot[s.name] is not None else ""
                       for s in k.slots if s.role in (IN, CONST)]
                out = [names[slot[s.name]] for s in k.slots if s.role == OUT]
                first = next((t for s, t in zip(k.slots, c.tensors)
                              if s.role in (IN, CONST) and t is not None), None)
                rank = len(plan.tensors[first].shape) if first is not None else 0
                a = {"kernel": attr(k.name), "inputs": _strings(ins), "outputs": _strings(out),
                     "params": ir.DictAttr.get({n: attr(v) for n, v in
                                                sorted(c.params(rank).items())}),
                     "stage": attr(c.stage)}
                scratch = [names[slot[s.name]] for s in k.slots
                           if s.role == SCRATCH and slot[s.name] is not None]
                if scratch:
                    a["scratch"] = attr(scratch[0])
                if c.rounding == "single":
                    a["tigris.rounding"] = attr("single")
                ir.Operation.create("tigris.call", attributes=a)
        text = module.operation.get_asm(large_elements_limit=16 if elide else None)
    return f"// {os.path.basename(path)}: {plan.size} bytes, target {plan.target}\n{text}"


def _strings(names: list[str]) -> ir.Attribute:
    return ir.ArrayAttr.get([ir.StringAttr.get(n) for n in names])


__all__ = ["mlir_to_plan", "plan_to_mlir", "parse_module"]
