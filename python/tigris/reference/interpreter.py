"""The numpy reference interpreter: runs a func.func of tigris kernel ops.

It is the oracle for the C runtime and for tiled plans: every kernel op is
evaluated by `tigris.reference.kernels` with the exact integer semantics of
docs/kernels.md, in the order the ops appear.
"""
from __future__ import annotations

import numpy as np
from mlir import ir

from tigris import kernels as registry
from tigris.dialects import op_attrs
from tigris.reference import kernels
from tigris.resources import WeightTable


def result_shape(value: ir.Value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


def kernel_arguments(op, operands: list[np.ndarray]) -> tuple[list[np.ndarray], dict]:
    """Operand arrays and keyword attributes for `kernels.<op>`, in the kernel's layouts
    (weights as the registry entry's `weights_view`; `out_shape` for the kernels
    that take it)."""
    kind = registry.of(op)
    attrs = {k: v for k, v in op_attrs(op).items() if not k.startswith("tigris.")}
    args = list(operands)
    if kind.weights_view is not None:
        args[1] = args[1].reshape(kind.weights_view(args[1].shape))
    attrs["out_shape"] = result_shape(op.results[0])
    return args, attrs


def run_function(func_op, weights: WeightTable, inputs: list[np.ndarray],
                 trace: dict | None = None) -> list[np.ndarray]:
    """Evaluate `func_op` on int8 inputs (in the function's layout). If `trace`
    is a dict, it receives every intermediate result keyed by the SSA name order."""
    func_op = getattr(func_op, "operation", func_op)
    block = func_op.regions[0].blocks[0]
    env: dict = {}
    if len(inputs) != len(block.arguments):
        raise ValueError(f"function takes {len(block.arguments)} inputs, got {len(inputs)}")
    for arg, x in zip(block.arguments, inputs):
        want = result_shape(arg)
        x = np.asarray(x)
        if list(x.shape) != want or x.dtype != np.int8:
            raise ValueError(f"input of shape {list(x.shape)} {x.dtype}, expected {want} int8")
        env[arg] = x
    step = 0
    for op in block.operations:
        op = op.operation
        name = op.name
        if name == "func.return":
            return [env[v] for v in op.operands]
        if name == "tosa.const":
            env[op.results[0]] = weights.constant(op)
            continue
        if name == "tosa.const_shape":
            continue
        if registry.of(op) is None:
            raise ValueError(f"the reference interpreter runs tigris kernel ops, not '{name}' "
                             "(run tigris-legalize first)")
        args, attrs = kernel_arguments(op, [env[v] for v in op.operands])
        out = getattr(kernels, registry.of(op).name)(*args, **attrs)
        out = np.asarray(out).reshape(result_shape(op.results[0]))
        env[op.results[0]] = out
        if trace is not None:
            trace[step] = out
        step += 1
    raise ValueError("function has no return")
