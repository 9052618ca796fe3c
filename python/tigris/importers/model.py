"""Importing a model file, whatever its format: a TFLite flatbuffer (the TFL3
identifier at bytes 4..8) or else ONNX. Detected by content, not by the
file's extension."""
from __future__ import annotations

from mlir import ir

from tigris.importers.onnx import ImportResult, import_onnx
from tigris.importers.tflite import import_tflite, is_tflite

__all__ = ["ImportResult", "import_model", "is_tflite"]


def import_model(path: str, ctx: ir.Context, input_shapes=None,
                 rounding: str = "single") -> ImportResult:
    if is_tflite(path):
        return import_tflite(path, ctx, input_shapes, rounding)
    return import_onnx(path, ctx, input_shapes, rounding)
