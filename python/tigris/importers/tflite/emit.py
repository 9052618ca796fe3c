"""The ONNX emitter plus one QNode form of the TFLite importer's own:
"Table", an int8 -> int8 lookup table computed at import time
(tflm_tables.py), emitted as a `tosa.table` (tigris-legalize: a tigris.lut),
"ResizeIndex" and "ResizeLinear", resizes by index (and weight) tables
computed as TFLM computes them (a tigris.resize), and "SoftmaxTFL", TFLite's
int8 softmax over the last axis (a tigris.softmax_tfl)."""
from __future__ import annotations

import numpy as np
from mlir import ir
from mlir.dialects import tosa

from tigris.dialects import custom_kernel
from tigris.errors import ModelError
from tigris.importers.onnx.emit import Emitter
from tigris.importers.onnx.emit_core import V
from tigris.importers.onnx.graph import Act, QGraph, QNode


class TFLiteEmitter(Emitter):
    def convert(self, node: QNode) -> None:
        if node.op in ("ResizeIndex", "ResizeLinear"):
            self._resize_index(node)
            return
        if node.op == "SoftmaxTFL":
            self._softmax_tfl(node)
            return
        if node.op != "Table":
            super().convert(node)
            return
        self.node = node
        x, out = node.inputs[0], node.outputs[0]
        v = self.get(x)
        tables = np.asarray(node.attrs["table"]).reshape(-1, 256)
        with ir.Location.name(node.name):
            if tables.shape[0] == 1:
                t = ir.RankedTensorType(v.value.type)
                y = tosa.table(t, v.value, self.const(tables[0], self.i8))
                self.put(out, y, v.layout)
                return
            # One table per channel (the last axis as TFLite stores it).
            val = self.as_nhwc(v) if len(x.shape) == 4 else self.as_plain(v)
            y = custom_kernel("lut", [val], val.type, {"table": tables.reshape(-1)})
        self.put(out, y, "nhwc" if len(x.shape) == 4 else "plain")

    def _resize_index(self, node: QNode) -> None:
        """A resize by explicit row and column tables: nearest (index tables)
        or linear (two indices and a Q11 weight per output row and column)."""
        self.node = node
        x, out = node.inputs[0], node.outputs[0]
        xv = self.as_nhwc(self.get(x))
        a = node.attrs
        n, c = out.shape[0], out.shape[1]
        if node.op == "ResizeIndex":
            ys, xs = a["rows"], a["cols"]
            attrs = {"mode": "nearest", "y_index0": ys, "y_index1": ys, "y_weight": [0] * len(ys),
                     "x_index0": xs, "x_index1": xs, "x_weight": [0] * len(xs)}
        else:
            ys, xs = a["y_index0"], a["x_index0"]
            attrs = dict(a, mode="linear")
        with ir.Location.name(node.name):
            y = custom_kernel("resize", [xv], self.tensor([n, len(ys), len(xs), c]), attrs)
        self.put(out, y, "nhwc")

    def _softmax_tfl(self, node: QNode) -> None:
        """TFLite's softmax over the last axis as TFLite stores the tensor."""
        self.node = node
        x, out = node.inputs[0], node.outputs[0]
        v = self.get(x)
        val = self.as_nhwc(v) if len(x.shape) == 4 else self.as_plain(v)
        with ir.Location.name(node.name):
            y = custom_kernel("softmax_tfl", [val], val.type,
                              {"exp_table": node.attrs["exp_table"]})
        self.put(out, y, "nhwc" if len(x.shape) == 4 else "plain")

    def fail(self, reason: str):
        """Errors name the TFLite operator: "operator 3 (CONV_2D): ..."."""
        n = self.node
        if n is not None and n.name.startswith("operator "):
            _, index, builtin = n.name.split(" ", 2)
            raise ModelError(f"operator {index} ({builtin.split('.')[0]}): {reason}")
        super().fail(reason)

    def put(self, act: Act, value: ir.Value, layout: str) -> V:
        """Every value must have the shape the model declares for its tensor."""
        got = list(ir.RankedTensorType(value.type).shape)
        if layout in ("nhwc", "plain"):
            want = self.onnx_to_layout_shape(act.shape, layout)
            if got != want:
                tfl = lambda s: [s[0], s[2], s[3], s[1]] if len(s) == 4 else list(s)  # noqa: E731
                self.fail(f"tensor '{act.name.rsplit('#', 1)[0]}' is declared "
                          f"{tfl(list(act.shape))}, the operator computes "
                          f"{got if layout == 'nhwc' else tfl(got)}")
        return super().put(act, value, layout)

    def _read_as_nhwc(self, a: Act) -> bool:
        return False    # a 4-D graph input is an image stored NHWC, as TFLite stores it

    def _output(self, a: Act) -> V:
        """A 4-D graph output is stored NHWC (TFLite's order), also when the
        last operator left it in the ONNX order."""
        v = super()._output(a)
        if len(a.shape) == 4 and v.layout != "nhwc":
            return V(self.as_nhwc(v), "nhwc", v.act)
        return v


def emit_tflite(graph: QGraph, label: str, rounding: str) -> tuple[ir.Module, dict]:
    em = TFLiteEmitter(graph, label, 13, rounding)
    module = em.emit()
    return module, em.weights
