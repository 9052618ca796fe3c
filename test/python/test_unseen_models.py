"""Models built another way than the zoo: a MobileNetV3-style block (HardSwish,
5x5 stride-2 depthwise, squeeze-excite with a broadcast Mul, nearest Resize,
Sigmoid, and a PyTorch-style Shape/Gather/Unsqueeze/Concat/Reshape flatten),
quantized with onnxruntime, through import, tiling, the C runtime and onnxruntime."""
from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from tigris.cli import main as tigris
from tigris.commands.common import run_pipeline
from tigris.dialects import make_context
from tigris.importers.onnx import import_onnx
from tigris.modelio import io_specs, quantize_input, to_model_layout
from tigris.passes.registry import functions
from tigris.plan.host import HostPlan
from tigris.plan.reader import read_plan
from tigris.reference.interpreter import run_function
from tigris.resources import WeightTable


def _quantize(graph, path, rng, shape):
    """Save the float model beside `path` and quantize it there (QDQ, int8,
    per-channel weights) on 8 seeded calibration inputs of `shape`."""
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    fpath = path.with_suffix(".float.onnx")
    onnx.save(m, fpath)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.data = iter([{"x": rng.standard_normal(shape).astype(np.float32)}
                              for _ in range(8)])

        def get_next(self):
            return next(self.data, None)
    quantize_static(str(fpath), str(path), Reader(), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
    return path


def _mv3_block(path):
    rng = np.random.default_rng(0)

    def w(name, *s):
        return numpy_helper.from_array(
            (rng.standard_normal(s) * np.sqrt(2 / np.prod(s[1:]))).astype(np.float32), name)

    def b(name, n):
        return numpy_helper.from_array((rng.standard_normal(n) * 0.1).astype(np.float32), name)

    def const(name, v, dtype):
        return numpy_helper.from_array(np.array(v, dtype), name)

    inits = [w("w0", 16, 3, 3, 3), b("b0", 16), w("we", 64, 16, 1, 1), b("be", 64),
             w("wd", 64, 1, 5, 5), b("bd", 64), w("ws1", 16, 64, 1, 1), b("bs1", 16),
             w("ws2", 64, 16, 1, 1), b("bs2", 64), w("wp", 24, 64, 1, 1), b("bp", 24),
             w("wc", 8, 24, 1, 1), const("sc", [1, 1, 2, 2], np.float32),
             const("i0", 0, np.int64), const("ax0", [0], np.int64), const("m1", [-1], np.int64)]
    n = helper.make_node
    nodes = [
        n("Conv", ["x", "w0", "b0"], ["c0"], strides=[2, 2], pads=[1, 1, 1, 1], name="stem"),
        n("HardSwish", ["c0"], ["h0"], name="hs0"),
        n("Conv", ["h0", "we", "be"], ["e"], name="expand"),
        n("HardSwish", ["e"], ["he"], name="hs1"),
        n("Conv", ["he", "wd", "bd"], ["d"], group=64, pads=[2, 2, 2, 2], strides=[2, 2], name="dw5"),
        n("HardSwish", ["d"], ["hd"], name="hs2"),
        n("GlobalAveragePool", ["hd"], ["gp"], name="se_pool"),
        n("Conv", ["gp", "ws1", "bs1"], ["s1"], name="se_fc1"),
        n("Relu", ["s1"], ["r1"], name="se_relu"),
        n("Conv", ["r1", "ws2", "bs2"], ["s2"], name="se_fc2"),
        n("HardSigmoid", ["s2"], ["sg"], alpha=1 / 6, beta=0.5, name="se_gate"),
        n("Mul", ["hd", "sg"], ["se"], name="se_mul"),
        n("Conv", ["se", "wp", "bp"], ["p"], name="project"),
        n("Resize", ["p", "", "sc"], ["up"], mode="nearest", name="up"),
        n("Conv", ["up", "wc"], ["cl"], name="head"),
        n("Sigmoid", ["cl"], ["sgm"], name="sig"),
        n("Shape", ["sgm"], ["shp"], name="shape"),
        n("Gather", ["shp", "i0"], ["n0"], axis=0, name="gather"),
        n("Unsqueeze", ["n0", "ax0"], ["n0u"], name="unsq"),
        n("Concat", ["n0u", "m1"], ["newshape"], axis=0, name="cat_shape"),
        n("Reshape", ["sgm", "newshape"], ["y"], name="flatten")]
    g = helper.make_graph(nodes, "mv3", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                       [1, 3, 32, 32])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2048])], inits)
    return _quantize(g, path, rng, (1, 3, 32, 32))


@pytest.fixture(scope="module")
def mv3(tmp_path_factory):
    return _mv3_block(tmp_path_factory.mktemp("mv3") / "mv3.onnx")


def _legalized(path, pipeline="tigris-legalize"):
    ctx = make_context()
    res = import_onnx(str(path), ctx)
    run_pipeline(ctx, res.module, f"builtin.module({pipeline})", "mv3")
    return ctx, res


def test_matches_onnxruntime(mv3):
    ctx, res = _legalized(mv3)
    sess = ort.InferenceSession(str(mv3), providers=["CPUExecutionProvider"])
    with ctx:
        fn = functions(res.module.operation)[0]
        (ispec,), (ospec,) = io_specs(fn)
        rng = np.random.default_rng(3)
        worst = 0
        for _ in range(10):
            x = rng.standard_normal((1, 3, 32, 32)).astype(np.float32)
            y = sess.run(None, {"x": x})[0]
            q = np.round(y / ospec["scale"]) + ospec["zero_point"]
            (o,) = run_function(fn, WeightTable(res.weights), [quantize_input(x, ispec)])
            worst = max(worst, int(np.abs(to_model_layout(o, ospec).astype(int) - q).max()))
    assert worst <= 8


def test_tiled_and_compiled_plans_equal_the_reference(mv3, tmp_path):
    ctx, res = _legalized(mv3)
    rng = np.random.default_rng(4)
    with ctx:
        fn = functions(res.module.operation)[0]
        xs = [rng.integers(-128, 128, (1, 32, 32, 3), dtype=np.int8) for _ in range(3)]
        want = [run_function(fn, WeightTable(res.weights), [x])[0] for x in xs]
    # A segment must never contain the producer of an operand another op in it
    # reads whole (the squeeze-excite gate of the broadcast Mul).
    ctx2, tiled = _legalized(mv3, "tigris-legalize,tigris-schedule,tigris-tile{budget=16K},"
                                  "tigris-bufferize,tigris-liveness,tigris-assign-offsets")
    with ctx2:
        fn2 = functions(tiled.module.operation)[0]
        for x, w in zip(xs, want):
            assert np.array_equal(run_function(fn2, WeightTable(tiled.weights), [x])[0], w)
    out = tmp_path / "mv3.tgrs"
    assert tigris(["compile", str(mv3), "-m", "8K+1M", "-o", str(out)]) == 0
    data = out.read_bytes()
    assert read_plan(data).fast_size <= 8 * 1024
    for x, w in zip(xs, want):
        (got,) = HostPlan(data).run([x])
        assert np.array_equal(got.reshape(w.shape), w)


def _audio_1d(path):
    """A 1-D keyword-spotting style network: Conv1d (stride, dilation, depthwise),
    MaxPool1d, LeakyRelu, Tanh, GlobalAveragePool over time, Gemm, Softmax."""
    rng = np.random.default_rng(1)

    def w(name, *s):
        return numpy_helper.from_array(
            (rng.standard_normal(s) * np.sqrt(2 / np.prod(s[1:]))).astype(np.float32), name)
    n = helper.make_node
    nodes = [n("Conv", ["x", "w1"], ["c1"], strides=[2], pads=[4, 4], name="conv1"),
             n("Relu", ["c1"], ["r1"], name="r1"),
             n("MaxPool", ["r1"], ["p1"], kernel_shape=[2], strides=[2], name="pool1"),
             n("Conv", ["p1", "w2"], ["c2"], pads=[4, 4], dilations=[2], name="conv2"),
             n("LeakyRelu", ["c2"], ["r2"], alpha=0.1, name="lrelu"),
             n("Conv", ["r2", "w3"], ["c3"], group=32, pads=[1, 1], name="dw1d"),
             n("Tanh", ["c3"], ["t3"], name="tanh"),
             n("GlobalAveragePool", ["t3"], ["m3"], name="gap"),
             n("Flatten", ["m3"], ["m"], name="flat"),
             n("Gemm", ["m", "fc"], ["g"], transB=1, name="fc"),
             n("Softmax", ["g"], ["y"], name="sm")]
    inits = [w("w1", 16, 1, 9), w("w2", 32, 16, 5), w("w3", 32, 1, 3), w("fc", 12, 32)]
    g = helper.make_graph(nodes, "audio1d", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 1, 1000])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, [1, 12])], inits)
    return _quantize(g, path, rng, (1, 1, 1000))


def test_audio_1d_through_onnxruntime_and_the_runtime(tmp_path):
    model = _audio_1d(tmp_path / "audio.onnx")
    ctx, res = _legalized(model)
    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    out = tmp_path / "audio.tgrs"
    assert tigris(["compile", str(model), "-m", "6K+1M", "-o", str(out)]) == 0
    host = HostPlan(out.read_bytes())
    rng = np.random.default_rng(2)
    with ctx:
        fn = functions(res.module.operation)[0]
        (ispec,), (ospec,) = io_specs(fn)
        for _ in range(5):
            x = rng.standard_normal((1, 1, 1000)).astype(np.float32)
            q = quantize_input(x, ispec)
            (ref,) = run_function(fn, WeightTable(res.weights), [q])
            y = sess.run(None, {"x": x})[0]
            want = np.round(y / ospec["scale"]) + ospec["zero_point"]
            assert np.abs(ref.astype(int) - want).max() <= 2
            assert np.argmax(ref) == np.argmax(y)
            (got,) = host.run([q])
            assert np.array_equal(got.reshape(ref.shape), ref)
