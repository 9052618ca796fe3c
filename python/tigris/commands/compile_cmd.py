"""`tigris compile model.onnx -m 64K[+8M] -o model.tgrs`: the binary plan for the runtime."""
from __future__ import annotations

import sys

from tigris.budget import Budget, check_alignment, parse_size
from tigris.importers.onnx import parse_input_shapes
from tigris.targets import TARGETS
from tigris.outputs import write_outputs


def register(sub) -> None:
    p = sub.add_parser("compile", help="compile an int8 model into a static plan (.tgrs)")
    p.add_argument("model", help="the .onnx file (int8: QDQ or QOperator) or int8 .tflite file")
    p.add_argument("-o", "--output", required=True, help="the plan file to write (.tgrs)")
    p.add_argument("-m", "--memory", default="256K", metavar="FAST[+SLOW]",
                   help="RAM budget: fast pool, optionally + slow pool, e.g. 64K or 64K+8M")
    p.add_argument("-f", "--flash", default=None, metavar="SIZE",
                   help="flash budget for the whole plan, e.g. 16M")
    p.add_argument("--target", default="reference", choices=TARGETS,
                   help="kernel library whose scratch needs are reserved (default reference)")
    p.add_argument("--alignment", type=int, default=16, help="buffer alignment in bytes")
    p.add_argument("--input-shape", action="append", metavar="NAME:1x3x96x96")
    p.add_argument("--flat", action="store_true",
                   help="do not tile: fail when the untiled plan exceeds the budget")
    p.add_argument("--emit-mlir", metavar="FILE", help="also write the lowered plan as MLIR")
    p.add_argument("--verify-tiling", action="store_true",
                   help="also compile the flat plan, run both on 3 seeded inputs with the "
                        "reference kernels and refuse a tiled plan whose bytes differ")
    p.set_defaults(func=run)


def run(args) -> int:
    from tigris import progress
    budget = Budget.parse(args.memory)
    flash = parse_size(args.flash, "flash budget") if args.flash is not None else None
    check_alignment(args.alignment)
    progress.enable()     # stage lines, only when stderr is a terminal
    try:
        return _compile(args, budget, flash)
    finally:
        progress.disable()


def _compile(args, budget, flash) -> int:
    from tigris import progress
    from tigris.plan.compiler import compile_onnx
    c = compile_onnx(args.model, budget, args.target, args.alignment,
                     parse_input_shapes(args.input_shape), flash, tile=not args.flat)
    if args.verify_tiling and not args.flat:
        from tigris.plan.verify_tiling import verify_tiling
        progress.stage("verify tiling")
        checked = verify_tiling(args.model, c.data, args.target, args.alignment,
                                parse_input_shapes(args.input_shape))
        print(f"tigris: the tiled plan equals the flat plan on {checked} seeded inputs",
              file=sys.stderr)
    # the plan and the MLIR asked for beside it: both or neither
    progress.stage("write")
    write_outputs([(args.output, c.data)] + ([(args.emit_mlir, c.plan_mlir)] if args.emit_mlir
                                             else []))
    progress.done()
    print(f"tigris: wrote {args.output} ({len(c.data)} bytes: {c.weights} of weights, "
          f"{c.overhead} of plan; {c.calls} calls; fast arena {c.arena} bytes)", file=sys.stderr)
    return 0
