"""The ONNX structural fuzzer (onnx_fuzz.py), bounded for the default suite:
300 seeded mutants of the test/Inputs models (about 20 s; it stops early at
40 s on a slow machine), each a plan the C runtime loads and runs or a clean
one-line refusal, never an internal error, a warning or a leftover file.
bench/onnx_fuzz.py runs the long campaigns (bench/onnx_fuzz.txt).
"""
from __future__ import annotations

import collections
import time

import onnx_fuzz as fz

SEED = 1
MUTANTS = 300
SECONDS = 40.0


def test_mutants_plan_or_fail_in_one_line(tmp_path):
    seeds = fz.load_seeds()
    outcomes: collections.Counter = collections.Counter()
    kinds: collections.Counter = collections.Counter()
    failures = []
    start = time.monotonic()
    for i in range(MUTANTS):
        if time.monotonic() - start > SECONDS:
            break
        mu = fz.make_mutant(seeds, SEED, i)
        o = fz.run_mutant(mu, tmp_path)
        outcomes[o.kind] += 1
        kinds.update(mu.kinds)
        if o.kind == "failure":
            failures.append(f"mutant {i} ({mu.seed_model}, {mu.command} -m {mu.budget}, "
                            f"{'; '.join(mu.changes)}): exit {o.code}: {o.line}")
    ran = sum(outcomes.values())
    print(f"{ran} mutants: {dict(outcomes)}; mutations {dict(kinds)}")
    assert not failures, "\n".join(failures)
    assert ran >= 100, f"only {ran} mutants in {SECONDS} s"
    # The mutants reach both ends: plans that run, and refusals.
    assert outcomes["plan"] >= ran // 20 and outcomes["refused"] >= ran // 2, outcomes
    assert set(kinds) == set(fz.MUTATIONS), kinds


def test_mutants_are_reproducible():
    seeds = fz.load_seeds()
    a, b = fz.make_mutant(seeds, 7, 42), fz.make_mutant(seeds, 7, 42)
    assert a.changes == b.changes and a.changes
    assert a.model.SerializeToString() == b.model.SerializeToString()
    assert fz.make_mutant(seeds, 7, 43).changes != a.changes


def test_a_failure_is_detected(tmp_path):
    """The judge is not blind: an internal error, a second line and a leftover
    output are each a failure, and a clean refusal is not."""
    mu = fz.make_mutant(fz.load_seeds(), SEED, 0)
    out = tmp_path / "o.tgrs"
    judge = fz._judge
    assert judge(mu, 1, "tigris: internal error: ValueError: x\n", out).kind == "failure"
    assert judge(mu, 2, "tigris: m.onnx: bad\nTraceback\n", out).kind == "failure"
    assert judge(mu, 2, "tigris: m.onnx: bad\n", out).kind == "refused"
    assert judge(mu, 3, "tigris: note: m.onnx: requantized\ntigris: m.onnx does not fit\n",
                 out).kind == "refused"
    assert judge(mu, 0, "RuntimeWarning: invalid value\n", out).kind == "failure"
    out.write_bytes(b"partial")
    assert judge(mu, 3, "tigris: m.onnx does not fit\n", out).kind == "failure"


# The failures of the first long run (seed 2, bench/onnx_fuzz.txt): a node
# defining a name twice, a Conv bias from an activation, attributes of the
# wrong type or unknown, one weight zero point with per-channel scales, a rank-5
# Conv weight, a note line before a clean refusal. Each is now a plan or one line.
LONG_RUN_FAILURES = [2785, 3083, 3340, 3595, 3829, 4749, 5467, 13452, 14054, 14405, 15552]


def test_failures_of_the_long_run_stay_fixed(tmp_path):
    seeds = fz.load_seeds()
    for i in LONG_RUN_FAILURES:
        mu = fz.make_mutant(seeds, 2, i)
        o = fz.run_mutant(mu, tmp_path)
        assert o.kind != "failure", f"mutant {i} ({'; '.join(mu.changes)}): {o.line}"
