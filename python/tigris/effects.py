"""Side effects of tigris ops, which IRDL cannot declare.

Upstream canonicalize and cse see IRDL ops as having unknown effects and
never remove or merge them; tigris-dce and tigris-cse use this table instead.
The kernel ops have value semantics (a result computed from the operands and
attributes alone, no memory written, nothing else observed), so they are
pure. The plan ops (pool, buffer, call, stage, spill, reload) describe memory
and calls; they are never removed or merged.
"""
from __future__ import annotations

from mlir import ir

from tigris.dialects import KERNEL_OPS

PURE = frozenset(f"tigris.{name}" for name in KERNEL_OPS)
# A tigris.empty is pure, but each one is the destination of its own chain of
# tigris.insert ops, which bufferize in place: two are never merged.
UNMERGEABLE = frozenset({"tigris.empty"})


def is_pure(op) -> bool:
    return op.name in PURE


def is_dead(op) -> bool:
    """A pure op none of whose results is used."""
    return is_pure(op) and all(not any(True for _ in r.uses) for r in op.results)


def merge_key(op):
    """Ops with equal keys compute the same value (None: never merged)."""
    if not is_pure(op) or op.name in UNMERGEABLE:
        return None
    attrs = op.attributes
    return (op.name, tuple(op.operands), tuple(str(r.type) for r in op.results),
            tuple(sorted((attrs[i].name, str(attrs[i].attr)) for i in range(len(attrs)))))


def erase_dead(root) -> int:
    """Erase the dead pure tigris ops under root, last to first so that a dead
    chain goes in one sweep; returns how many."""
    ops = []

    def collect(op):
        ops.append(op)
        return ir.WalkResult.ADVANCE

    root.walk(collect)  # post-order: within a block, users after what they use
    erased = 0
    for op in reversed(ops):
        if is_dead(op):
            op.erase()
            erased += 1
    return erased
