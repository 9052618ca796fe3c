"""Memory budget strings: `256K`, `16M`, `262144`, `64K+8M` (fast + slow pool)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from tigris.errors import UsageError

_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024 ** 2, "mb": 1024 ** 2,
          "mib": 1024 ** 2, "g": 1024 ** 3, "gb": 1024 ** 3, "gib": 1024 ** 3}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
# The largest size taken (1 TiB): far above any device, and well inside the
# 64-bit integers the passes' options and MLIR attributes hold.
MAX_SIZE = 1 << 40


def parse_size(text: str, what: str) -> int:
    if not text.strip():
        raise UsageError(f"bad {what} '{text}': the size is missing (e.g. 256K, 16M or 262144)")
    m = _SIZE.match(text)
    if not m or m.group(2).lower() not in _UNITS:
        raise UsageError(f"bad {what} '{text}': expected a size like 256K, 16M or 262144")
    number, unit = m.group(1), _UNITS[m.group(2).lower()]
    whole, _, frac = number.partition(".")
    value = int(whole) * unit + (int(frac) * unit // 10 ** len(frac) if frac else 0)
    exact = not frac or int(frac) * unit % 10 ** len(frac) == 0
    if value < 1 or not exact:
        raise UsageError(f"bad {what} '{text}': must be a positive whole number of bytes")
    if value > MAX_SIZE:
        raise UsageError(f"bad {what} '{text}': more than 1 TiB ({MAX_SIZE} bytes), the most "
                         "tigris takes")
    return value


# The largest buffer alignment a plan holds (the loader's limit, docs/plan-format.md).
MAX_ALIGNMENT = 4096


def check_alignment(value: int) -> None:
    """--alignment: a power of two, at most MAX_ALIGNMENT."""
    if value <= 0 or value & (value - 1):
        raise UsageError(f"--alignment must be a power of two, got {value}")
    if value > MAX_ALIGNMENT:
        raise UsageError(f"--alignment {value} is more than {MAX_ALIGNMENT}, the largest "
                         "a plan holds")


@dataclass(frozen=True)
class Budget:
    fast: int
    slow: int = 0   # 0: no slow pool (no PSRAM)

    @classmethod
    def parse(cls, text: str) -> "Budget":
        parts = text.split("+")
        if len(parts) > 2:
            raise UsageError(f"bad memory budget '{text}': expected FAST or FAST+SLOW")
        if len(parts) == 2 and not parts[0].strip():
            raise UsageError(f"bad memory budget '{text}': the fast pool size is missing "
                             "before '+' (FAST+SLOW, e.g. 64K+8M)")
        if len(parts) == 2 and not parts[1].strip():
            raise UsageError(f"bad memory budget '{text}': the slow pool size is missing "
                             "after '+' (FAST+SLOW, e.g. 64K+8M)")
        fast = parse_size(parts[0], "memory budget")
        slow = parse_size(parts[1], "slow pool size") if len(parts) == 2 else 0
        return cls(fast, slow)


def kib(n: int) -> str:
    return f"{n / 1024:.2f} KiB"


def human(n: int) -> str:
    return f"{n / 1024 ** 2:.2f} MiB" if n >= 1024 ** 2 else kib(n)
