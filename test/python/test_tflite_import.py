"""The TFLite importer: tiny int8 models built with the flatbuffers builder
(tflite_models.py), compiled with --target esp32s3 (double rounding, TFLM's
semantics) and run on the host C runtime, must give the same bytes as
TensorFlow Lite Micro's interpreter on the same file."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tigris.budget import Budget
from tigris.cli import main as tigris
from tigris.plan.compiler import compile_onnx
from tigris.plan.host import HostPlan

sys.path.insert(0, str(Path(__file__).parent))
import tflite_models as tm  # noqa: E402
from tflite_models import TFLiteBuilder  # noqa: E402

runtime = pytest.importorskip("tflite_micro.python.tflite_micro.runtime")


def tflm(data: bytes, inputs: list[np.ndarray], outputs: int = 1) -> list[np.ndarray]:
    it = runtime.Interpreter.from_bytes(data)
    for i, x in enumerate(inputs):
        it.set_input(x, i)
    it.invoke()
    return [np.array(it.get_output(i)) for i in range(outputs)]


def ours(tmp_path: Path, data: bytes, inputs: list[np.ndarray], budget: int = 64 << 10):
    path = tmp_path / "model.bin"          # no .tflite extension: detected by content
    path.write_bytes(data)
    plan = compile_onnx(str(path), Budget(budget), target="esp32s3").data
    return HostPlan(plan).run([np.ascontiguousarray(x) for x in inputs])


def seeded(shape, seed=0, dtype=np.int8):
    return np.random.default_rng(seed).integers(-128, 128, shape).astype(dtype)


def check(tmp_path, data: bytes, shapes, seeds=(0, 1, 2)) -> None:
    for seed in seeds:
        xs = [seeded(s, seed + 10 * i) for i, s in enumerate(shapes)]
        want = tflm(data, xs)
        got = ours(tmp_path, data, xs)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.dtype == np.int8 and w.dtype == np.int8
            np.testing.assert_array_equal(g.reshape(w.shape), w)
        assert any(np.unique(w).size > min(4, w.size // 3) for w in want)   # not saturated


@pytest.mark.parametrize("kw", [
    dict(),                                             # SAME, stride 1, per-channel, RELU
    dict(per_channel=False, activation=0),              # per-tensor weights, no activation
    dict(padding=1, stride=2, activation=3),            # VALID, stride 2, RELU6
    dict(padding=0, stride=2, hw=10, activation=2),     # SAME with an odd total pad, RELU_N1_TO_1
], ids=["same-relu", "per-tensor", "valid-s2-relu6", "same-s2-n1to1"])
def test_conv_2d(tmp_path, kw):
    data = tm.conv_model(**kw)
    hw = kw.get("hw", 9)
    check(tmp_path, data, [(1, hw, hw, 3)])


@pytest.mark.parametrize("kw", [
    dict(cin=4, cout=4), dict(cin=3, cout=6, stride=2, padding=1, activation=0),
    dict(cin=4, cout=4, per_channel=False, activation=3)], ids=["m1", "m2-valid-s2", "per-tensor"])
def test_depthwise_conv_2d(tmp_path, kw):
    data = tm.conv_model(depthwise=True, **kw)
    check(tmp_path, data, [(1, 9, 9, kw["cin"])])


@pytest.mark.parametrize("image", [True, False], ids=["image", "rows"])
def test_fully_connected(tmp_path, image):
    data = tm.fc_model(image=image, activation=1 if image else 0)
    check(tmp_path, data, [(1, 4, 4, 3) if image else (2, 48)])


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
def test_binary(tmp_path, op):
    check(tmp_path, tm.binary_model(op, activation=1 if op == "ADD" else 0),
          [(1, 5, 5, 4), (1, 5, 5, 4)])


@pytest.mark.parametrize("op", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@pytest.mark.parametrize("padding", [0, 1], ids=["same", "valid"])
def test_pool(tmp_path, op, padding):
    check(tmp_path, tm.pool_model(op, padding=padding, activation=1 if padding else 0),
          [(1, 9, 9, 5)])


def test_small_cnn_with_float_edges(tmp_path):
    """QUANTIZE at the input and DEQUANTIZE at the output become the plan's
    int8 input and output with their scales; TFLM runs the float model, so
    its input is the dequantized int8 data and its output is requantized."""
    data = tm.small_cnn()
    for seed in range(3):
        q = seeded((1, 8, 8, 2), seed)
        xf = ((q.astype(np.float32) - 1) * np.float32(0.02)).astype(np.float32)
        want = tflm(data, [xf])[0]
        got = ours(tmp_path, data, [q])[0]
        np.testing.assert_array_equal(((got.astype(np.float32) - 2) * np.float32(0.1)), want)


def test_cli_run_takes_nhwc_arrays(tmp_path):
    data = tm.conv_model(activation=0)
    model = tmp_path / "m.tflite"
    model.write_bytes(data)
    x = seeded((1, 9, 9, 3), 5)
    np.save(tmp_path / "x.npy", x)
    assert tigris(["compile", str(model), "-m", "64K", "--target", "esp32s3",
                   "-o", str(tmp_path / "m.tgrs")]) == 0
    assert tigris(["run", str(tmp_path / "m.tgrs"), "--input", str(tmp_path / "x.npy"),
                   "--output", str(tmp_path / "y.npy")]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), tflm(data, [x])[0])


def test_unsupported_operator_is_one_line(tmp_path, capsys):
    b = TFLiteBuilder()
    x = b.tensor([1, 4], scale=0.1, zp=0)
    y = b.tensor([1, 4], scale=0.1, zp=0)
    z = b.tensor([1, 4], scale=0.1, zp=0)
    b.op("FLOOR", [x], [y])
    b.op("CUMSUM", [y], [z])
    path = tmp_path / "u.tflite"
    path.write_bytes(b.build([x], [z]))
    assert tigris(["analyze", str(path), "-m", "16K"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "u.tflite: operator 0 (FLOOR), operator 1 (CUMSUM) not supported; " in err


def test_damaged_file_is_one_line(tmp_path, capsys):
    data = bytearray(tm.conv_model())
    path = tmp_path / "bad.tflite"
    path.write_bytes(bytes(data[:40]))
    assert tigris(["analyze", str(path), "-m", "16K"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("tigris: bad.tflite: ")


ALL_INT8 = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)


@pytest.mark.parametrize("op,kw", [
    ("LOGISTIC", dict()), ("LOGISTIC", dict(s_in=0.2, zp_in=30)), ("LOGISTIC", dict(s_in=0.01, zp_in=0)),
    ("TANH", dict()), ("TANH", dict(s_in=0.015, zp_in=11)),
    ("RELU", dict()), ("RELU", dict(s_out=0.03, zp_out=-128)),
    ("RELU6", dict()), ("RELU6", dict(s_in=0.03, zp_in=-100)),
    ("LEAKY_RELU", dict(s_out=0.05, zp_out=20, Alpha=0.2)),
    ("LEAKY_RELU", dict(s_in=0.1, zp_in=-3, s_out=0.1, zp_out=-3, Alpha=0.01)),
])
def test_elementwise_every_int8_value(tmp_path, op, kw):
    """Each table entry, for every int8 input, equals TFLM's integer kernel."""
    data = tm.unary_model(op, **kw)
    want = tflm(data, [ALL_INT8])[0]
    got = ours(tmp_path, data, [ALL_INT8])[0]
    np.testing.assert_array_equal(got.reshape(want.shape), want)
    assert np.unique(want).size > 20


def test_shape_operators_and_uint8_output(tmp_path):
    """uint8 tensors are int8 codes q - 128 inside: the plan's bytes + 128 are TFLM's."""
    data = tm.shapes_model()
    for seed in range(2):
        xs = [seeded((1, 6, 1, 8), seed), seeded((1, 2, 1, 8), seed + 7)]
        want = tflm(data, xs, outputs=2)
        got = ours(tmp_path, data, xs)
        assert want[0].dtype == np.uint8 and want[1].dtype == np.int8
        np.testing.assert_array_equal((got[0].astype(np.int16) + 128).astype(np.uint8)
                                      .reshape(want[0].shape), want[0])
        np.testing.assert_array_equal(got[1].reshape(want[1].shape), want[1])


@pytest.mark.parametrize("kw", [dict(s_out=0.05, zp_out=-100), dict(s_in=0.1, zp_in=20, s_out=0.08, zp_out=-90),
                                dict(s_in=0.01, zp_in=-5, s_out=0.004, zp_out=-80)])
def test_hard_swish_every_int8_value(tmp_path, kw):
    data = tm.unary_model("HARD_SWISH", **kw)
    want = tflm(data, [ALL_INT8])[0]
    got = ours(tmp_path, data, [ALL_INT8])[0]
    np.testing.assert_array_equal(got.reshape(want.shape), want)
    assert np.unique(want).size > 20


@pytest.mark.parametrize("perm", [(0, 2, 1, 3), (0, 3, 1, 2), (0, 1, 3, 2)])
def test_transpose(tmp_path, perm):
    check(tmp_path, tm.transpose_model(perm), [(1, 3, 4, 5)])


@pytest.mark.parametrize("kw", [dict(), dict(out_hw=(8, 10)), dict(align=True), dict(half=True),
                                dict(out_hw=(3, 2), half=True)],
                         ids=["plain", "x2", "align", "half", "down-half"])
def test_resize_nearest(tmp_path, kw):
    check(tmp_path, tm.resize_model(**kw), [(1, 4, 5, 3)])


@pytest.mark.parametrize("kw", [dict(s_out=0.02, zp_out=-5), dict(keep=False, s_out=0.03, zp_out=3),
                                dict(hw=(3, 3), s_out=0.011, zp_out=20), dict(hw=(7, 7), s_out=0.04, zp_out=0)])
def test_mean(tmp_path, kw):
    hw = kw.get("hw", (4, 5))
    check(tmp_path, tm.mean_model(**kw), [(1, *hw, 6)], seeds=range(6))


def test_mean_same_quantization_is_one_line(tmp_path, capsys):
    path = tmp_path / "mean.tflite"
    path.write_bytes(tm.mean_model())
    assert tigris(["analyze", str(path), "-m", "16K"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tigris: mean.tflite: operator 0 (MEAN): MEAN with the input's own")
    assert "\n" not in err


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("const", [False, True], ids=["activation", "constant"])
def test_binary_broadcast(tmp_path, op, const):
    shapes = [(1, 5, 5, 4)] + ([] if const else [(1, 1, 1, 4)])
    check(tmp_path, tm.broadcast_model(op, const), shapes)


@pytest.mark.parametrize("alpha_shape", [(1, 1, 4), (4,), (1,)], ids=["per-channel", "vector", "one"])
def test_prelu(tmp_path, alpha_shape):
    check(tmp_path, tm.prelu_model(alpha_shape), [(1, 5, 6, 4)])


def test_mutated_files_import_or_fail_in_one_line(tmp_path):
    """Bytes of small models changed at random: each imports, or fails with a
    one-line ModelError (never another exception)."""
    from tigris.dialects import make_context
    from tigris.errors import ModelError
    from tigris.importers.tflite import import_tflite
    bases = [tm.conv_model(), tm.small_cnn(), tm.shapes_model(), tm.pool_model(),
             tm.unary_model("LOGISTIC")]
    r = np.random.default_rng(7)
    outcomes = {"ok": 0, "refused": 0}
    path = tmp_path / "m.tflite"
    for i in range(80):
        b = bytearray(bases[i % len(bases)])
        for _ in range(int(r.integers(1, 4))):
            b[int(r.integers(8, len(b)))] = int(r.integers(0, 256))
        path.write_bytes(bytes(b))
        try:
            import_tflite(str(path), make_context(), None, "double")
            outcomes["ok"] += 1
        except ModelError as e:
            assert "\n" not in str(e) and str(e).startswith("m.tflite: ")
            outcomes["refused"] += 1
    assert outcomes["ok"] > 5 and outcomes["refused"] > 5


@pytest.mark.parametrize("budget", [64 << 10, 8 << 10], ids=["flat", "tiled-8K"])
def test_conv_chain_tiled_is_bit_exact(tmp_path, budget):
    """A budget below the untiled peak (38 KiB) makes the tiler stream rows;
    the plan still gives TFLM's bytes."""
    data = tm.conv_chain()
    path = tmp_path / "chain.tflite"
    path.write_bytes(data)
    c = compile_onnx(str(path), Budget(budget), target="esp32s3")
    assert c.arena <= budget
    assert (c.calls > 4) == (budget < 32 << 10)     # tiled: more calls than operators
    host = HostPlan(c.data)
    for seed in range(2):
        x = seeded((1, 32, 32, 4), seed)
        want = tflm(data, [x])[0]
        np.testing.assert_array_equal(host.run([x])[0].reshape(want.shape), want)
        assert np.unique(want).size > 20


def test_grouped_conv_2d(tmp_path):
    check(tmp_path, tm.grouped_conv_model(), [(1, 6, 6, 4)])


def test_fully_connected_keep_num_dims(tmp_path):
    check(tmp_path, tm.fc_keep_dims_model(), [(1, 3, 8)])


@pytest.mark.parametrize("kw", [dict(), dict(shape=(1, 3, 4, 12), s_in=0.05, zp_in=4),
                                dict(shape=(4, 33), s_in=0.02, zp_in=0, beta=0.7),
                                dict(shape=(3, 7), s_in=0.08, zp_in=-20),
                                dict(shape=(5, 64), s_in=0.004, zp_in=-100, beta=2.0)],
                         ids=["rows", "image", "beta0.7", "coarse", "fine-beta2"])
def test_softmax(tmp_path, kw):
    """TFLite's int8 softmax (gemmlowp exp and reciprocal per row): the
    softmax_tfl kernel gives TFLM's bytes."""
    check(tmp_path, tm.softmax_model(**kw), [kw.get("shape", (3, 10))], seeds=range(6))


def test_softmax_not_tflm_quantization_is_one_line(tmp_path, capsys):
    b = TFLiteBuilder()
    x = b.tensor([2, 8], scale=0.1, zp=0)
    y = b.tensor([2, 8], scale=1 / 255, zp=-128)
    b.op("SOFTMAX", [x], [y], "SoftmaxOptions", Beta=1.0)
    path = tmp_path / "sm.tflite"
    path.write_bytes(b.build([x], [y]))
    assert tigris(["analyze", str(path), "-m", "16K"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.startswith("tigris: sm.tflite: operator 0 (SOFTMAX): the output has scale")


@pytest.mark.parametrize("kw", [dict(), dict(half=True), dict(align=True),
                                dict(in_hw=(9, 7), out_hw=(4, 3), half=True),
                                dict(in_hw=(3, 3), out_hw=(8, 5)),
                                dict(in_hw=(5, 4), out_hw=(10, 8), half=True)],
                         ids=["plain", "half", "align", "down-half", "up", "x2-half"])
def test_resize_bilinear(tmp_path, kw):
    """TFLM's integer interpolation (Q10 weights, Q20 sum rounded half away
    from zero) as the resize kernel's Q11 weights: the same bytes."""
    check(tmp_path, tm.resize_bilinear_model(**kw), [(1, *kw.get("in_hw", (4, 5)), 3)])


def test_relu_n1_to_1_every_int8_value(tmp_path):
    """TFLM has no RELU_N1_TO_1 kernel (its op resolver fails to allocate);
    TFLite's reference kernel (ai-edge-litert, BUILTIN_REF) is the oracle."""
    from tflite_litert import litert
    for kw in (dict(s_in=0.01, zp_in=3, s_out=0.009, zp_out=-2), dict(s_in=0.02, zp_in=-40)):
        data = tm.unary_model("RELU_N1_TO_1", **kw)
        with pytest.raises(RuntimeError):
            tflm(data, [ALL_INT8])
        want = litert(data, [ALL_INT8])[0]
        got = ours(tmp_path, data, [ALL_INT8])[0]
        np.testing.assert_array_equal(got.reshape(want.shape), want)
        assert np.unique(want).size > 20
