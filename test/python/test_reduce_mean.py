"""ONNX ReduceMean over the spatial axes of an NCHW tensor, imported as a
global average pool (and a reshape to [N, C] for keepdims=0).

Small float models written with onnx.helper, quantized with onnxruntime's
quantize_static, then imported, legalized and run by the reference
interpreter against onnxruntime, and compiled and run on the host C runtime
against the reference, byte for byte. Both attribute forms: opset < 18 (axes
attribute) and opset 18 (axes input, noop_with_empty_axes).

quantize_static (onnxruntime 1.32) has no quantized ReduceMean, in either
format: it reads the DequantizeLinear of its input and stays float; its output
is quantized only by the QuantizeLinear a quantized consumer asks for (own
calibrated scale), and a graph-final ReduceMean is left float. The importer
gives that float output the input's quantization (a mean stays within the
input's range).
"""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_check import (he_weights as _weights, legalized, quantize, rejects_in_one_line,
                        runtime_equals_reference, small_bias as _bias, worst_lsb)

from tigris.cli import main as tigris
from tigris.dialects import make_context
from tigris.importers.onnx import import_onnx
from tigris.modelio import io_specs, quantize_input, to_model_layout
from tigris.passes.registry import functions
from tigris.reference.interpreter import run_function
from tigris.resources import WeightTable

SHAPE = (1, 3, 16, 16)
n = helper.make_node


def _axes(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def _model(nodes, inits, out_shape, opset, name):
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                      list(SHAPE))],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def classifier(seed=0):
    """opset 17: Conv -> Relu -> ReduceMean(axes=[2, 3], keepdims=0) -> Gemm."""
    rng = np.random.default_rng(seed)
    nodes = [n("Conv", ["x", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1], name="conv"),
             n("Relu", ["c0"], ["r0"], name="relu"),
             n("ReduceMean", ["r0"], ["m"], axes=[2, 3], keepdims=0, name="gap"),
             n("Gemm", ["m", "fc", "fb"], ["y"], transB=1, name="fc")]
    inits = [_weights(rng, "w0", 16, 3, 3, 3), _bias(rng, "b0", 16),
             _weights(rng, "fc", 10, 16), _bias(rng, "fb", 10)]
    return _model(nodes, inits, [1, 10], 17, "classifier")


def se_block(seed=1):
    """opset 18, squeeze-excite: Conv -> Relu -> ReduceMean(axes input [-2, -1],
    keepdims=1) -> 1x1 Conv -> Sigmoid -> Mul with the Relu output."""
    rng = np.random.default_rng(seed)
    nodes = [n("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1], name="conv"),
             n("Relu", ["c0"], ["r0"], name="relu"),
             n("ReduceMean", ["r0", "axes"], ["m"], keepdims=1, name="se_pool"),
             n("Conv", ["m", "w1", "b1"], ["s1"], name="se_fc"),
             n("Sigmoid", ["s1"], ["sg"], name="se_gate"),
             n("Mul", ["r0", "sg"], ["y"], name="se_mul")]
    inits = [_weights(rng, "w0", 16, 3, 3, 3), _weights(rng, "w1", 16, 16, 1, 1),
             _bias(rng, "b1", 16),
             _axes("axes", [-2, -1])]
    return _model(nodes, inits, [1, 16, 16, 16], 18, "se_block")


def pool_head(opset, keepdims, axes):
    """Conv -> ReduceMean as the graph output, one attribute form each."""
    rng = np.random.default_rng(opset + 10 * keepdims)
    inits = [_weights(rng, "w0", 8, 3, 3, 3)]
    if opset >= 18:
        rm = n("ReduceMean", ["c0", "axes"], ["y"], keepdims=keepdims, name="head")
        inits.append(_axes("axes", axes))
    else:
        rm = n("ReduceMean", ["c0"], ["y"], axes=axes, keepdims=keepdims, name="head")
    nodes = [n("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1], name="conv"), rm]
    return _model(nodes, inits, [1, 8, 1, 1] if keepdims else [1, 8], opset, "head")


def identity_block(empty_initializer):
    """opset 18: ReduceMean with empty axes and noop_with_empty_axes=1 is the
    identity; axes absent, or an empty initializer."""
    rng = np.random.default_rng(5)
    ins = ["c0", "axes"] if empty_initializer else ["c0"]
    nodes = [n("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1], name="conv"),
             n("ReduceMean", ins, ["m"], noop_with_empty_axes=1, name="noop"),
             n("Conv", ["m", "w1"], ["y"], name="conv2")]
    inits = [_weights(rng, "w0", 8, 3, 3, 3), _weights(rng, "w1", 4, 8, 1, 1)]
    if empty_initializer:
        inits.append(_axes("axes", np.zeros(0, np.int64)))
    return _model(nodes, inits, [1, 4, 16, 16], 18, "identity")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _ops(path):
    ctx = make_context()
    res = import_onnx(str(path), ctx)
    return str(res.module)


# ---------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------

MODELS = {"classifier": classifier, "se_block": se_block}
# Worst |LSB| against onnxruntime 1.32, measured over 100 inputs and three
# model seeds: classifier 1, se_block 2 (QDQ and QOperator alike; the same
# block with GlobalAveragePool in place of ReduceMean also measures 2: the
# Sigmoid gate and the Mul add their rounding to the pool's). One LSB of margin.
BOUND = {"classifier": 2, "se_block": 3}


@pytest.mark.parametrize("fmt", ["qdq", "qop"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_matches_onnxruntime(name, fmt, tmp_path):
    path = quantize(MODELS[name](), tmp_path / f"{name}.{fmt}.onnx", SHAPE, fmt)
    worst = worst_lsb(path, SHAPE)
    print(f"{name} {fmt}: worst {worst} LSB")
    assert worst <= BOUND[name]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_runtime_equals_reference(name, tmp_path):
    path = quantize(MODELS[name](), tmp_path / f"{name}.onnx", SHAPE)
    runtime_equals_reference(path, tmp_path, "16K+1M", SHAPE)
    runtime_equals_reference(path, tmp_path, "4K+1M", SHAPE)   # tiled: a 16x16x16 map is 4K


def test_cli_run_equals_reference(tmp_path):
    """`tigris compile` then `tigris run` on .npy files, against the reference."""
    path = quantize(classifier(), tmp_path / "classifier.onnx", SHAPE)
    plan, xin, yout = tmp_path / "c.tgrs", tmp_path / "x.npy", tmp_path / "y.npy"
    assert tigris(["compile", str(path), "-m", "8K+1M", "-o", str(plan)]) == 0
    x = np.random.default_rng(6).standard_normal(SHAPE).astype(np.float32)
    np.save(xin, x)
    assert tigris(["run", str(plan), "-i", str(xin), "-o", str(yout)]) == 0
    ctx, res = legalized(path)
    with ctx:
        fn = functions(res.module.operation)[0]
        (ispec,), (ospec,) = io_specs(fn)
        (ref,) = run_function(fn, WeightTable(res.weights), [quantize_input(x, ispec)])
    got = np.load(yout)
    assert got.dtype == np.int8
    assert np.array_equal(got.reshape(-1), to_model_layout(ref, ospec).reshape(-1))


def test_quantizer_keeps_reduce_mean_between_dq_and_q(tmp_path):
    """What the importer relies on: quantize_static leaves ReduceMean in float,
    read through a DequantizeLinear; a quantized consumer puts a QuantizeLinear
    after it, a graph-final one writes the float graph output."""
    for fmt in ("qdq", "qop"):
        for model, after in ((se_block(), ["QuantizeLinear"]), (pool_head(17, 0, [2, 3]), [])):
            m = onnx.load(quantize(model, tmp_path / f"m.{fmt}.onnx", SHAPE, fmt))
            rm = next(x for x in m.graph.node if x.op_type == "ReduceMean")
            producers = {o: x for x in m.graph.node for o in x.output}
            assert producers[rm.input[0]].op_type == "DequantizeLinear"
            assert [x.op_type for x in m.graph.node if rm.output[0] in x.input] == after
            assert (rm.output[0] in [o.name for o in m.graph.output]) == (not after)


@pytest.mark.parametrize("opset,keepdims,axes", [
    (13, 1, [2, 3]), (13, 0, [-1, -2]), (17, 0, [3, 2]), (17, 1, [-2, 3]),
    (18, 1, [2, 3]), (18, 0, [-2, -1]), (18, 0, [3, 2]), (18, 1, [2, -1])])
def test_attribute_forms(opset, keepdims, axes, tmp_path):
    path = quantize(pool_head(opset, keepdims, axes), tmp_path / "head.onnx", SHAPE)
    worst = worst_lsb(path, SHAPE, count=5)
    print(f"head opset {opset} keepdims {keepdims} axes {axes}: worst {worst} LSB")
    assert worst <= 1
    ir = _ops(path)
    assert "tosa.avg_pool2d" in ir
    assert ("tensor<1x8xi8>" if not keepdims else "tensor<1x1x1x8xi8>") in ir.split("return")[-1]


@pytest.mark.parametrize("empty_initializer", [False, True])
def test_noop_with_empty_axes_is_identity(empty_initializer, tmp_path):
    path = quantize(identity_block(empty_initializer), tmp_path / "noop.onnx", SHAPE)
    assert "avg_pool" not in _ops(path)
    worst = worst_lsb(path, SHAPE, count=5)
    print(f"noop_with_empty_axes (initializer {empty_initializer}): worst {worst} LSB")
    assert worst <= 1


@pytest.mark.parametrize("name", sorted(MODELS))
def test_float_model_imports_as_average_pool(name, tmp_path):
    path = tmp_path / f"{name}.float.onnx"
    onnx.save(MODELS[name](), path)
    ir = _ops(path)
    assert "tosa.avg_pool2d" in ir and "acc_type = f32" in ir
    assert ("tensor<1x10xf32>" if name == "classifier" else "tensor<1x16x16x16xf32>") in \
        ir.split("return")[-1]


def _reject(tmp_path, model, *words):
    rejects_in_one_line(tmp_path, model, "(ReduceMean)", *words)


def test_all_axes_by_default_is_rejected(tmp_path):
    """No axes reduces every axis (batch and channel too): not a global average pool."""
    m = pool_head(17, 1, [2, 3])
    del m.graph.node[1].attribute[:]          # no axes attribute, keepdims default 1
    m.graph.output[0].type.tensor_type.shape.dim[1].dim_value = 1
    _reject(tmp_path, m, "'head'", "[0, 1, 2, 3]", "no axes given", "channel")
    m = pool_head(18, 1, [2, 3])
    del m.graph.node[1].input[1:]             # opset 18, axes absent, noop_with_empty_axes 0
    m.graph.output[0].type.tensor_type.shape.dim[1].dim_value = 1
    _reject(tmp_path, m, "'head'", "[0, 1, 2, 3]")


@pytest.mark.parametrize("axes,words", [
    ([1], ["[1]", "channel"]), ([1, 2, 3], ["[1, 2, 3]", "channel"]),
    ([0, 2, 3], ["batch"]), ([3], ["[3]", "both of them together"]),
    ([-1], ["[3]", "both of them together"])])
def test_unsupported_axes_are_rejected(axes, words, tmp_path):
    m = pool_head(18, 1, [2, 3])
    m.graph.initializer[1].CopyFrom(_axes("axes", axes))
    m.graph.output[0].type.tensor_type.ClearField("shape")
    _reject(tmp_path, m, "'head'", *words)


def test_attribute_of_the_wrong_opset_is_rejected(tmp_path):
    m = pool_head(18, 1, [2, 3])
    rm = m.graph.node[1]
    del rm.input[1:]
    rm.attribute.append(helper.make_attribute("axes", [2, 3]))
    _reject(tmp_path, m, "axes attribute", "opset 18")
    m = pool_head(17, 1, [2, 3])
    rm = m.graph.node[1]
    kept = [a for a in rm.attribute if a.name != "axes"]
    del rm.attribute[:]
    rm.attribute.extend(kept)
    m.graph.initializer.append(_axes("axes", [2, 3]))
    rm.input.append("axes")
    # onnx's schema check refuses the second input at opset 17 first
    _reject(tmp_path, m, "'head'", "input size 2", "max=1")
