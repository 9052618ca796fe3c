"""The model zoo (test/models/zoo.py): every model builds, checks, runs, and rebuilds byte-identically.

A cold build of the whole zoo (int8 and float) takes a few seconds, so
nothing here is marked slow; most tests use the shared cache.
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

pytest.importorskip("onnxruntime")
from onnx_check import ort_session  # noqa: E402

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
sys.path.insert(0, str(MODELS_DIR))
import zoo  # noqa: E402

ALL = zoo.names()
QOP = [n for n in ALL if zoo.MODELS[n].qop]
QDQ = [n for n in ALL if not zoo.MODELS[n].qop]


def _session(path):
    return ort_session(path)


def _load(name, fmt="qdq"):
    return onnx.load(str(zoo.build(name, fmt)))


def test_names():
    required = {"mobilenet_v1_1.0_128", "mobilenet_v1_0.25_96", "mobilenet_v2_0.35_96", "resnet8", "ds_cnn",
                "unet_small", "inception_block", "resnet8_qop", "mobilenet_v1_0.25_96_qop", "ds_cnn_qop",
                "tiny_conv_relu", "tiny_depthwise", "tiny_residual_add", "tiny_concat", "tiny_qop_conv"}
    assert required <= set(ALL)
    with pytest.raises(KeyError):
        zoo.build("no_such_model")
    with pytest.raises(ValueError):
        zoo.build("resnet8", "fp16")


@pytest.mark.parametrize("name", ALL)
def test_builds_and_checks(name):
    for fmt in ("qdq", "float"):
        path = zoo.build(name, fmt)
        assert path.is_absolute() and path.exists()
        assert zoo.build(name, fmt) == path  # cached
        m = onnx.load(str(path))
        onnx.checker.check_model(m, full_check=True)
        dims = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
        assert tuple(dims) == zoo.input_shape(name)
    assert zoo.float_model(name) == zoo.build(name, "float")


@pytest.mark.parametrize("name", ALL)
def test_runs_close_to_float(name):
    feed = zoo.sample_input(name, seed=7)
    (q,) = _session(zoo.build(name)).run(None, feed)
    (f,) = _session(zoo.build(name, "float")).run(None, feed)
    assert q.shape == f.shape and q.dtype == np.float32
    assert np.isfinite(q).all() and np.isfinite(f).all()
    # A loose sanity bound (int8 noise is ~1-3% of the output range here).
    span = float(f.max() - f.min())
    assert np.abs(q - f).max() <= 0.15 * span + 0.05, (np.abs(q - f).max(), span)


@pytest.mark.parametrize("name", ["tiny_conv_relu", "tiny_qop_conv", "resnet8", "ds_cnn_qop"])
def test_rebuild_is_byte_identical(name, tmp_path, monkeypatch):
    monkeypatch.setenv("TIGRIS_ZOO_CACHE", str(tmp_path / "a"))
    a = zoo.build(name)
    monkeypatch.setenv("TIGRIS_ZOO_CACHE", str(tmp_path / "b"))
    b = zoo.build(name)
    assert a != b and a.name == b.name
    assert a.read_bytes() == b.read_bytes() == zoo.build_bytes(name)
    assert zoo.build_bytes(name, "float") == zoo.build_bytes(name, "float")


def test_cli_rebuild_other_process_identical(tmp_path):
    """Another interpreter (different hash seed) writes the same bytes; stdout is only the path."""
    env = dict(os.environ, TIGRIS_ZOO_CACHE=str(tmp_path), PYTHONHASHSEED="12345")
    for name, flag in (("resnet8", []), ("tiny_qop_conv", []), ("tiny_concat", ["--float"])):
        r = subprocess.run([sys.executable, str(MODELS_DIR / "zoo.py"), name, *flag], env=env,
                           capture_output=True, text=True, check=True)
        out = Path(r.stdout.strip())
        assert r.stdout == f"{out}\n" and out.is_absolute() and out.parent == tmp_path.resolve()
        assert out.read_bytes() == zoo.build(name, "float" if flag else "qdq").read_bytes()


def test_cli_all_and_errors():
    r = subprocess.run([sys.executable, str(MODELS_DIR / "zoo.py"), "all"], capture_output=True, text=True,
                       check=True)
    for name in ALL:
        assert f"\n{name} " in r.stdout
    r = subprocess.run([sys.executable, str(MODELS_DIR / "zoo.py"), "nope"], capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ""


def test_cache_key_and_stale_files(tmp_path, monkeypatch):
    monkeypatch.setenv("TIGRIS_ZOO_CACHE", str(tmp_path))
    assert zoo.cache_key("resnet8", "qdq") != zoo.cache_key("resnet8", "float")
    assert zoo.cache_key("resnet8", "qdq") != zoo.cache_key("resnet8_qop", "qdq")
    stale = tmp_path / "tiny_depthwise.qdq.0000000000000000.onnx"
    stale.write_bytes(b"old")
    path = zoo.build("tiny_depthwise")
    assert path.name.startswith("tiny_depthwise.qdq.") and path != stale
    assert not stale.exists()
    assert zoo.build("resnet8_qop").name.startswith("resnet8_qop.qop.")
    assert zoo.build("resnet8_qop", "float") == zoo.build("resnet8", "float")
    assert not list(tmp_path.glob("*.tmp"))


def test_mobilenet_v1_peak_activation():
    m = onnx.shape_inference.infer_shapes(_load("mobilenet_v1_1.0_128"))
    const = {i.name for i in m.graph.initializer} | {""}
    for n in m.graph.node:  # weights dequantized from initializers are constants, not activations
        if set(n.input) <= const:
            const.update(n.output)
    shapes = {}
    for vi in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output):
        if vi.name not in const:
            shapes[vi.name] = tuple(d.dim_value for d in vi.type.tensor_type.shape.dim)
    biggest = max(shapes.values(), key=lambda s: int(np.prod(s)))
    assert biggest == (1, 64, 64, 64)
    # The largest pair is pw1: 1x32x64x64 in (128 KiB int8) + 1x64x64x64 out (256 KiB).
    pw1 = next(n for n in m.graph.node if n.op_type == "Conv" and shapes.get(n.output[0]) == biggest)
    assert shapes[pw1.input[0]] == (1, 32, 64, 64)
    assert sum(1 for n in m.graph.node if n.op_type == "Conv" and shapes[n.output[0]] == biggest) == 1


def _ops(m):
    return {(n.domain or "", n.op_type) for n in m.graph.node}


@pytest.mark.parametrize("name", QOP)
def test_qop_variants_use_qlinear_ops(name):
    ops = _ops(_load(name))
    assert ("", "QLinearConv") in ops
    assert ("", "Conv") not in ops and ("", "DequantizeLinear") in ops  # only the final output
    n_dq = sum(1 for n in _load(name).graph.node if n.op_type == "DequantizeLinear")
    assert n_dq == 1


@pytest.mark.parametrize("name", QDQ)
def test_qdq_pattern(name):
    """Weights int8 symmetric per-channel (DQ axis 0, or 1 for MatMul), Conv/Gemm biases int32 at s_in*s_w."""
    m = _load(name)
    init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    producer = {o: n for n in m.graph.node for o in n.output}
    ops = {op for _, op in _ops(m)}
    assert not ops & {"QLinearConv", "BatchNormalization", "Relu", "Clip"}  # BN folded, activations absorbed
    for n in m.graph.node:
        if n.op_type not in ("Conv", "Gemm", "MatMul"):
            continue
        dq_w = producer[n.input[1]]
        assert dq_w.op_type == "DequantizeLinear"
        w, w_scale, w_zp = (init[i] for i in dq_w.input)
        axis = onnx.helper.get_attribute_value(dq_w.attribute[0])
        assert w.dtype == np.int8 and w_zp.dtype == np.int8 and not w_zp.any()
        assert axis == (1 if n.op_type == "MatMul" else 0) and w_scale.shape == (w.shape[axis],)
        if len(n.input) > 2:
            dq_b = producer[n.input[2]]
            b, b_scale, b_zp = (init[i] for i in dq_b.input)
            x_scale = init[producer[n.input[0]].input[1]]
            assert b.dtype == np.int32 and not b_zp.any()
            assert np.array_equal(b_scale, (x_scale * w_scale).astype(np.float32))


def test_float_keeps_batchnorm():
    assert ("", "BatchNormalization") in _ops(_load("resnet8", "float"))
    assert ("", "BatchNormalization") not in _ops(_load("resnet8"))
