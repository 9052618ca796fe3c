"""The band buffers of streamed stages (tigris.tiling.search, .rewrite).

In a streamed stage an op whose bands keep rows from strip to strip keeps
them in one buffer for the whole stage (tigris.tiling.stage.band_buffer).
An insert writing a concat's channels into such an op's band, which nothing
else reads, writes into the same buffer: the buffer's first op computes its
rows, the inserts fill their channels in place.
"""
from __future__ import annotations

from tigris.costmodel import op_cost
from tigris.tiling.stage import Band, band_buffer


def bands_by_op(strips) -> dict:
    """op -> [(strip index, its band)], in strip order."""
    out: dict = {}
    for s, strip in enumerate(strips):
        for b in strip:
            out.setdefault(b.op, []).append((s, b))
    return out


def shared_buffers(problem, strips, i: int, j: int) -> dict:
    """op -> the op whose band buffer it writes into, for the streamed segment
    i..j with these strips: an insert (a concat built channel group by
    channel group) whose destination is the band of an op of the segment that
    nothing else reads, so it writes its channels into those rows in place."""
    ops = {b.op for strip in strips for b in strip if b.op >= i}
    into = {}
    for k in ops:
        if k == j or problem.info[k].kind != "insert":
            continue
        src, p = problem.operand_pos[k][:2]
        if p in ops and p != j and src != p and problem.users[p] == [k]:
            into[k] = p
    return into


def group_bands(bands_of: dict, members: list) -> list:
    """The bands of one buffer shared by `members` (its first op, the one that
    computes new rows, then the inserts writing into them), per strip that
    has any: their rows together, the first op's new rows."""
    root = members[0]
    by_strip: dict = {}
    for k in members:
        for s, b in bands_of.get(k, ()):
            by_strip.setdefault(s, {})[k] = b
    out = []
    for s in sorted(by_strip):
        present = by_strip[s]
        lo = min(b.rows[0] for b in present.values())
        hi = max(b.rows[1] for b in present.values())
        r = present.get(root)
        compute = r.compute if r is not None else (hi, hi)
        out.append((s, Band(root, (lo, max(hi, compute[1])), compute)))
    return out


def keeps_rows(bands) -> bool:
    """Whether some band holds rows an earlier strip computed: the op (with
    the inserts writing into its band) then holds one buffer for the whole
    stage. The rewrite (tigris.tiling.rewrite) and the sweep's estimate
    (SweepBuffers) decide by this one rule."""
    return any(b.compute[0] > b.rows[0] for b in bands)


class SweepBuffers:
    """The band buffers of a streamed segment's sweep, as its start moves up
    (tigris.tiling.search.Problem._sweep): an op whose bands keep rows from
    strip to strip, with the inserts writing into its band (shared_buffers),
    holds one buffer (tigris.tiling.stage.band_buffer) for the whole stage."""

    def __init__(self, problem, sweep, lowest: int, j: int):
        self.problem, self.bands_of, self.j = problem, sweep.bands_of, j
        into = shared_buffers(problem, sweep.strips, lowest, j)
        self.writer = {p: k for k, p in into.items()}  # op -> the insert writing into its band
        self.members: dict = {}     # first op of a buffer -> its ops (ringed or not)
        self.held: dict = {}        # first op of a ringed buffer -> (bytes, cost of its moves)
        self.bytes, self.moves = 0, 0.0

    def add(self, i: int) -> bool:
        """Start the segment at op i: whether op i's band is in a buffer
        held for the whole stage (its bytes are then in `bytes`)."""
        if i == self.j or i not in self.bands_of:
            return False
        group = [i]
        if i in self.writer:        # the buffer of the inserts after i becomes op i's
            group += self.members.pop(self.writer[i])
            size, moves = self.held.pop(self.writer[i], (0, 0.0))
            self.bytes -= size
            self.moves -= moves
        self.members[i] = group
        if len(group) == 1:
            bands = [b for _, b in self.bands_of[i]]
        else:
            bands = [b for _, b in group_bands(self.bands_of, group)]
        if not keeps_rows(bands):
            return False            # nothing kept across strips: bands as recomputing strips
        rows, layout = band_buffer(bands)
        p = self.problem
        moves = sum(op_cost("insert", p._rows_bytes(i, (b.rows[0], b.compute[0]), align=False))
                    for b, (_, shift) in zip(bands, layout) if shift)
        self.held[i] = (p._rows_bytes(i, (0, rows)), moves)
        self.bytes += self.held[i][0]
        self.moves += moves
        return True
