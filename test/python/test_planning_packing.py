"""tigris.planning packing: heuristics, CP-SAT, baselines, verification."""
import random
from dataclasses import dataclass

import pytest

from tigris.planning import (Problem, Schedule, lifetimes, lower_bound, no_reuse_sum, pack,
                             schedule, tflm_greedy, verify_packing)
from tigris.planning import packing
from tigris.planning.schedule import node_bound
from tigris.planning.generators import cnn_like, inception_like, random_dag, unet_like


def planned(g, alignment=16):
    s = schedule(g, alignment=alignment)
    return lifetimes(g, s.order)


@pytest.mark.parametrize("seed", range(6))
def test_cnn_like_packing_reaches_the_bound(seed):
    """Chains with residuals (and sometimes concats): the heuristic alone
    reaches the lower bound, so the arena is optimal."""
    g = cnn_like(seed, blocks=10 + 4 * seed, concat_every=[0, 3][seed % 2])
    st = planned(g)
    p = pack(st, alignment=16, solver=False)
    assert p.gap == 0 and p.optimal
    assert verify_packing(st, p.offsets, p.arena, 16) == []
    assert p.arena <= tflm_greedy(st).arena < no_reuse_sum(st)


@pytest.mark.parametrize("make", [lambda: inception_like(1, 3), lambda: unet_like(3),
                                  lambda: cnn_like(7, 24, scratch=False)])
def test_branchy_graphs_reach_the_bound(make):
    g = make()
    st = planned(g)
    p = pack(st, alignment=16, time_limit=1.0)
    assert p.gap == 0
    assert verify_packing(st, p.offsets, p.arena, 16) == []


def gap_case(seed):
    """A random DAG whose deterministic heuristics miss the optimum."""
    st = lifetimes(random_dag(seed, random.Random(seed).randint(3, 20)))
    return st


def test_cpsat_closes_a_heuristic_gap():
    st = gap_case(41)
    h = pack(st, alignment=16, restarts=0, solver=False)
    assert h.gap > 0
    p = pack(st, alignment=16, restarts=0, time_limit=5.0)
    assert p.method == "cp-sat" and p.solver_status == "OPTIMAL"
    assert p.arena == p.bound < p.heuristic_arena == h.arena
    assert p.optimal and p.solver_seconds > 0
    assert verify_packing(st, p.offsets, p.arena, 16) == []


def test_cpsat_proves_an_arena_above_the_bound():
    """The max-load bound is not always reachable; CP-SAT then proves the
    optimum and the result is optimal with a positive gap."""
    st = gap_case(25)
    p = pack(st, alignment=16, restarts=0, time_limit=10.0)
    assert p.method == "cp-sat" and p.solver_status == "OPTIMAL" and p.optimal
    assert p.bound < p.arena < p.heuristic_arena
    assert verify_packing(st, p.offsets, p.arena, 16) == []


def test_packing_and_schedule_do_not_depend_on_the_clock():
    """A plan is a build artifact: the same storages give the same offsets and
    the same graph the same order, also when the exact search stops at its
    limit (a FEASIBLE answer) and while other work loads the machine."""
    import threading
    st = lifetimes(random_dag(4, 60))      # the heuristic misses the bound here
    stop = threading.Event()

    def burn():                      # load the interpreter between the two runs
        while not stop.is_set():
            sum(i * i for i in range(10_000))
    first = pack(st, alignment=16, restarts=0, time_limit=0.2)
    assert first.method == "cp-sat"
    g = random_dag(7, 120)
    s = schedule(g, time_limit=0.05)
    assert not s.exact               # the search was cut at its limit
    order = s.order
    t = threading.Thread(target=burn)
    t.start()
    packing._RECENT.clear()          # search again, not the remembered packing
    try:
        again = pack(st, alignment=16, restarts=0, time_limit=0.2)
        order_again = schedule(g, time_limit=0.05).order
    finally:
        stop.set()
        t.join()
    assert first.offsets == again.offsets and first.arena == again.arena
    assert order == order_again


def test_tflm_greedy_hand_example():
    # C and D (size 2) go first, each at 0; A then lands above C, and B, which
    # overlaps A and D, above both: 4 bytes where 3 suffice.
    st = {"A": (1, 2, 3), "B": (1, 0, 2), "C": (2, 3, 3), "D": (2, 0, 1)}
    t = tflm_greedy(st, alignment=1)
    assert t.offsets == {"A": 2, "B": 3, "C": 0, "D": 0} and t.arena == 4
    p = pack(st, alignment=1)
    assert p.arena == p.bound == lower_bound(st, 1) == 3
    assert verify_packing(st, p.offsets, p.arena, 1) == []
    assert no_reuse_sum(st, 1) == 6 and no_reuse_sum(st, 16) == 64


def test_tflm_greedy_never_beats_pack():
    for seed in range(40):
        st = lifetimes(random_dag(500 + seed, 15))
        t = tflm_greedy(st)
        assert verify_packing(st, t.offsets, t.arena) == []
        assert pack(st, time_limit=0.1).arena <= t.arena


def test_alignment_rounds_sizes_and_offsets():
    st = {"a": (1, 0, 1), "b": (17, 1, 2), "c": (33, 0, 0), "z": (0, 0, 2)}
    p = pack(st, alignment=16)
    assert all(o % 16 == 0 for o in p.offsets.values())
    assert p.bound == lower_bound(st, 16) == 16 + 48
    assert p.arena == 64 and p.offsets["z"] == 0
    assert verify_packing(st, p.offsets, p.arena, 16) == []
    q = pack(st, alignment=1)
    assert q.arena == lower_bound(st, 1) == 34


def test_verify_packing_reports_problems():
    st = {"a": (16, 0, 1), "b": (16, 1, 2), "c": (16, 2, 2)}
    assert verify_packing(st, {"a": 0, "b": 16, "c": 0}, 32) == []
    errs = verify_packing(st, {"a": 0, "b": 8, "c": 48}, 32)
    assert any("not aligned" in e for e in errs)
    assert any("overlaps" in e and e.startswith("a") for e in errs)
    assert any("outside the arena" in e for e in errs)
    assert verify_packing(st, {"a": 0, "b": 16}, 32) == ["c: no offset"]
    # c and b share step 2, a does not live then
    assert verify_packing(st, {"a": 0, "b": 16, "c": 16}, 32)[0].startswith("b")


def test_pieces_free_the_bytes_a_storage_no_longer_needs():
    """A stage output written over its input: one storage of 64 bytes while
    both live (steps 0-2), then only the output's 32 (steps 3-5). Packed as
    its two pieces, the next 64-byte tensor (born at 4) fits beside the 32
    bytes: the arena is 96, not the 128 of whole rectangles."""
    st = {"x": (64, 0, 5), "y": (64, 4, 6)}
    for pieces, arena in (({"x": [[0, 64, 0, 2], [0, 32, 3, 5]]}, 96),
                          # the output at the top of the buffer: x must start at 32
                          ({"x": [[0, 64, 0, 2], [32, 32, 3, 5]]}, 96)):
        assert lower_bound(st, 16, pieces) == 96 and lower_bound(st, 16) == 128
        for solver in (False, True):
            p = pack(st, alignment=16, solver=solver, pieces=pieces)
            assert verify_packing(st, p.offsets, p.arena, 16, pieces) == []
            assert p.bound == 96 and (p.arena == 96 or not solver)
        assert verify_packing(st, p.offsets, p.arena, 16) != []    # as rectangles they overlap
    # The pieces, not the box, are checked: y over the bytes x still holds.
    pieces = {"x": [[0, 64, 0, 2], [0, 32, 3, 5]]}
    errs = verify_packing(st, {"x": 0, "y": 16}, 96, 16, pieces)
    assert errs and "overlaps" in errs[0]


@pytest.mark.parametrize("seed", range(8))
def test_random_pieces_pack_without_overlap(seed):
    """Random storages, some given as pieces at unaligned offsets (widened to
    the alignment units they touch): every packing, heuristic or CP-SAT, is
    valid piece by piece, never below the bound, and the bound is the largest
    load of the pieces."""
    rng = random.Random(seed)
    st, pieces = {}, {}
    for k in range(rng.randint(4, 14)):
        size = rng.randint(1, 200)
        birth = rng.randint(0, 12)
        death = birth + rng.randint(0, 8)
        st[f"s{k}"] = (size, birth, death)
        if death > birth and rng.random() < 0.5:
            cut = rng.randint(birth, death - 1)
            lo = rng.randint(0, size - 1)
            pieces[f"s{k}"] = [[0, size, birth, cut], [lo, rng.randint(1, size - lo), cut + 1,
                                                        death]]
    steps = max(d for _, _, d in st.values()) + 1
    load = [0] * steps
    for name, (size, b, d) in st.items():
        for off, ps, pb, pd in pieces.get(name, [[0, size, b, d]]):
            for t in range(pb, pd + 1):
                load[t] += -(-(off + ps) // 16) * 16 - off // 16 * 16
    assert lower_bound(st, 16, pieces) == max(load)
    for solver in (False, True):
        p = pack(st, alignment=16, solver=solver, time_limit=0.5, pieces=pieces)
        assert verify_packing(st, p.offsets, p.arena, 16, pieces) == []
        assert p.bound == max(load) <= p.arena


def test_empty_and_trivial_inputs():
    p = pack({})
    assert p.arena == 0 and p.offsets == {} and p.optimal
    p = pack({"only": (5, 0, 0)})
    assert p.arena == 16 and p.offsets == {"only": 0} and p.method.endswith("first")


@dataclass
class MemoryPlan:
    """``schedule`` (its ``order`` is the plan's), ``storages`` (lifetimes in
    that order) and ``packing`` (offsets of the storages in one arena)."""

    schedule: Schedule
    storages: dict
    packing: object

    @property
    def arena(self) -> int:
        return self.packing.arena

    def buffer_offsets(self) -> dict:
        """``{buffer: byte offset}``: every buffer sits at its storage's offset."""
        offs = self.packing.offsets
        return {b: offs[name] for name, st in self.storages.items() for b in st.buffers}

    def scratch_offsets(self) -> dict:
        """``{node: byte offset of its scratch}`` for nodes with scratch."""
        offs = self.packing.offsets
        return {st.node: offs[name] for name, st in self.storages.items() if st.kind == "scratch"}


def plan_memory(graph, alignment=16, inplace=True, order=None) -> MemoryPlan:
    """Schedule (unless ``order`` is given), compute lifetimes and pack, as the
    planning passes chain them; the packing is verified."""
    if order is None:
        sched = schedule(graph, alignment=alignment, inplace=inplace, time_limit=1.0)
    else:
        p = Problem(graph, alignment, inplace)
        pk = p.order_peak(p.indices(order))
        sched = Schedule(list(order), pk, p.order_peak(list(range(p.n))), node_bound(p),
                         "fixed", False)
    st = lifetimes(graph, sched.order, inplace)
    packing = pack(st, alignment=alignment, time_limit=2.0, workers=2)
    errors = verify_packing(st, packing.offsets, packing.arena, alignment)
    assert not errors, "invalid packing: " + "; ".join(errors[:5])
    return MemoryPlan(sched, st, packing)


def test_plan_memory_end_to_end():
    g = cnn_like(11, blocks=12, concat_every=4)
    mp = plan_memory(g, alignment=16)
    assert mp.packing.gap == 0 and mp.arena == mp.schedule.peak
    offs = mp.buffer_offsets()
    assert set(offs) == set(g.buffers)
    assert all(o % 16 == 0 for o in offs.values())
    for nd in g.nodes:  # aliases sit on their input
        for o, i in nd.aliases.items():
            assert offs[o] == offs[i]
    assert set(mp.scratch_offsets()) == {nd.name for nd in g.nodes if nd.scratch}
    fixed = plan_memory(g, order=g.order)
    assert fixed.schedule.method == "fixed" and fixed.arena >= mp.arena
