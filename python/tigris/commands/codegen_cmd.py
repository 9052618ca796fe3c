"""`tigris codegen model.tgrs -o model.c`: C99 source with one kernel call per step."""
from __future__ import annotations

import os
import sys

from tigris.outputs import write_outputs


def register(sub) -> None:
    p = sub.add_parser("codegen", help="generate C99 source (and a header) from a plan")
    p.add_argument("plan", help="the .tgrs file")
    p.add_argument("-o", "--output", required=True, help="the .c file (the header goes beside it)")
    p.add_argument("--header", default=None, help="the header path (default: OUTPUT with .h)")
    p.add_argument("--name", default=None,
                   help="prefix of the generated symbols (default: the model's name)")
    p.add_argument("--c-array", action="store_true",
                   help="write the plan itself as a 16-byte-aligned const uint8_t <name>_plan[] "
                        "with its length (for tigris_load; arena sizes in the header)")
    p.set_defaults(func=run)


def run(args) -> int:
    from tigris.plan.codegen import generate
    from tigris.plan.reader import read_plan_file
    plan = read_plan_file(args.plan)
    header = args.header or os.path.splitext(args.output)[0] + ".h"
    if args.c_array:
        from tigris.plan.carray import c_array
        with open(args.plan, "rb") as f:     # read_plan_file read and checked it
            data = f.read()
        src, hdr = c_array(data, plan, args.name, os.path.basename(header))
        write_outputs([(args.output, src), (header, hdr)])
        print(f"tigris: wrote {args.output} and {header} (the plan as a {len(data)}-byte "
              "array)", file=sys.stderr)
        return 0
    src, hdr = generate(plan, args.name, os.path.basename(header))
    write_outputs([(args.output, src), (header, hdr)])     # both or neither
    print(f"tigris: wrote {args.output} and {header} ({len(plan.calls)} calls)", file=sys.stderr)
    return 0
