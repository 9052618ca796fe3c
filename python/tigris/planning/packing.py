"""Offsets for storages with fixed lifetimes: heuristics, CP-SAT, baselines.

Storages whose lifetimes (inclusive step ranges) intersect must occupy
disjoint byte ranges. Sizes are rounded up to ``alignment`` and offsets are
multiples of it; internally everything is counted in alignment units.

A storage may be given as ``pieces``: rectangles ``[offset, size, birth,
death]`` at fixed byte offsets from the storage's own offset, disjoint in
time (a buffer whose needed bytes change over its life, e.g. a stage output
written over its input: tigris.bufferization.buffer_lifetimes). Only the
pieces occupy memory; its (size, birth, death) entry is their bounding box,
and its offset is that of the box.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field, replace

from .graph import align_up
from .liveness import as_triples, lower_bound


@dataclass
class Packing:
    """Result of :func:`pack` (and of the baselines).

    ``offsets``: ``{storage: byte offset}``; ``arena``: bytes used;
    ``bound``: the lower bound (max live bytes at a step); ``gap``:
    ``arena - bound``; ``method``: what produced the offsets (a heuristic's
    name, ``"cp-sat"`` or ``"tflm-greedy"``); ``optimal``: proven minimal
    (reached the bound, or CP-SAT proved it); ``heuristic_arena``: best
    heuristic arena before the solver; ``solver_seconds``: CP-SAT wall time
    (0 when not run); ``solver_status``: CP-SAT's status name or ``""``.
    """

    offsets: dict[str, int]
    arena: int
    bound: int
    method: str
    optimal: bool
    alignment: int = 16
    heuristic_arena: int = 0
    solver_seconds: float = 0.0
    solver_status: str = ""
    seconds: float = 0.0
    tried: dict[str, int] = field(default_factory=dict)

    @property
    def gap(self) -> int:
        return self.arena - self.bound


def _parts(pieces, alignment: int) -> list[tuple[int, int, int, int]]:
    """Pieces in alignment units: (first unit, units, birth, death), each
    widened to the units its bytes touch."""
    out = []
    for off, size, birth, death in pieces:
        if size <= 0:
            continue
        lo = int(off) // alignment
        out.append((lo, -(-(int(off) + int(size)) // alignment) - lo, int(birth), int(death)))
    return out


class _Items:
    """Storages in alignment units, with their time-overlap lists. ``rel[i]``:
    for each storage j overlapping i in time, ``(j, a, b)`` such that
    whenever j is placed at ``off[j]`` the offsets of i's box that some
    piece of j forbids are those in ``(off[j] + a - size[i], off[j] + b)``
    (a plain pair: ``a = 0, b = size[j]``)."""

    def __init__(self, storages, alignment: int, pieces=None):
        trip = as_triples(storages)
        self.alignment = alignment
        self.zero = [name for name, size, _, _ in trip if size <= 0]
        trip = [t for t in trip if t[1] > 0]
        self.names = [t[0] for t in trip]
        self.size = [align_up(t[1], alignment) // alignment for t in trip]
        self.birth = [t[2] for t in trip]
        self.death = [t[3] for t in trip]
        pieces = pieces or {}
        self.parts = [(_parts(pieces[t[0]], alignment) or None) if t[0] in pieces else None
                      for t in trip]
        n = len(trip)
        for i in range(n):
            if self.parts[i] is not None:
                self.size[i] = max(self.size[i], max(r + s for r, s, _, _ in self.parts[i]))
        # sweep by birth to build the overlap lists
        byb = sorted(range(n), key=lambda i: self.birth[i])
        self.over = [[] for _ in range(n)]
        active: list[int] = []
        for i in byb:
            b = self.birth[i]
            active = [j for j in active if self.death[j] >= b]
            for j in active:
                self.over[i].append(j)
                self.over[j].append(i)
            active.append(i)
        self.n = n
        self.rel = [[(j, 0, self.size[j]) for j in self.over[i]] for i in range(n)]
        for i in range(n):
            if self.parts[i] is None and all(self.parts[j] is None for j in self.over[i]):
                continue
            self.rel[i] = [(j, rj - ri - si + self.size[i], rj + sj - ri)
                           for j in self.over[i]
                           for ri, si, bi, di in self.pieces(i)
                           for rj, sj, bj, dj in self.pieces(j) if bi <= dj and bj <= di]
        steps = max(self.death, default=-1) + 1
        load = [0] * (steps + 1)
        for i in range(n):
            for _, s, b, d in self.pieces(i):
                load[b] += s
                load[d + 1] -= s
        acc, prof = 0, []
        for t in range(steps):
            acc += load[t]
            prof.append(acc)
        self.profile = prof
        self.bound = max(prof, default=0)

    def pieces(self, i: int) -> list[tuple[int, int, int, int]]:
        """Storage i's rectangles: (first unit, units, birth, death)."""
        if self.parts[i] is None:
            return [(0, self.size[i], self.birth[i], self.death[i])]
        return self.parts[i]

    def result(self, off_units: list[int]) -> dict[str, int]:
        a = self.alignment
        offs = {name: o * a for name, o in zip(self.names, off_units)}
        for name in self.zero:
            offs[name] = 0
        return offs


def _place(items: _Items, order, mode: str = "first", cap: int = 0,
           limit: int | None = None, rng: random.Random | None = None):
    """Place storages one by one in ``order`` among the placed storages they
    overlap in time. ``mode``: ``"first"`` the lowest gap that fits,
    ``"best"`` the tightest, ``"wall"`` the lowest or the highest position
    under ``cap`` (the target arena), whichever touches a wall (0 or cap) or
    else a neighbour dying closest to the storage's own death, ``"random"``
    one of those two at random. Returns (offsets, arena) in units, or
    (None, arena) as soon as the arena exceeds ``limit``."""
    size, rel, death = items.size, items.rel, items.death
    off = [-1] * items.n
    arena = 0
    two_ended = mode in ("wall", "random")
    for i in order:
        si = size[i]
        # (a, b, j): i's box may not start in (a - si, b); a > b when the
        # pieces leave room inside i's box (the gap search below stays valid).
        spans = sorted((off[j] + a, off[j] + b, j) for j, a, b in rel[i] if off[j] >= 0)
        cand, pick, pick_gap, high = 0, -1, None, -1
        for a, b, _ in spans:
            if a - cand >= si:
                g = a - cand
                if pick < 0 or (mode == "best" and g < pick_gap):
                    pick, pick_gap = cand, g
                    if mode == "first":
                        break
                if two_ended and min(a, cap) - cand >= si:
                    high = min(a, cap) - si
            if b > cand:
                cand = b
        if pick < 0:
            pick = cand
        if two_ended and cap - cand >= si:
            high = cap - si
        if two_ended and high > pick:
            if mode == "random":
                if rng.random() < 0.5:
                    pick = high
            elif _wall_score(items, spans, high, si, cap, death[i]) < \
                    _wall_score(items, spans, pick, si, cap, death[i]):
                pick = high
        off[i] = pick
        if pick + si > arena:
            arena = pick + si
            if limit is not None and arena > limit:
                return None, arena
    return off, arena


def _wall_score(items: _Items, spans, pos: int, si: int, cap: int, death: int) -> int:
    """0 against a wall, else how far apart in death time the storage and its
    closest-dying adjacent neighbour are (lower is better)."""
    if pos == 0 or pos + si == cap:
        return 0
    best = 1 << 40
    for a, b, j in spans:
        if b == pos or a == pos + si:
            d = abs(items.death[j] - death)
            if d < best:
                best = d
    return best


def _orderings(items: _Items):
    """Named placement orders tried by the heuristic."""
    n = range(items.n)
    size, birth, death, prof = items.size, items.birth, items.death, items.profile
    length = [death[i] - birth[i] + 1 for i in n]
    # the load a storage sees at its most crowded step: crowded ones first
    crowd = [max(prof[birth[i]:death[i] + 1]) for i in n]
    return {
        "size": sorted(n, key=lambda i: (-size[i], birth[i])),
        "crowd-size": sorted(n, key=lambda i: (-crowd[i], -size[i], birth[i])),
        "area": sorted(n, key=lambda i: (-size[i] * length[i], birth[i])),
        "length": sorted(n, key=lambda i: (-length[i], -size[i], birth[i])),
        "birth": sorted(n, key=lambda i: (birth[i], -length[i])),
        "crowd-length": sorted(n, key=lambda i: (-crowd[i], -length[i], -size[i])),
    }


# Randomized restarts stop when restarts * n^2 would pass this (about 0.2 s).
RESTART_WORK = 4_000_000


def _heuristic(items: _Items, restarts: int, seed: int = 0):
    """Best of several orderings x placement modes, then randomized
    two-ended placements (orderings perturbed) until the bound or ``restarts``
    attempts (fewer for many storages: each attempt costs about n^2). No clock:
    the same storages always give the same offsets."""
    tried: dict[str, int] = {}
    cap = items.bound
    best_arena, best_off, best_label = None, None, None
    orders = _orderings(items)
    for mode in ("first", "best", "wall"):
        for name, order in orders.items():
            off, arena = _place(items, order, mode, cap, best_arena)
            label = f"{name}/{mode}"
            tried[label] = arena
            if off is not None and (best_arena is None or arena < best_arena):
                best_arena, best_off, best_label = arena, off, label
            if best_arena == cap:
                return best_arena, best_off, best_label, tried
    rng = random.Random(seed)
    base = list(orders.values())
    restarts = min(restarts, max(8, RESTART_WORK // max(1, items.n * items.n)))
    for r in range(restarts):
        if best_arena == cap:
            break
        order = base[r % len(base)]
        if r >= len(base):
            order = list(order)
            for _ in range(rng.randint(1, max(1, len(order) // 8))):
                a = rng.randrange(len(order))
                b = min(len(order) - 1, max(0, a + rng.randint(-3, 3)))
                order[a], order[b] = order[b], order[a]
        off, arena = _place(items, order, "random", cap, best_arena - 1, rng)
        if off is not None:
            best_arena, best_off, best_label = arena, off, "randomized"
            tried["randomized"] = arena
    return best_arena, best_off, best_label, tried


# CP-SAT deterministic time units per second of `time_limit`: one worker does
# about 0.13 units a second on the 2-core reference machine (0.5 units took
# 3.9 s on a 205-storage packing), so 0.25 keeps a limit of 2 s near 4 s.
DETERMINISTIC_PER_SECOND = 0.25


def _cpsat(items: _Items, ub: int, time_limit: float, workers: int, share: float = 1.0):
    """Exact packing by CP-SAT: 2D no-overlap, x fixed to the lifetimes, the
    arena at most `ub`; `share` of the deterministic time of `time_limit`."""
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    lb = items.bound
    ys, xi, yi = [], [], []
    for i in range(items.n):
        s = items.size[i]
        y = m.new_int_var(0, ub - s, f"y{i}")
        ys.append(y)
        for k, (r, ps, b, d) in enumerate(items.pieces(i)):
            xi.append(m.new_fixed_size_interval_var(b, d - b + 1, f"x{i}.{k}"))
            yi.append(m.new_fixed_size_interval_var(y + r, ps, f"yi{i}.{k}"))
    arena = m.new_int_var(lb, ub, "arena")
    for i in range(items.n):
        m.add(ys[i] + items.size[i] <= arena)
    m.add_no_overlap_2d(xi, yi)
    m.minimize(arena)
    solver = cp_model.CpSolver()
    # Deterministic: the same storages give the same offsets on any machine and
    # under any load (a plan is a build artifact). The limit is CP-SAT's
    # deterministic time; `workers` > 1 search in interleaved mode, which is
    # deterministic too (and slower per unit). Wall-clock only as a safety stop.
    solver.parameters.max_deterministic_time = DETERMINISTIC_PER_SECOND * float(time_limit) * share
    solver.parameters.max_time_in_seconds = (20.0 * float(time_limit) + 5.0) * share
    solver.parameters.num_workers = int(workers)
    solver.parameters.interleave_search = int(workers) > 1
    status = solver.solve(m)
    name = solver.status_name(status)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        offs = [solver.value(y) for y in ys]
        return offs, int(solver.value(arena)), name, status == cp_model.OPTIMAL
    return None, None, name, False


# Shares of the exact search's deterministic time the capped probes use
# (_exact): the probe at the lower bound, each step up from it (at most
# five); the probe just below the best arena known gets the rest.
PROBE_BOUND, PROBE_STEP, PROBE_STEPS = 0.2, 0.02, 5


def _exact(items: _Items, ub: int, time_limit: float, workers: int):
    """(offsets or None, arena, status, proven) of the exact search, in
    probes: the model with the arena capped below the heuristic's `ub` (every
    offset's domain ends at cap - size), which CP-SAT's presolve usually
    settles at once near the optimum (a cap below it: infeasible; at or above
    it: the optimum), where the model capped at `ub` and hinted with the
    heuristic (the former single search) can search for seconds: 3 s against
    0.1 s on a U-Net look-alike's 866 storages. Caps: the lower bound, then
    up from it (2, 6, 14, 30, 62 above), then the rest of the time just
    below the best arena known. The same deterministic time in all as the
    former search."""
    lo, hi, best = items.bound, ub, None      # the optimum is in [lo, hi]
    cap, step, steps, used = lo, 1, 0, 0.0
    while lo < hi and steps < PROBE_STEPS:
        share = PROBE_BOUND if cap == items.bound else PROBE_STEP
        used += share
        off, a, status, proven = _cpsat(items, cap, time_limit, workers, share)
        if proven:
            return off, a, status, True
        if status == "INFEASIBLE":
            lo = cap + 1
        elif off is not None:
            hi, best = a, (off, a)
        else:
            break
        steps += cap != items.bound
        cap = min(hi - 1, lo + step)
        step = 2 * step + 1
    if lo < hi:
        off, a, status, proven = _cpsat(items, hi - 1, time_limit, workers, 1.0 - used)
        if proven or off is not None:
            return off, a, status, proven
        if status != "INFEASIBLE":
            return (best[0], best[1], status, False) if best else (None, None, status, False)
    # hi is the optimum: a probe's arena, or the heuristic's
    return (best[0], best[1], "OPTIMAL", True) if best else (None, None, "OPTIMAL", True)


def pack(storages, alignment: int = 16, time_limit: float = 2.0, workers: int = 1,
         solver: bool = True, restarts: int = 200, seed: int = 0, pieces=None) -> Packing:
    """Offsets for ``storages`` (a :func:`lifetimes` result, or a mapping
    ``{name: (size, birth, death)}``) minimizing the arena.

    Several greedy placements (first/best fit over several orderings, then
    up to ``restarts`` random perturbations) run first; if the best is
    above the lower bound and ``solver`` is set, CP-SAT searches for an
    exact packing within ``time_limit`` seconds on ``workers`` threads, in
    probes with the arena capped below the heuristic's (_exact). Sizes round
    up to ``alignment``;
    offsets are multiples of it. ``pieces``: ``{storage: [[offset, size,
    birth, death], ...]}`` for storages packed as those rectangles (module
    docstring).
    """
    # The same storages give the same packing (no clock decides it): tigris-tile
    # measures its plan with the exact search and tigris-assign-offsets packs
    # the same buffers again, so a recent result is reused.
    key = (tuple(as_triples(storages)), alignment, float(time_limit), int(workers), bool(solver),
           int(restarts), seed, tuple(sorted((n, tuple(map(tuple, p)))
                                             for n, p in (pieces or {}).items())))
    done = _RECENT.get(key)
    if done is not None:
        return replace(done, offsets=dict(done.offsets), tried=dict(done.tried))
    res = _pack(storages, alignment, time_limit, workers, solver, restarts, seed, pieces)
    if res.solver_status:       # only the exact searches are worth keeping
        if len(_RECENT) >= _RECENT_SIZE:
            del _RECENT[next(iter(_RECENT))]
        _RECENT[key] = replace(res, offsets=dict(res.offsets), tried=dict(res.tried))
    return res


_RECENT: dict = {}      # recent exact packings by their inputs (oldest first)
_RECENT_SIZE = 8


def _pack(storages, alignment, time_limit, workers, solver, restarts, seed, pieces) -> Packing:
    t0 = time.monotonic()
    items = _Items(storages, alignment, pieces)
    if items.n == 0:
        return Packing(items.result([]), 0, 0, "empty", True, alignment, 0)
    arena, off, label, tried = _heuristic(items, restarts, seed)
    res = Packing(items.result(off), arena * alignment, items.bound * alignment, label,
                  arena == items.bound, alignment, arena * alignment,
                  tried={k: v * alignment for k, v in tried.items()})
    if arena > items.bound and solver and time_limit > 0:
        t1 = time.monotonic()
        off2, a2, status, proven = _exact(items, arena, time_limit, workers)
        res.solver_seconds = time.monotonic() - t1
        res.solver_status = status
        if off2 is not None and a2 < arena:
            res.offsets, res.arena, res.method = items.result(off2), a2 * alignment, "cp-sat"
        res.optimal = proven or res.arena == res.bound
    res.seconds = time.monotonic() - t0
    return res


def tflm_greedy(storages, alignment: int = 16) -> Packing:
    """The arena TensorFlow Lite Micro's GreedyMemoryPlanner would choose:
    buffers by size descending (ties in the given order), each at the first
    gap among already placed buffers whose lifetimes overlap."""
    items = _Items(storages, alignment)
    order = sorted(range(items.n), key=lambda i: -items.size[i])
    off, arena = _place(items, order, "first")
    a = alignment
    return Packing(items.result(off), arena * a, items.bound * a, "tflm-greedy",
                   arena == items.bound, alignment, arena * a)


def no_reuse_sum(storages, alignment: int = 16) -> int:
    """Arena with no reuse at all: the sum of the aligned sizes."""
    return sum(align_up(size, alignment) for _, size, _, _ in as_triples(storages))


def verify_packing(storages, offsets: dict[str, int], arena: int,
                   alignment: int = 16, pieces=None) -> list[str]:
    """Problems with a packing (empty when valid): a storage without offset,
    a misaligned offset, a storage outside ``[0, arena)``, or two storages
    live at a common step whose (aligned) byte ranges intersect (a storage
    given as ``pieces``: each piece)."""
    errors = []
    trip = as_triples(storages)
    pieces = pieces or {}
    spans = []
    for name, size, b, d in trip:
        if name not in offsets:
            errors.append(f"{name}: no offset")
            continue
        o = offsets[name]
        s = align_up(size, alignment)
        if alignment > 1 and o % alignment:
            errors.append(f"{name}: offset {o} not aligned to {alignment}")
        if size > 0 and (o < 0 or o + s > arena):
            errors.append(f"{name}: [{o}, {o + s}) outside the arena of {arena}")
        if size > 0 and name in pieces:
            for r, ps, pb, pd in _parts(pieces[name], alignment):
                lo = o + r * alignment
                if lo + ps * alignment > o + s:
                    errors.append(f"{name}: a piece ends past its size {size}")
                spans.append((pb, pd, lo, lo + ps * alignment, name))
        elif size > 0:
            spans.append((b, d, o, o + s, name))
    spans.sort()
    for i, (b1, d1, o1, e1, n1) in enumerate(spans):
        for b2, d2, o2, e2, n2 in spans[i + 1:]:
            if b2 > d1:
                break
            if o1 < e2 and o2 < e1 and n1 != n2:
                errors.append(f"{n1} [{o1},{e1}) steps {b1}..{d1} overlaps "
                              f"{n2} [{o2},{e2}) steps {b2}..{d2}")
    return errors


__all__ = ["Packing", "pack", "tflm_greedy", "no_reuse_sum", "verify_packing", "lower_bound"]
