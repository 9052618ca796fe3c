"""ONNX graph -> QGraph: constants folded, QDQ pairs and QLinear ops resolved.

The walk is in ONNX order. `acts` maps an int8 (or float, in float mode)
tensor name to its Act; `views` maps the float output of a DequantizeLinear
of an activation to that activation. A float op reading only views and
writing a tensor that a QuantizeLinear consumes becomes one int8 QNode whose
output carries that QuantizeLinear's parameters; a Relu/Clip between them is
folded into the node as a clamp. Elementwise functions of one activation
whose float result no QuantizeLinear follows (quantize_static leaves e.g.
Softplus -> Tanh or Div -> Erf in float) are collected in `pending` until the
op whose result is quantized: that op's QNode carries the earlier ones in
attrs["_chain"], and the chain becomes one lookup table (ops_lut.py).
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from tigris.errors import ModelError
from tigris.importers.onnx.fold import FOLDABLE, fold_node
from tigris.importers.onnx.graph import Act, Const, QGraph, QNode
from tigris.importers.onnx.graph_inputs import input_quantization
from tigris.importers.onnx.ops_lut import CHAIN_OPS, LUT_OPS, output_range_quant
from tigris.importers.onnx.qoperator import QLINEAR, qlinear_node

COMPUTE_OPS = {
    "Conv", "Gemm", "MatMul", "Add", "Mul", "Sub", "Relu", "Clip", "LeakyRelu", "Sigmoid",
    "HardSwish", "HardSigmoid", "Tanh", "MaxPool", "AveragePool", "GlobalAveragePool",
    "GlobalMaxPool", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat",
    "Split", "Pad", "Resize", "Upsample", "Softmax", "Identity", "Dropout",
    "BatchNormalization", "Slice", "ReduceMean", "ConvTranspose",
    "DepthToSpace", "SpaceToDepth", "ReduceMax", "ReduceMin", "Gather", "Sum", "Mean",
} | LUT_OPS
# Ops whose int8 output may keep the input's quantization when no
# QuantizeLinear follows (they move or select values, never compute new ones).
TRANSPARENT = {"MaxPool", "GlobalMaxPool", "Reshape", "Flatten", "Squeeze", "Unsqueeze",
               "Transpose", "Identity", "Dropout", "Split", "Pad", "Resize", "Upsample",
               "Slice", "Relu", "Clip", "Concat", "DepthToSpace", "SpaceToDepth", "ReduceMax",
               "ReduceMin", "Gather"}
# Ops whose output lies within the input's range (a mean), so the input's
# quantization holds it to half an LSB: quantize_static quantizes no ReduceMean
# output of its own, and leaves a graph-final one float.
MEAN_OPS = {"ReduceMean"}
# Ops whose constant operands are not evaluated in place: quantization is
# read, not computed, and a Constant is its own value.
NOT_FOLDED = {"QuantizeLinear", "DequantizeLinear", "Constant"}
# Moves that may end a float chain of elementwise ops (_quantized_move).
CHAIN_MOVES = {"Flatten", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Transpose"}
FUSABLE_ACTIVATIONS = {"Relu", "Clip"}
FUSING_OPS = {"Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Sub", "Mul", "BatchNormalization"}
KNOWN_OPS = COMPUTE_OPS | FOLDABLE | set(QLINEAR) | {"Constant", "QuantizeLinear",
                                                     "DequantizeLinear"}


def attributes(node: onnx.NodeProto) -> dict:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _check_scale(s: np.ndarray, name: str) -> None:
    bad = s[~(np.isfinite(s) & (s > 0))]
    if bad.size:
        raise ModelError(f"quantization scale {bad[0]:g} of '{name}' is not a positive "
                         "finite number")


class Resolver:
    def __init__(self, model: onnx.ModelProto, label: str):
        self.model, self.label = model, label
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
        g = model.graph
        self.shapes: dict[str, tuple[int, ...]] = {}
        for vi in list(g.value_info) + list(g.input) + list(g.output):
            t = vi.type.tensor_type
            if t.HasField("shape"):
                self.shapes[vi.name] = tuple(d.dim_value for d in t.shape.dim)
        self.consts: dict[str, Const] = {t.name: Const(t.name, numpy_helper.to_array(t))
                                         for t in g.initializer}
        self.acts: dict[str, Act] = {}
        self.views: dict[str, Act] = {}
        self.consumers: dict[str, list[onnx.NodeProto]] = {}
        for n in g.node:
            for i in n.input:
                self.consumers.setdefault(i, []).append(n)
        self.quantized = any(n.op_type in ("QuantizeLinear", "DequantizeLinear") or
                             n.op_type in QLINEAR for n in g.node)
        self.nodes: list[QNode] = []
        self.skip: set[int] = set()        # ids of nodes already absorbed
        self.errors: list[str] = []
        self.input_uint8: dict[str, bool] = {}
        # Float results of elementwise ops that no QuantizeLinear follows, read only by
        # further elementwise ops: name -> (the int8 activation the chain starts
        # from, its steps so far). The op whose result is quantized ends the chain.
        self.pending: dict[str, tuple[Act, list[QNode]]] = {}
        self.graph_outputs = {o.name for o in model.graph.output}
        inits = {t.name for t in model.graph.initializer}
        self.float_inputs = {i.name for i in model.graph.input if i.name not in inits}

    # ------------------------------------------------------------------ helpers
    def shape(self, name: str) -> tuple[int, ...]:
        s = self.shapes.get(name)
        if s is None or any(d <= 0 for d in s):
            raise ModelError(f"{self.label}: could not infer the shape of '{name}'")
        return s

    def value(self, name: str):
        """Act, Const or None for an input name of a compute node."""
        if name == "":
            return None
        if name in self.consts:
            return self.consts[name]
        if name in self.views:
            return self.views[name]
        if name in self.acts:
            return self.acts[name]
        raise ModelError(f"{self.label}: tensor '{name}' is used before it is defined, "
                         "or comes from an unsupported operator")

    def quant_const(self, name: str, scale: Const, zp: Const | None, axis: int | None) -> Const:
        raw = self.consts[name].value
        s = np.asarray(scale.value, np.float64).reshape(-1)
        z = np.zeros_like(s, dtype=np.int64) if zp is None else np.asarray(zp.value).astype(np.int64).reshape(-1)
        _check_scale(s, name)
        if s.size > 1 and axis is not None and (axis >= raw.ndim or raw.shape[axis] != s.size):
            raise ModelError(f"'{name}' has {s.size} per-axis scales but shape {list(raw.shape)} "
                             f"(axis {axis})")
        if z.size not in (1, s.size):
            raise ModelError(f"'{name}' has {s.size} scales but {z.size} zero points")
        value = raw.astype(np.int64) if raw.dtype != np.int64 else raw
        if raw.dtype == np.uint8:
            value, z = value - 128, z - 128
        return Const(name, value, s, z, axis if s.size > 1 else None)

    def new_act(self, name: str, scale, zp, uint8: bool) -> Act:
        z = int(np.asarray(zp).reshape(-1)[0]) if zp is not None else 0
        s = float(np.asarray(scale).reshape(-1)[0])
        _check_scale(np.array([s]), name)
        return Act(name, self.shape(name), s, z - 128 if uint8 else z)

    @staticmethod
    def _is_uint8(c: Const | None) -> bool:
        return c is not None and c.value.dtype == np.uint8

    # --------------------------------------------------------------------- walk
    def run(self) -> QGraph:
        g = self.model.graph
        init_names = set(self.consts)
        graph_inputs = [i for i in g.input if i.name not in init_names]
        for inp in graph_inputs:
            elem = inp.type.tensor_type.elem_type
            if elem in (onnx.TensorProto.INT8, onnx.TensorProto.UINT8):
                raise ModelError(f"{self.label}: input '{inp.name}' is already integer; "
                                 "its scale is unknown (give a float input with QuantizeLinear)")
            if not self.quantized:
                self.acts[inp.name] = Act(inp.name, self.shape(inp.name))
            else:
                self._quantize_input(inp.name)
        failed: set[str] = set()   # outputs of nodes already reported (not reported again)
        for node in g.node:
            if id(node) in self.skip:
                continue
            if any(i in failed for i in node.input):
                failed.update(node.output)
                try:   # its input is missing, but an unknown operator is still reported
                    self.check_known(node)
                except Exception as e:
                    self.errors.append(self._node_error(node, e))
                continue
            try:
                self.visit(node)
            except Exception as e:
                self.errors.append(self._node_error(node, e))
                failed.update(node.output)
        if self.errors:
            raise ModelError(f"{self.label}: {len(self.errors)} unsupported or invalid "
                             f"node(s): " + "; ".join(self.errors))
        inputs = []
        for inp in graph_inputs:
            act = self._input_act(inp.name)
            inputs.append(act)
        outputs = []
        for out in g.output:
            v = self.views.get(out.name) or self.acts.get(out.name)
            if v is None:
                raise ModelError(f"{self.label}: graph output '{out.name}' is not computed "
                                 "by a supported operator")
            outputs.append(v)
        return QGraph(g.name or "model", inputs, outputs, self.nodes, self.quantized,
                      self.input_uint8, [i.name for i in graph_inputs], [o.name for o in g.output])

    def _node_error(self, node: onnx.NodeProto, e: Exception) -> str:
        """One clause of the error line: `node 'name' (Op): reason`."""
        text = str(e).strip().splitlines()[0] if str(e).strip() else ""
        if not isinstance(e, ModelError):   # a malformed node the checks above missed
            text = f"invalid node ({type(e).__name__}{': ' + text if text else ''})"
        text = text.removeprefix(f"{self.label}: ")
        if text.startswith("node '"):
            return text
        label = node.name or (node.output[0] if node.output else "?")
        return f"node '{label}' ({node.op_type}): {text}"

    def _quantize_input(self, name: str) -> None:
        """A float graph input quantized after a few float ops (graph_inputs.py)."""
        q = input_quantization(self, name)
        if q is None:
            return
        act = self.new_act(name, np.array(q.scale), np.array(q.zp), q.uint8)
        self.acts[name] = act
        self.input_uint8[name] = q.uint8
        if q.preprocess:
            self.pending[name] = (act, [])

    def _input_act(self, name: str) -> Act:
        if not self.quantized:
            return self.acts[name]
        if name in self.acts:   # quantized after float ops (_quantize_input)
            return self.acts[name]
        qs = [n for n in self.consumers.get(name, []) if n.op_type == "QuantizeLinear"]
        if not qs:
            raise ModelError(f"{self.label}: quantized model, but input '{name}' is not "
                             "quantized by a QuantizeLinear")
        return self.acts[qs[0].output[0]]

    @staticmethod
    def check_known(node: onnx.NodeProto) -> None:
        """Reject an operator no path of `visit` handles, whatever its inputs."""
        op, label = node.op_type, node.name or node.output[0]
        if node.domain not in ("", "ai.onnx", "com.microsoft"):
            raise ModelError(f"node '{label}' ({node.domain}.{op}): unknown operator domain")
        if op not in KNOWN_OPS:
            raise ModelError(f"node '{label}' ({op}): operator not supported")

    def _check_arity(self, node: onnx.NodeProto, label: str) -> None:
        if node.domain not in ("", "ai.onnx"):
            return
        try:
            schema = onnx.defs.get_schema(node.op_type, self.opset, "")
        except onnx.defs.SchemaError:
            return
        if len(node.input) < schema.min_input or len(node.output) < schema.min_output:
            raise ModelError(f"node '{label}' ({node.op_type}): {len(node.input)} input(s) and "
                             f"{len(node.output)} output(s), opset {self.opset} needs at least "
                             f"{schema.min_input} and {schema.min_output}")

    def visit(self, node: onnx.NodeProto) -> None:
        op, label = node.op_type, node.name or node.output[0]
        if op not in FOLDABLE and op not in NOT_FOLDED and node.domain in ("", "ai.onnx") and \
                node.input and all(i == "" or i in self.consts for i in node.input):
            self._fold_reference(node, label)
            return
        self.check_known(node)
        self._check_arity(node, label)
        if op == "Constant":
            self.consts[node.output[0]] = Const(node.output[0], fold_node(node, [])[0])
            return
        if op in FOLDABLE and all(i == "" or i in self.consts for i in node.input) or \
                op == "Shape" and node.input[0] not in self.consts:
            self._fold(node, label)
            return
        if op == "DequantizeLinear":
            self._dequantize(node, label)
            return
        if op == "QuantizeLinear":
            self._quantize(node, label)
            return
        if op in QLINEAR:
            q = qlinear_node(self, node, QLINEAR[op], label)
            for o in q.outputs:
                self.acts[o.name] = o
            self.nodes.append(q)
            return
        if op not in COMPUTE_OPS:
            raise ModelError(f"node '{label}' ({op}): operator not supported")
        self._compute(node, op, label)

    def _fold(self, node, label):
        values = []
        for i in node.input:
            if i == "":
                values.append(None)
            elif i in self.consts:
                values.append(self.consts[i].value)
            else:  # Shape of an activation: its static shape
                values.append(np.array(self.shape(i), np.int64))
        try:
            results = fold_node(node, values)
        except ModelError:
            raise
        except Exception as e:
            raise ModelError(f"node '{label}' ({node.op_type}): cannot evaluate constant: {e}") from None
        for name, v in zip(node.output, results):
            self.consts[name] = Const(name, np.asarray(v))

    def _fold_reference(self, node, label):
        """Any other standard operator on constants only (Expand, Tile, Pow,
        Less, TopK of an anchor table, ...): evaluated by onnx's reference
        implementation of the operator."""
        from onnx.reference import ReferenceEvaluator
        feeds = {}
        for i in node.input:
            if i:
                c = self.consts[i]
                feeds[i] = c.value if c.scale is None else c.real().astype(np.float32)
        try:
            results = ReferenceEvaluator(node).run(None, feeds)
        except Exception as e:
            text = str(e).strip().splitlines()[0][:160] if str(e).strip() else type(e).__name__
            raise ModelError(f"node '{label}' ({node.op_type}): cannot evaluate constant: "
                             f"{text}") from None
        for name, v in zip(node.output, results):
            if name:
                self.consts[name] = Const(name, np.asarray(v))

    def _dequantize(self, node, label):
        x, s = node.input[0], self.consts.get(node.input[1])
        zp = self.consts.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
        if s is None:
            raise ModelError(f"node '{label}' (DequantizeLinear): scale must be a constant")
        axis = attributes(node).get("axis", 1)
        if x in self.consts:
            c = self.consts[x]
            if c.value.dtype not in (np.int8, np.uint8, np.int32):
                raise ModelError(f"node '{label}' (DequantizeLinear): constant of type "
                                 f"{c.value.dtype} not supported")
            if axis < 0:
                axis += c.value.ndim
            self.consts[node.output[0]] = self.quant_const(x, s, zp, axis)
            return
        if x not in self.acts:
            raise ModelError(f"node '{label}' (DequantizeLinear): input '{x}' is not an int8 tensor")
        self.views[node.output[0]] = self.acts[x]

    def _quantize(self, node, label):
        x, out = node.input[0], node.output[0]
        s = self.consts.get(node.input[1])
        zp = self.consts.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
        if s is None:
            raise ModelError(f"node '{label}' (QuantizeLinear): scale must be a constant")
        if np.asarray(s.value).size != 1:
            raise ModelError(f"node '{label}' (QuantizeLinear): per-axis activation "
                             "quantization is not supported")
        if zp is not None and zp.value.dtype not in (np.int8, np.uint8):
            raise ModelError(f"node '{label}' (QuantizeLinear): output type {zp.value.dtype} "
                             "not supported (int8 or uint8)")
        uint8 = self._is_uint8(zp)
        if x in self.consts:  # a float constant quantized in the graph: do it now
            c = self.consts[x]
            sc, z = float(s.value.reshape(-1)[0]), int(zp.value.reshape(-1)[0]) if zp is not None else 0
            lo, hi = (0, 255) if uint8 else (-128, 127)
            q = np.clip(np.round(c.value / sc) + z, lo, hi).astype(np.uint8 if uint8 else np.int8)
            self.consts[out] = Const(out, q)
            return
        act = self.new_act(out, s.value, zp.value if zp is not None else None, uint8)
        if x in self.views or x in self.acts:   # requantize an existing activation
            src = self.views.get(x) or self.acts[x]
            if src.quantized and src.same_quant(act):
                self.acts[out] = src
                return
            self.acts[out] = act
            self.nodes.append(QNode(label, "Requantize", [src], [act]))
            return
        # A graph input: the model's int8 input.
        self.acts[out] = act
        self.input_uint8[out] = uint8

    def _compute(self, node, op, label):
        a = attributes(node)
        if self.quantized and any(i in self.pending for i in node.input):
            self._continue_chain(node, op, label, a)
            return
        if self.quantized:
            for i in node.input:
                if i in self.float_inputs and i not in self.acts:
                    raise ModelError(
                        f"node '{label}' ({op}): reads the float graph input '{i}' before it is "
                        "quantized; supported there: moves (Transpose, Reshape, ...) or Add/Sub/"
                        "Mul/Div by constants, then the QuantizeLinear")
        inputs = [self.value(i) for i in node.input]
        acts = [x for x in inputs if isinstance(x, Act)]
        if not acts and op not in ("Identity",):
            raise ModelError(f"node '{label}' ({op}): no activation input (constant subgraph "
                             "not foldable)")
        if not self.quantized:
            outs = [Act(o, self.shape(o)) for o in node.output if o]
            for o in outs:
                self.acts[o.name] = o
            self.nodes.append(QNode(label, op, inputs, outs, a))
            return
        if any(not x.quantized for x in acts):
            raise ModelError(f"node '{label}' ({op}): input is float in a quantized model")
        clamp = None
        outs = []
        for o in node.output:
            if not o:
                continue
            try:
                target, clamp_o = self._output_quant(node, o, op, label)
            except ModelError:
                if self._chains_on(node, op, inputs, o):
                    act = next(x for x in inputs if isinstance(x, Act))
                    self.pending[o] = (act, [QNode(label, op, inputs, [], a)])
                    return
                target, clamp_o = self._float_output(o, op, inputs, []), None
                if target is None:
                    raise
            if clamp_o is not None:
                clamp = clamp_o
            outs.append(target)
        for name, act in zip([o for o in node.output if o], outs):
            self.views[name] = act
            self.acts[act.name] = act
        self.nodes.append(QNode(label, op, inputs, outs, a, clamp))

    def _chains_on(self, node, op: str, inputs: list, out: str) -> bool:
        """Whether the float result `out` of an elementwise function of one
        activation (other operands constant) is read only by further such ops,
        so that they all make one lookup table."""
        if op not in CHAIN_OPS or len([o for o in node.output if o]) != 1:
            return False
        if sum(isinstance(x, Act) for x in inputs) != 1 or \
                not all(x is None or isinstance(x, (Act, Const)) for x in inputs):
            return False
        users = self.consumers.get(out, [])
        return bool(users) and out not in self.graph_outputs and all(
            u.domain in ("", "ai.onnx") and (u.op_type in CHAIN_OPS or self._quantized_move(u))
            for u in users)

    def _quantized_move(self, node) -> bool:
        """A move (Flatten, Reshape, ...) whose result a QuantizeLinear reads:
        quantize_static leaves timm's HardSwish -> Flatten -> Gemm head float up
        to the Flatten. Moving values commutes with elementwise functions, so
        the chain before it ends as a lookup table into that quantization."""
        return node.op_type in CHAIN_MOVES and any(
            u.op_type == "QuantizeLinear" for u in self.consumers.get(node.output[0], []))

    def _end_chain_at_move(self, node, op: str, label: str, a: dict, name: str) -> None:
        """The chain pending at `name` as one lookup table into the quantization
        of the QuantizeLinear after the move `node`, then the move on int8."""
        src, steps = self.pending[name]
        out = node.output[0]
        q = next(u for u in self.consumers[out] if u.op_type == "QuantizeLinear")
        target = self._absorb_q(q)
        last = steps[-1]
        mid = Act(name, self.shape(name), target.scale, target.zp)
        lut_in = [src if isinstance(x, Act) else x for x in last.inputs]
        self.acts[name] = mid
        self.nodes.append(QNode(last.name, last.op, lut_in, [mid],
                                {**last.attrs, "_chain": steps[:-1]}))
        self.views[out] = target
        self.nodes.append(QNode(label, op, [mid if i == name else self.value(i)
                                            for i in node.input], [target], a))

    def _continue_chain(self, node, op: str, label: str, a: dict) -> None:
        """An op reading the float result of a chain of elementwise ops: one more
        step, and the chain's end (one lookup table) if a QuantizeLinear follows."""
        names = {i for i in node.input if i in self.pending}
        others = [self.value(i) for i in node.input if i and i not in self.pending]
        move = op in CHAIN_MOVES and len(names) == 1 and self.pending[min(names)][1] and \
            self._quantized_move(node)
        if op not in CHAIN_OPS and not move or len(names) != 1 or \
                any(isinstance(x, Act) for x in others):
            raise ModelError(f"node '{label}' ({op}): reads the float result of an elementwise "
                             "operator that is not quantized (no QuantizeLinear follows it); "
                             "only a chain of elementwise functions of one activation is "
                             "supported there")
        (name,) = names
        src, steps = self.pending[name]
        if move:
            self._end_chain_at_move(node, op, label, a, name)
            return
        # The chain's first step reads the int8 activation itself (a graph input
        # quantized ahead of its preprocessing), later ones the float result.
        placeholder = src if not steps else Act(name, self.shape(name))
        inputs = [placeholder if i == name else self.value(i) for i in node.input]
        out = node.output[0]
        q = [u for u in self.consumers.get(out, []) if u.op_type == "QuantizeLinear"]
        if q:
            target = self._absorb_q(q[0])
            final = [src if x is placeholder else x for x in inputs]
            self.views[out] = target
            self.nodes.append(QNode(label, op, final, [target], {**a, "_chain": steps}))
            return
        if self._chains_on(node, op, inputs, out):
            self.pending[out] = (src, steps + [QNode(label, op, inputs, [], a)])
            return
        target = self._float_output(out, op, inputs, steps, src)
        if target is None:
            raise ModelError(f"node '{label}' ({op}): output '{out}' is not quantized "
                             "(no QuantizeLinear follows it)")
        final = [src if x is placeholder else x for x in inputs]
        self.views[out] = target
        self.nodes.append(QNode(label, op, final, [target], {**a, "_chain": steps}))

    def _float_output(self, out: str, op: str, inputs: list, steps: list,
                      src: Act | None = None) -> Act | None:
        """The quantization of a float graph output that elementwise functions of
        one int8 activation compute (quantize_static leaves Tanh, Exp, ... float
        and quantizes nothing after a graph-final one): chosen to span its at
        most 256 values (ops_lut.output_range_quant). None otherwise."""
        acts = [x for x in inputs if isinstance(x, Act)]
        if out not in self.graph_outputs or op not in CHAIN_OPS or len(acts) != 1:
            return None
        src = src or acts[0]
        if not src.quantized:
            return None
        q = output_range_quant(steps + [QNode(out, op, inputs, [])], src)
        if q is None:
            return None
        act = Act(out, self.shape(out), q[0], q[1])
        self.acts[out] = act
        return act

    def _output_quant(self, node, out: str, op: str, label: str):
        """The Act for a float output `out`: from the QuantizeLinear that consumes it,
        through a fused Relu/Clip, or inherited by a transparent op."""
        users = self.consumers.get(out, [])
        q = [u for u in users if u.op_type == "QuantizeLinear"]
        if q:
            return self._absorb_q(q[0]), None
        if op in FUSING_OPS and len(users) == 1 and users[0].op_type in FUSABLE_ACTIVATIONS:
            actnode = users[0]
            lo, hi = self._activation_range(actnode)
            q2 = [u for u in self.consumers.get(actnode.output[0], [])
                  if u.op_type == "QuantizeLinear"]
            if q2:
                self.skip.add(id(actnode))
                target = self._absorb_q(q2[0])
                self.views[actnode.output[0]] = target
                return target, (lo, hi)
        if op in TRANSPARENT or op in MEAN_OPS:
            src = next(x for x in (self.value(i) for i in node.input) if isinstance(x, Act))
            return Act(out, self.shape(out), src.scale, src.zp), None
        raise ModelError(f"node '{label}' ({op}): output '{out}' is not quantized "
                         "(no QuantizeLinear follows it)")

    def _absorb_q(self, qnode) -> Act:
        self.skip.add(id(qnode))
        s = self.consts[qnode.input[1]]
        zp = self.consts.get(qnode.input[2]) if len(qnode.input) > 2 and qnode.input[2] else None
        act = self.new_act(qnode.output[0], s.value, zp.value if zp is not None else None,
                           self._is_uint8(zp))
        self.acts[act.name] = act
        return act

    def _activation_range(self, node) -> tuple[float, float]:
        if node.op_type == "Relu":
            return 0.0, float("inf")
        a = attributes(node)
        lo, hi = a.get("min", -float("inf")), a.get("max", float("inf"))
        if len(node.input) > 1 and node.input[1]:
            lo = float(self._const_real(node.input[1]))
        if len(node.input) > 2 and node.input[2]:
            hi = float(self._const_real(node.input[2]))
        return min(lo, hi), hi   # min > max: every value becomes max (ONNX Clip)

    def _const_real(self, name: str):
        c = self.consts.get(name)
        if c is None:
            raise ModelError(f"Clip bound '{name}' must be a constant")
        return c.real().reshape(-1)[0]


def resolve(model: onnx.ModelProto, label: str) -> QGraph:
    return Resolver(model, label).run()
