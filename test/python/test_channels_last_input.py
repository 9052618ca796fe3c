"""Models whose input is channels-last (as TensorFlow/Keras exporters write
them): the graph input [N, H, W, C] goes through a Transpose to NCHW, which
quantize_static leaves float, ahead of the input's QuantizeLinear.

Quantizing commutes with moving values, so the input takes that
QuantizeLinear's quantization; stored NHWC, the Transpose is then no copy at
all, and the matching Transpose back to NHWC at the output neither.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_check import make_model, quantize, runtime_equals_reference, worst_lsb

from tigris.dialects import make_context
from tigris.importers.onnx import import_onnx

n = helper.make_node


def _weights(rng, name, *s):
    return numpy_helper.from_array(
        (rng.standard_normal(s) * np.sqrt(2 / np.prod(s[1:]))).astype(np.float32), name)


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
