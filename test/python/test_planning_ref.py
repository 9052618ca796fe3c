"""Independent reference semantics for the planning tests (no tests here).

Written straight from the definitions, sharing no code with
tigris.planning's state model, so the tests compare two implementations.
"""
from __future__ import annotations


def align(n, a):
    return -(-n // a) * a if a > 1 else n


def ref_profile(g, order, alignment=1):
    """Live bytes per step of ``order`` (node names) by the definitions."""
    parent = {b: b for b in g.buffers}

    def find(b):
        while parent[b] != b:
            b = parent[b]
        return b

    for nd in g.nodes:
        for o, i in nd.aliases.items():
            ro, ri = find(o), find(i)
            if ro != ri:
                parent[ro] = ri
    nodes = {nd.name: nd for nd in g.nodes}
    last = max(len(order) - 1, 0)
    steps: dict[str, list[int]] = {}
    for t, name in enumerate(order):
        nd = nodes[name]
        for b in nd.inputs + nd.outputs:
            steps.setdefault(find(b), []).append(t)
    classes: dict[str, list[str]] = {}
    for b in g.buffers:
        classes.setdefault(find(b), []).append(b)
    info = {}
    for c, mem in classes.items():
        is_in = any(b in g.inputs for b in mem)
        is_out = any(b in g.outputs for b in mem)
        ts = steps.get(c, [])
        if not ts and not is_in:
            continue
        birth = 0 if is_in else min(ts)
        death = last if is_out else max(ts + [birth])
        info[c] = dict(raw=max(g.buffers[b] for b in mem), birth=birth, death=death,
                       is_in=is_in, is_out=is_out, first=min(ts) if ts else None)
    # in-place merges, in order
    merged = {c: c for c in info}

    def top(c):
        while merged[c] != c:
            c = merged[c]
        return c

    for t, name in enumerate(order):
        nd = nodes[name]
        if not nd.outputs:
            continue
        y = find(nd.outputs[0])
        for i in nd.inplace_ok:
            x = find(i)
            if x == y or info[x]["raw"] != info[y]["raw"] or info[x]["raw"] == 0:
                continue
            if info[x]["is_out"] or info[x]["death"] != t:
                continue
            if info[y]["is_in"] or info[y]["first"] != t:
                continue
            merged[y] = top(x)
            break
    groups: dict[str, list[str]] = {}
    for c in info:
        groups.setdefault(top(c), []).append(c)
    prof = [0] * (last + 1)
    for mem in groups.values():
        size = align(max(info[c]["raw"] for c in mem), alignment)
        b = min(info[c]["birth"] for c in mem)
        d = max(info[c]["death"] for c in mem)
        for t in range(b, d + 1):
            prof[t] += size
    for t, name in enumerate(order):
        if nodes[name].scratch:
            prof[t] += align(nodes[name].scratch, alignment)
    return prof


def ref_peak(g, order, alignment=1):
    prof = ref_profile(g, order, alignment)
    return max(prof) if prof else 0


def topo_orders(g, cap=100_000):
    """(all topological orders of ``g`` as node-name lists, complete?):
    gives up after ``cap`` orders."""
    producer = {o: nd.name for nd in g.nodes for o in nd.outputs}
    preds = {nd.name: {producer[b] for b in nd.inputs if b in producer} for nd in g.nodes}
    names = [nd.name for nd in g.nodes]
    out: list[list[str]] = []
    done: set[str] = set()
    seq: list[str] = []

    def rec():
        if len(out) >= cap:
            return False
        if len(seq) == len(names):
            out.append(list(seq))
            return True
        for nm in names:
            if nm not in done and preds[nm] <= done:
                done.add(nm)
                seq.append(nm)
                ok = rec()
                seq.pop()
                done.discard(nm)
                if not ok:
                    return False
        return True

    complete = rec()
    return out, complete


def is_topological(g, order):
    producer = {o: nd.name for nd in g.nodes for o in nd.outputs}
    pos = {nm: t for t, nm in enumerate(order)}
    if sorted(pos) != sorted(nd.name for nd in g.nodes) or len(order) != len(g.nodes):
        return False
    return all(pos[producer[b]] < pos[nd.name] for nd in g.nodes for b in nd.inputs
               if b in producer)
