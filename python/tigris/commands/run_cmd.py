"""`tigris run model.tgrs --input x.npy --output y.npy`: run a plan on the host C runtime.

Inputs are taken in the model's own layout and dtype: float data is quantized
with the model's input scale and zero point, int8 data is taken as is (uint8
too for a uint8 model). Outputs are written as int8 in the model's layout, or
as float32 with --dequantize, all of them or none (tigris/outputs.py).
A NaN in a float input is refused (exit 2): the ONNX standard gives it no
int8 value; +-inf saturate to the int8 range (README.md, docs/onnx-import.md).
"""
from __future__ import annotations

import sys

from tigris.commands.common import load_npy, npy_path, save_npy
from tigris.errors import UsageError
from tigris.outputs import write_outputs


def register(sub) -> None:
    p = sub.add_parser("run", help="run a compiled plan on the host runtime")
    p.add_argument("plan", help="the .tgrs file")
    p.add_argument("--input", "-i", action="append", required=True, metavar="X.npy",
                   help="one .npy per model input, in order")
    p.add_argument("--output", "-o", action="append", required=True, metavar="Y.npy",
                   help="one .npy per model output, in order")
    p.add_argument("--dequantize", action="store_true",
                   help="write float32 outputs (scale * (q - zero_point)) instead of int8")
    p.set_defaults(func=run)


def run(args) -> int:
    from tigris.modelio import dequantize_output, quantize_input, to_model_layout
    from tigris.plan.host import HostPlan
    from tigris.plan.reader import read_plan_file
    plan = read_plan_file(args.plan)
    if len(args.input) != len(plan.inputs):
        raise UsageError(f"{args.plan} takes {len(plan.inputs)} input(s), got {len(args.input)}")
    if len(args.output) != len(plan.outputs):
        raise UsageError(f"{args.plan} has {len(plan.outputs)} output(s), got {len(args.output)}")
    xs = []
    for path, d in zip(args.input, plan.inputs):
        try:
            xs.append(quantize_input(load_npy(path), d.spec()))
        except ValueError as e:
            raise UsageError(f"{path}: {e}") from None
    with open(args.plan, "rb") as f:
        ys = HostPlan(f.read(), plan, label=args.plan).run(xs)
    outs = [dequantize_output(y, d.spec()) if args.dequantize else to_model_layout(y, d.spec())
            for d, y in zip(plan.outputs, ys)]
    write_outputs([(npy_path(path), save_npy(out)) for path, out in zip(args.output, outs)])
    from tigris.simulate import plan_checksum
    print(f"tigris: ran {args.plan} ({len(plan.calls)} calls), output crc32 "
          f"{plan_checksum(plan, ys):08x}", file=sys.stderr)
    return 0
