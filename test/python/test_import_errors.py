"""`tigris import` on broken or unsupported models.

Every case builds a small model with onnx.helper into tmp_path, runs the real
CLI in a process of its own (cli_server: forked from one warm Python) and
checks the contract of cli.py: exit code 2, nothing on stdout, exactly one
line on stderr, `tigris: <file>: <the specific problem>`, and never a Python
traceback.
"""
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import cli_server

F = TensorProto.FLOAT
OPSET = 17


# ---------------------------------------------------------------------------
# model builders
# ---------------------------------------------------------------------------

def _vi(name, elem=F, shape=None):
    return helper.make_tensor_value_info(name, elem, shape)


def _model(nodes, inits=(), inputs=None, outputs=None, domains=(), opset=OPSET):
    inputs = inputs if inputs is not None else [_vi("x", F, [1, 3, 8, 8])]
    outputs = outputs if outputs is not None else [_vi("y")]
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    return model


def _save(tmp_path, name, model, **kw):
    path = tmp_path / f"{name}.onnx"
    onnx.save_model(model, str(path), **kw)
    return path


def _weight(shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def _conv_relu(x_shape=(1, 3, 8, 8)):
    """A valid float model: x -> Conv(4x3x3x3, pad 1) -> Relu -> y."""
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv0", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["y"], name="relu0")]
    return _model(nodes, [_init("w", _weight((4, 3, 3, 3)))], [_vi("x", F, list(x_shape))])


def _float_op(node, inits=()):
    """x -> one float node (output 'y')."""
    return _model([node], inits)


def _qdq(body, out, inits=(), quantize_out=True):
    """x -> Q -> DQ -> 'xf' -> body -> `out` [-> Q -> DQ] -> y, int8 activations."""
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"], name="q_in"),
             helper.make_node("DequantizeLinear", ["xq", "s", "z"], ["xf"], name="dq_in")]
    nodes += body
    if quantize_out:
        nodes += [helper.make_node("QuantizeLinear", [out, "s", "z"], ["yq"], name="q_out"),
                  helper.make_node("DequantizeLinear", ["yq", "s", "z"], ["y"], name="dq_out")]
        outputs = None
    else:
        outputs = [_vi(out)]
    inits = [_init("s", np.float32(0.05)), _init("z", np.int8(0))] + list(inits)
    return _model(nodes, inits, outputs=outputs)


def _qconv(weight_zp=0):
    """The int8 weights of a QDQ Conv: initializers and the DequantizeLinear node."""
    w = np.clip(np.round(_weight((4, 3, 3, 3)) * 20), -127, 127).astype(np.int8)
    inits = [_init("wq", w), _init("ws", np.float32(0.02)), _init("wz", np.int8(weight_zp))]
    dq = helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], name="dq_w")
    conv = helper.make_node("Conv", ["xf", "w"], ["c"], name="conv0", pads=[1, 1, 1, 1])
    return [dq, conv], inits


# ---------------------------------------------------------------------------
# the cases: name -> builder(tmp_path) -> (CLI arguments, words the line must hold)
# ---------------------------------------------------------------------------

def case_text_file(tmp_path):
    path = tmp_path / "notes.onnx"
    path.write_text("this is a text file, not a protobuf\n" * 4)
    return [path], ["notes.onnx", "not an ONNX model"]


def case_empty_file(tmp_path):
    path = tmp_path / "empty.onnx"
    path.write_bytes(b"")
    return [path], ["empty.onnx", "empty file"]


def case_truncated_file(tmp_path):
    data = _conv_relu().SerializeToString()
    path = tmp_path / "cut.onnx"
    path.write_bytes(data[: len(data) // 2])
    return [path], ["cut.onnx", "truncated"]


def case_random_bytes(tmp_path):
    path = tmp_path / "noise.onnx"
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    return [path], ["noise.onnx", "not an ONNX model"]


def case_missing_file(tmp_path):
    return [tmp_path / "absent.onnx"], ["absent.onnx", "no such file"]


def case_directory(tmp_path):
    path = tmp_path / "folder.onnx"
    path.mkdir()
    return [path], ["folder.onnx", "is a directory"]


def case_no_graph(tmp_path):
    path = tmp_path / "nograph.onnx"
    path.write_bytes(onnx.ModelProto(ir_version=8).SerializeToString())
    return [path], ["nograph.onnx", "no graph"]


def case_no_nodes(tmp_path):
    model = _model([], outputs=[_vi("x", F, [1, 3, 8, 8])])
    return [_save(tmp_path, "nonodes", model)], ["nonodes.onnx", "graph has no nodes"]


def case_unknown_op(tmp_path):
    node = helper.make_node("Einsum", ["x"], ["y"], name="mix", equation="nchw->nhwc")
    return [_save(tmp_path, "einsum", _float_op(node))], ["einsum.onnx", "'mix'", "Einsum",
                                                          "not supported"]


def case_custom_domain_op(tmp_path):
    node = helper.make_node("Warp", ["x"], ["y"], name="warp0", domain="com.example")
    model = _model([node], domains=["com.example"])
    return [_save(tmp_path, "custom", model)], ["custom.onnx", "'warp0'", "com.example.Warp",
                                                "unknown operator domain"]


def case_not_an_onnx_op(tmp_path):
    node = helper.make_node("FooBar", ["x"], ["y"], name="foo")
    return [_save(tmp_path, "foobar", _float_op(node))], ["foobar.onnx", "'foo'", "FooBar"]


def case_two_unsupported_ops(tmp_path):
    nodes = [helper.make_node("Einsum", ["x"], ["e"], name="mix", equation="nchw->nchw"),
             helper.make_node("Relu", ["e"], ["r"], name="relu0"),
             helper.make_node("TopK", ["r", "k"], ["y", "idx"], name="top", axis=3),
             helper.make_node("Relu", ["y"], ["y2"], name="relu1")]
    model = _model(nodes, [_init("k", np.array([2], np.int64))], outputs=[_vi("y2")])
    return [_save(tmp_path, "two", model)], ["two.onnx", "2 unsupported", "'mix' (Einsum)",
                                             "'top' (TopK)"]


def case_pad_reflect(tmp_path):
    """reflect padding must stay inside the axis (the border is not repeated)."""
    node = helper.make_node("Pad", ["x", "p"], ["y"], name="pad0", mode="reflect")
    model = _float_op(node, [_init("p", np.array([0, 0, 8, 1, 0, 0, 1, 1], np.int64))])
    return [_save(tmp_path, "pad", model)], ["pad.onnx", "'pad0'", "Pad", "reflect",
                                             "axis of 8"]


def case_resize_cubic(tmp_path):
    node = helper.make_node("Resize", ["x", "", "sc"], ["y"], name="up0", mode="cubic")
    model = _float_op(node, [_init("sc", np.array([1, 1, 2, 2], np.float32))])
    return [_save(tmp_path, "resize", model)], ["resize.onnx", "'up0'", "Resize", "cubic"]


def case_slice_step(tmp_path):
    """A negative step reverses; only short axes (at most 16 elements) are."""
    node = helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"], name="cut0")
    inits = [_init("st", np.array([-1], np.int64)), _init("en", np.array([-99], np.int64)),
             _init("ax", np.array([3], np.int64)), _init("sp", np.array([-1], np.int64))]
    model = _model([node], inits, [_vi("x", F, [1, 3, 8, 32])])
    return [_save(tmp_path, "slice", model)], ["slice.onnx", "'cut0'", "Slice", "step -1",
                                               "reverses 32"]


def case_reduce_mean_channels(tmp_path):
    node = helper.make_node("ReduceMean", ["x"], ["y"], name="mean0", axes=[1], keepdims=1)
    return [_save(tmp_path, "rmchan", _float_op(node))], ["rmchan.onnx", "'mean0'", "ReduceMean",
                                                          "axes [1]", "channel"]


def case_reduce_mean_3d(tmp_path):
    node = helper.make_node("ReduceMean", ["x"], ["y"], name="mean0", axes=[2], keepdims=0)
    model = _model([node], inputs=[_vi("x", F, [1, 3, 8])])
    return [_save(tmp_path, "rm3d", model)], ["rm3d.onnx", "'mean0'", "ReduceMean", "rank-3",
                                              "4-D"]


def case_reduce_mean_all_axes(tmp_path):
    """Opset 18 without axes (noop_with_empty_axes=0) reduces every axis."""
    node = helper.make_node("ReduceMean", ["x"], ["y"], name="mean0")
    model = _model([node], opset=18)
    return [_save(tmp_path, "rmall", model)], ["rmall.onnx", "'mean0'", "no axes given",
                                               "[0, 1, 2, 3]"]


def case_reduce_mean_qdq_channels(tmp_path):
    node = helper.make_node("ReduceMean", ["xf", "ax"], ["m"], name="mean0", keepdims=1)
    model = _qdq([node], "m", [_init("ax", np.array([-3, -2, -1], np.int64))])
    model.opset_import[0].version = 18
    return [_save(tmp_path, "rmq", model)], ["rmq.onnx", "'mean0'", "ReduceMean",
                                             "axes [1, 2, 3]", "channel"]


def case_matmul_two_activations(tmp_path):
    nodes = [helper.make_node("Transpose", ["x"], ["t"], name="tr0", perm=[0, 1, 3, 2]),
             helper.make_node("MatMul", ["x", "t"], ["y"], name="mm0")]
    return [_save(tmp_path, "matmul", _model(nodes))], ["matmul.onnx", "'mm0'", "MatMul",
                                                        "constant-weight"]


def case_int16_activations(tmp_path):
    body, inits = _qconv()
    model = _qdq(body, "c", inits)
    for t in model.graph.initializer:
        if t.name == "z":
            t.CopyFrom(_init("z", np.int16(0)))
    return [_save(tmp_path, "int16", model)], ["int16.onnx", "'z'", "unsupported type int16"]


def case_partially_quantized(tmp_path):
    body, inits = _qconv()
    body.append(helper.make_node("Sigmoid", ["c"], ["sg"], name="sig0"))
    model = _qdq(body, "sg", inits, quantize_out=False)
    return [_save(tmp_path, "partial", model)], ["partial.onnx", "'conv0'", "not quantized"]


def case_zero_scale(tmp_path):
    model = _qdq([helper.make_node("Relu", ["xf"], ["r"], name="relu0")], "r")
    model.graph.initializer[0].CopyFrom(_init("s", np.float32(0)))
    return [_save(tmp_path, "zeroscale", model)], ["zeroscale.onnx", "'q_in'",
                                                   "not a positive finite number"]


def case_per_channel_scale_mismatch(tmp_path):
    body, inits = _qconv()
    inits[1] = _init("ws", np.array([0.01, 0.02], np.float32))   # 2 scales, 4 output channels
    body[0].attribute.append(helper.make_attribute("axis", 0))
    model = _qdq(body, "c", inits)
    return [_save(tmp_path, "perchannel", model)], ["perchannel.onnx", "'dq_w'",
                                                    "2 per-axis scales", "[4, 3, 3, 3]"]


def case_malformed_node(tmp_path):
    model = _qdq([helper.make_node("Relu", ["xf"], ["r"], name="relu0")], "r")
    del model.graph.node[0].input[1:]      # QuantizeLinear without its scale
    return [_save(tmp_path, "malformed", model)], ["malformed.onnx", "'q_in'", "QuantizeLinear",
                                                   "input size 1", "min=2"]


def case_int8_graph_input(tmp_path):
    model = _model([helper.make_node("Relu", ["x"], ["y"], name="relu0")],
                   inputs=[_vi("x", TensorProto.INT8, [1, 3, 8, 8])],
                   outputs=[_vi("y", TensorProto.INT8)])
    return [_save(tmp_path, "int8in", model)], ["int8in.onnx", "'x'", "already integer"]


def _dynamic(tmp_path):
    return _save(tmp_path, "dynamic", _conv_relu(("N", 3, 8, 8)))


def case_dynamic_batch(tmp_path):
    return [_dynamic(tmp_path)], ["dynamic.onnx", "'x'", "dynamic shape", "--input-shape"]


def case_bad_input_shape(tmp_path):
    return [_dynamic(tmp_path), "--input-shape", "x:1xthreex8x8"], ["x:1xthreex8x8",
                                                                    "--input-shape"]


def case_input_shape_unknown_input(tmp_path):
    return [_dynamic(tmp_path), "--input-shape", "image:1x3x8x8"], ["dynamic.onnx", "'image'",
                                                                    "unknown input"]


def case_input_shape_wrong_rank(tmp_path):
    return [_dynamic(tmp_path), "--input-shape", "x:1x3x8"], ["dynamic.onnx", "rank 3", "rank 4"]


def _external(tmp_path):
    path = _save(tmp_path, "ext", _conv_relu(), save_as_external_data=True,
                 all_tensors_to_one_file=True, location="w.bin", size_threshold=0)
    return path, tmp_path / "w.bin"


def case_missing_external_data(tmp_path):
    path, data = _external(tmp_path)
    data.unlink()
    return [path], ["ext.onnx", "w.bin", "not found", "'w'"]


def case_truncated_external_data(tmp_path):
    path, data = _external(tmp_path)
    data.write_bytes(data.read_bytes()[:100])
    return [path], ["ext.onnx", "w.bin", "'w'", "is truncated", "432 bytes"]


def _typed_input(tmp_path, name, elem):
    model = _model([helper.make_node("Relu", ["x"], ["y"], name="relu0")],
                   inputs=[_vi("x", elem, [1, 3, 8, 8])], outputs=[_vi("y", elem)])
    return _save(tmp_path, name, model)


def case_float16_input(tmp_path):
    return [_typed_input(tmp_path, "half", TensorProto.FLOAT16)], ["half.onnx", "'x'", "float16"]


def case_int32_input(tmp_path):
    return [_typed_input(tmp_path, "int32in", TensorProto.INT32)], ["int32in.onnx", "'x'", "int32"]


def case_double_input(tmp_path):
    return [_typed_input(tmp_path, "double", TensorProto.DOUBLE)], ["double.onnx", "'x'", "double"]


def case_float16_weights(tmp_path):
    nodes = [helper.make_node("Cast", ["w16"], ["w"], name="cast_w", to=F),
             helper.make_node("Conv", ["x", "w"], ["y"], name="conv0", pads=[1, 1, 1, 1])]
    model = _model(nodes, [_init("w16", _weight((4, 3, 3, 3), dtype=np.float16))])
    return [_save(tmp_path, "w16", model)], ["w16.onnx", "'w16'", "float16"]


def case_shape_inference_fails(tmp_path):
    node = helper.make_node("Add", ["x", "b"], ["y"], name="add0")
    model = _float_op(node, [_init("b", _weight((1, 5, 8, 8)))])
    return [_save(tmp_path, "badshape", model)], ["badshape.onnx", "shape inference failed"]


def case_gelu_approximate(tmp_path):
    node = helper.make_node("Gelu", ["x"], ["y"], name="gelu0", approximate="erf")
    model = _model([node], opset=20)
    return [_save(tmp_path, "gelu", model)], ["gelu.onnx", "'gelu0'", "Gelu",
                                              "approximate='erf'", "none or tanh"]


def case_div_two_activations(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu0"),
             helper.make_node("Div", ["x", "r"], ["y"], name="div0")]
    return [_save(tmp_path, "div", _model(nodes))], ["div.onnx", "'div0'", "Div",
                                                     "2 activation inputs"]


def case_prelu_spatial_slope(tmp_path):
    """An int8 PRelu whose slope varies along H and W: a table per channel cannot hold it."""
    node = helper.make_node("PRelu", ["xf", "slope"], ["p"], name="prelu0")
    slope = np.linspace(0.1, 0.5, 64, dtype=np.float32).reshape(1, 8, 8)
    model = _qdq([node], "p", [_init("slope", slope)])
    return [_save(tmp_path, "prelu", model)], ["prelu.onnx", "'prelu0'", "PRelu", "'slope'",
                                               "per-channel"]


def case_max_constant_grows_output(tmp_path):
    node = helper.make_node("Max", ["xf", "k"], ["m"], name="max0")
    model = _qdq([node], "m", [_init("k", np.zeros((2, 3, 8, 8), np.float32))])
    return [_save(tmp_path, "maxk", model)], ["maxk.onnx", "'max0'", "Max", "'k'",
                                              "does not broadcast"]


def case_pool_padded_past_its_input(tmp_path):
    """A MaxPool padding 9 rows above an 8-row input (ONNX allows any pad below
    the kernel); the runtime bounds a pool's window by its input."""
    node = helper.make_node("MaxPool", ["xf"], ["p"], name="pool0", kernel_shape=[12, 1],
                            pads=[9, 0, 0, 0])
    path = _save(tmp_path, "pool", _qdq([node], "p"))
    return [path, "--legalize"], ["pool.onnx", '"pool0"', "pads 9 rows past its 8-row input",
                                  "no pool pad wider than its input"]


def case_float_model_legalize(tmp_path):
    path = _save(tmp_path, "float", _conv_relu())
    return [path, "--legalize"], ["float.onnx", "float", "compilation needs an int8 model"]


CASES = {name[len("case_"):]: fn for name, fn in sorted(globals().items())
         if name.startswith("case_")}


# ---------------------------------------------------------------------------
# the tests
# ---------------------------------------------------------------------------

def _tigris(*args):
    """`tigris import ARGS...` in a process of its own (forked from a warm Python: cli_server)."""
    return cli_server.run(["import", *args], timeout=60)


def test_enough_kinds():
    assert len(CASES) >= 18


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every case built, then run through the CLI."""
    built = {name: CASES[name](tmp_path_factory.mktemp(name)) for name in CASES}
    return {name: (_tigris(*args), words) for name, (args, words) in built.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_line_exit_2(name, runs):
    r, words = runs[name]
    assert "Traceback" not in r.stderr + r.stdout
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and r.stderr.endswith("\n"), r.stderr
    line = lines[0]
    assert line.startswith("tigris: "), line
    for w in words:
        assert w in line, f"{w!r} not in {line!r}"


def test_dynamic_batch_with_input_shape_imports(tmp_path):
    path, out = _dynamic(tmp_path), tmp_path / "out.mlir"
    r = _tigris(path, "--input-shape", "x:1x3x8x8", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert "tosa.conv2d" in out.read_text()


def test_valid_external_data_imports(tmp_path):
    path, _ = _external(tmp_path)
    r = _tigris(path, "-o", tmp_path / "out.mlir")
    assert r.returncode == 0, r.stderr


def test_valid_qdq_conv_imports(tmp_path):
    """The QDQ builder the int8 cases start from is itself accepted."""
    body, inits = _qconv()
    r = _tigris(_save(tmp_path, "qconv", _qdq(body, "c", inits)), "-o", tmp_path / "out.mlir")
    assert r.returncode == 0, r.stderr


def test_every_unsupported_variant_is_listed(tmp_path):
    nodes = [helper.make_node("Pad", ["x", "p"], ["pd"], name="pad0", mode="reflect"),
             helper.make_node("Resize", ["pd", "", "sc"], ["y"], name="up0", mode="cubic")]
    inits = [_init("p", np.array([0, 0, 8, 1, 0, 0, 1, 1], np.int64)),
             _init("sc", np.array([1, 1, 2, 2], np.float32))]
    r = _tigris(_save(tmp_path, "variants", _model(nodes, inits)))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1
    assert "'pad0'" in r.stderr and "'up0'" in r.stderr


def test_float_legalize_has_no_unknown_location(tmp_path):
    r = _tigris(_save(tmp_path, "float", _conv_relu()), "--legalize")
    assert r.returncode == 2 and ": unknown:" not in r.stderr
