"""tigris-configure: record the device on the module, once for the whole pipeline.

Sets `tigris.target`, `tigris.budget` (fast-pool bytes), `tigris.slow`
(slow-pool bytes, 0: none) and `tigris.alignment` for the options given.
Every later pass with an option of that name uses the module's value, an
explicit option that contradicts it is an error (passes/registry.py), and
tigris-assign-offsets fails a plan whose pools exceed the budget. Setting a
value the module already holds differently is an error too.
"""
from __future__ import annotations

from tigris.budget import MAX_ALIGNMENT, parse_size
from tigris.dialects import attr
from tigris.errors import UsageError
from dataclasses import dataclass

from tigris.passes.registry import MODULE_OPTIONS, Pass, option
from tigris.targets import TARGETS


def _target(text: str) -> str:
    if text not in TARGETS:
        raise ValueError(f"unknown target '{text}' (known: {', '.join(TARGETS)})")
    return text


def _size(what: str):
    def parse(text: str) -> int:
        if what == "slow pool size" and text.strip() == "0":
            return 0
        try:
            return parse_size(text, what)
        except UsageError as e:
            raise ValueError(str(e)) from None
    return parse


def _alignment(text: str) -> int:
    value = int(text)
    if value <= 0 or value & (value - 1) or value > MAX_ALIGNMENT:
        raise ValueError(f"alignment must be a power of two up to {MAX_ALIGNMENT}, got {text}")
    return value


@dataclass(frozen=True)
class ConfigureOptions:
    target: str | None = option(None, _target, "kernel library: " + " | ".join(TARGETS))
    budget: int | None = option(None, _size("memory budget"), "fast-pool bytes (or 64K / 1M)")
    slow: int | None = option(None, _size("slow pool size"),
                              "slow-pool (PSRAM) bytes; 0: no slow pool")
    alignment: int | None = option(None, _alignment,
                                   "byte alignment of every buffer (power of two)")


def run(module_op, options: ConfigureOptions) -> None:
    # options already hold the module's values where it has them (a contradiction
    # stopped the pass before this), so writing them all back is idempotent.
    for name, attr_name in MODULE_OPTIONS.items():
        if getattr(options, name) is not None:
            module_op.attributes[attr_name] = attr(getattr(options, name))


PASS = Pass(
    "tigris-configure",
    "Record target, fast/slow budget and alignment on the module (tigris.target, "
    "tigris.budget, tigris.slow, tigris.alignment) for every later pass to read",
    run, ConfigureOptions, on_module=True)
