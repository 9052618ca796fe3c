"""A binary plan run by the numpy reference kernels, over arenas as the runtime sees them.

Every call reads its operands from the bytes at their tensors' offsets in the
fast, slow or flash pool and writes its result back at its offset, so a plan
whose placement is wrong (a buffer overwritten while still needed) gives
wrong bytes here exactly as it would on the device. The arithmetic is the
reference interpreter's (`tigris.reference.kernels`), so this is the oracle
`tigris compile --verify-tiling` checks a tiled plan against the flat plan
with, independent of the C runtime.
"""
from __future__ import annotations

import inspect

import numpy as np

from tigris.plan.format import CONST, IN
from tigris.plan.reader import Plan, state_vars
from tigris.reference import kernels

# Constant slots passed positionally (after the inputs), not as keywords.
_POSITIONAL = ("weights", "bias")
_DTYPES = {"i8": np.int8, "i32": np.dtype("<i4")}


def _keywords(fn) -> set:
    return set(inspect.signature(inspect.unwrap(fn)).parameters)


def run_plan(plan: Plan, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """int8 inputs in the plan's layout -> its int8 outputs, every call run by
    the reference kernels on the plan's own arenas."""
    arenas = {"fast": np.zeros(max(plan.fast_size, 1), np.uint8),
              "slow": np.zeros(max(plan.slow_size, 1), np.uint8)}

    def read(index: int) -> np.ndarray:
        t = plan.tensors[index]
        if t.pool == "flash":
            return plan.constant(index).reshape(t.shape)
        raw = arenas[t.pool][t.offset:t.offset + t.size]
        return raw.view(_DTYPES[t.dtype]).reshape(t.shape).copy()

    def write(index: int, value: np.ndarray) -> None:
        t = plan.tensors[index]
        data = np.ascontiguousarray(np.asarray(value).astype(_DTYPES[t.dtype]))
        if data.size != t.count:
            raise ValueError(f"a call wrote {data.size} elements into tensor {index} of {t.count}")
        arenas[t.pool][t.offset:t.offset + t.size] = data.reshape(-1).view(np.uint8)

    for d, x in zip(plan.inputs, inputs):
        write(d.tensor, np.asarray(x, dtype=np.int8).reshape(plan.tensors[d.tensor].shape))
    for n, call in enumerate(plan.calls):
        k = call.kernel
        fn = getattr(kernels, k.name)
        accepts = _keywords(fn)
        args, kwargs = [], {}
        first_in = next(call.tensors[i] for i, s in enumerate(k.slots) if s.role == IN)
        kwargs.update(call.params(len(plan.tensors[first_in].shape)))
        out = None
        for slot, index in zip(k.slots, call.tensors):
            if slot.role == IN:
                args.append(read(index))
            elif slot.role == CONST:
                if slot.name in _POSITIONAL:
                    continue
                kwargs[slot.name] = read(index).reshape(-1) if index is not None else None
            elif slot.name == "output":
                out = index
        if "weights" in [s.name for s in k.slots]:
            w = call.slot("weights")
            b = call.slot("bias")
            cout = plan.tensors[out].shape[-1]
            args += [read(w), read(b) if b is not None else np.zeros(cout, np.int32)]
        kwargs["out_shape"] = list(plan.tensors[out].shape)   # for the kernels taking it
        if "rounding" in accepts:
            kwargs["rounding"] = call.rounding
        kwargs = {key: v for key, v in kwargs.items() if key in accepts}
        result = fn(*args, **kwargs)
        write(out, np.asarray(result).reshape(plan.tensors[out].shape))
    return [read(d.tensor).astype(np.int8) for d in plan.outputs]


def run_plan_state(plan: Plan, inputs: list[np.ndarray], state: np.ndarray) -> list[np.ndarray]:
    """run_plan with the state region (docs/plan-format.md, "State"): `inputs`
    are the inputs that are not state, `state` the int8 region (reader.
    state_start at load), updated in place as tigris_run_state does; returns
    the outputs that are not state."""
    vars_ = state_vars(plan)
    by_input = {i: (at, size) for i, _, at, size in vars_}
    it = iter(inputs)
    full = []
    for i, d in enumerate(plan.inputs):
        if i in by_input:
            at, size = by_input[i]
            full.append(state[at:at + size].copy())
        else:
            full.append(next(it))
    outs = run_plan(plan, full)
    for _, j, at, size in vars_:
        state[at:at + size] = outs[j].reshape(-1)
    return [o for o, d in zip(outs, plan.outputs) if not d.state]


__all__ = ["run_plan", "run_plan_state"]
