"""Registry entries of the data-movement kernels: reshape, transpose, pad, resize,
slice, empty, insert (concat is an `empty` filled by `insert`s)."""
from __future__ import annotations

from tigris.kernels.base import CONST, IN, MAX_RANK, OUT, Kind, Param, PlanKernel, RowRule, Slot

_IN, _OUT = Slot("input", IN), Slot("output", OUT)
RESIZE_MODES = ("nearest", "linear")
_RESIZE_TABLES = ("y_index0", "y_index1", "y_weight", "x_index0", "x_index1", "x_weight")


def _emit_reshape(e, c, p) -> str:
    e.checked = False     # a byte copy: no status
    return f"memcpy({e.ptr(c.tensors[1], True)}, {e.ptr(c.tensors[0])}, {e.size(c.tensors[0])}u)"


def _emit_indexed(key):
    def emit(e, c, p) -> str:
        t = c.tensors
        a, y = e.shape_arr("sa", t[0]), e.shape_arr("sy", t[1])
        e.lines.append(f"static const int32_t v[{e.rank}] = {{{e.ints(p[key])}}};")
        return (f"tigris_{c.kernel.name}_s8({e.ptr(t[0])}, {a}, v, {e.ptr(t[1], True)}, "
                f"{y.split(',')[0]})")
    return emit


def _emit_pad(e, c, p) -> str:
    t = c.tensors
    a, y = e.shape_arr("sa", t[0]), e.shape_arr("sy", t[1])
    e.lines.append(f"static const int32_t v[{2 * e.rank}] = {{{e.ints(p['pad'])}}};")
    return (f"tigris_pad_s8({e.ptr(t[0])}, {a}, v, {p['value']}, "
            f"{e.ptr(t[1], True)}, {y.split(',')[0]})")


def _emit_resize(e, c, p) -> str:
    t = c.tensors
    e.dims("in", t[0])
    e.dims("out", t[7])
    mode = "TIGRIS_RESIZE_LINEAR" if p["mode"] == "linear" else "TIGRIS_RESIZE_NEAREST"
    tables = ", ".join(e.ptr(t[i], ctype="int32_t") for i in range(1, 7))
    return f"tigris_resize_s8(&in, {e.ptr(t[0])}, &out, {e.ptr(t[7], True)}, {mode}, {tables})"


def _emit_insert(e, c, p) -> str:
    t = c.tensors
    a = e.shape_arr("sa", t[0])
    d = e.shape_arr("sd", t[1])
    return (f"tigris_insert_s8({e.ptr(t[0])}, {a.split(',')[0]}, {e.ptr(t[1])}, "
            f"{d}, {p['axis']}, {p['offset']}, {e.ptr(t[2], True)})")


# ------------------------------------------------------------------ row rules

def _pad_needs(attrs, in_shapes, out_shape, a, b):
    pt, h = attrs["pad"][1], in_shapes[0][1]
    return [(min(max(a - pt, 0), h), min(max(b - pt, 0), h))]


def _pad_strip(attrs, in_shapes, a, b, needs):
    pt, h = attrs["pad"][1], in_shapes[0][1]
    pad = list(attrs["pad"])
    pad[1] = max(0, min(pt, b) - a)               # output rows above the input
    pad[5] = max(0, b - max(a, pt + h))           # output rows below it
    return dict(attrs, pad=pad)


def _resize_needs(attrs, in_shapes, out_shape, a, b):
    y0, y1 = attrs["y_index0"][a:b], attrs["y_index1"][a:b]
    return [(min(y0 + y1), max(y0 + y1) + 1)]


def _resize_strip(attrs, in_shapes, a, b, needs):
    lo = needs[0][0]
    return dict(attrs, y_index0=[v - lo for v in attrs["y_index0"][a:b]],
                y_index1=[v - lo for v in attrs["y_index1"][a:b]],
                y_weight=list(attrs["y_weight"][a:b]))


def _slice_needs(attrs, in_shapes, out_shape, a, b):
    c = attrs["begin"][1]
    return [(a + c, b + c)]


def _slice_strip(attrs, in_shapes, a, b, needs):
    begin = list(attrs["begin"])
    begin[1] = 0
    return dict(attrs, begin=begin)


def _resize_unused(attrs) -> tuple[str, ...]:
    """Nearest reads index0 only: its optional tables stay empty."""
    if attrs.get("mode") == "nearest":
        return ("y_index1", "y_weight", "x_index1", "x_weight")
    return ()


KINDS = [
    # A byte copy: only emitted for a view whose bytes are not already in place.
    Kind("reshape", per_mac=0.0,
         plan=PlanKernel("reshape", 16, (_IN, _OUT), inplace=("input",)), emit_c=_emit_reshape),
    Kind("transpose", per_mac=7.63,
         plan=PlanKernel("transpose", 11, (_IN, _OUT), (Param("perm", MAX_RANK, per_rank=1),)),
         emit_c=_emit_indexed("perm")),
    # Streams rows when it pads neither the batch nor the channels.
    Kind("pad", per_mac=2.39, rows=RowRule(_pad_needs, _pad_strip),
         streams=lambda a: not (a["pad"][0] or a["pad"][4]),
         plan=PlanKernel("pad", 12, (_IN, _OUT),
                         (Param("pad", 2 * MAX_RANK, per_rank=2), Param("value"))),
         emit_c=_emit_pad),
    Kind("resize", arrays={n: "i32" for n in _RESIZE_TABLES}, int8=True, per_mac=7.83,
         rows=RowRule(_resize_needs, _resize_strip), unused_slots=_resize_unused,
         plan=PlanKernel("resize", 13, (_IN, Slot("y_index0", CONST, "i32"),
                                        Slot("y_index1", CONST, "i32", True),
                                        Slot("y_weight", CONST, "i32", True),
                                        Slot("x_index0", CONST, "i32"),
                                        Slot("x_index1", CONST, "i32", True),
                                        Slot("x_weight", CONST, "i32", True), _OUT),
                         (Param("mode", enum=RESIZE_MODES),)),
         emit_c=_emit_resize),
    Kind("slice", per_mac=9.67, rows=RowRule(_slice_needs, _slice_strip),
         streams=lambda a: a["begin"][0] == 0,
         plan=PlanKernel("slice", 14, (_IN, _OUT), (Param("begin", MAX_RANK, per_rank=1),)),
         emit_c=_emit_indexed("begin")),
    # Undefined contents: never a call.
    Kind("empty", per_mac=0.0, rows=RowRule(lambda attrs, ins, out, a, b: [])),
    # An insert's "MACs" are the elements it copies (its input).
    # Streams rows unless it inserts along the batch or row axis.
    Kind("insert", per_mac=1.83, work=lambda n, n_in, w, a: n_in, rows="rows",
         streams=lambda a: a["axis"] not in (0, 1),
         plan=PlanKernel("insert", 15, (_IN, Slot("dest", IN), _OUT),
                         (Param("axis"), Param("offset")), inplace=("dest",),
                         within=("input",)),
         emit_c=_emit_insert),
]
