"""TFLite operators -> the ONNX importer's QGraph (python/tigris/importers/onnx/graph.py).

TFLite's int8 operators map onto QNodes with ONNX semantics, so the ONNX
emitter produces the TOSA and everything after it is shared. Activations of
rank 4 are NHWC in TFLite; a QGraph speaks of them in the ONNX order
[N, C, H, W], and the emitter stores them NHWC again, so the bytes never
move. Ops that depend on the element order of a rank-4 tensor (RESHAPE,
FULLY_CONNECTED of an image) go through Transposes to NHWC order, which the
emitter makes free (the stored bytes already are in that order).
"""
from __future__ import annotations

import numpy as np

from tigris.errors import ModelError
from tigris.importers.onnx.graph import Act, Const, QNode
from tigris.importers.tflite.load import Operator, TFLiteModel

INT8, UINT8, FLOAT32, INT32 = 9, 3, 0, 2
NHWC_TO_NCHW_AXIS = (0, 2, 3, 1)      # TFLite axis a of a rank-4 tensor is ONNX axis [a]

# tflite.ActivationFunctionType -> real clamp bounds.
_ACTIVATIONS = {0: None, 1: (0.0, np.inf), 2: (-1.0, 1.0), 3: (0.0, 6.0)}
_ACTIVATION_NAMES = {4: "TANH", 5: "SIGN_BIT", 6: "SIGMOID"}


def onnx_shape(shape) -> tuple[int, ...]:
    s = tuple(int(x) for x in shape)
    return (s[0], s[3], s[1], s[2]) if len(s) == 4 else s


class Converter:
    def __init__(self, model: TFLiteModel):
        self.m = model
        self.label = model.label
        self.nodes: list[QNode] = []
        self.acts: dict[int, Act] = {}
        self.alias: dict[int, int] = {}    # a float edge tensor -> its int8 twin
        self.op: Operator | None = None
        self.count = 0
        self.per_op: dict[int, int] = {}    # QNodes made for each operator so far
        self.uint8: dict[str, bool] = {}     # Acts that are uint8 in the model

    # ------------------------------------------------------------- helpers
    def fail(self, reason: str):
        op = self.op
        where = f"operator {op.index} ({op.name}): " if op else ""
        raise ModelError(f"{where}{reason}")

    def tensor(self, idx: int):
        if idx < 0:
            self.fail("a required input is absent (tensor index -1)")
        return self.m.tensors[idx]

    def act(self, idx: int) -> Act:
        idx = self.alias.get(idx, idx)
        a = self.acts.get(idx)
        if a is not None:
            return a
        t = self.tensor(idx)
        if t.data is not None:
            self.fail(f"tensor {idx} '{t.name}' is a constant where an activation is expected")
        if t.type not in (INT8, UINT8):
            self.fail(f"tensor {idx} '{t.name}' is {t.type_name}; activations must be int8 "
                      "(or uint8)")
        if not t.quantized or t.scale.size != 1:
            self.fail(f"tensor {idx} '{t.name}' must be quantized per tensor")
        if not t.scale[0] > 0 or not np.isfinite(t.scale[0]):
            self.fail(f"tensor {idx} '{t.name}' has scale {t.scale[0]}, which is not positive")
        lo, hi = (0, 255) if t.type == UINT8 else (-128, 127)
        if not lo <= int(t.zp[0]) <= hi:
            self.fail(f"tensor {idx} '{t.name}' has zero point {int(t.zp[0])}, outside "
                      f"[{lo}, {hi}]")
        # uint8 values are kept as int8 codes q - 128 (zero point - 128), as the
        # ONNX importer keeps them: every int8 kernel then computes the same bytes.
        shift = 128 if t.type == UINT8 else 0
        a = Act(f"{t.name}#{idx}", onnx_shape(t.shape), float(t.scale[0]), int(t.zp[0]) - shift)
        if shift:
            self.uint8[a.name] = True
        self.acts[idx] = a
        return a

    def fresh(self, like: Act, shape, suffix: str) -> Act:
        self.count += 1
        return Act(f"{like.name}.{suffix}{self.count}", tuple(int(s) for s in shape),
                   like.scale, like.zp)

    def const(self, idx: int, what: str) -> Const:
        t = self.tensor(idx)
        if t.data is None:
            self.fail(f"the {what} (tensor {idx} '{t.name}') must be a constant")
        return Const(f"{t.name}#{idx}", t.data, t.scale, t.zp, t.axis)

    def add(self, op: str, inputs, outputs, attrs=None, clamp=None) -> None:
        o = self.op
        k = self.per_op.get(o.index, 0)
        self.per_op[o.index] = k + 1
        name = f"operator {o.index} {o.name}" + (f".{k}" if k else "")
        self.nodes.append(QNode(name, op, list(inputs), list(outputs), dict(attrs or {}), clamp))

    def activation(self, code: int):
        if code in _ACTIVATIONS:
            return _ACTIVATIONS[code]
        self.fail(f"fused activation {_ACTIVATION_NAMES.get(code, code)} is not supported")

    def as_nhwc_order(self, a: Act) -> Act:
        """A rank-4 [N, C, H, W] Act as the plain tensor [N, H, W, C] (the
        element order TFLite sees): a Transpose the emitter makes free."""
        if len(a.shape) != 4:
            return a
        n, c, h, w = a.shape
        out = self.fresh(a, (n, h, w, c), "nhwc")
        self.add("Transpose", [a], [out], {"perm": [0, 2, 3, 1]})
        return out

    def reshape_to(self, a: Act, out: Act) -> None:
        """`out` (an Act, rank 4 in ONNX order when 4-D) = TFLite reshape of `a`."""
        src = self.as_nhwc_order(a)
        if len(out.shape) == 4:
            n, c, h, w = out.shape
            mid = self.fresh(out, (n, h, w, c), "flat")
            self.add("Reshape", [src], [mid])
            self.add("Transpose", [mid], [out], {"perm": [0, 3, 1, 2]})
        else:
            self.add("Reshape", [src], [out])

    # --------------------------------------------------------------- graph
    def is_edge(self, op: Operator) -> bool:
        return op.index in self.m.extra.get("edges", ())

    def find_edges(self) -> None:
        """QUANTIZE of a float graph input and DEQUANTIZE to a float graph
        output: the int8 tensor becomes the graph's input or output (its scale
        and zero point go with it, so `tigris run` quantizes float data)."""
        edges = set()
        for op in self.m.operators:
            if op.name in ("QUANTIZE", "DEQUANTIZE") and (len(op.inputs) != 1 or
                                                          len(op.outputs) != 1):
                self.op = op
                self.fail("needs one input and one output")
            if op.name == "QUANTIZE" and self.tensor(op.inputs[0]).type == FLOAT32:
                src = op.inputs[0]
                if src not in self.m.inputs:
                    self.op = op
                    self.fail("quantizes a float tensor that is not a graph input")
                self.m.inputs = [op.outputs[0] if i == src else i for i in self.m.inputs]
                edges.add(op.index)
            elif op.name == "DEQUANTIZE" and self.tensor(op.outputs[0]).type == FLOAT32:
                dst = op.outputs[0]
                if dst not in self.m.outputs:
                    self.op = op
                    self.fail("dequantizes to a float tensor that is not a graph output")
                self.m.outputs = [op.inputs[0] if o == dst else o for o in self.m.outputs]
                edges.add(op.index)
        self.m.extra["edges"] = edges
        self.op = None
