"""Float ops that quantize_static leaves between a graph input and its
QuantizeLinear (see importers/onnx/graph_inputs.py).

Channels-last inputs (as TensorFlow/Keras exporters write them): the graph
input [N, H, W, C] goes through a Transpose to NCHW. Quantizing commutes with
moving values, so the input takes that QuantizeLinear's quantization; stored
NHWC, the Transpose is then no copy at all, and the matching Transpose back
to NHWC at the output neither.

Preprocessing inside the model ((x - mean) / std, x * k + b): the input gets
a quantization of its own and the steps become one lookup table per channel.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_check import (he_weights as _weights, make_model, quantize, runtime_equals_reference,
                        worst_lsb)

from tigris.cli import main as tigris
from tigris.dialects import make_context
from tigris.importers.onnx import import_onnx

n = helper.make_node


def keras_like(flat_input: bool):
    """x [1,32,32,3] (or flat [1,3072] reshaped to it) -> Transpose to NCHW ->
    conv 3x3/2 -> Relu -> depthwise 3x3 -> Clip(0,6) -> Transpose back to NHWC."""
    rng = np.random.default_rng(0)
    head = ["x"]
    nodes = []
    if flat_input:
        nodes.append(n("Reshape", ["x", "shape"], ["img"], name="unflatten"))
        head = ["img"]
    nodes += [n("Transpose", head, ["t"], perm=[0, 3, 1, 2], name="to_nchw"),
              n("Conv", ["t", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1], strides=[2, 2], name="conv"),
              n("Relu", ["c0"], ["r0"], name="relu"),
              n("Conv", ["r0", "w1"], ["c1"], group=8, pads=[1, 1, 1, 1], name="dw"),
              n("Clip", ["c1", "lo", "hi"], ["r1"], name="relu6"),
              n("Transpose", ["r1"], ["y"], perm=[0, 2, 3, 1], name="to_nhwc")]
    inits = [_weights(rng, "w0", 8, 3, 3, 3),
             numpy_helper.from_array((rng.standard_normal(8) * 0.1).astype(np.float32), "b0"),
             _weights(rng, "w1", 8, 1, 3, 3),
             numpy_helper.from_array(np.array(0, np.float32), "lo"),
             numpy_helper.from_array(np.array(6, np.float32), "hi")]
    if flat_input:
        inits.append(numpy_helper.from_array(np.array([1, 32, 32, 3], np.int64), "shape"))
    shape = [1, 3072] if flat_input else [1, 32, 32, 3]
    g = helper.make_graph(nodes, "keras_like",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 16, 8])],
                          inits)
    return g, tuple(shape)


def _func_text(path: Path) -> str:
    res = import_onnx(str(path), make_context())
    return str(res.module).split("{-#")[0]


@pytest.mark.parametrize("flat_input", [False, True])
def test_channels_last_input_imports_without_copies(flat_input, tmp_path):
    graph, shape = keras_like(flat_input)
    path = quantize(graph, tmp_path / "keras.onnx", shape)
    text = _func_text(path)
    assert "tosa.transpose" not in text
    assert '{layout = "plain", name = "x"' in text
    assert "-> tensor<1x16x16x8xi8>" in text   # the output stays in the ONNX order
    worst = worst_lsb(path, shape)
    print(f"channels-last input (flat {flat_input}): worst {worst} LSB")
    assert worst <= 2                          # measured 1 over 10 inputs, both forms
    runtime_equals_reference(path, tmp_path, "64K", shape)
    runtime_equals_reference(path, tmp_path, "4K+1M", shape)


def test_float_model_with_channels_last_input_has_no_transposes(tmp_path):
    graph, _ = keras_like(False)
    path = tmp_path / "keras.float.onnx"
    onnx.save(make_model(graph), path)
    text = _func_text(path)
    assert "tosa.transpose" not in text and "tensor<1x32x32x3xf32>" in text


def preprocessed(per_channel: bool):
    """(x - mean) / std per channel, or (x - 127.5) / 127.5, then conv 3x3 ->
    Relu. (quantize_static quantizes Mul and Add, so x * k + b is not a float
    prefix; Sub and Div it leaves float.)"""
    rng = np.random.default_rng(1)
    if per_channel:
        mean = np.array([0.485, 0.456, 0.406], np.float32).reshape(3, 1, 1)
        std = np.array([0.229, 0.224, 0.225], np.float32).reshape(3, 1, 1)
        nodes = [n("Sub", ["x", "mean"], ["s"], name="sub_mean"),
                 n("Div", ["s", "std"], ["d"], name="div_std")]
        inits = [numpy_helper.from_array(mean, "mean"), numpy_helper.from_array(std, "std")]
    else:
        nodes = [n("Sub", ["x", "half"], ["s"], name="center"),
                 n("Div", ["s", "half"], ["d"], name="rescale")]
        inits = [numpy_helper.from_array(np.array(127.5, np.float32), "half")]
    nodes += [n("Conv", ["d", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1], name="conv"),
              n("Relu", ["c0"], ["y"], name="relu")]
    inits += [_weights(rng, "w0", 8, 3, 3, 3),
              numpy_helper.from_array((rng.standard_normal(8) * 0.1).astype(np.float32), "b0")]
    return helper.make_graph(nodes, "pre", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 3, 16, 16])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, [1, 8, 16, 16])], inits)


def _images(per_channel):
    """Images in the range the preprocessing expects: [0, 1] or [0, 255]."""
    top = 1.0 if per_channel else 255.0
    return lambda rng, shape: (rng.random(shape) * top).astype(np.float32)


@pytest.mark.parametrize("per_channel", [False, True])
def test_preprocessing_becomes_a_lookup_table(per_channel, tmp_path):
    draw = _images(per_channel)
    path = quantize(preprocessed(per_channel), tmp_path / "pre.onnx", (1, 3, 16, 16), draw=draw)
    text = _func_text(path)
    # one table (tosa.table), or one per channel (a custom kernel: tigris.lut after legalize)
    assert text.count('operator_name = "lut"') + text.count("tosa.table") == 1
    assert '{layout = "nhwc", name = "x"' in text
    worst = worst_lsb(path, (1, 3, 16, 16), draw=draw)
    print(f"preprocessing (per channel {per_channel}): worst {worst} LSB")
    assert worst <= 3          # measured 2 over 10 inputs, both forms
    runtime_equals_reference(path, tmp_path, "64K", (1, 3, 16, 16), draw=draw)
    runtime_equals_reference(path, tmp_path, "2K+1M", (1, 3, 16, 16), draw=draw)


def test_unsupported_float_prefix_is_one_line(tmp_path, capsys):
    """c / x is not affine: the reader of the float input says what it is."""
    g = preprocessed(True)
    g.node[1].input[:] = ["std", "s"]
    path = quantize(g, tmp_path / "recip.onnx", (1, 3, 16, 16))
    assert tigris(["import", str(path), "-o", str(tmp_path / "r.mlir")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "recip.onnx" in err and "'sub_mean' (Sub)" in err
    assert "reads the float graph input 'x' before it is quantized" in err
