"""Registry entries of the weighted kernels: conv2d, depthwise_conv2d, fully_connected."""
from __future__ import annotations

from tigris.kernels.esp32s3 import conv2d as s3_conv2d, depthwise_conv2d as s3_depthwise
from tigris.kernels.base import (CALL_SINGLE_ROUNDING, CONST, IN, OUT, SCRATCH, Kind, Param,
                                 PlanKernel, Slot)

REQUANT_ARRAYS = {"multiplier": "i32", "shift": "i32"}
_REQUANT_SLOTS = (Slot("multiplier", CONST, "i32"), Slot("shift", CONST, "i32"))
_WEIGHTED_SLOTS = (Slot("input", IN), Slot("weights", CONST), Slot("bias", CONST, "i32", True),
                   *_REQUANT_SLOTS)
_OUT = Slot("output", OUT)
_SCRATCH = Slot("scratch", SCRATCH, optional=True)
_CONV_COMMON = (Param("stride", 2), Param("dilation", 2), Param("pad", 4))
_CLAMP = (Param("act_min"), Param("act_max"))


def _prod(values) -> int:
    n = 1
    for v in values:
        n *= int(v)
    return n


# ------------------------------------------------------------------ weights layouts

def depthwise_view(shape):
    """The op's [KH,KW,C,M] (TOSA layout) is the kernel's [1,KH,KW,C*M]."""
    shape = list(shape)
    return [1, shape[0], shape[1], shape[2] * shape[3]] if len(shape) == 4 else shape


def fc_view(shape):
    """[Cout, ..., K] is the same bytes as the kernel's [Cout, K]."""
    shape = list(shape)
    return [shape[0], _prod(shape[1:])] if len(shape) > 2 else shape


# ------------------------------------------------------------------ scratch shapes

def _window_check(in_shape, out_shape, k_hw, attrs):
    """The output rows and columns a kernel of k_hw taps gives over the input
    (stride, dilation, padding), as the runtime checks them."""
    for axis, k in ((1, k_hw[0]), (2, k_hw[1])):
        pad = attrs["pad"][2 * (axis - 1):2 * axis]
        ext = (k - 1) * attrs.get("dilation", [1, 1])[axis - 1] + 1
        count = (in_shape[axis] + sum(pad) - ext) // attrs["stride"][axis - 1] + 1
        if out_shape[axis] > count:
            what = "rows" if axis == 1 else "columns"
            return (f"output has {out_shape[axis]} {what}, its {k}-tap window over the input "
                    f"gives {max(count, 0)}")
    return None


def _check_conv(in_shapes, out_shape, attrs):
    x, w = in_shapes[0], in_shapes[1]
    if len(x) != 4 or len(w) != 4 or len(out_shape) != 4:
        return None
    groups = attrs.get("groups", 1)
    if w[0] != out_shape[3] or w[3] * groups != x[3] or out_shape[3] % groups:
        return (f"weights {w} (O, KH, KW, I/groups) do not match input channels {x[3]}, "
                f"output channels {out_shape[3]} and groups {groups}")
    return _window_check(x, out_shape, w[1:3], attrs)


def _check_depthwise(in_shapes, out_shape, attrs):
    x, w = in_shapes[0], in_shapes[1]
    if len(x) != 4 or len(w) != 4 or len(out_shape) != 4:
        return None
    m = attrs.get("channel_multiplier", 1)
    if w[2] != x[3] or w[3] != m or out_shape[3] != x[3] * m:
        return (f"weights {w} (KH, KW, C, M) do not match input channels {x[3]}, "
                f"channel multiplier {m} and output channels {out_shape[3]}")
    return _window_check(x, out_shape, w[0:2], attrs)


def _conv_scratch_shape(in_shapes, out_shape, attrs, out_channels=None) -> dict:
    shape_in, shape_out, w = list(in_shapes[0]), list(out_shape), list(in_shapes[1])
    if out_channels is not None:
        shape_out[-1] = w[0] = out_channels
    return {"input": tuple(shape_in), "output": tuple(shape_out), "kernel": (w[1], w[2]),
            "stride": tuple(attrs["stride"]), "dilation": tuple(attrs["dilation"]),
            "pad": tuple(attrs["pad"]), "groups": attrs["groups"]}


def _depthwise_scratch_shape(in_shapes, out_shape, attrs, out_channels=None) -> dict:
    w = in_shapes[1]
    return {"input": tuple(in_shapes[0]), "output": tuple(out_shape), "kernel": (w[0], w[1]),
            "stride": tuple(attrs["stride"]), "dilation": tuple(attrs["dilation"]),
            "pad": tuple(attrs["pad"]), "channel_multiplier": attrs["channel_multiplier"]}


# ------------------------------------------------------------------ C code generation

def _emit_conv(e, c, p) -> str:
    k = c.kernel.name
    slot = {n: e.slot(n) for n in
            ("input", "weights", "bias", "multiplier", "shift", "output", "scratch")}
    e.dims("in", slot["input"])
    e.dims("f", slot["weights"])
    e.dims("out", slot["output"])
    groups, cm = (p["groups"], 1) if k == "conv2d" else (1, p["channel_multiplier"])
    q = e.count(slot["multiplier"])
    e.lines.append(
        f"static const tigris_conv_params_t p = {{{{{e.ints(p['stride'])}}}, "
        f"{{{e.ints(p['dilation'])}}}, {{{e.ints(p['pad'])}}}, {groups}, {cm}, "
        f"{p['input_offset']}, {p['output_offset']}, {e.ptr(slot['multiplier'])}, "
        f"{e.ptr(slot['shift'])}, {q}, {p['act_min']}, {p['act_max']}, {e.rounding}}};")
    sc = slot["scratch"]
    scratch = "NULL, 0" if sc is None else f"{e.ptr(sc, True, 'uint8_t')}, {e.size(sc)}"
    return (f"tigris_run_{k}_s8(&in, {e.ptr(slot['input'])}, &f, "
            f"{e.ptr(slot['weights'])}, {e.ptr(slot['bias'], ctype='int32_t')}, "
            f"&out, {e.ptr(slot['output'], True)}, &p, {scratch}, NULL)")


def _emit_fc(e, c, p) -> str:
    t = c.tensors
    w = e.shape(t[1])
    rows = e.count(t[0]) // w[1]
    q = e.count(t[3])
    e.lines.append(f"static const tigris_fc_params_t p = {{{p['input_offset']}, "
                   f"{p['output_offset']}, {e.ptr(t[3])}, {e.ptr(t[4])}, {q}, "
                   f"{p['act_min']}, {p['act_max']}, {e.rounding}}};")
    return (f"tigris_run_fully_connected_s8({e.ptr(t[0])}, {rows}, {w[1]}, "
            f"{e.ptr(t[1])}, {e.ptr(t[2], ctype='int32_t')}, {w[0]}, "
            f"{e.ptr(t[5], True)}, &p, NULL)")


KINDS = [
    Kind("conv2d", arrays=REQUANT_ARRAYS, int8=True, weighted=True, check=_check_conv,
         scratch={"esp32s3": s3_conv2d}, scratch_shape=_conv_scratch_shape,
         per_mac=10.44, per_out=260.1, per_tap=27.1,
         work=lambda n, n_in, w, a: n * _prod(w[1:]), rows="window", channel_split=True,
         plan=PlanKernel("conv2d", 1, (*_WEIGHTED_SLOTS, _OUT, _SCRATCH),
                         _CONV_COMMON + (Param("groups"), Param("input_offset"),
                                         Param("output_offset")) + _CLAMP,
                         call_flags=CALL_SINGLE_ROUNDING),
         emit_c=_emit_conv),
    Kind("depthwise_conv2d", arrays=REQUANT_ARRAYS, int8=True, weighted=True,
         check=_check_depthwise, scratch={"esp32s3": s3_depthwise},
         scratch_shape=_depthwise_scratch_shape,
         per_mac=48.85, per_out=5.4,
         work=lambda n, n_in, w, a: n * w[1] * w[2], weights_view=depthwise_view, rows="window",
         plan=PlanKernel("depthwise_conv2d", 2, (*_WEIGHTED_SLOTS, _OUT, _SCRATCH),
                         _CONV_COMMON + (Param("channel_multiplier"), Param("input_offset"),
                                         Param("output_offset")) + _CLAMP,
                         call_flags=CALL_SINGLE_ROUNDING),
         emit_c=_emit_conv),
    Kind("fully_connected", arrays=REQUANT_ARRAYS, int8=True, weighted=True,
         per_mac=11.99, per_out=257.9,
         work=lambda n, n_in, w, a: n * w[-1], weights_view=fc_view, channel_split=True,
         plan=PlanKernel("fully_connected", 3, (*_WEIGHTED_SLOTS, _OUT),
                         (Param("input_offset"), Param("output_offset")) + _CLAMP,
                         call_flags=CALL_SINGLE_ROUNDING),
         emit_c=_emit_fc),
]
