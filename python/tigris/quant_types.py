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


def _strip(func_op) -> int:
    changed = 0
    block = func_op.regions[0].blocks[0]
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
