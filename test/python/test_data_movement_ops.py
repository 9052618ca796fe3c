"""ONNX data movement the importer lowers to kernels the runtime already has:
Slice with steps (YOLOv5's Focus stem, reversal of short axes), Pad in
reflect / edge / wrap modes, DepthToSpace (DCR, CRD) and SpaceToDepth, and
ReduceMax over the spatial axes (a global max pool).

Small float models written with onnx.helper around convolutions (so the op
sits between quantized layers), quantized with onnxruntime's quantize_static,
imported, legalized and run by the reference interpreter against onnxruntime,
and compiled and run on the host C runtime against the reference, byte for
byte, at a roomy budget and at a tight one that forces tiling.

What quantize_static (onnxruntime 1.32) does with these ops: Pad in a copying
mode keeps its input's quantization (QDQPad: reflect, edge and wrap only copy
input values; QOperator runs the Pad on the uint8/int8 tensor), and so does
Slice in QDQ. DepthToSpace, SpaceToDepth, ReduceMax (both formats) and Slice
(QOperator) are in no registry: they stay float between a DequantizeLinear
of their input and the QuantizeLinear a quantized consumer asks for (its own
calibrated scale: the importer requantizes after the move), and a graph-final
one is left float (the importer gives it the input's quantization: every
output value is an input value). Slices of the float graph input (the Focus
stem) stay float too, each quantized with its own scale (see
test_focus_stem_is_within_one_lsb).

The moves are exact by construction (test_op_alone_is_exact: 0 LSB); the
models' figures against onnxruntime are at BOUND below.
"""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_check import (he_weights as _weights, make_model, quantize, rejects_in_one_line,
                        runtime_equals_reference, small_bias as _bias, worst_lsb)

from tigris.dialects import make_context
from tigris.importers.onnx import import_onnx

SHAPE = (1, 3, 16, 16)
BIG = np.iinfo(np.int64).max
n = helper.make_node


def _ints(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def _model(nodes, inits, out_shape, name, opset=17, shape=SHAPE):
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                      list(shape))],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)], inits)
    return make_model(g, opset)


def _slice(src, dst, starts, ends, axes, steps, name, inits):
    """A Slice node with its constant inputs (named after the node) added to `inits`."""
    names = [f"{name}_{k}" for k in ("starts", "ends", "axes", "steps")]
    inits += [_ints(k, v) for k, v in zip(names, (starts, ends, axes, steps))]
    return n("Slice", [src] + names, [dst], name=name)


# ---------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------

def focus(seed=0):
    """YOLOv5's Focus stem: x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2],
    x[..., 1::2, 1::2] (ends INT64_MAX, as torch.onnx writes them), Concat on
    channels, then Conv -> Relu -> 1x1 Conv."""
    rng = np.random.default_rng(seed)
    inits = [_weights(rng, "w0", 16, 12, 3, 3), _bias(rng, "b0", 16),
             _weights(rng, "w1", 8, 16, 1, 1)]
    nodes = [_slice("x", f"s{i}", [r, c], [BIG, BIG], [2, 3], [2, 2], f"focus{i}", inits)
             for i, (r, c) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)])]
    nodes += [n("Concat", ["s0", "s1", "s2", "s3"], ["cat"], axis=1, name="cat"),
              n("Conv", ["cat", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1], name="conv"),
              n("Relu", ["c0"], ["r0"], name="relu"),
              n("Conv", ["r0", "w1"], ["y"], name="conv2")]
    return _model(nodes, inits, [1, 8, 8, 8], "focus")


def strided(starts, ends, axes, steps, out_shape, shape=(1, 3, 15, 15), seed=1):
    """Conv -> one Slice (any starts/ends/steps) -> 1x1 Conv."""
    rng = np.random.default_rng(seed)
    inits = [_weights(rng, "w0", 8, shape[1], 3, 3), _bias(rng, "b0", 8)]
    sl = _slice("c0", "s", starts, ends, axes, steps, "cut", inits)
    inits.append(_weights(rng, "w1", 4, out_shape[1], 1, 1))
    nodes = [n("Conv", ["x", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1], name="conv"), sl,
             n("Conv", ["s", "w1"], ["y"], name="conv2")]
    return _model(nodes, inits, [1, 4] + out_shape[2:], "strided", shape=shape)


def padded(mode, pads, seed=2):
    """Conv -> Relu -> Pad (a copying mode) -> unpadded 3x3 Conv."""
    rng = np.random.default_rng(seed)
    inits = [_weights(rng, "w0", 8, 3, 3, 3), _bias(rng, "b0", 8),
             _weights(rng, "w1", 8, 8, 3, 3), _ints("pads", pads)]
    h = SHAPE[2] + pads[2] + pads[6] - 2
    w = SHAPE[3] + pads[3] + pads[7] - 2
    nodes = [n("Conv", ["x", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1], name="conv"),
             n("Relu", ["c0"], ["r0"], name="relu"),
             n("Pad", ["r0", "pads"], ["p"], mode=mode, name="pad"),
             n("Conv", ["p", "w1"], ["y"], name="conv2")]
    return _model(nodes, inits, [1, 8, h, w], "padded", opset=19 if mode == "wrap" else 17)


def pixel_shuffle(mode, block=2, seed=3):
    """A sub-pixel upsampler: Conv (4 * block^2 channels) -> DepthToSpace ->
    Conv -> Relu -> Conv."""
    rng = np.random.default_rng(seed)
    c = 4 * block * block
    inits = [_weights(rng, "w0", c, 3, 3, 3), _bias(rng, "b0", c), _weights(rng, "w1", 8, 4, 3, 3),
             _weights(rng, "w2", 2, 8, 3, 3)]
    nodes = [n("Conv", ["x", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1], name="conv"),
             n("DepthToSpace", ["c0"], ["d"], blocksize=block, mode=mode, name="d2s"),
             n("Conv", ["d", "w1"], ["c1"], pads=[1, 1, 1, 1], name="conv2"),
             n("Relu", ["c1"], ["r1"], name="relu"),
             n("Conv", ["r1", "w2"], ["y"], pads=[1, 1, 1, 1], name="conv3")]
    return _model(nodes, inits, [1, 2, 16 * block, 16 * block], "pixel_shuffle")


def space_to_depth(block=2, seed=4):
    """Conv -> Relu -> Conv -> SpaceToDepth -> Conv."""
    rng = np.random.default_rng(seed)
    c = 4 * block * block
    inits = [_weights(rng, "w0", 16, 3, 3, 3), _bias(rng, "b0", 16),
             _weights(rng, "wa", 4, 16, 3, 3), _weights(rng, "w1", 8, c, 1, 1)]
    nodes = [n("Conv", ["x", "w0", "b0"], ["c"], pads=[1, 1, 1, 1], name="conv"),
             n("Relu", ["c"], ["r"], name="relu"),
             n("Conv", ["r", "wa"], ["c0"], pads=[1, 1, 1, 1], name="conv1"),
             n("SpaceToDepth", ["c0"], ["s"], blocksize=block, name="s2d"),
             n("Conv", ["s", "w1"], ["y"], name="conv2")]
    return _model(nodes, inits, [1, 8, 16 // block, 16 // block], "space_to_depth")


def max_head(opset, keepdims, axes, seed=5):
    """Conv -> Relu -> Conv -> Relu -> ReduceMax as the graph output (left float
    by quantize_static)."""
    rng = np.random.default_rng(seed)
    inits = [_weights(rng, "w", 16, 3, 3, 3), _weights(rng, "w0", 8, 16, 3, 3), _bias(rng, "b0", 8)]
    if opset >= 18:
        rm = n("ReduceMax", ["r0", "axes"], ["y"], keepdims=keepdims, name="head")
        inits.append(_ints("axes", axes))
    else:
        rm = n("ReduceMax", ["r0"], ["y"], axes=axes, keepdims=keepdims, name="head")
    nodes = [n("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], name="conv0"),
             n("Relu", ["c"], ["r"], name="relu0"),
             n("Conv", ["r", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1], name="conv"),
             n("Relu", ["c0"], ["r0"], name="relu"), rm]
    return _model(nodes, inits, [1, 8, 1, 1] if keepdims else [1, 8], "max_head", opset)


def max_classifier(seed=6):
    """opset 18: Conv -> Relu -> Conv -> Relu -> ReduceMax(axes input [-1, -2],
    keepdims=0) -> Gemm,
    the ReduceMax between quantized layers (requantized to the Gemm's input)."""
    rng = np.random.default_rng(seed)
    inits = [_weights(rng, "w", 16, 3, 3, 3), _weights(rng, "w0", 16, 16, 3, 3),
             _bias(rng, "b0", 16), _ints("axes", [-1, -2]),
             _weights(rng, "fc", 10, 16), _bias(rng, "fb", 10)]
    nodes = [n("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], name="conv0"),
             n("Relu", ["c"], ["r"], name="relu0"),
             n("Conv", ["r", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1], name="conv"),
             n("Relu", ["c0"], ["r0"], name="relu"),
             n("ReduceMax", ["r0", "axes"], ["m"], keepdims=0, name="gmp"),
             n("Gemm", ["m", "fc", "fb"], ["y"], transB=1, name="fc")]
    return _model(nodes, inits, [1, 10], "max_classifier", 18)


def alone(body, inits, in_shape, out_shape, opset=17, name="alone"):
    """x -> QuantizeLinear -> DequantizeLinear -> `body` ('xf' -> 'yf') ->
    QuantizeLinear -> DequantizeLinear -> y, one quantization throughout: what
    onnxruntime computes is the op on the int8 input exactly, so the
    reference must match it to 0 LSB."""
    q = [numpy_helper.from_array(np.array(0.05, np.float32), "s"),
         numpy_helper.from_array(np.array(3, np.int8), "z")]
    nodes = [n("QuantizeLinear", ["x", "s", "z"], ["xq"], name="q_in"),
             n("DequantizeLinear", ["xq", "s", "z"], ["xf"], name="dq_in"), *body,
             n("QuantizeLinear", ["yf", "s", "z"], ["yq"], name="q_out"),
             n("DequantizeLinear", ["yq", "s", "z"], ["y"], name="dq_out")]
    return _model(nodes, list(inits) + q, out_shape, name, opset, in_shape)


def slice_alone(starts, ends, axes, steps, in_shape, out_shape):
    inits = []
    return alone([_slice("xf", "yf", starts, ends, axes, steps, "cut", inits)], inits,
                 in_shape, out_shape)


def pad_alone(mode, pads, in_shape, axes=None):
    inits = [_ints("pads", pads)]
    ins = ["xf", "pads"]
    if axes is not None:
        inits.append(_ints("axes", axes))
        ins += ["", "axes"]
    full = pads if axes is None else [0] * (2 * len(in_shape))
    if axes is not None:
        for i, a in enumerate(axes):
            full[a % len(in_shape)] = pads[i]
            full[a % len(in_shape) + len(in_shape)] = pads[len(axes) + i]
    out = [d + full[i] + full[i + len(in_shape)] for i, d in enumerate(in_shape)]
    opset = 19 if mode == "wrap" else 18 if axes is not None else 17
    return alone([n("Pad", ins, ["yf"], mode=mode, name="pad")], inits, in_shape, out, opset)


def d2s_alone(mode, block, in_shape):
    nn, c, h, w = in_shape
    return alone([n("DepthToSpace", ["xf"], ["yf"], blocksize=block, mode=mode, name="d2s")], [],
                 in_shape, [nn, c // block ** 2, h * block, w * block])


def s2d_alone(block, in_shape):
    nn, c, h, w = in_shape
    return alone([n("SpaceToDepth", ["xf"], ["yf"], blocksize=block, name="s2d")], [],
                 in_shape, [nn, c * block ** 2, h // block, w // block])


def max_alone(opset, keepdims, axes, in_shape=(1, 5, 7, 6), noop=None, op="ReduceMax"):
    inits, ins, attrs = [], ["xf"], {"keepdims": keepdims}
    if opset >= 18:
        if axes is not None:
            inits.append(_ints("axes", axes))
            ins.append("axes")
        if noop is not None:
            attrs["noop_with_empty_axes"] = noop
    else:
        attrs["axes"] = axes
    out = list(in_shape) if noop else in_shape[:2] + ((1, 1) if keepdims else ())
    return alone([n(op, ins, ["yf"], name="gmp", **attrs)], inits, in_shape,
                 list(out), opset)


ALONE = {
    # YOLOv5 Focus phases; ends INT64_MAX
    "slice_focus": lambda: slice_alone([1, 0], [BIG, BIG], [2, 3], [2, 2], (1, 3, 16, 16),
                                       [1, 3, 8, 8]),
    # odd size: the last group is short, a pad completes it
    "slice_short_group": lambda: slice_alone([0], [BIG], [2], [2], (1, 3, 15, 15),
                                             [1, 3, 8, 15]),
    # a crop to whole groups away from 0, a negative end, a step on channels
    "slice_crop": lambda: slice_alone([1, 2, -100], [8, -1, 100], [1, 2, 3], [2, 3, 4],
                                      (1, 8, 15, 15), [1, 4, 4, 4]),
    # three strided axes: the split rank would pass 6, so two rounds
    "slice_three_axes": lambda: slice_alone([0, 1, 1], [BIG, BIG, BIG], [1, 2, 3], [2, 2, 3],
                                            (1, 8, 8, 9), [1, 4, 4, 3]),
    # BGR <-> RGB: reversed channels, ends -INT64_MAX
    "slice_reverse_channels": lambda: slice_alone([-1], [-BIG], [1], [-1], (1, 3, 16, 16),
                                                  [1, 3, 16, 16]),
    "slice_reverse_strided": lambda: slice_alone([-2, 10], [-BIG, 2], [3, -2], [-2, -3],
                                                 (1, 3, 12, 15), [1, 3, 3, 7]),
    # one element selected: a plain crop
    "slice_single": lambda: slice_alone([5], [BIG], [3], [10], (1, 3, 8, 8), [1, 3, 8, 1]),
    # a rank-3 tensor in the ONNX order
    "slice_rank3": lambda: slice_alone([1, 9], [BIG, -BIG], [1, 2], [2, -3], (1, 6, 10),
                                       [1, 3, 4]),
    "pad_reflect": lambda: pad_alone("reflect", [0, 0, 1, 1, 0, 0, 1, 1], (1, 3, 8, 8)),
    "pad_reflect_asymmetric": lambda: pad_alone("reflect", [0, 1, 3, 0, 0, 2, 2, 3],
                                                (1, 4, 6, 5)),
    "pad_edge": lambda: pad_alone("edge", [0, 0, 2, 1, 0, 0, 0, 3], (1, 3, 8, 8)),
    "pad_wrap": lambda: pad_alone("wrap", [0, 0, 1, 2, 0, 0, 2, 1], (1, 3, 8, 8)),
    "pad_reflect_axes": lambda: pad_alone("reflect", [2, 1, 1, 3], (1, 3, 8, 8), axes=[-1, 2]),
    "d2s_dcr_2": lambda: d2s_alone("DCR", 2, (1, 8, 5, 6)),
    "d2s_crd_2": lambda: d2s_alone("CRD", 2, (1, 8, 5, 6)),
    "d2s_dcr_3": lambda: d2s_alone("DCR", 3, (1, 18, 4, 3)),
    "d2s_crd_3": lambda: d2s_alone("CRD", 3, (1, 18, 4, 3)),
    "s2d_2": lambda: s2d_alone(2, (1, 3, 16, 16)),
    "s2d_4": lambda: s2d_alone(4, (1, 2, 8, 12)),
    "max_13_keep": lambda: max_alone(13, 1, [2, 3]),
    "max_17_drop": lambda: max_alone(17, 0, [-1, -2]),
    "max_18_keep": lambda: max_alone(18, 1, [2, 3]),
    "max_18_drop": lambda: max_alone(18, 0, [-2, 3]),
    "max_18_noop": lambda: max_alone(18, 1, None, noop=1),
    # ReduceMin: a max pool between two order-reversing tables
    "min_13_keep": lambda: max_alone(13, 1, [2, 3], op="ReduceMin"),
    "min_18_drop": lambda: max_alone(18, 0, [-2, 3], op="ReduceMin"),
}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _input_shape(model):
    return tuple(d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim)


def _ops(path):
    ctx = make_context()
    return str(import_onnx(str(path), ctx).module)


def _tiled_stages(path, budget):
    from tigris.analysis import analyze
    from tigris.budget import Budget
    report = analyze(str(path), Budget.parse(budget), None)
    assert report["budget"]["fits"]
    return report["budget"]["tiled_stages"]


def _reject(tmp_path, model, op, *words):
    rejects_in_one_line(tmp_path, model, f"({op})", *words)


# ---------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(ALONE))
def test_op_alone_is_exact(name, tmp_path):
    """Each op on an int8 input, quantized the same before and after: the
    reference equals onnxruntime exactly (data movement, no arithmetic)."""
    model = ALONE[name]()
    path = tmp_path / f"{name}.onnx"
    onnx.save(model, path)
    assert worst_lsb(path, _input_shape(model), count=3) == 0


# max_18_noop is the identity: a plan of no call whose output is its input.
@pytest.mark.parametrize("name", sorted(ALONE))
def test_op_alone_runs_in_the_runtime(name, tmp_path):
    """The same plans on the C runtime: rank-5 and rank-6 slices and
    transposes, pads, inserts, byte for byte."""
    model = ALONE[name]()
    path = tmp_path / f"{name}.onnx"
    onnx.save(model, path)
    runtime_equals_reference(path, tmp_path, "64K", _input_shape(model), count=2)


MODELS = {
    "focus": focus,
    "strided": lambda: strided([1, -2], [BIG, 0], [2, 3], [2, -3], [1, 8, 7, 5]),
    "reverse": lambda: strided([-1], [-BIG], [1], [-1], [1, 8, 15, 15]),
    "reflect": lambda: padded("reflect", [0, 0, 1, 1, 0, 0, 1, 1]),
    "edge": lambda: padded("edge", [0, 0, 2, 1, 0, 0, 0, 3]),
    "wrap": lambda: padded("wrap", [0, 0, 1, 2, 0, 0, 2, 1]),
    "pixel_shuffle_dcr": lambda: pixel_shuffle("DCR"),
    "pixel_shuffle_crd": lambda: pixel_shuffle("CRD"),
    "space_to_depth": space_to_depth,
    "max_classifier": max_classifier,
    "max_head": lambda: max_head(17, 0, [2, 3]),
}
# Worst |LSB| against onnxruntime 1.32, measured over 30 inputs and three
# calibration seeds, QDQ and QOperator alike: 1 for strided, reverse, reflect,
# edge, wrap, max_classifier and max_head; 2 for pixel_shuffle_dcr/crd and
# space_to_depth (three convolutions deep); 3 for focus. The moves themselves
# are exact (test_op_alone_is_exact): what remains is the convolutions'
# rounding, the requantization to a consumer's own scale where quantize_static
# leaves the op float, and for focus the input's one quantization against the
# four of onnxruntime (test_focus_stem_is_within_one_lsb), which its 3x3
# convolution over 12 channels sums up.
BOUND = {"focus": 3, "pixel_shuffle_dcr": 2, "pixel_shuffle_crd": 2, "space_to_depth": 2}


@pytest.mark.parametrize("fmt", ["qdq", "qop"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_matches_onnxruntime(name, fmt, tmp_path):
    model = MODELS[name]()
    shape = _input_shape(model)
    path = quantize(model, tmp_path / f"{name}.{fmt}.onnx", shape, fmt)
    worst = worst_lsb(path, shape)
    print(f"{name} {fmt}: worst {worst} LSB")
    assert worst <= BOUND.get(name, 1)


# Budgets (fast + slow) that force tiling: at least one stage is cut into row
# strips (the moves themselves run whole, from the slow pool if need be).
TIGHT = {"focus": "1536+1M", "strided": "2K+1M", "reverse": "3K+1M", "reflect": "3K+1M",
         "edge": "4K+1M", "wrap": "4K+1M", "pixel_shuffle_dcr": "6K+1M",
         "pixel_shuffle_crd": "6K+1M", "space_to_depth": "3K+1M", "max_classifier": "4K+1M",
         "max_head": "4K+1M"}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_runtime_equals_reference(name, tmp_path):
    model = MODELS[name]()
    shape = _input_shape(model)
    path = quantize(model, tmp_path / f"{name}.onnx", shape)
    runtime_equals_reference(path, tmp_path, "64K+1M", shape)
    assert _tiled_stages(path, TIGHT[name]) >= 1
    runtime_equals_reference(path, tmp_path, TIGHT[name], shape)


def focus_stem():
    """The Focus stem alone: four strided Slices of the input, Concat as the output."""
    inits = []
    nodes = [_slice("x", f"s{i}", [r, c], [BIG, BIG], [2, 3], [2, 2], f"focus{i}", inits)
             for i, (r, c) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)])]
    nodes.append(n("Concat", ["s0", "s1", "s2", "s3"], ["y"], axis=1, name="cat"))
    return _model(nodes, inits, [1, 12, 8, 8], "focus_stem")


@pytest.mark.parametrize("fmt", ["qdq", "qop"])
def test_focus_stem_is_within_one_lsb(fmt, tmp_path):
    """quantize_static leaves the four Slices of the float input float and
    quantizes each result with its own calibrated scale; the importer gives
    the input one quantization covering all four, and each slice requantizes
    to its own. At the Concat that is at most 1 LSB (measured 1 over 30 inputs
    and three calibration seeds, QDQ and QOperator); about a fifth of the
    values differ by one."""
    path = quantize(focus_stem(), tmp_path / f"stem.{fmt}.onnx", SHAPE, fmt)
    m = onnx.load(path)
    slices = [x for x in m.graph.node if x.op_type == "Slice"]
    assert len(slices) == 4 and all(s.input[0] == "x" for s in slices)
    scales = {x.input[1] for x in m.graph.node if x.op_type == "QuantizeLinear"
              and x.input[0] in {s.output[0] for s in slices}}
    assert len(scales) == 4
    assert worst_lsb(path, SHAPE, count=30) <= 1


def test_quantizer_leaves_moves_float(tmp_path):
    """What the importer relies on (onnxruntime 1.32, QDQ and QOperator):
    DepthToSpace, SpaceToDepth and ReduceMax read a DequantizeLinear and stay
    float, quantized by their consumer's QuantizeLinear (a graph-final one
    not at all); a reflect Pad keeps its input's quantization in QDQ (QDQPad)."""
    cases = [("DepthToSpace", pixel_shuffle("DCR"), ["QuantizeLinear"]),
             ("SpaceToDepth", space_to_depth(), ["QuantizeLinear"]),
             ("ReduceMax", max_classifier(), ["QuantizeLinear"]),
             ("ReduceMax", max_head(17, 1, [2, 3]), [])]
    for fmt in ("qdq", "qop"):
        for op, model, after in cases:
            m = onnx.load(quantize(model, tmp_path / f"m.{fmt}.onnx", _input_shape(model), fmt))
            node = next(x for x in m.graph.node if x.op_type == op)
            producers = {o: x for x in m.graph.node for o in x.output}
            assert producers[node.input[0]].op_type == "DequantizeLinear"
            assert [x.op_type for x in m.graph.node if node.output[0] in x.input] == after
    m = onnx.load(quantize(padded("reflect", [0, 0, 1, 1, 0, 0, 1, 1]), tmp_path / "p.onnx", SHAPE))
    pad = next(x for x in m.graph.node if x.op_type == "Pad")
    producers = {o: x for x in m.graph.node for o in x.output}
    (q_after,) = [x for x in m.graph.node if pad.output[0] in x.input]
    dq_before = producers[pad.input[0]]
    assert dq_before.op_type == "DequantizeLinear" and q_after.op_type == "QuantizeLinear"
    assert q_after.input[1:] == dq_before.input[1:]


# A float model of each imports; the TOSA ops it becomes.
FLOAT_OPS = {"focus": ["tosa.slice", "tensor<1x8x2x8x2x3xf32>", "tosa.concat"],
             "strided": ["tosa.slice", "tosa.concat"], "reverse": ["tosa.concat"],
             "reflect": ["tosa.concat"], "edge": ["tosa.concat"], "wrap": ["tosa.concat"],
             "pixel_shuffle_dcr": ["tosa.transpose"], "pixel_shuffle_crd": ["tosa.transpose"],
             "space_to_depth": ["tosa.transpose"], "max_classifier": ["tosa.max_pool2d"],
             "max_head": ["tosa.max_pool2d"]}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_float_model_imports(name, tmp_path):
    path = tmp_path / f"{name}.float.onnx"
    onnx.save(MODELS[name](), path)
    ir = _ops(path)
    assert "xi8>" not in ir
    for word in FLOAT_OPS[name]:
        assert word in ir, word


# ---------------------------------------------------------------------------
# unsupported forms: one line naming the node and the reason
# ---------------------------------------------------------------------------

def test_reduce_min_over_channels_is_rejected(tmp_path):
    m = max_alone(18, 1, [1, 2, 3], op="ReduceMin")
    m.graph.output[0].type.tensor_type.ClearField("shape")
    _reject(tmp_path, m, "ReduceMin", "'gmp'", "[1, 2, 3]", "a global min pool")


def test_reduce_max_over_channels_is_rejected(tmp_path):
    m = max_alone(18, 1, [1, 2, 3])
    m.graph.output[0].type.tensor_type.ClearField("shape")
    _reject(tmp_path, m, "ReduceMax", "'gmp'", "[1, 2, 3]", "channel", "global max pool")


@pytest.mark.parametrize("mode,pads,words", [
    ("reflect", [0, 0, 8, 0, 0, 0, 0, 0], ["reflect padding of 8", "axis of 8", "at most 7"]),
    ("edge", [0, 0, 0, 0, 0, 0, 0, 20], ["edge padding of 20", "at most 16"]),
    ("wrap", [0, 0, 9, 0, 0, 0, 0, 0], ["wrap padding of 9", "axis of 8"]),
    ("reflect", [0, 0, 0, -1, 0, 0, 0, 0], ["negative pads"])])
def test_pad_variants_are_rejected(mode, pads, words, tmp_path):
    _reject(tmp_path, pad_alone(mode, pads, (1, 3, 8, 8)), "Pad", "'pad'", *words)


def test_long_reversal_is_rejected(tmp_path):
    m = slice_alone([-1], [-BIG], [3], [-1], (1, 3, 4, 20), [1, 3, 4, 20])
    _reject(tmp_path, m, "Slice", "'cut'", "reverses 20 elements on axis 3", "at most 16")
