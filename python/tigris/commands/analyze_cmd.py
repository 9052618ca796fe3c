"""`tigris analyze model.onnx -m 256K -f 16M`: the memory plan and whether it fits."""
from __future__ import annotations

import json
import sys

from tigris.budget import Budget, check_alignment, human, kib, parse_size
from tigris.errors import BudgetError, UsageError
from tigris.importers.onnx import parse_input_shapes
from tigris.outputs import write_output
from tigris.targets import TARGETS


def register(sub) -> None:
    p = sub.add_parser("analyze", help="plan a model's memory and check it against a budget")
    p.add_argument("model", help="the .onnx or .tflite file (told apart by content)")
    p.add_argument("-m", "--memory", default="256K", metavar="FAST[+SLOW]",
                   help="RAM budget: fast pool, optionally + slow pool (PSRAM), e.g. 256K or 64K+8M")
    p.add_argument("-f", "--flash", default=None, metavar="SIZE", help="flash budget, e.g. 16M")
    p.add_argument("--target", default="reference", choices=TARGETS,
                   help="kernel library whose scratch needs are reserved (default reference)")
    p.add_argument("--alignment", type=int, default=16, help="buffer alignment in bytes")
    p.add_argument("--input-shape", action="append", metavar="NAME:1x3x96x96")
    p.add_argument("--json", action="store_true", help="print the versioned JSON report")
    p.add_argument("--plot", metavar="FILE.png|svg", help="draw the arena over time")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="add the per-stage table (-vv: also the per-step table)")
    p.set_defaults(func=run)


def _shape(s) -> str:
    return "x".join(str(d) for d in s)


def smallest_budget(report) -> int:
    """The smallest fast budget known to work: the tiler's estimate, unless the
    tiler's plan fit the budget and only the final packing missed it (then the
    packed arena is the figure that is known to work)."""
    t = report.get("tiling") or {}
    estimate = t.get("min_peak_estimate", report["peak"]["plan"])
    return report["peak"]["plan"] if estimate <= report["budget"]["fast"] else estimate


def format_report(r: dict, verbose: bool) -> str:
    pk = r["peak"]
    lines = [
        f"{'Model':<21}{r['model']} ({r['format']})",
        f"{'Operators':<21}{r['operators']}",
        f"{'Tensors':<21}{r['tensors']} ({r['activations']} activations)",
        f"{'Peak memory (naive)':<21}{kib(pk['naive']):<16}(ONNX order, no reuse beyond lifetimes)",
        f"{'Peak memory (plan)':<21}{kib(pk['plan']):<16}(scheduled and packed; lower bound "
        f"{kib(pk['lower_bound'])}, gap {pk['gap']} B)",
        f"{'Baselines':<21}TFLM greedy {kib(pk['tflm_greedy'])}, no reuse {kib(pk['no_reuse'])}",
    ]
    if r["largest_tensor"]:
        lt = r["largest_tensor"]
        lines.append(f"{'Largest tensor':<21}{_shape(lt['shape'])} ({kib(lt['bytes'])})")
    state = r.get("state") or {"bytes": 0, "variables": []}
    if state["variables"]:    # a streaming TFLite model's variables (docs/plan-format.md)
        lines.append(f"{'State':<21}{kib(state['bytes']):<16}({len(state['variables'])} "
                     "variables: a region apart from the arena, kept between inferences, "
                     "zero-initialized at load; copied into and out of the arena around each "
                     "run)")
    b = r["budget"]
    slow = f" + {human(b['slow'])} slow" if b["slow"] else ""
    if b["fits"]:
        verdict = "PASS"
    else:
        po = r["peak_operator"]
        verdict = (f"FAIL - {po['op']} '{po['node']}' (step {po['step']}) holds the peak; "
                   f"needs {kib(pk['plan'])}")
    t = r.get("tiling")
    tiled = ""
    if b["tiled_stages"]:
        kinds = [f"{b['tiled_stages']} tiled"]
        if t and t["streamed_stages"]:
            kinds.append(f"{t['streamed_stages']} streamed")
        if t and t["channel_groups"]:
            kinds.append(f"{len(t['channel_groups'])} split by channels")
        if t and t["column_split"]:
            kinds.append(f"{t['column_split']} in column tiles")
        tiled = f" ({', '.join(kinds)})"
    lines.append(f"{'SRAM budget':<21}{kib(b['fast'])}{slow}, {b['stages']} stage"
                 f"{'s' if b['stages'] != 1 else ''}{tiled}   {verdict}")
    t = r.get("tiling")
    if t:
        lines.append(f"{'Fast peak':<21}{kib(pk['plan'])} (re-planned after tiling: liveness and "
                     f"packing of the final IR)")
        lines.append(f"{'Slow pool':<21}peak {kib(r['slow']['peak'])}, traffic "
                     f"{kib(r['slow']['traffic'])} per inference")
        lines.append(f"{'MACs':<21}{t['macs']:,} executed / {t['model_macs']:,} model "
                     f"(x{t['macs'] / max(t['model_macs'], 1):.3f})")
        lines.append(f"{'Est. latency':<21}x{t['latency_ratio']:.3f} of the untiled plan "
                     "(cost model)")
        for a in t["also_fits"]:
            lines.append(f"{'Also fits at':<21}{kib(a['budget'])} (est. latency "
                         f"x{a['latency_ratio']:.3f})")
        if not b["fits"]:
            lines.append(f"{'Smallest budget':<21}about {kib(smallest_budget(r))} "
                         "(stage search estimate)")
        lines.append(f"{'Planning time':<21}{t['seconds']:.2f} s (tigris-tile; the whole "
                     f"analysis {r['seconds']:.2f} s)")
    f = r["flash"]
    if f["plan"] is None:
        why = ("float32; no plan: tigris compile needs an int8 model" if r["format"] == "float32"
               else "no plan: over the RAM budget, tigris compile writes none")
        lines.append(f"{'Flash':<21}weights {human(f['weights'])} ({why})")
    else:
        fv = "" if f["fits"] is None else ("   PASS" if f["fits"] else "   FAIL - plan exceeds flash")
        budget = "" if f["budget"] is None else f" of {human(f['budget'])}"
        lines.append(f"{'Flash':<21}plan {human(f['plan'])} ({f['plan']} bytes, as tigris compile "
                     f"writes it; weights {human(f['weights'])}){budget}{fv}")
    if verbose:
        lines.append("")
        lines += stage_lines(r)
    if verbose > 1:
        lines.append("")
        lines.append(f"plan: {r['plan_steps']} steps")
        lines.append(f"{'step':>4}  {'op':<18} {'node':<28} {'output shape':<16} {'live bytes':>10}")
        for row in r["operators_table"]:
            lines.append(f"{row['step']:>4}  {row['op']:<18} {row['node'][:28]:<28} "
                         f"{_shape(row['shape']):<16} {row['live']:>10}")
    return "\n".join(lines)


def _how(st: dict) -> str:
    if st["strategy"] == "channel groups":
        return f"{st['groups']} groups"
    if st["strips"]:
        return f"{st['strips']} x {st['strip_height']} row{'s' if st['strip_height'] != 1 else ''}"
    return ""


def stage_lines(r: dict) -> list[str]:
    """One line per stage: strategy, strips x height, model ops, calls, fast and
    slow bytes live at the stage's peak, MACs, the nodes it spans."""
    st = r.get("stages") or []
    lines = [f"plan: {len(st)} stage{'s' if len(st) != 1 else ''}, {r['plan_steps']} steps",
             f"{'stage':>5}  {'strategy':<14} {'strips':<12} {'ops':>4} {'calls':>5} "
             f"{'fast':>10} {'slow':>10} {'MACs':>13}  nodes"]
    for s in st:
        nodes = s["first"] if s["first"] == s["last"] else f"{s['first']} .. {s['last']}"
        lines.append(f"{s['stage']:>4}   {s['strategy']:<14} {_how(s):<12} {s['ops']:>4} "
                     f"{s['calls']:>5} {kib(s['fast']):>10} {kib(s['slow']) if s['slow'] else '-':>10} "
                     f"{s['macs']:>13,}  {nodes}")
    return lines


def plot(r: dict, path: str) -> None:
    if not path.lower().endswith((".png", ".svg")):
        raise UsageError(f"--plot wants a .png or .svg file, got '{path}'")
    from tigris.arena_plot import render
    # rendered first, then written whole or not at all
    write_output(path, render(r, path.lower().rsplit(".", 1)[1]))


def run(args) -> int:
    from tigris import progress
    if not args.json:     # stage lines, only when stderr is a terminal
        progress.enable()
    try:
        return _analyze(args)
    finally:
        progress.disable()


def _analyze(args) -> int:
    from tigris import progress
    from tigris.analysis import analyze
    budget = Budget.parse(args.memory)
    flash = parse_size(args.flash, "flash budget") if args.flash is not None else None
    check_alignment(args.alignment)
    report = analyze(args.model, budget, flash, args.target, args.alignment,
                     parse_input_shapes(args.input_shape))
    if args.plot:
        progress.stage("plot")
        plot(report, args.plot)
    progress.done()
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(format_report(report, args.verbose))
    if not report["budget"]["fits"]:
        smallest = smallest_budget(report)
        floor = (report.get("tiling") or {}).get("floor")
        why = "" if not floor else (
            f"; whatever the plan, {floor['node'] or 'an operator'} ({floor['op']}) needs "
            f"{kib(floor['bytes'])} of fast memory (the model outputs live at it and its "
            f"smallest kernel scratch)")
        raise BudgetError(f"{report['model']} does not fit {kib(budget.fast)}: the best plan needs "
                          f"{kib(report['peak']['plan'])}; the smallest budget that works is about "
                          f"{kib(smallest)}{why}")
    if report["flash"]["fits"] is False:
        from tigris.plan.compiler import check_flash
        check_flash(report["model"], report["flash"]["plan"], flash)
    return 0
