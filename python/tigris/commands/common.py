"""Shared pieces of the subcommands: loading a model, writing output."""
from __future__ import annotations

import os
import sys

from mlir import ir

from tigris.dialects import make_context
from tigris.errors import ModelError, UsageError
from tigris.importers.onnx import ImportResult, import_onnx, parse_input_shapes
from tigris.pipeline import build


def load_onnx(path: str, input_shapes: list[str] | None, legalize: bool,
              rounding: str = "single") -> tuple[ir.Context, ImportResult]:
    ctx = make_context()
    result = import_onnx(path, ctx, parse_input_shapes(input_shapes), rounding)
    if legalize:
        run_pipeline(ctx, result.module, "builtin.module(tigris-legalize,tigris-verify)",
                     os.path.basename(path))
    return ctx, result


def run_pipeline(ctx: ir.Context, module: ir.Module, pipeline: str, label: str) -> None:
    with ctx:
        try:
            build(pipeline, ctx).run(module.operation)
        except ir.MLIRError as e:
            diags = e.error_diagnostics
            if diags:
                d = diags[0]
                where = str(d.location)
                where = where[4:-1] if where.startswith("loc(") else where
                where = "" if where == "unknown" else f"{where}: "
                raise ModelError(f"{label}: {where}{d.message}") from None
            raise ModelError(f"{label}: {str(e).splitlines()[0]}") from None


def write_text(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        return
    try:
        with open(path, "w") as f:
            f.write(text)
    except OSError as e:
        raise UsageError(f"cannot write '{path}': {e.strerror}") from None


def load_npy(path: str):
    """A .npy file, or one line naming the file and the reason."""
    import numpy as np
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read '{path}': {str(e).splitlines()[0]}") from None
