"""Elementwise functions of one activation: int8 lookup tables (float: TOSA ops).

Handled here: the unary operators Elu, Selu, Celu, Softplus, Softsign, Exp,
Log, Sqrt, Reciprocal, Abs, Neg, Erf, Gelu, Mish, ThresholdedRelu, Floor,
Ceil and Round; Div, Pow, Max, Min and PRelu whose other operands are
constants; and chains of elementwise float operators that onnxruntime's
quantize_static leaves between one DequantizeLinear and one QuantizeLinear
(the resolver hands such a chain over as its last node, the earlier ones in
attrs["_chain"]; see resolve.py).

Each is a function of the one activation, so its int8 form is a lookup
table, computed the way onnxruntime runs the QDQ group: float32 dequantize,
the float function (float64, rounded to float32 after each operator, as
onnxruntime keeps float32 tensors between them), then QuantizeLinear with
round half to even and saturation (fixedpoint.onnx_lut_tables). Inputs for
which the function is not finite saturate: +inf -> 127, -inf -> -128, and
NaN (Log or Sqrt of a negative value, Pow of a negative base, 0/0) -> -128,
which is what onnxruntime's QuantizeLinear gives on x86.

A constant operand may be a scalar or vary along one axis, the one that is
the last axis of the stored activation (the channels of an NHWC image): then
every channel gets its own table and the op is tigris.lut with C x 256
entries (entry c * 256 + q + 128 for channel c), emitted directly; with one
table it is a tosa.table, legalized to tigris.lut like the other activations.
"""
from __future__ import annotations

import math

import numpy as np
from mlir import ir
from mlir.dialects import tosa

from tigris.dialects import custom_kernel
from tigris.errors import ModelError
from tigris.importers.onnx.emit_core import EmitterBase
from tigris.importers.onnx.graph import Act, Const, QNode
from tigris.reference.fixedpoint import onnx_lut_tables

SELU_ALPHA = 1.67326319217681884765625    # the ONNX defaults
SELU_GAMMA = 1.05070102214813232421875
GELU_MODES = ("none", "tanh")

# Operators converted here (also as a single node).
LUT_UNARY = {"Elu", "Selu", "Celu", "Softplus", "Softsign", "Exp", "Log", "Sqrt", "Reciprocal",
             "Abs", "Neg", "Erf", "Gelu", "Mish", "ThresholdedRelu", "Floor", "Ceil", "Round"}
LUT_CONST = {"Div", "Pow", "Max", "Min", "PRelu"}
LUT_OPS = LUT_UNARY | LUT_CONST
# Operators that may also be a step of a float chain (converted elsewhere when alone).
CHAIN_ONLY = {"Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid",
              "Add", "Sub", "Mul"}
CHAIN_OPS = LUT_OPS | CHAIN_ONLY

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _softplus(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _attr(node: QNode, name: str, default: float) -> float:
    return float(node.attrs.get(name, default))


def _gelu_mode(node: QNode) -> str:
    mode = node.attrs.get("approximate", "none")
    return mode.decode() if isinstance(mode, bytes) else str(mode)


def _unary(node: QNode, x: np.ndarray) -> np.ndarray:
    """The ONNX function of a unary operator on float64 values."""
    op = node.op
    if op == "Relu":
        return np.maximum(x, 0.0)
    if op == "LeakyRelu":
        return np.where(x >= 0, x, _attr(node, "alpha", 0.01) * x)
    if op == "Sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if op == "Tanh":
        return np.tanh(x)
    if op == "HardSwish":
        return x * np.clip(x / 6.0 + 0.5, 0.0, 1.0)
    if op == "HardSigmoid":
        return np.clip(_attr(node, "alpha", 0.2) * x + _attr(node, "beta", 0.5), 0.0, 1.0)
    if op == "Elu":
        return np.where(x >= 0, x, _attr(node, "alpha", 1.0) * np.expm1(x))
    if op == "Selu":
        alpha, gamma = _attr(node, "alpha", SELU_ALPHA), _attr(node, "gamma", SELU_GAMMA)
        return gamma * np.where(x > 0, x, alpha * np.expm1(x))
    if op == "Celu":
        alpha = _attr(node, "alpha", 1.0)
        return np.maximum(x, 0.0) + np.minimum(0.0, alpha * np.expm1(x / alpha))
    if op == "Softplus":
        return _softplus(x)
    if op == "Softsign":
        return x / (1.0 + np.abs(x))
    if op == "Exp":
        return np.exp(x)
    if op == "Log":
        return np.log(x)
    if op == "Sqrt":
        return np.sqrt(x)
    if op == "Reciprocal":
        return 1.0 / x
    if op == "Abs":
        return np.abs(x)
    if op == "Neg":
        return -x
    if op == "Erf":
        return _erf(x)
    if op == "Gelu":
        if _gelu_mode(node) == "tanh":
            return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))
    if op == "Mish":
        return x * np.tanh(_softplus(x))
    if op == "ThresholdedRelu":
        return np.where(x > _attr(node, "alpha", 1.0), x, 0.0)
    if op == "Floor":
        return np.floor(x)
    if op == "Ceil":
        return np.ceil(x)
    if op == "Round":
        return np.rint(x)       # half to even, as ONNX Round
    raise ValueError(op)


def _evaluate(node: QNode, vals: list) -> np.ndarray:
    """The operator on float64 operand values (the activation among them; None
    for an absent optional input)."""
    op = node.op
    if op == "Div":
        return vals[0] / vals[1]
    if op == "Pow":
        return np.power(vals[0], vals[1])
    if op in ("Max", "Min"):
        out = vals[0]
        for v in vals[1:]:
            out = np.maximum(out, v) if op == "Max" else np.minimum(out, v)
        return out
    if op == "PRelu":
        return np.where(vals[0] < 0, vals[1] * vals[0], vals[0])
    if op == "Add":
        return vals[0] + vals[1]
    if op == "Sub":
        return vals[0] - vals[1]
    if op == "Mul":
        return vals[0] * vals[1]
    if op == "Clip":
        lo = vals[1] if len(vals) > 1 and vals[1] is not None else _attr(node, "min", -np.inf)
        hi = vals[2] if len(vals) > 2 and vals[2] is not None else _attr(node, "max", np.inf)
        return np.minimum(np.maximum(vals[0], lo), hi)
    x = next(v for v, i in zip(vals, node.inputs) if isinstance(i, Act))
    return _unary(node, x)


def output_range_quant(steps: list[QNode], src: Act) -> tuple[float, int] | None:
    """(scale, zero point) for the float result of elementwise `steps` applied
    to int8 activation `src` when nothing quantizes it (a graph output): its
    at most 256 values, dequantized and evaluated as convert_lut does, span the
    int8 range (0 included). None when a constant is not a scalar or no value
    is finite."""
    from tigris.reference.fixedpoint import dequantize_f32
    y = dequantize_f32(np.arange(-128, 128), src.scale, src.zp).astype(np.float64)
    with np.errstate(all="ignore"):
        for st in steps:
            vals = []
            for i in st.inputs:
                if isinstance(i, Act):
                    vals.append(y)
                elif i is None:
                    vals.append(None)
                elif isinstance(i, Const) and i.real().size == 1:
                    vals.append(float(i.real().reshape(-1)[0]))
                else:
                    return None
            y = np.asarray(_evaluate(st, vals), dtype=np.float64).astype(np.float32)
    y = y[np.isfinite(y)].astype(np.float64)
    if not y.size:
        return None
    lo, hi = min(float(y.min()), 0.0), max(float(y.max()), 0.0)
    scale = (hi - lo) / 255.0 if hi > lo else 1.0
    return scale, int(np.clip(np.round(-128 - lo / scale), -128, 127))


def _fail(em: EmitterBase, step: QNode, reason: str):
    if step is em.node:
        em.fail(reason)
    raise ModelError(f"node '{step.name}' ({step.op}): {reason}")


def _check_step(em: EmitterBase, step: QNode) -> None:
    acts = [x for x in step.inputs if isinstance(x, Act)]
    if len(acts) != 1:
        _fail(em, step, f"{len(acts)} activation inputs: only an elementwise function of one "
                        "activation (its other operands constant) is supported")
    if step.op == "Gelu" and _gelu_mode(step) not in GELU_MODES:
        _fail(em, step, f"approximate='{_gelu_mode(step)}' is not supported "
                        f"({' or '.join(GELU_MODES)})")
    if step.op == "Celu" and _attr(step, "alpha", 1.0) == 0.0:
        _fail(em, step, "alpha=0 is not supported (Celu divides by alpha)")


def _full(em: EmitterBase, step: QNode, c: Const, shape: tuple) -> np.ndarray:
    """A constant operand broadcast to the activation's ONNX shape (its float32 value)."""
    arr = np.asarray(c.real(), dtype=np.float64).astype(np.float32).astype(np.float64)
    try:
        ok = tuple(np.broadcast_shapes(arr.shape, shape)) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        _fail(em, step, f"constant '{c.name}' of shape {list(arr.shape)} does not broadcast to "
                        f"the activation's shape {list(shape)} (the output would grow)")
    return np.broadcast_to(arr, shape)


def _layouts(v, rank: int) -> list[str]:
    out = [v.layout] + {4: ["nhwc"], 3: ["nlc"]}.get(rank, []) + ["plain"]
    return list(dict.fromkeys(out))


def _channel_vectors(em: EmitterBase, fulls: list, layout: str) -> list | None:
    """Each constant (full ONNX shape) as one value per channel of `layout`'s
    last axis, or None if one of them varies along another axis."""
    out = []
    for arr in fulls:
        stored = em.const_to_layout(arr, layout)
        c = stored.shape[-1] if stored.ndim else 1
        rows = stored.reshape(-1, c)
        if not (rows == rows[:1]).all():
            return None
        out.append(rows[0].copy())
    return out


def convert_lut(em: EmitterBase, node: QNode) -> None:
    steps = list(node.attrs.get("_chain", [])) + [node]
    for st in steps:
        _check_step(em, st)
    if not em.quantized:
        convert_float(em, node)
        return
    src = next(x for x in steps[0].inputs if isinstance(x, Act))
    out = node.outputs[0]
    v = em.get(src)
    shape = tuple(src.shape)
    where = [(si, ii) for si, st in enumerate(steps) for ii, x in enumerate(st.inputs)
             if isinstance(x, Const)]
    fulls = [_full(em, steps[si], steps[si].inputs[ii], shape) for si, ii in where]
    if tuple(out.shape) != shape:
        em.fail(f"output shape {list(out.shape)} differs from the input's {list(shape)}")
    layout, vectors = v.layout, [np.full(1, a.reshape(-1)[0]) if a.size else np.zeros(1)
                                 for a in fulls]
    if any(not (a == a.reshape(-1)[:1]).all() for a in fulls if a.size):
        for cand in _layouts(v, len(shape)):
            vectors = _channel_vectors(em, fulls, cand)
            if vectors is not None:
                layout = cand
                break
        else:
            names = ", ".join(f"'{steps[si].inputs[ii].name}'" for (si, ii), a in zip(where, fulls)
                              if not (a == a.reshape(-1)[:1]).all())
            em.fail(f"constant {names} varies along more than one axis, or along an axis that "
                    "is not the channel axis: only scalar or per-channel constants are supported")
    channels = max(len(vec) for vec in vectors) if vectors else 1
    params = {}
    for (si, ii), vec in zip(where, vectors):
        params[(si, ii)] = vec.reshape(-1, 1) if len(vec) > 1 else float(vec[0])

    def f(x):
        y = x
        for si, st in enumerate(steps):
            vals = [y.astype(np.float64) if isinstance(i, Act) else params.get((si, ii))
                    for ii, i in enumerate(st.inputs)]
            y = np.asarray(_evaluate(st, vals), dtype=np.float64).astype(np.float32)
        return y

    tables = onnx_lut_tables(f, src.scale, src.zp, out.scale, out.zp)
    lo, hi = em.clamp_range(out, node.clamp)
    tables = np.clip(tables, lo, hi)
    if tables.shape[0] > 1 and (tables == tables[:1]).all():
        tables = tables[:1]
    if tables.shape[0] == 1:
        t = ir.RankedTensorType(v.value.type)
        y = tosa.table(t, v.value, em.const(tables[0], em.i8))
        em.put(out, y, v.layout)
        return
    val = em.in_layout(v, layout)
    stored = list(ir.RankedTensorType(val.type).shape)
    assert stored and stored[-1] == channels == tables.shape[0], (stored, channels)
    y = custom_kernel("lut", [val], val.type, {"table": tables.reshape(-1)})
    em.put(out, y, layout)


# --------------------------------------------------------------- float models

class _FloatOps:
    """TOSA float ops on tensors of one type; Python numbers become constants."""

    def __init__(self, em: EmitterBase, t: ir.RankedTensorType):
        self.em, self.t = em, t
        self.bool_t = ir.RankedTensorType.get(list(t.shape), ir.IntegerType.get_signless(1))

    def v(self, a):
        if isinstance(a, (int, float)):
            return self.em.const(np.full([1] * self.t.rank, float(a)), self.em.f32)
        return a

    def add(self, a, b): return tosa.add(self.t, self.v(a), self.v(b))
    def sub(self, a, b): return tosa.sub(self.t, self.v(a), self.v(b))
    def mul(self, a, b): return tosa.mul(self.t, self.v(a), self.v(b), self.em.zp(0, self.em.i8))
    def max(self, a, b): return tosa.maximum(self.t, self.v(a), self.v(b))
    def min(self, a, b): return tosa.minimum(self.t, self.v(a), self.v(b))
    def pow(self, a, b): return tosa.pow(self.t, self.v(a), self.v(b))
    def exp(self, a): return tosa.exp(self.t, a)
    def log(self, a): return tosa.log(self.t, a)
    def abs(self, a): return tosa.abs(self.t, a)
    def erf(self, a): return tosa.erf(self.t, a)
    def tanh(self, a): return tosa.tanh(self.t, a)
    def floor(self, a): return tosa.floor(self.t, a)
    def ceil(self, a): return tosa.ceil(self.t, a)
    def recip(self, a): return tosa.reciprocal(self.t, self.v(a))
    def ge(self, a, b): return tosa.greater_equal(self.bool_t, self.v(a), self.v(b))
    def gt(self, a, b): return tosa.greater(self.bool_t, self.v(a), self.v(b))
    def select(self, c, a, b): return tosa.select(self.t, c, self.v(a), self.v(b))

    def softplus(self, x):
        return self.log(self.add(self.exp(x), 1.0))

    def round_half_even(self, x):
        r = self.floor(x)
        d = self.sub(x, r)
        odd = self.sub(r, self.mul(self.floor(self.mul(r, 0.5)), 2.0))
        up = self.select(self.gt(d, 0.5), 1.0, self.select(self.ge(d, 0.5), odd, 0.0))
        return self.add(r, up)


def _float_unary(F: _FloatOps, node: QNode, x):
    op = node.op
    if op == "Elu":
        return F.select(F.ge(x, 0.0), x, F.mul(_attr(node, "alpha", 1.0), F.sub(F.exp(x), 1.0)))
    if op == "Selu":
        neg = F.mul(_attr(node, "alpha", SELU_ALPHA), F.sub(F.exp(x), 1.0))
        return F.mul(_attr(node, "gamma", SELU_GAMMA), F.select(F.gt(x, 0.0), x, neg))
    if op == "Celu":
        alpha = _attr(node, "alpha", 1.0)
        neg = F.mul(alpha, F.sub(F.exp(F.mul(x, 1.0 / alpha)), 1.0))
        return F.add(F.max(x, 0.0), F.min(neg, 0.0))
    if op == "Softplus":
        return F.softplus(x)
    if op == "Softsign":
        return F.mul(x, F.recip(F.add(F.abs(x), 1.0)))
    if op == "Exp":
        return F.exp(x)
    if op == "Log":
        return F.log(x)
    if op == "Sqrt":
        return F.pow(x, 0.5)
    if op == "Reciprocal":
        return F.recip(x)
    if op == "Abs":
        return F.abs(x)
    if op == "Neg":
        return F.mul(x, -1.0)
    if op == "Erf":
        return F.erf(x)
    if op == "Gelu":
        half = F.mul(x, 0.5)
        if _gelu_mode(node) == "tanh":
            cube = F.mul(x, F.mul(x, x))
            inner = F.mul(math.sqrt(2.0 / math.pi), F.add(x, F.mul(cube, 0.044715)))
            return F.mul(half, F.add(F.tanh(inner), 1.0))
        return F.mul(half, F.add(F.erf(F.mul(x, 1.0 / math.sqrt(2.0))), 1.0))
    if op == "Mish":
        return F.mul(x, F.tanh(F.softplus(x)))
    if op == "ThresholdedRelu":
        return F.select(F.gt(x, _attr(node, "alpha", 1.0)), x, 0.0)
    if op == "Floor":
        return F.floor(x)
    if op == "Ceil":
        return F.ceil(x)
    if op == "Round":
        return F.round_half_even(x)
    raise ValueError(op)


def convert_float(em: EmitterBase, node: QNode) -> None:
    """A float model: the operator as TOSA float ops (no chains in float models)."""
    from tigris.importers.onnx.ops_elementwise import _operand
    x = next(i for i in node.inputs if isinstance(i, Act))
    out = node.outputs[0]
    v = em.get(x)
    shape = tuple(x.shape)
    for c in node.inputs:
        if isinstance(c, Const):
            _full(em, node, c, shape)
    if tuple(out.shape) != shape:
        em.fail(f"output shape {list(out.shape)} differs from the input's {list(shape)}")
    t = ir.RankedTensorType(v.value.type)
    F = _FloatOps(em, t)
    op = node.op
    if op in LUT_UNARY:
        y = _float_unary(F, node, v.value)
    else:
        vals = [v.value if isinstance(i, Act) else
                _operand(em, i, v.layout, t.rank, out) for i in node.inputs if i is not None]
        if op == "Div" and isinstance(node.inputs[1], Const):   # x / c = x * (1 / c)
            c = node.inputs[1]
            with np.errstate(divide="ignore"):
                inv = Const(c.name + ".reciprocal", (1.0 / c.real()).astype(np.float32))
            y = F.mul(vals[0], _operand(em, inv, v.layout, t.rank, out))
        elif op == "Div":
            y = F.mul(vals[0], F.recip(vals[1]))
        elif op == "Pow":
            y = F.pow(vals[0], vals[1])
        elif op in ("Max", "Min"):
            y = vals[0]
            for b in vals[1:]:
                y = F.max(y, b) if op == "Max" else F.min(y, b)
        elif op == "PRelu":
            y = F.select(F.ge(vals[0], 0.0), vals[0], F.mul(vals[0], vals[1]))
        else:
            em.fail("operator not supported")
    em.put(out, y, v.layout)


# ------------------------------------------------------- standing BatchNorm

def _onnx_f32(c: Const) -> np.ndarray:
    """A constant as onnxruntime holds it: float32, dequantized in float32."""
    if c.scale is None:
        return np.asarray(c.value, np.float32)
    v = np.asarray(c.value, np.int64)
    s, z = np.asarray(c.scale, np.float32), np.asarray(c.zp, np.int64)
    if c.axis is not None and s.size > 1:
        shape = [1] * v.ndim
        shape[c.axis] = -1
        s, z = s.reshape(shape), z.reshape(shape)
    else:
        s, z = s.reshape(-1)[0], z.reshape(-1)[0]
    return (v - z).astype(np.float32) * s


def convert_batchnorm_lut(em: EmitterBase, node: QNode) -> None:
    """A quantized BatchNormalization left standing between a DequantizeLinear
    and a QuantizeLinear (quantize_static without its pre-processing keeps
    Conv -> Q/DQ -> BatchNormalization): a function of one int8 activation per
    channel, so one lookup table per channel, computed as onnxruntime's CPU
    kernel runs it in float32: inv_std = 1 / sqrt(var + eps), s = inv_std *
    gamma, b = beta - mean * s, y = x * s + b. Bit-exact against onnxruntime,
    where a 1x1 depthwise convolution rounds its bias to 1/127 of an output
    LSB and flips about 0.2% of the outputs by one."""
    x = node.inputs[0]
    gamma, beta, mean, var = (_onnx_f32(c).reshape(-1) for c in node.inputs[1:5])
    eps = np.float32(node.attrs.get("epsilon", 1e-5))
    inv_std = np.float32(1.0) / np.sqrt(var + eps)
    s = inv_std * gamma
    b = beta - mean * s
    cshape = (len(s),) + (1,) * (len(x.shape) - 2)
    mul = QNode(node.name, "Mul", [x, Const(f"{node.name}.scale", s.reshape(cshape))], [])
    add = QNode(node.name, "Add", [Act(f"{node.name}.scaled", tuple(x.shape)),
                                   Const(f"{node.name}.shift", b.reshape(cshape))],
                node.outputs, {"_chain": [mul]}, node.clamp)
    convert_lut(em, add)
