"""Reading constant data back out of MLIR modules.

Weights are `dense_resource` blobs. The Python bindings cannot read a blob's
bytes, so an in-process pipeline carries a side table (resource name ->
numpy array), and a module read from text gets its table from the
`{-# dialect_resources: ... #-}` section of that text.
"""
from __future__ import annotations

import re

import numpy as np
from mlir import ir

_RESOURCE_NAME = re.compile(r"dense_resource<([^>]+)>")
_BLOB = re.compile(r'^\s*"?([^":\s]+)"?\s*:\s*"0x([0-9A-Fa-f]*)"', re.M)


def resource_name(attr: ir.Attribute) -> str | None:
    """The blob name of a dense_resource attribute (None for other attributes)."""
    # The bindings do not downcast dense_resource attributes: go by their text,
    # whose prefix is short (the blob itself is printed elsewhere).
    text = str(attr)
    if not text.startswith("dense_resource<"):
        return None
    m = _RESOURCE_NAME.match(text)
    return m.group(1) if m else None


def blobs_from_asm(text: str) -> dict[str, bytes]:
    """Blob name -> raw bytes (without the 4-byte alignment prefix) from module text."""
    start = text.rfind("{-#")
    if start < 0:
        return {}
    blobs = {}
    for name, hexdata in _BLOB.findall(text[start:]):
        raw = bytes.fromhex(hexdata)
        blobs[name] = raw[4:]  # the first 4 bytes encode the blob alignment
    return blobs


_NP_TYPES = {(8, True): np.int8, (16, True): np.int16, (32, True): np.int32, (64, True): np.int64}


def np_dtype(element_type: ir.Type):
    if isinstance(element_type, ir.IntegerType):
        return _NP_TYPES[(element_type.width, True)]
    if isinstance(element_type, ir.F32Type):
        return np.float32
    raise ValueError(f"no numpy type for {element_type}")


class WeightTable:
    """Resource name -> numpy array, filled by the importer or from module text."""

    def __init__(self, arrays: dict[str, np.ndarray] | None = None,
                 blobs: dict[str, bytes] | None = None):
        self.arrays = dict(arrays or {})
        self.blobs = dict(blobs or {})

    @classmethod
    def from_asm(cls, text: str) -> "WeightTable":
        return cls(blobs=blobs_from_asm(text))

    def constant(self, const_op) -> np.ndarray:
        """The value of a tosa.const op as a numpy array."""
        attr = const_op.attributes["values"]
        t = ir.RankedTensorType(const_op.results[0].type)
        name = resource_name(attr)
        if name is None:
            return np.array(attr).reshape(t.shape)
        if name in self.arrays:
            return self.arrays[name]
        if name in self.blobs:
            arr = np.frombuffer(self.blobs[name], dtype=np_dtype(t.element_type)).reshape(t.shape)
            self.arrays[name] = arr
            return arr
        raise KeyError(f"constant data for resource '{name}' is not available")
