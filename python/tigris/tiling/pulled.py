"""Row strips pulled from the last op of a segment (tigris.tiling.search).

A strip of h output rows of the segment's last op asks each op before it for
the rows its consumers read, halo included. Recomputing, every op computes
its whole band; carrying (streamed, pulled), an op computes only the rows no
earlier strip computed and keeps the rest of its band from the strip before.
"""
from __future__ import annotations

from tigris.tiling.stage import Band


def pulled_strips(problem, i: int, j: int, h: int, carry: bool):
    """(strips of i..j pulled from h rows of op j each, the last op k at
    which a segment k'..j with k' <= k cannot be tiled so, or i - 1);
    `carry`: an op computes only rows no earlier strip computed."""
    oh = problem.info[j].out_shape[1]
    out = []
    fails_from = i - 1
    last: dict = {}        # op -> its band in the latest strip that had it
    ok_stream, windowed, operand_pos = problem.ok_stream, problem.windowed, problem.operand_pos
    pooled = problem.pooled
    needs = problem.needs
    for a in range(0, oh, h):
        bands = {j: [a, min(a + h, oh)]}
        strip = []
        # Descending op order: every consumer of an op comes after it, so
        # an op's band is complete when the loop reaches it.
        for k in range(j, i - 1, -1):
            r = bands.get(k)
            if r is None:
                continue
            lo, hi = r
            rows = (lo, hi)
            if not ok_stream[k]:
                strip.append(Band(k, rows, rows))
                if k > fails_from:
                    fails_from = k   # no band of it can be computed alone
                continue
            c0 = lo
            if carry and k != j and k in last:
                plo, phi = last[k]
                if lo < plo and k > fails_from:
                    fails_from = k   # rows must advance to carry
                c0 = min(max(lo, phi), hi)
            strip.append(Band(k, rows, rows if c0 == lo else (c0, hi)))
            if c0 == hi:
                continue
            need = needs(k, c0, hi)
            if windowed[k] and (need[0][1] <= need[0][0] or
                                pooled[k] and not problem.pads_ok(k, c0, hi)):
                if k > fails_from:
                    fails_from = k   # a band of padding only (no kernel call reads
                continue             # zero rows), or a pool padding more rows than it reads
            for p, rows in zip(operand_pos[k], need):
                if p is None or p < i or rows is None or rows[1] <= rows[0]:
                    continue    # (a pad's strip of padding only reads no input row)
                r = bands.get(p)
                if r is None:
                    bands[p] = [rows[0], rows[1]]
                else:
                    if rows[0] < r[0]:
                        r[0] = rows[0]
                    if rows[1] > r[1]:
                        r[1] = rows[1]
        strip.reverse()
        out.append(strip)
        if carry:
            last.update((b.op, b.rows) for b in strip)
    return out, fails_from
