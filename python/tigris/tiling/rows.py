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

from tigris.dialects import op_attrs

# Ops whose output rows depend on a bounded window of input rows.
STREAMABLE = {"conv2d", "depthwise_conv2d", "max_pool", "avg_pool", "lut", "add", "mul", "pad",
              "resize", "insert", "empty", "slice"}


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


def streamable(info: OpInfo) -> bool:
    """Whether the op can compute any band of its output rows on its own."""
    k = info.kind
    if k not in STREAMABLE or len(info.op.results) != 1:
        return False
    out = info.out_shape
    if len(out) != 4 or out[0] != 1:
        return False
    a = info.attrs
    if k == "insert" and a["axis"] in (0, 1):
        return False
    if k == "slice" and a["begin"][0] != 0:
        return False
    if k == "pad" and (a["pad"][0] or a["pad"][4]):
        return False
    activations = info.in_shapes[:1] if k in ("conv2d", "depthwise_conv2d") else info.in_shapes
    return all(len(sh) == 4 for sh in activations)


def _window(a: int, b: int, k: int, s: int, d: int, pad_top: int, height: int):
    r0 = a * s - pad_top
    r1 = (b - 1) * s - pad_top + (k - 1) * d + 1
    return (max(r0, 0), min(r1, height)), max(0, -r0), max(0, r1 - height)


def kernel_height(info: OpInfo) -> tuple[int, int, int, int]:
    """(kernel rows, stride, dilation, pad top) of a windowed op."""
    k = info.kind
    a = info.attrs
    if k == "conv2d":
        kh = info.in_shapes[1][1]
    elif k == "depthwise_conv2d":
        kh = info.in_shapes[1][0]
    else:
        kh = a["kernel"][0]
    dil = a.get("dilation", [1, 1])[0]
    return kh, a["stride"][0], dil, a["pad"][0]


def needs(info: OpInfo, a: int, b: int) -> list[tuple[int, int] | None]:
    """Rows [lo, hi) of each operand needed for output rows [a, b); None = not
    row-sliced (weights, bias, broadcast operands read whole)."""
    k = info.kind
    attrs = info.attrs
    if k in ("conv2d", "depthwise_conv2d", "max_pool", "avg_pool"):
        kh, s, d, pt = kernel_height(info)
        rows, _, _ = _window(a, b, kh, s, d, pt, info.in_shapes[0][1])
        return [rows] + [None] * (len(info.in_shapes) - 1)
    if k in ("lut", "add", "mul", "insert"):
        out_h = info.out_shape[1]
        return [(a, b) if sh[1] == out_h else None for sh in info.in_shapes]
    if k == "pad":
        pt = attrs["pad"][1]
        h = info.in_shapes[0][1]
        return [(min(max(a - pt, 0), h), min(max(b - pt, 0), h))]
    if k == "resize":
        y0, y1 = attrs["y_index0"][a:b], attrs["y_index1"][a:b]
        return [(min(y0 + y1), max(y0 + y1) + 1)]
    if k == "slice":
        c = attrs["begin"][1]
        return [(a + c, b + c)]
    if k == "empty":
        return []
    raise ValueError(f"'{k}' is not row-streamable")


def strip_attrs(info: OpInfo, a: int, b: int) -> dict:
    """Attributes of the kernel computing output rows [a, b) from the operand
    rows `needs` returned."""
    k = info.kind
    attrs = dict(info.attrs)
    if k in ("conv2d", "depthwise_conv2d", "max_pool", "avg_pool"):
        kh, s, d, pt = kernel_height(info)
        _, top, bottom = _window(a, b, kh, s, d, pt, info.in_shapes[0][1])
        attrs["pad"] = [top, bottom, attrs["pad"][2], attrs["pad"][3]]
    elif k == "pad":
        pt = attrs["pad"][1]
        h = info.in_shapes[0][1]
        pad = list(attrs["pad"])
        pad[1] = max(0, min(pt, b) - a)               # output rows above the input
        pad[5] = max(0, b - max(a, pt + h))           # output rows below it
        attrs["pad"] = pad
    elif k == "resize":
        lo = needs(info, a, b)[0][0]
        attrs["y_index0"] = [v - lo for v in attrs["y_index0"][a:b]]
        attrs["y_index1"] = [v - lo for v in attrs["y_index1"][a:b]]
        attrs["y_weight"] = list(attrs["y_weight"][a:b])
    elif k == "slice":
        begin = list(attrs["begin"])
        begin[1] = 0
        attrs["begin"] = begin
    return attrs


def macs(info: OpInfo, rows: int | None = None) -> int:
    """Multiply-accumulates (or element operations) of `info`'s op computing
    `rows` output rows (all rows by default)."""
    k = info.kind
    out = list(info.in_shapes[0] if k == "insert" else info.out_shape)   # an insert copies its input
    if rows is not None and len(out) == 4:
        out[1] = rows
    n = 1
    for s in out:
        n *= s
    if k == "conv2d":
        w = info.in_shapes[1]
        return n * w[1] * w[2] * w[3]
    if k == "depthwise_conv2d":
        w = info.in_shapes[1]
        return n * w[0] * w[1]
    if k == "fully_connected":
        return n * info.in_shapes[1][-1]
    if k in ("max_pool", "avg_pool"):
        kk = info.attrs["kernel"]
        return n * kk[0] * kk[1]
    if k == "global_avg_pool":
        inp = info.in_shapes[0]
        return inp[1] * inp[2] * inp[3]
    return n
