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
from tigris.irgraph import build_graph, storage_extents
from tigris.planning import lifetimes, lower_bound, pack
from tigris.tiling.search import Problem, choose


def _size(text: str) -> int:
    try:
        return parse_size(text, "budget")
    except UsageError as e:
        raise ValueError(str(e)) from None


def _size_or_zero(text: str) -> int:
    return 0 if text.strip() == "0" else _size(text)


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


def _padding_only(info, rows: int):
    """A strip of a pad that lies wholly in its padding reads no input row:
    a constant of the pad value (in flash), not a pad of an empty slice."""
    t = _strip_type(info, rows)
    value = ir.DenseElementsAttr.get_splat(
        t, ir.IntegerAttr.get(t.element_type, int(info.attrs["value"])))
    return ir.Operation.create("tosa.const", results=[t], attributes={"values": value},
                               loc=info.op.location).result


def rewrite(problem: Problem, stage, index: int) -> None:
    i, j, h = stage.first, stage.last, stage.height
    last = problem.ops[j]
    with ir.InsertionPoint(last), last.location:
        dest = kernel_op("empty", [], last.results[0].type, {}).result
        dest.owner.attributes["tigris.stage"] = attr(index)
        if last.results[0] in problem.slow:
            dest.owner.attributes["tigris.space"] = attr("slow")
        if stage.overlay is not None:
            dest.owner.attributes["tigris.overlay_of"] = attr(buffer_name(stage.overlay))
            dest.owner.attributes["tigris.overlay_delta"] = attr(stage.delta)
            dest.owner.attributes["tigris.overlay_size"] = attr(stage.size)
        made = {}   # op index -> (its latest band value, first row)
        for strip in problem.strips(i, j, h, stage.stream):
            for band in strip:
                k = band.op
                info = problem.info[k]
                (lo, hi), (c0, c1) = band.rows, band.compute
                carried = None
                if c0 > lo:
                    # Rows an earlier strip computed: a view of that band, copied
                    # into the head of this one when new rows follow them.
                    src, first = made[k]
                    carried = _row_slice(src, lo, c0, first)
                    if c1 == c0:
                        made[k] = (carried, lo)
                        continue
                    held = kernel_op("empty", [], _strip_type(info, hi - lo), {}).result
                    held = kernel_op("insert", [carried, held], held.type,
                                     {"axis": 1, "offset": 0}).result
                operands, need = [], needs(info, c0, c1)
                empty = info.kind == "pad" and need[0] is not None and need[0][1] == need[0][0]
                for v, rows in zip(info.op.operands if not empty else [], need):
                    p = problem.position.get(v)
                    if rows is None:
                        operands.append(v)
                    elif p is not None and p >= i:
                        sv, first = made[p]
                        operands.append(_row_slice(sv, rows[0], rows[1], first))
                    else:
                        operands.append(_row_slice(v, rows[0], rows[1]))
                if empty:
                    new = _padding_only(info, c1 - c0)
                else:
                    new = kernel_op(info.kind, operands, _strip_type(info, c1 - c0),
                                    strip_attrs(info, c0, c1), loc=info.op.location).result
                if k == j:
                    dest = kernel_op("insert", [new, dest], last.results[0].type,
                                     {"axis": 1, "offset": c0}).result
                elif carried is None:
                    made[k] = (new, c0)
                else:
                    made[k] = (kernel_op("insert", [new, held], held.type,
                                         {"axis": 1, "offset": c0 - lo}).result, lo)
    # The stage output keeps the name of the op it replaces, so overlays of
    # later stages that refer to it by name still find it.
    dest.owner.attributes["tigris.name"] = last.attributes["tigris.name"]
    last.results[0].replace_all_uses_with(dest)
    for k in range(j, i - 1, -1):
        problem.ops[k].erase()


def split_rewrite(problem: Problem, stage, index: int) -> None:
    """A channel-split stage: one call per group of output channels, on views
    of the weights and bias (contiguous rows of the constants), with the
    group's multipliers and shifts; each group's output goes into the stage
    output along the channel axis."""
    op, info = problem.ops[stage.first], problem.info[stage.first]
    cout = info.out_shape[-1]
    part = cout // stage.groups
    out_t = ir.RankedTensorType(op.results[0].type)
    rank = len(out_t.shape)
    with ir.InsertionPoint(op), op.location:
        dest = kernel_op("empty", [], out_t, {}).result
        dest.owner.attributes["tigris.stage"] = attr(index)
        if op.results[0] in problem.slow:
            dest.owner.attributes["tigris.space"] = attr("slow")
        for c0 in range(0, cout, part):
            operands = [op.operands[0]]
            for v in list(op.operands)[1:]:
                t = ir.RankedTensorType(v.type)
                shape = [part] + list(t.shape[1:])
                operands.append(kernel_op("slice", [v], ir.RankedTensorType.get(shape, t.element_type),
                                          {"begin": [c0] + [0] * (len(shape) - 1)}).result)
            attrs = dict(info.attrs)
            for key in ("multiplier", "shift"):
                if key in attrs and len(attrs[key]) == cout:
                    attrs[key] = list(attrs[key][c0:c0 + part])
            shape = list(out_t.shape)
            shape[-1] = part
            new = kernel_op(info.kind, operands, ir.RankedTensorType.get(shape, out_t.element_type),
                            attrs, loc=op.location).result
            dest = kernel_op("insert", [new, dest], out_t, {"axis": rank - 1, "offset": c0}).result
    dest.owner.attributes["tigris.name"] = op.attributes["tigris.name"]
    op.results[0].replace_all_uses_with(dest)
    op.erase()


def buffer_name(value) -> str:
    """The planning buffer name of a value (see tigris.irgraph.build_graph)."""
    if isinstance(value, ir.BlockArgument):
        return f"arg{value.arg_number}"
    return ir.StringAttr(value.owner.attributes["tigris.name"]).value


def apply(problem: Problem, plan, func_op) -> None:
    """Rewrite `func_op` (whose ops `problem` indexes) into the stages of `plan`."""
    problem.slow = set(problem.slow) | set(plan.slow_values)
    for index in range(len(plan.stages) - 1, -1, -1):
        stage = plan.stages[index]
        if stage.groups:
            split_rewrite(problem, stage, index)
        elif stage.tiled:
            rewrite(problem, stage, index)
        else:
            op = problem.ops[stage.first]
            op.attributes["tigris.stage"] = attr(index)
            if op.results[0] in problem.slow:
                op.attributes["tigris.space"] = attr("slow")
    args = func_op.regions[0].blocks[0].arguments
    slow_args = [i for i, a in enumerate(args) if a in problem.slow]
    if slow_args:
        func_op.attributes["tigris.slow_args"] = attr(slow_args)
    # Ops the rewrite created carry no stage yet: give them their stage's index.
    current = 0
    for o in func_op.regions[0].blocks[0].operations:
        o = o.operation
        if "tigris.stage" in o.attributes:
            current = ir.IntegerAttr(o.attributes["tigris.stage"]).value
        elif o.name.startswith("tigris."):
            o.attributes["tigris.stage"] = attr(current)


def _translate(plan, original: Problem, copy: Problem, copy_func):
    """The same plan with overlay values moved to the copy of the function."""
    import copy as _copy
    out = _copy.copy(plan)
    out.stages = []
    out.slow_values = set()
    for v in plan.slow_values:
        if isinstance(v, ir.BlockArgument):
            out.slow_values.add(copy_func.regions[0].blocks[0].arguments[v.arg_number])
        else:
            out.slow_values.add(copy.ops[original.position[v]].results[0])
    args = copy_func.regions[0].blocks[0].arguments
    for st in plan.stages:
        st2 = _copy.copy(st)
        if st.overlay is not None:
            if isinstance(st.overlay, ir.BlockArgument):
                st2.overlay = args[st.overlay.arg_number]
            else:
                st2.overlay = copy.ops[original.position[st.overlay]].results[0]
        out.stages.append(st2)
    return out


def measured_peak(func_op, target: str, alignment: int, packed: bool = False,
                  limit: int | None = None) -> int:
    """The fast-memory peak of a rewritten function as bufferize and packing
    will see it: the lower bound (bytes live at once), or with `packed` the
    arena tigris-assign-offsets' packing reaches (its exact search only when
    the heuristic misses `limit` and the bound does not)."""
    g = build_graph(func_op, scratch=lambda op: op_scratch_bytes(op, target), space="fast")
    storages = lifetimes(g.graph, g.graph.order, inplace=True)
    extents = storage_extents(func_op, g, storages)
    if not packed:
        return lower_bound(extents, alignment)
    fast = {n: e for n, e in extents.items() if e[0] > 0}
    quick = pack(fast, alignment=alignment, solver=False)
    if quick.arena == quick.bound or limit is None or quick.arena <= limit or quick.bound > limit:
        return quick.arena
    return pack(fast, alignment=alignment).arena   # the exact search assign-offsets also runs


def fit(problem: Problem, func_op, limit: int, target: str, alignment: int,
        attempts: int = 8):
    """(real fast peak, plan) for `limit`: the search estimates peaks stage by
    stage; the plan is applied to a copy of the function and its real (packed)
    peak measured, and the search reruns with and without overlays, then with
    gradually tighter internal budgets, until the real peak fits. The cheapest
    plan that really fits, else the one with the smallest real peak."""
    def measure(plan) -> int:
        copy = func_op.clone()
        copy_problem = Problem(copy, alignment, scratch=problem.scratch)
        apply(copy_problem, _translate(plan, problem, copy_problem, copy), copy)
        real = measured_peak(copy, target, alignment, packed=True, limit=limit)
        copy.erase()
        return real

    tried = []
    for overlay in (True, False):
        problem.set_overlay(overlay)
        internal = limit
        for _ in range(attempts):
            plan = choose(problem, internal)
            real = measure(plan)
            tried.append((real, plan))
            if not plan.fits or real <= limit:
                break
            internal -= min(real - limit, internal // 8) + alignment
        if tried[-1][0] <= limit and overlay:
            break
    fitting = [t for t in tried if t[0] <= limit]
    if fitting:
        return min(fitting, key=lambda t: t[1].cost)
    return min(tried, key=lambda t: t[0])


def run(func_op, options) -> None:
    budget = options["budget"]
    target = options["target"]
    alignment = options["alignment"]
    scratch = lambda op, channels=None, rows=None: op_scratch_bytes(  # noqa: E731
        op, target, channels, rows)
    problem = Problem(func_op, alignment, scratch=scratch)
    if not problem.ops:
        return
    # With a slow pool the search may also place stage outputs there.
    problem.slow_ok = options["slow"] > 0
    problem.allow_stream = bool(options["stream"])

    def search(limit: int, attempts: int = 8):
        return fit(problem, func_op, limit, target, alignment, attempts)

    real, plan = search(budget)
    if real > budget and problem.slow_ok:
        # Skip connections outlive the stages around them: put them in the
        # slow pool too and search again.
        problem.set_slow(problem.long_lived())
        r2, p2 = search(budget)
        if r2 < real:
            real, plan = r2, p2
        else:
            problem.set_slow()
    problem.set_overlay(any(st.overlay is not None for st in plan.stages))
    fits = real <= budget
    smallest = real
    if not fits:
        # The smallest budget that works, by bisection (for the message).
        lo, hi = budget, real
        while hi - lo > max(2048, hi // 32):
            mid = (lo + hi) // 2
            r, p = search(mid, attempts=2)
            if r <= mid:
                hi, real, plan = r, r, p     # keep the smallest plan found
            else:
                lo = mid
        smallest = hi
    worst = max(plan.stages, key=lambda s: s.peak)
    where = problem.info[worst.first].op.location
    apply(problem, plan, func_op)
    tiled = [s for s in plan.stages if s.tiled]
    func_op.attributes["tigris.tiling"] = attr({
        "budget": budget, "fits": int(fits), "peak_estimate": plan.peak, "peak": real,
        "min_peak": plan.min_peak if fits else smallest, "stages": len(plan.stages), "tiled_stages": len(tiled),
        "macs": plan.macs, "model_macs": plan.model_macs,
        "cost": int(plan.cost), "flat_cost": int(plan.flat_cost),
        "strip_heights": [s.height for s in tiled if s.height],
        "streamed_stages": sum(s.stream for s in tiled),
        "channel_groups": [s.groups for s in tiled if s.groups],
        "slow_traffic": plan.traffic})
    if not fits and options["strict"]:
        raise PassError(f"does not fit {budget} bytes: the smallest budget found that works is "
                        f"{smallest} bytes (the largest stage here: ops {worst.first}.."
                        f"{worst.last})", where)


PASS = Pass(
    "tigris-tile",
    "Split the schedule into stages (flat ops, op chains run in row strips that recompute "
    "or carry their halo rows, convs split by output channels) chosen by cost under the "
    "fast-memory budget",
    run,
    (Option("budget", _size, 256 * 1024, "fast-memory budget (bytes, or 64K / 1M)"),
     Option("alignment", int, 16, "buffer alignment assumed when estimating peaks"),
     Option("slow", _size_or_zero, 0, "slow-pool (PSRAM) bytes; 0: no slow pool"),
     Option("target", str, "reference", "kernel library whose scratch counts"),
     Option("strict", int, 1, "1: fail when nothing fits; 0: keep the smallest-peak plan"),
     Option("stream", int, 1, "1: strip chains may carry halo rows from strip to strip; "
            "0: always recompute them")))
