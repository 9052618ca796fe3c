"""Column tiles: a chain of windowed ops computed as narrower chains, one per
band of output columns, each on a column window of the chain's input.

A row strip keeps a whole row of every op of a streamed chain in fast
memory; on a wide image (64 pixels x 64 channels: 4 KiB a row) a 3 x 3
window holds three of them per op, and a chain that would save a large
tensor's trip through the slow pool does not fit a small budget. Split into
column tiles, every op's rows are narrower by the number of tiles (plus the
halo columns its windows add), so the same chain fits; each tile is an
ordinary chain the stage search then plans (its own stages, strips and slow
placements), and the tiles' outputs are joined along the width with
`tigris.insert`.

Each op of a tile computes exactly the output columns the next needs, from
exactly the input columns it reads (`column_needs`, the width twin of
tigris.tiling.rows.needs), with the padding moved to where the tile touches
a real border: every output element reads the same inputs with the same
arithmetic, so the tiled function is bit-exact with the original. Halo
columns are computed by both tiles that need them (a few percent more MACs
on a wide layer).
"""
from __future__ import annotations

from mlir import ir

from tigris import kernels
from tigris.dialects import kernel_op
from tigris.irgraph import compute_ops
from tigris.tiling.rows import OpInfo, pads_ok, streamable, window

COLUMN_KINDS = ("conv2d", "depthwise_conv2d", "avg_pool", "max_pool", "lut")


def column_needs(info: OpInfo, a: int, b: int) -> tuple[int, int, int, int]:
    """(lo, hi, pad left, pad right): the input columns [lo, hi) op `info`
    reads for its output columns [a, b), and the padding the op computing
    exactly those columns from exactly those inputs takes (an elementwise op:
    the same columns, no padding)."""
    if kernels.REGISTRY[info.kind].rows != "window":
        return a, b, 0, 0
    (lo, hi), left, right = window(info, a, b, axis=1)
    return lo, hi, left, right


def _splittable(info: OpInfo) -> bool:
    return info.kind in COLUMN_KINDS and streamable(info)


def _links(before: OpInfo, after: OpInfo) -> bool:
    """Whether `after` reads `before`'s result as its input, and nothing else does."""
    uses = list(before.op.results[0].uses)
    return after.op.operands[0] == before.op.results[0] and len(uses) == 1 \
        and uses[0].owner == after.op


def chain_ok(infos: list[OpInfo]) -> bool:
    """Whether ops infos[0..] (consecutive in the schedule) form a chain a
    column split can take: windowed (or lookup-table) ops on NHWC int8, each
    reading the one before as its input and used by nothing else, their
    other operands (weights, tables) made outside the chain."""
    made = {info.op.results[0] for info in infos}
    return all(_splittable(info) and not any(v in made for v in list(info.op.operands)[1:])
               for info in infos) and \
        all(_links(a, b) for a, b in zip(infos, infos[1:]))


def tile_columns(width: int, tiles: int) -> list[tuple[int, int]]:
    """`tiles` bands of output columns as even as can be."""
    cuts = [round(t * width / tiles) for t in range(tiles + 1)]
    return [(cuts[t], cuts[t + 1]) for t in range(tiles) if cuts[t + 1] > cuts[t]]


def _narrow(value_type, width: int) -> ir.RankedTensorType:
    t = ir.RankedTensorType(value_type)
    shape = list(t.shape)
    shape[2] = width
    return ir.RankedTensorType.get(shape, t.element_type)


def _tile_plan(infos: list[OpInfo], a: int, b: int):
    """(per op: (first column, end column, pad left, pad right), first input
    column, end input column) of the tile computing output columns [a, b) of
    the chain; None when some op would compute or read no column, or a pool
    would pad more columns than it reads."""
    wanted = [(a, b, 0, 0)] * len(infos)
    for n in range(len(infos) - 1, -1, -1):
        lo, hi, left, right = column_needs(infos[n], wanted[n][0], wanted[n][1])
        if hi <= lo:
            return None
        if not pads_ok(infos[n], wanted[n][0], wanted[n][1], axis=1):
            return None
        wanted[n] = (wanted[n][0], wanted[n][1], left, right)
        if n:
            wanted[n - 1] = (lo, hi, 0, 0)
    return wanted, lo, hi


def split_columns(func_op, first: int, last: int, tiles: int) -> bool:
    """Rewrite compute ops first..last of `func_op` (a chain: `chain_ok`) into
    `tiles` column tiles joined by inserts; False (nothing changed) when the
    chain does not qualify or its output is narrower than `tiles`."""
    ops = compute_ops(func_op)
    infos = [OpInfo.of(op) for op in ops[first:last + 1]]
    if not chain_ok(infos):
        return False
    out_width = infos[-1].out_shape[2]
    if out_width < tiles or tiles < 2:
        return False
    plans = [_tile_plan(infos, a, b) for a, b in tile_columns(out_width, tiles)]
    if any(p is None for p in plans):
        return False        # a tile whose window lies wholly in some op's padding
    end = ops[last]
    x = ops[first].operands[0]
    with ir.InsertionPoint(end), end.location:
        dest = kernel_op("empty", [], end.results[0].type, {}).result
        for (a, _), (wanted, lo, hi) in zip(tile_columns(out_width, tiles), plans):
            value = x
            if (lo, hi) != (0, infos[0].in_shapes[0][2]):
                value = kernel_op("slice", [x], _narrow(x.type, hi - lo),
                                  {"begin": [0, 0, lo, 0]}).result
            for info, (c0, c1, left, right) in zip(infos, wanted):
                attrs = dict(info.attrs)
                if kernels.REGISTRY[info.kind].rows == "window":
                    attrs["pad"] = [attrs["pad"][0], attrs["pad"][1], left, right]
                attrs = {k: info.op.attributes[k] if v is info.attrs.get(k) else v
                         for k, v in attrs.items()}
                value = kernel_op(info.kind, [value] + list(info.op.operands)[1:],
                                  _narrow(info.op.results[0].type, c1 - c0), attrs,
                                  loc=info.op.location).result
            dest = kernel_op("insert", [value, dest], end.results[0].type,
                             {"axis": 2, "offset": a}).result
    dest.owner.attributes["tigris.name"] = end.attributes["tigris.name"]
    end.results[0].replace_all_uses_with(dest)
    for op in reversed(ops[first:last + 1]):
        op.erase()
    return True


MAX_EXTRA_MACS = 0.02   # a split's halo columns: at most this share of the model's MACs


def extra_macs(problem, first: int, last: int, tiles: int) -> int:
    """MACs the halo columns of a split of ops first..last add (each op's
    MACs are proportional to the output columns it computes)."""
    infos = problem.info[first:last + 1]
    extra = 0
    for a, b in tile_columns(infos[-1].out_shape[2], tiles):
        lo, hi = a, b
        for n in range(len(infos) - 1, -1, -1):
            width = infos[n].out_shape[2]
            extra += problem.flat_macs[first + n] * ((hi - lo) - (b - a) * width
                                                     / infos[-1].out_shape[2]) / width
            lo, hi, _, _ = column_needs(infos[n], lo, hi)
    return int(extra)


def column_candidates(problem, budget: int, tiles: int = 2) -> list[tuple[int, int, int]]:
    """(first, last, tiles) splits worth a search: per maximal chain
    (`chain_ok`) of ops `problem` schedules, the longest one ending where the
    chain narrows (a strided op) whose halo columns stay within
    MAX_EXTRA_MACS, holding a tensor larger than `budget` (one that cannot
    stay whole in fast memory)."""
    ops, info = problem.ops, problem.info
    total = sum(problem.flat_macs)
    out = []
    k = 0
    while k < len(ops):
        m = k
        while m + 1 < len(ops) and _splittable(info[m + 1]) and _links(info[m], info[m + 1]):
            m += 1
        if m > k and chain_ok(info[k:m + 1]):
            best = None
            for b in range(k + 1, m + 1):
                if info[b].out_shape[2] >= info[b].in_shapes[0][2]:
                    continue        # not where the chain narrows
                if info[b].out_shape[2] < tiles:
                    break
                if extra_macs(problem, k, b, tiles) > MAX_EXTRA_MACS * total:
                    break
                if max(problem.result_bytes[k:b]) > budget:
                    best = (k, b, tiles)
            if best is not None:
                out.append(best)
        k = m + 1
    return out
