"""Small graphs in the forms third-party exporters write (TensorFlow/Keras
through tf2onnx, PyTorch, detector and landmark heads), quantized with
onnxruntime: each imports, stays within a few LSB of onnxruntime, and its
plan at a budget that forces tiling runs on the C runtime byte-equal to the
reference interpreter.
"""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_check import he_weights as _w, quantize, runtime_equals_reference, worst_lsb

SHAPE = (1, 3, 16, 16)
n = helper.make_node


def _c(name, value, dtype=np.float32):
    return numpy_helper.from_array(np.asarray(value, dtype), name)


def bias_add(rng):
    """tf2onnx: a Conv without bias, then Add of a [C, 1, 1] constant, Relu."""
    return ([n("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1]), n("Add", ["c0", "b"], ["a"]),
             n("Relu", ["a"], ["y"])],
            [_w(rng, "w0", 8, 3, 3, 3), _c("b", rng.standard_normal((8, 1, 1)) * 0.1)])


def batchnorm_as_mul_add(rng):
    """An unfolded BatchNormalization as Mul and Add by [1, C, 1, 1] constants."""
    return ([n("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1]), n("Mul", ["c0", "s"], ["m"]),
             n("Add", ["m", "b"], ["a"]), n("Relu", ["a"], ["y"])],
            [_w(rng, "w0", 8, 3, 3, 3), _c("s", rng.random((1, 8, 1, 1)) + 0.5),
             _c("b", rng.standard_normal((8, 1, 1)) * 0.1)])


def silu_upsample_concat(rng):
    """YOLO-style: Conv, SiLU as Sigmoid * x, nearest Resize x2, Concat with the
    input, Conv."""
    return ([n("Conv", ["x", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1], strides=[2, 2]),
             n("Sigmoid", ["c0"], ["s"]), n("Mul", ["c0", "s"], ["m"]),
             n("Resize", ["m", "", "sc"], ["u"], mode="nearest"),
             n("Concat", ["u", "x"], ["cat"], axis=1),
             n("Conv", ["cat", "w1"], ["y"], pads=[1, 1, 1, 1])],
            [_w(rng, "w0", 8, 3, 3, 3), _c("b0", np.zeros(8)), _c("sc", [1, 1, 2, 2]),
             _w(rng, "w1", 4, 11, 3, 3)])


def channel_pad_shortcut(rng):
    """BlazeFace-style: a strided block whose shortcut is MaxPool then zero
    channels appended by Pad."""
    return ([n("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1]),
             n("MaxPool", ["c0"], ["m"], kernel_shape=[2, 2], strides=[2, 2]),
             n("Pad", ["m", "pp"], ["p"]),
             n("Conv", ["c0", "w1"], ["c1"], pads=[1, 1, 1, 1], strides=[2, 2]),
             n("Add", ["p", "c1"], ["y"])],
            [_w(rng, "w0", 8, 3, 3, 3), _w(rng, "w1", 16, 8, 3, 3),
             _c("pp", [0, 0, 0, 0, 0, 8, 0, 0], np.int64)])


def anchors_concat(rng):
    """A detector head: boxes reshaped to [1, 8, 16] and a constant (anchors)
    concatenated to them."""
    return ([n("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1], strides=[4, 4]),
             n("Reshape", ["c0", "sh"], ["r"]), n("Concat", ["r", "anchors"], ["y"], axis=2)],
            [_w(rng, "w0", 8, 3, 3, 3), _c("sh", [1, 8, 16], np.int64),
             _c("anchors", rng.random((1, 8, 4)))])


def class_softmax(rng):
    """SSD-style scores: NHWC transpose, reshape to [1, anchors, classes], Softmax."""
    return ([n("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1], strides=[2, 2]),
             n("Transpose", ["c0"], ["t"], perm=[0, 2, 3, 1]), n("Reshape", ["t", "sh"], ["r"]),
             n("Softmax", ["r"], ["y"], axis=-1)],
            [_w(rng, "w0", 4, 3, 3, 3), _c("sh", [1, 128, 2], np.int64)])


def channel_shuffle(rng):
    """ShuffleNet: Reshape to 5-D groups, Transpose the group axes, Reshape back."""
    return ([n("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1]),
             n("Reshape", ["c0", "s1"], ["r1"]), n("Transpose", ["r1"], ["t"], perm=[0, 2, 1, 3, 4]),
             n("Reshape", ["t", "s2"], ["y"])],
            [_w(rng, "w0", 8, 3, 3, 3), _c("s1", [1, 2, 4, 16, 16], np.int64),
             _c("s2", [1, 8, 16, 16], np.int64)])


def same_lower_even_kernel(rng):
    """auto_pad SAME_LOWER with an even kernel and stride 2 (extra padding first)."""
    return ([n("Conv", ["x", "w0"], ["y"], auto_pad="SAME_LOWER", strides=[2, 2])],
            [_w(rng, "w0", 8, 3, 4, 4)])


def gather_channels(rng):
    """PyTorch indexing of an activation: x[:, [5, 6, 7, 0, 2]] (two runs and a
    single index, one slice each, concatenated) then x[:, 1] (a scalar index
    drops the axis) added back as a broadcast map."""
    return ([n("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1]),
             n("Gather", ["c0", "idx"], ["g"], axis=1),
             n("Gather", ["c0", "one"], ["s"], axis=1),
             n("Unsqueeze", ["s", "ax"], ["s4"]),
             n("Add", ["g", "s4"], ["y"])],
            [_w(rng, "w0", 8, 3, 3, 3), _c("idx", [5, 6, 7, 0, 2], np.int64),
             _c("one", 1, np.int64), _c("ax", [1], np.int64)])


def gather_rows(rng):
    """Gather along H with negative indices: rows [-1, 0, 1] of the map."""
    return ([n("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1]),
             n("Gather", ["c0", "idx"], ["y"], axis=2)],
            [_w(rng, "w0", 8, 3, 3, 3), _c("idx", [-1, 0, 1], np.int64)])


def sum_of_branches(rng, op="Sum", k=3):
    """Variadic Sum / Mean of k conv branches (left float by quantize_static):
    a chain of int8 adds."""
    convs = [n("Conv", ["x", f"w{i}"], [f"c{i}"], pads=[1, 1, 1, 1]) for i in range(k)]
    return (convs + [n(op, [f"c{i}" for i in range(k)], ["s"]), n("Conv", ["s", "wo"], ["y"])],
            [_w(rng, f"w{i}", 8, 3, 3, 3) for i in range(k)] + [_w(rng, "wo", 4, 8, 1, 1)])


def float_tail(rng, ops=("Tanh",)):
    """A graph-final elementwise tail that quantize_static leaves float (no
    QuantizeLinear after it): its output quantization spans its 256 values."""
    nodes, prev = [n("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1])], "c0"
    for i, op in enumerate(ops):
        name = "y" if i == len(ops) - 1 else f"t{i}"
        nodes.append(n(op, [prev, "k"] if op == "Div" else [prev], [name]))
        prev = name
    return nodes, [_w(rng, "w0", 8, 3, 3, 3), _c("k", 4.0)]


def anchors_from_constants(rng):
    """A detector decode whose constant side is computed in the graph by ops
    the importer has no converter for (Expand, Pow, Tile): folded by onnx's
    reference implementation, then added to the boxes."""
    return ([n("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1], strides=[4, 4]),
             n("Reshape", ["c0", "sh"], ["r"]), n("Expand", ["g", "es"], ["ge"]),
             n("Pow", ["ge", "two"], ["gp"]), n("Tile", ["gp", "reps"], ["gt"]),
             n("Add", ["r", "gt"], ["y"])],
            [_w(rng, "w0", 8, 3, 3, 3), _c("sh", [1, 8, 16], np.int64),
             _c("g", (np.arange(4) / 4).reshape(1, 1, 4)), _c("es", [1, 8, 4], np.int64),
             _c("two", 2.0), _c("reps", [1, 1, 4], np.int64)])


# name -> (builder, worst |LSB| allowed, budget). Bounds: measured worst over
# 10 inputs (in the comment) plus one LSB.
CASES = {
    "bias_add": (bias_add, 4, "2K+1M"),                            # 3
    "batchnorm_as_mul_add": (batchnorm_as_mul_add, 5, "2K+1M"),    # 4: three requantizations
    "silu_upsample_concat": (silu_upsample_concat, 3, "4K+1M"),    # 2
    "channel_pad_shortcut": (channel_pad_shortcut, 2, "4K+1M"),    # 1
    "anchors_concat": (anchors_concat, 2, "2K+1M"),                # 1
    "class_softmax": (class_softmax, 4, "2K+1M"),                  # 3
    "channel_shuffle": (channel_shuffle, 2, "4K+1M"),              # 1
    "same_lower_even_kernel": (same_lower_even_kernel, 2, "2K+1M"),  # 1
    "gather_channels": (gather_channels, 1, "4K+1M"),              # 0
    "gather_rows": (gather_rows, 1, "2K+1M"),                      # 0
    "sum3": (sum_of_branches, 3, "2K+1M"),                         # 2: two adds, a rounding each
    "mean2": (lambda rng: sum_of_branches(rng, "Mean", 2), 1, "2K+1M"),  # 0
    "tanh_output": (float_tail, 1, "2K+1M"),                       # 0
    "anchors_from_constants": (anchors_from_constants, 1, "2K+1M"),  # 0
    "exp_div_output": (lambda rng: float_tail(rng, ("Exp", "Div")), 1, "2K+1M"),  # 0
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_exporter_form(name, tmp_path):
    build, bound, budget = CASES[name]
    nodes, inits = build(np.random.default_rng(0))
    graph = helper.make_graph(nodes, name,
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(SHAPE))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    path = quantize(graph, tmp_path / f"{name}.onnx", SHAPE)
    worst = worst_lsb(path, SHAPE)
    print(f"{name}: worst {worst} LSB")
    assert worst <= bound
    runtime_equals_reference(path, tmp_path, budget, SHAPE)


def test_strip_wholly_inside_padding(tmp_path):
    """Pad(bottom 4) -> Conv 3x3 -> Conv 1x1 at 600 bytes: the last strips of
    the pad read no input row; they are the pad value as a constant (was a
    zero-row slice the planner could not place)."""
    rng = np.random.default_rng(0)
    shape = (1, 4, 8, 8)
    nodes = [n("Pad", ["x", "pp"], ["p"]), n("Conv", ["p", "w0"], ["c0"], pads=[1, 1, 1, 1]),
             n("Conv", ["c0", "w1"], ["y"])]
    graph = helper.make_graph(
        nodes, "pad_bottom", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [_c("pp", [0, 0, 0, 0, 0, 0, 4, 0], np.int64), _w(rng, "w0", 4, 4, 3, 3),
         _w(rng, "w1", 4, 4, 1, 1)])
    path = quantize(graph, tmp_path / "pad_bottom.onnx", shape)
    for budget in ("600", "1K", "64K"):
        runtime_equals_reference(path, tmp_path, budget, shape)
