"""Python API of the foundation: dialect loading, builders, registry, pipeline text."""
import subprocess
import sys

import pytest
from mlir import ir

from tigris.dialects import attr, attr_value, kernel_op, load, make_context, op_attrs
from tigris.passes.registry import registry
from tigris.pipeline import PipelineError, build, flatten, split_top_level


def test_dialect_loads_once_per_context():
    ctx = make_context()
    load(ctx)  # a second load must be a no-op, not an abort
    assert ctx.is_registered_operation("tigris.conv2d")
    assert ctx.is_registered_operation("tigris.insert")
    assert not ir.Context().is_registered_operation("tigris.conv2d")


def test_builder_roundtrip():
    ctx = make_context()
    with ctx, ir.Location.unknown():
        i8 = ir.IntegerType.get_signless(8)
        t = ir.RankedTensorType.get([1, 4, 4, 8], i8)
        module = ir.Module.create()
        with ir.InsertionPoint(module.body):
            e = kernel_op("empty", [], t)
            op = kernel_op("lut", [e.result], t, {"table": list(range(-128, 128))})
        module.operation.verify()
        assert op_attrs(op)["table"][:3] == [-128, -127, -126]
        text = str(module)
        assert 'array<i8: -128, -127' in text
        again = ir.Module.parse(text)
        assert str(again) == text


def test_attr_conversions():
    with make_context():
        assert attr_value(attr(5)) == 5
        assert attr_value(attr("fast")) == "fast"
        assert attr_value(attr([1, 2, 3], "i32")) == [1, 2, 3]
        assert attr_value(attr({"a": 1, "b": [2]})) == {"a": 1, "b": [2]}
        with pytest.raises(TypeError):
            attr(1.5)


def test_registry_has_documented_passes():
    passes = registry()
    assert "tigris-verify" in passes
    for name, p in passes.items():
        assert name.startswith("tigris-") and p.summary


def test_pipeline_splitting():
    assert split_top_level("a,b{x=1,y=2},func.func(c,d)") == ["a", "b{x=1,y=2}", "func.func(c,d)"]
    flat = flatten("builtin.module(func.func(tigris-verify,canonicalize),cse)")
    assert flat == [("tigris", ("func.func",), "tigris-verify"),
                    ("upstream", ("func.func",), "canonicalize"), ("upstream", (), "cse")]
    with pytest.raises(PipelineError):
        split_top_level("a,(b")


def test_unknown_pass_is_one_clear_error():
    ctx = make_context()
    with pytest.raises(PipelineError, match="unknown pass 'nope'"):
        build("builtin.module(nope)", ctx)


def test_verifier_pass_reports_location():
    ctx = make_context()
    src = ('func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n'
           '  %0 = "tigris.lut"(%x) {table = array<i8: 0>} : (tensor<4xf32>) -> tensor<4xf32>\n'
           '  return %0 : tensor<4xf32>\n}\n')
    with ctx:
        m = ir.Module.parse(src)
        with pytest.raises(ir.MLIRError) as e:
            build("builtin.module(tigris-verify)", ctx).run(m.operation)
        assert "expects int8 tensors" in e.value.error_diagnostics[0].message


def test_tigris_opt_console_script(tmp_path):
    f = tmp_path / "m.mlir"
    f.write_text("func.func @f(%x: tensor<4xi8>) -> tensor<4xi8> {\n  return %x : tensor<4xi8>\n}\n")
    out = subprocess.run([sys.executable, "-m", "tigris.opt", str(f), "--tigris-verify"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "func.func @f" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "tigris.opt", str(f), "--nope"],
                         capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stderr.strip() == "tigris-opt: unknown pass 'nope' (see --list-passes)"
