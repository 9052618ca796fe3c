"""`tigris translate --mlir-to-plan planned.mlir -o model.tgrs` and
`tigris translate --plan-to-mlir model.tgrs [-o plan.mlir]`: between MLIR from
tigris-opt (or any toolchain that runs the planning passes) and the binary plan."""
from __future__ import annotations

import sys

from tigris.errors import UsageError
from tigris.outputs import write_output


def register(sub) -> None:
    p = sub.add_parser("translate", help="planned MLIR -> binary plan, or a plan -> MLIR text")
    way = p.add_mutually_exclusive_group(required=True)
    way.add_argument("--mlir-to-plan", action="store_true",
                     help="input: MLIR through the planning pipeline (tigris-opt); "
                          "output: the .tgrs plan tigris compile would write")
    way.add_argument("--plan-to-mlir", action="store_true",
                     help="input: a .tgrs plan; output: its plan ops as MLIR text")
    p.add_argument("input", help="the .mlir file (text or bytecode) or the .tgrs file")
    p.add_argument("-o", "--output", default=None,
                   help="the file to write (--plan-to-mlir: default stdout)")
    p.add_argument("--keep-constants", action="store_true",
                   help="--plan-to-mlir: print every constant in full (the text then "
                        "translates back to the same plan)")
    p.set_defaults(func=run)


def run(args) -> int:
    from tigris import translate
    if args.mlir_to_plan:
        if args.output is None:
            raise UsageError("translate --mlir-to-plan needs -o FILE.tgrs")
        if args.keep_constants:
            raise UsageError("--keep-constants goes with --plan-to-mlir")
        c = translate.mlir_to_plan(args.input)
        write_output(args.output, c.data)
        print(f"tigris: wrote {args.output} ({len(c.data)} bytes: {c.weights} of weights, "
              f"{c.overhead} of plan; {c.calls} calls; fast arena {c.arena} bytes)",
              file=sys.stderr)
        return 0
    text = translate.plan_to_mlir(args.input, elide=not args.keep_constants)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        write_output(args.output, text)
    return 0
