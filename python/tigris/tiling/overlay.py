"""Writing a stage's output over an input it consumes (tigris.tiling.search).

A stage's output may share a buffer with an input that dies in the stage,
the output starting `delta` bytes after it, when no later strip reads the
input rows the output has overwritten by then. Only inputs read row by row
qualify: one read whole by every strip (a broadcast scale) is never free.
"""
from __future__ import annotations

from itertools import accumulate


def best_overlay(problem, i: int, j: int, sweep):
    """The best input to write the stage's output over: (value, delta, size)."""
    best = None
    candidates = problem.overlay_inputs.get((i, j))
    if candidates is None:      # the same at every strip height and placement
        candidates, seen = [], set()
        for k in range(i, j + 1):
            for v, p, is_arg in problem.image_operands[k]:
                if (p < i if p is not None else is_arg) and v not in seen:
                    seen.add(v)
                    first, last = problem.use_span[v]
                    if first < i or last >= j or v in problem.returned_values:
                        continue  # still needed after the stage, or read by the writing op
                    candidates.append(v)
        problem.overlay_inputs[(i, j)] = candidates
    for v in candidates:
        if v in problem.slow:
            continue
        if v not in sweep.overlays:
            sweep.overlays[v] = overlay_of(problem, v, j, sweep)
        found = sweep.overlays[v]
        if found is not None and (best is None or found[1] - problem.vbytes(v) <
                                  best[2] - problem.vbytes(best[0])):
            best = (v,) + found
    return best

def overlay_of(problem, v, j: int, sweep):
    """(delta, size) of writing the output of a stage ending at op j over
    `v`, read by ops of the stage only, or None when that is unsafe. The
    same for every start of the stage (`sweep`: its strips at one height):
    it depends on the bands of v's users."""
    if v not in problem.overlay_slots:      # the same for every stage
        # The operand slots where each user reads v.
        slots = {k: [x for x, operand in enumerate(problem.ops[k].operands) if operand == v]
                 for k in set(problem.uses.get(v, []))}
        if any(problem.needs(k, 0, 1)[x] is None for k, xs in slots.items() for x in xs):
            slots = None  # read whole by every strip (a broadcast scale): never overwritable
        elif any(problem.info[k].kind == "insert" and 1 in xs for k, xs in slots.items()):
            slots = None  # bands written into its own bytes, read by later ops of the strip
            #               (the output would overlap them partially, not only later strips)
        problem.overlay_slots[v] = slots
    slots = problem.overlay_slots[v]
    if slots is None:
        return None
    n = len(sweep.strips)
    if n < 2:
        return None
    out_bytes = problem.result_bytes[j]
    row_out = out_bytes // problem.info[j].out_shape[1]
    row_in = problem.row_bytes(v)
    lows = [problem.vbytes(v) // row_in] * n     # per strip: the lowest row of v it reads
    needs = problem.needs
    for k, xs in slots.items():
        for s, band in sweep.bands_of.get(k, ()):
            # The whole band, carried rows included: in a streamed stage
            # they are copied from the previous band, which is the input's
            # own rows when the op writes into it (a channel insert).
            need = needs(k, *band.rows)
            for x in xs:
                rows = need[x]
                if rows is not None and rows[0] < lows[s]:
                    lows[s] = rows[0]
    # Per strip s < n - 1: the lowest input row any later strip reads, and
    # the end of op j's rows written by strip s (both the same for every start).
    later = list(accumulate(reversed(lows[1:]), min))
    later.reverse()
    if sweep.written is None:
        sweep.written = _written(sweep.bands_of, j, n)
    written = sweep.written
    # delta <= row_in * (lowest input row any later strip reads) - end of rows written so far
    limit = min([lo * row_in - w * row_out for lo, w in zip(later, written)])
    delta = min(limit, 0)
    return delta, max(max(0, -delta) + problem.vbytes(v), max(0, delta) + out_bytes)


def _written(bands_of: dict, j: int, n: int) -> list:
    """Per strip: the end of op j's rows written by it and the strips before."""
    written = [0] * n
    for s, band in bands_of.get(j, ()):
        written[s] = band.rows[1]
    return list(accumulate(written, max))
