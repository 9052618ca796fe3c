"""The strips of a streamed segment, paced by rows (tigris.tiling.search).

Recomputing strips are pulled from the last op: a strip of h output rows asks
each op for the rows its consumers read, halo included. Streaming pulled the
same way makes the ops before a stride-2 op compute two rows per strip, so
every band above it holds twice the rows a row-by-row chain needs (a 3x3
depthwise of stride 2 needs 3 rows of its input, not 5 for two rows).

Paced strips instead advance every op of the segment at its own rate: with
n strips (h rows of the op with the most rows per strip), op k reaches
ceil(rows_k * (s + 1) / n) of its rows by strip s, computing each strip the
rows it can (its operands' rows exist) up to that mark and never more than
ceil(rows_k / n) at once; an op that lags (a halo above it) catches up over
extra strips at the end. Each op then holds, per strip, the rows it computed
and those its consumers still read: about one strip's rows plus the halo.
"""
from __future__ import annotations

from tigris.tiling.stage import Band


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def paced_strips(problem, pulled, fails_from: int, j: int, h: int):
    """(strips, fails_from) of the streamed segment whose recomputing strips
    are `pulled` (their bands name the ops the last op j needs and the rows
    it needs of each); fails_from is j when the rows cannot be paced."""
    span: dict = {}      # op -> [first, end) of the rows the segment needs of it
    for strip in pulled:
        for b in strip:
            if b.op > fails_from:
                lo, hi = span.get(b.op, b.rows)
                span[b.op] = (min(lo, b.rows[0]), max(hi, b.rows[1]))
    ops = sorted(span)
    if not ops:
        return [], fails_from
    inside = set(ops)
    consumers: dict = {k: [] for k in ops}      # op -> [(consumer, operand slot)]
    for c in ops:
        for x, p in problem.producers[c]:
            if p in inside:
                consumers[p].append((c, x))
    n = _ceil_div(max(e - s for s, e in span.values()), h)
    step = {k: _ceil_div(e - s, n) for k, (s, e) in span.items()}
    done = {k: span[k][0] for k in ops}      # end of the rows computed so far
    needs, windowed = problem.needs, problem.windowed
    # Per op: the operand slots its segment's ops produce.
    produced = {k: [(x, p) for x, p in problem.producers[k] if p in inside] for k in ops}

    def ready(k: int, c0: int, c1: int) -> bool:
        need = needs(k, c0, c1)
        for x, p in produced[k]:
            rows = need[x]
            if rows is None or rows[1] > done[p]:
                return False        # (read whole: never a band)
        return not windowed[k] or (need[0][1] > need[0][0] and
                                   (not problem.pooled[k] or problem.pads_ok(k, c0, c1)))

    strips = []
    limit = n + 4 * len(ops) + 8
    unfinished = list(ops)      # in op order: an op's producers advance before it
    while unfinished:
        s = len(strips)
        if s > limit:
            return [], j
        compute = {}
        left = []
        for k in unfinished:
            first, end = span[k]
            c0 = done[k]
            r = first - (-(end - first) * (s + 1) // n)    # ceil
            if r > end:
                r = end
            if r > c0 + step[k]:
                r = c0 + step[k]
            while r > c0 and not ready(k, c0, r):
                r -= 1
            if r > c0:
                compute[k] = (c0, r)
                done[k] = r
            if r < end:
                left.append(k)
        if not compute:
            return [], j        # nothing can advance: not paceable
        unfinished = left
        strip = []
        for k in ops:
            mine = compute.get(k)
            if k == j:
                if mine is not None:
                    strip.append(Band(k, mine, mine))
                continue
            # (an op not computing now has done[k] unchanged)
            c0, c1 = mine if mine is not None else (done[k], done[k])
            # The rows kept: the lowest any consumer reads in this strip or
            # will read next (its next row's window), and those computed now.
            lo = c0
            for c, x in consumers[k]:
                theirs = compute.get(c)
                if theirs is not None:
                    r = needs(c, theirs[0], theirs[1])[x][0]
                    if r < lo:
                        lo = r
                d = done[c]
                if d < span[c][1]:      # (still unfinished)
                    r = needs(c, d, d + 1)[x][0]
                    if r < lo:
                        lo = r
            first = span[k][0]
            if lo < first:
                lo = first
            if c1 > lo:
                strip.append(Band(k, (lo, c1), (c0, c1)))
        strips.append(strip)
    return strips, fails_from
