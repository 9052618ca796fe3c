"""Lifetimes of storages under an order, peaks and the packing lower bound."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from .graph import Graph, Problem, align_up


@dataclass(frozen=True)
class Storage:
    """One block of memory to place: live at steps ``birth..death`` inclusive.

    ``buffers`` are the graph buffers sharing it (aliases, in-place merges);
    ``kind`` is ``"buffer"`` or ``"scratch"`` (then ``node`` names its owner).
    ``size`` is in bytes, not yet aligned.
    """

    name: str
    size: int
    birth: int
    death: int
    buffers: tuple[str, ...] = ()
    kind: str = "buffer"
    node: str | None = None

    def overlaps(self, other: "Storage") -> bool:
        return self.birth <= other.death and other.birth <= self.death


def _order_indices(problem: Problem, order: Sequence[str] | None) -> list[int]:
    if order is None:
        return list(range(problem.n))
    return problem.indices(order)


def lifetimes(graph: Graph, order: Sequence[str] | None = None,
              inplace: bool = True) -> dict[str, Storage]:
    """``{storage name: Storage}`` for ``order`` (default: the given order).

    Static aliases are resolved into shared storages named after their root
    buffer; in-place merges (``Node.inplace_ok``) chosen by the order join the
    written output to the overwritten input's storage. Kernel scratch appears
    as storages of kind ``"scratch"`` named ``scratch:<node>``. A storage is
    live from its first toucher (step 0 for graph inputs) to its last toucher
    (the last step for graph outputs).
    """
    p = Problem(graph, 1, inplace)
    idx = _order_indices(p, order)
    last = max(p.n - 1, 0)
    first = [None] * p.m
    final = [None] * p.m
    root = list(range(p.m))  # in-place merge forest: y -> x
    done, res = 0, p.res0
    for step, k in enumerate(idx):
        for s in p.touched[k]:
            if first[s] is None:
                first[s] = step
            final[s] = step
        _, res, merge = p.step(done, k, res)
        if merge is not None:
            x, y = merge
            while root[x] != x:
                x = root[x]
            root[y] = x
        done |= 1 << k

    def rep(s):
        while root[s] != s:
            s = root[s]
        return s

    groups: dict[int, list[int]] = {}
    for s in range(p.m):
        groups.setdefault(rep(s), []).append(s)
    out: dict[str, Storage] = {}
    for r, mem in groups.items():
        births, deaths = [], []
        for s in mem:
            b = 0 if p.is_in[s] else (first[s] if first[s] is not None else 0)
            d = last if p.is_out[s] else (final[s] if final[s] is not None else b)
            births.append(b)
            deaths.append(max(b, d))
        bufs = tuple(b for s in mem for b in p.members[s])
        out[p.names[r]] = Storage(p.names[r], max(p.raw[s] for s in mem), min(births),
                                  max(deaths), bufs)
    for step, k in enumerate(idx):
        nd = graph.nodes[k]
        if nd.scratch > 0:
            name = f"scratch:{nd.name}"
            while name in out:
                name += "'"
            out[name] = Storage(name, nd.scratch, step, step, (), "scratch", nd.name)
    return out


def storage_of(storages: Mapping[str, Storage]) -> dict[str, str]:
    """``{buffer name: storage name}`` for a :func:`lifetimes` result."""
    return {b: name for name, st in storages.items() for b in st.buffers}


def as_triples(storages) -> list[tuple[str, int, int, int]]:
    """``[(name, size, birth, death)]`` from a mapping of Storage or of
    ``(size, birth, death)`` tuples, or from a sequence of Storage."""
    items = storages.items() if isinstance(storages, Mapping) else \
        ((st.name, st) for st in storages)
    out = []
    for name, st in items:
        if isinstance(st, Storage):
            out.append((name, int(st.size), int(st.birth), int(st.death)))
        else:
            size, birth, death = st
            out.append((name, int(size), int(birth), int(death)))
    return out


def load_profile(storages, alignment: int = 16, pieces=None) -> list[int]:
    """Live bytes per step (sizes rounded up to ``alignment``). ``pieces``:
    ``{storage: [[offset, size, birth, death], ...]}``, storages that occupy
    only those rectangles (tigris.planning.pack)."""
    trip = as_triples(storages)
    if not trip:
        return []
    steps = max(d for _, _, _, d in trip) + 1
    diff = [0] * (steps + 1)
    pieces = pieces or {}
    for name, size, b, d in trip:
        if name in pieces and size > 0:
            for off, ps, pb, pd in pieces[name]:
                if ps > 0:
                    a = (align_up(off + ps, alignment) - off // alignment * alignment
                         if alignment > 1 else ps)
                    diff[pb] += a
                    diff[pd + 1] -= a
            continue
        a = align_up(size, alignment)
        diff[b] += a
        diff[d + 1] -= a
    prof, acc = [], 0
    for t in range(steps):
        acc += diff[t]
        prof.append(acc)
    return prof


def lower_bound(storages, alignment: int = 16, pieces=None) -> int:
    """Max over steps of the live bytes, each size rounded up to ``alignment``:
    no packing of these lifetimes can use a smaller arena."""
    prof = load_profile(storages, alignment, pieces)
    return max(prof) if prof else 0


def peak(graph: Graph, order: Sequence[str] | None = None, alignment: int = 1,
         inplace: bool = True) -> int:
    """Peak live bytes (sizes rounded to ``alignment``, scratch included) of
    ``order`` (default: the given order). Equals ``lower_bound(lifetimes(graph,
    order, inplace), alignment)``."""
    p = Problem(graph, alignment, inplace)
    return p.order_peak(_order_indices(p, order))


def naive_peak(graph: Graph, alignment: int = 1, inplace: bool = True) -> int:
    """Peak live bytes in the given (ONNX) order."""
    return peak(graph, None, alignment, inplace)
