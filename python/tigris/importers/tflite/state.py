"""Streaming state (VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE, CALL_ONCE) as
plan inputs and outputs.

A streaming model (microWakeWord's ring buffers) reads each resource
variable, computes, and assigns the variable's next value. One inference is
then a function of (input, state) -> (output, next state): each variable's
READ_VARIABLE result becomes a plan input named `state:<shared name>` and
the tensor ASSIGN_VARIABLE stores becomes a plan output of the same name,
which the plan flags as state (docs/plan-format.md, "State"): the C runtime's
tigris_run_state keeps it in a caller-provided region between inferences.
CALL_ONCE's init subgraph gives the initial values (`initial_state`), which
must be the variable's zero point (real zero), what tigris_state_init sets.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tigris.errors import ModelError
from tigris.importers.tflite.load import TFLiteModel, load_tflite

STATE_OPS = ("VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CALL_ONCE")
PREFIX = "state:"


@dataclass
class StateVar:
    name: str                    # the variable's shared name
    read: int                    # the tensor READ_VARIABLE gives (a plan input)
    value: int                   # the tensor ASSIGN_VARIABLE stores (a plan output)
    aliases: list[int]           # further READ_VARIABLE results of the same variable
    init: np.ndarray | None      # the initial value CALL_ONCE assigns (None: zeros)


def _fail(op, reason: str):
    raise ModelError(f"operator {op.index} ({op.name}): {reason}")


def _shared_name(op) -> str:
    if op.options is None:
        _fail(op, "has no options (the variable's shared name)")
    raw = op.options.SharedName() or b""
    container = op.options.Container() or b""
    return (container + b"/" + raw if container else raw).decode("utf-8", "replace")


def _initial_values(m: TFLiteModel) -> dict[str, np.ndarray]:
    values = {}
    for k, tensors, ops in m.extra.get("init", []):
        handles = {}
        for op in ops:
            if op.name == "VAR_HANDLE" and op.outputs:
                handles[op.outputs[0]] = _shared_name(op)
            elif op.name == "ASSIGN_VARIABLE" and len(op.inputs) == 2:
                h, v = op.inputs
                if h not in handles or tensors[v].data is None:
                    raise ModelError(f"subgraph {k} (CALL_ONCE's): operator {op.index} assigns "
                                     "something other than a constant to a variable")
                values[handles[h]] = tensors[v].data
            else:
                raise ModelError(f"subgraph {k} (CALL_ONCE's): operator {op.index} ({op.name}) "
                                 "is not supported there (only VAR_HANDLE and ASSIGN_VARIABLE "
                                 "of constants)")
    return values


def find_state(m: TFLiteModel) -> list[StateVar]:
    """The model's state variables, checked to be read before they are assigned
    (once) in each inference."""
    handles, reads, assigns = {}, {}, {}
    for op in m.operators:
        if op.name == "VAR_HANDLE":
            if len(op.outputs) != 1:
                _fail(op, "needs one output")
            handles[op.outputs[0]] = _shared_name(op)
        elif op.name in ("READ_VARIABLE", "ASSIGN_VARIABLE"):
            need = (1, 1) if op.name == "READ_VARIABLE" else (2, 0)
            if len(op.inputs) != need[0] or len(op.outputs) != need[1]:
                _fail(op, f"needs {need[0]} input(s) and {need[1]} output(s)")
            name = handles.get(op.inputs[0])
            if name is None:
                _fail(op, "its resource does not come from a VAR_HANDLE before it")
            if op.name == "READ_VARIABLE":
                if name in assigns:
                    _fail(op, f"reads '{name}' after it was assigned in the same inference")
                reads.setdefault(name, []).append(op.outputs[0])
            else:
                if name in assigns:
                    _fail(op, f"assigns '{name}' a second time")
                assigns[name] = (op, op.inputs[1])
    init = _initial_values(m)
    out = []
    for name, tensors in reads.items():
        if name not in assigns:
            raise ModelError(f"the state variable '{name}' is read but never assigned")
        op, value = assigns[name]
        t_in, t_out = m.tensors[tensors[0]], m.tensors[value]
        if t_in.shape != t_out.shape or t_in.type != t_out.type:
            _fail(op, f"assigns '{name}' a {t_out.type_name} {list(t_out.shape)}, it is read "
                      f"as a {t_in.type_name} {list(t_in.shape)}")
        value_init = init.get(name)
        if value_init is not None and int(np.prod(value_init.shape)) != int(np.prod(t_in.shape)):
            raise ModelError(f"the initial value of '{name}' has shape {list(value_init.shape)}, "
                             f"the variable {list(t_in.shape)}")
        if value_init is not None:
            value_init = value_init.reshape(t_in.shape)
        zp = int(t_in.zp[0]) if t_in.quantized and t_in.zp.size else 0
        start = value_init if value_init is not None else np.zeros(1, np.int64)
        if np.any(np.asarray(start, np.int64) != zp):
            raise ModelError(f"the state variable '{name}' starts at values other than its zero "
                             f"point {zp}; a plan's state starts at real zero (CALL_ONCE "
                             "assigning the zero point)")
        out.append(StateVar(name, tensors[0], value, tensors[1:], value_init))
    for name in assigns:
        if name not in reads:
            op, _ = assigns[name]
            _fail(op, f"assigns '{name}', which is never read")
    return out


def initial_state(path: str) -> dict[str, np.ndarray]:
    """`state:<name>` -> the int8 array a streaming model's state starts from
    (in the shape of the plan's input of that name)."""
    import os
    m = load_tflite(path, os.path.basename(path))
    out = {}
    for v in find_state(m):
        t = m.tensors[v.read]
        init = v.init if v.init is not None else np.zeros(t.shape, np.int8)
        out[PREFIX + v.name] = np.ascontiguousarray(init.astype(np.int8))
    return out
