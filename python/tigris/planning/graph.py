"""The abstract graph the planners work on, and its compiled (bitmask) form.

A :class:`Graph` is a list of :class:`Node` in a given valid topological order
(the "ONNX order") over named buffers of known byte sizes. Weights and
constants are not buffers: they live in flash and never enter the plan.

Storages. Buffers tied by a static alias (``Node.aliases``: a reshape view, or
the destination of a destination-passing ``insert``) share one *storage*: one
block of memory whose lifetime is the union of its members' and whose size is
the largest member. An elementwise node listing an input in ``inplace_ok`` may
in addition write its first output over that input when the input's storage
dies at the node; that merge depends on the order and is made by
:func:`tigris.planning.liveness.lifetimes` and by the scheduler.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence


class GraphError(ValueError):
    """The graph (or an order over it) is malformed."""


def align_up(n: int, alignment: int) -> int:
    """``n`` rounded up to a multiple of ``alignment`` (>= 1)."""
    if alignment <= 1:
        return int(n)
    return -(-int(n) // alignment) * alignment


@dataclass
class Node:
    """One operator: reads ``inputs``, writes ``outputs`` (buffer names).

    ``scratch``: bytes of kernel scratch live only during this node's step.
    ``aliases``: ``{output: input}``, the output occupies the input's memory
    (reshape view, or ``insert`` writing into its ``dest``).
    ``inplace_ok``: inputs the node may overwrite with ``outputs[0]`` when the
    input has no later use (elementwise ops); tried in the listed order.
    """

    name: str
    inputs: Sequence[str] = ()
    outputs: Sequence[str] = ()
    scratch: int = 0
    aliases: Mapping[str, str] = field(default_factory=dict)
    inplace_ok: Sequence[str] = ()

    def __post_init__(self):
        self.inputs = tuple(self.inputs)
        self.outputs = tuple(self.outputs)
        self.aliases = dict(self.aliases)
        self.inplace_ok = tuple(self.inplace_ok)
        self.scratch = int(self.scratch)


@dataclass
class Graph:
    """Nodes in the given order, buffer sizes, graph inputs and outputs.

    Graph inputs are live from step 0 (to their last use); graph outputs are
    live to the last step. A buffer that no node produces must be an input.
    """

    nodes: list[Node]
    buffers: dict[str, int]
    inputs: Sequence[str] = ()
    outputs: Sequence[str] = ()

    def __post_init__(self):
        self.nodes = list(self.nodes)
        self.buffers = {k: int(v) for k, v in self.buffers.items()}
        self.inputs = tuple(self.inputs)
        self.outputs = tuple(self.outputs)
        self.validate()

    @property
    def order(self) -> list[str]:
        """The given order, as node names."""
        return [n.name for n in self.nodes]

    def node(self, name: str) -> Node:
        return self.nodes[self._index()[name]]

    def _index(self) -> dict[str, int]:
        return {n.name: i for i, n in enumerate(self.nodes)}

    def validate(self) -> None:
        names = set()
        producer: dict[str, str] = {}
        for n in self.nodes:
            if n.name in names:
                raise GraphError(f"duplicate node name {n.name!r}")
            names.add(n.name)
            for b in n.inputs + n.outputs:
                if b not in self.buffers:
                    raise GraphError(f"node {n.name!r}: unknown buffer {b!r}")
            for b in n.outputs:
                if b in producer:
                    raise GraphError(f"buffer {b!r} produced by {producer[b]!r} and {n.name!r}")
                if b in self.inputs:
                    raise GraphError(f"graph input {b!r} produced by node {n.name!r}")
                producer[b] = n.name
            for o, i in n.aliases.items():
                if o not in n.outputs or i not in n.inputs:
                    raise GraphError(f"node {n.name!r}: alias {o!r}->{i!r} is not output->input")
            for i in n.inplace_ok:
                if i not in n.inputs:
                    raise GraphError(f"node {n.name!r}: inplace_ok {i!r} is not an input")
            if n.scratch < 0:
                raise GraphError(f"node {n.name!r}: negative scratch")
        for b, s in self.buffers.items():
            if s < 0:
                raise GraphError(f"buffer {b!r}: negative size")
        for b in self.inputs + self.outputs:
            if b not in self.buffers:
                raise GraphError(f"graph input/output {b!r} is not a buffer")
        for b in self.outputs:
            if b not in producer and b not in self.inputs:
                raise GraphError(f"graph output {b!r} has no producer and is not an input")
        seen = set(self.inputs)
        for n in self.nodes:
            for b in n.inputs:
                if b not in seen:
                    if b in producer:
                        raise GraphError(f"given order not topological: {n.name!r} reads {b!r} "
                                         f"before {producer[b]!r}")
                    raise GraphError(f"buffer {b!r} read by {n.name!r} has no producer "
                                     "and is not a graph input")
            seen.update(n.outputs)


class GraphBuilder:
    """Convenience for building graphs in tests and generators."""

    def __init__(self):
        self.nodes: list[Node] = []
        self.buffers: dict[str, int] = {}
        self.inputs: list[str] = []
        self.outputs: list[str] = []

    def input(self, name: str, size: int) -> str:
        self.buffers[name] = size
        self.inputs.append(name)
        return name

    def op(self, name: str, inputs: Iterable[str] = (), size: int | Sequence[int] = 0,
           scratch: int = 0, alias: str | None = None, inplace: bool | Sequence[str] = False,
           out: str | Sequence[str] | None = None) -> str:
        """Add node ``name``; returns its (first) output buffer's name.

        ``size`` is one size or a list (one output each). ``alias`` names the
        input the first output aliases; ``inplace=True`` lets it overwrite any
        input (or list the ones it may).
        """
        inputs = tuple(inputs)
        sizes = [size] if isinstance(size, int) else list(size)
        if out is None:
            outs = [name] if len(sizes) == 1 else [f"{name}.{k}" for k in range(len(sizes))]
        else:
            outs = [out] if isinstance(out, str) else list(out)
        for o, s in zip(outs, sizes):
            self.buffers[o] = s
        aliases = {outs[0]: alias} if alias is not None else {}
        if inplace is True:
            inplace_ok = inputs
        elif inplace is False:
            inplace_ok = ()
        else:
            inplace_ok = tuple(inplace)
        self.nodes.append(Node(name, inputs, tuple(outs), scratch, aliases, inplace_ok))
        return outs[0]

    def output(self, *bufs: str) -> None:
        self.outputs.extend(bufs)

    def build(self) -> Graph:
        return Graph(self.nodes, self.buffers, self.inputs, self.outputs)


class Problem:
    """Compiled form of a graph: static storages and node bitmasks.

    Node ``k`` is ``graph.nodes[k]`` and bit ``1 << k`` in masks. Storage
    sizes are rounded up to ``alignment``; ``raw`` keeps the byte sizes (the
    in-place rule compares those, so merges do not depend on alignment).
    """

    def __init__(self, graph: Graph, alignment: int = 1, inplace: bool = True):
        self.graph = graph
        self.alignment = alignment
        nodes = graph.nodes
        self.n = n = len(nodes)
        self.index = {nd.name: k for k, nd in enumerate(nodes)}
        # --- static alias classes (union-find; the root is the non-alias member)
        parent = {b: b for b in graph.buffers}

        def find(b):
            while parent[b] != b:
                parent[b] = parent[parent[b]]
                b = parent[b]
            return b

        for nd in nodes:
            for o, i in nd.aliases.items():
                ro, ri = find(o), find(i)
                if ro != ri:
                    parent[ro] = ri
        producer = {}
        for k, nd in enumerate(nodes):
            for b in nd.outputs:
                producer[b] = k
        # name each class after its root buffer; enumerate classes in a stable order
        members: dict[str, list[str]] = {}
        for b in graph.buffers:
            members.setdefault(find(b), []).append(b)
        touch: dict[str, int] = {r: 0 for r in members}
        for k, nd in enumerate(nodes):
            for b in nd.inputs + nd.outputs:
                touch[find(b)] |= 1 << k
        ins, outs = set(graph.inputs), set(graph.outputs)
        self.names: list[str] = []
        self.members: list[tuple[str, ...]] = []
        self.raw: list[int] = []
        self.size: list[int] = []
        self.tmask: list[int] = []
        self.is_in: list[bool] = []
        self.is_out: list[bool] = []
        self.sid: dict[str, int] = {}
        for r, mem in members.items():
            is_in = any(b in ins for b in mem)
            if touch[r] == 0 and not is_in:
                continue  # a buffer nothing touches and that is not an input
            s = len(self.names)
            self.names.append(r)
            self.members.append(tuple(mem))
            raw = max(graph.buffers[b] for b in mem)
            self.raw.append(raw)
            self.size.append(align_up(raw, alignment))
            self.tmask.append(touch[r])
            self.is_in.append(is_in)
            self.is_out.append(any(b in outs for b in mem))
            for b in mem:
                self.sid[b] = s
        self.m = len(self.names)
        # --- node data
        self.pred = [0] * n
        self.succ = [0] * n
        self.scratch = [align_up(nd.scratch, alignment) if nd.scratch else 0 for nd in nodes]
        self.touched: list[tuple[int, ...]] = []
        self.inplace: list[tuple[tuple[int, int], ...]] = []
        for k, nd in enumerate(nodes):
            for b in nd.inputs:
                p = producer.get(b)
                if p is not None and p != k:
                    self.pred[k] |= 1 << p
                    self.succ[p] |= 1 << k
            self.touched.append(tuple(sorted({self.sid[b] for b in nd.inputs + nd.outputs})))
            pairs = []
            if inplace and nd.outputs:
                y = self.sid[nd.outputs[0]]
                for i in nd.inplace_ok:
                    x = self.sid[i]
                    if x != y and self.raw[x] == self.raw[y] and not self.is_out[x] \
                            and not self.is_in[y] and self.raw[x] > 0:
                        pairs.append((x, y))
            self.inplace.append(tuple(pairs))
        self.full = (1 << n) - 1
        # inputs nobody touches and that are not outputs live at step 0 only
        self.res0 = sum(self.size[s] for s in range(self.m) if self.is_in[s])
        self.unused_in = sum(self.size[s] for s in range(self.m)
                             if self.is_in[s] and not self.tmask[s] and not self.is_out[s])

    # ------------------------------------------------------------------ state model
    def step(self, done: int, k: int, res: int):
        """Run node ``k`` after the set ``done`` with ``res`` bytes resident.

        Returns ``(step_bytes, resident_after, merge)`` where ``merge`` is the
        in-place ``(x, y)`` storage pair used, or None.
        """
        after = done | (1 << k)
        cost = res + self.scratch[k]
        new = res
        size, tmask, is_in, is_out = self.size, self.tmask, self.is_in, self.is_out
        for s in self.touched[k]:
            t = tmask[s]
            if not is_in[s] and not (t & done):
                cost += size[s]
                new += size[s]
            if not is_out[s] and not (t & ~after):
                new -= size[s]
        merge = None
        for x, y in self.inplace[k]:
            # x dies here, y is born here
            if not (tmask[x] & ~after) and not (tmask[y] & done):
                cost -= size[y]
                merge = (x, y)
                break
        if done == 0:
            new -= self.unused_in
        return cost, new, merge

    def ready(self, done: int) -> int:
        r = 0
        for k in range(self.n):
            if not (done >> k) & 1 and not (self.pred[k] & ~done):
                r |= 1 << k
        return r

    def order_peak(self, order: Sequence[int]) -> int:
        """Peak step bytes of a full order (node indices); -1 if not topological."""
        done, res, peak = 0, self.res0, 0
        if not order:
            return res
        for k in order:
            if self.pred[k] & ~done or (done >> k) & 1:
                return -1
            cost, res, _ = self.step(done, k, res)
            if cost > peak:
                peak = cost
            done |= 1 << k
        return peak

    def indices(self, order: Sequence[str]) -> list[int]:
        try:
            idx = [self.index[name] for name in order]
        except KeyError as e:
            raise GraphError(f"order names unknown node {e.args[0]!r}") from None
        if sorted(idx) != list(range(self.n)):
            raise GraphError("order is not a permutation of the graph's nodes")
        return idx
