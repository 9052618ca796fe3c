"""`tigris run model.tgrs --input x.npy --output y.npy`: run a plan on the host C runtime.

Inputs are taken in the model's own layout and dtype: float data is quantized
with the model's input scale and zero point, int8 data is taken as is (uint8
too for a uint8 model). Outputs are written as int8 in the model's layout, or
as float32 with --dequantize, all of them or none (tigris/outputs.py).
A NaN in a float input is refused (exit 2): the ONNX standard gives it no
int8 value; +-inf saturate to the int8 range (README.md, docs/onnx-import.md).

With `--state FILE` a plan with state (a streaming model, docs/plan-format.md
"State") runs through its state region, kept in FILE between runs: read
before the run (absent: the region starts at real zero, as tigris_state_init
sets it), written back after it with the outputs; --input and --output then
name the inputs and outputs that are not state.
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
    p.add_argument("--state", metavar="FILE",
                   help="a plan with state: its state region, read before the run (absent: "
                        "real zero) and written back after it; --input/--output name the "
                        "other inputs and outputs")
    p.set_defaults(func=run)


def run(args) -> int:
    from tigris.modelio import dequantize_output, quantize_input, to_model_layout
    from tigris.plan.host import HostPlan
    from tigris.plan.reader import read_plan_file
    plan = read_plan_file(args.plan)
    if args.state is not None and not plan.state_size:
        raise UsageError(f"{args.plan} keeps no state; --state is for plans with state")
    ins = [d for d in plan.inputs if not (args.state is not None and d.state)]
    outs_d = [d for d in plan.outputs if not (args.state is not None and d.state)]
    if len(args.input) != len(ins):
        raise UsageError(f"{args.plan} takes {len(ins)} input(s), got {len(args.input)}")
    if len(args.output) != len(outs_d):
        raise UsageError(f"{args.plan} has {len(outs_d)} output(s), got {len(args.output)}")
    xs = []
    for path, d in zip(args.input, ins):
        try:
            xs.append(quantize_input(load_npy(path), d.spec()))
        except ValueError as e:
            raise UsageError(f"{path}: {e}") from None
    with open(args.plan, "rb") as f:
        host = HostPlan(f.read(), plan, label=args.plan)
    files = []
    if args.state is None:
        ys = host.run(xs)
    else:
        region = _read_state(args.state, plan.state_size, host)
        ys = host.run_state(xs, region)
        files.append((args.state, region.tobytes()))
    outs = [dequantize_output(y, d.spec()) if args.dequantize else to_model_layout(y, d.spec())
            for d, y in zip(outs_d, ys)]
    write_outputs([(npy_path(path), save_npy(out)) for path, out in zip(args.output, outs)]
                  + files)
    from tigris.simulate import checksum
    print(f"tigris: ran {args.plan} ({len(plan.calls)} calls), output crc32 "
          f"{checksum([to_model_layout(y, d.spec()) for d, y in zip(outs_d, ys)]):08x}"
          + (f", state {plan.state_size} bytes in {args.state}" if args.state else ""),
          file=sys.stderr)
    return 0


def _read_state(path: str, size: int, host):
    """The state region from `path` (exactly `size` bytes), or real zero when
    the file does not exist."""
    import os

    import numpy as np
    if not os.path.exists(path):
        return host.state_init()
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise UsageError(f"cannot read the state '{path}': {e.strerror}") from None
    if len(raw) != size:
        raise UsageError(f"{path}: {len(raw)} bytes; the plan's state region is {size} bytes")
    return np.frombuffer(raw, np.int8).copy()
