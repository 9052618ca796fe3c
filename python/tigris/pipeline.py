"""Pipeline text -> a PassManager mixing tigris (Python) and upstream passes.

Python passes cannot be named inside `PassManager.parse`, nor nested on
func.func, so the text is split here: `builtin.module(a, func.func(b, c), d)`
becomes a sequence where each tigris pass is added as a callable (it walks
the functions itself) and each run of upstream passes is added as text,
keeping its nesting.
"""
from __future__ import annotations

from mlir import ir
from mlir.passmanager import PassManager

from tigris.passes.registry import registry


class PipelineError(ValueError):
    pass


def split_top_level(text: str) -> list[str]:
    """Split at commas that are not inside (), {} or []."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
            if depth < 0:
                raise PipelineError(f"unbalanced ')' in pipeline '{text}'")
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    if depth != 0:
        raise PipelineError(f"unbalanced '(' in pipeline '{text}'")
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return [p for p in parts if p]


def _unwrap(element: str) -> tuple[str, str | None]:
    """`op(inner)` -> ("op", "inner"); `pass{opts}` -> ("pass{opts}", None)."""
    brace = element.find("{")
    paren = element.find("(")
    if paren != -1 and (brace == -1 or paren < brace) and element.endswith(")"):
        return element[:paren].strip(), element[paren + 1:-1]
    return element, None


def _name_and_options(element: str) -> tuple[str, str]:
    if "{" in element:
        if not element.endswith("}"):
            raise PipelineError(f"malformed pass options in '{element}'")
        name, _, rest = element.partition("{")
        return name.strip(), rest[:-1]
    return element.strip(), ""


def flatten(text: str) -> list[tuple[str, str, str]]:
    """Pipeline text -> [(kind, anchor, element)], kind 'tigris' or 'upstream'.

    For tigris passes, element is `name{options}` and anchor is ignored; for
    upstream passes the anchor is the op name to nest under ('' = module).
    """
    text = text.strip()
    name, inner = _unwrap(text)
    if inner is not None and name == "builtin.module":
        text = inner
    out: list[tuple[str, str, str]] = []

    def visit(elements: list[str], anchor: str):
        for el in elements:
            op, nested = _unwrap(el)
            if nested is not None:
                visit(split_top_level(nested), op if not anchor else f"{anchor}({op}")
                continue
            pname, _ = _name_and_options(el)
            kind = "tigris" if pname in registry() else "upstream"
            out.append((kind, anchor, el))

    visit(split_top_level(text), "")
    return out


def _wrap(anchor: str, body: str) -> str:
    # anchor may be "a(b" for doubly nested pipelines; close every paren it opened.
    if not anchor:
        return body
    return f"{anchor}({body})" + ")" * anchor.count("(")


def build(text: str, ctx: ir.Context) -> PassManager:
    """Build a PassManager on builtin.module for the pipeline `text`."""
    pm = PassManager("builtin.module", context=ctx)
    pending: list[tuple[str, str]] = []  # consecutive upstream elements (anchor, element)

    def flush():
        # Upstream elements go in as text, one by one, keeping their nesting.
        # A function pass given at module level is nested on func.func, the
        # way mlir-opt nests `--canonicalize`-style flags implicitly.
        for anchor, el in pending:
            piece = _wrap(anchor, el)
            if not anchor and not _runs_on_module(el, ctx):
                piece = _wrap("func.func", el)
            try:
                pm.add(piece)
            except ValueError as e:
                raise PipelineError(_first_line(e, piece)) from None
        pending.clear()

    for kind, anchor, el in flatten(text):
        if kind == "upstream":
            pending.append((anchor, el))
            continue
        flush()
        name, opts = _name_and_options(el)
        p = registry()[name]
        options = p.parse_options(opts)
        pm.add(p.as_callable(options), name=name, argument=name, description=p.summary)
    flush()
    return pm


def _runs_on_module(element: str, ctx: ir.Context) -> bool:
    """Whether an upstream pass can be scheduled on builtin.module (tried on an empty module)."""
    try:
        probe = PassManager.parse(f"builtin.module({element})", context=ctx)
    except ValueError:
        return True  # let the real add report the bad name or options
    try:
        with ctx, ir.Location.unknown():
            probe.run(ir.Module.create().operation)
    except ir.MLIRError as e:
        return "unable to schedule" not in str(e)
    return True


def _first_line(e: Exception, piece: str) -> str:
    msg = str(e)
    for line in msg.splitlines():
        if "does not refer to a registered pass" in line:
            name = line.split("'")[1] if "'" in line else piece
            return f"unknown pass '{name}' (see --list-passes)"
    lines = [l.strip() for l in msg.splitlines() if "error:" in l]
    return (lines[0].split("error:", 1)[1].strip() if lines else msg.splitlines()[0]) + f" in '{piece}'"
