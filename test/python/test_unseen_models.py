"""Models built another way than the zoo: a MobileNetV3-style block (HardSwish,
5x5 stride-2 depthwise, squeeze-excite with a broadcast Mul, nearest Resize,
Sigmoid, and a PyTorch-style Shape/Gather/Unsqueeze/Concat/Reshape flatten),
quantized with onnxruntime, through import, tiling, the C runtime and onnxruntime."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from mlir import ir
from onnx import TensorProto, helper, numpy_helper

from onnx_check import legalized, ort_session, quantize, worst_lsb

from tigris.cli import main as tigris
from tigris.dialects import op_attrs
from tigris.modelio import io_specs, quantize_input, to_model_layout
from tigris.passes.registry import functions
from tigris.plan.host import HostPlan
from tigris.plan.reader import read_plan
from tigris.reference.interpreter import run_function
from tigris.resources import WeightTable


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
    return quantize(g, path, (1, 3, 32, 32))


@pytest.fixture(scope="module")
def mv3(tmp_path_factory):
    return _mv3_block(tmp_path_factory.mktemp("mv3") / "mv3.onnx")


def test_matches_onnxruntime(mv3):
    assert worst_lsb(mv3, (1, 3, 32, 32)) <= 8


def test_tiled_and_compiled_plans_equal_the_reference(mv3, tmp_path):
    ctx, res = legalized(mv3)
    rng = np.random.default_rng(4)
    with ctx:
        fn = functions(res.module.operation)[0]
        xs = [rng.integers(-128, 128, (1, 32, 32, 3), dtype=np.int8) for _ in range(3)]
        want = [run_function(fn, WeightTable(res.weights), [x])[0] for x in xs]
    # A segment must never contain the producer of an operand another op in it
    # reads whole (the squeeze-excite gate of the broadcast Mul).
    ctx2, tiled = legalized(mv3, "tigris-legalize,tigris-schedule,tigris-tile{budget=16K},"
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
    return quantize(g, path, (1, 1, 1000))


@pytest.fixture(scope="module")
def audio(tmp_path_factory):
    return _audio_1d(tmp_path_factory.mktemp("audio") / "audio.onnx")


def test_audio_1d_through_onnxruntime_and_the_runtime(audio, tmp_path):
    model = audio
    ctx, res = legalized(model)
    sess = ort_session(model)
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


# ----------------------------------------------------------------- 1-D layout
# 1-D layers run as 2-D kernels over NHWC [N, L, 1, C] (time along H), and
# the [N, C, L] activations between them stay in that storage ("nlc"): no
# transpose between layers, and the tiler cuts them into row strips along L.

def _chain_1d(path):
    """Conv1d -> Clip -> Add/Mul per-channel constants -> MaxPool1d -> Conv1d
    -> residual Add, on a 4-channel input, with a rank-3 output."""
    rng = np.random.default_rng(6)

    def w(name, *s):
        return numpy_helper.from_array(
            (rng.standard_normal(s) * np.sqrt(2 / np.prod(s[1:]))).astype(np.float32), name)

    def const(name, v):
        return numpy_helper.from_array(np.asarray(v, np.float32), name)
    n = helper.make_node
    nodes = [n("Conv", ["x", "w1", "b1"], ["c1"], pads=[2, 2], name="conv1"),
             n("Clip", ["c1", "lo", "hi"], ["r1"], name="clip"),
             n("Add", ["r1", "k1"], ["a1"], name="add_c"),
             n("Mul", ["a1", "k2"], ["m1"], name="mul_c"),
             n("MaxPool", ["m1"], ["p1"], kernel_shape=[3], strides=[2], pads=[1, 1], name="pool"),
             n("Conv", ["p1", "w2", "b2"], ["c2"], pads=[1, 1], name="conv2"),
             n("Add", ["c2", "p1"], ["y"], name="res")]
    inits = [w("w1", 8, 4, 5), w("b1", 8), const("lo", 0.0), const("hi", 6.0),
             const("k1", rng.standard_normal((8, 1)) * 0.3),
             const("k2", 1 + 0.3 * rng.standard_normal((1, 8, 1))), w("w2", 8, 8, 3), w("b2", 8)]
    g = helper.make_graph(nodes, "chain1d", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 4, 64])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, None)], inits)
    return quantize(g, path, (1, 4, 64))


def _moves_1d(path):
    """1-D values through the ops that need another layout or an axis mapped:
    SAME pads, ceil_mode, count_include_pad, Concat on channels and on time,
    Split, Slice, Pad, Unsqueeze -> Conv2d -> Squeeze, Transpose -> MatMul,
    GlobalMaxPool, a per-channel constant and a rank-3 graph output."""
    rng = np.random.default_rng(8)

    def w(name, *s):
        return numpy_helper.from_array(
            (rng.standard_normal(s) * np.sqrt(2 / np.prod(s[1:]))).astype(np.float32), name)

    def const(name, v, dtype=np.int64):
        return numpy_helper.from_array(np.asarray(v, dtype), name)
    n = helper.make_node
    nodes = [n("Conv", ["x", "w1"], ["c1"], strides=[2], auto_pad="SAME_UPPER", name="conv_same"),
             n("MaxPool", ["c1"], ["p1"], kernel_shape=[3], strides=[2], pads=[1, 1], ceil_mode=1,
               name="max_ceil"),
             n("AveragePool", ["c1"], ["p2"], kernel_shape=[3], strides=[2], pads=[1, 1],
               count_include_pad=1, name="avg_incl"),
             n("Concat", ["p1", "p2"], ["t"], axis=2, name="cat_time"),
             n("Conv", ["t", "w2"], ["c2"], strides=[2], auto_pad="SAME_LOWER", name="conv_same_lower"),
             n("Conv", ["t", "w3"], ["c3"], strides=[2], dilations=[2], pads=[3, 1], name="conv_dil"),
             n("Concat", ["c2", "c3"], ["cc"], axis=1, name="cat_chan"),
             n("Split", ["cc", "sp"], ["s0", "s1"], axis=1, name="split"),
             n("Add", ["s0", "s1"], ["a"], name="add"),
             n("Slice", ["a", "st", "en", "ax"], ["sl"], name="slice"),
             n("Pad", ["sl", "pads"], ["pd"], name="pad"),
             n("Unsqueeze", ["pd", "ax3"], ["u"], name="unsqueeze"),
             n("Conv", ["u", "w4"], ["c4"], pads=[1, 0, 1, 0], name="conv2d"),
             n("Squeeze", ["c4", "ax3"], ["sq"], name="squeeze"),
             n("Transpose", ["sq"], ["tr"], perm=[0, 2, 1], name="transpose"),
             n("MatMul", ["tr", "wm"], ["y1"], name="matmul"),
             n("Add", ["sq", "k"], ["y2"], name="add_out"),
             n("GlobalMaxPool", ["sq"], ["g"], name="gmp"),
             n("Flatten", ["g"], ["y3"], name="flatten")]
    inits = [w("w1", 8, 4, 5), w("w2", 8, 8, 3), w("w3", 8, 8, 3), w("w4", 8, 8, 3, 1),
             w("wm", 8, 6), const("sp", [8, 8]), const("st", [1]), const("en", [-1]),
             const("ax", [2]), const("pads", [0, 0, 2, 0, 0, 1]), const("ax3", [3]),
             const("k", rng.standard_normal((8, 1)) * 0.3, np.float32)]
    outs = [helper.make_tensor_value_info(y, TensorProto.FLOAT, None) for y in ("y1", "y2", "y3")]
    g = helper.make_graph(nodes, "moves1d", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 4, 64])], outs, inits)
    return quantize(g, path, (1, 4, 64))


RESHAPES = ("tosa.reshape", "tigris.reshape")
TRANSPOSES = ("tosa.transpose", "tigris.transpose")


def _from_argument(value) -> bool:
    """`value` is a function argument, maybe through reshapes."""
    while not isinstance(value, ir.BlockArgument):
        if value.owner.name not in RESHAPES:
            return False
        value = value.owner.operands[0]
    return True


def _to_return(value) -> bool:
    """`value` is only returned, maybe through reshapes."""
    users = [u.owner for u in value.uses]
    return bool(users) and all(u.name == "func.return" or u.name in RESHAPES and
                               _to_return(u.results[0]) for u in users)


@pytest.mark.parametrize("build, expected", [(_audio_1d, 0), (_chain_1d, 2), (_moves_1d, 2)])
def test_1d_layers_have_no_transposes_between_them(build, expected, tmp_path):
    """Transposes only where a graph input enters (C > 1) or a rank-3 output
    leaves (the plan's I/O is in the ONNX order); the 1-D layers are 2-D
    kernels on [1, L, 1, C] with their window along H."""
    model = build(tmp_path / "m.onnx")
    ctx, res = legalized(model)
    with ctx:
        ops = list(functions(res.module.operation)[0].regions[0].blocks[0].operations)
        transposes = [op for op in ops if op.operation.name in TRANSPOSES]
        assert len(transposes) == expected, [str(op) for op in transposes]
        for op in transposes:
            assert _from_argument(op.operands[0]) or _to_return(op.results[0]), str(op)
        kernels = [op for op in ops if op.operation.name in (
            "tigris.conv2d", "tigris.depthwise_conv2d", "tigris.max_pool", "tigris.avg_pool",
            "tigris.lut", "tigris.add", "tigris.mul")]
        assert kernels
        for op in kernels:   # every 1-D layer: [1, L, 1, C], time along H
            x = ir.RankedTensorType(op.operands[0].type).shape
            y = ir.RankedTensorType(op.results[0].type).shape
            assert len(x) == len(y) == 4 and x[2] == y[2] == 1 and x[1] > 1, str(op)


@pytest.mark.parametrize("build", [_chain_1d, _moves_1d])
def test_1d_layouts_match_onnxruntime(build, tmp_path):
    model = build(tmp_path / "m.onnx")
    ctx, res = legalized(model)
    sess = ort_session(model)
    rng = np.random.default_rng(9)
    with ctx:
        fn = functions(res.module.operation)[0]
        (ispec,), ospecs = io_specs(fn)
        worst = [0] * len(ospecs)
        for _ in range(10):
            x = rng.standard_normal((1, 4, 64)).astype(np.float32)
            outs = run_function(fn, WeightTable(res.weights), [quantize_input(x, ispec)])
            for i, (o, y, spec) in enumerate(zip(outs, sess.run(None, {"x": x}), ospecs)):
                want = np.round(y / spec["scale"]) + spec["zero_point"]
                got = to_model_layout(o, spec)
                assert got.shape == want.shape
                worst[i] = max(worst[i], int(np.abs(got.astype(int) - want).max()))
    assert max(worst) <= 2, worst


def _arena(model, pipeline, xs=None):
    """(outputs on `xs` (default: 5 seeded int8 inputs), inputs, function attributes)."""
    ctx, res = legalized(model, pipeline + ",tigris-bufferize,tigris-liveness,"
                                             "tigris-assign-offsets")
    with ctx:
        fn = functions(res.module.operation)[0]
        shape = ir.RankedTensorType(fn.regions[0].blocks[0].arguments[0].type).shape
        if xs is None:
            xs = [np.random.default_rng(s).integers(-128, 128, shape, dtype=np.int8)
                  for s in range(5)]
        outs = [run_function(fn, WeightTable(res.weights), [x])[0] for x in xs]
        return outs, xs, op_attrs(fn)


def test_audio_1d_tiles_in_row_strips_in_sram_only(audio, tmp_path):
    """With time along H the tiler cuts the 1-D layers into row strips: the
    network fits a fast pool well below its untiled peak without a slow pool
    (with H = 1 it could not be tiled, and needed 15.62 KiB)."""
    budget = 9 * 1024
    ref, xs, untiled = _arena(audio, "tigris-legalize,tigris-schedule")
    assert untiled["tigris.arena"]["size"] > budget
    outs, _, attrs = _arena(audio, f"tigris-legalize,tigris-schedule,tigris-tile{{budget={budget}}}", xs)
    t = attrs["tigris.tiling"]
    assert attrs["tigris.arena"]["size"] <= budget
    assert t["tiled_stages"] >= 1 and t["macs"] == t["model_macs"]
    for a, b in zip(ref, outs):
        assert np.array_equal(a, b)
    out = tmp_path / "audio.tgrs"
    assert tigris(["compile", str(audio), "-m", "9K", "-o", str(out)]) == 0
    data = out.read_bytes()
    assert read_plan(data).fast_size <= budget
    host = HostPlan(data)
    for x, want in zip(xs, ref):
        (got,) = host.run([x])
        assert np.array_equal(got.reshape(want.shape), want)


@pytest.mark.slow
def test_audio_1d_analyze_fits_in_sram_only(audio):
    """`tigris analyze` agrees: the 1-D network fits 9K of SRAM alone (its own
    search of strips, as long again as the compile above: -m slow)."""
    assert tigris(["analyze", str(audio), "-m", "9K"]) == 0


def test_qoperator_1d_average_pool(tmp_path):
    """QLinearAveragePool (com.microsoft) over [N, C, L]: its output shape is
    inferred for 1-D too, and the import matches onnxruntime."""
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)
    rng = np.random.default_rng(10)
    n = helper.make_node
    g = helper.make_graph(
        [n("Conv", ["x", "w"], ["c"], strides=[2], pads=[2, 2], name="conv"),
         n("AveragePool", ["c"], ["p"], kernel_shape=[3], strides=[2], pads=[1, 1], name="avg"),
         n("Conv", ["p", "w2"], ["y"], name="conv2")],
        "qop1d", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 100])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array((rng.standard_normal((8, 2, 5)) * 0.4).astype(np.float32), "w"),
         numpy_helper.from_array((rng.standard_normal((4, 8, 1)) * 0.4).astype(np.float32), "w2")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    fpath, path = tmp_path / "qop.float.onnx", tmp_path / "qop.onnx"
    onnx.save(m, fpath)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.data = iter([{"x": rng.standard_normal((1, 2, 100)).astype(np.float32)}
                              for _ in range(8)])

        def get_next(self):
            return next(self.data, None)
    quantize_static(str(fpath), str(path), Reader(), quant_format=QuantFormat.QOperator,
                    per_channel=True, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
    assert "QLinearAveragePool" in {node.op_type for node in onnx.load(path).graph.node}
    ctx, res = legalized(path)
    sess = ort_session(path)
    with ctx:
        fn = functions(res.module.operation)[0]
        (ispec,), (ospec,) = io_specs(fn)
        for _ in range(5):
            x = rng.standard_normal((1, 2, 100)).astype(np.float32)
            (o,) = run_function(fn, WeightTable(res.weights), [quantize_input(x, ispec)])
            y = sess.run(None, {"x": x})[0]
            want = np.round(y / ospec["scale"]) + ospec["zero_point"]
            # onnxruntime's own QLinearAveragePool rounding, grown by the next conv
            assert np.abs(to_model_layout(o, ospec).astype(int) - want).max() <= 3


def _square_relayouts(path):
    """Layout changes whose dims have equal sizes, so that comparing sizes
    instead of dims would take a transpose for a free reshape: a [1, 8, 8]
    input (C == L) into a Conv1d, and a Gemm reshaped to [1, 8, 8, 8]
    (C == H == W) into a Conv2d."""
    rng = np.random.default_rng(11)

    def w(name, *s):
        return numpy_helper.from_array(
            (rng.standard_normal(s) * np.sqrt(2 / np.prod(s[1:]))).astype(np.float32), name)
    n = helper.make_node
    nodes = [n("Conv", ["x", "w1"], ["c1"], pads=[1, 1], name="conv1d"),
             n("Flatten", ["c1"], ["f"], name="flatten"),
             n("Gemm", ["f", "fc"], ["g"], transB=1, name="fc"),
             n("Reshape", ["g", "shape"], ["r"], name="reshape"),
             n("Conv", ["r", "w2"], ["y"], pads=[1, 1, 1, 1], name="conv2d")]
    inits = [w("w1", 8, 8, 3), w("fc", 512, 64), w("w2", 8, 8, 3, 3),
             numpy_helper.from_array(np.array([1, 8, 8, 8], np.int64), "shape")]
    g = helper.make_graph(nodes, "square", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 8, 8])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, None)], inits)
    return quantize(g, path, (1, 8, 8))


def test_square_layout_changes_match_onnxruntime(tmp_path):
    model = _square_relayouts(tmp_path / "square.onnx")
    ctx, res = legalized(model)
    sess = ort_session(model)
    rng = np.random.default_rng(12)
    with ctx:
        fn = functions(res.module.operation)[0]
        (ispec,), (ospec,) = io_specs(fn)
        for _ in range(5):
            x = rng.standard_normal((1, 8, 8)).astype(np.float32)
            (o,) = run_function(fn, WeightTable(res.weights), [quantize_input(x, ispec)])
            want = np.round(sess.run(None, {"x": x})[0] / ospec["scale"]) + ospec["zero_point"]
            assert np.abs(to_model_layout(o, ospec).astype(int) - want).max() <= 2


def _spatial_concat(path, axis):
    """Two 3x3 convs of the input (one through Relu), concatenated along a
    spatial axis, then a 3x3 conv: the concat inputs are kernel results used
    only there, written straight into the concat's rows when the axis is H."""
    rng = np.random.default_rng(21)

    def w(name, *s):
        return numpy_helper.from_array((rng.standard_normal(s) * 0.3).astype(np.float32), name)
    nodes = [helper.make_node("Conv", ["x", "w1"], ["a"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["a"], ["ar"]),
             helper.make_node("Conv", ["x", "w2"], ["b"], pads=[1, 1, 1, 1]),
             helper.make_node("Concat", ["ar", "b"], ["c"], axis=axis),
             helper.make_node("Conv", ["c", "w3"], ["y"], pads=[1, 1, 1, 1])]
    graph = helper.make_graph(
        nodes, "spatial_concat", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [w("w1", 8, 4, 3, 3), w("w2", 8, 4, 3, 3), w("w3", 4, 8, 3, 3)])
    return quantize(graph, path, [1, 4, 8, 8])


@pytest.mark.parametrize("axis", [2, -1, 3])
def test_spatial_concat_matches_onnxruntime_and_runs_in_the_runtime(axis, tmp_path):
    model = _spatial_concat(tmp_path / "m.onnx", axis)
    ctx, res = legalized(model)
    sess = ort_session(model)
    rng = np.random.default_rng(3)
    with ctx:
        fn = functions(res.module.operation)[0]
        (ispec,), (ospec,) = io_specs(fn)
        worst, xs, want = 0, [], []
        for _ in range(5):
            x = rng.standard_normal((1, 4, 8, 8)).astype(np.float32)
            xs.append(quantize_input(x, ispec))
            (o,) = run_function(fn, WeightTable(res.weights), [xs[-1]])
            want.append(o)
            q = np.round(sess.run(None, {"x": x})[0] / ospec["scale"]) + ospec["zero_point"]
            worst = max(worst, int(np.abs(to_model_layout(o, ospec).astype(int) - q).max()))
    assert worst <= 2
    out = tmp_path / "m.tgrs"
    assert tigris(["compile", str(model), "-m", "2K", "-o", str(out)]) == 0
    data = out.read_bytes()
    assert read_plan(data).fast_size <= 2 * 1024
    for x, w in zip(xs, want):
        (got,) = HostPlan(data).run([x])
        assert np.array_equal(got.reshape(w.shape), w)


def _detector(path):
    """A small FPN-style detector: strided convs, nearest 2x Resize of the
    deepest map concatenated with the one above it, two 1x1 heads reshaped and
    transposed to [1, anchors, 12], concatenated along anchors, Sigmoid."""
    rng = np.random.default_rng(5)
    inits, nodes = [], []

    def w(name, *s):
        std = np.sqrt(2.0 / np.prod(s[1:]))    # biases (1-D): sqrt(2)
        inits.append(numpy_helper.from_array((rng.standard_normal(s) * std).astype(np.float32), name))
        return name

    def const(name, v, dtype=np.int64):
        inits.append(numpy_helper.from_array(np.asarray(v, dtype), name))
        return name

    def conv(x, cout, cin, k, s, name, act=True):
        nodes.append(helper.make_node("Conv", [x, w(name + "_w", cout, cin, k, k), w(name + "_b", cout)],
                                      [name], strides=[s, s], pads=[k // 2] * 4))
        if not act:
            return name
        nodes.append(helper.make_node("Relu", [name], [name + "_r"]))
        return name + "_r"

    def head(h, n, name):
        nodes.append(helper.make_node("Reshape", [h, const(name + "_s", [1, 12, n])], [name + "_rs"]))
        nodes.append(helper.make_node("Transpose", [name + "_rs"], [name], perm=[0, 2, 1]))
        return name
    c2 = conv(conv("x", 16, 3, 3, 2, "c1"), 32, 16, 3, 2, "c2")
    c3 = conv(c2, 64, 32, 3, 2, "c3")
    nodes.append(helper.make_node("Resize", [c3, "", const("scales", [1, 1, 2, 2], np.float32)],
                                  ["up"], mode="nearest"))
    nodes.append(helper.make_node("Concat", ["up", c2], ["cat"], axis=1))
    p2 = conv("cat", 32, 96, 3, 1, "p2")
    a = head(conv(p2, 12, 32, 1, 1, "h2", act=False), 256, "o2")
    b = head(conv(c3, 12, 64, 1, 1, "h3", act=False), 64, "o3")
    nodes += [helper.make_node("Concat", [a, b], ["boxes"], axis=1),
              helper.make_node("Sigmoid", ["boxes"], ["y"])]
    graph = helper.make_graph(nodes, "detector",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 64, 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return quantize(graph, path, [1, 3, 64, 64])


@pytest.mark.parametrize("budget", ["40K", "16K+1M"])
def test_detector_matches_onnxruntime_and_the_runtime_loads_its_plans(budget, tmp_path):
    """At 40K the concat of the upsampled map is built in place by an overlaid
    strip stage: the rows already in place must not become self-copies (the
    loader rejects a call whose input lies inside its output)."""
    model = _detector(tmp_path / "det.onnx")
    ctx, res = legalized(model)
    sess = ort_session(model)
    out = tmp_path / "det.tgrs"
    assert tigris(["compile", str(model), "-m", budget, "-o", str(out)]) == 0
    host = HostPlan(out.read_bytes())
    rng = np.random.default_rng(1)
    with ctx:
        fn = functions(res.module.operation)[0]
        (ispec,), (ospec,) = io_specs(fn)
        worst = 0
        for _ in range(3):
            x = rng.standard_normal((1, 3, 64, 64)).astype(np.float32)
            xq = quantize_input(x, ispec)
            (o,) = run_function(fn, WeightTable(res.weights), [xq])
            (got,) = host.run([xq])
            assert np.array_equal(got.reshape(o.shape), o)
            q = np.round(sess.run(None, {"x": x})[0] / ospec["scale"]) + ospec["zero_point"]
            worst = max(worst, int(np.abs(to_model_layout(o, ospec).astype(int) - q).max()))
    assert to_model_layout(o, ospec).shape == (1, 320, 12)
    assert worst <= 8
