"""The stages of a planned function, one record each, for `tigris analyze -v`.

Read from the IR after tigris-tile and the memory passes: every kernel op
carries `tigris.stage` (tigris/tiling/rewrite.py); a strip or channel-group op
keeps the location of the model op it computes part of. A stage is

- flat: one model op, one call;
- strips: the model ops of the stage computed band by band of output rows,
  each band written into the stage output by a row `tigris.insert`;
- streamed: strips that carry the rows an earlier strip computed (a strip
  sized `tigris.insert` into a band buffer);
- channel groups: one call per group of output channels, inserted on the
  channel axis.

A function without `tigris.stage` (not tiled) has one flat stage per op.
"""
from __future__ import annotations

from mlir import ir

from tigris.dialects import attr_value
from tigris.irgraph import compute_ops, loc_name, tensor_shape
from tigris.tiling.rows import MOVES, OpInfo, macs

# Kernel ops that only move bytes between a stage's bands (not model work).
_PLUMBING = tuple(f"tigris.{kind}" for kind in MOVES)



def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def stage_table(func_op, alignment: int = 16) -> list[dict]:
    """One dict per stage: stage, strategy, strips, steps ([first, last] plan step),
    strip_height, groups, ops (model
    ops), calls, first/last (node names), fast/slow (peak bytes live in each pool
    during the stage), macs (executed)."""
    func_op = getattr(func_op, "operation", func_op)
    fa = func_op.attributes
    ops = compute_ops(func_op)
    table = attr_value(fa["tigris.buffers"]) if "tigris.buffers" in fa else {}
    slow_names = set(attr_value(fa["tigris.slow_buffers"])) \
        if "tigris.slow_buffers" in fa else set()
    steps = max((int(v[2]) for v in table.values()), default=-1) + 1
    fast_live, slow_live = [0] * steps, [0] * steps
    pieces = attr_value(fa["tigris.buffer_pieces"]) if "tigris.buffer_pieces" in fa else {}
    for name, (size, birth, death) in table.items():
        live = slow_live if name in slow_names else fast_live
        if name in pieces:      # only these rectangles of it are occupied
            for off, psize, pb, pd in pieces[name]:
                for t in range(int(pb), int(pd) + 1):
                    live[t] += _align(int(off) + int(psize), alignment) - \
                        int(off) // alignment * alignment
            continue
        for t in range(int(birth), int(death) + 1):
            live[t] += _align(int(size), alignment)
    staged = any("tigris.stage" in op.attributes for op in ops)
    groups: dict[int, list[tuple[int, object]]] = {}
    for step, op in enumerate(ops):
        if staged:
            key = ir.IntegerAttr(op.attributes["tigris.stage"]).value \
                if "tigris.stage" in op.attributes else -1
        else:
            key = step
        groups.setdefault(key, []).append((step, op))
    rows = []
    for index in sorted(groups):
        members = groups[index]
        work = [op for _, op in members if op.name not in _PLUMBING]
        work_only = bool(work)
        if not work:
            work = [op for _, op in members]
        names = list(dict.fromkeys(loc_name(op) for op in work))
        out_shape = tensor_shape(members[-1][1].results[0])
        inserts = [op for _, op in members if op.name == "tigris.insert"]
        rank = len(out_shape)

        def axis(op) -> int:
            return int(attr_value(op.attributes["axis"]))
        # rows are axis 1 of a 4-D (NHWC) tensor; channels the last axis
        channel = [op for op in inserts if axis(op) == rank - 1]
        rows_in = [op for op in inserts if rank == 4 and axis(op) == 1]
        row_out = [op for op in rows_in if tensor_shape(op.results[0]) == out_shape]
        carried = [op for op in rows_in if tensor_shape(op.results[0]) != out_shape]
        strips = height = n_groups = None
        if row_out:     # (a strip stage may build a concat: channel inserts too)
            strategy = "streamed" if carried else "strips"
            strips = len(row_out)
            height = max(tensor_shape(op.operands[0])[1] for op in row_out)
        elif channel:
            strategy, n_groups = "channel groups", len(channel)
        else:
            strategy = "flat"
        stage_steps = [s for s, _ in members if s < steps]
        total = 0       # model arithmetic: a stage of plumbing only does none
        for op in work if work_only else ():
            try:
                total += macs(OpInfo.of(op))
            except (KeyError, ValueError, TypeError, IndexError):
                pass
        rows.append({
            "stage": index if staged else len(rows), "strategy": strategy, "strips": strips,
            "steps": [members[0][0], members[-1][0]],
            "strip_height": height, "groups": n_groups, "ops": max(len(names), 1),
            "calls": len(work), "first": names[0] if names else "",
            "last": names[-1] if names else "",
            "kinds": list(dict.fromkeys(op.name.split(".", 1)[1] for op in work)),
            "fast": max((fast_live[s] for s in stage_steps), default=0),
            "slow": max((slow_live[s] for s in stage_steps), default=0),
            "macs": total})
    return rows


__all__ = ["stage_table"]
