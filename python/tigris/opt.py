"""tigris-opt: read MLIR, run a pipeline of tigris and upstream passes, print MLIR.

    tigris-opt in.mlir --pass-pipeline='builtin.module(tigris-legalize,canonicalize)'
    tigris-opt in.mlir --tigris-legalize --canonicalize -o out.mlir
    tigris-opt errors.mlir --tigris-verify --split-input-file --verify-diagnostics

The everyday flags of mlir-opt work the same way; any other `--name[=options]`
is a pass (tigris or upstream), added to the pipeline in order.
"""
from __future__ import annotations

import argparse
import gc
import io
import re
import sys
from importlib import metadata

from mlir import ir
from mlir.passmanager import PassDisplayMode

from tigris.dialects import make_context
from tigris.passes.registry import registry
from tigris.pipeline import PipelineError, build
from tigris.verify_diagnostics import Capture, Diag, ExpectationError, Verifier

USAGE = "tigris-opt [input.mlir|-] [--pass-pipeline=TEXT | --<pass>[=options] ...] [-o out.mlir]"
SPLIT_MARKER = "// -----"
BYTECODE_MAGIC = b"ML\xefR"
# Flags whose value is optional (`--flag` or `--flag=value`), as in mlir-opt.
_OPTIONAL_VALUE = {"--split-input-file": SPLIT_MARKER, "--verify-diagnostics": "all"}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        raise UsageError(message)


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="tigris-opt", usage=USAGE,
                description="Run tigris and upstream MLIR passes over MLIR (text or bytecode).")
    a = p.add_argument
    a("input", nargs="?", default="-", help="MLIR file, or - for stdin (default)")
    a("-o", dest="output", default="-", help="output file (default: stdout)")
    a("--pass-pipeline", default=None, help="textual pipeline, e.g. "
      "'builtin.module(func.func(tigris-legalize),canonicalize)'")
    a("--list-passes", action="store_true", help="list the tigris passes and exit")
    a("--version", action="store_true", help="print the tigris and MLIR versions and exit")
    a("--split-input-file", metavar="MARKER", default=None,
      help=f"split the input at lines '{SPLIT_MARKER}' (or =MARKER) and process each chunk alone")
    a("--output-split-marker", default=SPLIT_MARKER, help="line between the chunks' outputs")
    a("--verify-diagnostics", choices=["all", "only-expected"], default=None,
      help="check diagnostics against expected-* comments instead of printing them")
    a("--allow-unregistered-dialect", action="store_true",
      help="accept operations of dialects that are not registered")
    a("--mlir-print-ir-before-all", action="store_true", help="print the IR before every pass")
    a("--mlir-print-ir-after-all", action="store_true",
      help="print the IR to stderr after every pass")
    a("--mlir-print-ir-after-change", action="store_true",
      help="print the IR to stderr after every pass that changed it")
    a("--mlir-print-ir-after-failure", action="store_true",
      help="print the IR after a pass that failed")
    a("--mlir-print-ir-module-scope", action="store_true",
      help="print the whole module in IR dumps (turns multithreading off)")
    a("--mlir-timing", action="store_true", help="report the time of every pass")
    a("--mlir-pass-statistics", action="store_true", help="report the statistics of every pass")
    a("--mlir-pass-statistics-display", choices=["list", "pipeline"], default="pipeline")
    a("--mlir-print-op-generic", action="store_true", help="print operations in generic form")
    a("--mlir-print-debuginfo", action="store_true", help="print locations")
    a("--mlir-elide-elementsattrs-if-larger", type=int, metavar="N", default=None,
      help="print elements attributes with more than N elements as '...'")
    a("--mlir-elide-resource-strings-if-larger", type=int, metavar="N", default=None,
      help="leave out resource blobs longer than N characters (the output cannot be run)")
    a("--mlir-disable-threading", action="store_true", help="run passes on one thread")
    a("--emit-bytecode", action="store_true", help="write MLIR bytecode instead of text")
    a("--emit-bytecode-version", type=int, default=None, help="bytecode version to write")
    a("--tigris-target", default=None, metavar="TARGET",
      help="record the target on the module for every pass (tigris-configure)")
    a("--tigris-budget", default=None, metavar="FAST[+SLOW]",
      help="record the memory budget on the module; a plan over it fails (tigris-configure)")
    a("--verify-each", default="true", choices=["true", "false"],
      help="run the verifier after every pass (default true)")
    return p


def _normalize(argv: list[str]) -> list[str]:
    """mlir-opt spellings: `-flag` for `--flag`, `--flag` for optional-value flags."""
    out = []
    for arg in argv:
        if re.match(r"^-[a-z][a-z0-9-]+(=|$)", arg):
            arg = "-" + arg
        if arg in _OPTIONAL_VALUE:
            arg = f"{arg}={_OPTIONAL_VALUE[arg]}"
        out.append(arg)
    return out


def _split_pass_flags(argv: list[str]) -> tuple[list[str], list[str]]:
    """Separate `--<pass>[=opts]` flags (mlir-opt style) from the regular options."""
    regular, passes = [], []
    known = {s for a in _parser()._actions for s in a.option_strings}
    for arg in argv:
        flag = arg.split("=", 1)[0]
        if arg.startswith("--") and flag not in known:
            name, eq, opts = arg[2:].partition("=")
            passes.append(f"{name}{{{opts}}}" if eq else name)
        else:
            regular.append(arg)
    return regular, passes


def list_passes(out=sys.stdout) -> None:
    print("tigris passes (also usable: every upstream MLIR pass by name):", file=out)
    for name, p in registry().items():
        print(f"  {name:<26} [{p.anchor}] {p.summary}", file=out)
        for o in p.options:
            print(f"      {o.name}=<value>  {o.doc} (default {o.default})", file=out)


def version_text() -> str:
    from tigris import __version__
    try:
        bindings = metadata.version("xtc-mlir-python-bindings")
    except metadata.PackageNotFoundError:
        bindings = "unknown"
    llvm = ".".join(bindings.split(".")[:3])
    return (f"tigris-opt (TiGrIS-MLIR) {__version__}\n"
            f"  MLIR {llvm} (xtc-mlir-python-bindings {bindings})\n")


def _chunks(text: str, marker: str | None) -> list[str]:
    """Split at marker lines; each chunk keeps its lines' numbers (blank lines in front)."""
    if marker is None:
        return [text]
    lines = text.split("\n")
    chunks, start = [], 0
    for i, line in enumerate(lines + [marker]):
        if line.strip() == marker or i == len(lines):
            chunks.append("\n" * start + "\n".join(lines[start:i]))
            start = i + 1
    return chunks


def _configure(pm, args) -> None:
    pm.enable_verifier(args.verify_each == "true")
    printing = (args.mlir_print_ir_before_all or args.mlir_print_ir_after_all
                or args.mlir_print_ir_after_change or args.mlir_print_ir_after_failure)
    if printing:
        pm.enable_ir_printing(
            print_before_all=args.mlir_print_ir_before_all,
            print_after_all=args.mlir_print_ir_after_all or args.mlir_print_ir_after_change,
            print_after_change=args.mlir_print_ir_after_change,
            print_after_failure=args.mlir_print_ir_after_failure,
            print_module_scope=args.mlir_print_ir_module_scope,
            large_elements_limit=args.mlir_elide_elementsattrs_if_larger,
            large_resource_limit=args.mlir_elide_resource_strings_if_larger,
            enable_debug_info=args.mlir_print_debuginfo,
            print_generic_op_form=args.mlir_print_op_generic)
    if args.mlir_timing:
        pm.enable_timing()
    if args.mlir_pass_statistics:
        pm.enable_statistics(PassDisplayMode.LIST if args.mlir_pass_statistics_display == "list"
                             else PassDisplayMode.PIPELINE)


def _render(module, args):
    if args.emit_bytecode:
        buf = io.BytesIO()
        module.operation.write_bytecode(buf, desired_version=args.emit_bytecode_version)
        return buf.getvalue()
    return module.operation.get_asm(
        large_elements_limit=args.mlir_elide_elementsattrs_if_larger,
        large_resource_limit=args.mlir_elide_resource_strings_if_larger,
        enable_debug_info=args.mlir_print_debuginfo,
        print_generic_op_form=args.mlir_print_op_generic)


def _process(ctx, source, name: str, args, pipeline: str):
    """Parse, run, render one chunk -> (output or None, diagnostics, tool error or None)."""
    pm = None
    out, tool_error = None, None
    try:
        pm = build(pipeline, ctx)
        _configure(pm, args)
    except (PipelineError, ValueError) as e:
        return None, [], str(e).splitlines()[0]
    capture = Capture(ctx, name)
    try:
        with ctx:
            if isinstance(source, bytes) or name == "<stdin>" or args.split_input_file:
                module = ir.Module.parse(source)
            else:
                module = ir.Module.parseFile(args.input)
            pm.run(module.operation)
            out = _render(module, args)
    except ir.MLIRError as e:
        if not capture.diags:  # a failure without any diagnostic (e.g. signal_pass_failure)
            capture.diags.append(_plain(str(e).splitlines()[0]))
    except Exception as e:  # a pass that raised: one line, not a traceback
        tool_error = f"internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    finally:
        capture.close()
        sys.stderr.flush()
        del pm            # the timing report prints when its PassManager goes away
        gc.collect()
    return out, capture.diags, tool_error


def _plain(message: str) -> Diag:
    return Diag("error", "<unknown>:0", None, message)


def _read(args) -> bytes:
    if args.input == "-":
        return sys.stdin.buffer.read()
    try:
        with open(args.input, "rb") as f:
            return f.read()
    except OSError:
        raise UsageError(f"cannot open '{args.input}': no such file") from None


def _parse_args(argv: list[str]):
    regular, pass_flags = _split_pass_flags(_normalize(argv))
    args = _parser().parse_args(regular)
    if args.pass_pipeline and pass_flags:
        raise UsageError("give either --pass-pipeline or individual pass flags, not both")
    if args.emit_bytecode and args.split_input_file:
        raise UsageError("--emit-bytecode writes one module; it cannot be used with "
                         "--split-input-file")
    if args.split_input_file == "":
        raise UsageError("--split-input-file= needs a marker")
    args.pipeline = args.pass_pipeline or f"builtin.module({','.join(pass_flags)})"
    configure = _configure_element(args)
    if configure:
        root, paren, inner = args.pipeline.strip().partition("(")
        if paren and inner.endswith(")"):
            inner = inner[:-1].strip()
            args.pipeline = f"{root}({configure}{',' if inner else ''}{inner})"
    return args


def _configure_element(args) -> str:
    """--tigris-target / --tigris-budget as a tigris-configure pass run first."""
    from tigris.budget import Budget
    from tigris.errors import TigrisError
    opts = []
    if args.tigris_target is not None:
        opts.append(f"target={args.tigris_target}")
    if args.tigris_budget is not None:
        try:
            b = Budget.parse(args.tigris_budget)
        except TigrisError as e:
            raise UsageError(f"--tigris-budget: {e}") from None
        opts += [f"budget={b.fast}", f"slow={b.slow}"]
    return f"tigris-configure{{{' '.join(opts)}}}" if opts else ""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parse_args(argv)
        if args.version:
            sys.stdout.write(version_text())
            return 0
        if args.list_passes:
            list_passes()
            return 0
        data = _read(args)
    except UsageError as e:
        print(f"tigris-opt: {e}", file=sys.stderr)
        return 1
    name = "<stdin>" if args.input == "-" else args.input
    if data.startswith(BYTECODE_MAGIC):
        sources = [data]
        if args.split_input_file:
            print("tigris-opt: --split-input-file needs text input, not bytecode", file=sys.stderr)
            return 1
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            print(f"tigris-opt: '{name}' is neither UTF-8 MLIR text nor MLIR bytecode",
                  file=sys.stderr)
            return 1
        sources = _chunks(text, args.split_input_file)

    ctx = make_context()
    ctx.allow_unregistered_dialects = args.allow_unregistered_dialect
    if args.mlir_disable_threading or args.mlir_print_ir_module_scope:
        ctx.enable_multithreading(False)
    outputs, ok = [], True
    for source in sources:
        out, diags, tool_error = _process(ctx, source, name, args, args.pipeline)
        if tool_error is not None:
            print(f"tigris-opt: {tool_error}", file=sys.stderr)
            return 1
        if args.verify_diagnostics:
            try:
                verifier = Verifier(source if isinstance(source, str) else "", name)
            except ExpectationError as e:
                print(str(e), file=sys.stderr)
                return 1
            for d in diags:
                verifier.process(d)
            if args.verify_diagnostics == "only-expected":
                verifier.errors = [l for l in verifier.errors if ": unexpected " not in l
                                   and "diagnostic emitted when expecting" not in l]
            ok &= verifier.finish()
            lines = verifier.errors
        else:
            lines = [l for d in diags for l in d.lines()]
            ok &= out is not None
        if lines:
            print("\n".join(lines), file=sys.stderr)
        outputs.append(out if out is not None else "")
    written = _write(outputs, args)
    return 0 if ok and written else 1


def _write(outputs: list, args) -> bool:
    try:
        if args.emit_bytecode:
            blob = outputs[0] or b""
            if args.output == "-":
                sys.stdout.buffer.write(blob)
            else:
                with open(args.output, "wb") as f:
                    f.write(blob)
            return True
        text = f"{args.output_split_marker}\n".join(outputs)
        if args.output == "-":
            sys.stdout.write(text)
        else:
            with open(args.output, "w") as f:
                f.write(text)
    except OSError as e:
        print(f"tigris-opt: cannot write '{args.output}': {e.strerror}", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
