"""Memory-aware topological order: minimize the peak of live bytes.

The search is a dynamic program over *executed sets* (down-sets of the DAG),
processed layer by layer (all sets of k executed nodes, then k + 1, ...). The
bytes resident between steps depend only on the executed set, so the best
peak reaching a set is all that needs remembering about it. Each layer keeps
at most ``beam`` sets; when no layer had to be cut the result is exact. A
series composition of regions (a CNN: chains of small branchy blocks meeting
at single tensors) has as many down-sets as the sum over its regions, so the
DP stays exact on such graphs whatever their length; genuinely wide graphs
degrade to a beam search.

Two exact reductions keep the state count down:

* pruning: a set whose peak already reaches the best known complete order
  cannot improve it (only strictly better orders are searched);
* source nodes (no inputs, no scratch, no dead outputs: ``empty`` and the
  like) are only run once a consumer of theirs has all its other
  non-source predecessors done; moving such nodes to just before their first
  consumer never raises the peak (their step needs no more than the
  consumer's, which holds their outputs too). They may still run first:
  unused graph inputs live at step 0 only, so what runs first matters.

The given order is always a candidate, so the result is never worse.
"""
from __future__ import annotations

import heapq
import time
from dataclasses import dataclass
from typing import Sequence

from .graph import Graph, Problem


@dataclass
class Schedule:
    """Result of :func:`schedule`.

    ``order``: node names; ``peak``: its peak live bytes; ``given_peak``: the
    given order's; ``bound``: a lower bound valid for every order;
    ``method``: ``"given"``, ``"search"`` (the DP/beam found it) or
    ``"fixed"`` (an order imposed by the caller);
    ``exact``: the peak is proven minimal over all topological orders;
    ``states``: DP states expanded; ``seconds``: wall time.
    """

    order: list[str]
    peak: int
    given_peak: int
    bound: int
    method: str
    exact: bool
    states: int = 0
    seconds: float = 0.0


def node_bound(p: Problem) -> int:
    """Lower bound on the peak of any order: every node needs its touched
    storages and scratch at its step (less a possible in-place merge), and
    storages that are both graph inputs and outputs are always live."""
    always = [s for s in range(p.m) if p.is_in[s] and p.is_out[s]]
    lb = p.res0  # step 0 holds every graph input
    for k in range(p.n):
        touched = set(p.touched[k])
        need = sum(p.size[s] for s in touched) + p.scratch[k]
        need += sum(p.size[s] for s in always if s not in touched)
        if p.inplace[k]:
            need -= max(p.size[y] for _, y in p.inplace[k])
        lb = max(lb, need)
    return lb


def _movable(p: Problem) -> list[bool]:
    """Source nodes that may wait until a consumer of theirs is ready."""
    out = []
    for k, nd in enumerate(p.graph.nodes):
        ok = not nd.inputs and p.scratch[k] == 0 and p.succ[k] != 0
        if ok:
            for b in nd.outputs:
                s = p.sid[b]
                if not p.is_out[s] and p.tmask[s] == (1 << k):
                    ok = False  # a dead output: born and freed at this node
        out.append(ok)
    return out


class _Search:
    def __init__(self, p: Problem):
        self.p = p
        self.movable = _movable(p)
        self.mov_mask = sum(1 << k for k in range(p.n) if self.movable[k])
        self.states = 0

    def run(self, ub: int, beam: int, state_budget: int, fallback_beam: int):
        """Best order with peak < ub, or None. Returns (order, peak, cut)."""
        p = self.p
        n, pred, succ, step = p.n, p.pred, p.succ, p.step
        movable = self.movable
        hard_pred = [pr & ~self.mov_mask for pr in pred]
        layer = {0: (0, p.res0, p.ready(0))}
        parent: dict[int, tuple[int, int]] = {}
        cut = False
        width = beam
        for _depth in range(n):
            nxt: dict[int, tuple[int, int, int]] = {}
            for S, (pk, res, rdy) in layer.items():
                r = rdy
                while r:
                    low = r & -r
                    r ^= low
                    k = low.bit_length() - 1
                    T = S | low
                    if movable[k] and S:
                        sm, ok = succ[k], False
                        while sm:
                            lm = sm & -sm
                            sm ^= lm
                            if not (hard_pred[lm.bit_length() - 1] & ~T):
                                ok = True
                                break
                        if not ok:
                            continue
                    cost, new, _ = step(S, k, res)
                    if cost < pk:
                        cost = pk
                    if cost >= ub:
                        continue
                    old = nxt.get(T)
                    if old is not None and old[0] <= cost:
                        continue
                    if old is None:
                        nr = rdy ^ low
                        sm = succ[k]
                        while sm:
                            lm = sm & -sm
                            sm ^= lm
                            if not (pred[lm.bit_length() - 1] & ~T):
                                nr |= lm
                    else:
                        nr = old[2]
                    nxt[T] = (cost, new, nr)
                    parent[T] = (S, k)
            self.states += len(nxt)
            if not nxt:
                return None, ub, cut
            if self.states > state_budget:
                width = min(width, fallback_beam)
            if len(nxt) > width:
                cut = True
                keep = heapq.nsmallest(width, nxt.items(), key=lambda it: (it[1][0], it[1][1]))
                nxt = dict(keep)
            layer = nxt
        full = p.full
        if full not in layer:
            return None, ub, cut
        order = []
        T = full
        while T:
            S, k = parent[T]
            order.append(k)
            T = S
        order.reverse()
        return order, layer[full][0], cut


# Search states the DP visits per second on the 2-core reference machine (measured
# 32,000-39,000 on random DAGs of 60-120 nodes under load): converts time_limit.
STATES_PER_SECOND = 50_000


def schedule(graph: Graph, alignment: int = 1, inplace: bool = True,
             time_limit: float = 1.0, beam: int = 4000,
             max_transitions: int = 400_000) -> Schedule:
    """A topological order of ``graph`` minimizing the peak of live bytes.

    Sizes are rounded up to ``alignment`` for the objective. Exact (``exact``
    set in the result) when the DP never had to cut a layer to ``beam``
    states; the layer width is also capped so that about
    ``max_transitions`` state expansions fit, and after ``time_limit``
    seconds the remaining layers run as a narrow beam. Never worse than the
    given order. The time is counted in search states (STATES_PER_SECOND),
    not on the clock, so a graph always gets the same order, whatever the
    machine's load.
    """
    t0 = time.monotonic()
    p = Problem(graph, alignment, inplace)
    given = list(range(p.n))
    given_peak = p.order_peak(given)
    lb = node_bound(p)
    names = [nd.name for nd in graph.nodes]

    def result(order, pk, method, exact, search=None):
        return Schedule([names[k] for k in order], pk, given_peak, lb, method, exact,
                        search.states if search else 0, time.monotonic() - t0)

    if p.n <= 1 or given_peak <= lb:
        return result(given, given_peak, "given", True)
    search = _Search(p)
    state_budget = int(time_limit * STATES_PER_SECOND)
    # a cheap narrow beam first: a good bound makes the exact pass prune hard
    best, best_peak, method = given, given_peak, "given"
    order, pk, _ = search.run(best_peak, 4, state_budget, 4)
    if order is not None:
        best, best_peak, method = order, pk, "search"
    if best_peak <= lb:
        return result(best, best_peak, method, True, search)
    mean = _mean_ready(p, best, search.mov_mask)
    width = max(64, min(beam, max_transitions // max(1, p.n * mean)))
    order, pk, cut = search.run(best_peak, width, state_budget, 1)
    if order is not None:
        best, best_peak, method = order, pk, "search"
    return result(best, best_peak, method, not cut or best_peak <= lb, search)


def _mean_ready(p: Problem, order: Sequence[int], skip: int = 0) -> int:
    """Average number of ready nodes (not counting ``skip``) along ``order``
    (sizes the beam)."""
    done, total, rdy = 0, 0, p.ready(0)
    for k in order:
        total += (rdy & ~skip).bit_count()
        done |= 1 << k
        rdy &= ~(1 << k)
        sm = p.succ[k]
        while sm:
            lm = sm & -sm
            sm ^= lm
            if not (p.pred[lm.bit_length() - 1] & ~done):
                rdy |= lm
    return max(1, round(total / max(1, len(order))))
