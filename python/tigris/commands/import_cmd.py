"""`tigris import model.onnx|model.tflite -o model.mlir`: ONNX or TFLite -> TOSA (or tigris ops with --legalize)."""
from __future__ import annotations

import sys

from tigris.commands.common import load_onnx, write_text
from tigris.importers.tflite.load import is_tflite


def register(sub) -> None:
    p = sub.add_parser("import", help="import an ONNX or TFLite model into MLIR (TOSA on tensors)")
    p.add_argument("model", help="the .onnx or .tflite file (told apart by content)")
    p.add_argument("-o", "--output", default="-", help="output .mlir (default: stdout)")
    p.add_argument("--input-shape", action="append", metavar="NAME:1x3x96x96",
                   help="fix a dynamic input shape (repeatable)")
    p.add_argument("--legalize", action="store_true",
                   help="also run tigris-legalize (print tigris kernel ops)")
    p.add_argument("--rounding", choices=("single", "double"), default="single",
                   help="requantization rounding (tosa.rescale rounding_mode): single, as "
                        "the portable kernels round (default), or double, as ESP-NN rounds")
    p.set_defaults(func=run)


def run(args) -> int:
    ctx, result = load_onnx(args.model, args.input_shape, legalize=args.legalize,
                            rounding=args.rounding)
    with ctx:
        text = result.module.operation.get_asm()
    write_text(args.output, text)
    if args.output != "-":
        kind = "TFLite operators" if is_tflite(args.model) else "ONNX nodes"
        print(f"tigris: wrote {args.output} ({result.onnx_nodes} {kind}, "
              f"{len(result.weights)} weight blobs)", file=sys.stderr)
    return 0
