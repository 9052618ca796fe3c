"""Row dependencies of the row-streamable kernel ops (NHWC, batch 1).

For an op and a range of its output rows [a, b): which rows of each operand
it reads, and the attributes of the same kernel computing exactly those rows
from exactly those operand rows (padding moved to where the strip touches a
real border). Every op here is then bit-exact by construction: each output
element reads the same input elements with the same arithmetic.
"""
from __future__ import annotations

from dataclasses import dataclass

from mlir import ir

from tigris import kernels
from tigris.dialects import op_attrs

# Ops whose output rows depend on a bounded window of input rows: the kinds
# whose registry entry names a row dependency (`rows`), one of
#   "window"  a kh x kw window (stride, dilation, pad; weights or `kernel` give kh),
#   "rows"    output row i from row i of each full-height operand (others whole),
#   a kernels.RowRule  the kernel's own functions (pad, resize, slice, empty).
STREAMABLE = {k.name for k in kernels.REGISTRY.values() if k.rows is not None}
# Kinds that only move bytes (a concat's or a column split's inserts, views):
# their work is not counted as MACs.
MOVES = ("empty", "insert", "slice", "reshape")
POOLS = ("avg_pool", "max_pool")     # windowed ops the runtime bounds by their input (pads_ok)


def shape(value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


@dataclass
class OpInfo:
    """What the row functions need of an op, read from the IR once."""
    op: object
    kind: str
    attrs: dict
    in_shapes: list
    out_shape: list

    @classmethod
    def of(cls, op) -> "OpInfo":
        return cls(op, kind_of(op), {n: v for n, v in op_attrs(op).items()
                                     if not n.startswith("tigris.")},
                   [shape(v) for v in op.operands], shape(op.results[0]))


def kind_of(op) -> str:
    return op.name.split(".", 1)[1] if op.name.startswith("tigris.") else ""


def _rows(kind: str):
    entry = kernels.get(kind)
    return None if entry is None else entry.rows


def streamable(info: OpInfo) -> bool:
    """Whether the op can compute any band of its output rows on its own."""
    k = info.kind
    if k not in STREAMABLE or len(info.op.results) != 1:
        return False
    out = info.out_shape
    if len(out) != 4 or out[0] != 1:
        return False
    a = info.attrs
    entry = kernels.REGISTRY[k]
    if entry.streams is not None and not entry.streams(a):
        return False
    activations = info.in_shapes[:1] if entry.weighted else info.in_shapes
    return all(len(sh) == 4 for sh in activations)


def window(info: OpInfo, a: int, b: int, axis: int = 0):
    """((lo, hi), pad before, pad after): the input rows (axis 0) or columns
    (axis 1) [lo, hi) windowed op `info` reads for its output rows (columns)
    [a, b), and the padding the op computing exactly those from exactly those
    takes."""
    k, s, d, before = kernel_extent(info, axis)
    size = info.in_shapes[0][1 + axis]
    r0 = a * s - before
    r1 = (b - 1) * s - before + (k - 1) * d + 1
    return (max(r0, 0), min(r1, size)), max(0, -r0), max(0, r1 - size)


def kernel_extent(info: OpInfo, axis: int = 0) -> tuple[int, int, int, int]:
    """(kernel rows, stride, dilation, pad top) of a windowed op; axis 1: the
    same across its columns (pad left)."""
    a = info.attrs
    view = kernels.REGISTRY[info.kind].weights_view
    if kernels.REGISTRY[info.kind].weighted:    # weights [O|1, KH, KW, ...] as the kernel reads
        k = (view(info.in_shapes[1]) if view else info.in_shapes[1])[1 + axis]
    else:
        k = a["kernel"][axis]
    dil = a.get("dilation", [1, 1])[axis]
    return k, a["stride"][axis], dil, a["pad"][2 * axis]


def needs(info: OpInfo, a: int, b: int) -> list[tuple[int, int] | None]:
    """Rows [lo, hi) of each operand needed for output rows [a, b); None = not
    row-sliced (weights, bias, broadcast operands read whole)."""
    k = _rows(info.kind)
    attrs = info.attrs
    if k == "window":
        rows, _, _ = window(info, a, b)
        return [rows] + [None] * (len(info.in_shapes) - 1)
    if k == "rows":
        out_h = info.out_shape[1]
        return [(a, b) if sh[1] == out_h else None for sh in info.in_shapes]
    if isinstance(k, kernels.RowRule):
        return k.needs(attrs, info.in_shapes, info.out_shape, a, b)
    raise ValueError(f"'{info.kind}' is not row-streamable")


def pads_ok(info: OpInfo, a: int, b: int, axis: int = 0) -> bool:
    """Whether a pool computing output rows (axis 1: columns) [a, b) pads no
    more of them before or after than it reads (the runtime's pool check,
    which bounds the window by the input; a strip of one row of a 3 x 3 pool
    padded by 2 is refused)."""
    if info.kind not in POOLS:
        return True
    (lo, hi), before, after = window(info, a, b, axis)
    return max(before, after) <= hi - lo


def strip_attrs(info: OpInfo, a: int, b: int) -> dict:
    """Attributes of the kernel computing output rows [a, b) from the operand
    rows `needs` returned."""
    k = _rows(info.kind)
    attrs = dict(info.attrs)
    if k == "window":
        _, top, bottom = window(info, a, b)
        attrs["pad"] = [top, bottom, attrs["pad"][2], attrs["pad"][3]]
    elif isinstance(k, kernels.RowRule) and k.strip is not None:
        attrs = k.strip(attrs, info.in_shapes, a, b, needs(info, a, b))
    return attrs


def macs(info: OpInfo, rows: int | None = None) -> int:
    """Multiply-accumulates (or element operations) of `info`'s op computing
    `rows` output rows (all rows by default): the registry entry's `work`."""
    out, inp = list(info.out_shape), list(info.in_shapes[0]) if info.in_shapes else []
    if rows is not None:
        if len(out) == 4:
            out[1] = rows
        if len(inp) == 4:
            inp[1] = rows
    entry = kernels.get(info.kind)
    if entry is None:
        return _prod(out)
    w = None
    if entry.weighted:
        w = entry.weights_view(info.in_shapes[1]) if entry.weights_view else info.in_shapes[1]
    return entry.work(_prod(out), _prod(inp), w, info.attrs)


def _prod(values) -> int:
    n = 1
    for s in values:
        n *= s
    return n
