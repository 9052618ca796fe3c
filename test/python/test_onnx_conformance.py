"""The ONNX standard's own operator test cases (onnx.backend.test.case.node)
where the importer once departed from the standard: each builds the node
test case (its constant-able inputs made initializers), quantizes it and
checks the reference interpreter against onnxruntime in output LSBs, the C
runtime against the reference byte for byte, or a clear one-line failure
naming the node.

Where onnxruntime cannot produce the int8 model itself the case says so:
quantize_static leaves a lone Relu/Clip (its input unquantized) float, has
no QuantizeLinear kernel at opset 28 (SpaceToDepth's mode attribute), fails
on per-channel Gemm (per-tensor is used), and fuses a dilated AveragePool
into a QLinearAveragePool it cannot run (the QDQ ops run unfused). The model
is then a hand-written QuantizeLinear -> DequantizeLinear -> op ->
QuantizeLinear -> DequantizeLinear around the node, checked against
onnxruntime running it, or at opset 28 against the standard's expected
output.
"""
from __future__ import annotations

import copy
import functools
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_check import legalized, ort_session, runtime_equals_reference

from tigris.dialects import make_context
from tigris.errors import ModelError
from tigris.importers.onnx import import_onnx
from tigris.modelio import io_specs, quantize_input, to_model_layout
from tigris.passes.registry import functions
from tigris.reference.interpreter import run_function
from tigris.resources import WeightTable


@functools.lru_cache(maxsize=None)
def _all_cases() -> dict:
    from onnx.backend.test.case.node import collect_testcases
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # a few generators overflow casts on purpose
        return {c.name: c for c in collect_testcases()}


def node_case(name: str, rank3: bool = False):
    """(float model, test input, expected output) of the standard's test case
    `name`: every input but the first an initializer; `rank3` makes a 1-D
    data input [1, 1, N] (elementwise cases)."""
    case = _all_cases()[name]
    model = copy.deepcopy(case.model)
    ins, outs = ([np.asarray(a) for a in d] for d in case.data_sets[0])
    g = model.graph
    node = g.node[0]
    node.name = node.name or node.op_type.lower()
    present = [i for i in node.input if i]
    if rank3:
        n = ins[0].shape
        ins = [a.reshape(1, 1, -1) if a.shape == n else a for a in ins]
        outs = [o.reshape(1, 1, -1) for o in outs]
        for vi in list(g.input[:1]) + list(g.output):
            del vi.type.tensor_type.shape.dim[:]
            for d in (1, 1, n[0]):
                vi.type.tensor_type.shape.dim.add().dim_value = d
    g.initializer.extend(numpy_helper.from_array(a, i) for i, a in zip(present[1:], ins[1:]))
    keep = [vi for vi in g.input if vi.name == present[0]]
    del g.input[:]
    g.input.extend(keep)
    model.ir_version = min(model.ir_version, 10)
    return model, ins[0], outs[0]


def _session(path):
    try:
        return ort_session(path, log_severity_level=3)
    except Exception:   # a QDQ fusion onnxruntime cannot run: the QDQ ops as written
        return ort_session(path, log_severity_level=3,
                           graph_optimization_level=ort.GraphOptimizationLevel.ORT_DISABLE_ALL)


def _inputs(x):
    """The test input and scaled / noised copies (calibration and checks)."""
    rng = np.random.default_rng(0)
    noise = [rng.standard_normal(x.shape) * 0.05 * (float(np.std(x)) or 1.0) for _ in range(3)]
    return [x] + [(x * f + e).astype(np.float32) for f, e in zip((0.5, 0.9, 1.1), noise)]


def quantize_case(model, x, path, per_channel=True):
    """quantize_static of the op (also when its input is the graph input)."""
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)
    fpath = path.with_suffix(".float.onnx")
    onnx.save(model, fpath)
    name = model.graph.input[0].name

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.data = iter({name: v} for v in _inputs(x))

        def get_next(self):
            return next(self.data, None)
    quantize_static(str(fpath), str(path), Reader(), quant_format=QuantFormat.QDQ,
                    per_channel=per_channel, activation_type=QuantType.QInt8,
                    weight_type=QuantType.QInt8, op_types_to_quantize=[model.graph.node[0].op_type],
                    extra_options={"ForceQuantizeNoInputCheck": True})
    return path


def qdq_around(model, x, path):
    """The node between hand-written QuantizeLinear/DequantizeLinear pairs, one
    symmetric int8 scale covering the input for input and output."""
    m = copy.deepcopy(model)
    g = m.graph
    node = g.node[0]
    src, dst = node.input[0], node.output[0]
    g.initializer.extend([numpy_helper.from_array(np.float32(np.abs(x).max() / 127), "s"),
                          numpy_helper.from_array(np.int8(0), "z")])
    node.input[0], node.output[0] = "xf", "yf"
    q = [helper.make_node("QuantizeLinear", [src, "s", "z"], ["xq"], name="q_in"),
         helper.make_node("DequantizeLinear", ["xq", "s", "z"], ["xf"], name="dq_in"),
         node,
         helper.make_node("QuantizeLinear", ["yf", "s", "z"], ["yq"], name="q_out"),
         helper.make_node("DequantizeLinear", ["yq", "s", "z"], [dst], name="dq_out")]
    del g.node[:]
    g.node.extend(q)
    onnx.save(m, path)
    return path


def lsb(path, xs, want=None) -> int:
    """Max |reference - onnxruntime| (or - `want`, the standard's expected
    output, for xs[0] only) in output LSBs."""
    ctx, res = legalized(path)
    with ctx:
        fn = functions(res.module.operation)[0]
        (ispec,), (ospec,) = io_specs(fn)
        sess = None if want is not None else _session(path)
        worst = 0
        for x in xs if want is None else xs[:1]:
            y = want if want is not None else sess.run(None, {ispec["name"]: x})[0]
            ref = np.clip(np.round(y.astype(np.float64) / ospec["scale"]) + ospec["zero_point"],
                          -128, 127)
            (o,) = run_function(fn, WeightTable(res.weights), [quantize_input(x, ispec)])
            got = to_model_layout(o, ospec)
            assert got.shape == ref.shape
            worst = max(worst, int(np.abs(got.astype(int) - ref).max()))
    return worst


def runtime_exact(path, tmp_path, x):
    xs = _inputs(x)
    runtime_equals_reference(path, tmp_path, "256K", x.shape, count=2,
                             draw=lambda rng, shape: xs[int(rng.integers(len(xs)))])


def import_error(path) -> str:
    with pytest.raises(ModelError) as e:
        import_onnx(str(path), make_context())
    text = str(e.value)
    assert "\n" not in text
    return text


# ---------------------------------------------------------------------------
# fixed departures from the standard
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["test_spacetodepth_crd_mode_example",
                                  "test_spacetodepth_dcr_mode_example"])
def test_space_to_depth_mode(name, tmp_path):
    """SpaceToDepth-28's mode: CRD puts the block offsets innermost (c*b*b +
    i*b + j); it used to be read as DCR. onnxruntime has no QuantizeLinear-28:
    checked against the standard's expected output, exactly."""
    model, x, y = node_case(name)
    path = qdq_around(model, x, tmp_path / f"{name}.onnx")
    assert lsb(path, [x], want=y) == 0
    runtime_exact(path, tmp_path, x)


@pytest.mark.parametrize("name", ["test_gemm_transposeA", "test_gemm_all_attributes"])
def test_gemm_trans_a(name, tmp_path):
    """Gemm transA=1 (A is [K, M]): a transpose, then the fully connected layer."""
    model, x, _ = node_case(name)
    path = quantize_case(model, x, tmp_path / f"{name}.onnx", per_channel=False)
    assert lsb(path, _inputs(x)) <= 1
    runtime_exact(path, tmp_path, x)


def test_gemm_bias_varying_along_rows_is_a_clear_error(tmp_path):
    """A [M, N] bias whose rows differ is no per-output-channel bias: one line
    (it used to raise a numpy broadcasting error)."""
    model, x, _ = node_case("test_gemm_default_matrix_bias")
    onnx.save(model, tmp_path / "float.onnx")
    assert "node 'gemm' (Gemm): a bias of shape [3, 4] that varies along the rows" in \
        import_error(tmp_path / "float.onnx")
    path = quantize_case(model, x, tmp_path / "q.onnx", per_channel=False)
    assert "varies along the rows" in import_error(path)


def test_dilated_average_pool(tmp_path):
    """AveragePool-19 dilations: a depthwise convolution with unit weights
    (the float and int8 import used to fail IR verification)."""
    model, x, _ = node_case("test_averagepool_2d_dilations")
    onnx.save(model, tmp_path / "float.onnx")
    import_onnx(str(tmp_path / "float.onnx"), make_context())
    path = quantize_case(model, x, tmp_path / "avgpool_dilations.onnx")
    assert lsb(path, _inputs(x)) <= 1
    runtime_exact(path, tmp_path, x)


def test_dilated_average_pool_excluding_padding_is_a_clear_error(tmp_path):
    model, x, _ = node_case("test_averagepool_2d_dilations")
    node = model.graph.node[0]
    for a in node.attribute:
        if a.name == "ceil_mode":
            a.i = 0
    node.attribute.append(helper.make_attribute("pads", [1, 1, 1, 1]))
    model.graph.output[0].type.tensor_type.ClearField("shape")
    onnx.save(model, tmp_path / "float.onnx")
    assert "node 'averagepool' (AveragePool): dilated average pooling over padding" in \
        import_error(tmp_path / "float.onnx")


@pytest.mark.parametrize("name", ["test_maxpool_with_argmax_2d_precomputed_pads",
                                  "test_dropout_default_mask",
                                  "test_training_dropout_zero_ratio_mask"])
def test_unsupported_second_output_is_a_clear_error(name, tmp_path):
    """MaxPool's Indices and Dropout's mask: one line naming the node (they
    were 'input z was not produced', and a KeyError in an int8 model)."""
    model, x, _ = node_case(name)
    onnx.save(model, tmp_path / "float.onnx")
    op = model.graph.node[0].op_type
    want = f"({op}): output 'z' is not supported (only the first output"
    assert want in import_error(tmp_path / "float.onnx")
    assert want in import_error(quantize_case(model, x, tmp_path / "q.onnx"))


@pytest.mark.parametrize("name", ["test_training_dropout", "test_training_dropout_mask",
                                  "test_batchnorm_example_training_mode"])
def test_training_mode_is_a_clear_error(name, tmp_path):
    """Dropout training_mode=1 with a non-zero ratio drops at random, and
    BatchNormalization training_mode=1 normalizes by the batch's statistics:
    both were imported as their inference forms (wrong numbers)."""
    model, x, _ = node_case(name)
    onnx.save(model, tmp_path / "float.onnx")
    assert "training_mode=1" in import_error(tmp_path / "float.onnx")
    assert "training_mode=1" in import_error(quantize_case(model, x, tmp_path / "q.onnx"))


def test_training_dropout_with_zero_ratio_is_the_identity(tmp_path):
    model, x, _ = node_case("test_training_dropout_zero_ratio")
    path = quantize_case(model, x, tmp_path / "dropout.onnx")
    assert lsb(path, _inputs(x)) == 0


def test_batchnorm_inference_mode_y_only(tmp_path):
    """The same node with training_mode off and only Y: one lookup table per channel."""
    model, x, _ = node_case("test_batchnorm_example")
    path = quantize_case(model, x, tmp_path / "bn.onnx")
    assert lsb(path, _inputs(x)) <= 1


def test_clip_min_greater_than_max(tmp_path):
    """Clip with min > max sets every value to max (the IR used to fail to
    verify: a clamp with min > max). quantize_static leaves a lone Clip float:
    hand-written QDQ, checked against onnxruntime running it."""
    model, x, _ = node_case("test_clip_min_greater_than_max", rank3=True)
    path = qdq_around(model, x, tmp_path / "clip.onnx")
    assert lsb(path, _inputs(x)) == 0
    runtime_exact(path, tmp_path, x)


# ---------------------------------------------------------------------------
# Resize scales as the standard derives them (not in the standard's cases:
# its sizes and axes cases all have integer ratios, where out / in is right)
# ---------------------------------------------------------------------------

def _resize(inputs, inits, attrs):
    shape = [1, 2, 3, 5]
    g = helper.make_graph(
        [helper.make_node("Resize", inputs, ["y"], name="resize", **attrs)], "resize",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 19)])
    m.ir_version = 9
    return m, np.random.default_rng(5).standard_normal(shape).astype(np.float32)


SIZES = {"sizes": np.array([4, 10], np.int64)}
RESIZES = {
    # keep_aspect_ratio_policy: one scale min (max) of the sizes' ratios for both axes
    "not_larger": (["x", "", "", "sizes"], SIZES,
                   dict(mode="nearest", axes=[2, 3], keep_aspect_ratio_policy="not_larger")),
    "not_larger_linear": (["x", "", "", "sizes"], SIZES,
                          dict(mode="linear", axes=[2, 3], keep_aspect_ratio_policy="not_larger")),
    # scales of the axes listed, in their order (were ignored: out / in instead)
    "axes_3_2": (["x", "", "scales"], {"scales": np.array([1.7, 2.5], np.float32)},
                 dict(mode="nearest", axes=[3, 2])),
    # a roi of 4 values beside 2 scales (was taken for the scales)
    "roi_and_axes": (["x", "roi", "scales"], {"roi": np.array([0, 0, 1, 1], np.float32),
                                              "scales": np.array([2.5, 1.7], np.float32)},
                     dict(mode="nearest", axes=[2, 3])),
}


@pytest.mark.parametrize("name", sorted(RESIZES))
def test_resize_scales(name, tmp_path):
    model, x = _resize(*RESIZES[name])
    path = quantize_case(model, x, tmp_path / f"resize_{name}.onnx")
    assert lsb(path, _inputs(x)) <= (1 if "linear" in name else 0)
    if name == "not_larger":
        runtime_exact(path, tmp_path, x)
