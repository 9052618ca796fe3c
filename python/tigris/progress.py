"""Progress lines on stderr for long commands: `tigris: [  12.3 s] tile`.

Library code marks the start of each stage with `stage(name)`; nothing is
printed unless a command turned the report on with `enable()`, which the
commands do only when stderr is a terminal (not with --json, not in a pipe,
not in CI logs). A line is written when a stage starts, so a long stage shows
which one is running and since when.
"""
from __future__ import annotations

import sys
import time

_start: float | None = None
_stream = None


def enable(stream=None) -> bool:
    """Report stages to `stream` (default sys.stderr) if it is a terminal; returns
    whether the report is on."""
    global _start, _stream
    stream = stream if stream is not None else sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        return False
    _stream, _start = stream, time.perf_counter()
    return True


def disable() -> None:
    global _start, _stream
    _stream, _start = None, None


def stage(name: str) -> None:
    """The stage `name` starts now."""
    if _stream is None or _start is None:
        return
    try:
        _stream.write(f"tigris: [{time.perf_counter() - _start:7.1f} s] {name}\n")
        _stream.flush()
    except (OSError, ValueError):
        disable()


def done() -> None:
    stage("done")
    disable()


__all__ = ["enable", "disable", "stage", "done"]
