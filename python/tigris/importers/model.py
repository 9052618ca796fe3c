"""Importing a model file, whatever its format: a TFLite flatbuffer (the TFL3
identifier at bytes 4..8) or else ONNX. Detected by content, not by the
file's extension."""
from __future__ import annotations

from mlir import ir

from tigris.importers.onnx import ImportResult, import_onnx
from tigris.importers.tflite import import_tflite, is_tflite

__all__ = ["ImportResult", "import_model", "is_tflite"]


def _not_a_model(path: str) -> str | None:
    """A hint for files the model commands are often given by mistake: a plan,
    or MLIR (which goes to a plan through tigris-opt and tigris translate)."""
    import os
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return None     # the importer reports it
    name = os.path.basename(path)
    if head.startswith(b"TGRS"):
        return (f"{name}: not an ONNX model but a TiGrIS plan; run it with tigris run, or "
                "read it with tigris translate --plan-to-mlir")
    text = head.decode("utf-8", errors="replace").lstrip()
    if head.startswith(b"ML\xefR") or (text.startswith(("module", "func.func", "//", "#", "!"))
                                       and ("func.func" in text or "module" in text)):
        return (f"{name}: not an ONNX model but MLIR; plan it with tigris-opt and write the "
                "plan with tigris translate --mlir-to-plan (docs/mlir.md)")
    return None


def import_model(path: str, ctx: ir.Context, input_shapes=None,
                 rounding: str = "single") -> ImportResult:
    hint = _not_a_model(path)
    if hint is not None:
        from tigris.errors import ModelError
        raise ModelError(hint)
    if is_tflite(path):
        return import_tflite(path, ctx, input_shapes, rounding)
    return import_onnx(path, ctx, input_shapes, rounding)
