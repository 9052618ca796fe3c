"""Registry entries of the pools: avg_pool, max_pool, global_avg_pool."""
from __future__ import annotations

from tigris.kernels.base import CALL_SINGLE_ROUNDING, IN, OUT, Kind, Param, PlanKernel, Slot

_IO = (Slot("input", IN), Slot("output", OUT))
_CLAMP = (Param("act_min"), Param("act_max"))


def _window_work(n, n_in, w, attrs) -> int:
    kk = attrs["kernel"]
    return n * kk[0] * kk[1]


def _check_pool(in_shapes, out_shape, attrs):
    # The runtime bounds a pool's window by its input (a corrupted plan must
    # not run for hours): no pad wider than the input along its axis. ONNX
    # allows it (pads below the kernel only); such a pool is refused here, at
    # compile time, not by the device.
    shape = in_shapes[0]
    if len(shape) != 4:
        return None
    pad = attrs["pad"]
    for axis, (before, after), what in ((1, pad[0:2], "rows"), (2, pad[2:4], "columns")):
        if max(before, after) > shape[axis]:
            return (f"pads {max(before, after)} {what} past its {shape[axis]}-{what[:-1]} "
                    f"input: the runtime takes no pool pad wider than its input")
    return None


def _emit_pool(e, c, p) -> str:
    k = c.kernel.name
    t = c.tensors
    e.dims("in", t[0])
    e.dims("out", t[1])
    dil = p.get("dilation", [1, 1])
    cip = p.get("count_include_pad", 0)
    e.lines.append(f"static const tigris_pool_params_t p = {{{{{e.ints(p['kernel'])}}}, "
                   f"{{{e.ints(p['stride'])}}}, {{{e.ints(dil)}}}, {{{e.ints(p['pad'])}}}, "
                   f"{cip}, {p['act_min']}, {p['act_max']}}};")
    return f"tigris_run_{k}_s8(&in, {e.ptr(t[0])}, &out, {e.ptr(t[1], True)}, &p, NULL)"


def _emit_gap(e, c, p) -> str:
    t = c.tensors
    e.dims("in", t[0])
    e.lines.append(f"static const tigris_gap_params_t p = {{{p['input_offset']}, "
                   f"{p['output_offset']}, {p['multiplier']}, {p['shift']}, {e.rounding}}};")
    return f"tigris_run_global_avg_pool_s8(&in, {e.ptr(t[0])}, {e.ptr(t[1], True)}, &p, NULL)"


KINDS = [
    Kind("avg_pool", int8=True, per_mac=17.57, per_out=97.6, work=_window_work, rows="window",
         check=_check_pool,
         plan=PlanKernel("avg_pool", 6, _IO,
                         (Param("kernel", 2), Param("stride", 2), Param("pad", 4),
                          Param("count_include_pad")) + _CLAMP),
         emit_c=_emit_pool),
    Kind("max_pool", int8=True, per_mac=10.40, per_out=44.2, work=_window_work, rows="window",
         check=_check_pool,
         plan=PlanKernel("max_pool", 7, _IO,
                         (Param("kernel", 2), Param("stride", 2), Param("dilation", 2),
                          Param("pad", 4)) + _CLAMP),
         emit_c=_emit_pool),
    # multiplier / shift are scalars here (i32 attributes), not per-channel arrays.
    Kind("global_avg_pool", arrays={"multiplier": "i32", "shift": "i32"}, int8=True,
         per_mac=7.99, per_out=140.8, work=lambda n, n_in, w, a: n_in,
         plan=PlanKernel("global_avg_pool", 8, _IO,
                         (Param("input_offset"), Param("output_offset"), Param("multiplier"),
                          Param("shift")), call_flags=CALL_SINGLE_ROUNDING),
         emit_c=_emit_gap),
]
