"""The zoo's float ONNX graph builder (onnx.helper, seeded He-init weights, NCHW).

Used by zoo.py; a separate file only to keep each file readable in one sitting.
The zoo's cache key hashes this file too.
"""
from __future__ import annotations

import math

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BUILDER_VERSION = 1
OPSET = 17
IR_VERSION = 8
INPUT = "input"
OUTPUT = "output"


# ----------------------------------------------------------------------------
# Graph builder
# ----------------------------------------------------------------------------

def _pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _tf_same(size: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow 'SAME' padding (begin, end): the odd pixel goes at the end."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class Graph:
    """Appends float32 NCHW nodes, tracking shapes and drawing seeded weights.

    With fold_bn, bn() folds into the Conv that produced its input instead of
    adding a BatchNormalization node; the random draws are the same either
    way, so the folded and unfolded graphs compute the same function.
    """

    def __init__(self, input_shape, seed: int, fold_bn: bool = False):
        self.rng = np.random.default_rng(seed)
        self.fold_bn = fold_bn
        self.nodes: list[onnx.NodeProto] = []
        self.inits: dict[str, np.ndarray] = {}
        self.shapes: dict[str, tuple[int, ...]] = {INPUT: tuple(input_shape)}
        self.producer: dict[str, onnx.NodeProto] = {}
        self.consumers: dict[str, int] = {}
        self.input = INPUT

    # -- plumbing --
    def const(self, name: str, value) -> str:
        self.inits[name] = np.asarray(value)
        return name

    def node(self, op: str, inputs: list[str], shape, name: str, out: str | None = None, **attrs) -> str:
        out = out or name
        assert out not in self.shapes, f"duplicate tensor {out}"
        nd = helper.make_node(op, inputs, [out], name=name, **attrs)
        self.nodes.append(nd)
        for i in inputs:
            if i:
                self.consumers[i] = self.consumers.get(i, 0) + 1
        self.shapes[out] = tuple(int(d) for d in shape)
        self.producer[out] = nd
        return out

    def model(self, output: str, graph_name: str) -> onnx.ModelProto:
        inits = [numpy_helper.from_array(a.astype(np.float32) if a.dtype.kind == "f" else a, n)
                 for n, a in self.inits.items()]
        g = helper.make_graph(
            self.nodes, graph_name,
            [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, self.shapes[INPUT])],
            [helper.make_tensor_value_info(output, TensorProto.FLOAT, self.shapes[output])],
            inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION, producer_name="tigris-zoo",
                              producer_version=str(BUILDER_VERSION))
        onnx.checker.check_model(m, full_check=True)
        return m

    # -- layers --
    def conv(self, x: str, cout: int, k=3, stride=1, pad="same", group: int = 1, bias: bool = True,
             gain: float = 1.0, relu_in: bool = True, name: str = "conv", out: str | None = None) -> str:
        """Conv with He-init weights (gain 2 when the input is post-ReLU, else 1).

        pad: "same" (TensorFlow SAME, possibly asymmetric), "sym" (k//2 each
        side), "valid", or explicit (top, left, bottom, right).
        """
        n, cin, h, w = self.shapes[x]
        kh, kw = _pair(k)
        sh, sw = _pair(stride)
        if pad == "same":
            (pt, pb), (pl, pr) = _tf_same(h, kh, sh), _tf_same(w, kw, sw)
        elif pad == "sym":
            pt, pb, pl, pr = kh // 2, kh // 2, kw // 2, kw // 2
        elif pad == "valid":
            pt = pb = pl = pr = 0
        else:
            pt, pl, pb, pr = pad
        oh = (h + pt + pb - kh) // sh + 1
        ow = (w + pl + pr - kw) // sw + 1
        fan_in = cin // group * kh * kw
        std = gain * math.sqrt((2.0 if relu_in else 1.0) / fan_in)
        wt = self.rng.standard_normal((cout, cin // group, kh, kw)) * std
        inputs = [x, self.const(name + ".weight", wt)]
        if bias:
            inputs.append(self.const(name + ".bias", self.rng.normal(0.0, 0.05, cout)))
        return self.node("Conv", inputs, (n, cout, oh, ow), name, out, kernel_shape=[kh, kw],
                         strides=[sh, sw], pads=[pt, pl, pb, pr], group=group)

    def dw(self, x: str, k=3, stride=1, pad="same", bias: bool = True, name: str = "dw") -> str:
        c = self.shapes[x][1]
        return self.conv(x, c, k, stride, pad, group=c, bias=bias, name=name)

    def bn(self, x: str, name: str, eps: float = 1e-3) -> str:
        c = self.shapes[x][1]
        gamma = self.rng.uniform(0.8, 1.2, c)
        beta = self.rng.normal(0.0, 0.1, c)
        mean = self.rng.normal(0.0, 0.1, c)
        var = self.rng.uniform(0.8, 1.25, c)
        prod = self.producer[x]
        if self.fold_bn:
            assert prod.op_type == "Conv" and self.consumers.get(x, 0) == 0, f"cannot fold {name}"
            s = gamma / np.sqrt(var + eps)
            wname = prod.input[1]
            self.inits[wname] = self.inits[wname] * s[:, None, None, None]
            if len(prod.input) > 2:
                b = self.inits[prod.input[2]]
            else:
                b = np.zeros(c)
                prod.input.append(prod.name + ".bias")
            self.inits[prod.name + ".bias"] = (b - mean) * s + beta
            return x
        ins = [x] + [self.const(f"{name}.{p}", v) for p, v in
                     (("scale", gamma), ("bias", beta), ("mean", mean), ("var", var))]
        return self.node("BatchNormalization", ins, self.shapes[x], name, epsilon=eps)

    def relu(self, x: str, name: str, out: str | None = None) -> str:
        return self.node("Relu", [x], self.shapes[x], name, out)

    def relu6(self, x: str, name: str, out: str | None = None) -> str:
        lo = self.const("relu6.min", np.array(0.0, np.float32))
        hi = self.const("relu6.max", np.array(6.0, np.float32))
        return self.node("Clip", [x, lo, hi], self.shapes[x], name, out)

    def add(self, a: str, b: str, name: str, out: str | None = None) -> str:
        assert self.shapes[a] == self.shapes[b], (self.shapes[a], self.shapes[b])
        return self.node("Add", [a, b], self.shapes[a], name, out)

    def concat(self, xs: list[str], name: str, out: str | None = None) -> str:
        s = list(self.shapes[xs[0]])
        s[1] = sum(self.shapes[x][1] for x in xs)
        return self.node("Concat", xs, s, name, out, axis=1)

    def maxpool(self, x: str, k=2, stride=2, pads=(0, 0, 0, 0), name: str = "maxpool") -> str:
        n, c, h, w = self.shapes[x]
        kh, kw = _pair(k)
        sh, sw = _pair(stride)
        oh = (h + pads[0] + pads[2] - kh) // sh + 1
        ow = (w + pads[1] + pads[3] - kw) // sw + 1
        return self.node("MaxPool", [x], (n, c, oh, ow), name, kernel_shape=[kh, kw],
                         strides=[sh, sw], pads=list(pads))

    def avgpool_all(self, x: str, name: str) -> str:
        """AveragePool whose window is the whole feature map (Keras-style pooling)."""
        n, c, h, w = self.shapes[x]
        return self.node("AveragePool", [x], (n, c, 1, 1), name, kernel_shape=[h, w], strides=[h, w])

    def gap(self, x: str, name: str = "gap") -> str:
        n, c, _, _ = self.shapes[x]
        return self.node("GlobalAveragePool", [x], (n, c, 1, 1), name)

    def flatten(self, x: str, name: str = "flatten") -> str:
        s = self.shapes[x]
        return self.node("Flatten", [x], (s[0], int(np.prod(s[1:]))), name, axis=1)

    def gemm(self, x: str, nout: int, name: str, out: str | None = None, gain: float = 1.0) -> str:
        n, k = self.shapes[x]
        wt = self.rng.standard_normal((nout, k)) * gain * math.sqrt(1.0 / k)
        ins = [x, self.const(name + ".weight", wt), self.const(name + ".bias", self.rng.normal(0, 0.05, nout))]
        return self.node("Gemm", ins, (n, nout), name, out, transB=1)

    def matmul_add(self, x: str, nout: int, name: str, out: str | None = None) -> str:
        n, k = self.shapes[x]
        wt = self.rng.standard_normal((k, nout)) * math.sqrt(1.0 / k)
        y = self.node("MatMul", [x, self.const(name + ".weight", wt)], (n, nout), name + "_matmul")
        b = self.const(name + ".bias", self.rng.normal(0, 0.05, nout))
        return self.node("Add", [y, b], (n, nout), name + "_bias", out)

    def softmax(self, x: str, name: str = "softmax", out: str | None = OUTPUT) -> str:
        return self.node("Softmax", [x], self.shapes[x], name, out, axis=-1)

    def resize2x(self, x: str, name: str) -> str:
        n, c, h, w = self.shapes[x]
        scales = self.const(name + ".scales", np.array([1.0, 1.0, 2.0, 2.0], np.float32))
        return self.node("Resize", [x, "", scales], (n, c, 2 * h, 2 * w), name, mode="nearest",
                         coordinate_transformation_mode="asymmetric", nearest_mode="floor")

    # -- common blocks --
    def conv_bn_act(self, x: str, cout: int, k, stride, name: str, act: str = "relu6",
                    bn: bool = True, group: int = 1, pad="same", gain: float = 1.0,
                    relu_in: bool = True) -> str:
        """Conv (bias only without BN) -> [BatchNormalization] -> activation ("relu6"/"relu"/None)."""
        y = self.conv(x, cout, k, stride, pad, group=group, bias=not bn, gain=gain,
                      relu_in=relu_in, name=name)
        if bn:
            y = self.bn(y, name + "_bn")
        if act == "relu6":
            y = self.relu6(y, name + "_relu6")
        elif act == "relu":
            y = self.relu(y, name + "_relu")
        return y
