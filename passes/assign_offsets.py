"""tigris-assign-offsets: pack the live buffers into one arena with byte offsets.

Uses the lifetimes tigris-liveness recorded (a buffer with pieces,
`tigris.buffer_pieces`, occupies only those, at their offsets from its
own). The lower bound is the largest
sum of (aligned) sizes live at one step; a best-fit heuristic runs first and
an exact CP-SAT search (time-limited) only when the heuristic is above the
bound. Records `tigris.offset` on every producer (the offset of its buffer),
`tigris.scratch_offset` on kernels with scratch, and on the function
`tigris.offsets` and `tigris.arena = {size, bound, gap, method, optimal}`.
A pool larger than the module's budget (tigris-configure), or than the budget
tigris-tile said the function fits, fails the pass.
"""
from __future__ import annotations

from mlir import ir

from tigris.dialects import attr, attr_value
from tigris.irgraph import compute_ops, node_name
from dataclasses import dataclass

from tigris.passes.registry import Pass, PassError, module_config, option
from tigris.planning import pack, verify_packing


@dataclass(frozen=True)
class AssignOffsetsOptions:
    alignment: int = option(16, int, "byte alignment of every buffer (power of two)")
    time_limit: float = option(2.0, float, "seconds for the exact search")


def run(func_op, options: AssignOffsetsOptions) -> None:
    if "tigris.buffers" not in func_op.attributes:
        raise PassError("tigris-assign-offsets needs lifetimes: run tigris-liveness first",
                        func_op.location)
    table = attr_value(func_op.attributes["tigris.buffers"])
    pieces = attr_value(func_op.attributes["tigris.buffer_pieces"]) \
        if "tigris.buffer_pieces" in func_op.attributes else {}
    align = options.alignment
    if align <= 0 or align & (align - 1):
        raise PassError(f"alignment must be a power of two, got {align}", func_op.location)
    slow_names = set()
    if "tigris.slow_buffers" in func_op.attributes:
        slow_names = {ir.StringAttr(a).value for a in ir.ArrayAttr(func_op.attributes["tigris.slow_buffers"])}
    pools = {}
    for pool, members in (("fast", {n: tuple(v) for n, v in table.items() if n not in slow_names}),
                          ("slow", {n: tuple(v) for n, v in table.items() if n in slow_names})):
        if not members:
            continue
        mine = {n: p for n, p in pieces.items() if n in members}
        packed = pack(members, alignment=align, time_limit=options.time_limit, pieces=mine)
        problems = verify_packing(members, packed.offsets, packed.arena, align, mine)
        if problems:
            raise PassError(f"internal error: packing overlaps: {problems[0]}", func_op.location)
        pools[pool] = packed
    if "fast" not in pools:
        pools["fast"] = pack({}, alignment=align)
    p = pools["fast"]
    offsets = dict(p.offsets)
    if "slow" in pools:
        offsets.update(pools["slow"].offsets)
        s = pools["slow"]
        func_op.attributes["tigris.slow_arena"] = attr({
            "size": s.arena, "bound": s.bound, "gap": s.arena - s.bound,
            "method": s.method, "optimal": int(bool(s.optimal))})
    for op in compute_ops(func_op):
        op.attributes["tigris.offset"] = attr(offsets[ir.StringAttr(op.attributes["tigris.buffer"]).value])
        scratch = f"scratch:{node_name(op)}"
        if scratch in offsets:
            op.attributes["tigris.scratch_offset"] = attr(offsets[scratch])
    _check_budget(func_op, p.arena, pools["slow"].arena if "slow" in pools else 0)
    func_op.attributes["tigris.offsets"] = attr(dict(sorted(offsets.items())))
    func_op.attributes["tigris.arena"] = attr({
        "size": p.arena, "bound": p.bound, "gap": p.arena - p.bound, "method": p.method,
        "optimal": int(bool(p.optimal)), "alignment": align})


def _check_budget(func_op, fast: int, slow: int) -> None:
    """The plan against the module's budget (tigris-configure), or else against the
    budget tigris-tile said it fits (tigris.tiling fits = 1)."""
    config = module_config(func_op)
    budget = config.get("tigris.budget")
    if budget is not None and fast > budget:
        raise PassError(f"the fast pool needs {fast} bytes, over the budget of {budget} bytes "
                        "(tigris.budget)", func_op.location)
    tiling = attr_value(func_op.attributes["tigris.tiling"]) \
        if "tigris.tiling" in func_op.attributes else {}
    if budget is None and tiling.get("fits") == 1 and fast > tiling["budget"]:
        raise PassError(f"the fast pool needs {fast} bytes, over the budget of "
                        f"{tiling['budget']} bytes tigris-tile planned for (did a later pass use "
                        "another target or alignment? tigris-configure sets them once)",
                        func_op.location)
    limit = config.get("tigris.slow")
    if limit is not None and slow > limit:
        raise PassError(f"the slow pool needs {slow} bytes, over the {limit} bytes of "
                        "tigris.slow", func_op.location)


PASS = Pass(
    "tigris-assign-offsets",
    "Pack buffers into one arena (byte offsets, aligned): best fit, then CP-SAT when above "
    "the lower bound; records offsets and arena/bound/gap",
    run, AssignOffsetsOptions)
