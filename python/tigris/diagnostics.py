"""Turning MLIR errors into one-line-per-diagnostic messages for the CLIs."""
from __future__ import annotations

from mlir import ir


def location_text(loc: ir.Location) -> str:
    try:
        if loc.is_a_file():
            return f"{loc.filename}:{loc.start_line}:{loc.start_col}"
    except AttributeError:
        pass
    text = str(loc)
    return text[4:-1] if text.startswith("loc(") else text


def _lines(d, severity: str) -> list[str]:
    out = [f"{location_text(d.location)}: {severity}: {d.message}"]
    for note in getattr(d, "notes", []) or []:
        out += _lines(note, "note")
    return out


def mlir_error_lines(e: ir.MLIRError) -> list[str]:
    """Every diagnostic of an MLIRError as `file:line:col: error: message`."""
    diags = getattr(e, "error_diagnostics", None) or []
    if not diags:
        return [f"error: {str(e).splitlines()[0]}"]
    lines: list[str] = []
    for d in diags:
        lines += _lines(d, "error")
    return lines
