"""Stage candidates over the scheduled op sequence and their estimates
(tigris.tiling.choose runs the dynamic program over them).

A stage is one op run flat; a segment of consecutive ops run in row strips
of height h, each strip either recomputing the rows its windows need (the
halo) or, streamed, keeping them from the strip before so every row is
computed once (strips pulled from the last op: tigris.tiling.pulled, or paced:
tigris.tiling.paced);
or a conv2d / fully connected layer split into groups of output channels
(smaller kernel scratch). A segment qualifies when every op in it is
row-streamable and only its last op's result is used after it. Its
fast-memory peak is the bytes live when it starts (everything produced before
it and still needed), plus its full output, plus the largest working set of
one strip with its kernel scratch (for a streamed segment, every op's band
buffer, held for the whole stage).
"""
from __future__ import annotations

import functools
import weakref

from mlir import ir

from tigris import kernels
from tigris.costmodel import PER_SLOW_BYTE, op_cost
from tigris.irgraph import CONSTANT_OPS, build_graph, compute_ops, value_bytes
from tigris.planning import lifetimes, load_profile
from tigris.planning.graph import align_up
from tigris.tiling.bands import SweepBuffers, bands_by_op
from tigris.tiling.overlay import best_overlay
from tigris.tiling.paced import paced_strips
from tigris.tiling.pulled import pulled_strips
from tigris.tiling.rows import (MOVES, POOLS, OpInfo, macs, needs, pads_ok, shape as _shape,
                               streamable)
from tigris.tiling.stage import PACED, PULLED, RECOMPUTE, Stage, Sweep

MAX_SEGMENT = 24
HEIGHTS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
SPLITS = (2, 4, 8, 16, 32, 64)    # channel groups of a split conv / fully connected layer
# Ops reading a window of input rows: a strip whose window holds no real row
# (it lies in the padding) is not offered.


def call_cost(info: OpInfo, macs_done: int, out_elems: int) -> float:
    """The cost model's charge for one call of `info`'s kernel (int8 outputs:
    elements = bytes)."""
    window = 1
    entry = kernels.REGISTRY[info.kind]
    if entry.per_tap:      # charged per filter tap: kh * kw of the weights as the kernel reads them
        w = entry.weights_view(info.in_shapes[1]) if entry.weights_view else info.in_shapes[1]
        window = w[1] * w[2]
    return op_cost(info.kind, macs_done, out_elems, window)


class Problem:
    def __init__(self, func_op, alignment: int = 16, scratch=None):
        self.alignment = alignment
        self.ops = compute_ops(func_op)
        self.info = [OpInfo.of(op) for op in self.ops]
        self.graph = build_graph(func_op, scratch=scratch)
        self.storages = lifetimes(self.graph.graph, self.graph.graph.order, inplace=True)
        self.storage_of = {b: n for n, st in self.storages.items() for b in st.buffers}
        self._placements: dict = {}     # slow storages -> figures and caches (set_slow)
        self.set_slow()
        m = len(self.ops)
        self.position = {}
        for i, op in enumerate(self.ops):
            self.position[op.results[0]] = i
        self.users = [[] for _ in range(m)]
        ret_users = set()
        block = func_op.regions[0].blocks[0]
        ret = next(o.operation for o in block.operations if o.operation.name == "func.return")
        for v in ret.operands:
            if v in self.position:
                ret_users.add(self.position[v])
        for j, op in enumerate(self.ops):
            for v in op.operands:
                if v in self.position:
                    self.users[self.position[v]].append(j)
        self.returned = ret_users
        self.uses: dict = {}     # value -> positions of the ops using it
        for j, op in enumerate(self.ops):
            for v in op.operands:
                self.uses.setdefault(v, []).append(j)
        self.use_span = {v: (min(us), max(us)) for v, us in self.uses.items()}
        self.returned_values = set(ret.operands)
        self.args = list(block.arguments)
        self.slow_ok = False     # may choose slow placements for stage outputs
        self.allow_overlay = True
        self.allow_stream = True
        self._vbytes: dict = {}
        self.reads = [set(op.operands) for op in self.ops]
        self.operands = [tuple(op.operands) for op in self.ops]
        self.results = [op.results[0] for op in self.ops]
        self.result_bytes = [value_bytes(v) for v in self.results]   # (hashing a value is slow)
        # Per op: the operand slot it writes its result into in place (an
        # insert along the width or channels: tigris.tiling.columns joins its
        # tiles so; see in_place), else None; and the bytes it writes (an
        # empty writes none, such an insert its input).
        self.into = [1 if inf.kind == "insert" and inf.attrs["axis"] > 1 else None
                     for inf in self.info]
        # Per op: (slot, value) of the operands it reads.
        self.read_operands = [[(x, v) for x, v in enumerate(op.operands) if x != self.into[k]]
                              for k, op in enumerate(self.ops)]
        self.written = [0 if inf.kind == "empty" else
                        value_bytes(op.operands[0]) if self.into[k] is not None else n
                        for k, (inf, op, n) in enumerate(zip(self.info, self.ops,
                                                             self.result_bytes))]
        # Per op: the position of each operand's producer (None: not an op's result).
        self.operand_pos = [[self.position.get(v) for v in op.operands] for op in self.ops]
        # Per op: (operand slot, producer position) of the operands ops produce.
        self.producers = [[(x, p) for x, p in enumerate(pos) if p is not None]
                          for pos in self.operand_pos]
        self.windowed = [kernels.REGISTRY[inf.kind].rows == "window" for inf in self.info]
        self.pooled = [inf.kind in POOLS for inf in self.info]
        # Per op: its 4-D operands (value, producer position or None, block argument?),
        # the inputs a stage output may be written over.
        self.image_operands = [[(v, self.position.get(v), isinstance(v, ir.BlockArgument))
                                for v in op.operands if len(_shape(v)) == 4] for op in self.ops]
        self.ok_stream = [streamable(inf) for inf in self.info]
        # Ops that read some operand whole (broadcast operands, weights): a
        # segment may not contain that operand's producer, whose value would
        # exist only as row bands.
        self.whole_inputs = []
        for k, inf in enumerate(self.info):
            whole = set()
            if self.ok_stream[k]:
                for v, rows in zip(self.ops[k].operands, needs(inf, 0, 1)):
                    if rows is None and v in self.position:
                        whole.add(self.position[v])
            self.whole_inputs.append(whole)
        self.sizes = sorted({st.size for st in self.storages.values() if st.kind == "buffer"},
                            reverse=True)
        self.scratch = scratch
        self._scratch_memo: dict = {}
        # Per op: whether its kernel has scratch that depends on its rows (_strip_scratch).
        self.has_scratch = [bool(scratch) and kernels.REGISTRY[inf.kind].scratch_shape is not None
                            for inf in self.info]
        self.flat_macs = [macs(inf) for inf in self.info]
        self.flat_cost = [call_cost(inf, mc, value_bytes(inf.op.results[0]))
                          for inf, mc in zip(self.info, self.flat_macs)]
        # MACs count the model's arithmetic: the ops that only move bytes
        # (a concat's or a column split's inserts, views) are charged by the
        # cost model, not counted.
        self.moves = [inf.kind in MOVES for inf in self.info]
        self.flat_macs = [0 if mv else mc for mv, mc in zip(self.moves, self.flat_macs)]
        self._memo: dict = {}
        self._strips_memo: dict = {}    # (i, j, h, stream) -> strips; placement-independent
        self._full_strips: dict = {}    # (first, j, h, stream) -> (strips, fails_from)
        self._needs_memo: dict = {}     # (k, c0, c1) -> needs(info[k], c0, c1)
        self._sweeps: dict = {}         # (j, h, stream) -> Sweep; placement-independent
        self._overlaps: dict = {}       # (first, j, h) -> _overlapping
        self._starts: dict = {}         # j -> segment_start(j)
        self.measured: dict = {}        # plan signature -> its arena (tigris.tiling.fit)
        self._row_bytes: dict = {}      # value -> bytes of one row (0: not 4-D)
        self.overlay_inputs: dict = {}  # (i, j) -> inputs a stage i..j may be written over
        self.overlay_slots: dict = {}  # value -> its users' operand slots, or None
        # The row helpers _sweep and _strips call in their inner loops, behind a
        # C-level cache (a hit costs no Python call): pure functions of the ops.
        # Bound to a weak proxy: a cache holding the problem would make a
        # reference cycle, and its millions of strips would wait for the
        # cyclic collector instead of being freed with it.
        me = weakref.proxy(self)
        for name in ("needs", "pads_ok", "band_cost", "_strip_scratch", "_rows_bytes"):
            setattr(self, name, functools.lru_cache(maxsize=None)(
                getattr(Problem, name).__get__(me)))

    def long_lived(self, min_size: int = 4096, span: int = 2) -> set:
        """Storages that stay live across more than `span` ops (skip connections). Not
        one holding a function result: results stay in fast memory (`_variants`
        places no returned value in the slow pool), and a result stored slow
        would leave the last stage no placement at all (YOLOv5's detections, a
        concat the heads write into early, is live across the whole neck)."""
        results = {self.graph.value_buffer.get(v) for v in self.returned_values}
        return {n for n, st in self.storages.items() if st.kind == "buffer"
                and st.death - st.birth > span and st.size >= min_size
                and not results & set(st.buffers)}

    def set_slow(self, storages: set | None = None) -> None:
        """Place the named `storages` in the slow pool (None: everything fast)
        and recompute the fast-memory figures."""
        key = frozenset(storages or ())
        if key in self._placements:     # searched before: its figures and caches again
            (self.slow_storages, self.slow, self.profile, self.entering, self._memo,
             self.derived) = self._placements[key]
            return
        al = self.alignment
        m = len(self.ops)
        slow_storages = set(storages or ())
        self.slow_storages = slow_storages
        self.slow = {v for v, b in self.graph.value_buffer.items()
                     if self.storage_of.get(b) in slow_storages}
        fast = {n: st for n, st in self.storages.items() if n not in slow_storages}
        self.profile = load_profile(fast, al) if fast else [0] * m
        self.profile += [0] * (m - len(self.profile))
        # Bytes live at step i that were produced before it (arguments count
        # as produced before step 0): what a stage starting at i must keep.
        self.entering = [0] * (m + 1)
        for st in fast.values():
            if st.kind != "buffer":
                continue
            born = -1 if st.birth == 0 and any(b.startswith("arg") for b in st.buffers) else st.birth
            for i in range(max(born + 1, 0), min(st.death, m - 1) + 1):
                self.entering[i] += align_up(st.size, al)
        self._memo = {}
        self.derived: dict = {}     # figures derived from the stages (tigris.tiling.choose)
        self._placements[key] = (self.slow_storages, self.slow, self.profile, self.entering,
                                 self._memo, self.derived)

    def set_overlay(self, allowed: bool) -> None:
        self.allow_overlay = allowed

    def segment_ok(self, i: int, j: int) -> bool:
        if not all(self.ok_stream[i:j + 1]) or self.info[j].out_shape[1] < 2:
            return False
        if any(p >= i for k in range(i, j + 1) for p in self.whole_inputs[k]):
            return False
        for k in range(i, j):
            if k in self.returned or any(u > j for u in self.users[k]):
                return False
        return True

    def segment_start(self, j: int) -> int:
        """The first op of the longest segment ending at op j (j + 1: none).
        segment_ok(i, j) only fails more as i moves down (every condition
        is over the ops i..j), so the segments ending at j are i..j for i
        from this start to j: their strips are built from it."""
        start = self._starts.get(j)
        if start is None:
            start = j + 1
            while start > max(0, j - MAX_SEGMENT + 1) and self.segment_ok(start - 1, j):
                start -= 1
            self._starts[j] = start
        return start

    def strips(self, i: int, j: int, h: int, stream: int = RECOMPUTE):
        """The strips of segment i..j at height h, or None when it cannot be
        tiled so. Each strip is a list of Band (ops it does not need are
        absent), in op order.

        RECOMPUTE: strips of h rows of op j, every op computing its whole
        band, halo rows included. PULLED: the same strips, every op computing
        only rows no earlier strip computed (the rest of its band is kept from
        the strip before). PACED: paced strips (tigris.tiling.paced, h rows of
        the op with the most rows each), every op computing each of its rows
        once and keeping those still read."""
        key = (i, j, h, stream)
        if key not in self._strips_memo:
            first = min(i, self.segment_start(j))
            strips, fails_from = self._full(first, j, h, stream)
            # An op's bands do not depend on where the segment starts (only on
            # the ops after it): the strips of i..j are those of first..j
            # without the ops before i.
            kept = [[b for b in strip if b.op >= i] for strip in strips]
            self._strips_memo[key] = None if i <= fails_from else [s for s in kept if s]
        return self._strips_memo[key]

    def _full(self, first: int, j: int, h: int, stream: int):
        key = (first, j, h, stream)
        if key not in self._full_strips:
            if stream == PACED:
                pulled, fails_from = self._full(first, j, h, RECOMPUTE)
                self._full_strips[key] = paced_strips(self, pulled, fails_from, j, h)
            else:
                self._full_strips[key] = pulled_strips(self, first, j, h, stream == PULLED)
        return self._full_strips[key]

    def _overlapping(self, first: int, j: int, h: int) -> bool:
        """Whether some op's band in a recomputing strip overlaps its band in
        the strip before (a halo), i.e. whether streaming has rows to carry."""
        key = (first, j, h)
        found = self._overlaps.get(key)
        if found is None:
            found = self._overlaps[key] = self._find_overlap(first, j, h)
        return found

    def _find_overlap(self, first: int, j: int, h: int) -> bool:
        last: dict = {}
        for strip in self._full(first, j, h, False)[0]:
            for b in strip:
                if b.op in last and b.rows[0] < last[b.op]:
                    return True
                last[b.op] = b.rows[1]
        return False

    def needs(self, k: int, c0: int, c1: int):
        """The operand rows op k reads to compute its output rows [c0, c1) (memoized:
        every segment ending at the same op, at the same height, asks again)."""
        key = (k, c0, c1)
        n = self._needs_memo.get(key)
        if n is None:
            n = self._needs_memo[key] = needs(self.info[k], c0, c1)
        return n

    def in_place(self, i: int, j: int) -> bool:
        """Whether stage i..j's last op writes into a destination made before
        the stage (no new buffer: tigris.tiling.rewrite writes its rows there)."""
        if self.into[j] is None:
            return False
        dest = self.operand_pos[j][self.into[j]]
        return dest is None or dest < i

    def pads_ok(self, k: int, c0: int, c1: int) -> bool:
        """Whether op k may compute its rows [c0, c1) in one call (rows.pads_ok)."""
        return pads_ok(self.info[k], c0, c1)

    def band_cost(self, k: int, rows: int) -> tuple[int, float]:
        """(MACs, cost-model charge) of one call of op k computing `rows` rows
        (the same wherever the rows are)."""
        m = macs(self.info[k], rows)
        sh = self.info[k].out_shape
        return 0 if self.moves[k] else m, call_cost(self.info[k], m, rows * sh[2] * sh[3])

    def tiled(self, i: int, j: int, h: int, stream: int = RECOMPUTE) -> Stage | None:
        """Segment i..j in strips of height h: its figures for the current
        placement (the placement-independent ones come from `_sweep`)."""
        key = (i, j, h, stream)
        if key in self._memo:
            return self._memo[key]
        sweep = self._sweep(j, h, stream)
        core = sweep.starts.get(i)
        if core is None:
            self._memo[key] = None
            return None
        total_macs, cost, work = core
        al = self.alignment
        prev = self.prev_value(i)
        prev_read, slow_read = 0, 0
        # (a destination written in place is not read)
        if prev is not None:
            prev_row = self.row_bytes(prev)
            for k in self.uses.get(prev, ()):
                if i <= k <= j:
                    for x, v in self.read_operands[k]:
                        if v == prev:
                            whole, rows = sweep.reads[k][x]
                            prev_read += whole * self.vbytes(v) + rows * prev_row
        if self.slow:
            for k in range(i, j + 1):
                if not self.reads[k] & self.slow:
                    continue
                for x, v in self.read_operands[k]:
                    p = self.position.get(v)
                    if v in self.slow and v != prev and (p is None or p < i):
                        whole, rows = sweep.reads[k][x]
                        slow_read += whole * self.vbytes(v) + \
                            rows * (self.vbytes(v) // _shape(v)[1])
        out_value = self.results[j]
        out_slow = out_value in self.slow
        # An insert into a destination made before the stage writes there: no new buffer.
        into = self.in_place(i, j)
        out_size = 0 if out_slow or into else align_up(self.result_bytes[j], al)
        traffic = slow_read + (self.written[j] if out_slow else 0)
        stage = Stage(i, j, h, self.entering[i] + out_size + work,
                      cost + PER_SLOW_BYTE * traffic, total_macs, traffic=traffic,
                      out_bytes=out_size, prev_live=self._live_bytes(prev, i),
                      prev_read=prev_read, stream=stream)
        overlay = best_overlay(self, i, j, sweep) if not out_slow and not into else None
        if overlay is not None:
            x, delta, size = overlay
            saving = align_up(self.vbytes(x), al) + out_size - align_up(size, al)
            if saving > 0:
                stage.peak -= saving
                stage.overlay, stage.delta, stage.size = x, delta, size
                stage.overlay_saving = saving
        self._memo[key] = stage
        return stage

    def _sweep(self, j: int, h: int, stream: int) -> "Sweep":
        """MACs, cost and strip working set of every segment i..j at height h
        (placement-independent, so kept when `set_slow` changes placements),
        found in one pass over the starts i = j, j-1, ...: a start adds op i's
        bands and only ever raises the working set of the ops after it, so
        each strip keeps its largest figure instead of recounting the segment.

        An op's figure in a strip is what is resident when it runs (bands of
        earlier ops of the strip still read by later ones) plus its own band
        (none for op j, which writes into the stage output) plus its kernel
        scratch. In a streamed segment an op that keeps rows from strip to
        strip (and the inserts writing into its band: tiling.paced.
        shared_buffers) holds one band buffer for the whole stage
        (tiling.stage.band_buffer), resident in every strip."""
        key = (j, h, stream)
        sweep = self._sweeps.get(key)
        if sweep is not None:
            return sweep
        first = self.segment_start(j)
        if stream and not self._overlapping(first, j, h):
            self._sweeps[key] = Sweep([])
            return self._sweeps[key]   # nothing to carry: the strips of recomputing
        strips, fails_from = self._full(first, j, h, stream)
        bands_of = bands_by_op(strips)
        sweep = self._sweeps[key] = Sweep(strips, bands_of=bands_of)
        n = len(strips)
        lowest = max(first, fails_from + 1)
        live_until = {k: max([u for u in self.users[k] if u <= j] + [k])
                      for k in range(first, j + 1)}
        for k in range(first, j + 1):
            us = [u for u in self.users[k] if u <= j]
            if us and all(self.info[u].kind == "insert" and self.operand_pos[u][1] == k
                          and self.operand_pos[u][0] != k for u in us):
                live_until[k] = min(us) - 1    # its band becomes the insert's: written in place
        rings = SweepBuffers(self, sweep, lowest, j) if stream else None
        offset = [0] * n        # added to every figure already in the strip
        top = [0] * n           # the strip's largest figure
        value: list = [dict() for _ in range(n)]   # op -> figure - offset
        total_macs, cost, work = 0, 0.0, 0
        al = self.alignment
        band_cost, op_needs, strip_scratch = self.band_cost, self.needs, self._strip_scratch
        for i in range(j, lowest - 1, -1):
            reads = []
            ringed = rings is not None and rings.add(i)
            mine = bands_of.get(i, ())
            row = 0 if not mine or i == j or ringed else \
                self.info[i].out_shape[2] * self.info[i].out_shape[3]
            scratchy = self.has_scratch[i]
            for s, b in mine:
                c0, c1 = b.compute
                if c1 > c0:
                    m, c = band_cost(i, c1 - c0)
                    total_macs += m
                    cost += c
                    reads.append(op_needs(i, c0, c1))
                    figure = strip_scratch(i, c0, c1) if scratchy else 0
                else:
                    figure = 0
                base = offset[s]
                if row:
                    r0, r1 = b.rows
                    own = -(-(r1 - r0) * row // al) * al    # aligned band bytes
                    if own:
                        figure += own
                        until = live_until[i]
                        if until == j:
                            base = offset[s] = base + own
                            top[s] += own
                        else:
                            vals, t = value[s], top[s]
                            for k in range(i + 1, until + 1):
                                f = vals.get(k)
                                if f is not None:
                                    f = vals[k] = f + own
                                    if f + base > t:
                                        t = f + base
                            top[s] = t
                value[s][i] = figure - base
                t = top[s]
                if figure > t:
                    t = top[s] = figure
                if t > work:
                    work = t
            sweep.reads[i] = self._reads(i, reads)
            extra = (rings.bytes, rings.moves) if rings is not None else (0, 0.0)
            sweep.starts[i] = (total_macs, cost + extra[1], work + extra[0])
        return sweep

    def _reads(self, i: int, reads: list) -> list:
        """Per operand of op i: (calls reading it whole, rows read in all)."""
        if not reads:
            return [(0, 0)] * len(self.operand_pos[i])
        out = []
        for column in zip(*reads):
            whole = column.count(None)
            out.append((whole, sum([r[1] - r[0] for r in column if r is not None])
                        if whole < len(column) else 0))
        return out

    def _strip_scratch(self, k: int, c0: int, c1: int) -> int:
        """Aligned kernel scratch of op k computing its rows [c0, c1)."""
        if c1 <= c0 or not self.has_scratch[k]:
            return 0
        lo, hi = self.needs(k, c0, c1)[0]
        key = (k, hi - lo, c1 - c0)
        if key not in self._scratch_memo:
            self._scratch_memo[key] = align_up(self.scratch(self.ops[k], rows=key[1:]),
                                               self.alignment)
        return self._scratch_memo[key]

    def vbytes(self, value) -> int:
        n = self._vbytes.get(value)
        if n is None:
            n = self._vbytes[value] = value_bytes(value)
        return n

    def row_bytes(self, value) -> int:
        """Bytes of one row of a 4-D `value` (0 for other ranks)."""
        n = self._row_bytes.get(value)
        if n is None:
            sh = _shape(value)
            n = self._row_bytes[value] = self.vbytes(value) // sh[1] if len(sh) == 4 else 0
        return n

    def _rows_bytes(self, k: int, rows, align: bool = True) -> int:
        sh = self.info[k].out_shape
        n = (rows[1] - rows[0]) * sh[2] * sh[3]
        return align_up(n, self.alignment) if align else n

    def flat(self, i: int) -> Stage:
        op = self.ops[i]
        read = [v for _, v in self.read_operands[i]]
        out = op.results[0]
        traffic = sum(self.vbytes(v) for v in read if v in self.slow) + \
            (self.written[i] if out in self.slow else 0)
        prev = self.prev_value(i)
        out_bytes = 0 if out in self.slow or self.into[i] is not None else \
            align_up(self.vbytes(out), self.alignment)
        prev_live = self._live_bytes(prev, i)
        if prev_live and self._same_storage(prev, out):
            prev_live = 0   # written in place: read from the slow pool, its bytes hold the output
        return Stage(i, i, 0, self.profile[i], self.flat_cost[i] + PER_SLOW_BYTE * traffic,
                     self.flat_macs[i], traffic=traffic, out_bytes=out_bytes, prev_live=prev_live,
                     prev_read=self.vbytes(prev) if prev is not None and prev in read else 0)

    def _same_storage(self, a, b) -> bool:
        buffers = self.graph.value_buffer
        sa = self.storage_of.get(buffers.get(a))
        return sa is not None and sa == self.storage_of.get(buffers.get(b))

    def split(self, j: int, groups: int) -> Stage | None:
        """Op j (a conv2d or fully connected layer) computing its output
        channels in `groups` calls, each with its slice of the weights, bias
        and multipliers: the kernel's scratch (ESP-NN copies the whole filter)
        shrinks with the group; each group's output is copied into the stage
        output (written in place for a fully connected layer's [1, N])."""
        info, op = self.info[j], self.ops[j]
        if not kernels.REGISTRY[info.kind].channel_split or info.attrs.get("groups", 1) != 1:
            return None
        if any(getattr(v.owner, "name", None) not in CONSTANT_OPS for v in list(op.operands)[1:]):
            return None     # the groups read views of constant weights and bias
        cout = info.out_shape[-1]
        if cout % groups or (cout // groups) % 4:
            return None
        al = self.alignment
        flat = self.flat(j)
        out_elems = self.vbytes(op.results[0])
        part = out_elems // groups
        scratch_all = self.scratch(op) if self.scratch else 0
        scratch_part = self.scratch(op, cout // groups) if self.scratch else 0
        temp = 0 if len(info.out_shape) == 2 else align_up(part, al)   # [1, N]: in place
        peak = flat.peak - align_up(scratch_all, al) + align_up(scratch_part, al) + temp
        cost = groups * call_cost(info, flat.macs // groups, part)
        if temp:
            cost += groups * op_cost("insert", part)
        x = op.operands[0]
        extra = (groups - 1) * self.vbytes(x) if x in self.slow else 0
        return Stage(j, j, 0, peak, cost + PER_SLOW_BYTE * (flat.traffic + extra), flat.macs,
                     traffic=flat.traffic + extra, out_bytes=flat.out_bytes,
                     prev_live=flat.prev_live, prev_read=flat.prev_read * groups, groups=groups)

    def prev_value(self, i: int):
        """The tensor a stage starting at op i may take from slow memory: the
        previous op's result (the model input for i = 0)."""
        if i > 0:
            return self.results[i - 1]
        return self.args[0] if self.args else None

    def _live_bytes(self, value, i: int) -> int:
        """Aligned bytes of `value` if it is still live (in fast memory) at step i."""
        if value is None or value in self.slow or value in self.returned_values:
            return 0
        users = self.uses.get(value, [])
        if not users or max(users) < i:
            return 0
        return align_up(self.vbytes(value), self.alignment)

    def options(self, j: int):
        """Every stage ending at op j."""
        yield self.flat(j)
        for groups in SPLITS:
            st = self.split(j, groups)
            if st is not None:
                yield st
        if not self.ok_stream[j] or self.info[j].out_shape[1] < 2:
            return      # no segment ends here (segment_ok)
        oh = self.info[j].out_shape[1]
        heights, counts = [], set()
        for h in HEIGHTS:
            if h >= oh:
                break
            if -(-oh // h) in counts:
                continue    # a lower height makes as many strips, each smaller
            counts.add(-(-oh // h))
            # The streamed kinds that have rows to carry at this height.
            streams = [s for s in (PULLED, PACED) if self._sweep(j, h, s).starts] \
                if self.allow_stream else ()
            heights.append((h, streams))
        for i in range(j, self.segment_start(j) - 1, -1):
            for h, streams in heights:
                st = self.tiled(i, j, h)
                if st is not None:
                    yield st
                for stream in streams:
                    streamed = self.tiled(i, j, h, stream)
                    if streamed is not None and (st is None or streamed.macs < st.macs):
                        yield streamed
