"""Helpers for tests that build small ONNX models with onnx.helper, quantize
them with onnxruntime and check them end to end: the reference interpreter
against onnxruntime, and compiled plans on the C runtime against the reference.

Models built this way stand for "models built another way" than the zoo: the
operators and attribute forms of third-party exporters.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import helper, numpy_helper

from tigris.budget import parse_size
from tigris.cli import main as tigris
from tigris.driver import run_pipeline
from tigris.dialects import make_context
from tigris.errors import ModelError
from tigris.importers.onnx import import_onnx
from tigris.modelio import io_specs, quantize_input, to_model_layout
from tigris.passes.registry import functions
from tigris.plan.host import HostPlan
from tigris.plan.reader import read_plan
from tigris.reference.interpreter import run_function
from tigris.resources import WeightTable


def he_weights(rng, name: str, *shape) -> onnx.TensorProto:
    """A seeded He-initialized float32 weight initializer of `shape` (fan-in:
    the product of the dims after the first)."""
    return numpy_helper.from_array(
        (rng.standard_normal(shape) * np.sqrt(2 / np.prod(shape[1:]))).astype(np.float32), name)


def small_bias(rng, name: str, size: int) -> onnx.TensorProto:
    """A seeded float32 bias initializer, standard normal x 0.1."""
    return numpy_helper.from_array((rng.standard_normal(size) * 0.1).astype(np.float32), name)


def ort_session(model, **options) -> ort.InferenceSession:
    """An onnxruntime CPU session of `model` (a path or a serialized model) to
    compare against, whose integer kernels compute exact int32 sums on every
    x86 CPU. `options` are SessionOptions attributes (graph_optimization_level=...).

    On x86-64 without VNNI (AVX2, or AVX-512 without VNNI: AMD Zen 1-3, Intel
    Skylake), onnxruntime's U8S8 integer GEMM uses VPMADDUBSW, which
    saturates each pair of u8 x s8 products at int16, and it runs QDQ models
    that way: it moves their int8 activations to uint8 (+128) and fuses
    DQ -> Conv -> Q into QLinearConv, so a pair can reach 255 x 127 x 2 =
    64770 and outputs come out tens of LSB off what the model means. With VNNI
    the sums are exact. The session option `session.x64quantprecision` makes
    onnxruntime use exact U8U8 kernels there instead.

    QOperator models with int8 activations run on int8 kernels that are exact
    already, and that option makes onnxruntime refuse them (it moves the
    weights of QLinearConv / QGemm to uint8, a type pair without a kernel):
    they get a session without it."""
    from onnxruntime.capi.onnxruntime_pybind11_state import NotImplemented as NoKernel

    def session(precise: bool) -> ort.InferenceSession:
        so = ort.SessionOptions()
        for k, v in options.items():
            setattr(so, k, v)
        if precise:
            so.add_session_config_entry("session.x64quantprecision", "1")
        return ort.InferenceSession(model if isinstance(model, bytes) else str(model), so,
                                    providers=["CPUExecutionProvider"])
    try:
        return session(True)
    except NoKernel:
        return session(False)


def rejects_in_one_line(tmp_path: Path, model: onnx.ModelProto, *words: str) -> str:
    """Save `model` as bad.onnx and import it: a ModelError of one line that
    names the file and holds every one of `words`. Returns the line."""
    path = tmp_path / "bad.onnx"
    onnx.save(model, path)
    with pytest.raises(ModelError) as e:
        import_onnx(str(path), make_context())
    text = str(e.value)
    assert "\n" not in text
    for w in ("bad.onnx",) + words:
        assert w in text, f"{w!r} not in {text!r}"
    return text


def normal(rng, shape) -> np.ndarray:
    """The default inputs: standard normal, float32."""
    return rng.standard_normal(shape).astype(np.float32)


def make_model(graph, opset: int = 17) -> onnx.ModelProto:
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def quantize(model, path: Path, shape, fmt: str = "qdq", seed: int = 0, opset: int = 17,
             draw=normal) -> Path:
    """Save the float model (a ModelProto, or a GraphProto made one at `opset`)
    beside `path` and quantize it there: int8 activations, per-channel int8
    weights, QDQ or QOperator, calibrated on 8 seeded inputs of `shape` fed
    to the graph's first input (drawn by `draw(rng, shape)`)."""
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)
    if isinstance(model, onnx.GraphProto):
        model = make_model(model, opset)
    fpath = path.with_suffix(".float.onnx")
    onnx.save(model, fpath)
    name = model.graph.input[0].name
    rng = np.random.default_rng(seed)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.data = iter([{name: draw(rng, shape)} for _ in range(8)])

        def get_next(self):
            return next(self.data, None)
    quantize_static(str(fpath), str(path), Reader(),
                    quant_format=QuantFormat.QDQ if fmt == "qdq" else QuantFormat.QOperator,
                    per_channel=True, activation_type=QuantType.QInt8,
                    weight_type=QuantType.QInt8)
    return path


def legalized(path: Path, pipeline: str = "tigris-legalize"):
    """(context, import result) with `pipeline` run on the imported module."""
    ctx = make_context()
    res = import_onnx(str(path), ctx)
    run_pipeline(ctx, res.module, f"builtin.module({pipeline})", Path(path).stem)
    return ctx, res


def worst_lsb(path: Path, shape, seed: int = 3, count: int = 10, draw=normal) -> int:
    """Max |reference - onnxruntime| over `count` seeded inputs of `shape`, in
    output LSBs (onnxruntime's float output requantized with the output's scale)."""
    ctx, res = legalized(path)
    sess = ort_session(path)
    rng = np.random.default_rng(seed)
    worst = 0
    with ctx:
        fn = functions(res.module.operation)[0]
        (ispec,), (ospec,) = io_specs(fn)
        for _ in range(count):
            x = draw(rng, shape)
            y = sess.run(None, {sess.get_inputs()[0].name: x})[0]
            want = np.round(y.astype(np.float64) / ospec["scale"]) + ospec["zero_point"]
            (o,) = run_function(fn, WeightTable(res.weights), [quantize_input(x, ispec)])
            got = to_model_layout(o, ospec)
            assert got.shape == y.shape
            worst = max(worst, int(np.abs(got.astype(int) - want).max()))
    return worst


def runtime_equals_reference(path: Path, tmp_path: Path, budget: str, shape,
                             count: int = 3, seed: int = 4, draw=normal) -> bytes:
    """`tigris compile -m budget`, then the plan on the C runtime equals the
    reference interpreter byte for byte on `count` seeded inputs. Returns the plan."""
    ctx, res = legalized(path)
    out = tmp_path / f"{Path(path).stem}.{budget}.tgrs"
    assert tigris(["compile", str(path), "-m", budget, "-o", str(out)]) == 0
    data = out.read_bytes()
    assert read_plan(data).fast_size <= parse_size(budget.split("+")[0], "budget")
    host = HostPlan(data)
    rng = np.random.default_rng(seed)
    with ctx:
        fn = functions(res.module.operation)[0]
        (ispec,), _ = io_specs(fn)
        for _ in range(count):
            q = quantize_input(draw(rng, shape), ispec)
            (ref,) = run_function(fn, WeightTable(res.weights), [q])
            (got,) = host.run([q])
            assert np.array_equal(got.reshape(ref.shape), ref)
    return data
