"""`tigris quantize model_f32.onnx -o model_i8.onnx [--calibration DIR_OR_NPZ] [--per-channel]`:
a float ONNX model -> the int8 QDQ model tigris compile reads (onnxruntime's
static quantization; tigris/quantize.py describes the calibration data)."""
from __future__ import annotations

import sys

from tigris.outputs import write_output


def register(sub) -> None:
    p = sub.add_parser("quantize", help="quantize a float ONNX model to int8 QDQ (onnxruntime)")
    p.add_argument("model", help="the float32 .onnx file")
    p.add_argument("-o", "--output", required=True, help="the int8 .onnx file to write")
    p.add_argument("--calibration", metavar="DIR_OR_NPZ",
                   help="calibration inputs: an .npz (one array per input name, samples "
                        "stacked on a leading axis) or a folder of .npy files (one per sample, "
                        "or one per input name); default: seeded random data, with a warning")
    p.add_argument("--per-channel", action="store_true",
                   help="one weight scale per output channel (default: one per tensor)")
    p.set_defaults(func=run)


def run(args) -> int:
    from tigris.quantize import quantize_file

    def warn(message: str) -> None:
        print(f"tigris: warning: {message}", file=sys.stderr)

    data = quantize_file(args.model, args.calibration, args.per_channel, warn)
    write_output(args.output, data)
    print(f"tigris: wrote {args.output} ({len(data)} bytes, int8 QDQ"
          f"{', per-channel weights' if args.per_channel else ''})", file=sys.stderr)
    return 0
