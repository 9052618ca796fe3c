"""Column tiles end to end: random conv / depthwise / pool chains
(random_chains.py) with wide images, compiled with every chain split into
2 or 3 column tiles (whether or not the cost model would take the split),
at budgets with and without a slow pool; each plan runs on the C runtime
and must equal the flat plan byte for byte. Used by test_columns.py (a few
seeds) and bench/column_fuzz.py (long runs)."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import random_chains
from tigris.budget import Budget
from tigris.errors import BudgetError, ModelError
from tigris.plan.compiler import compile_onnx
from tigris.plan.host import HostPlan
from tigris.plan.verify_tiling import seeded_inputs
from tigris.tiling import fit
from tigris.tiling.columns import chain_ok, split_columns

FRACTIONS = ((0.5, 8 << 20), (0.25, 8 << 20), (0.6, 0))


@contextmanager
def forced(tiles: int):
    """tigris-tile splits the longest chain from op 0 into `tiles` column
    tiles whenever that plan fits (the split is no longer weighed)."""
    def trial(func_op, found, budget, slow, target, alignment, stream):
        infos = found.problem.info
        last = max((b for b in range(1, len(infos)) if chain_ok(infos[:b + 1])), default=None)
        if last is None:
            return None
        clone = func_op.clone()
        if not split_columns(clone, 0, last, tiles):
            clone.erase()
            return None
        got = fit._search(clone, budget, slow, target, alignment, stream)
        if not got.fits:
            clone.erase()
            return None
        got.columns = [f"0..{last} x{tiles}"]
        return clone, got
    saved = fit._column_trial
    fit._column_trial = trial
    try:
        yield
    finally:
        fit._column_trial = saved


def check(seed: int, target: str = "reference") -> tuple[str | None, int]:
    """(finding or None, plans compared) for the chain of `seed`."""
    ch = random_chains.chain(seed, max_ops=5, max_hw=40, max_c=12)
    compared = 0
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "chain.onnx"
        random_chains.save(ch, path)
        try:
            flat = compile_onnx(str(path), Budget(64 << 20), target, tile=False)
        except ModelError:
            return None, 0      # refused with a one-line error (a pool padded past its input)
        ref = HostPlan(flat.data)
        inputs = seeded_inputs(ref.plan, 2, seed)
        want = [ref.run(x) for x in inputs]
        for tiles in (2, 3):
            for frac, slow in FRACTIONS:
                label = f"x{tiles} -m {int(flat.arena * frac)}" + (f"+{slow}" if slow else "")
                with forced(tiles):
                    try:
                        c = compile_onnx(str(path), Budget(max(1024, int(flat.arena * frac)),
                                                           slow), target)
                    except BudgetError:
                        continue
                    except Exception as e:  # noqa: BLE001 - an internal error is a finding
                        return f"{label}: internal error {type(e).__name__}: {e}".splitlines()[0], \
                            compared
                try:
                    plan = HostPlan(c.data)
                except Exception as e:  # noqa: BLE001 - the runtime refusing a plan is a finding
                    return f"{label}: {type(e).__name__}: {e}; {ch.describe()}", compared
                compared += 1
                for n, (x, w) in enumerate(zip(inputs, want)):
                    for g, r in zip(plan.run(x), w):
                        if not np.array_equal(g, r):
                            return (f"{label}: {int(np.count_nonzero(g != r))} of {r.size} "
                                    f"bytes differ from the flat plan on input {n}; "
                                    f"{ch.describe()}"), compared
    return None, compared
