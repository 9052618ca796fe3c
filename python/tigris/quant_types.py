"""TOSA with `!quant.uniform` element types (as TFLite -> TOSA emits it) -> the
same TOSA on the storage integer types.

In TOSA 1.0 the zero points are operands and the scales live in tosa.rescale,
so a quantized element type only restates them; its storage type (i8) is what
the ops compute on. Constants already hold storage values (a dense attribute
cannot have a quantized element type). Unsigned storage is refused: it needs
the rescales' *_unsigned forms, which tigris-legalize does not take.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import quant

from tigris.passes.registry import PassError


def _storage(t: ir.Type, where: ir.Location) -> ir.Type | None:
    """The tensor type on storage integers, or None if t has no quantized elements."""
    if not isinstance(t, ir.RankedTensorType) or not isinstance(t.element_type, quant.QuantizedType):
        return None
    q = quant.QuantizedType(t.element_type)
    if not q.is_signed:
        raise PassError(f"unsigned quantized storage ({t.element_type}) is not supported: "
                        "use signed int8 storage (i8)", where)
    return ir.RankedTensorType.get(t.shape, q.storage_type)


def strip_quant_types(func_op) -> int:
    """Retype every quantized value of func_op (arguments, results, signature) to
    its storage type; returns how many values changed."""
    with func_op.location:
        return _strip(func_op)


def _io_spec(t: ir.Type, name: str) -> ir.Attribute:
    """The plan I/O record of a function argument or result: a per-tensor
    quantized type gives the scale and zero point `tigris run` quantizes with."""
    d = {"name": ir.StringAttr.get(name), "layout": ir.StringAttr.get("plain"),
         "shape": ir.DenseI64ArrayAttr.get(list(ir.RankedTensorType(t).shape))}
    et = t.element_type
    if isinstance(et, quant.UniformQuantizedType):
        d["scale"] = ir.FloatAttr.get(ir.F64Type.get(), float(et.scale))
        d["zero_point"] = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(et.zero_point))
        d["uint8"] = ir.BoolAttr.get(False)
    return ir.DictAttr.get(d)


def _record_io(func_op) -> None:
    """tigris.inputs / tigris.outputs from the signature's quantized types, unless the
    function has them (an importer's)."""
    ftype = ir.FunctionType(ir.TypeAttr(func_op.attributes["function_type"]).value)
    for key, types, prefix in (("tigris.inputs", ftype.inputs, "input"),
                               ("tigris.outputs", ftype.results, "output")):
        if key in func_op.attributes or not all(isinstance(t, ir.RankedTensorType)
                                                for t in types):
            continue
        if any(isinstance(t.element_type, quant.UniformQuantizedType) for t in types):
            func_op.attributes[key] = ir.ArrayAttr.get(
                [_io_spec(t, f"{prefix}{i}") for i, t in enumerate(types)])


def _strip(func_op) -> int:
    changed = 0
    block = func_op.regions[0].blocks[0]
    _record_io(func_op)
    for arg in block.arguments:
        new = _storage(arg.type, func_op.location)
        if new is not None:
            arg.set_type(new)
            changed += 1

    def visit(op):
        nonlocal changed
        for r in op.results:
            new = _storage(r.type, op.location)
            if new is not None:
                r.set_type(new)
                changed += 1
        return ir.WalkResult.ADVANCE

    func_op.walk(visit)
    if changed:
        ftype = ir.FunctionType(ir.TypeAttr(func_op.attributes["function_type"]).value)
        results = [_storage(t, func_op.location) or t for t in ftype.results]
        func_op.attributes["function_type"] = ir.TypeAttr.get(
            ir.FunctionType.get([a.type for a in block.arguments], results))
    return changed
