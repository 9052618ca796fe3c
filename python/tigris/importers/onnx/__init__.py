"""ONNX -> MLIR (upstream TOSA on tensors, NHWC, int8 with tosa.rescale).

    result = import_onnx("model.onnx", ctx)      # ImportResult
    print(result.module)                          # func.func of tosa.* ops

Weights become dense_resource blobs; `result.weights` maps blob names to
their numpy arrays (the Python bindings cannot read blobs back).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from mlir import ir

from tigris.errors import ModelError
from tigris.importers.onnx.emit import emit_module
from tigris.importers.onnx.graph import QGraph
from tigris.importers.onnx.load import load_model, parse_input_shapes
from tigris.importers.onnx.resolve import resolve

__all__ = ["ImportResult", "import_onnx", "parse_input_shapes"]


@dataclass
class ImportResult:
    module: ir.Module
    weights: dict[str, np.ndarray]
    graph: QGraph
    onnx_nodes: int


def import_onnx(path: str, ctx: ir.Context, input_shapes: dict[str, list[int]] | None = None,
                rounding: str = "single") -> ImportResult:
    """`rounding` of every requantization (tosa.rescale rounding_mode): "single"
    (TFLite single rounding; one rounding, the closest to onnxruntime's float
    requantization) or "double" (gemmlowp/ESP-NN, for targets whose kernels
    round twice)."""
    if rounding not in ("single", "double"):
        raise ValueError(f"rounding must be 'single' or 'double', got {rounding!r}")
    label = os.path.basename(path)
    model = load_model(path, input_shapes)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
    graph = resolve(model, label)
    with ctx, ir.Location.unknown():
        try:
            module, weights = emit_module(graph, label, opset, rounding)
        except ModelError as e:
            raise ModelError(f"{label}: {e}") from None
        try:
            module.operation.verify()
        except ir.MLIRError as e:
            diag = e.error_diagnostics[0].message if e.error_diagnostics else str(e)
            raise ModelError(f"{label}: the imported IR does not verify: {diag}") from None
    return ImportResult(module, weights, graph, len(model.graph.node))
