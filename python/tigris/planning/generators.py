"""Synthetic graphs for tests and benchmarks (seeded, deterministic)."""
from __future__ import annotations

import random

from .graph import Graph, GraphBuilder


def _concat(b: GraphBuilder, name: str, parts: list[str], sizes: dict[str, int]) -> str:
    """Destination-passing concat: ``empty`` then one ``insert`` per part."""
    dest = b.op(f"{name}.empty", [], sum(sizes[p] for p in parts))
    for k, part in enumerate(parts):
        dest = b.op(f"{name}.insert{k}", [part, dest], sizes[dest], alias=dest)
    return dest


def random_dag(seed: int, n_ops: int = 12, max_size: int = 64, unit: int = 16) -> Graph:
    """A random DAG of about ``n_ops`` nodes: fan-out, skip edges, reshapes
    (aliases), in-place elementwise ops, concats (empty + inserts), scratch,
    sometimes a second input and a dead (unused, non-output) result."""
    rng = random.Random(seed)
    b = GraphBuilder()

    def sz():
        scale = rng.choice([1, unit, unit // 2 or 1])
        return rng.randint(1, max_size) * scale + rng.choice([0, 0, 3])

    avail = [b.input("in0", sz())]
    if rng.random() < 0.3:
        avail.append(b.input("in1", sz()))
    sizes = b.buffers

    def pick():
        if rng.random() < 0.7:
            return avail[-1 - min(len(avail) - 1, int(rng.expovariate(1.0)))]
        return rng.choice(avail)

    k = 0
    while len(b.nodes) < n_ops:
        kind = rng.choices(["op", "op2", "reshape", "eltwise", "concat"], [5, 2, 1, 2, 1])[0]
        name = f"n{k}"
        k += 1
        scratch = rng.choice([0, 0, 0, rng.randint(1, max_size) * unit])
        if kind == "op":
            x = pick()
            out = b.op(name, [x], sz(), scratch=scratch)
        elif kind == "op2":
            xs = list(dict.fromkeys([pick(), pick()]))
            out = b.op(name, xs, sz(), scratch=scratch)
        elif kind == "reshape":
            x = pick()
            out = b.op(name, [x], sizes[x], alias=x)
        elif kind == "eltwise":
            x = pick()
            y = pick()
            xs = [x] if x == y else [x, y]
            out = b.op(name, xs, sizes[x], scratch=scratch, inplace=True)
        else:
            m = rng.randint(2, 3)
            parts = list(dict.fromkeys(pick() for _ in range(m)))
            out = _concat(b, name, parts, sizes)
        avail.append(out)
    produced = [o for nd in b.nodes for o in nd.outputs]
    consumed = {i for nd in b.nodes for i in nd.inputs}
    dangling = [o for o in produced if o not in consumed]
    for o in dangling:
        if o != produced[-1] and rng.random() < 0.15:
            continue  # a dead result: born and freed at its producer
        b.output(o)
    if produced[-1] not in b.outputs:
        b.output(produced[-1])
    return b.build()


def cnn_like(seed: int, blocks: int = 16, hw: int = 32, ch: int = 16, scratch: bool = True,
             concat_every: int = 0) -> Graph:
    """A MobileNetV2-like chain: stem, inverted-residual blocks (expand,
    depthwise, project, in-place add for the residual ones), reshape and a
    classifier. ``concat_every`` > 0 adds a two-branch concat block that often."""
    rng = random.Random(seed)
    b = GraphBuilder()
    x = b.input("input", hw * hw * 3)
    x = b.op("stem", [x], (hw // 2) ** 2 * ch, scratch=rng.choice([0, 432]) if scratch else 0)
    hw //= 2
    for i in range(blocks):
        stride = 2 if (rng.random() < 0.25 and hw > 2) else 1
        cout = ch if stride == 1 and rng.random() < 0.6 else ch + 8 * rng.randint(1, 4)
        t = rng.choice([1, 4, 6])
        e = b.op(f"b{i}.expand", [x], hw * hw * ch * t) if t > 1 else x
        hw2 = hw // stride
        d = b.op(f"b{i}.dw", [e], hw2 * hw2 * ch * t,
                 scratch=(9 * ch * t if scratch and rng.random() < 0.5 else 0))
        if concat_every and i % concat_every == concat_every - 1:
            p1 = b.op(f"b{i}.p1", [d], hw2 * hw2 * (cout // 2))
            p2 = b.op(f"b{i}.p2", [d], hw2 * hw2 * (cout - cout // 2))
            y = _concat(b, f"b{i}.cat", [p1, p2], b.buffers)
        else:
            y = b.op(f"b{i}.project", [d], hw2 * hw2 * cout)
        if stride == 1 and cout == ch:
            y = b.op(f"b{i}.add", [y, x], hw2 * hw2 * cout, inplace=True)
        x, ch, hw = y, cout, hw2
    x = b.op("head", [x], hw * hw * 4 * ch)
    x = b.op("pool", [x], 4 * ch)
    x = b.op("flatten", [x], 4 * ch, alias=x)
    x = b.op("fc", [x], 10)
    b.output(x)
    return b.build()


def inception_like(seed: int, modules: int = 3, hw: int = 16, ch: int = 32) -> Graph:
    """Stem, then modules of four parallel branches of lengths 1 to 3 whose
    results a destination-passing concat joins."""
    rng = random.Random(seed)
    b = GraphBuilder()
    x = b.input("input", hw * hw * 3)
    x = b.op("stem", [x], hw * hw * ch)
    for m in range(modules):
        parts = []
        for br in range(4):
            y = x
            for d in range(rng.randint(1, 3)):
                y = b.op(f"m{m}.b{br}.{d}", [y], hw * hw * rng.choice([8, 16, 24, 48]))
            parts.append(y)
        x = _concat(b, f"m{m}.cat", parts, b.buffers)
    x = b.op("pool", [x], 64)
    b.output(x)
    return b.build()


def unet_like(levels: int = 3, hw: int = 32, ch: int = 8) -> Graph:
    """Encoder levels whose outputs skip to the decoder, concat on the way up."""
    b = GraphBuilder()
    x = b.input("input", hw * hw * 1)
    skips = []
    for lv in range(levels):
        x = b.op(f"enc{lv}.conv", [x], hw * hw * ch)
        skips.append((x, hw, ch))
        hw //= 2
        x = b.op(f"enc{lv}.pool", [x], hw * hw * ch)
        ch *= 2
    x = b.op("mid", [x], hw * hw * ch)
    for lv in reversed(range(levels)):
        s, shw, sch = skips[lv]
        up = b.op(f"dec{lv}.up", [x], shw * shw * sch)
        cat = _concat(b, f"dec{lv}.cat", [up, s], b.buffers)
        x = b.op(f"dec{lv}.conv", [cat], shw * shw * sch)
    x = b.op("final", [x], skips[0][1] ** 2)
    b.output(x)
    return b.build()
