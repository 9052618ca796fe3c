"""Plans for tests and benchmarks (test-only, not in the package): a seeded function
that uses every kernel of the runtime.

The zoo models cover conv, depthwise, fully connected, add, pools, softmax,
lut, resize (nearest) and concat; `kitchen_sink_mlir(seed)` adds the rest
(mul, avg_pool, transpose, pad, a non-view slice, linear resize, TFLite's
softmax, grouped and
dilated conv, broadcasting add with a constant, a lut with one table per
channel, several outputs) in one small
function of tigris kernel ops, so that the runtime and the code generator
are checked on every kernel against the reference interpreter.
"""
from __future__ import annotations

import numpy as np
from mlir import ir

from tigris.driver import Device, planning_pipeline
from tigris.dialects import make_context
from tigris.passes.registry import functions
from tigris.pipeline import build
from tigris.plan.writer import plan_modules, write_plan
from tigris.resources import WeightTable


def _t(shape, et="i8") -> str:
    return "tensor<" + "x".join(str(s) for s in shape) + f"x{et}>"


def _arr(values, kind="i64") -> str:
    return f"array<{kind}: " + ", ".join(str(int(v)) for v in values) + ">"


class _Fn:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.lines: list[str] = []
        self.n = 0

    def value(self) -> str:
        self.n += 1
        return f"%v{self.n}"

    def const(self, shape, et="i8", lo=-20, hi=20) -> str:
        v = self.value()
        data = self.rng.integers(lo, hi + 1, size=int(np.prod(shape)))
        self.lines.append(f'{v} = "tosa.const"() <{{values = dense<{_nested(data, shape)}> : '
                          f'{_t(shape, et)}}}> : () -> {_t(shape, et)}')
        return v

    def op(self, kind, operands, in_types, out_shape, attrs: dict) -> str:
        v = self.value()
        a = ", ".join(f"{k} = {val}" for k, val in attrs.items())
        self.lines.append(f'{v} = "tigris.{kind}"({", ".join(operands)}) {{{a}}} : '
                          f'({", ".join(in_types)}) -> {_t(out_shape)}')
        return v

    def requant(self, channels: int) -> dict:
        mult = self.rng.integers(1 << 29, (1 << 31) - 1, size=channels)
        shift = self.rng.integers(-9, -6, size=channels)
        return {"multiplier": _arr(mult, "i32"), "shift": _arr(shift, "i32")}


def _nested(data, shape) -> str:
    a = np.asarray(data).reshape(shape)

    def rec(x):
        if x.ndim == 0:
            return str(int(x))
        return "[" + ", ".join(rec(y) for y in x) + "]"
    return rec(a)


def _i(v: int) -> str:
    return f"{int(v)} : i64"


def kitchen_sink_mlir(seed: int = 0) -> str:
    """MLIR text of @kitchen_sink(%x: 1x8x8x4 int8) with three results."""
    f = _Fn(seed)
    x = "%x"
    clamp = {"act_min": _i(-128), "act_max": _i(127)}
    conv_common = {"input_offset": _i(3), "output_offset": _i(-5), **clamp}
    # conv 3x3, then a grouped, dilated conv
    w1, b1 = f.const([8, 3, 3, 4]), f.const([8], "i32", -300, 300)
    c1 = f.op("conv2d", [x, w1, b1], [_t([1, 8, 8, 4]), _t([8, 3, 3, 4]), _t([8], "i32")],
              [1, 8, 8, 8], {"stride": _arr([1, 1]), "dilation": _arr([1, 1]),
                             "pad": _arr([1, 1, 1, 1]), "groups": _i(1), **conv_common,
                             **f.requant(8)})
    w2, b2 = f.const([8, 3, 3, 4]), f.const([8], "i32", -300, 300)
    c2 = f.op("conv2d", [c1, w2, b2], [_t([1, 8, 8, 8]), _t([8, 3, 3, 4]), _t([8], "i32")],
              [1, 8, 8, 8], {"stride": _arr([1, 1]), "dilation": _arr([2, 2]),
                             "pad": _arr([2, 2, 2, 2]), "groups": _i(2), **conv_common,
                             **f.requant(8)})
    # depthwise stride 2 with asymmetric padding (TOSA weight layout [KH,KW,C,M])
    wd, bd = f.const([3, 3, 8, 1]), f.const([8], "i32", -300, 300)
    d1 = f.op("depthwise_conv2d", [c2, wd, bd], [_t([1, 8, 8, 8]), _t([3, 3, 8, 1]), _t([8], "i32")],
              [1, 4, 4, 8], {"stride": _arr([2, 2]), "dilation": _arr([1, 1]),
                             "pad": _arr([0, 1, 0, 1]), "channel_multiplier": _i(1),
                             **conv_common, **f.requant(8)})
    pool_attrs = {"kernel": _arr([2, 2]), "stride": _arr([1, 1]), "pad": _arr([0, 1, 0, 1])}
    ap = f.op("avg_pool", [d1], [_t([1, 4, 4, 8])], [1, 4, 4, 8],
              {**pool_attrs, "count_include_pad": _i(0), **clamp})
    mp = f.op("max_pool", [d1], [_t([1, 4, 4, 8])], [1, 4, 4, 8],
              {"kernel": _arr([3, 3]), "stride": _arr([1, 1]), "dilation": _arr([1, 1]),
               "pad": _arr([1, 1, 1, 1]), "act_min": _i(-100), "act_max": _i(120)})
    mu = f.op("mul", [ap, mp], [_t([1, 4, 4, 8])] * 2, [1, 4, 4, 8],
              {"input1_offset": _i(4), "input2_offset": _i(-2), "output_offset": _i(1),
               "output_multiplier": _i(1 << 30), "output_shift": _i(-6), **clamp})
    k8 = f.const([1, 1, 1, 8])
    add = f.op("add", [mu, k8], [_t([1, 4, 4, 8]), _t([1, 1, 1, 8])], [1, 4, 4, 8],
               {"input1_offset": _i(1), "input2_offset": _i(-3),
                "input1_multiplier": _i(1 << 30), "input1_shift": _i(0),
                "input2_multiplier": _i(1 << 30), "input2_shift": _i(-1),
                "left_shift": _i(20), "output_offset": _i(-2),
                "output_multiplier": _i(1 << 30), "output_shift": _i(-19), **clamp})
    table = f.rng.integers(-128, 128, size=256)
    lu = f.op("lut", [add], [_t([1, 4, 4, 8])], [1, 4, 4, 8], {"table": _arr(table, "i8")})
    # one table per channel (PRelu-like), drawn from its own generator so the
    # other constants stay those of earlier versions of this function
    tables = np.random.default_rng(1000 + seed).integers(-128, 128, size=8 * 256)
    lu = f.op("lut", [lu], [_t([1, 4, 4, 8])], [1, 4, 4, 8], {"table": _arr(tables, "i8")})
    pd = f.op("pad", [lu], [_t([1, 4, 4, 8])], [1, 6, 7, 8],
              {"pad": _arr([0, 1, 2, 0, 0, 1, 1, 0]), "value": _i(-7)})
    sl = f.op("slice", [pd], [_t([1, 6, 7, 8])], [1, 4, 5, 8], {"begin": _arr([0, 1, 1, 0])})
    tr = f.op("transpose", [sl], [_t([1, 4, 5, 8])], [1, 8, 4, 5], {"perm": _arr([0, 3, 1, 2])})
    rs = f.value()
    f.lines.append(f'{rs} = "tigris.reshape"({tr}) : ({_t([1, 8, 4, 5])}) -> {_t([1, 8, 20])}')
    exp = [int(round((1 << 20) * np.exp(0.06 * (i - 255)))) for i in range(256)]
    sm = f.op("softmax", [rs], [_t([1, 8, 20])], [1, 8, 20],
              {"exp_table": _arr(exp, "i32"), "output_scale_q16": _i(1 << 24),
               "output_offset": _i(-128)})
    # TFLite's softmax on the softmax's output (tables as the TFLite importer makes them)
    from tigris.reference.gemmlowp import softmax_exp_table
    sm = f.op("softmax_tfl", [sm], [_t([1, 8, 20])], [1, 8, 20],
              {"exp_table": _arr(softmax_exp_table(0.05, 1.0), "i32")})
    # linear resize 4x4 -> 7x6
    def tables(n_in, n_out):
        src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        i0 = np.floor(src).astype(int)
        return i0, np.minimum(i0 + 1, n_in - 1), np.round((src - i0) * 2048).astype(int)
    y0, y1, wy = tables(4, 7)
    x0, x1, wx = tables(4, 6)
    rz = f.op("resize", [lu], [_t([1, 4, 4, 8])], [1, 7, 6, 8],
              {"mode": '"linear"', "y_index0": _arr(y0, "i32"), "y_index1": _arr(y1, "i32"),
               "y_weight": _arr(wy, "i32"), "x_index0": _arr(x0, "i32"),
               "x_index1": _arr(x1, "i32"), "x_weight": _arr(wx, "i32")})
    gp = f.op("global_avg_pool", [rz], [_t([1, 7, 6, 8])], [1, 1, 1, 8],
              {"input_offset": _i(2), "output_offset": _i(-1), "multiplier": f"{1 << 30} : i32",
               "shift": "-5 : i32"})
    wf, bf = f.const([5, 8]), f.const([5], "i32", -200, 200)
    fc = f.op("fully_connected", [gp, wf, bf], [_t([1, 1, 1, 8]), _t([5, 8]), _t([5], "i32")],
              [1, 1, 1, 5], {"input_offset": _i(1), "output_offset": _i(3), **clamp,
                             **f.requant(5)})
    # concat on channels: empty + two inserts
    em = f.value()
    f.lines.append(f'{em} = "tigris.empty"() : () -> {_t([1, 4, 4, 16])}')
    i1 = f.op("insert", [lu, em], [_t([1, 4, 4, 8]), _t([1, 4, 4, 16])], [1, 4, 4, 16],
              {"axis": _i(3), "offset": _i(0)})
    i2 = f.op("insert", [d1, i1], [_t([1, 4, 4, 8]), _t([1, 4, 4, 16])], [1, 4, 4, 16],
              {"axis": _i(-1), "offset": _i(8)})
    body = "\n    ".join(f.lines)
    outs = [_t([1, 8, 20]), _t([1, 1, 1, 5]), _t([1, 4, 4, 16])]
    return (f"func.func @kitchen_sink(%x: {_t([1, 8, 8, 4])}) -> ({', '.join(outs)}) {{\n"
            f"    {body}\n    return {sm}, {fc}, {i2} : {', '.join(outs)}\n}}\n")


def compile_mlir(text: str, target: str = "reference", alignment: int = 16):
    """(plan bytes, reference outputs fn) for MLIR text of tigris kernel ops.
    The second element runs the reference interpreter on int8 inputs."""
    from tigris.reference.interpreter import run_function
    ctx = make_context()
    with ctx:
        module = ir.Module.parse(text)
        weights = WeightTable.from_asm(text)
        build(planning_pipeline(Device(target, alignment), legalize=False), ctx).run(module.operation)
        ref_module = ir.Module.parse(str(module))
        ref_fn = functions(ref_module.operation)[0]
        build("builtin.module(tigris-lower-to-plan)", ctx).run(module.operation)
        (pm,) = plan_modules(module)
        data = write_plan(pm, weights)

    def reference(inputs, _keep=(ctx, ref_module)):
        with ctx:
            return run_function(ref_fn, weights, inputs)
    return data, reference


__all__ = ["kitchen_sink_mlir", "compile_mlir"]
