"""tigris-cse: merge identical tigris kernel ops (same operands, attributes and
result types) within a block; the later one's uses go to the first.

The upstream cse pass cannot, as IRDL ops declare no side effects; python/
tigris/effects.py says which tigris ops are pure. tigris.empty is never
merged (each is the destination of its own inserts).
"""
from __future__ import annotations

from tigris.effects import merge_key
from tigris.passes.registry import Pass


def _block(block) -> None:
    first: dict = {}
    for op in list(block.operations):
        op = op.operation
        for region in op.regions:
            for inner in region.blocks:
                _block(inner)
        key = merge_key(op)
        if key is None:
            continue
        if key not in first:
            first[key] = op
            continue
        for mine, theirs in zip(op.results, first[key].results):
            mine.replace_all_uses_with(theirs)
        op.erase()


def run(func_op, options) -> None:
    for region in func_op.regions:
        for block in region.blocks:
            _block(block)


PASS = Pass("tigris-cse", "Merge identical tigris kernel ops (same operands, attributes and "
            "result types) within a block", run)
