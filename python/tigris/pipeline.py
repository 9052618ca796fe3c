"""Pipeline text -> a PassManager mixing tigris (Python) and upstream passes.

Python passes cannot be named inside `PassManager.parse`, nor nested in a
PassManager, so the text is split here: `builtin.module(a, func.func(b, c), d)`
becomes a sequence where each tigris pass is added at module level as a
callable that walks to the ops its position anchors it on (`func.func(b)`:
every function; `builtin.module(builtin.module(b))`: the functions of each
nested module), and each upstream pass is added as text, keeping its nesting.

Anchors follow mlir-opt: the text must be wrapped in its root op
(`builtin.module(...)`, or `any(...)`), a pass anchored on `builtin.module`
cannot sit under `func.func(...)`, and a function pass (tigris or upstream)
placed directly in a module is nested on its functions (implicit nesting).
Tigris passes of one `func.func(...)` group run one after the other over all
functions rather than function by function; as function passes only see their
own function, the result is the same.
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


ROOTS = ("builtin.module", "any")


def flatten(text: str) -> list[tuple[str, tuple[str, ...], str]]:
    """Pipeline text -> [(kind, path, element)], kind 'tigris' or 'upstream'.

    path is the chain of anchor ops under the root module, () for the module
    itself, ("func.func",) for `builtin.module(func.func(element))`.
    """
    text = text.strip()
    name, inner = _unwrap(text)
    if inner is None or split_top_level(text) != [text]:
        raise PipelineError("expected pass pipeline to be wrapped with the anchor operation "
                            "type, e.g. 'builtin.module(...)'")
    if name not in ROOTS:
        raise PipelineError(f"can't run '{name}' pass manager on 'builtin.module' op")
    out: list[tuple[str, tuple[str, ...], str]] = []

    def visit(elements: list[str], path: tuple[str, ...]):
        for el in elements:
            op, nested = _unwrap(el)
            if nested is not None:
                visit(split_top_level(nested), path + (op,))
                continue
            pname, _ = _name_and_options(el)
            kind = "tigris" if pname in registry() else "upstream"
            out.append((kind, path, el))

    visit(split_top_level(inner), ())
    return out


def _wrap(path: tuple[str, ...], body: str) -> str:
    for op in reversed(path):
        body = f"{op}({body})"
    return body


def _check_anchor(name: str, anchor: str, path: tuple[str, ...]) -> None:
    where = path[-1] if path else "builtin.module"
    allowed = ("builtin.module", "any") if anchor == "builtin.module" else \
        ("builtin.module", "func.func", "any")
    if where not in allowed:
        raise PipelineError(f"unable to schedule pass '{name}' (anchored on '{anchor}') on a "
                            f"PassManager intended to run on '{where}'")


def build(text: str, ctx: ir.Context) -> PassManager:
    """Build a PassManager on builtin.module for the pipeline `text`."""
    pm = PassManager("builtin.module", context=ctx)
    pending: list[tuple[tuple[str, ...], str]] = []  # consecutive upstream elements

    def flush():
        # Upstream elements go in as text, one by one, keeping their nesting.
        # A function pass given at a module position is nested on func.func,
        # the way a PassManager in implicit-nesting mode does.
        for path, el in pending:
            piece = _wrap(path, el)
            at_module = not path or path[-1] == "builtin.module"
            if at_module and not _runs_on_module(el, ctx):
                piece = _wrap(path + ("func.func",), el)
            try:
                pm.add(piece)
            except ValueError as e:
                raise PipelineError(_first_line(e, piece)) from None
        pending.clear()

    for kind, path, el in flatten(text):
        if kind == "upstream":
            pending.append((path, el))
            continue
        flush()
        name, opts = _name_and_options(el)
        p = registry()[name]
        _check_anchor(name, p.anchor, path)
        options = p.parse_options(opts)
        pm.add(p.as_callable(options, path, p.given_options(opts)), name=name, argument=name,
               description=p.summary)
    flush()
    return pm


def _runs_on_module(element: str, ctx: ir.Context) -> bool:
    """Whether an upstream pass can be scheduled on builtin.module (tried on an empty module)."""
    try:
        probe = PassManager.parse(f"builtin.module({element})", context=ctx)
    except ValueError:
        return True  # let the real add report the bad name or options
    saved = ctx.emit_error_diagnostics  # the probe's errors go to its exception, not handlers
    ctx.emit_error_diagnostics = False
    try:
        with ctx, ir.Location.unknown():
            probe.run(ir.Module.create().operation)
    except ir.MLIRError as e:
        return "unable to schedule" not in str(e)
    finally:
        ctx.emit_error_diagnostics = saved
    return True


def _first_line(e: Exception, piece: str) -> str:
    msg = str(e)
    for line in msg.splitlines():
        if "does not refer to a registered pass" in line:
            name = line.split("'")[1] if "'" in line else piece
            return f"unknown pass '{name}' (see --list-passes)"
    lines = [l.strip() for l in msg.splitlines() if "error:" in l]
    return (lines[0].split("error:", 1)[1].strip() if lines else msg.splitlines()[0]) + f" in '{piece}'"
