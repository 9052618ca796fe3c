"""One call from a graph to a complete memory plan: order, lifetimes, offsets."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .graph import Graph, Problem
from .liveness import Storage, lifetimes
from .packing import Packing, pack, verify_packing
from .schedule import Schedule, node_bound, schedule


@dataclass
class MemoryPlan:
    """``schedule`` (its ``order`` is the plan's), ``storages`` (lifetimes in
    that order) and ``packing`` (offsets of the storages in one arena)."""

    schedule: Schedule
    storages: dict[str, Storage]
    packing: Packing

    @property
    def order(self) -> list[str]:
        return self.schedule.order

    @property
    def arena(self) -> int:
        return self.packing.arena

    def buffer_offsets(self) -> dict[str, int]:
        """``{buffer: byte offset}``: every buffer sits at its storage's offset."""
        offs = self.packing.offsets
        return {b: offs[name] for name, st in self.storages.items() for b in st.buffers}

    def scratch_offsets(self) -> dict[str, int]:
        """``{node: byte offset of its scratch}`` for nodes with scratch."""
        offs = self.packing.offsets
        return {st.node: offs[name] for name, st in self.storages.items() if st.kind == "scratch"}


def plan_memory(graph: Graph, alignment: int = 16, inplace: bool = True,
                order: Sequence[str] | None = None, schedule_time: float = 1.0,
                pack_time: float = 2.0, workers: int = 2) -> MemoryPlan:
    """Schedule (unless ``order`` is given), compute lifetimes and pack.

    The scheduler's objective uses the same ``alignment`` as the packing, so
    ``schedule.peak`` is the packing's lower bound. The result is verified.
    """
    if order is None:
        sched = schedule(graph, alignment=alignment, inplace=inplace, time_limit=schedule_time)
    else:
        p = Problem(graph, alignment, inplace)
        pk = p.order_peak(p.indices(order))
        sched = Schedule(list(order), pk, p.order_peak(list(range(p.n))), node_bound(p),
                         "fixed", False)
    st = lifetimes(graph, sched.order, inplace)
    packing = pack(st, alignment=alignment, time_limit=pack_time, workers=workers)
    errors = verify_packing(st, packing.offsets, packing.arena, alignment)
    if errors:  # a bug, not a user error
        raise AssertionError("invalid packing: " + "; ".join(errors[:5]))
    return MemoryPlan(sched, st, packing)
