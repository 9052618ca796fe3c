"""tigris-tile: split the schedule into stages so the plan fits a RAM budget.

Stages are chosen by tigris.tiling.search (a dynamic program over the op
sequence, cost model in tigris.costmodel). A tiled stage becomes, for each
strip of output rows, the same kernels on row bands: operand rows are
`tigris.slice` views, each strip op gets the padding of its band, and the
last op's band goes into the stage output with a row `tigris.insert`
(bufferize lets the producer write there directly). The model's weights and
arithmetic are unchanged, so the tiled function is bit-exact with the flat one.
Every op gets `tigris.stage`; the function gets `tigris.tiling` with the figures.
"""
from __future__ import annotations

from mlir import ir

from tigris.budget import parse_size
from tigris.dialects import attr, kernel_op
from tigris.errors import UsageError
from tigris.passes.registry import Option, Pass, PassError
from tigris.targets import op_scratch_bytes
from tigris.tiling.rows import needs, strip_attrs
from tigris.tiling.search import Problem, choose


def _size(text: str) -> int:
    try:
        return parse_size(text, "budget")
    except UsageError as e:
        raise ValueError(str(e)) from None


def _strip_type(info, rows: int) -> ir.RankedTensorType:
    t = ir.RankedTensorType(info.op.results[0].type)
    shape = list(t.shape)
    shape[1] = rows
    return ir.RankedTensorType.get(shape, t.element_type)


def _row_slice(value, lo: int, hi: int, base: int = 0):
    t = ir.RankedTensorType(value.type)
    if lo - base == 0 and hi - lo == t.shape[1]:
        return value
    shape = list(t.shape)
    shape[1] = hi - lo
    return kernel_op("slice", [value], ir.RankedTensorType.get(shape, t.element_type),
                     {"begin": [0, lo - base, 0, 0]}).result


def rewrite(problem: Problem, stage, index: int) -> None:
    i, j, h = stage.first, stage.last, stage.height
    last = problem.ops[j]
    with ir.InsertionPoint(last), last.location:
        dest = kernel_op("empty", [], last.results[0].type, {}).result
        dest.owner.attributes["tigris.stage"] = attr(index)
        for ranges in problem.strips(i, j, h):
            made = {}   # op index -> (strip value, first row)
            for k in sorted(ranges):
                info = problem.info[k]
                a, b = ranges[k]
                operands = []
                for v, rows in zip(info.op.operands, needs(info, a, b)):
                    p = problem.position.get(v)
                    if rows is None:
                        operands.append(v)
                    elif p is not None and p >= i:
                        sv, first = made[p]
                        operands.append(_row_slice(sv, rows[0], rows[1], first))
                    else:
                        operands.append(_row_slice(v, rows[0], rows[1]))
                new = kernel_op(info.kind, operands, _strip_type(info, b - a),
                                strip_attrs(info, a, b), loc=info.op.location)
                made[k] = (new.result, a)
            sv, a = made[j]
            dest = kernel_op("insert", [sv, dest], last.results[0].type,
                             {"axis": 1, "offset": a}).result
    last.results[0].replace_all_uses_with(dest)
    for k in range(j, i - 1, -1):
        problem.ops[k].erase()


def run(func_op, options) -> None:
    budget = options["budget"]
    target = options["target"]
    problem = Problem(func_op, options["alignment"],
                      scratch=lambda op: op_scratch_bytes(op, target))
    if not problem.ops:
        return
    plan = choose(problem, budget)
    for index in range(len(plan.stages) - 1, -1, -1):
        stage = plan.stages[index]
        if stage.tiled:
            rewrite(problem, stage, index)
        else:
            problem.ops[stage.first].attributes["tigris.stage"] = attr(index)
    # Ops the rewrite created carry no stage yet: give them their stage's index.
    current = 0
    for o in func_op.regions[0].blocks[0].operations:
        o = o.operation
        if "tigris.stage" in o.attributes:
            current = ir.IntegerAttr(o.attributes["tigris.stage"]).value
        elif o.name.startswith("tigris."):
            o.attributes["tigris.stage"] = attr(current)
    tiled = [s for s in plan.stages if s.tiled]
    func_op.attributes["tigris.tiling"] = attr({
        "budget": budget, "fits": int(plan.fits), "peak_estimate": plan.peak,
        "min_peak": plan.min_peak, "stages": len(plan.stages), "tiled_stages": len(tiled),
        "macs": plan.macs, "model_macs": plan.model_macs,
        "cost": int(plan.cost), "flat_cost": int(plan.flat_cost),
        "strip_heights": [s.height for s in tiled]})
    if not plan.fits and options["strict"]:
        worst = max(plan.stages, key=lambda s: s.peak)
        raise PassError(f"does not fit {budget} bytes: the smallest plan needs "
                        f"{plan.min_peak} bytes (stage of ops {worst.first}..{worst.last})",
                        func_op.location)


PASS = Pass(
    "tigris-tile",
    "Split the schedule into stages (flat ops, or op chains run in row strips with halo "
    "recompute) chosen by cost under the fast-memory budget",
    run,
    (Option("budget", _size, 256 * 1024, "fast-memory budget (bytes, or 64K / 1M)"),
     Option("alignment", int, 16, "buffer alignment assumed when estimating peaks"),
     Option("target", str, "reference", "kernel library whose scratch counts"),
     Option("strict", int, 1, "1: fail when nothing fits; 0: keep the smallest-peak plan")))
