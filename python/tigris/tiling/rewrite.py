"""Rewrite a function into the stages of a tiling plan (tigris.tiling.search).

A tiled stage becomes, for each strip of output rows, the same kernels on row
bands: operand rows are `tigris.slice` views, each strip op gets the padding
of its band, and the last op's band goes into the stage output with a row
`tigris.insert` (bufferize lets the producer write there directly). In a
streamed stage every other op keeps its bands in one buffer for the whole
stage (tigris.tiling.stage.band_buffer): new rows are written behind the rows
it keeps, which move to the buffer's head when there is no room. A
channel-split stage becomes one call per group of output channels. The
model's weights and arithmetic are unchanged, so the rewritten function is
bit-exact with the flat one. Every op gets `tigris.stage`.
"""
from __future__ import annotations

from mlir import ir

from tigris.dialects import attr, kernel_op
from tigris.tiling.rows import needs, strip_attrs
from tigris.tiling.search import Problem
from tigris.tiling.bands import bands_by_op, group_bands, keeps_rows, shared_buffers
from tigris.tiling.stage import band_buffer


def _strip_type(info, rows: int) -> ir.RankedTensorType:
    t = ir.RankedTensorType(info.op.results[0].type)
    shape = list(t.shape)
    shape[1] = rows
    return ir.RankedTensorType.get(shape, t.element_type)


def _row_slice(value, lo: int, hi: int, base: int = 0):
    t = ir.RankedTensorType(value.type)
    if lo - base == 0 and hi - lo == t.shape[1]:
        return value
    shape = list(t.shape)
    shape[1] = hi - lo
    return kernel_op("slice", [value], ir.RankedTensorType.get(shape, t.element_type),
                     {"begin": [0, lo - base, 0, 0]}).result


def _padding_only(info, rows: int):
    """A strip of a pad that lies wholly in its padding reads no input row:
    a constant of the pad value (in flash), not a pad of an empty slice."""
    t = _strip_type(info, rows)
    value = ir.DenseElementsAttr.get_splat(
        t, ir.IntegerAttr.get(t.element_type, int(info.attrs["value"])))
    return ir.Operation.create("tosa.const", results=[t], attributes={"values": value},
                               loc=info.op.location).result


def _compute(problem: Problem, band, i: int, made: dict):
    """Op `band.op` computing its rows `band.compute` from row views of its
    operands (bands of the stage's ops starting at op i, or whole values)."""
    k, (c0, c1) = band.op, band.compute
    if c1 <= c0:
        return None
    info = problem.info[k]
    operands, need = [], needs(info, c0, c1)
    if info.kind == "pad" and need[0] is not None and need[0][1] == need[0][0]:
        return _padding_only(info, c1 - c0)
    for v, rows in zip(info.op.operands, need):
        p = problem.position.get(v)
        if rows is None:
            operands.append(v)
        elif p is not None and p >= i:
            sv, first = made[p]
            operands.append(_row_slice(sv, rows[0], rows[1], first))
        else:
            operands.append(_row_slice(v, rows[0], rows[1]))
    attrs = strip_attrs(info, c0, c1)
    # An attribute the strip leaves as it is: the op's own MLIR attribute, not rebuilt.
    attrs = {k: info.op.attributes[k] if v is info.attrs.get(k) else v for k, v in attrs.items()}
    return kernel_op(info.kind, operands, _strip_type(info, c1 - c0), attrs,
                     loc=info.op.location).result


class _Ring:
    """The buffer of one op's bands in a streamed stage, and of the inserts
    writing into them (tiling.stage.band_buffer, tiling.bands.group_bands)."""

    def __init__(self, info, bands):
        rows, layout = band_buffer([b for _, b in bands])
        self.steps = {s: (b, step) for (s, b), step in zip(bands, layout)}
        self.value = kernel_op("empty", [], _strip_type(info, rows), {}).result
        self.first = bands[0][1].rows[0]
        self.strip = -1

    def make_room(self, s: int) -> None:
        """Before strip s computes rows into the buffer (once per strip): move
        the kept rows to the head when the new ones would not fit behind them
        (one contiguous copy within the buffer)."""
        if s == self.strip:
            return
        self.strip = s
        band, (first, shift) = self.steps[s]
        (lo, _), (c0, _) = band.rows, band.compute
        if shift:
            carried = _row_slice(self.value, lo, c0, self.first)
            self.value = kernel_op("insert", [carried, self.value], self.value.type,
                                   {"axis": 1, "offset": 0}).result
        self.first = first

    def put(self, band, new):
        """`band`'s new rows `new` (None: none) written behind the rows kept:
        (the buffer, the output row at its row 0)."""
        if new is not None:
            self.value = kernel_op("insert", [new, self.value], self.value.type,
                                   {"axis": 1, "offset": band.compute[0] - self.first}).result
        return self.value, self.first


def _band_buffers(problem: Problem, strips, i: int, j: int) -> dict:
    """op -> its _Ring, for the ops of a streamed stage (not the last) whose
    bands keep rows from strip to strip; the inserts writing into another
    op's band share its ring. The other ops' bands live within a strip."""
    bands_of = bands_by_op(strips)
    bands_of.pop(j, None)       # the last op writes into the stage output
    into = shared_buffers(problem, strips, i, j)
    groups: dict = {}
    for k in sorted(bands_of):
        root = k
        while root in into:
            root = into[root]
        groups.setdefault(root, []).append(k)
    rings = {}
    for root, members in groups.items():
        bands = group_bands(bands_of, members)
        if not keeps_rows(b for _, b in bands):
            continue
        ring = _Ring(problem.info[root], bands)
        rings.update((k, ring) for k in members)
    return rings


def rewrite(problem: Problem, stage, index: int) -> None:
    i, j, h = stage.first, stage.last, stage.height
    last = problem.ops[j]
    # A last op inserting into a destination made before the stage (column
    # tiles joined along the width) writes its rows there: the destination is
    # the stage output, and each strip's insert takes a row view of it.
    into = problem.in_place(i, j)
    block = last.block
    before = _op_before(block, problem.ops[i]) if into else None
    with ir.InsertionPoint(last), last.location:
        if into:
            dest = last.operands[1]
        else:
            dest = kernel_op("empty", [], last.results[0].type, {}).result
            dest.owner.attributes["tigris.stage"] = attr(index)
            if last.results[0] in problem.slow:
                dest.owner.attributes["tigris.space"] = attr("slow")
        if stage.overlay is not None:
            dest.owner.attributes["tigris.overlay_of"] = attr(buffer_name(stage.overlay))
            dest.owner.attributes["tigris.overlay_delta"] = attr(stage.delta)
            dest.owner.attributes["tigris.overlay_size"] = attr(stage.size)
        made = {}   # op index -> (its latest band value, first row)
        strips = problem.strips(i, j, h, stage.stream)
        rings = _band_buffers(problem, strips, i, j) if stage.stream else {}
        for s, strip in enumerate(strips):
            for band in strip:
                k = band.op
                if k in rings:      # streamed: rows kept in one buffer from strip to strip
                    rings[k].make_room(s)
                    # (an empty's rows are the ring's own: nothing to write)
                    new = None if problem.info[k].kind == "empty" else _compute(problem, band, i, made)
                    made[k] = rings[k].put(band, new)
                    continue
                if k == j and into:
                    info, (c0, c1) = problem.info[j], band.compute
                    p = problem.position.get(last.operands[0])
                    src = made[p] if p is not None and p >= i else (last.operands[0], 0)
                    rows = _row_slice(src[0], c0, c1, src[1])
                    new = kernel_op("insert", [rows, _row_slice(dest, c0, c1)],
                                    _strip_type(info, c1 - c0), dict(info.attrs)).result
                else:
                    new = _compute(problem, band, i, made)
                if k == j:
                    dest = kernel_op("insert", [new, dest], last.results[0].type,
                                     {"axis": 1, "offset": band.compute[0]}).result
                else:
                    made[k] = (new, band.compute[0])
    # The stage output keeps the name of the op it replaces, so overlays of
    # later stages that refer to it by name still find it.
    dest.owner.attributes["tigris.name"] = last.attributes["tigris.name"]
    last.results[0].replace_all_uses_with(dest)
    for k in range(j, i - 1, -1):
        problem.ops[k].erase()
    if into:        # no empty starts the stage: its first op carries the index
        _first_after(block, before).attributes["tigris.stage"] = attr(index)


def _op_before(block, op):
    prev = None
    for o in block.operations:
        if o.operation == op.operation:
            return prev
        prev = o.operation
    return prev


def _first_after(block, anchor):
    """The first tigris op after `anchor` (None: from the block's start)."""
    seen = anchor is None
    for o in block.operations:
        o = o.operation
        if not seen:
            seen = o == anchor
        elif o.name.startswith("tigris."):
            return o
    raise ValueError("no op after the anchor")


def split_rewrite(problem: Problem, stage, index: int) -> None:
    """A channel-split stage: one call per group of output channels, on views
    of the weights and bias (contiguous rows of the constants), with the
    group's multipliers and shifts; each group's output goes into the stage
    output along the channel axis."""
    op, info = problem.ops[stage.first], problem.info[stage.first]
    cout = info.out_shape[-1]
    part = cout // stage.groups
    out_t = ir.RankedTensorType(op.results[0].type)
    rank = len(out_t.shape)
    with ir.InsertionPoint(op), op.location:
        dest = kernel_op("empty", [], out_t, {}).result
        dest.owner.attributes["tigris.stage"] = attr(index)
        if op.results[0] in problem.slow:
            dest.owner.attributes["tigris.space"] = attr("slow")
        for c0 in range(0, cout, part):
            operands = [op.operands[0]]
            for v in list(op.operands)[1:]:
                t = ir.RankedTensorType(v.type)
                shape = [part] + list(t.shape[1:])
                operands.append(kernel_op("slice", [v], ir.RankedTensorType.get(shape, t.element_type),
                                          {"begin": [c0] + [0] * (len(shape) - 1)}).result)
            attrs = dict(info.attrs)
            for key in ("multiplier", "shift"):
                if key in attrs and len(attrs[key]) == cout:
                    attrs[key] = list(attrs[key][c0:c0 + part])
            shape = list(out_t.shape)
            shape[-1] = part
            new = kernel_op(info.kind, operands, ir.RankedTensorType.get(shape, out_t.element_type),
                            attrs, loc=op.location).result
            dest = kernel_op("insert", [new, dest], out_t, {"axis": rank - 1, "offset": c0}).result
    dest.owner.attributes["tigris.name"] = op.attributes["tigris.name"]
    op.results[0].replace_all_uses_with(dest)
    op.erase()


def buffer_name(value) -> str:
    """The planning buffer name of a value (see tigris.irgraph.build_graph)."""
    if isinstance(value, ir.BlockArgument):
        return f"arg{value.arg_number}"
    return ir.StringAttr(value.owner.attributes["tigris.name"]).value


def apply(problem: Problem, plan, func_op) -> None:
    """Rewrite `func_op` (whose ops `problem` indexes) into the stages of `plan`."""
    problem.slow = set(problem.slow) | set(plan.slow_values)
    for index in range(len(plan.stages) - 1, -1, -1):
        stage = plan.stages[index]
        if stage.groups:
            split_rewrite(problem, stage, index)
        elif stage.tiled:
            rewrite(problem, stage, index)
        else:
            op = problem.ops[stage.first]
            op.attributes["tigris.stage"] = attr(index)
            if op.results[0] in problem.slow:
                op.attributes["tigris.space"] = attr("slow")
    args = func_op.regions[0].blocks[0].arguments
    slow_args = [i for i, a in enumerate(args) if a in problem.slow]
    if slow_args:
        func_op.attributes["tigris.slow_args"] = attr(slow_args)
    # Ops the rewrite created carry no stage yet: give them their stage's index.
    current = 0
    for o in func_op.regions[0].blocks[0].operations:
        o = o.operation
        if "tigris.stage" in o.attributes:
            current = ir.IntegerAttr(o.attributes["tigris.stage"]).value
        elif o.name.startswith("tigris."):
            o.attributes["tigris.stage"] = attr(current)
