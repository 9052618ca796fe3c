"""`tigris simulate model.tgrs --input x.npy [--output y.npy]`: run a plan on a
simulated ESP32-class Xtensa core and count its instructions.

The runtime (runtime/src), its reference kernels and the plan (linked in as a
const array, as it sits in flash) are cross-compiled with tools/iss and run
on qemu-system-xtensa with an exact instruction counter; see
python/tigris/simulate.py. Inputs and outputs are taken and written as
`tigris run` does. The same inputs also run on the host runtime, and the two
outputs must agree byte for byte (exit code 4 otherwise, or when the guest
dies of a CPU exception). Prints the output checksum (CRC-32 of the int8
outputs in the model's layout: `zlib.crc32(np.load("y.npy").tobytes())`
for a `tigris run` output), the instructions of the run, per stage and per
kernel kind.
"""
from __future__ import annotations

import json
import sys

import numpy as np

from tigris.commands.common import load_npy, npy_path, save_npy
from tigris.errors import UsageError
from tigris.outputs import write_outputs


def register(sub) -> None:
    p = sub.add_parser("simulate", help="run a plan on a simulated Xtensa core "
                                        "(bit-exactness, instruction counts)")
    p.add_argument("plan", help="the .tgrs file")
    p.add_argument("--input", "-i", action="append", required=True, metavar="X.npy",
                   help="one .npy per model input, in order (as for tigris run)")
    p.add_argument("--output", "-o", action="append", default=[], metavar="Y.npy",
                   help="write the simulated core's outputs (as tigris run does)")
    p.add_argument("--dequantize", action="store_true",
                   help="write float32 outputs (scale * (q - zero_point)) instead of int8")
    p.add_argument("--codegen", action="store_true",
                   help="run the C of `tigris codegen` instead of the binary plan and its loader "
                        "(totals only: no per-call counts)")
    p.add_argument("--no-host", action="store_true",
                   help="do not run the host runtime to compare with")
    p.add_argument("--timeout", type=float, default=1800.0, metavar="S",
                   help="seconds the simulation may take (default 1800)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def report(r, host_crc: int | None, codegen: bool = False) -> dict:
    """The run as a plain dict (the --json document)."""
    p = r.plan
    return {
        "plan": p.name, "calls": len(p.calls), "source": "codegen" if codegen else "plan",
        "n_stages": len({c.stage for c in p.calls}), "fast_size": p.fast_size,
        "slow_size": p.slow_size, "checksum": f"{r.crc32:08x}",
        "host_checksum": None if host_crc is None else f"{host_crc:08x}",
        "instructions": r.run, "instructions_total": r.total, "macs": r.macs,
        "slow_bytes": r.slow_bytes, "wall_s": round(r.wall_s, 3),
        "stages": [{"stage": s, "calls": c, "instructions": n, "macs": m}
                   for s, (c, n, m) in r.by_stage().items()],
        "kinds": [{"kind": k, "calls": c, "instructions": n, "macs": m}
                  for k, (c, n, m) in sorted(r.by_kind().items(), key=lambda kv: -kv[1][1])],
        "per_call": list(r.calls),
    }


def format_report(d: dict, label: str) -> str:
    per = d["instructions"] / max(d["macs"], 1)
    host = ("== host runtime" if d["host_checksum"] == d["checksum"]
            else "(host not run)" if d["host_checksum"] is None else "!= host")
    lines = [
        f"{'Plan':<14}{label}{' (tigris codegen C)' if d['source'] == 'codegen' else ''}: "
        f"{d['calls']} calls, {d['n_stages']} stages, fast arena "
        f"{d['fast_size']:,} B, slow pool {d['slow_size']:,} B",
        f"{'Checksum':<14}crc32 {d['checksum']} (simulated Xtensa) {host}",
        f"{'Instructions':<14}{d['instructions']:,} in "
        f"{'model_run' if d['source'] == 'codegen' else 'tigris_run'} ({d['instructions_total']:,} "
        f"from reset, with plan load and I/O)",
        f"{'MACs':<14}{d['macs']:,} executed ({per:.2f} instructions per MAC)",
        f"{'Slow pool':<14}{d['slow_bytes']:,} B read or written by kernels",
    ]
    if not d["per_call"]:
        why = ("the C of tigris codegen calls kernels directly" if d["source"] == "codegen"
               else "the runtime has no tg_kernel to wrap")
        lines.append(f"{'Per call':<14}not counted ({why})")
        return "\n".join(lines)
    lines += [
        "",
        f"{'stage':>5} {'calls':>6} {'instructions':>14} {'share':>6} {'MACs':>12}",
    ]
    total = max(d["instructions"], 1)
    for s in d["stages"]:
        lines.append(f"{s['stage']:>5} {s['calls']:>6} {s['instructions']:>14,} "
                     f"{100 * s['instructions'] / total:>5.1f}% {s['macs']:>12,}")
    lines += ["", f"{'kernel kind':<18} {'calls':>6} {'instructions':>14} {'share':>6} "
                  f"{'MACs/elems':>12} {'insn/MAC':>9}"]
    for k in d["kinds"]:
        lines.append(f"{k['kind']:<18} {k['calls']:>6} {k['instructions']:>14,} "
                     f"{100 * k['instructions'] / total:>5.1f}% {k['macs']:>12,} "
                     f"{k['instructions'] / max(k['macs'], 1):>9.2f}")
    rest = d["instructions"] - sum(d["per_call"])
    lines.append(f"{'(executor)':<18} {'':>6} {rest:>14,} {100 * rest / total:>5.1f}%")
    return "\n".join(lines)


def run(args) -> int:
    from tigris import simulate as sim
    from tigris.modelio import dequantize_output, quantize_input, to_model_layout
    from tigris.plan.reader import read_plan_file

    sim.check_tools()
    plan = read_plan_file(args.plan)
    if len(args.input) != len(plan.inputs):
        raise UsageError(f"{args.plan} takes {len(plan.inputs)} input(s), got {len(args.input)}")
    if args.output and len(args.output) != len(plan.outputs):
        raise UsageError(f"{args.plan} has {len(plan.outputs)} output(s), got "
                         f"{len(args.output)}")
    xs = []
    for path, d in zip(args.input, plan.inputs):
        try:
            xs.append(quantize_input(load_npy(path), d.spec()))
        except ValueError as e:
            raise UsageError(f"{path}: {e}") from None
    r = sim.simulate_plan(args.plan, xs, timeout=args.timeout, codegen=args.codegen)
    host_crc = None
    if not args.no_host:
        from tigris.plan.host import HostPlan
        with open(args.plan, "rb") as f:
            ys = HostPlan(f.read(), plan, label=args.plan).run(xs)
        host_crc = sim.plan_checksum(plan, ys)
        for i, (a, b) in enumerate(zip(r.outputs, ys)):
            bad = int(np.count_nonzero(a != b))
            if bad:
                raise sim.SimulationError(
                    f"output {i} on the simulated core differs from the host runtime in "
                    f"{bad} of {a.size} bytes (crc32 {r.crc32:08x} vs {host_crc:08x})")
    write_outputs([(npy_path(path), save_npy(dequantize_output(y, d.spec()) if args.dequantize
                                             else to_model_layout(y, d.spec())))
                   for path, d, y in zip(args.output, plan.outputs, r.outputs)])
    d = report(r, host_crc, args.codegen)
    if args.json:
        json.dump(d, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(format_report(d, args.plan))
    return 0
