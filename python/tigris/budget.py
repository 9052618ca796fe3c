"""Memory budget strings: `256K`, `16M`, `262144`, `64K+8M` (fast + slow pool)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from tigris.errors import UsageError

_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024 ** 2, "mb": 1024 ** 2,
          "mib": 1024 ** 2, "g": 1024 ** 3, "gb": 1024 ** 3, "gib": 1024 ** 3}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str, what: str) -> int:
    m = _SIZE.match(text)
    if not m or m.group(2).lower() not in _UNITS:
        raise UsageError(f"bad {what} '{text}': expected a size like 256K, 16M or 262144")
    value = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if value < 1 or value != int(value):
        raise UsageError(f"bad {what} '{text}': must be a positive whole number of bytes")
    return int(value)


@dataclass(frozen=True)
class Budget:
    fast: int
    slow: int = 0   # 0: no slow pool (no PSRAM)

    @classmethod
    def parse(cls, text: str) -> "Budget":
        parts = text.split("+")
        if len(parts) > 2:
            raise UsageError(f"bad memory budget '{text}': expected FAST or FAST+SLOW")
        fast = parse_size(parts[0], "memory budget")
        slow = parse_size(parts[1], "slow pool size") if len(parts) == 2 else 0
        return cls(fast, slow)


def kib(n: int) -> str:
    return f"{n / 1024:.2f} KiB"


def human(n: int) -> str:
    return f"{n / 1024 ** 2:.2f} MiB" if n >= 1024 ** 2 else kib(n)
