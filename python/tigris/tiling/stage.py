"""The records of the stage search (tigris.tiling.search): a stage
candidate, one op's rows in one strip, the figures of every segment ending at
one op at one strip height, and the plan the dynamic program chooses."""
from __future__ import annotations

from dataclasses import dataclass, field

# How a tiled stage's strips compute their rows (Stage.stream).
RECOMPUTE = 0   # strips of h rows of the last op; every op recomputes its halo rows
PULLED = 1      # the same strips, every op computing each row once (kept rows carried)
PACED = 2       # tigris.tiling.paced: every op advancing at its own rate, each row once


@dataclass
class Stage:
    first: int                  # index of the first op (in schedule order)
    last: int                   # index of the last op (inclusive)
    height: int = 0             # strip height in output rows of the last op; 0 = flat
    peak: int = 0
    cost: float = 0.0
    macs: int = 0
    # Output rows written over input rows no later strip reads: the stage's
    # output shares a buffer with `overlay` (an input that dies in the stage),
    # the output starting `delta` bytes after it, `size` bytes in all.
    overlay: object = None
    delta: int = 0
    size: int = 0
    traffic: int = 0            # bytes this stage reads from / writes to the slow pool
    out_bytes: int = 0          # aligned bytes of the stage output
    prev_live: int = 0          # aligned bytes of the previous op's result live at the start
    prev_read: int = 0          # bytes of that result this stage reads
    overlay_saving: int = 0
    out_slow: bool = False      # placement chosen by `choose`
    stream: int = RECOMPUTE     # RECOMPUTE, or streamed: PULLED or PACED (each row computed once)
    groups: int = 0             # channel split: the op computes its output channels in groups

    @property
    def tiled(self) -> bool:
        return self.height > 0 or self.groups > 0


@dataclass(slots=True)
class Band:
    """One op's rows in one strip: it holds `rows` (of its output) and
    computes `compute` (a suffix of them; the rows before it were computed
    by an earlier strip of a streamed stage)."""
    op: int
    rows: tuple
    compute: tuple


@dataclass
class Sweep:
    """Every segment ending at one op at one strip height (Problem._sweep)."""
    strips: list                                # the strips of the longest segment
    starts: dict = field(default_factory=dict)  # i -> (MACs, cost, working set) of i..j
    reads: dict = field(default_factory=dict)   # op -> per operand: (whole reads, rows read)
    overlays: dict = field(default_factory=dict)  # input -> tigris.tiling.overlay.overlay_of
    bands_of: dict = field(default_factory=dict)  # op -> [(strip index, its band)]
    written: list | None = None   # per strip: the end of the last op's rows written so far


@dataclass
class TilePlan:
    stages: list[Stage]
    peak: int
    cost: float
    macs: int
    model_macs: int
    flat_cost: float
    min_peak: int
    fits: bool
    traffic: int = 0
    slow_values: set = field(default_factory=set)


def band_buffer(bands: list) -> tuple[int, list]:
    """The one buffer an op of a streamed stage keeps its bands in, strip
    after strip: (its rows, and per band (the output row at its row 0, whether
    the carried rows are moved to its head first)). New rows are computed
    behind the rows already there while they fit; when they do not, the
    carried rows move to the head (one contiguous copy within the buffer) and
    the new rows follow them. Rows only advance in a streamed stage, so the
    rows dropped were read for the last time."""
    cap = max(b.rows[1] - b.rows[0] for b in bands)
    first = bands[0].rows[0]
    layout = []
    for b in bands:
        (lo, hi), (c0, _) = b.rows, b.compute
        shift = False
        if hi - first > cap:
            shift = c0 > lo
            first = lo
        layout.append((first, shift))
    return cap, layout
