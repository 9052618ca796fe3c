"""The importer's intermediate form: ONNX nodes with quantization resolved.

QDQ (QuantizeLinear/DequantizeLinear around float ops) and QOperator
(QLinearConv, ...) models both become a list of `QNode`s whose activation
inputs and outputs are `Act`s carrying (scale, zero point) in the int8 domain
(uint8 tensors are shifted by -128), and whose constant inputs are `Const`s.
Float models give the same form with `scale is None`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Act:
    """An activation tensor (ONNX logical shape, NCHW for images)."""
    name: str
    shape: tuple[int, ...]
    scale: float | None = None   # None: float32 tensor
    zp: int = 0                  # int8-domain zero point

    @property
    def quantized(self) -> bool:
        return self.scale is not None

    def same_quant(self, other: "Act") -> bool:
        return self.scale == other.scale and self.zp == other.zp


@dataclass
class Const:
    """A constant: raw values (int for quantized data), with its quantization if any."""
    name: str
    value: np.ndarray
    scale: np.ndarray | None = None
    zp: np.ndarray | None = None
    axis: int | None = None

    def real(self) -> np.ndarray:
        """The real value (dequantized for quantized constants)."""
        if self.scale is None:
            return self.value.astype(np.float64)
        v = self.value.astype(np.float64)
        s, z = np.asarray(self.scale, np.float64), np.asarray(self.zp, np.float64)
        if self.axis is not None and s.size > 1:
            shape = [1] * v.ndim
            shape[self.axis] = -1
            s, z = s.reshape(shape), z.reshape(shape)
        return (v - z) * s


@dataclass
class QNode:
    name: str
    op: str                      # ONNX op type, QLinear forms mapped to the float name
    inputs: list                 # Act | Const | None (absent optional input)
    outputs: list[Act]
    attrs: dict = field(default_factory=dict)
    clamp: tuple[float, float] | None = None   # fused activation range in real values


@dataclass
class QGraph:
    name: str
    inputs: list[Act]
    outputs: list[Act]
    nodes: list[QNode]
    quantized: bool
    input_uint8: dict[str, bool] = field(default_factory=dict)
    input_names: list[str] = field(default_factory=list)    # the ONNX graph's names
    output_names: list[str] = field(default_factory=list)
