"""QGraph -> a func.func of TOSA ops (plus tigris ops where TOSA has no form)."""
from __future__ import annotations

import re

import numpy as np
from mlir import ir
from mlir.dialects import func

from tigris.dialects import attr, kernel_op
from tigris.errors import ModelError
from tigris.importers.onnx import ops_conv, ops_elementwise, ops_lut, ops_pool, ops_shape
from tigris.importers.onnx.emit_core import EmitterBase, V
from tigris.importers.onnx.graph import Act, QGraph, QNode
from tigris.importers.onnx.ops_conv_transpose import convert_conv_transpose
from tigris.importers.onnx.ops_gather import convert_gather

CONVERTERS = {
    "Conv": ops_conv.convert_conv,
    "ConvTranspose": convert_conv_transpose,
    "Gemm": ops_conv.convert_matmul,
    "MatMul": ops_conv.convert_matmul,
    "BatchNormalization": ops_conv.convert_batchnorm,
    "Add": ops_elementwise.convert_binary,
    "Sub": ops_elementwise.convert_binary,
    "Mul": ops_elementwise.convert_binary,
    "Sum": ops_elementwise.convert_sum,
    "Mean": ops_elementwise.convert_sum,
    "Relu": ops_elementwise.convert_unary,
    "Clip": ops_elementwise.convert_unary,
    "LeakyRelu": ops_elementwise.convert_unary,
    "Sigmoid": ops_elementwise.convert_unary,
    "Tanh": ops_elementwise.convert_unary,
    "HardSwish": ops_elementwise.convert_unary,
    "HardSigmoid": ops_elementwise.convert_unary,
    "Requantize": ops_elementwise.convert_requantize,
    "MaxPool": ops_pool.convert_maxpool,
    "GlobalMaxPool": ops_pool.convert_maxpool,
    "AveragePool": ops_pool.convert_avgpool,
    "GlobalAveragePool": ops_pool.convert_avgpool,
    "ReduceMean": ops_pool.convert_reduce_mean,
    "ReduceMax": ops_pool.convert_reduce,
    "ReduceMin": ops_pool.convert_reduce,
    "Resize": ops_pool.convert_resize,
    "Upsample": ops_pool.convert_resize,
    "Softmax": ops_pool.convert_softmax,
    "Reshape": ops_shape.convert_reshape,
    "Flatten": ops_shape.convert_reshape,
    "Squeeze": ops_shape.convert_reshape,
    "Unsqueeze": ops_shape.convert_reshape,
    "Identity": ops_shape.convert_identity,
    "Dropout": ops_shape.convert_identity,
    "Transpose": ops_shape.convert_transpose,
    "Concat": ops_shape.convert_concat,
    "Split": ops_shape.convert_split,
    "Slice": ops_shape.convert_slice,
    "Pad": ops_shape.convert_pad,
    "DepthToSpace": ops_shape.convert_depth_to_space,
    "Gather": convert_gather,
    "SpaceToDepth": ops_shape.convert_space_to_depth,
    **{op: ops_lut.convert_lut for op in sorted(ops_lut.LUT_OPS)},
}
# Ops that move int8 values without arithmetic: when the output's quantization
# differs from the input's, they run on the input's and a requantization follows.
MOVERS = {"MaxPool", "GlobalMaxPool", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity",
          "Dropout", "Transpose", "Split", "Slice", "Pad", "Resize", "Upsample",
          "DepthToSpace", "SpaceToDepth", "ReduceMax", "ReduceMin", "Gather"}


def func_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name or "model")
    return cleaned if cleaned[:1].isalpha() else "model_" + cleaned


class Emitter(EmitterBase):
    def __init__(self, graph: QGraph, label: str, opset: int, rounding: str = "single"):
        super().__init__(graph.quantized, label, rounding)
        self.graph = graph
        self.opset = opset

    def convert(self, node: QNode) -> None:
        self.node = node
        # Their defaults depend on the opset.
        if node.op in ("Softmax", "ReduceMean", "ReduceMax", "ReduceMin"):
            node.attrs["_opset"] = self.opset
        # A chain of float elementwise ops ending at this node: one lookup table.
        conv = ops_lut.convert_lut if "_chain" in node.attrs else CONVERTERS.get(node.op)
        if conv is None:
            self.fail("operator not supported")
        loc = ir.Location.name(node.name)
        with loc:
            if self.quantized and node.op in MOVERS:
                src = next(x for x in node.inputs if isinstance(x, Act))
                wanted = node.outputs
                if any(not src.same_quant(o) for o in wanted):
                    temps = [Act(o.name + ".moved", o.shape, src.scale, src.zp) for o in wanted]
                    conv(self, QNode(node.name, node.op, node.inputs, temps, node.attrs))
                    for t, o in zip(temps, wanted):
                        v = self.values.get(t.name)
                        if v is not None:
                            y = self.rescale(v.value, self.i8, src.scale / o.scale, src.zp, o.zp)
                            self.put(o, y, v.layout)
                    self._note_unproduced(node)
                    return
            conv(self, node)
        self._note_unproduced(node)

    def _note_unproduced(self, node: QNode) -> None:
        """Outputs the converter does not compute (MaxPool's Indices, Dropout's
        mask, BatchNormalization's running statistics): an error naming the
        node only when something reads them (EmitterBase.get)."""
        for o in node.outputs:
            if o.name not in self.values:
                self.unproduced[o.name] = node

    def _convert_all(self, nodes) -> None:
        """Convert every node and report every failure at once. A failed node's
        outputs get placeholder values, so later nodes are still checked."""
        errors = []
        for node in nodes:
            try:
                self.convert(node)
            except ModelError as e:
                if str(e) not in errors:   # e.g. an unproduced output read twice
                    errors.append(str(e))
                for o in node.outputs:
                    layout = "nhwc" if len(o.shape) == 4 else "plain"
                    shape = self.onnx_to_layout_shape(o.shape, layout)
                    self.put(o, kernel_op("empty", [], self.tensor(shape)).result, layout)
        self.node = None
        if len(errors) == 1:
            raise ModelError(errors[0])
        if errors:
            raise ModelError(f"{len(errors)} unsupported or invalid node(s): " + "; ".join(errors))

    def emit(self) -> ir.Module:
        g = self.graph
        module = ir.Module.create()
        in_types, in_layouts = [], []
        for a in g.inputs:
            layout = "nhwc" if len(a.shape) == 4 and not self._read_as_nhwc(a) else "plain"
            in_layouts.append(layout)
            in_types.append(self.tensor(self.onnx_to_layout_shape(a.shape, layout)))
        with ir.InsertionPoint(module.body):
            f = func.FuncOp(func_name(g.name), (in_types, []))
            block = f.add_entry_block()
            for a, layout, arg in zip(g.inputs, in_layouts, block.arguments):
                self.put(a, arg, layout)
            with ir.InsertionPoint(block):
                self._convert_all(g.nodes)
                outs = [self._output(a) for a in g.outputs]
                func.ReturnOp([v.value for v in outs])
            f.attributes["function_type"] = ir.TypeAttr.get(
                ir.FunctionType.get(in_types, [v.value.type for v in outs]))
            f.attributes["tigris.inputs"] = attr([self._io(a, l, n) for a, l, n in
                                                  zip(g.inputs, in_layouts, g.input_names)])
            f.attributes["tigris.outputs"] = attr([self._io(v.act, v.layout, n) for v, n in
                                                   zip(outs, g.output_names)])
        return module

    def _read_as_nhwc(self, a: Act) -> bool:
        """Whether every reader of input `a` is a Transpose NHWC -> NCHW (an
        exporter's channels-last input): the input is then already NHWC bytes."""
        readers = [n for n in self.graph.nodes if any(x is a for x in n.inputs)]
        return bool(readers) and all(n.op == "Transpose" and
                                     list(n.attrs.get("perm", [])) == [0, 3, 1, 2]
                                     for n in readers)

    def _output(self, a: Act) -> V:
        """A graph output: "nhwc" or in the ONNX order (the layouts of plan I/O);
        an "nlc" 1-D output goes back to [N, C, L]."""
        v = self.get(a)
        if v.layout == "nlc":
            return V(self.as_plain(v), "plain", v.act)
        return v

    def _io(self, a: Act, layout: str, onnx_name: str) -> ir.Attribute:
        d = {"name": ir.StringAttr.get(onnx_name), "layout": ir.StringAttr.get(layout),
             "shape": ir.DenseI64ArrayAttr.get(list(a.shape))}
        if a.quantized:
            d["scale"] = ir.FloatAttr.get(ir.F64Type.get(), float(a.scale))
            d["zero_point"] = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(a.zp))
            d["uint8"] = ir.BoolAttr.get(bool(self.graph.input_uint8.get(a.name, False)))
        return ir.DictAttr.get(d)


def emit_module(graph: QGraph, label: str, opset: int, rounding: str = "single"
                ) -> tuple[ir.Module, dict[str, np.ndarray]]:
    em = Emitter(graph, label, opset, rounding)
    module = em.emit()
    return module, em.weights
