"""tigris-schedule: reorder the ops of each function to minimize peak live memory."""
from __future__ import annotations

from tigris.dialects import attr
from tigris.irgraph import CONSTANT_OPS, block_of, build_graph, read_scratch
from dataclasses import dataclass

from tigris.passes.registry import Pass, option
from tigris.planning import schedule
from tigris.targets import op_scratch_bytes


@dataclass(frozen=True)
class ScheduleOptions:
    alignment: int = option(16, int, "buffer alignment in bytes used when counting the peak")
    time_limit: float = option(1.0, float, "seconds for the exact search before the beam takes over")
    target: str = option("reference", str, "kernel library whose scratch counts toward the peak")


def run(func_op, options: ScheduleOptions) -> None:
    target = options.target
    g = build_graph(func_op, scratch=lambda op: max(read_scratch(op), op_scratch_bytes(op, target)))
    s = schedule(g.graph, alignment=options.alignment, time_limit=options.time_limit)
    block = block_of(func_op)
    ops = [op.operation for op in block.operations]
    ret = ops[-1]
    first = next((op for op in ops if op.name not in CONSTANT_OPS), ret)
    # Constants first (they dominate every use), then the nodes in schedule order.
    for op in ops:
        if op.name in CONSTANT_OPS:
            op.move_before(first)
    for step, name in enumerate(s.order):
        op = g.ops[name]
        op.move_before(ret)
        op.attributes["tigris.step"] = attr(step)
    func_op.attributes["tigris.schedule"] = attr({
        "peak": s.peak, "given_peak": s.given_peak, "method": s.method,
        "exact": int(bool(s.exact))})


PASS = Pass(
    "tigris-schedule",
    "Reorder ops into a memory-aware topological order (exact search over ready sets for "
    "small graphs, beam beyond; never worse than the input order); sets tigris.step",
    run, ScheduleOptions)
