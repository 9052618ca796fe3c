"""The choice of stages: a dynamic program over the op sequence.

For each op j the stage candidates ending there (tigris.tiling.search,
Problem.options: flat, channel split, row strips recomputed or streamed) are
tried with each placement of the previous op's result and of the stage output
(fast, or slow with a slow pool). Phase 1 finds the smallest achievable fast
peak; phase 2 the cheapest plan (cost model, slow traffic included) whose
every stage fits the budget.
"""
from __future__ import annotations

import copy

from tigris.costmodel import PER_SLOW_BYTE
from tigris.tiling.search import Problem
from tigris.tiling.stage import Stage, TilePlan


def _variants(problem: Problem, st: Stage):
    """(peak, cost, traffic, prev slow?, out slow?) for each placement of the
    previous op's result and of the stage output (fast only without a slow pool)."""
    places = (False, True) if problem.slow_ok else (False,)
    out_value = problem.results[st.last]
    out_full = problem.written[st.last]
    for q in places:
        for p in places:
            if p and out_value in problem.returned_values:
                continue
            if out_value in problem.slow and not p:
                continue
            if out_value in problem.slow:         # already counted as slow by the stage
                yield st.peak - (st.prev_live if q else 0), st.cost + PER_SLOW_BYTE * (
                    st.prev_read if q and st.prev_live else 0), st.traffic + (
                    st.prev_read if q and st.prev_live else 0), q, p
                continue
            peak = st.peak
            traffic = st.traffic
            if q and st.prev_live:
                peak -= st.prev_live
                traffic += st.prev_read
            if p:
                peak -= st.out_bytes
                traffic += out_full
            if st.overlay_saving and (p or q or not problem.allow_overlay):
                peak += st.overlay_saving     # no overlay: it needs both in fast memory
            yield max(peak, 0), st.cost + PER_SLOW_BYTE * (traffic - st.traffic), traffic, q, p


def choose(problem: Problem, budget: int) -> TilePlan:
    """Phase 1: the smallest achievable fast peak; phase 2: the cheapest plan
    (cost model, slow traffic included) whose every stage fits `budget`."""
    m = len(problem.ops)
    places = (False, True) if problem.slow_ok else (False,)
    key = ("variants", problem.allow_overlay, problem.allow_stream, places)
    if key not in problem.derived:      # the same for every budget until the placement changes
        streamed = key[:2] + (True,) + key[3:]
        if not problem.allow_stream and streamed in problem.derived:
            # Without streaming: the same options less the streamed ones
            # (Problem.options offers a streamed stage besides, never instead of,
            # its recomputing one).
            problem.derived[key] = [[o for o in at_j if not o[0].stream]
                                    for at_j in problem.derived[streamed]]
        elif key[:1] + (not key[1],) + key[2:] in problem.derived:
            # The same stages with overlays allowed or not: only the variants
            # of a stage with an overlay saving differ.
            other = problem.derived[key[:1] + (not key[1],) + key[2:]]
            problem.derived[key] = [[(st, list(_variants(problem, st)) if st.overlay_saving
                                      else variants) for st, variants in at_j] for at_j in other]
        else:
            problem.derived[key] = [[(st, list(_variants(problem, st)))
                                     for st in problem.options(j)] for j in range(m)]
    opts = problem.derived[key]

    def run(limit):
        # (ops done, previous result in slow?) -> (peak, cost, traffic, stage, back key)
        table = {(0, q): (0, 0.0, 0, None, None) for q in places}
        by_cost = limit is not None
        for j in range(m):
            for st, variants in opts[j]:
                for peak, cost, traffic, q, p in variants:
                    if limit is not None and peak > limit:
                        continue
                    prev = table.get((st.first, q))
                    if prev is None:
                        continue
                    cand = (max(prev[0], peak), prev[1] + cost, prev[2] + traffic, st,
                            (st.first, q))
                    key = (j + 1, p)
                    old = table.get(key)
                    if old is None or ((cand[1], cand[0]) < (old[1], old[0]) if by_cost
                                       else (cand[0], cand[1]) < (old[0], old[1])):
                        table[key] = cand
        ends = [(m, p) for p in places if (m, p) in table]
        if not ends:
            return None, table
        rank = (lambda k: (table[k][1], table[k][0])) if limit is not None else \
            (lambda k: (table[k][0], table[k][1]))
        return min(ends, key=rank), table

    def cached(limit):
        if (key, limit) not in problem.derived:
            problem.derived[(key, limit)] = run(limit)
        return problem.derived[(key, limit)]

    end_key, table = cached(None)
    min_peak = table[end_key][0]
    if min_peak <= budget:
        end_key, table = cached(budget)
    stages, slow_values = [], set()
    key = end_key
    while table[key][3] is not None:
        entry = table[key]
        chosen = copy.copy(entry[3])
        chosen.out_slow = key[1]
        if chosen.overlay is not None and (key[1] or entry[4][1] or not problem.allow_overlay):
            chosen.overlay, chosen.overlay_saving = None, 0
        if key[1] or problem.ops[chosen.last].results[0] in problem.slow:
            slow_values.add(problem.ops[chosen.last].results[0])
        stages.append(chosen)
        key = entry[4]
    if key[1] and problem.args:
        slow_values.add(problem.args[0])
    slow_values |= {a for a in problem.args if a in problem.slow}
    stages.reverse()
    end = table[end_key]
    return TilePlan(stages, end[0], end[1], sum(s.macs for s in stages),
                    sum(problem.flat_macs), sum(problem.flat_cost), min_peak,
                    min_peak <= budget, traffic=end[2], slow_values=slow_values)
