"""The differential check behind the tiling fuzzer: a random small CNN
(test/models/random_cnn.py), quantized with onnxruntime, compiled flat and at
several budgets (SRAM-only and with a slow pool; a budget too tight is
replaced by the smallest one the planner finds), every plan run on the C
runtime on seeded inputs: each tiled plan must give the flat plan's bytes.

`check(spec, target)` returns None when the model agrees (or cannot be
imported: an operator form the importer refuses), else a one-line finding;
`shrink(spec, target, finding)` reduces a failing spec to a minimal one
(blocks dropped, input halved) that still fails.
"""
from __future__ import annotations

import re
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import random_cnn  # noqa: E402

from onnx_check import quantize  # noqa: E402

from tigris.budget import Budget  # noqa: E402
from tigris.errors import BudgetError, ModelError  # noqa: E402
from tigris.plan.compiler import compile_onnx  # noqa: E402
from tigris.plan.host import HostPlan  # noqa: E402
from tigris.plan.verify_tiling import seeded_inputs  # noqa: E402

# Budgets as fractions of the flat plan's fast arena: (fraction, slow pool).
FRACTIONS = [(0.7, 0), (0.45, 0), (0.5, 8 << 20), (0.2, 8 << 20)]
INPUTS = 2
REJECTED: list | None = None   # set to a list to collect the import refusals
COMPILED = [0]                 # tiled plans compared with their flat plan so far


def _quantized(spec, folder: Path) -> Path:
    model = random_cnn.build(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import logging
        logging.getLogger().setLevel(logging.ERROR)
        return quantize(model, folder / f"r{spec.seed}.onnx", spec.shape, seed=spec.seed)


def check(spec, target: str = "reference", fractions=FRACTIONS) -> str | None:
    with tempfile.TemporaryDirectory() as d:
        path = _quantized(spec, Path(d))
        try:
            flat = compile_onnx(str(path), Budget(64 << 20), target, tile=False)
        except ModelError as e:
            if REJECTED is not None:
                REJECTED.append(str(e))
            return None
        ref_plan = HostPlan(flat.data)
        inputs = seeded_inputs(ref_plan.plan, INPUTS, spec.seed)
        want = [ref_plan.run(x) for x in inputs]
        for frac, slow in fractions:
            fast = max(1024, int(flat.arena * frac))
            try:
                c = compile_onnx(str(path), Budget(fast, slow), target)
            except BudgetError as e:
                # Too tight: the plan at the smallest budget the planner found
                # instead (the tightest plan there is, the most to get wrong).
                found = re.search(r"\((\d+) bytes\)", str(e))
                if found is None or int(found.group(1)) >= flat.arena:
                    continue
                fast = int(found.group(1))
                c = None
            except Exception as e:   # noqa: BLE001 - an internal error is a finding
                return f"-m {fast}{f'+{slow}' if slow else ''}: internal error " \
                       f"{type(e).__name__}: {e}".splitlines()[0]
            label = f"{fast}" + (f"+{slow}" if slow else "")
            try:
                c = c or compile_onnx(str(path), Budget(fast, slow), target)
            except BudgetError:
                continue
            except ModelError as e:   # the flat plan compiled: a refusal here is a planning bug
                return f"-m {label}: {e}".splitlines()[0]
            except Exception as e:   # noqa: BLE001 - an internal error is a finding
                return f"-m {label}: internal error {type(e).__name__}: {e}".splitlines()[0]
            plan = HostPlan(c.data)
            COMPILED[0] += 1
            for n, (x, w) in enumerate(zip(inputs, want)):
                got = plan.run(x)
                for g, r in zip(got, w):
                    if not np.array_equal(g, r):
                        bad = int(np.count_nonzero(g != r))
                        lsb = int(np.abs(g.astype(int) - r.astype(int)).max())
                        return (f"-m {label}: {bad} of {r.size} output bytes differ from the "
                                f"flat plan on input {n} (up to {lsb} LSB)")
    return None


def shrink(spec, target: str = "reference", finding: str | None = None, rounds: int = 40):
    """(smaller spec, its finding): greedily the first smaller variant that
    still fails, until none does."""
    finding = finding or check(spec, target)
    for _ in range(rounds):
        for smaller in random_cnn.shrinks(spec):
            f = check(smaller, target)
            if f is not None:
                spec, finding = smaller, f
                break
        else:
            break
    return spec, finding
