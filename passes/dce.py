"""tigris-dce: erase tigris kernel ops whose results are never used.

IRDL ops carry no side-effect information, so upstream canonicalize and dce
keep them; python/tigris/effects.py says which tigris ops are pure. Ops are
visited last to first, so a chain of dead ops goes in one run. tigris-legalize
does the same for the ops it creates (a dead TOSA op would otherwise become a
kernel call with a buffer of its own).
"""
from __future__ import annotations

from tigris.effects import erase_dead
from tigris.passes.registry import Pass


def run(func_op, options) -> None:
    erase_dead(func_op)


PASS = Pass("tigris-dce", "Erase tigris kernel ops whose results are unused (IRDL ops declare "
            "no side effects, so upstream dce keeps them)", run)
