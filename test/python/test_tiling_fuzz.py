"""The tiling contract, fuzzed: random small CNNs (test/models/random_cnn.py)
compiled flat and at four budgets (SRAM-only and with a slow pool), every
plan on the C runtime, byte for byte (tiling_fuzz.check). A bounded run here;
the long run is `python bench/tiling_fuzz.py` (bench/tiling_fuzz.md)."""
import time

import pytest

import tiling_fuzz
from tiling_fuzz import random_cnn

SECONDS = 20       # both targets together; at least MIN_MODELS each
MIN_MODELS = 4


@pytest.mark.parametrize("target", ["reference", "esp32s3"])
def test_random_models_tile_bit_exact(target):
    start = time.monotonic()
    seed, checked = 0 if target == "reference" else 50_000, 0
    while checked < MIN_MODELS or time.monotonic() - start < SECONDS / 2:
        spec = random_cnn.random_spec(seed)
        finding = tiling_fuzz.check(spec, target)
        if finding is not None:
            small, finding = tiling_fuzz.shrink(spec, target, finding, rounds=8)
            pytest.fail(f"seed {seed} ({target}): {finding}; minimal: {small.describe()}")
        seed += 1
        checked += 1
    print(f"\n{checked} random models, {target}: every tiled plan equals the flat plan")


def test_shrinking_keeps_a_failure_and_makes_it_smaller(monkeypatch):
    """The shrinker on a made-up failure (any model with a squeeze-and-excitation
    block 'fails'): it ends at the smallest model that still has one."""
    def fake(spec, target="reference"):
        return "fails" if any(b["kind"] == "se" for b in spec.blocks) else None
    monkeypatch.setattr(tiling_fuzz, "check", fake)
    spec = random_cnn.Spec(1, (1, 3, 16, 16), [
        {"kind": "conv", "k": 3, "s": 1, "pads": [1, 1, 1, 1], "dilation": 1, "act": "relu",
         "cout": 8, "groups": 1},
        {"kind": "se", "squeeze": 2, "gate": "hardsigmoid"},
        {"kind": "pool", "op": "MaxPool", "k": 2, "s": 2, "pads": [0, 0, 0, 0]}], True)
    small, finding = tiling_fuzz.shrink(spec, finding="fails")
    assert finding == "fails"
    assert [b["kind"] for b in small.blocks] == ["se"] and not small.head
    assert small.shape[1] == 1 and small.shape[2] < 16
