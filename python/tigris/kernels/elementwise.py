"""Registry entries of the elementwise kernels: add, mul, lut, softmax, softmax_tfl."""
from __future__ import annotations

from tigris.kernels.esp32s3 import softmax as s3_softmax
from tigris.kernels.base import CALL_SINGLE_ROUNDING, CONST, IN, OUT, Kind, Param, PlanKernel, Slot

_OUT = Slot("output", OUT)
_BINARY = (Slot("input1", IN), Slot("input2", IN), _OUT)


def _emit_binary(e, c, p) -> str:
    k = c.kernel.name
    t = c.tensors
    names = [pp.name for pp in c.kernel.params]
    e.lines.append(f"static const tigris_{k}_params_t p = {{{e.ints(p[n] for n in names)}, "
                   f"{e.rounding}}};")
    a, b, y = e.shape_arr("sa", t[0]), e.shape_arr("sb", t[1]), e.shape_arr("sy", t[2])
    return (f"tigris_run_{k}_s8({e.ptr(t[0])}, {a}, {e.ptr(t[1])}, {b}, "
            f"{e.ptr(t[2], True)}, {y}, &p, NULL)")


def _emit_lut(e, c, p) -> str:
    t = c.tensors
    if e.count(t[1]) != 256:   # one table per channel
        sh = e.shape(t[0])
        return (f"tigris_lut_per_channel_s8({e.ptr(t[0])}, {e.count(t[0])}, "
                f"{sh[-1] if sh else 1}, {e.ptr(t[1])}, {e.ptr(t[2], True)})")
    return f"tigris_lut_s8({e.ptr(t[0])}, {e.count(t[0])}, {e.ptr(t[1])}, {e.ptr(t[2], True)})"


def _emit_softmax(e, c, p) -> str:
    t = c.tensors
    sh = e.shape(t[0])
    depth = sh[-1] if sh else 1
    rows = e.count(t[0]) // depth
    return (f"tigris_softmax_s8({e.ptr(t[0])}, {rows}, {depth}, {e.ptr(t[1])}, "
            f"{p['output_scale_q16']}, {p['output_offset']}, {e.ptr(t[2], True)})")


def _emit_softmax_tfl(e, c, p) -> str:
    t = c.tensors
    sh = e.shape(t[0])
    depth = sh[-1] if sh else 1
    rows = e.count(t[0]) // depth
    return (f"tigris_softmax_tfl_s8({e.ptr(t[0])}, {rows}, {depth}, {e.ptr(t[1])}, "
            f"{e.ptr(t[2], True)})")


def _check_lut(in_shapes, out_shape, attrs):
    # One table, or one per channel (the last axis): C x 256 entries.
    in_shape = in_shapes[0]
    channels = in_shape[-1] if in_shape else 1
    n = len(attrs["table"])
    if n != 256 and (n != 256 * channels or list(out_shape) != list(in_shape)):
        return (f"table has {n} entries, expected 256 or 256 per channel ({256 * channels} "
                f"for {channels} channels, with equal input and output shapes)")
    return None


def _check_softmax(in_shapes, out_shape, attrs):
    if len(attrs["exp_table"]) != 256:
        return f"exp_table has {len(attrs['exp_table'])} entries, expected 256"
    return None


def _check_softmax_tfl(in_shapes, out_shape, attrs):
    table = list(attrs["exp_table"])
    if len(table) != 256 or min(table) < 0 or table[255] < (1 << 11):
        return "exp_table must hold 256 entries >= 0, the last one >= 2^11"
    return None


KINDS = [
    Kind("add", int8=True, per_mac=434.22, rows="rows", overwrites=(0, 1),
         plan=PlanKernel("add", 4, _BINARY,
                         tuple(Param(n) for n in (
                             "input1_offset", "input2_offset", "input1_multiplier",
                             "input1_shift", "input2_multiplier", "input2_shift", "left_shift",
                             "output_offset", "output_multiplier", "output_shift", "act_min",
                             "act_max")),
                         inplace=("input1", "input2"), call_flags=CALL_SINGLE_ROUNDING),
         emit_c=_emit_binary),
    Kind("mul", int8=True, per_mac=196.87, rows="rows", overwrites=(0, 1),
         plan=PlanKernel("mul", 5, _BINARY,
                         tuple(Param(n) for n in (
                             "input1_offset", "input2_offset", "output_offset",
                             "output_multiplier", "output_shift", "act_min", "act_max")),
                         inplace=("input1", "input2"), call_flags=CALL_SINGLE_ROUNDING),
         emit_c=_emit_binary),
    Kind("softmax", arrays={"exp_table": "i32"}, int8=True, check=_check_softmax,
         scratch={"esp32s3": s3_softmax}, per_mac=3596.29,
         plan=PlanKernel("softmax", 9, (Slot("input", IN), Slot("exp_table", CONST, "i32"), _OUT),
                         (Param("output_scale_q16"), Param("output_offset")), inplace=("input",)),
         emit_c=_emit_softmax),
    # TFLite's int8 softmax (gemmlowp fixed point; the TFLite importer's SOFTMAX).
    Kind("softmax_tfl", arrays={"exp_table": "i32"}, int8=True, check=_check_softmax_tfl,
         per_mac=3596.29,
         plan=PlanKernel("softmax_tfl", 17, (Slot("input", IN), Slot("exp_table", CONST, "i32"),
                                             _OUT), inplace=("input",)),
         emit_c=_emit_softmax_tfl),
    # table: 256 entries, or 256 per channel (C x 256, C = the last dimension of
    # input and output); the count alone selects the form (docs/kernels.md).
    Kind("lut", arrays={"table": "i8"}, int8=True, check=_check_lut, per_mac=8.14, rows="rows",
         overwrites=(0,),
         plan=PlanKernel("lut", 10, (Slot("input", IN), Slot("table", CONST), _OUT),
                         inplace=("input",)),
         emit_c=_emit_lut),
]
