"""tigris-opt: read MLIR, run a pipeline of tigris and upstream passes, print MLIR.

    tigris-opt in.mlir --pass-pipeline='builtin.module(tigris-legalize,canonicalize)'
    tigris-opt in.mlir --tigris-legalize --canonicalize -o out.mlir
"""
from __future__ import annotations

import argparse
import os
import sys

from mlir import ir

from tigris.dialects import make_context
from tigris.diagnostics import mlir_error_lines
from tigris.passes.registry import registry
from tigris.pipeline import PipelineError, build

USAGE = "tigris-opt [input.mlir|-] [--pass-pipeline=TEXT | --<pass>[=options] ...] [-o out.mlir]"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tigris-opt", usage=USAGE,
                                description="Run tigris and upstream MLIR passes over MLIR text.")
    p.add_argument("input", nargs="?", default="-", help="MLIR file, or - for stdin (default)")
    p.add_argument("-o", dest="output", default="-", help="output file (default: stdout)")
    p.add_argument("--pass-pipeline", default=None, help="textual pipeline, e.g. "
                   "'builtin.module(func.func(tigris-legalize),canonicalize)'")
    p.add_argument("--list-passes", action="store_true", help="list the tigris passes and exit")
    p.add_argument("--mlir-print-ir-after-all", action="store_true",
                   help="print the IR to stderr after every pass")
    p.add_argument("--mlir-print-ir-after-change", action="store_true",
                   help="print the IR to stderr after every pass that changed it")
    p.add_argument("--verify-each", default="true", choices=["true", "false"],
                   help="run the verifier after every pass (default true)")
    p.add_argument("--mlir-print-debuginfo", action="store_true", help="print locations")
    return p


def _split_pass_flags(argv: list[str]) -> tuple[list[str], list[str]]:
    """Separate `--<pass>[=opts]` flags (mlir-opt style) from the regular options."""
    regular, passes = [], []
    known = {a.option_strings[0] for a in _parser()._actions if a.option_strings}
    for arg in argv:
        flag = arg.split("=", 1)[0]
        if arg.startswith("--") and flag not in known and flag != "--help":
            name, eq, opts = arg[2:].partition("=")
            passes.append(f"{name}{{{opts}}}" if eq else name)
        else:
            regular.append(arg)
    return regular, passes


def list_passes(out=sys.stdout) -> None:
    print("tigris passes (also usable: every upstream MLIR pass by name):", file=out)
    for name, p in registry().items():
        print(f"  {name:<26} {p.summary}", file=out)
        for o in p.options:
            print(f"      {o.name}=<value>  {o.doc} (default {o.default})", file=out)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    regular, pass_flags = _split_pass_flags(argv)
    args = _parser().parse_args(regular)
    if args.list_passes:
        list_passes()
        return 0
    if args.pass_pipeline and pass_flags:
        print("tigris-opt: give either --pass-pipeline or individual pass flags, not both",
              file=sys.stderr)
        return 2
    pipeline = args.pass_pipeline or f"builtin.module({','.join(pass_flags)})"

    ctx = make_context()
    with ctx:
        if args.input != "-" and not os.path.isfile(args.input):
            print(f"tigris-opt: cannot open '{args.input}': no such file", file=sys.stderr)
            return 1
        try:
            if args.input == "-":
                module = ir.Module.parse(sys.stdin.read())
            else:
                module = ir.Module.parseFile(args.input)
        except ir.MLIRError as e:
            print("\n".join(mlir_error_lines(e)), file=sys.stderr)
            return 1
        try:
            pm = build(pipeline, ctx)
        except (PipelineError, ValueError) as e:
            print(f"tigris-opt: {e}", file=sys.stderr)
            return 1
        pm.enable_verifier(args.verify_each == "true")
        if args.mlir_print_ir_after_all or args.mlir_print_ir_after_change:
            pm.enable_ir_printing(print_after_change=args.mlir_print_ir_after_change)
        try:
            pm.run(module.operation)
        except ir.MLIRError as e:
            print("\n".join(mlir_error_lines(e)), file=sys.stderr)
            return 1
        text = module.operation.get_asm(enable_debug_info=args.mlir_print_debuginfo)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
