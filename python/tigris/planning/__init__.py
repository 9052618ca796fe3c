"""Memory planning over an abstract operator graph (pure Python, no MLIR).

The MLIR passes (tigris-schedule, tigris-liveness, tigris-assign-offsets)
translate IR into a :class:`Graph`, call these functions and write the
answers back. Results are deterministic: the same graph gives the same
order, lifetimes and offsets on any machine and under any load. Time limits
are counted in work, not on the clock: the scheduler's ``time_limit`` in
search states, the packing heuristic's restarts in placements, CP-SAT's
``time_limit`` in its deterministic time (one worker, or interleaved workers).
A wall-clock stop at 20x remains only as a safety net.

Data model (:mod:`.graph`)
    ``Node(name, inputs=(), outputs=(), scratch=0, aliases={}, inplace_ok=())``
        ``aliases = {output: input}``: the output occupies the input's memory
        (reshape view; ``insert`` writing into its ``dest``, the destination
        created by an ``empty`` node). ``inplace_ok``: inputs that
        ``outputs[0]`` may overwrite when the input's storage has no later
        use (merged only when the byte sizes are equal). ``scratch``: kernel
        bytes live during the node's step only.
    ``Graph(nodes, buffers, inputs=(), outputs=())``
        ``nodes`` in the given (ONNX) topological order, ``buffers = {name:
        bytes}``. Graph inputs are live from step 0 to their last use (an
        unused one at step 0 only; in-place ops may overwrite them), outputs
        to the last step. Constants are not buffers. ``GraphBuilder`` builds one
        incrementally; ``GraphError`` reports a malformed graph.
    ``Storage(name, size, birth, death, buffers, kind, node)``
        one block to place, live at steps ``birth..death`` inclusive.

Scheduling (:mod:`.schedule`)
    ``schedule(graph, alignment=1, inplace=True, time_limit=1.0, beam=4000,
    max_transitions=400_000) -> Schedule(order, peak, given_peak, bound,
    method, exact, states, seconds)``: memory-aware topological order
    (DP over executed sets, exact unless a layer had to be cut to the beam;
    never worse than the given order). ``method`` is ``"given"`` when the
    given order is kept, ``"search"`` when the DP found a better one.

Liveness (:mod:`.liveness`)
    ``lifetimes(graph, order=None, inplace=True) -> {name: Storage}``:
    aliases resolved, in-place merges applied, scratch as ``scratch:<node>``.
    ``storage_of(storages) -> {buffer: storage name}``.
    ``peak(graph, order=None, alignment=1, inplace=True) -> int`` and
    ``naive_peak(graph, alignment=1, inplace=True) -> int`` (given order).
    ``lower_bound(storages, alignment=16) -> int``: max over steps of the
    live bytes (each size aligned); ``load_profile`` gives the per-step
    curve. ``peak(g, o, a) == lower_bound(lifetimes(g, o), a)``.

Packing (:mod:`.packing`); ``storages`` is a ``lifetimes`` result or any
``{name: (size, birth, death)}``
    ``pack(storages, alignment=16, time_limit=2.0, workers=1, solver=True,
    restarts=200, seed=0) -> Packing(offsets, arena,
    bound, method, optimal, alignment, heuristic_arena, solver_seconds,
    solver_status, seconds, tried)`` with ``gap = arena - bound``: greedy
    placements first, CP-SAT (2D no-overlap, lifetimes fixed) when above the
    bound.
    ``tflm_greedy(storages, alignment=16) -> Packing``: TFLM's
    GreedyMemoryPlanner baseline. ``no_reuse_sum(storages, alignment=16)``.
    ``verify_packing(storages, offsets, arena, alignment=16) -> [problem]``.

Synthetic graphs for tests and benchmarks (:mod:`.generators`):
``random_dag``, ``cnn_like``, ``inception_like``, ``unet_like``.

Typical use, step by step::

    s = schedule(graph, alignment=16)
    st = lifetimes(graph, s.order)
    p = pack(st, alignment=16)
    assert not verify_packing(st, p.offsets, p.arena, 16)

Limitations: the peak counts whole buffers (no row-granular liveness);
aliases are trusted to be free of write-after-read hazards (views, or
``insert`` into disjoint regions of a fresh destination); the in-place merge
needs equal byte sizes; beyond the beam/time budget the schedule is a beam
search (``exact`` False), and beyond CP-SAT's time limit the arena may stay
above the bound (``optimal`` False).
"""
from .graph import Graph, GraphBuilder, GraphError, Node, Problem, align_up
from .liveness import (Storage, lifetimes, load_profile, lower_bound, naive_peak, peak,
                       storage_of)
from .packing import Packing, no_reuse_sum, pack, tflm_greedy, verify_packing
from .schedule import Schedule, schedule

__all__ = [
    "Graph", "GraphBuilder", "GraphError", "Node", "Problem", "align_up",
    "Storage", "lifetimes", "load_profile", "lower_bound", "naive_peak", "peak", "storage_of",
    "Packing", "no_reuse_sum", "pack", "tflm_greedy", "verify_packing",
    "Schedule", "schedule",
]
