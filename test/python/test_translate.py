"""`tigris translate`: hand-written TOSA with !quant.uniform types (the form a
TFLite -> TOSA pipeline emits) -> tigris-opt with the planning pipeline ->
`tigris translate --mlir-to-plan` -> `tigris run`, equal to the reference
interpreter on the legalized function; `--plan-to-mlir` back; one-line errors."""
from __future__ import annotations

import numpy as np
import pytest

from tigris.budget import Budget
from tigris.cli import main as tigris
from tigris.driver import Device, planning_pipeline
from tigris.opt import main as tigris_opt

H, W, C, K = 12, 12, 4, 8
X_Q = "!quant.uniform<i8:f32, 0.05:-3>"
Y_Q = "!quant.uniform<i8:f32, 0.1:4>"
P_Q = "!quant.uniform<i8:f32, 0.1:4>"


def _dense(a: np.ndarray) -> str:
    return "dense<" + np.array2string(a, separator=", ", threshold=1 << 30,
                                      max_line_width=1 << 30).replace("\n", "") + ">"


def hand_written_tosa() -> str:
    rng = np.random.default_rng(17)
    w = rng.integers(-127, 128, (K, 3, 3, C), dtype=np.int8)
    b = rng.integers(-2000, 2000, K, dtype=np.int32)
    mult = rng.integers(1 << 30, (1 << 31) - 1, K, dtype=np.int64).astype(np.int32)
    shift = rng.integers(40, 43, K).astype(np.int8)
    scales = ", ".join(f"{s:.4f}" for s in rng.uniform(0.001, 0.01, K))
    wq = f"!quant.uniform<i8<-127:127>:f32:3, {{{scales}}}>"
    x, y, p = (f"tensor<1x{H}x{W}x{C}x{X_Q}>", f"tensor<1x{H}x{W}x{K}x{Y_Q}>",
               f"tensor<1x{H // 2}x{W // 2}x{K}x{P_Q}>")
    return f"""
func.func @hand(%x: {x}) -> {p} {{
  %w = "tosa.const"() <{{values = {_dense(w)} : tensor<{K}x3x3x{C}xi8>}}> : () -> tensor<{K}x3x3x{C}x{wq}>
  %b = "tosa.const"() <{{values = {_dense(b)} : tensor<{K}xi32>}}> : () -> tensor<{K}xi32>
  %izp = "tosa.const"() <{{values = dense<-3> : tensor<1xi8>}}> : () -> tensor<1xi8>
  %wzp = "tosa.const"() <{{values = dense<0> : tensor<1xi8>}}> : () -> tensor<1xi8>
  %acc = tosa.conv2d %x, %w, %b, %izp, %wzp {{acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}} : ({x}, tensor<{K}x3x3x{C}x{wq}>, tensor<{K}xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x{H}x{W}x{K}xi32>
  %m = "tosa.const"() <{{values = {_dense(mult)} : tensor<{K}xi32>}}> : () -> tensor<{K}xi32>
  %s = "tosa.const"() <{{values = {_dense(shift)} : tensor<{K}xi8>}}> : () -> tensor<{K}xi8>
  %in_zp = "tosa.const"() <{{values = dense<0> : tensor<1xi32>}}> : () -> tensor<1xi32>
  %ozp = "tosa.const"() <{{values = dense<4> : tensor<1xi8>}}> : () -> tensor<1xi8>
  %r = tosa.rescale %acc, %m, %s, %in_zp, %ozp {{input_unsigned = false, output_unsigned = false, per_channel = true, rounding_mode = SINGLE_ROUND, scale32 = true}} : (tensor<1x{H}x{W}x{K}xi32>, tensor<{K}xi32>, tensor<{K}xi8>, tensor<1xi32>, tensor<1xi8>) -> {y}
  %c = tosa.clamp %r {{max_val = 127 : i8, min_val = 4 : i8}} : ({y}) -> {y}
  %pool = tosa.max_pool2d %c {{kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>}} : ({y}) -> {p}
  return %pool : {p}
}}
"""


def reference(text: str, x: np.ndarray) -> np.ndarray:
    from mlir import ir
    from tigris.dialects import make_context
    from tigris.driver import legalize
    from tigris.passes.registry import functions
    from tigris.reference.interpreter import run_function
    from tigris.resources import WeightTable
    ctx = make_context()
    with ctx, ir.Location.unknown():
        module = ir.Module.parse(text)
        legalize(ctx, module, "hand.mlir")
        return run_function(functions(module.operation)[0], WeightTable.from_asm(text), [x])[0]


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    d = tmp_path_factory.mktemp("translate")
    text = hand_written_tosa()
    (d / "hand.mlir").write_text(text)
    rng = np.random.default_rng(3)
    x = rng.integers(-128, 128, (1, H, W, C), dtype=np.int8)
    np.save(d / "x.npy", x)
    return d, text, x


@pytest.mark.parametrize("budget", [None, "1K"])
def test_tosa_quant_uniform_to_plan_runs_like_the_reference(planned, budget, capsys):
    d, text, x = planned
    device = Device("reference", 16, Budget.parse(budget) if budget else None)
    out = d / f"planned-{budget}.mlir"
    assert tigris_opt([str(d / "hand.mlir"), f"--pass-pipeline={planning_pipeline(device)}",
                       "-o", str(out)]) == 0
    plan = d / f"hand-{budget}.tgrs"
    assert tigris(["translate", "--mlir-to-plan", str(out), "-o", str(plan)]) == 0
    assert "wrote" in capsys.readouterr().err
    assert tigris(["run", str(plan), "-i", str(d / "x.npy"), "-o", str(d / "y.npy")]) == 0
    y = np.load(d / "y.npy")
    want = reference(text, x)
    assert y.dtype == np.int8 and y.shape == want.shape
    np.testing.assert_array_equal(y, want)
    assert len(np.unique(y)) > 8            # not a saturated, constant output
    if budget:                              # tiled: more calls than the 3 kernels
        from tigris.plan.reader import read_plan_file
        assert len(read_plan_file(str(plan)).calls) > 2
    # the quantized signature sets the plan's I/O scale and zero point
    assert tigris(["run", str(plan), "-i", str(d / "x.npy"), "-o", str(d / "f.npy"),
                   "--dequantize"]) == 0
    np.testing.assert_allclose(np.load(d / "f.npy"), 0.1 * (want.astype(np.float32) - 4),
                               rtol=1e-6)


def test_plan_to_mlir_and_back(planned, capsys):
    d, _, _ = planned
    plan = d / "hand-None.tgrs"
    if not plan.exists():
        pytest.skip("needs the first test's plan")
    assert tigris(["translate", "--plan-to-mlir", str(plan)]) == 0
    text = capsys.readouterr().out
    assert '"tigris.call"() {inputs = ' in text and 'kernel = "conv2d"' in text
    assert "scale = 5.000000e-02" in text and "zero_point = -3" in text
    assert tigris(["translate", "--plan-to-mlir", str(plan), "--keep-constants",
                   "-o", str(d / "back.mlir")]) == 0
    assert tigris(["translate", "--mlir-to-plan", str(d / "back.mlir"),
                   "-o", str(d / "back.tgrs")]) == 0
    assert (d / "back.tgrs").read_bytes() == plan.read_bytes()


def _error(capsys, argv) -> str:
    assert tigris(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tigris: "), err
    return err


def test_one_line_errors(planned, capsys):
    d, _, _ = planned
    out = str(d / "never.tgrs")
    err = _error(capsys, ["translate", "--mlir-to-plan", str(d / "hand.mlir"), "-o", out])
    assert "hand.mlir" in err and "not planned" in err and "tigris-legalize" in err
    (d / "legal.mlir").write_text("")
    assert tigris_opt([str(d / "hand.mlir"), "--tigris-legalize", "--tigris-schedule",
                       "-o", str(d / "legal.mlir")]) == 0
    err = _error(capsys, ["translate", "--mlir-to-plan", str(d / "legal.mlir"), "-o", out])
    assert "missing tigris-bufferize, tigris-liveness, tigris-assign-offsets" in err
    assert "tigris-legalize" not in err.split("(")[0]
    (d / "junk.mlir").write_text("this is not { mlir\n")
    err = _error(capsys, ["translate", "--mlir-to-plan", str(d / "junk.mlir"), "-o", out])
    assert "junk.mlir" in err and "not valid MLIR" in err
    (d / "model.onnx").write_bytes(b"\x08\x07\x12\x04test")
    err = _error(capsys, ["translate", "--mlir-to-plan", str(d / "model.onnx"), "-o", out])
    assert "not MLIR" in err
    err = _error(capsys, ["translate", "--plan-to-mlir", str(d / "hand.mlir")])
    assert "hand.mlir" in err
    err = _error(capsys, ["translate", "--mlir-to-plan", str(d / "missing.mlir"), "-o", out])
    assert "missing.mlir" in err
    _error(capsys, ["translate", "--mlir-to-plan", str(d / "hand.mlir")])
    assert not (d / "never.tgrs").exists()


def test_compile_records_the_device_on_the_emitted_mlir(tmp_path, capsys):
    """tigris compile records tigris.target/budget/slow/alignment on the module
    (after planning: the plan bytes are those of a compile without them)."""
    from onnx import TensorProto, helper
    from onnx_check import he_weights, quantize, small_bias
    rng = np.random.default_rng(0)
    g = helper.make_graph(
        [helper.make_node("Conv", ["x", "w", "b"], ["y"], pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["y"], ["z"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 4, 8, 8])],
        [he_weights(rng, "w", 4, 3, 3, 3), small_bias(rng, "b", 4)])
    model = quantize(g, tmp_path / "conv.onnx", (1, 3, 8, 8))
    out = tmp_path / "conv.tgrs"
    assert tigris(["compile", str(model), "-m", "2K+64K", "--target", "esp32s3",
                   "--alignment", "32", "-o", str(out), "--emit-mlir",
                   str(tmp_path / "conv.mlir")]) == 0
    text = (tmp_path / "conv.mlir").read_text()
    head = text.split("{", 1)[0] + text.split("attributes {", 1)[1].split("} {", 1)[0]
    for want in ('tigris.target = "esp32s3"', "tigris.budget = 2048 : i64",
                 "tigris.slow = 65536 : i64", "tigris.alignment = 32 : i64"):
        assert want in head, want
    # its constants are elided: translate says so in one line
    capsys.readouterr()
    err = _error(capsys, ["translate", "--mlir-to-plan", str(tmp_path / "conv.mlir"),
                          "-o", str(tmp_path / "again.tgrs")])
    assert "elided" in err


def test_import_opt_translate_equals_compile(tmp_path, capsys):
    """tigris import + tigris-opt (the pipeline compile runs) + translate writes the
    bytes tigris compile writes (weights from the dense_resource blobs of the text)."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
    import zoo
    model = str(zoo.build("ds_cnn"))
    device = Device("reference", 16, Budget.parse("8K+1M"))
    assert tigris(["import", model, "-o", str(tmp_path / "m.mlir")]) == 0
    assert tigris_opt([str(tmp_path / "m.mlir"), f"--pass-pipeline={planning_pipeline(device)}",
                       "-o", str(tmp_path / "p.mlir")]) == 0
    assert "dense_resource<" in (tmp_path / "p.mlir").read_text()
    assert tigris(["translate", "--mlir-to-plan", str(tmp_path / "p.mlir"),
                   "-o", str(tmp_path / "t.tgrs")]) == 0
    assert tigris(["compile", model, "-m", "8K+1M", "-o", str(tmp_path / "c.tgrs")]) == 0
    assert (tmp_path / "t.tgrs").read_bytes() == (tmp_path / "c.tgrs").read_bytes()


def test_compile_points_mlir_and_plans_to_translate(planned, capsys):
    d, _, _ = planned
    err = _error(capsys, ["compile", str(d / "hand.mlir"), "-o", str(d / "never.tgrs")])
    assert "hand.mlir: not an ONNX model but MLIR" in err and "translate --mlir-to-plan" in err
    plan = d / "hand-None.tgrs"
    if plan.exists():
        err = _error(capsys, ["analyze", str(plan)])
        assert "a TiGrIS plan" in err and "--plan-to-mlir" in err
