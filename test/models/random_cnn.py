"""Random small CNNs for differential tests of the planner.

A model is a `Spec`: an input shape and a list of blocks, each a dict of
its kind and its own random choices. `build(spec)` turns it into a float
ONNX graph (opset 17, NCHW), fitting every block to the tensor it receives
(a stride that would leave no row becomes 1, an upsample-and-concat needs
even sizes, ...), so any sub-list of blocks is again a valid model: that is
what lets a failing case shrink by dropping blocks.

The block kinds cover what the tiler must keep exact: convolutions of any
kernel 1-5, stride 1-2, asymmetric pads 0-2, dilation, groups and depthwise;
pools; lookup-table activations (ReLU, Clip, HardSwish, HardSigmoid,
Sigmoid, LeakyRelu); residual Adds; squeeze-and-excitation blocks (a global
average pool, two 1x1 convs and a HardSigmoid whose [1, C, 1, 1] scale every
row of the feature map is multiplied by); channel concatenations of two
branches; nearest upsampling concatenated with an earlier, finer feature
map (an FPN neck); constant pads; a pooled fully connected head.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ACTIVATIONS = ["none", "relu", "relu6", "hardswish", "hardsigmoid", "sigmoid", "leaky"]
KINDS = ["conv", "conv", "depthwise", "pool", "se", "residual", "concat", "fpn", "pad",
         "mul_branches", "deconv", "upsample", "bn"]


@dataclass
class Spec:
    seed: int
    shape: tuple                    # (1, C, H, W)
    blocks: list = field(default_factory=list)
    head: bool = False              # global pool + Gemm at the end

    def describe(self) -> str:
        parts = [f"input {'x'.join(map(str, self.shape))}"]
        for b in self.blocks:
            parts.append(b["kind"] + "(" + ", ".join(f"{k}={v}" for k, v in b.items()
                                                      if k != "kind") + ")")
        if self.head:
            parts.append("gap+gemm")
        return "; ".join(parts)


def random_block(rng: np.random.Generator) -> dict:
    kind = str(rng.choice(KINDS))
    b = {"kind": kind}
    if kind in ("conv", "depthwise"):
        b["k"] = int(rng.choice([1, 2, 3, 3, 5]))
        b["s"] = int(rng.choice([1, 1, 2]))
        b["pads"] = [int(p) for p in rng.integers(0, 3, 4)]
        b["dilation"] = int(rng.choice([1, 1, 1, 2]))
        b["act"] = str(rng.choice(ACTIVATIONS))
        b["cout"] = int(rng.choice([4, 8, 12, 16]))
        b["groups"] = int(rng.choice([1, 1, 1, 2]))
    elif kind == "pool":
        b["op"] = str(rng.choice(["MaxPool", "AveragePool"]))
        b["k"] = int(rng.choice([2, 3]))
        b["s"] = int(rng.choice([1, 2]))
        b["pads"] = [int(p) for p in rng.integers(0, 2, 4)]
    elif kind == "se":
        b["squeeze"] = int(rng.choice([2, 4]))
        b["gate"] = str(rng.choice(["hardsigmoid", "sigmoid"]))
    elif kind == "residual":
        b["k"] = int(rng.choice([1, 3, 5]))
        b["act"] = str(rng.choice(ACTIVATIONS))
    elif kind == "concat":
        b["k"] = int(rng.choice([1, 3]))
        b["cout"] = int(rng.choice([4, 8]))
    elif kind == "fpn":
        b["k"] = int(rng.choice([1, 3]))
        b["cout"] = int(rng.choice([4, 8, 16]))
    elif kind == "pad":
        b["pads"] = [int(p) for p in rng.integers(0, 3, 4)]
    elif kind == "mul_branches":
        b["act"] = str(rng.choice(["sigmoid", "hardsigmoid", "relu"]))
    elif kind == "deconv":
        b["k"] = int(rng.choice([2, 3, 4]))
        b["s"] = int(rng.choice([1, 2, 2]))
        b["pads"] = [int(p) for p in rng.integers(0, 2, 4)]
        b["output_padding"] = int(rng.choice([0, 0, 1]))
        b["cout"] = int(rng.choice([4, 8]))
        b["act"] = str(rng.choice(ACTIVATIONS))
    elif kind == "upsample":
        b["scale"] = int(rng.choice([2, 2, 3, 4]))
        b["mode"] = str(rng.choice(["nearest", "nearest", "linear"]))
    elif kind == "bn":
        b["act"] = str(rng.choice(["relu", "hardsigmoid", "hardswish"]))
    return b


def random_spec(seed: int, max_blocks: int = 6) -> Spec:
    rng = np.random.default_rng(seed)
    c = int(rng.choice([1, 3, 4, 8]))
    h = int(rng.integers(6, 25))
    w = int(rng.integers(6, 25))
    blocks = [random_block(rng) for _ in range(int(rng.integers(2, max_blocks + 1)))]
    while blocks[0]["kind"] not in ("conv", "depthwise", "residual", "concat"):
        blocks[0] = random_block(rng)   # quantize_static leaves a pool of the float input float
    return Spec(seed, (1, c, h, w), blocks, bool(rng.random() < 0.3))


class _Builder:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed + 7919)
        self.nodes, self.inits = [], []
        self.count = 0

    def name(self, stem: str) -> str:
        self.count += 1
        return f"{stem}_{self.count}"

    def const(self, value, dtype=np.float32) -> str:
        name = self.name("c")
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype), name))
        return name

    def node(self, op: str, ins, **attrs) -> str:
        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, list(ins), [out], name=out, **attrs))
        return out

    def conv(self, x, cin, cout, k, s=1, pads=None, group=1, dilation=1) -> str:
        w = self.rng.standard_normal((cout, cin // group, k, k)) \
            * np.sqrt(2 / (cin // group * k * k))
        b = self.rng.normal(0, 0.1, cout)
        p = [k // 2] * 4 if pads is None else list(pads)
        return self.node("Conv", [x, self.const(w), self.const(b)], kernel_shape=[k, k],
                         strides=[s, s], pads=p, group=group, dilations=[dilation, dilation])

    def act(self, x, kind) -> str:
        if kind == "relu":
            return self.node("Relu", [x])
        if kind == "relu6":
            return self.node("Clip", [x, self.const(0.0), self.const(6.0)])
        if kind == "hardswish":
            return self.node("HardSwish", [x])
        if kind == "hardsigmoid":
            return self.node("HardSigmoid", [x], alpha=1 / 6, beta=0.5)
        if kind == "sigmoid":
            return self.node("Sigmoid", [x])
        if kind == "leaky":
            return self.node("LeakyRelu", [x], alpha=0.1)
        return x


def _out(size: int, k: int, s: int, lo: int, hi: int, d: int = 1) -> int:
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def build(spec: Spec) -> onnx.ModelProto:
    """The float ONNX model of `spec`, each block fitted to its input."""
    g = _Builder(spec.seed)
    _, c, h, w = spec.shape
    x = "x"
    for b in spec.blocks:
        kind = b["kind"]
        if kind in ("conv", "depthwise"):
            k, s, d = b["k"], b["s"], b["dilation"]
            pads = list(b["pads"])
            if d * (k - 1) + 1 > min(h + pads[0] + pads[2], w + pads[1] + pads[3]):
                k, d = 1, 1
            if _out(h, k, s, pads[0], pads[2], d) < 2 or _out(w, k, s, pads[1], pads[3], d) < 2:
                s = 1
            if kind == "depthwise":
                cout, group = c, c
            else:
                group = b["groups"] if c % b["groups"] == 0 else 1
                cout = b["cout"] - b["cout"] % group if b["cout"] % group else b["cout"]
            x = g.act(g.conv(x, c, cout, k, s, [pads[0], pads[1], pads[2], pads[3]], group, d),
                      b["act"])
            h, w, c = _out(h, k, s, pads[0], pads[2], d), _out(w, k, s, pads[1], pads[3], d), cout
        elif kind == "pool":
            k, s = b["k"], b["s"]
            pads = [min(p, k - 1) for p in b["pads"]]
            if _out(h, k, s, pads[0], pads[2]) < 2 or _out(w, k, s, pads[1], pads[3]) < 2:
                continue
            attrs = dict(kernel_shape=[k, k], strides=[s, s], pads=pads)
            if b["op"] == "AveragePool":
                attrs["count_include_pad"] = 0
            x = g.node(b["op"], [x], **attrs)
            h, w = _out(h, k, s, pads[0], pads[2]), _out(w, k, s, pads[1], pads[3])
        elif kind == "se":
            sq = max(1, c // b["squeeze"])
            p = g.node("GlobalAveragePool", [x])
            p = g.node("Relu", [g.conv(p, c, sq, 1)])
            p = g.act(g.conv(p, sq, c, 1), b["gate"])
            x = g.node("Mul", [x, p])
        elif kind == "residual":
            k = b["k"] if min(h, w) >= b["k"] else 1
            y = g.act(g.conv(x, c, c, k), b["act"])
            x = g.node("Add", [y, x])
        elif kind == "concat":
            y = g.act(g.conv(x, c, b["cout"], b["k"]), "relu")
            x = g.node("Concat", [x, y], axis=1)
            c += b["cout"]
        elif kind == "fpn":
            if h % 2 or w % 2 or min(h, w) < 4:
                continue
            k = b["k"]
            low = g.act(g.conv(x, c, b["cout"], k, 2), "relu")
            low = g.act(g.conv(low, b["cout"], b["cout"], k), "relu")
            up = g.node("Resize", [low, "", g.const([1, 1, 2, 2])], mode="nearest",
                        coordinate_transformation_mode="asymmetric", nearest_mode="floor")
            x = g.node("Concat", [up, x], axis=1)
            c += b["cout"]
        elif kind == "pad":
            p = b["pads"]
            x = g.node("Pad", [x, g.const([0, 0, p[0], p[1], 0, 0, p[2], p[3]], np.int64)],
                       mode="constant")
            h, w = h + p[0] + p[2], w + p[1] + p[3]
        elif kind == "mul_branches":
            a = g.act(g.conv(x, c, c, 1), b["act"])
            x = g.node("Mul", [x, a])
        elif kind == "deconv":
            k, s = b["k"], b["s"]
            pads = [min(p, k - 1) for p in b["pads"]]
            op = min(b["output_padding"], s - 1)
            oh = (h - 1) * s - pads[0] - pads[2] + k + op
            ow = (w - 1) * s - pads[1] - pads[3] + k + op
            if oh < 2 or ow < 2 or max(oh, ow) > 96:
                continue
            wt = g.rng.standard_normal((c, b["cout"], k, k)) * np.sqrt(2 / (c * k * k))
            x = g.act(g.node("ConvTranspose", [x, g.const(wt), g.const(g.rng.normal(0, 0.1, b["cout"]))],
                             kernel_shape=[k, k], strides=[s, s], pads=pads,
                             output_padding=[op, op]), b["act"])
            h, w, c = oh, ow, b["cout"]
        elif kind == "upsample":
            f = b["scale"]
            if max(h, w) * f > 96:
                continue
            attrs = dict(mode=b["mode"], coordinate_transformation_mode="asymmetric")
            if b["mode"] == "nearest":
                attrs["nearest_mode"] = "floor"
            else:
                attrs["coordinate_transformation_mode"] = "half_pixel"
            x = g.node("Resize", [x, "", g.const([1, 1, f, f])], **attrs)
            h, w = h * f, w * f
        elif kind == "bn":
            r = g.rng
            x = g.node("BatchNormalization", [x, g.const(r.uniform(0.5, 1.5, c)),
                                              g.const(r.normal(0, 0.1, c)),
                                              g.const(r.normal(0, 0.1, c)),
                                              g.const(r.uniform(0.5, 1.5, c))], epsilon=1e-5)
            x = g.act(x, b["act"])
    if spec.head:
        x = g.node("GlobalAveragePool", [x])
        x = g.node("Flatten", [x], axis=1)
        wt = g.rng.standard_normal((4, c)) * np.sqrt(2 / c)
        x = g.node("Gemm", [x, g.const(wt), g.const(g.rng.normal(0, 0.1, 4))], transB=1)
    graph = helper.make_graph(
        g.nodes, f"random_{spec.seed}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(spec.shape))],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, None)], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model)
    return model


def shrinks(spec: Spec):
    """Smaller variants of `spec`, most reducing first: without one block,
    without the head, with a smaller input."""
    for i in range(len(spec.blocks)):
        s = copy.deepcopy(spec)
        del s.blocks[i]
        if s.blocks:
            yield s
    if spec.head:
        s = copy.deepcopy(spec)
        s.head = False
        yield s
    _, c, h, w = spec.shape
    for shape in ((1, c, max(4, h // 2), w), (1, c, h, max(4, w // 2)), (1, 1, h, w)):
        if shape != spec.shape:
            s = copy.deepcopy(spec)
            s.shape = shape
            yield s
