"""Fit a function into a fast-memory budget: search, measure, tighten.

The stage search (tigris.tiling.search) estimates peaks stage by stage. Each
plan it returns is applied to a copy of the function (tigris.tiling.rewrite)
and measured the way the arena will be built: tigris.bufferization assigns the
buffers and their lifetimes (the functions tigris-bufferize and tigris-liveness
run) and tigris.planning.pack packs the fast ones (as tigris-assign-offsets
does). When the real peak is over the budget the search reruns with and
without overlays, then with gradually tighter internal budgets.
"""
from __future__ import annotations

import copy as _copy
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field

from mlir import ir

from tigris.bufferization import assign_buffers, buffer_lifetimes
from tigris.dialects import attr
from tigris.errors import PassError
from tigris.irgraph import loc_name
from tigris.planning import pack
from tigris.targets import op_scratch_bytes
from tigris.tiling.rewrite import apply
from tigris.tiling.choose import choose
from tigris.tiling.columns import column_candidates, split_columns
from tigris.planning.graph import align_up
from tigris.tiling.search import SPLITS, Problem
from tigris.tiling.stage import TilePlan


def _translate(plan, original: Problem, copy: Problem, copy_func):
    """The same plan with overlay values moved to the copy of the function."""
    out = _copy.copy(plan)
    out.stages = []
    out.slow_values = set()
    for v in plan.slow_values:
        if isinstance(v, ir.BlockArgument):
            out.slow_values.add(copy_func.regions[0].blocks[0].arguments[v.arg_number])
        else:
            out.slow_values.add(copy.ops[original.position[v]].results[0])
    args = copy_func.regions[0].blocks[0].arguments
    for st in plan.stages:
        st2 = _copy.copy(st)
        if st.overlay is not None:
            if isinstance(st.overlay, ir.BlockArgument):
                st2.overlay = args[st.overlay.arg_number]
            else:
                st2.overlay = copy.ops[original.position[st.overlay]].results[0]
        out.stages.append(st2)
    return out


class _Arena:
    """The fast arena tigris-bufferize, -liveness and -assign-offsets will build
    for a rewritten function: the packing heuristic's arena, or the exact
    search's (which assign-offsets also runs) when the heuristic misses the
    limit and the lower bound does not."""

    def __init__(self, func_op, target: str, alignment: int):
        assign_buffers(func_op, target)
        slow = {ir.StringAttr(a).value
                for a in ir.ArrayAttr(func_op.attributes["tigris.slow_buffers"])}
        # Exactly the buffers assign-offsets packs (empty ones too: they take part in
        # the heuristic's orderings), in its order (by name, as its dictionary
        # attribute holds them), so both reach the same arena, and the packing
        # of the plan chosen is not searched again (tigris.planning.pack).
        pieces: dict = {}
        self.fast = {n: tuple(e) for n, e in sorted(buffer_lifetimes(func_op, pieces).items())
                     if n not in slow}
        self.pieces = {n: p for n, p in pieces.items() if n in self.fast}
        self.alignment = alignment
        quick = pack(self.fast, alignment=alignment, solver=False, pieces=self.pieces)
        self.quick, self.bound, self.exact = quick.arena, quick.bound, None

    def at(self, limit: int | None) -> int:
        if self.quick == self.bound or limit is None or self.quick <= limit or self.bound > limit:
            return self.quick
        if self.exact is None:      # the same for every limit: searched once
            self.exact = pack(self.fast, alignment=self.alignment, pieces=self.pieces).arena
        return self.exact


def signature(problem: Problem, plan) -> tuple:
    """What the rewrite of `plan` depends on: its stages and slow values."""
    def where(v):
        if v is None:
            return None
        return ("arg", v.arg_number) if isinstance(v, ir.BlockArgument) else problem.position[v]
    return (tuple((s.first, s.last, s.height, s.stream, s.groups, s.out_slow, where(s.overlay),
                   s.delta, s.size) for s in plan.stages),
            tuple(sorted(map(str, map(where, plan.slow_values)))))


def measure_plan(problem: Problem, func_op, plan, target: str, alignment: int,
                 limit: int | None) -> int:
    """The real fast peak of `plan` applied to a copy of `func_op` (remembered:
    the tightening loops often find a plan again)."""
    key = signature(problem, plan)
    if key not in problem.measured:
        copy = func_op.clone()
        copy_problem = Problem(copy, alignment, scratch=problem.scratch)
        apply(copy_problem, _translate(plan, problem, copy_problem, copy), copy)
        problem.measured[key] = _Arena(copy, target, alignment)
        copy.erase()
    return problem.measured[key].at(limit)


def flat_plan(problem: Problem) -> TilePlan:
    """Every op on its own, nothing in the slow pool: the cheapest plan there is."""
    problem.set_slow()
    stages = [problem.flat(j) for j in range(len(problem.ops))]
    peak = max(s.peak for s in stages)
    macs, cost = sum(problem.flat_macs), sum(problem.flat_cost)
    return TilePlan(stages, peak, cost, macs, macs, cost, peak, True)


def fit(problem: Problem, func_op, limit: int, target: str, alignment: int,
        attempts: int = 8, can_win=None):
    """(real fast peak, plan) for `limit`: the cheapest plan that really fits,
    else the one with the smallest real peak. `can_win(cost)`: False when a
    plan of that cost cannot beat one already found (tile's other slow
    placements); such plans, and those whose estimated peak is over `limit`,
    are not measured, and None is returned when no plan was."""
    def measure(plan) -> int:
        return measure_plan(problem, func_op, plan, target, alignment, limit)

    tried = []
    unstreamed = not problem.allow_stream
    for overlay in (True, False):
        problem.set_overlay(overlay)
        internal = limit
        best, stalled = None, 0
        for _ in range(attempts):
            plan = choose(problem, internal)
            if can_win is not None and (not can_win(plan.cost) or plan.peak > limit):
                # Every later plan of this pass costs at least as much: a
                # tighter budget, or no streaming, only removes stage choices
                # (and a smallest-peak plan here fits the budget just tried).
                # Nor is a plan whose own estimate misses the limit measured
                # against one that fits (the smallest-peak plan of a budget
                # below the estimates: it does not fit either).
                break
            real = measure(plan)
            tried.append((real, plan))
            if not plan.fits or real <= limit:
                break
            # Tightening that twice does not lower the real peak is not
            # reaching the stage that misses its estimate: stop this pass.
            stalled = stalled + 1 if best is not None and real >= best else 0
            best = real if best is None else min(best, real)
            if stalled >= 2:
                break
            if not unstreamed and any(s.stream for s in plan.stages):
                # A streamed plan that misses its estimate: the cheapest plan
                # without streaming at the same budget competes too (once).
                unstreamed = True
                problem.allow_stream = False
                try:
                    alt = choose(problem, internal)
                finally:
                    problem.allow_stream = True
                if alt.fits and (can_win is None or can_win(alt.cost)):
                    tried.append((measure(alt), alt))
            internal -= min(real - limit, internal // 8) + alignment
        if tried and tried[-1][0] <= limit and overlay:
            break
    if not tried:
        return None
    fitting = [t for t in tried if t[0] <= limit]
    if fitting:
        return min(fitting, key=lambda t: t[1].cost)
    return min(tried, key=lambda t: t[0])


def problem_for(func_op, target: str, alignment: int) -> Problem:
    """The stage-search problem of a scheduled function, scratch by `target`'s rules."""
    return Problem(func_op, alignment, scratch=lambda op, channels=None, rows=None:
                   op_scratch_bytes(op, target, channels, rows))


def tile(func_op, budget: int, slow: int = 0, target: str = "reference", alignment: int = 16,
         strict: bool = True, stream: bool = True, smaller: bool = False) -> None:
    """Rewrite `func_op` into the stages of the cheapest plan whose real fast
    peak fits `budget` (else, unless `strict`, the smallest-peak plan) and
    record `tigris.tiling` with the figures. `slow`: slow-pool bytes (0: none);
    `stream`: strips may carry halo rows from strip to strip; `smaller`: when
    it fits, also record the halved budgets it fits without a slow pool
    (`also_fits`, for tigris analyze).

    With a slow pool, a plan that moves bytes through it is also weighed
    against the same search on the function with a chain split into column
    tiles (tigris.tiling.columns): the cheaper that fits is applied."""
    with _collector_paused():
        _tile(func_op, budget, slow, target, alignment, strict, stream, smaller)


@contextmanager
def _collector_paused():
    """The search keeps millions of small objects alive (strips, bands, stage
    figures) and makes no reference cycles of its own: Python's cyclic
    collector, run every few hundred allocations, would walk them again and
    again (a quarter of the planning time on a U-Net, a third on a 1,000-op
    chain). Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _tile(func_op, budget: int, slow: int, target: str, alignment: int, strict: bool,
          stream: bool, smaller: bool) -> None:
    found = _search(func_op, budget, slow, target, alignment, stream)
    if found is None:
        return
    if smaller and found.fits:
        found.also = also_fits(found.problem, func_op, budget, target, alignment)
    model = (sum(found.problem.flat_macs), found.plan.flat_cost)
    winner = _column_trial(func_op, found, budget, slow, target, alignment, stream)
    if winner is None:
        error = _finish(func_op, found, budget, model)
    else:
        trial_func, trial = winner
        trial.also = found.also
        error = _finish(trial_func, trial, budget, model)
        adopt(func_op, trial_func)
    if error is not None and strict:
        raise PassError(*error)


@dataclass
class _Found:
    """What `_search` found for a function: its plan and figures."""
    problem: Problem
    plan: TilePlan
    real: int
    storages: set
    fits: bool
    smallest: int
    floor: tuple | None = None    # fast_floor when it does not fit with a slow pool
    also: list = field(default_factory=list)
    columns: list = field(default_factory=list)   # "first..last xN" of the column splits


def _search(func_op, budget: int, slow: int, target: str, alignment: int,
            stream: bool) -> _Found | None:
    """The plan `tile` applies to `func_op` (None: no ops)."""
    problem = problem_for(func_op, target, alignment)
    if not problem.ops:
        return None
    # With a slow pool the search may also place stage outputs there.
    problem.slow_ok = slow > 0
    problem.allow_stream = stream

    # Skip connections outlive the stages around them: with them in the slow
    # pool the search may fit where it did not, or find a plan that costs less
    # (moves fewer bytes). Every placement is searched at every budget.
    # Also with every tensor read more than one op after its producer in the
    # slow pool (a detector's SE product read by an Add after an unrelated op).
    placements = [set()]
    for span in (2, 1) if problem.slow_ok else ():
        storages = problem.long_lived(span=span)
        if storages and storages not in placements:
            placements.append(storages)

    def search(limit: int, attempts: int = 8, only=None, cheaper_than=None):
        """(real peak, plan, slow storages) of the better placement at `limit`:
        the cheapest that fits (the first placement listed on a tie), else
        the smallest real peak (None when `cheaper_than` is given and no
        estimate is below it).

        The placements are fitted cheapest estimate first: no plan of a
        placement costs less than its estimate at `limit` with overlays or
        without, so once one fits, a placement whose estimates cannot beat
        it is not fitted, and the fitting of another stops at the first
        plan that cannot (same result, fewer plans measured)."""
        order = placements if only is None else [only]
        bounds = []
        for rank, storages in enumerate(order):
            problem.set_slow(storages)
            problem.set_overlay(True)
            estimate = choose(problem, limit)
            if cheaper_than is not None and (not estimate.fits or estimate.cost >= cheaper_than):
                continue        # nothing cheaper to measure here
            bounds.append((estimate.cost, rank, storages))
        bounds.sort(key=lambda t: (t[0], t[1]))
        found = []      # (real, cost, rank, plan, storages)
        best = None     # (cost, rank) of the cheapest fitting found
        for low, rank, storages in bounds:
            problem.set_slow(storages)
            if best is not None or cheaper_than is not None:
                # A plan of this placement wins only below the best (on a tie,
                # from a placement listed earlier) and below `cheaper_than`.
                def can_win(cost, rank=rank, best=best):
                    return (cheaper_than is None or cost < cheaper_than) and \
                        (best is None or (cost, rank) < best)
                problem.set_overlay(False)
                if not can_win(min(low, choose(problem, limit).cost)):
                    continue
            else:
                can_win = None
            got = fit(problem, func_op, limit, target, alignment, attempts, can_win)
            if got is None:
                continue
            r, p = got
            found.append((r, p.cost, rank, p, storages))
            if r <= limit and (best is None or (p.cost, rank) < best):
                best = (p.cost, rank)
        if not found:
            return None
        fitting = [f for f in found if f[0] <= limit]
        r, _, _, p, storages = min(fitting, key=lambda f: (f[1], f[2])) if fitting else \
            min(found, key=lambda f: (f[0], f[2]))
        return r, p, storages

    plan = flat_plan(problem)
    real, storages = measure_plan(problem, func_op, plan, target, alignment, budget), set()
    if real > budget:       # else nothing is cheaper: no search
        real, plan, storages = search(budget)
    if real > budget or plan.cost > plan.flat_cost:
        # The searches at smaller budgets (powers of two) take part too: a plan
        # that fits 16K fits 32K, so a larger budget never gets a costlier plan
        # than the one found for a smaller one, nor fails where one fits.
        b = 1 << ((budget - 1).bit_length() - 1)
        while b >= max(1024, plan.min_peak):
            fitted = real <= budget
            found = search(b, attempts=2, cheaper_than=plan.cost if fitted else None)
            if found is not None and found[0] <= b and (not fitted or found[1].cost < plan.cost):
                real, plan, storages = found
            b //= 2
    fits = real <= budget
    smallest, floor = real, None
    if not fits:
        # The smallest budget that works, by bisection (for the message), in
        # the placement that came closest. With a slow pool no plan needs
        # less than fast_floor: no budget below it is tried.
        lo, hi = budget, real
        if problem.slow_ok:
            floor = fast_floor(problem)
            lo = max(lo, floor[0] - 1)
        while hi - lo > max(2048, hi // 32):
            mid = (lo + hi) // 2
            r, p, _ = search(mid, attempts=2, only=storages)
            if r <= mid:
                hi, real, plan = r, r, p     # keep the smallest plan found
            else:
                lo = mid
        smallest = hi
    return _Found(problem, plan, real, storages, fits, smallest, floor)


def _finish(func_op, found: _Found, budget: int, model: tuple) -> tuple | None:
    """Apply `found`'s plan to `func_op` and record `tigris.tiling`; `model`:
    the (MACs, cost) of the model before any column split. Returns the
    (message, location) of the error when it does not fit."""
    problem, plan, real, fits = found.problem, found.plan, found.real, found.fits
    problem.set_slow(found.storages)
    worst = max(plan.stages, key=lambda s: s.peak)
    where = problem.info[worst.first].op.location
    floor = found.floor
    floor_text, floor_node, floor_op = "", "", ""
    if floor is not None:       # named now: apply() replaces the ops
        floor_node, floor_op = loc_name(problem.ops[floor[1]]), problem.info[floor[1]].kind
        floor_text = (f"; whatever the plan, {floor_node} ({floor_op}) needs {floor[0]} bytes "
                      f"of fast memory (model outputs {floor[2]}, kernel scratch {floor[3]})")
    tiled = [s for s in plan.stages if s.tiled]
    # Output rows per strip (a paced stage's height counts the rows of its widest op).
    heights = [max(b.compute[1] - b.compute[0] for strip in problem.strips(
        s.first, s.last, s.height, s.stream) for b in strip if b.op == s.last)
        for s in tiled if s.height]
    apply(problem, plan, func_op)
    func_op.attributes["tigris.tiling"] = attr({
        "budget": budget, "fits": int(fits), "peak_estimate": plan.peak, "peak": real,
        "min_peak": plan.min_peak if fits else found.smallest, "stages": len(plan.stages),
        "tiled_stages": len(tiled), "macs": plan.macs, "model_macs": model[0],
        "cost": int(plan.cost), "flat_cost": int(model[1]),
        "strip_heights": heights,
        "streamed_stages": sum(1 for s in tiled if s.stream),
        "channel_groups": [s.groups for s in tiled if s.groups],
        "column_split": ", ".join(found.columns),
        "slow_traffic": plan.traffic,
        "also_fits": [attr(a) for a in found.also],
        "floor": floor[0] if floor else 0,
        "floor_node": floor_node, "floor_op": floor_op})
    if fits:
        return None
    return (f"does not fit {budget} bytes: the smallest budget found that works is "
            f"{found.smallest} bytes (the largest stage here: ops {worst.first}.."
            f"{worst.last}){floor_text}", where)


def _column_trial(func_op, found: _Found, budget: int, slow: int, target: str,
                  alignment: int, stream: bool):
    """(function, found) of the best column split of `func_op` that fits and
    costs less than `found`'s plan (None: none does). Tried only with a slow
    pool in use: a split trades a few percent more MACs (its halo columns)
    for the bytes of the tensors it keeps out of the slow pool."""
    problem = found.problem
    if not problem.slow_ok or (found.fits and not found.plan.traffic):
        return None
    best = None
    for first, last, tiles in column_candidates(problem, budget):
        # Worth a search only when the plan found sends a tensor inside the
        # chain, larger than the chain's output, through the slow pool.
        cut = max((problem.result_bytes[s.last] for s in found.plan.stages
                   if s.out_slow and first <= s.last < last), default=0)
        if cut <= problem.result_bytes[last]:
            continue
        name = f"{loc_name(problem.ops[first])}..{loc_name(problem.ops[last])} x{tiles}"
        trial = func_op.clone()
        split_columns(trial, first, last, tiles)
        got = _search(trial, budget, slow, target, alignment, stream)
        got.columns = [name]
        bar = best[1].plan.cost if best is not None else found.plan.cost
        if got.fits and (not found.fits or got.plan.cost < bar):
            if best is not None:
                best[0].erase()
            best = (trial, got)
        else:
            trial.erase()
    return best


def adopt(func_op, other) -> None:
    """Make `func_op`'s body and attributes those of `other` (a rewritten clone
    of it, erased here)."""
    block, theirs = func_op.regions[0].blocks[0], other.regions[0].blocks[0]
    for mine, their in zip(block.arguments, theirs.arguments):
        their.replace_all_uses_with(mine)
    old = [o.operation for o in block.operations]
    for o in [o.operation for o in theirs.operations]:
        block.append(o)
    for o in reversed(old):
        o.erase()
    for a in (other.attributes[n] for n in range(len(other.attributes))):
        func_op.attributes[a.name] = a.attr
    other.erase()


def fast_floor(problem: Problem) -> tuple[int, int, int, int]:
    """(bytes, op, results, scratch): the op that needs the most fast memory
    whatever the plan, with a slow pool for everything else: the function
    results live at it plus its smallest kernel scratch (one output row per
    strip, or the smallest channel group). A result stays in fast memory
    unless an insert writes it into a destination other ops write too (a
    concat its inserts fill): that storage the search may place in the slow
    pool, and the result with it."""
    al = problem.alignment
    def shared(v) -> bool:      # its storage holds other buffers too
        storage = problem.storage_of.get(problem.graph.value_buffer.get(v))
        return storage is not None and len(problem.storages[storage].buffers) > 1

    born = {problem.position[v]: v for v in problem.returned_values if v in problem.position
            and not (problem.info[problem.position[v]].kind == "insert" and shared(v))}
    best = (0, 0, 0, 0)
    results = 0
    for k, op in enumerate(problem.ops):
        if k in born:
            results += align_up(problem.vbytes(born[k]), al)
        scratch = align_up(problem.scratch(op), al) if problem.scratch else 0
        if scratch and problem.ok_stream[k] and problem.info[k].out_shape[1] > 1:
            for r in range(problem.info[k].out_shape[1]):   # one output row per strip
                need = problem.needs(k, r, r + 1)
                if need and need[0] is not None and need[0][1] > need[0][0]:
                    scratch = min(scratch, problem._strip_scratch(k, r, r + 1))
        for groups in SPLITS:
            if problem.split(k, groups) is not None:
                scratch = min(scratch, align_up(problem.scratch(
                    op, problem.info[k].out_shape[-1] // groups), al))
        if results + scratch > best[0]:
            best = (results + scratch, k, results, scratch)
    return best


def also_fits(problem: Problem, func_op, budget: int, target: str, alignment: int) -> list[dict]:
    """Budgets below `budget` (halving) that the scheduled `func_op` also fits
    without a slow pool, each measured as `tile` measures (two tightening
    attempts), so a budget listed here compiles: {budget, latency ratio in
    1/10000 of the untiled plan's, MACs}. The stage options of `problem`'s
    search serve again (the same function, before the rewrite)."""
    slow_ok = problem.slow_ok
    problem.slow_ok = False
    problem.set_slow()
    # Without a slow pool the model inputs are whole in fast memory when the
    # first op runs, and so are its results after the last: no plan needs less.
    whole = max(sum(align_up(problem.vbytes(v), alignment) for v in group)
                for group in (problem.args, problem.returned_values))
    out = []
    b = budget // 2
    try:
        while b >= max(1024, whole):
            problem.set_overlay(True)
            if choose(problem, b).min_peak > b:
                break       # no plan's estimate is that small (not measured)
            real, plan = fit(problem, func_op, b, target, alignment, attempts=2)
            if real > b:
                break
            out.append({"budget": b, "latency": round(plan.cost / plan.flat_cost * 10000),
                        "macs": plan.macs})
            b //= 2
    finally:
        problem.slow_ok = slow_ok
    return out
