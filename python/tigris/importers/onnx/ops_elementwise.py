"""Add, Sub, Mul, Sum, Mean and the unary activations (int8: lookup tables)."""
from __future__ import annotations

import numpy as np
from mlir import ir
from mlir.dialects import tosa

from tigris.importers.onnx.emit_core import EmitterBase, V
from tigris.importers.onnx.graph import Act, Const, QNode
from tigris.reference.fixedpoint import onnx_lut_tables

ADD_LEFT_SHIFT = 20   # TFLite's headroom for int8 add


def _operand(em: EmitterBase, x, layout: str, rank: int, ref: Act) -> ir.Value:
    """An elementwise operand in `layout`, as an activation value or a constant of equal rank."""
    if isinstance(x, Act):
        val = em.in_layout(em.get(x), layout)
        shape = list(ir.RankedTensorType(val.type).shape)
        return em.reshape(val, [1] * (rank - len(shape)) + shape)
    arr = x.value
    shape = [1] * (len(ref.shape) - arr.ndim) + list(arr.shape)
    arr = em.const_to_layout(arr.reshape(shape), layout)   # e.g. a per-channel [C,1] -> [1,1,1,C]
    if em.quantized:
        if x.scale is None:   # a float constant in an int8 graph: quantize it on its own scale
            real = arr.astype(np.float64)
            scale = max(float(np.abs(real).max()) / 127.0, 1e-12)
            q = np.clip(np.round(real / scale), -127, 127)
            x.scale, x.zp = np.array([scale]), np.array([0])
            arr = q
        elif np.asarray(x.scale).size > 1:
            em.fail(f"per-axis quantized constant '{x.name}' in an elementwise op is not supported")
        return em.const(arr.astype(np.int64), em.i8, f"{x.name}")
    return em.const(arr.astype(np.float32), em.f32, f"{x.name}")


def _qparams(x) -> tuple[float, int]:
    if isinstance(x, Act):
        return x.scale, x.zp
    return float(np.asarray(x.scale).reshape(-1)[0]), int(np.asarray(x.zp).reshape(-1)[0])


def convert_binary(em: EmitterBase, node: QNode) -> None:
    a, b = node.inputs[0], node.inputs[1]
    out = node.outputs[0]
    acts = [em.get(x) for x in (a, b) if isinstance(x, Act)]
    layout = em.layout_of_inputs(acts)
    if layout != "plain" and len(out.shape) != len(acts[0].act.shape):
        layout = "plain"   # a constant of higher rank broadcasts the output up
    out_shape = em.onnx_to_layout_shape(out.shape, layout)
    rank = len(out_shape)
    va = _operand(em, a, layout, rank, out)
    vb = _operand(em, b, layout, rank, out)
    if not em.quantized:
        t = em.tensor(out_shape)
        if node.op == "Add":
            y = tosa.add(t, va, vb)
        elif node.op == "Sub":
            y = tosa.sub(t, va, vb)
        else:
            y = tosa.mul(t, va, vb, em.zp(0, em.i8))
        y = y if node.clamp is None else em.clamp(y, *node.clamp)
        em.put(out, y, layout)
        return
    (s1, z1), (s2, z2) = _qparams(a), _qparams(b)
    t32 = em.tensor(out_shape, em.i32)
    shape_a = list(ir.RankedTensorType(va.type).shape)
    shape_b = list(ir.RankedTensorType(vb.type).shape)
    if node.op in ("Add", "Sub"):
        twice_max = 2.0 * max(s1, s2)
        a32 = em.rescale(va, em.i32, s1 / twice_max * (1 << ADD_LEFT_SHIFT), z1, 0, shape_a)
        b32 = em.rescale(vb, em.i32, s2 / twice_max * (1 << ADD_LEFT_SHIFT), z2, 0, shape_b)
        acc = (tosa.add if node.op == "Add" else tosa.sub)(t32, a32, b32)
        real_out = twice_max / ((1 << ADD_LEFT_SHIFT) * out.scale)
    else:
        a32 = em.rescale(va, em.i32, 1.0, z1, 0, shape_a)
        b32 = em.rescale(vb, em.i32, 1.0, z2, 0, shape_b)
        acc = tosa.mul(t32, a32, b32, em.zp(0, em.i8))
        real_out = s1 * s2 / out.scale
    y = em.rescale(acc, em.i8, real_out, 0, out.zp)
    y = em.clamp(y, *em.clamp_range(out, node.clamp))
    em.put(out, y, layout)


def convert_sum(em: EmitterBase, node: QNode) -> None:
    """Sum and Mean of any number of operands: a chain of int8 adds, each
    requantized to the output's scale (a Mean's to n times it, so that the
    codes of the sum are those of the mean: one rounding per add, no division).
    A float model's Mean multiplies by 1/n."""
    ins, out = node.inputs, node.outputs[0]
    if not any(isinstance(x, Act) for x in ins):
        em.fail(f"{node.op} of constants only")
    n = len(ins)
    mean = node.op == "Mean"
    scale = out.scale * n if (mean and em.quantized) else out.scale
    if n == 1:   # the identity, requantized to the output's scale
        v = em.get(ins[0])
        y = v.value
        if em.quantized and not ins[0].same_quant(out):
            y = em.rescale(y, em.i8, ins[0].scale / out.scale, ins[0].zp, out.zp)
        em.put(out, y, v.layout)
        return
    acc, shape = ins[0], tuple(ins[0].shape if isinstance(ins[0], Act) else ins[0].value.shape)
    for i, x in enumerate(ins[1:], 1):
        shape = tuple(np.broadcast_shapes(shape, tuple(x.shape if isinstance(x, Act)
                                                      else x.value.shape)))
        last = i == n - 1
        step = out if last and not mean else Act(f"{out.name}.sum{i}", shape, scale, out.zp)
        convert_binary(em, QNode(node.name, "Add", [acc, x], [step], {}, None))
        acc = step
    if not mean:
        return
    v = em.get(acc)
    y = v.value
    if not em.quantized:
        t = ir.RankedTensorType(y.type)
        k = em.const(np.full([1] * t.rank, 1.0 / n, np.float32), em.f32)
        y = tosa.mul(t, y, k, em.zp(0, em.i8))
    em.put(out, y, v.layout)


def _hardswish(x):
    return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0


def _unary_function(node: QNode):
    a = node.attrs
    op = node.op
    if op == "Relu":
        return lambda x: np.maximum(x, 0.0)
    if op == "Clip":
        lo, hi = node.attrs.get("_min", -np.inf), node.attrs.get("_max", np.inf)
        return lambda x: np.clip(x, lo, hi)
    if op == "LeakyRelu":
        alpha = float(a.get("alpha", 0.01))
        return lambda x: np.where(x >= 0, x, alpha * x)
    if op == "Sigmoid":
        return lambda x: 1.0 / (1.0 + np.exp(-x))
    if op == "Tanh":
        return np.tanh
    if op == "HardSwish":
        return _hardswish
    if op == "HardSigmoid":
        alpha, beta = float(a.get("alpha", 0.2)), float(a.get("beta", 0.5))
        return lambda x: np.clip(alpha * x + beta, 0.0, 1.0)
    return None


def clip_bounds(node: QNode) -> tuple[float, float]:
    lo, hi = node.attrs.get("min", -np.inf), node.attrs.get("max", np.inf)
    if len(node.inputs) > 1 and isinstance(node.inputs[1], Const):
        lo = float(node.inputs[1].real().reshape(-1)[0])
    if len(node.inputs) > 2 and isinstance(node.inputs[2], Const):
        hi = float(node.inputs[2].real().reshape(-1)[0])
    return min(lo, hi), hi   # min > max: every value becomes max (ONNX Clip)


def convert_unary(em: EmitterBase, node: QNode) -> None:
    x, out = node.inputs[0], node.outputs[0]
    v: V = em.get(x)
    if node.op == "Clip":
        node.attrs["_min"], node.attrs["_max"] = clip_bounds(node)
    t = ir.RankedTensorType(v.value.type)
    if em.quantized:
        if node.op in ("Relu", "Clip") and x.same_quant(out):
            lo, hi = (0.0, np.inf) if node.op == "Relu" else (node.attrs["_min"], node.attrs["_max"])
            y = em.clamp(v.value, *em.clamp_range(out, (lo, hi)))
            if y is v.value:   # the clamp is a no-op: an alias of the input
                em.put(out, v.value, v.layout)
                return
        else:
            f = _unary_function(node)
            table = [int(t) for t in onnx_lut_tables(f, x.scale, x.zp, out.scale, out.zp)[0]]
            y = tosa.table(t, v.value, em.const(np.array(table), em.i8))
        em.put(out, y, v.layout)
        return
    op = node.op
    if op == "Relu":
        y = em.clamp(v.value, 0.0, np.inf)
    elif op == "Clip":
        y = em.clamp(v.value, node.attrs["_min"], node.attrs["_max"])
    elif op == "Sigmoid":
        y = tosa.sigmoid(t, v.value)
    elif op == "Tanh":
        y = tosa.tanh(t, v.value)
    elif op == "LeakyRelu":
        alpha = em.const(np.full([1] * t.rank, float(node.attrs.get("alpha", 0.01))), em.f32)
        y = tosa.maximum(t, v.value, tosa.mul(t, v.value, alpha, em.zp(0, em.i8)))
    elif op in ("HardSwish", "HardSigmoid"):
        if op == "HardSwish":
            three = em.const(np.full([1] * t.rank, 3.0), em.f32)
            sixth = em.const(np.full([1] * t.rank, 1.0 / 6.0), em.f32)
            gate = em.clamp(tosa.add(t, v.value, three), 0.0, 6.0)
            y = tosa.mul(t, tosa.mul(t, v.value, gate, em.zp(0, em.i8)), sixth, em.zp(0, em.i8))
        else:
            alpha = em.const(np.full([1] * t.rank, float(node.attrs.get("alpha", 0.2))), em.f32)
            beta = em.const(np.full([1] * t.rank, float(node.attrs.get("beta", 0.5))), em.f32)
            y = em.clamp(tosa.add(t, tosa.mul(t, v.value, alpha, em.zp(0, em.i8)), beta), 0.0, 1.0)
    else:
        em.fail("operator not supported")
    em.put(out, y, v.layout)


def convert_requantize(em: EmitterBase, node: QNode) -> None:
    x, out = node.inputs[0], node.outputs[0]
    v = em.get(x)
    y = em.rescale(v.value, em.i8, x.scale / out.scale, x.zp, out.zp)
    em.put(out, y, v.layout)
