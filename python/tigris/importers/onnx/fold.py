"""Constant folding of the small shape subgraphs exporters leave in models
(Shape -> Gather -> Unsqueeze -> Concat -> Reshape, Cast, ...), in numpy."""
from __future__ import annotations

import numpy as np
from onnx import helper, numpy_helper

from tigris.errors import ModelError

FOLDABLE = {"Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast", "Mul",
            "Add", "Sub", "Div", "Reshape", "Identity", "ConstantOfShape", "Range", "Floor",
            "Ceil", "Sqrt", "Transpose", "Flatten", "Equal", "Where", "Neg", "ReduceProd"}


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _axes(node, values, a):
    if len(values) > 1 and values[1] is not None:
        return [int(x) for x in np.asarray(values[1]).reshape(-1)]
    return a.get("axes")


def fold_node(node, values: list) -> list[np.ndarray]:
    """Evaluate `node` on constant numpy inputs; returns its outputs."""
    op, a = node.op_type, _attrs(node)
    x = values[0] if values else None
    if op == "Constant":
        for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
            if key in a:
                v = a[key]
                if key == "value":
                    return [numpy_helper.to_array(v)]
                return [np.asarray(v, np.float32 if "float" in key else np.int64)]
        raise ModelError(f"node '{node.name or node.output[0]}' (Constant): unsupported value kind")
    if op == "Shape":
        start, end = a.get("start", 0), a.get("end", None)
        return [np.asarray(x, np.int64)[start:end]]
    if op == "Gather":
        return [np.take(x, np.asarray(values[1]), axis=a.get("axis", 0))]
    if op == "Unsqueeze":
        out = np.asarray(x)
        for ax in sorted(int(v) % (out.ndim + len(_axes(node, values, a))) for v in _axes(node, values, a)):
            out = np.expand_dims(out, ax)
        return [out]
    if op == "Squeeze":
        axes = _axes(node, values, a)
        return [np.squeeze(x, axis=tuple(axes) if axes else None)]
    if op == "Concat":
        return [np.concatenate([np.atleast_1d(v) for v in values], axis=a.get("axis", 0))]
    if op == "Slice":
        starts, ends = np.asarray(values[1]), np.asarray(values[2])
        axes = np.asarray(values[3]) if len(values) > 3 and values[3] is not None else np.arange(len(starts))
        steps = np.asarray(values[4]) if len(values) > 4 and values[4] is not None else np.ones(len(starts), np.int64)
        sl = [slice(None)] * np.ndim(x)
        for s, e, ax, st in zip(starts, ends, axes, steps):
            sl[int(ax)] = slice(int(s), int(e), int(st))
        return [np.asarray(x)[tuple(sl)]]
    if op == "Cast":
        from onnx import helper as h
        return [np.asarray(x).astype(h.tensor_dtype_to_np_dtype(a["to"]))]
    if op in ("Mul", "Add", "Sub", "Div", "Equal"):
        f = {"Mul": np.multiply, "Add": np.add, "Sub": np.subtract, "Equal": np.equal,
             "Div": lambda p, q: (p // q) if np.issubdtype(np.asarray(p).dtype, np.integer) else p / q}[op]
        return [np.asarray(f(x, values[1]))]
    if op == "Where":
        return [np.where(values[0], values[1], values[2])]
    if op == "Reshape":
        shape = [int(s) for s in np.asarray(values[1])]
        shape = [np.shape(x)[i] if s == 0 and not a.get("allowzero", 0) else s for i, s in enumerate(shape)]
        return [np.reshape(x, shape)]
    if op == "Identity":
        return [x]
    if op == "ConstantOfShape":
        v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return [np.full([int(s) for s in np.asarray(x)], v.reshape(-1)[0], dtype=v.dtype)]
    if op == "Range":
        return [np.arange(values[0], values[1], values[2])]
    if op in ("Floor", "Ceil", "Sqrt", "Neg"):
        return [{"Floor": np.floor, "Ceil": np.ceil, "Sqrt": np.sqrt, "Neg": np.negative}[op](x)]
    if op == "Transpose":
        return [np.transpose(x, a.get("perm"))]
    if op == "Flatten":
        ax = a.get("axis", 1)
        s = np.shape(x)
        return [np.reshape(x, (int(np.prod(s[:ax])), -1))]
    if op == "ReduceProd":
        return [np.asarray(np.prod(x, keepdims=bool(a.get("keepdims", 1))))]
    raise ModelError(f"node '{node.name or node.output[0]}' ({op}): cannot fold")
