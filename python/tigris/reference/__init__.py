"""Numpy reference of the tigris kernel ops (docs/kernels.md): the bit-exact oracle.

`fixedpoint`: TFLite fixed-point helpers and compile-time parameter/table builders.
`kernels`: one function per kernel op, called as
`getattr(kernels, opname)(*operand_arrays, **op_attributes)`.
"""
from . import fixedpoint, kernels

__all__ = ["fixedpoint", "kernels"]
