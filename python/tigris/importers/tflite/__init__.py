"""TFLite (int8 `.tflite`, schema v3) -> MLIR, the same TOSA-on-tensors form
the ONNX importer produces (docs/tflite-import.md).

    result = import_tflite("model.tflite", ctx, rounding="double")   # ImportResult

The flatbuffer is read with the `tflite` package (load.py), its operators
become the ONNX importer's QGraph (convert.py, ops.py) and the ONNX emitter
writes the function. Plan inputs and outputs keep TFLite's own layout (NHWC
for images), which is also how the bytes are stored.
"""
from __future__ import annotations

import os

from mlir import ir

from tigris.errors import ModelError
from tigris.importers.onnx import ImportResult
from tigris.importers.tflite.convert import Converter
from tigris.importers.tflite.translate import translate
from tigris.importers.tflite.emit import emit_tflite
from tigris.importers.tflite.load import is_tflite, load_tflite

__all__ = ["import_tflite", "is_tflite"]


def import_tflite(path: str, ctx: ir.Context, input_shapes: dict | None = None,
                  rounding: str = "single") -> ImportResult:
    if rounding not in ("single", "double"):
        raise ValueError(f"rounding must be 'single' or 'double', got {rounding!r}")
    label = os.path.basename(path)
    if input_shapes:
        raise ModelError(f"{label}: --input-shape is for ONNX models; a TFLite model's "
                         "shapes are fixed")
    model = load_tflite(path, label)
    try:
        graph = translate(Converter(model))
    except ModelError as e:
        raise ModelError(f"{label}: {e}") from None
    with ctx, ir.Location.unknown():
        try:
            module, weights = emit_tflite(graph, label, rounding)
        except ModelError as e:
            raise ModelError(f"{label}: {e}") from None
        _nhwc_io(module)
        try:
            module.operation.verify()
        except ir.MLIRError as e:
            diag = e.error_diagnostics[0].message if e.error_diagnostics else str(e)
            raise ModelError(f"{label}: the imported IR does not verify: {diag}") from None
    return ImportResult(module, weights, graph, len(model.operators))


def _nhwc_io(module: ir.Module) -> None:
    """Inputs and outputs in TFLite's own order: an image the emitter calls
    "nhwc" (ONNX shape [N, C, H, W], stored [N, H, W, C]) is "plain" with the
    shape [N, H, W, C], the same bytes."""
    f = module.body.operations[0]
    for key in ("tigris.inputs", "tigris.outputs"):
        if key not in f.attributes:
            continue
        specs = []
        for d in ir.ArrayAttr(f.attributes[key]):
            d = ir.DictAttr(d)
            entries = {d[i].name: d[i].attr for i in range(len(d))}
            if ir.StringAttr(entries["layout"]).value == "nhwc":
                n, c, h, w = ir.DenseI64ArrayAttr(entries["shape"])
                entries["layout"] = ir.StringAttr.get("plain")
                entries["shape"] = ir.DenseI64ArrayAttr.get([n, h, w, c])
            specs.append(ir.DictAttr.get(entries))
        f.attributes[key] = ir.ArrayAttr.get(specs)
