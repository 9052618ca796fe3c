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


def test_pipeline_anchors_are_checked():
    ctx = make_context()
    with pytest.raises(PipelineError, match="can't run 'func.func' pass manager"):
        build("func.func(tigris-verify)", ctx)
    with pytest.raises(PipelineError, match="wrapped with the anchor operation"):
        build("tigris-verify,cse", ctx)
    with pytest.raises(PipelineError, match="'tigris-lower-to-plan' .* intended to run on 'func.func'"):
        build("builtin.module(func.func(tigris-lower-to-plan))", ctx)
    build("builtin.module(builtin.module(func.func(tigris-verify)),any(cse))", ctx)


def test_nested_module_pass_runs_only_there():
    ctx = make_context()
    src = ('func.func @a(%x: tensor<4xf32>) -> tensor<4xf32> {\n'
           '  %0 = "tigris.lut"(%x) {table = array<i8: 0>} : (tensor<4xf32>) -> tensor<4xf32>\n'
           '  return %0 : tensor<4xf32>\n}\n'
           'module @m {\n  func.func @b(%x: tensor<4xi8>) -> tensor<4xi8> {\n'
           '    return %x : tensor<4xi8>\n  }\n}\n')
    with ctx:
        m = ir.Module.parse(src)
        build("builtin.module(builtin.module(func.func(tigris-verify)))", ctx).run(m.operation)
        with pytest.raises(ir.MLIRError):
            build("builtin.module(func.func(tigris-verify))", ctx).run(m.operation)


def test_expectation_lines():
    from tigris.verify_diagnostics import parse_expectations
    text = "\n".join([
        "%a = x // expected-error {{same}}",          # 1
        "// expected-error@+2 {{plus}}",              # 2 -> 4
        "// expected-warning@below {{below1}}",       # 3 -> 5 (skips designator line 4)
        "// expected-note@below {{below2}}",          # 4 -> 5
        "%b = y",                                     # 5
        "// expected-remark@above {{above}}",         # 6 -> 5
        "// expected-error@-6 {{minus}}",             # 7 -> 1
        "// expected-error@unknown {{nowhere}}",      # 8 -> None
        "// expected-error-re {{a {{[0-9]+}} b.}}",   # 9
    ])
    es = parse_expectations(text, "f.mlir")
    assert [(e.severity, e.line) for e in es] == [
        ("error", 1), ("error", 4), ("warning", 5), ("note", 5), ("remark", 5),
        ("error", 1), ("error", None), ("error", 9)]
    assert es[1].where == "f.mlir:2:4"
    assert es[-1].matches("x a 42 b.") and not es[-1].matches("a x b.")
    assert not es[-1].matches("a 42 bX")  # the "." outside {{}} is literal


def test_verifier_reports_both_directions():
    from tigris.verify_diagnostics import Diag, Verifier
    v = Verifier("%x = y // expected-error@unknown {{lost}}\n%z = w // expected-warning {{w}}\n", "f")
    v.process(Diag("error", "<unknown>:0", None, "it got lost here"))
    v.process(Diag("error", "f:2:1", 2, "w happened"))          # right text, wrong severity
    v.process(Diag("error", "f:1:1", 1, "nobody expects this"))
    assert not v.finish()
    assert v.errors == [
        "f:2:11: error: 'error' diagnostic emitted when expecting a 'warning'",
        "f:1:1: error: unexpected error: nobody expects this",
        'f:2:11: error: expected warning "w" was not produced']


def test_split_chunks_keep_line_numbers():
    from tigris.opt import _chunks
    chunks = _chunks("a\n// -----\nb\nc\n  // -----  \nd", "// -----")
    assert [c.split("\n").index(c.strip().split("\n")[0]) + 1 for c in chunks] == [1, 3, 6]
    assert _chunks("a\nb", None) == ["a\nb"]


def test_a_pass_that_raises_is_one_line(tmp_path, capsys, monkeypatch):
    from tigris import opt
    from tigris.passes.registry import Pass

    def boom(func_op, options):
        raise KeyError("n7")
    monkeypatch.setitem(registry(), "tigris-boom", Pass("tigris-boom", "raises", boom))
    f = tmp_path / "m.mlir"
    f.write_text("func.func @f(%x: tensor<4xi8>) -> tensor<4xi8> {\n  return %x : tensor<4xi8>\n}\n")
    assert opt.main([str(f), "--tigris-boom"]) == 1
    err = capsys.readouterr().err
    assert err == "tigris-opt: internal error: KeyError: 'n7'\n"


def test_dce_and_cse_passes_registered():
    passes = registry()
    assert passes["tigris-dce"].anchor == "func.func"
    assert passes["tigris-cse"].anchor == "func.func"
    assert passes["tigris-lower-to-plan"].anchor == "builtin.module"


def test_quant_uniform_tosa_legalizes_like_its_storage_types():
    import re
    from pathlib import Path
    src = Path(__file__).parents[1].joinpath("opt", "quant-uniform.mlir").read_text()
    plain = re.sub(r"!quant\.uniform<i8(<-127:127>)?:f32(:0)?, [^>]*>", "i8", src)
    code = [line for line in plain.splitlines() if not line.startswith("//")]
    assert code and not any("quant" in line for line in code)
    out, io = [], []
    for text in (src, plain):
        ctx = make_context()
        with ctx:
            m = ir.Module.parse(text)
            build("builtin.module(tigris-legalize,tigris-verify)", ctx).run(m.operation)
            f = m.body.operations[0].operation
            # The quantized signature leaves its scales and zero points to the
            # plan's inputs and outputs; the storage-typed one has none to give.
            io.append({k: str(f.attributes[k]) for k in ("tigris.inputs", "tigris.outputs")
                       if k in f.attributes})
            for k in io[-1]:
                del f.attributes[k]
            out.append(str(m))
    assert out[0] == out[1]
    assert io[1] == {} and set(io[0]) == {"tigris.inputs", "tigris.outputs"}
    assert "scale = 5.000000e-01" in io[0]["tigris.inputs"] and "zero_point = -3" in io[0]["tigris.inputs"]


def test_module_options_win_and_contradictions_fail():
    p = registry()["tigris-bufferize"]
    ctx = make_context()
    with ctx:
        m = ir.Module.parse('module attributes {tigris.target = "esp32s3"} {\n'
                            '  func.func @f() { return }\n}')
        f = m.body.operations[0]
        assert p.resolve(f, p.parse_options(""), p.given_options("")).target == "esp32s3"
        opts = "target=esp32s3"
        assert p.resolve(f, p.parse_options(opts), p.given_options(opts)).target == "esp32s3"
        from tigris.passes.registry import PassError
        opts = "target=reference"
        with pytest.raises(PassError, match="contradicts the module's tigris.target"):
            p.resolve(f, p.parse_options(opts), p.given_options(opts))
        bare = ir.Module.parse('func.func @g() { return }')
        g = bare.body.operations[0]
        assert p.resolve(g, p.parse_options(opts), p.given_options(opts)).target == "reference"
