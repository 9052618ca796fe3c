"""Work on the zoo models that several test files repeat, done once per pytest session.

- `compiled(name, memory, target, tile)`: `compile_onnx` of a zoo model, the
  bytes `tigris compile -m MEMORY` writes; a BudgetError or ModelError is
  remembered and raised again (as a new exception of the same type and text).
- `reference(name)`: the model imported, legalized and verified, with the
  reference interpreter over it (`Reference`). Tests only read it.
- `reference_runs(name, shapes, seed, count)`: seeded int8 inputs of the given
  shapes and the reference interpreter's outputs on them, the arrays read-only.

Callers get copies or read-only values, so no test can change what another sees.
"""
from __future__ import annotations

import dataclasses
import functools
import sys
from pathlib import Path

import numpy as np

from tigris.budget import Budget
from tigris.dialects import make_context
from tigris.errors import BudgetError, ModelError
from tigris.importers.onnx import import_onnx
from tigris.modelio import io_specs, quantize_input, to_model_layout
from tigris.passes.registry import functions
from tigris.pipeline import build
from tigris.reference.interpreter import run_function
from tigris.resources import WeightTable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import zoo  # noqa: E402


class Reference:
    """The legalized function of a model and the reference interpreter over it."""

    def __init__(self, path: str):
        self.ctx = make_context()
        self.result = import_onnx(path, self.ctx)
        with self.ctx:
            build("builtin.module(tigris-legalize,tigris-verify)", self.ctx).run(
                self.result.module.operation)
            self.fn = functions(self.result.module.operation)[0]
            (self.ispec,), (self.ospec,) = io_specs(self.fn)
        self.weights = WeightTable(self.result.weights)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        with self.ctx:
            (y,) = run_function(self.fn, self.weights, [quantize_input(x, self.ispec)])
        return to_model_layout(y, self.ospec)


@functools.lru_cache(maxsize=None)
def reference(name: str) -> Reference:
    return Reference(str(zoo.build(name)))


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@functools.lru_cache(maxsize=None)
def reference_runs(name: str, shapes: tuple, seed: int, count: int) -> tuple:
    """((inputs, outputs), ...) for `count` draws of seeded int8 inputs (one array per
    shape, drawn in order from one generator) through the reference interpreter."""
    ref = reference(name)
    rng = np.random.default_rng(seed)
    runs = []
    for _ in range(count):
        xs = [_frozen(rng.integers(-128, 128, size=s).astype(np.int8)) for s in shapes]
        with ref.ctx:
            want = [_frozen(w) for w in run_function(ref.fn, ref.weights, xs)]
        runs.append((tuple(xs), tuple(want)))
    return tuple(runs)


@functools.lru_cache(maxsize=None)
def _compile(name: str, memory: str, target: str, tile: bool):
    from tigris.plan.compiler import compile_onnx
    try:
        return compile_onnx(str(zoo.build(name)), Budget.parse(memory), target, tile=tile), None
    except (BudgetError, ModelError) as e:
        return None, (type(e), str(e))


def compiled(name: str, memory: str = "1M", target: str = "reference", tile: bool = True):
    """compile_onnx(zoo model, Budget.parse(memory), target, tile=tile), once per session."""
    c, error = _compile(name, memory, target, tile)
    if error is not None:
        kind, text = error
        raise kind(text)
    return dataclasses.replace(c)


def plan_file(name: str, memory: str, folder: Path, target: str = "reference",
              tile: bool = True) -> Path:
    """compiled(...) written to a file in `folder` (what `tigris compile -o` writes)."""
    data = compiled(name, memory, target, tile).data
    path = folder / f"{name}_{memory.replace('+', '_')}_{target}{'' if tile else '_flat'}.tgrs"
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return path
