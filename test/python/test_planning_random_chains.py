"""No internal errors while planning (issue 13): tiny random conv/depthwise/pool
chains (test/python/random_chains.py: kernel 1-5, pads 0-2, stride 1-2,
groups, depthwise multipliers, max/average pools, on 4-12 x 4-12 inputs of
1-8 channels), each planned for a target flat, then at the flat plan's size,
4K (above most of these flat plans, 0.2-3 KiB) and 75/50/30/15% of it,
SRAM-only and with an 8 MiB slow pool, and at the smallest budget a refusal
names. Every attempt (a "case") must give a plan whose output equals the
flat plan's byte for byte (the plan executor over the plan's own arenas,
tigris.plan.execute) or the one-line does-not-fit error; any other exception
is an internal error and fails the test with its seed. 3 x ~210 cases, about
15 s of one core.

Reproduce a case: `python test/python/random_chains.py SEED -o /tmp/c.onnx`,
then `tigris compile /tmp/c.onnx -m BUDGET --target TARGET -o /tmp/c.tgrs`.
"""
import pytest

import random_chains

MODELS = 16         # per target: 3 targets x 16 models x ~13 budgets > 500 cases
MIN_CASES = 180     # per target


@pytest.mark.parametrize("target, first_seed", [("reference", 0), ("esp32", 10_000),
                                                ("esp32s3", 20_000)])
def test_random_chains_plan_or_refuse_in_one_line(target, first_seed, tmp_path):
    out = random_chains.Outcome()
    for seed in range(first_seed, first_seed + MODELS):
        path = tmp_path / f"chain{seed}.onnx"
        random_chains.save(random_chains.chain(seed), path)
        random_chains.check(str(path), target, seed, out)
    assert not out.findings, "\n".join(out.findings)
    assert out.cases >= MIN_CASES
    print(f"\n{target}: {out.cases} cases on {MODELS} models, {out.planned} plans equal to "
          f"the flat plan, {out.refused} refused in one line ({out.tightest} at the smallest "
          "budget a refusal named)")
