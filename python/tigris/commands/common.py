"""Shared pieces of the subcommands: loading a model, writing output."""
from __future__ import annotations

import os
import sys

from mlir import ir

from tigris.dialects import make_context
from tigris.errors import UsageError
from tigris.importers.model import import_model
from tigris.importers.onnx import ImportResult, parse_input_shapes
from tigris.outputs import write_output
from tigris.driver import legalize as _legalize


def load_onnx(path: str, input_shapes: list[str] | None, legalize: bool,
              rounding: str = "single") -> tuple[ir.Context, ImportResult]:
    ctx = make_context()
    result = import_model(path, ctx, parse_input_shapes(input_shapes), rounding)
    if legalize:
        _legalize(ctx, result.module, os.path.basename(path))
    return ctx, result


def write_text(path: str, text: str) -> None:
    """Text to stdout (`-`) or to a file, written whole or not at all."""
    if path == "-":
        sys.stdout.write(text)
        return
    write_output(path, text)


NPY_MAGIC = b"\x93NUMPY"


def load_npy(path: str):
    """A .npy file, or one line naming the file and the reason."""
    import numpy as np
    try:
        with open(path, "rb") as f:
            head = f.read(len(NPY_MAGIC))
            if len(head) < len(NPY_MAGIC) or head != NPY_MAGIC:
                what = "an empty file" if not head else "a file without the .npy header"
                raise UsageError(f"cannot read '{path}': {what}, not a .npy array "
                                 "(write one with numpy.save)")
            f.seek(0)
            return np.load(f, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else \
            (str(e).splitlines() or [type(e).__name__])[0]
        if isinstance(e, EOFError) or "cannot reshape" in reason:
            reason = "the file is truncated"
        raise UsageError(f"cannot read '{path}': {reason}") from None


def save_npy(array) -> bytes:
    """One array as the bytes of a .npy file, for write_outputs. (numpy.save
    straight into a file does not notice a short write: a file size limit
    would leave a truncated array without an error.)"""
    import io
    import numpy as np
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def npy_path(path: str) -> str:
    """The file numpy.save writes for `path` (it adds .npy when missing)."""
    return path if path.endswith(".npy") else path + ".npy"
