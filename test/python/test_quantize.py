"""`tigris quantize` (tigris/quantize.py on onnxruntime's quantize_static):
a float zoo model -> int8 QDQ -> tigris compile -> tigris run, within the
zoo's LSB bound of onnxruntime on the quantized model (test_numerics.py);
calibration from an .npz, a folder of .npy files, or seeded random data with a
warning; one-line errors."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx_check import ort_session

from tigris.cli import main as tigris

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import zoo  # noqa: E402

NAME = "ds_cnn"
LSB = 3          # test_numerics' bound for the zoo's ds_cnn (measured 1)


@pytest.fixture(scope="module")
def quantized(tmp_path_factory):
    d = tmp_path_factory.mktemp("quantize")
    f32 = zoo.build(NAME, "float")
    calib = np.stack([f[zoo.INPUT] for f in zoo.sample_input(NAME, seed=9, count=8)])
    np.savez(d / "calib.npz", **{zoo.INPUT: calib})
    out = d / "q.onnx"
    assert tigris(["quantize", str(f32), "-o", str(out), "--calibration", str(d / "calib.npz"),
                   "--per-channel"]) == 0
    return d, f32, out


def test_quantize_compile_run_within_lsb_of_onnxruntime(quantized, capsys):
    d, _, q = quantized
    m = onnx.load(str(q))
    ops = {n.op_type for n in m.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops and "BatchNormalization" not in ops
    w = next(i for i in m.graph.initializer if i.data_type == onnx.TensorProto.INT8
             and len(i.dims) == 4)
    assert w.data_type == onnx.TensorProto.INT8
    plan = d / "q.tgrs"
    assert tigris(["compile", str(q), "-m", "32K", "-o", str(plan)]) == 0
    sess = ort_session(str(q))
    rng = np.random.default_rng(5)
    worst, agree = 0, 0
    for k in range(4):
        x = rng.standard_normal(zoo.input_shape(NAME)).astype(np.float32)
        np.save(d / f"x{k}.npy", x)
        assert tigris(["run", str(plan), "-i", str(d / f"x{k}.npy"), "-o",
                       str(d / f"y{k}.npy")]) == 0
        ours = np.load(d / f"y{k}.npy").astype(np.int64)
        (y_ort,) = sess.run(None, {sess.get_inputs()[0].name: x})
        out = next(n for n in m.graph.node if n.op_type == "QuantizeLinear"
                   and n.input[0] in {o for nd in m.graph.node for o in nd.output
                                      if nd.op_type == "Softmax"})
        scale = onnx.numpy_helper.to_array(next(i for i in m.graph.initializer
                                                if i.name == out.input[1]))
        zp = onnx.numpy_helper.to_array(next(i for i in m.graph.initializer
                                             if i.name == out.input[2]))
        want = np.round(y_ort.astype(np.float64) / float(scale)) + int(zp)
        worst = max(worst, int(np.abs(ours - want.reshape(ours.shape)).max()))
        agree += int(np.argmax(ours) == np.argmax(y_ort))
    print(f"\n{NAME} via tigris quantize: max {worst} LSB, top-1 {agree}/4")
    assert worst <= LSB and agree == 4


def test_calibration_folder_and_random(quantized, tmp_path, capsys):
    _, f32, q_npz = quantized
    folder = tmp_path / "calib"
    folder.mkdir()
    for k, f in enumerate(zoo.sample_input(NAME, seed=9, count=8)):
        np.save(folder / f"sample{k:02d}.npy", f[zoo.INPUT])
    assert tigris(["quantize", str(f32), "-o", str(tmp_path / "a.onnx"), "--calibration",
                   str(folder), "--per-channel"]) == 0
    # the same samples as the .npz: the same model
    assert (tmp_path / "a.onnx").read_bytes() == q_npz.read_bytes()
    capsys.readouterr()
    assert tigris(["quantize", str(f32), "-o", str(tmp_path / "r.onnx")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("tigris: warning: no --calibration") and "wrote" in err


def _error(capsys, argv, *words):
    assert tigris(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tigris: "), err
    for w in words:
        assert w in err, err


def test_one_line_errors(quantized, tmp_path, capsys):
    d, f32, q = quantized
    out = str(tmp_path / "never.onnx")
    _error(capsys, ["quantize", str(q), "-o", out], "q.onnx", "already quantized")
    (tmp_path / "junk.onnx").write_bytes(b"not a model at all")
    _error(capsys, ["quantize", str(tmp_path / "junk.onnx"), "-o", out], "junk.onnx")
    np.savez(tmp_path / "bad.npz", other=np.zeros((2, 5), np.float32))
    _error(capsys, ["quantize", str(f32), "-o", out, "--calibration", str(tmp_path / "bad.npz")],
           "bad.npz", "[1, 1, 49, 10]")
    (tmp_path / "empty").mkdir()
    _error(capsys, ["quantize", str(f32), "-o", out, "--calibration", str(tmp_path / "empty")],
           "empty", "no .npy")
    _error(capsys, ["quantize", str(f32), "-o", out, "--calibration", str(tmp_path / "nope.npz")],
           "nope.npz")
    assert not Path(out).exists()
