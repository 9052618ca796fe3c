"""Diagnostics of tigris-opt: capture them, print them, or check them against
`expected-*` comments the way mlir-opt's `--verify-diagnostics` does.

An expectation is a comment `expected-(error|warning|note|remark)[-re]
[@+N|@-N|@above|@below|@unknown] {{text}}`: the text must occur in a
diagnostic of that severity on the comment's line, N lines below or above
it, the closest line above/below that is not itself an expectation, or at
an unknown location. With `-re`, `{{...}}` inside the text is a regular
expression. Every diagnostic (and every note) must be expected, and every
expectation must be produced.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from mlir import ir

from tigris.diagnostics import location_text

_EXPECTED = re.compile(r"expected-(error|note|remark|warning)(-re)? *"
                       r"(@([+-][0-9]+|above|below|unknown))? *\{\{(.*)\}\}$")
_SEVERITY = {ir.DiagnosticSeverity.ERROR: "error", ir.DiagnosticSeverity.WARNING: "warning",
             ir.DiagnosticSeverity.NOTE: "note", ir.DiagnosticSeverity.REMARK: "remark"}
# Notes the bindings always attach to op errors; mlir-opt turns them off
# (printOpOnDiagnostic) when verifying diagnostics.
_OP_DUMP_NOTE = "see current operation:"


@dataclass
class Diag:
    severity: str
    where: str                 # "file:line:col" or a non-file location
    line: int | None           # None: no file location
    message: str
    notes: list["Diag"] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per diagnostic and note; the notes that dump the whole op
        (added to every op error by the bindings) are left out."""
        out = [f"{self.where}: {self.severity}: {self.message}"]
        for n in self.notes:
            if not n.message.startswith(_OP_DUMP_NOTE):
                out += n.lines()
        return out


def _file_loc(loc: ir.Location):
    """The first file:line:col location inside loc (through names, fusions, call sites)."""
    if loc.is_a_file():
        return loc
    if loc.is_a_name():
        return _file_loc(loc.child_loc)
    if loc.is_a_fused():
        for sub in loc.locations:
            found = _file_loc(sub)
            if found is not None:
                return found
    if loc.is_a_callsite():
        return _file_loc(loc.caller)
    return None


def convert(d, filename: str) -> Diag:
    """An MLIR diagnostic -> Diag; the file name '-' (text parsed from memory) becomes filename."""
    f = _file_loc(d.location)
    if f is not None:
        name = filename if f.filename == "-" else f.filename
        where, line = f"{name}:{f.start_line}:{f.start_col}", f.start_line
    else:
        text = location_text(d.location)
        where, line = ("<unknown>:0" if text == "unknown" else text), None
    return Diag(_SEVERITY.get(d.severity, "error"), where, line, d.message,
                [convert(n, filename) for n in d.notes])


class Capture:
    """Collects every diagnostic of ctx (errors included) while attached."""

    def __init__(self, ctx: ir.Context, filename: str):
        self.diags: list[Diag] = []
        self._filename = filename
        self._ctx = ctx
        self._saved = ctx.emit_error_diagnostics
        ctx.emit_error_diagnostics = True
        self._handle = ctx.attach_diagnostic_handler(self._on_diag)

    def _on_diag(self, d) -> bool:
        self.diags.append(convert(d, self._filename))
        return True

    def close(self) -> None:
        self._handle.detach()
        self._ctx.emit_error_diagnostics = self._saved


@dataclass
class Expected:
    severity: str
    line: int | None           # the line the diagnostic must be on; None: @unknown
    where: str                 # the comment's own file:line:col
    text: str
    regex: re.Pattern | None
    matched: bool = False

    def matches(self, message: str) -> bool:
        if self.regex is not None:
            return self.regex.search(message) is not None
        return self.text in message


def _compile(text: str) -> re.Pattern:
    """`literal {{regex}} literal` -> one pattern (literal parts escaped)."""
    parts, pos = [], 0
    for m in re.finditer(r"\{\{(.*?)\}\}", text):
        parts.append(re.escape(text[pos:m.start()]) + "(?:" + m.group(1) + ")")
        pos = m.end()
    parts.append(re.escape(text[pos:]))
    return re.compile("".join(parts))


class ExpectationError(ValueError):
    pass


def parse_expectations(text: str, filename: str) -> list[Expected]:
    """Every expected-* comment of text (line numbers as in text, 1-based)."""
    lines = text.split("\n")
    found: list[Expected] = []
    below: list[Expected] = []
    last_plain = 0
    for number, line in enumerate(lines, start=1):
        m = _EXPECTED.search(line.rstrip())
        if m is None:
            for e in below:
                e.line = number
            below.clear()
            last_plain = number
            continue
        where = f"{filename}:{number}:{m.start() + 1}"
        severity, is_re, offset, text_ = m.group(1), m.group(2), m.group(4), m.group(5)
        regex = None
        if is_re:
            try:
                regex = _compile(text_)
            except re.error as err:
                raise ExpectationError(f"{where}: error: invalid regex '{text_}': {err}") from None
        e = Expected(severity, number, where, text_, regex)
        if offset is None:
            pass
        elif offset[0] in "+-":
            e.line = number + int(offset)
        elif offset == "unknown":
            e.line = None
        elif offset == "above":
            e.line = last_plain
        else:  # below: the next line that is not an expectation (the last line if none)
            e.line = len(lines)
            below.append(e)
        found.append(e)
    return found


class Verifier:
    """Matches captured diagnostics against the expectations of one input chunk."""

    def __init__(self, text: str, filename: str):
        self.expected = parse_expectations(text, filename)
        self.errors: list[str] = []

    def process(self, d: Diag) -> None:
        self._one(d)
        for n in d.notes:
            if not n.message.startswith(_OP_DUMP_NOTE):
                self.process(n)

    def _one(self, d: Diag) -> None:
        near = None
        for e in self.expected:
            if d.line is not None and e.line != d.line:
                continue
            if d.line is None and e.line is not None:
                continue
            if e.matches(d.message):
                if e.severity == d.severity:
                    e.matched = True
                    return
                near = e
        if near is not None:
            self.errors.append(f"{near.where}: error: '{d.severity}' diagnostic emitted when "
                               f"expecting a '{near.severity}'")
        else:
            self.errors.append(f"{d.where}: error: unexpected {d.severity}: "
                               f"{d.message.splitlines()[0] if d.message else ''}")

    def finish(self) -> bool:
        for e in self.expected:
            if not e.matched:
                self.errors.append(f"{e.where}: error: expected {e.severity} \"{e.text}\" "
                                   "was not produced")
        return not self.errors
