"""The TOSA emitter's state and helpers: values, layouts, constants, rescale.

Images are NHWC inside (the layout of the ESP-NN kernels); ONNX is NCHW. A
value remembers its layout:

  "nhwc"   a rank-4 activation [N, C, H, W] stored NHWC [N, H, W, C];
  "nlc"    a rank-3 activation [N, C, L] (1-D layers) stored as the NHWC
           image [N, L, 1, C]: the bytes of [N, L, C], time along H, so 1-D
           layers are 2-D kernels with a (k, 1) window and the tiler cuts
           them into row strips along L;
  "plain"  any tensor stored in its ONNX order.

Converters ask for the layout they need; a change of layout is a transpose,
or a free reshape when the bytes are the same (H*W == 1 or C == 1, for
"nlc" L == 1 or C == 1).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from mlir import ir
from mlir.dialects import tosa

from tigris.errors import ModelError
from tigris.importers.onnx.graph import Act, Const
from tigris.reference.fixedpoint import quantize_multiplier

logger = logging.getLogger("tigris")

TO_NHWC = (0, 2, 3, 1)      # NHWC dim i holds NCHW dim TO_NHWC[i]
TO_NCHW = (0, 3, 1, 2)
# "nlc" storage [N, L, 1, C] of an ONNX [N, C, L]: stored dim i holds ONNX dim
# TO_NLC[i] (None: the unit W axis, no ONNX dim).
TO_NLC = (0, 2, None, 1)
STORED_LAYOUTS = ("nhwc", "nlc")    # layouts that are not the ONNX order


def stored_axis(axis: int, layout: str) -> int:
    """The position in a `layout` value of ONNX axis `axis` (non-negative)."""
    if layout == "nhwc":
        return TO_NHWC.index(axis)
    if layout == "nlc":
        return TO_NLC.index(axis)
    return axis


def to_stored(values, layout: str, fill=0) -> list:
    """Per-ONNX-dim `values` (begins, sizes, pads...) in `layout`'s dim order;
    `fill` for a stored dim with no ONNX dim (the unit W of "nlc")."""
    if layout == "nhwc":
        return [values[p] for p in TO_NHWC]
    if layout == "nlc":
        return [fill if p is None else values[p] for p in TO_NLC]
    return list(values)


@dataclass
class V:
    """An emitted activation: its MLIR value, storage layout and ONNX-level Act."""
    value: ir.Value
    layout: str      # "nhwc" | "nlc" | "plain"
    act: Act

    @property
    def shape(self) -> list[int]:
        return list(ir.RankedTensorType(self.value.type).shape)


class EmitterBase:
    def __init__(self, quantized: bool, label: str, rounding: str = "single"):
        self.quantized = quantized
        self.rounding = rounding   # of every requantization: single or double
        self.label = label
        self.values: dict[str, V] = {}
        self.weights: dict[str, np.ndarray] = {}
        self.i8 = ir.IntegerType.get_signless(8)
        self.i32 = ir.IntegerType.get_signless(32)
        self.f32 = ir.F32Type.get()
        self.act_type = self.i8 if quantized else self.f32
        self.node = None  # the QNode being converted (for messages)
        self.unproduced: dict = {}   # output name -> the QNode that does not compute it

    # ---------------------------------------------------------------- errors
    def fail(self, reason: str):
        n = self.node
        raise ModelError(f"node '{n.name}' ({n.op}): {reason}" if n else reason)

    # ----------------------------------------------------------------- types
    def tensor(self, shape, elem=None) -> ir.RankedTensorType:
        return ir.RankedTensorType.get([int(s) for s in shape], elem or self.act_type)

    # ------------------------------------------------------------- constants
    def const(self, arr: np.ndarray, elem: ir.Type, name: str | None = None) -> ir.Value:
        """tosa.const; arrays over 64 elements become dense_resource blobs."""
        np_type = {8: np.int8, 32: np.int32}.get(getattr(elem, "width", 0), np.float32)
        arr = np.ascontiguousarray(np.asarray(arr).astype(np_type))
        t = self.tensor(arr.shape, elem)
        if arr.size > 64 and name:
            attr = ir.DenseResourceElementsAttr.get_from_buffer(arr, _blob_name(name), t)
            from tigris.resources import resource_name
            self.weights[resource_name(attr)] = arr
        else:
            attr = ir.DenseElementsAttr.get(arr, type=t)
        return tosa.const(attr)

    def zp(self, value: int, elem: ir.Type) -> ir.Value:
        return self.const(np.array([value]), elem)

    def shape_const(self, values) -> ir.Value:
        vals = np.array([int(v) for v in values], dtype=np.int64)
        t = ir.Type.parse(f"!tosa.shape<{len(vals)}>")
        return tosa.const_shape(t, ir.DenseElementsAttr.get(
            vals, type=ir.RankedTensorType.get([len(vals)], ir.IndexType.get())))

    # --------------------------------------------------------------- layouts
    def get(self, act: Act) -> V:
        v = self.values.get(act.name)
        if v is None and act.name in self.unproduced:
            n = self.unproduced[act.name]
            raise ModelError(f"node '{n.name}' ({n.op}): output '{act.name}' is not supported "
                             f"(only the first output of {n.op} is computed)")
        if v is None:
            self.fail(f"input '{act.name}' was not produced by a supported operator")
        return v

    def put(self, act: Act, value: ir.Value, layout: str) -> V:
        v = V(value, layout, act)
        self.values[act.name] = v
        return v

    def reshape(self, value: ir.Value, shape) -> ir.Value:
        elem = ir.RankedTensorType(value.type).element_type
        if list(ir.RankedTensorType(value.type).shape) == list(shape):
            return value
        return tosa.reshape(value, self.shape_const(shape), results=[self.tensor(shape, elem)])

    def transpose(self, value: ir.Value, perm) -> ir.Value:
        t = ir.RankedTensorType(value.type)
        if list(perm) == list(range(len(perm))):
            return value
        shape = [t.shape[p] for p in perm]
        return tosa.transpose(self.tensor(shape, t.element_type), value,
                              ir.DenseI32ArrayAttr.get([int(p) for p in perm]))

    def _move(self, value: ir.Value, perm, shape) -> ir.Value:
        """`value` transposed by `perm`, then reshaped to `shape`: one reshape
        when only unit dims move (the same bytes), else transpose + reshape."""
        t = ir.RankedTensorType(value.type)
        # Compare which dims stay in order, not their sizes: [1, 8, 8] -> (0, 2, 1)
        # is a real transpose though its sizes read the same.
        moved = [p for p in perm if t.shape[p] != 1]
        kept = [i for i, s in enumerate(t.shape) if s != 1]
        if moved == kept:
            return self.reshape(value, shape)
        return self.reshape(self.transpose(value, perm), shape)

    def _relayout(self, value: ir.Value, perm) -> ir.Value:
        t = ir.RankedTensorType(value.type)
        return self._move(value, perm, [t.shape[p] for p in perm])

    def as_plain(self, v: V) -> ir.Value:
        if v.layout == "plain":
            return v.value
        if v.layout == "nlc":   # [N, L, 1, C] -> [N, C, L]
            n, length, _, c = v.shape
            if length == 1 or c == 1:   # the same bytes
                return self.reshape(v.value, [n, c, length])
            return self.transpose(self.reshape(v.value, [n, length, c]), (0, 2, 1))
        return self._relayout(v.value, TO_NCHW)

    def as_nhwc(self, v: V) -> ir.Value:
        if v.layout == "nhwc":
            return v.value
        if len(v.act.shape) != 4:
            self.fail(f"expected a 4-D image tensor, got shape {list(v.act.shape)}")
        return self._relayout(v.value, TO_NHWC)

    def as_nlc(self, v: V) -> ir.Value:
        """A rank-3 [N, C, L] activation as the NHWC image [N, L, 1, C]."""
        if v.layout == "nlc":
            return v.value
        if len(v.act.shape) != 3:
            self.fail(f"expected a 3-D [N, C, L] tensor, got shape {list(v.act.shape)}")
        n, c, length = v.act.shape
        return self._move(self.as_plain(v), (0, 2, 1), [n, length, 1, c])

    def layout_of_inputs(self, vs: list[V]) -> str:
        """A common layout for an elementwise op: NHWC when every operand is
        rank 4 and one is NHWC; "nlc" when every operand is rank 3 and one is
        "nlc"; else the ONNX order."""
        for layout, rank in (("nhwc", 4), ("nlc", 3)):
            if vs and all(len(v.act.shape) == rank for v in vs) and \
                    any(v.layout == layout for v in vs):
                return layout
        return "plain"

    def in_layout(self, v: V, layout: str) -> ir.Value:
        if layout == "nhwc":
            return self.as_nhwc(v)
        if layout == "nlc":
            return self.as_nlc(v)
        return self.as_plain(v)

    @staticmethod
    def onnx_to_layout_shape(shape, layout: str) -> list[int]:
        return to_stored(list(shape), layout, fill=1)

    @staticmethod
    def const_to_layout(arr: np.ndarray, layout: str) -> np.ndarray:
        """A constant of the ONNX rank of a `layout` value (broadcast dims of
        size 1 included), in that layout: [N, C, H, W] -> [N, H, W, C], or
        [N, C, L] -> [N, L, 1, C]."""
        if layout == "nhwc":
            return arr.transpose(TO_NHWC)
        if layout == "nlc":
            n, c, length = arr.shape
            return arr.transpose(0, 2, 1).reshape(n, length, 1, c)
        return arr

    # ----------------------------------------------------------- quantization
    def rescale(self, value: ir.Value, out_elem: ir.Type, reals, in_zp: int, out_zp: int,
                out_shape=None) -> ir.Value:
        """tosa.rescale with TFLite-style multipliers for real scales `reals`, in
        the emitter's rounding mode (SINGLE_ROUND or DOUBLE_ROUND)."""
        reals = np.atleast_1d(np.asarray(reals, np.float64))
        mults, shifts = [], []
        for r in reals:
            m, s = quantize_multiplier(float(r))
            if m == 0:
                m, s = 0, -30
            if not (-31 <= s <= 29):
                self.fail(f"requantization scale {r:.3g} is out of the representable range")
            mults.append(m)
            shifts.append(31 - s)
        t = ir.RankedTensorType(value.type)
        in_elem = t.element_type
        shape = out_shape or list(t.shape)
        per_channel = len(mults) > 1
        return tosa.rescale(
            self.tensor(shape, out_elem), value,
            self.const(np.array(mults), self.i32), self.const(np.array(shifts), self.i8),
            self.zp(in_zp, in_elem), self.zp(out_zp, out_elem),
            scale32=True, rounding_mode=ir.Attribute.parse(
                f"#tosa.rounding_mode<{self.rounding.upper()}_ROUND>"),
            per_channel=per_channel, input_unsigned=False, output_unsigned=False)

    def clamp_range(self, out: Act, clamp) -> tuple[int, int]:
        """The int8 range of a fused activation (real bounds) for output `out`."""
        if clamp is None:
            return -128, 127
        lo, hi = clamp
        qlo = -128 if lo == -np.inf else max(-128, out.zp + int(np.round(lo / out.scale)))
        qhi = 127 if hi == np.inf else min(127, out.zp + int(np.round(hi / out.scale)))
        return min(qlo, 127), max(qhi, -128)   # bounds outside the int8 range saturate

    def clamp(self, value: ir.Value, lo, hi) -> ir.Value:
        t = ir.RankedTensorType(value.type)
        if self.quantized:
            if lo <= -128 and hi >= 127:
                return value
            return tosa.clamp(t, value, ir.IntegerAttr.get(self.i8, int(lo)),
                              ir.IntegerAttr.get(self.i8, int(hi)))
        flo = -3.4e38 if lo == -np.inf else float(lo)
        fhi = 3.4e38 if hi == np.inf else float(hi)
        return tosa.clamp(t, value, ir.FloatAttr.get(self.f32, flo), ir.FloatAttr.get(self.f32, fhi))

    def finish(self, node_out: Act, value: ir.Value, layout: str) -> V:
        return self.put(node_out, value, layout)


def _blob_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "_." else "_" for ch in name)
    return cleaned or "w"


def real_weights(c: Const) -> np.ndarray:
    return c.real()


def symmetric_weights(em: EmitterBase, c: Const, out_axis: int) -> Const:
    """`c` with zero point 0, the form the int8 kernels take (they have no
    filter offset). Asymmetric weights (uint8 with a zero point, as older
    exporters write them) are exact as int8 when every value minus its zero
    point fits in [-128, 127]; otherwise each output channel (axis
    `out_axis`) is requantized to [-127, 127] with its own scale, which
    rounds the weights (a note says so)."""
    if c.scale is None or not np.any(np.asarray(c.zp) != 0):
        return c
    v = np.asarray(c.value, np.int64)
    z, s = np.asarray(c.zp, np.int64), np.asarray(c.scale, np.float64)
    if c.axis is not None:
        shape = [1] * v.ndim
        shape[c.axis] = -1
        z = z.reshape(shape) if z.size > 1 else z      # one zero point, per-axis scales
        s = s.reshape(shape) if s.size > 1 else s
    d = v - z
    s = np.broadcast_to(s, d.shape)
    if d.min() >= -128 and d.max() <= 127:
        return _per_out(c.name, d, s, out_axis)
    moved = np.moveaxis(d, out_axis, 0).reshape(d.shape[out_axis], -1)
    top = np.maximum(np.abs(moved).max(axis=1), 1)
    keep = np.where(top > 127, 127.0 / top, 1.0)
    shape = [1] * d.ndim
    shape[out_axis] = -1
    d = np.round(d * keep.reshape(shape)).astype(np.int64)
    s = s / keep.reshape(shape)
    logger.warning("%s: node '%s' (%s): asymmetric weights '%s' do not fit int8 once their "
                   "zero point is removed; requantized per output channel to [-127, 127] "
                   "(the int8 kernels take symmetric weights)",
                   em.label, em.node.name if em.node else "?", em.node.op if em.node else "?",
                   c.name)
    return _per_out(c.name, d, s, out_axis)


def _per_out(name: str, d: np.ndarray, s: np.ndarray, out_axis: int) -> Const:
    """Symmetric Const of values `d` with the scale of each output channel
    (`s` broadcast to d's shape, constant along the other axes)."""
    per = np.moveaxis(s, out_axis, 0).reshape(s.shape[out_axis], -1)[:, 0].copy()
    return Const(name, d, per, np.zeros(per.size, np.int64), out_axis if per.size > 1 else None)


def int_weights(em: EmitterBase, c: Const) -> np.ndarray:
    """int8 weight values (symmetric: zero point must be 0, see symmetric_weights)."""
    if c.scale is None:
        em.fail(f"weights '{c.name}' are float in a quantized model")
    if np.any(np.asarray(c.zp) != 0):
        em.fail(f"weights '{c.name}' have a non-zero zero point (asymmetric int8 weights "
                "are not supported by the int8 kernels)")
    v = np.asarray(c.value)
    if v.min() < -128 or v.max() > 127:
        em.fail(f"weights '{c.name}' are not int8")
    return v.astype(np.int8)
