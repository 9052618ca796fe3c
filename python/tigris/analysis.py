"""`tigris analyze`: plan a model's memory and report every figure.

The report is a plain dict (the `--json` document); the CLI formats it.
"""
from __future__ import annotations

import math
import os
import time

import numpy as np

from tigris.budget import Budget
from tigris.errors import TigrisError
from tigris.dialects import attr_value, make_context
from tigris import progress
from tigris.driver import (Device, legalize, memory_passes, pipeline, run_pipeline,
                           schedule_passes, tile_passes)
from tigris.importers.model import import_model
from tigris.irgraph import build_graph, compute_ops, loc_name, tensor_shape, value_bytes
from tigris.modelio import io_specs
from tigris.passes.registry import functions
from tigris.stages import stage_table
from tigris.targets import ROUNDING, op_scratch_bytes
from tigris.planning import lifetimes, load_profile, naive_peak, no_reuse_sum, tflm_greedy

# 3: tiling.seconds, the planning time of tigris-tile at the budget.
# 2: flash.plan is the written plan's size (null for a float model), flash.weights
# the plan's constant bytes; 1 had an estimate there.
REPORT_VERSION = 3



def state_report(ins: list[dict]) -> dict:
    """The state memory class (docs/plan-format.md, "State"): the variables a
    streaming model keeps between inferences, in a region apart from the
    arenas, zero-initialized at load."""
    from tigris.plan.format import STATE_PREFIX
    var = [{"name": i["name"], "bytes": math.prod(i["shape"])} for i in ins
           if i["name"].startswith(STATE_PREFIX)]
    return {"bytes": sum(v["bytes"] for v in var), "variables": var}


def analyze(path: str, budget: Budget, flash: int | None, target: str = "reference",
            alignment: int = 16, input_shapes=None) -> dict:
    """The report (the `--json` document, docs/analyze-report.schema.json). Its
    flash figure is the size of the plan `tigris compile` writes for the same
    model, budget, target and alignment: the same pipeline, lowered and written
    by the same code (tigris.plan.compiler.lower)."""
    from tigris.plan.compiler import flash_fits
    report = plan_report(path, budget, target, alignment, input_shapes)
    f = report["flash"]
    f["budget"] = flash
    f["fits"] = None if f["plan"] is None else flash_fits(f["plan"], flash)
    return report


def plan_report(path: str, budget: Budget, target: str = "reference", alignment: int = 16,
                input_shapes=None) -> dict:
    """Every figure of the report but the flash budget's verdict."""
    from tigris.plan.compiler import lower, record_device
    t0 = time.perf_counter()
    label = os.path.basename(path)
    ctx = make_context()
    progress.stage("import")
    result = import_model(path, ctx, input_shapes, rounding=ROUNDING[target])
    quantized = result.graph.quantized
    with ctx:
        func = functions(result.module.operation)[0]
        if quantized:
            progress.stage("legalize")
            legalize(ctx, result.module, label)
        given = build_graph(func, scratch=lambda op: op_scratch_bytes(op, target))
        model_ops = [(op.name.split(".", 1)[1], tensor_shape(op.results[0]),
                      value_bytes(op.results[0]), loc_name(op)) for op in compute_ops(func)]
        naive = naive_peak(given.graph, alignment=1, inplace=False)
        given_storages = lifetimes(given.graph, given.graph.order, inplace=False)
        tflm = tflm_greedy(given_storages, alignment=alignment)
        no_reuse = no_reuse_sum(given_storages, alignment=alignment)
        device = Device(target, alignment, budget)
        progress.stage("schedule")
        run_pipeline(ctx, result.module, pipeline(*schedule_passes(device)), label)
        t_tile = time.perf_counter()
        if quantized:
            # Also the smaller budgets this model fits (none if it misses this one).
            progress.stage("tile")
            run_pipeline(ctx, result.module, pipeline(*tile_passes(device, strict=False,
                                                                   also_fits=True)), label)
        tile_seconds = time.perf_counter() - t_tile
        progress.stage("offsets")
        run_pipeline(ctx, result.module, pipeline(*memory_passes(device)), label)
        fa = {k: attr_value(v) for k, v in
              ((a.name, a.attr) for a in (func.attributes[i] for i in range(len(func.attributes))))}
        arena = fa["tigris.arena"]
        tiling = fa.get("tigris.tiling")
        table = fa["tigris.buffers"]
        pieces = fa.get("tigris.buffer_pieces") or {}
        ops = compute_ops(func)
        profile = load_profile({k: tuple(v) for k, v in table.items()}, alignment, pieces)
        peak_step = int(np.argmax(profile)) if profile else 0
        rows = []
        for step, op in enumerate(ops):
            rows.append({"step": step, "op": op.name.split(".", 1)[1], "node": loc_name(op),
                         "shape": tensor_shape(op.results[0]), "bytes": value_bytes(op.results[0]),
                         "live": profile[step] if step < len(profile) else 0})
        weights = 0
        consts = 0
        for op in func.regions[0].blocks[0].operations:
            op = op.operation
            if op.name == "tosa.const":
                consts += 1
                weights += value_bytes(op.results[0])
        activations = len(given.graph.buffers)
        largest = max(model_ops, key=lambda r: r[2], default=None)
        ins, outs = io_specs(func)
        stages = stage_table(func, alignment)    # before lowering, which erases func
        slow_buffers = set(fa.get("tigris.slow_buffers") or [])
    fits = arena["size"] <= budget.fast and \
        fa.get("tigris.slow_arena", {}).get("size", 0) <= budget.slow
    plan_bytes = None   # a float model has no plan (tigris compile needs int8)
    if quantized:       # the plan tigris compile writes (this rewrites the module: last)
        try:
            record_device(result.module, device)
            compiled = lower(ctx, result, label, arena["size"])
            plan_bytes, weights = len(compiled.data), compiled.weights
        except TigrisError:
            if fits:    # compile would fail the same way: so does analyze
                raise
            # Over the RAM budget compile writes no plan, and this one cannot be
            # written either: no flash figure (the RAM verdict exits 3 anyway).
    peak_row = rows[peak_step] if rows else None
    report = {
        "version": REPORT_VERSION,
        "model": label,
        "format": "int8" if quantized else "float32",
        "target": target,
        "alignment": alignment,
        "operators": len(model_ops),
        "plan_steps": len(rows),
        "onnx_nodes": result.onnx_nodes,
        "tensors": activations + consts,
        "activations": activations,
        "peak": {"naive": naive, "plan": arena["size"], "lower_bound": arena["bound"],
                 "gap": arena["gap"], "scheduled": int(fa["tigris.schedule"]["peak"]),
                 "tflm_greedy": tflm.arena, "no_reuse": no_reuse,
                 "method": arena["method"], "optimal": bool(arena["optimal"]),
                 "schedule_method": fa["tigris.schedule"]["method"]},
        "largest_tensor": ({"shape": _onnx_shape(largest[1]), "bytes": largest[2],
                            "node": largest[3]} if largest else None),
        "peak_operator": ({"step": peak_step, "op": peak_row["op"], "node": peak_row["node"],
                           "live": profile[peak_step]} if peak_row else None),
        "budget": {"fast": budget.fast, "slow": budget.slow,
                   "stages": tiling["stages"] if tiling else len(rows),
                   "tiled_stages": tiling["tiled_stages"] if tiling else 0,
                   "fits": fits},
        "tiling": None if not tiling else {
            "macs": tiling["macs"], "model_macs": tiling["model_macs"],
            "latency_ratio": round(tiling["cost"] / tiling["flat_cost"], 4),
            "min_peak_estimate": tiling["min_peak"], "strip_heights": tiling["strip_heights"],
            "streamed_stages": tiling["streamed_stages"], "channel_groups": tiling["channel_groups"],
            "column_split": tiling["column_split"],
            "also_fits": [{"budget": a["budget"], "latency_ratio": a["latency"] / 10000,
                           "macs": a["macs"]} for a in tiling["also_fits"]],
            "seconds": round(tile_seconds, 3),
            "floor": {"bytes": tiling["floor"], "node": tiling["floor_node"],
                      "op": tiling["floor_op"]} if tiling.get("floor") else None},
        "slow": {"peak": fa.get("tigris.slow_arena", {}).get("size", 0),
                 "traffic": tiling["slow_traffic"] if tiling else 0},
        "flash": {"budget": None, "weights": weights, "plan": plan_bytes, "fits": None},
        "inputs": ins, "outputs": outs,
        "state": state_report(ins),
        "operators_table": rows,
        "stages": stages,
        "buffers": {k: {"size": v[0], "birth": v[1], "death": v[2],
                        "offset": fa["tigris.offsets"].get(k),
                        "pool": "slow" if k in slow_buffers else "fast",
                        **({"pieces": pieces[k]} if k in pieces else {})}
                    for k, v in table.items()},
        "seconds": round(time.perf_counter() - t0, 3),
    }
    return report


def _onnx_shape(shape: list[int]) -> list[int]:
    """Report shapes the way the model states them (NCHW for images)."""
    return [shape[0], shape[3], shape[1], shape[2]] if len(shape) == 4 else shape


__all__ = ["analyze", "REPORT_VERSION"]
