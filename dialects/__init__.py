"""The tigris dialect: loaded from `tigris.irdl.mlir`, plus small op builders.

IRDL ops have no generated Python classes, so ops are built with
`ir.Operation.create` from plain Python values (see `attr`).
"""
from __future__ import annotations

import os
import sys
import types

import numpy as np
from mlir import ir
from mlir.dialects import irdl

from tigris import kernels

IRDL_PATH = os.path.join(os.path.dirname(__file__), "tigris.irdl.mlir")

# The bindings look for a Python module of each dialect they wrap an op of
# (`mlir.dialects.<namespace>`) and do not remember a failed look-up: without
# this, every wrap of a tigris op searches sys.path again (half the time of a
# planning pipeline). IRDL ops have no generated classes, so the module is empty.
sys.modules.setdefault("mlir.dialects.tigris", types.ModuleType(
    "mlir.dialects.tigris", "The tigris dialect's (empty) Python op module: IRDL ops are "
    "built with ir.Operation.create."))

# One kernel op per kind of the kernel registry (tigris.kernels).
KERNEL_OPS = kernels.NAMES
PLAN_OPS = ("pool", "buffer", "call")


def load(ctx: ir.Context) -> None:
    """Register the tigris dialect in `ctx` (once: a second load aborts)."""
    if ctx.is_registered_operation("tigris.conv2d"):
        return
    with ctx:
        irdl.load_dialects(ir.Module.parseFile(IRDL_PATH))


def make_context() -> ir.Context:
    ctx = ir.Context()
    load(ctx)
    return ctx


def attr(value, kind: str | None = None) -> ir.Attribute:
    """Python value -> MLIR attribute.

    int -> i64 (or i32 with kind='i32'); str -> string; bool -> i64 0/1;
    list/tuple/ndarray of ints -> dense array (i64 by default, kind 'i8'/'i32');
    dict -> dictionary; an ir.Attribute passes through.
    """
    if isinstance(value, ir.Attribute):
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, ir.Attribute) for v in value):
        return ir.ArrayAttr.get(list(value))
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, (int, np.integer)):
        width = 32 if kind == "i32" else 64
        return ir.IntegerAttr.get(ir.IntegerType.get_signless(width), int(value))
    if isinstance(value, str):
        return ir.StringAttr.get(value)
    if isinstance(value, dict):
        return ir.DictAttr.get({k: attr(v) for k, v in value.items()})
    if isinstance(value, (list, tuple, np.ndarray)):
        if isinstance(value, np.ndarray) or not all(type(v) is int for v in value):
            values = [int(v) for v in np.asarray(value).reshape(-1)]
        else:       # a flat list of Python ints (most kernel attributes): as is
            values = list(value)
        if kind == "i8":
            return ir.DenseI8ArrayAttr.get(values)
        if kind == "i32":
            return ir.DenseI32ArrayAttr.get(values)
        return ir.DenseI64ArrayAttr.get(values)
    raise TypeError(f"no attribute form for {type(value).__name__}")


# Attributes whose dense arrays (and integers) are i32 or i8 rather than i64.
_ARRAY_KINDS = kernels.array_kinds()


def kernel_op(name: str, operands, result_type: ir.Type, attrs: dict | None = None,
              loc: ir.Location | None = None) -> ir.Operation:
    """Create `tigris.<name>` at the current insertion point."""
    attributes = {k: attr(v, _ARRAY_KINDS.get(k)) for k, v in (attrs or {}).items()}
    return ir.Operation.create(f"tigris.{name}", results=[result_type],
                               operands=list(operands), attributes=attributes, loc=loc)


# A kernel the importer computes itself and TOSA has no operator for (softmax,
# an index-table resize, one lookup table per channel, a dilated pool) is a
# `tosa.custom` of this domain: operator_name = the kernel kind,
# implementation_attrs = the kernel op's attribute dictionary as MLIR text.
# tigris-legalize turns it into the kernel op (`custom_attributes`).
CUSTOM_DOMAIN = "tigris"


def custom_kernel(name: str, operands, result_type: ir.Type, attrs: dict | None = None
                  ) -> ir.Value:
    """`tosa.custom` standing for `tigris.<name>` with `attrs`, at the current
    insertion point (see CUSTOM_DOMAIN)."""
    from mlir.dialects import tosa
    text = str(ir.DictAttr.get({k: attr(v, _ARRAY_KINDS.get(k))
                                for k, v in (attrs or {}).items()}))
    return tosa.custom([result_type], name, CUSTOM_DOMAIN, text, list(operands))


def custom_attributes(op) -> tuple[str, dict] | None:
    """(kernel kind, attributes) of a `tosa.custom` made by `custom_kernel`, else None."""
    a = op.attributes
    if op.name != "tosa.custom" or ir.StringAttr(a["domain_name"]).value != CUSTOM_DOMAIN:
        return None
    d = ir.DictAttr(ir.Attribute.parse(ir.StringAttr(a["implementation_attrs"]).value))
    return ir.StringAttr(a["operator_name"]).value, {d[i].name: d[i].attr for i in range(len(d))}


def attr_value(a: ir.Attribute):
    """MLIR attribute -> Python value (the inverse of `attr`)."""
    if isinstance(a, ir.BoolAttr):
        return a.value
    if isinstance(a, ir.IntegerAttr):
        return a.value
    if isinstance(a, ir.StringAttr):
        return a.value
    if isinstance(a, (ir.DenseI8ArrayAttr, ir.DenseI32ArrayAttr, ir.DenseI64ArrayAttr)):
        return list(a)
    if isinstance(a, (ir.BoolAttr, ir.FloatAttr)):
        return a.value
    if isinstance(a, ir.ArrayAttr):
        return [attr_value(x) for x in a]
    if isinstance(a, ir.DictAttr):
        return {a[i].name: attr_value(a[i].attr) for i in range(len(a))}
    if isinstance(a, ir.TypeAttr):
        return a.value
    return a


def op_attrs(op) -> dict:
    """All attributes of an op as a Python dict."""
    op = getattr(op, "operation", op)
    attrs = op.attributes
    return {attrs[i].name: attr_value(attrs[i].attr) for i in range(len(attrs))}
