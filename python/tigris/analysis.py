"""`tigris analyze`: plan a model's memory and report every figure.

The report is a plain dict (the `--json` document); the CLI formats it.
"""
from __future__ import annotations

import os
import time

import numpy as np
from mlir import ir

from tigris.budget import Budget
from tigris.commands.common import run_pipeline
from tigris.dialects import attr_value, make_context
from tigris.importers.onnx import import_onnx
from tigris.irgraph import build_graph, compute_ops, node_name, value_bytes
from tigris.modelio import io_specs
from tigris.passes.registry import functions
from tigris.targets import op_scratch_bytes
from tigris.planning import lifetimes, load_profile, naive_peak, no_reuse_sum, tflm_greedy

REPORT_VERSION = 1
# Bytes the binary plan spends per kernel call and per tensor descriptor
# (estimates until the plan format lands; see docs when it does).
PLAN_BYTES_PER_CALL = 64
PLAN_BYTES_PER_TENSOR = 32
PLAN_HEADER_BYTES = 64


def plan_pipeline(quantized: bool, target: str, alignment: int) -> str:
    passes = ["tigris-legalize", "tigris-verify"] if quantized else []
    passes += [f"tigris-schedule{{alignment={alignment} target={target}}}",
               f"tigris-bufferize{{target={target}}}", "tigris-liveness",
               f"tigris-assign-offsets{{alignment={alignment}}}"]
    return "builtin.module(" + ",".join(passes) + ")"


def _shape_text(value: ir.Value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


def _loc_name(op) -> str:
    text = str(op.location)
    if text.startswith('loc("') and '"' in text[5:]:
        return text[5:text.index('"', 5)]
    return ""


def analyze(path: str, budget: Budget, flash: int | None, target: str = "reference",
            alignment: int = 16, input_shapes=None) -> dict:
    t0 = time.perf_counter()
    label = os.path.basename(path)
    ctx = make_context()
    result = import_onnx(path, ctx, input_shapes)
    quantized = result.graph.quantized
    with ctx:
        func = functions(result.module.operation)[0]
        if quantized:
            run_pipeline(ctx, result.module, "builtin.module(tigris-legalize,tigris-verify)", label)
        given = build_graph(func, scratch=lambda op: op_scratch_bytes(op, target))
        naive = naive_peak(given.graph, alignment=1, inplace=False)
        given_storages = lifetimes(given.graph, given.graph.order, inplace=False)
        tflm = tflm_greedy(given_storages, alignment=alignment)
        no_reuse = no_reuse_sum(given_storages, alignment=alignment)
        run_pipeline(ctx, result.module, plan_pipeline(False, target, alignment), label)
        fa = {k: attr_value(v) for k, v in
              ((a.name, a.attr) for a in (func.attributes[i] for i in range(len(func.attributes))))}
        arena = fa["tigris.arena"]
        table = fa["tigris.buffers"]
        ops = compute_ops(func)
        profile = load_profile({k: tuple(v) for k, v in table.items()}, alignment)
        peak_step = int(np.argmax(profile)) if profile else 0
        rows = []
        for step, op in enumerate(ops):
            rows.append({"step": step, "op": op.name.split(".", 1)[1], "node": _loc_name(op),
                         "shape": _shape_text(op.results[0]), "bytes": value_bytes(op.results[0]),
                         "live": profile[step] if step < len(profile) else 0})
        weights = 0
        consts = 0
        for op in func.regions[0].blocks[0].operations:
            op = op.operation
            if op.name == "tosa.const":
                consts += 1
                weights += value_bytes(op.results[0])
        activations = len(given.graph.buffers)
        largest = max((r for r in rows), key=lambda r: r["bytes"], default=None)
        ins, outs = io_specs(func)
    plan_bytes = weights + PLAN_HEADER_BYTES + PLAN_BYTES_PER_CALL * len(rows) \
        + PLAN_BYTES_PER_TENSOR * activations
    fits = arena["size"] <= budget.fast
    peak_row = rows[peak_step] if rows else None
    report = {
        "version": REPORT_VERSION,
        "model": label,
        "format": "int8" if quantized else "float32",
        "target": target,
        "alignment": alignment,
        "operators": len(rows),
        "onnx_nodes": result.onnx_nodes,
        "tensors": activations + consts,
        "activations": activations,
        "peak": {"naive": naive, "plan": arena["size"], "lower_bound": arena["bound"],
                 "gap": arena["gap"], "scheduled": int(fa["tigris.schedule"]["peak"]),
                 "tflm_greedy": tflm.arena, "no_reuse": no_reuse,
                 "method": arena["method"], "optimal": bool(arena["optimal"]),
                 "schedule_method": fa["tigris.schedule"]["method"]},
        "largest_tensor": ({"shape": _onnx_shape(largest["shape"]), "bytes": largest["bytes"],
                            "node": largest["node"]} if largest else None),
        "peak_operator": ({"step": peak_step, "op": peak_row["op"], "node": peak_row["node"],
                           "live": profile[peak_step]} if peak_row else None),
        "budget": {"fast": budget.fast, "slow": budget.slow, "stages": 1, "tiled_stages": 0,
                   "fits": fits},
        "flash": {"budget": flash, "weights": weights, "plan": plan_bytes,
                  "fits": None if flash is None else plan_bytes <= flash},
        "inputs": ins, "outputs": outs,
        "operators_table": rows,
        "buffers": {k: {"size": v[0], "birth": v[1], "death": v[2],
                        "offset": fa["tigris.offsets"].get(k)} for k, v in table.items()},
        "seconds": round(time.perf_counter() - t0, 3),
    }
    return report


def _onnx_shape(shape: list[int]) -> list[int]:
    """Report shapes the way the model states them (NCHW for images)."""
    return [shape[0], shape[3], shape[1], shape[2]] if len(shape) == 4 else shape


__all__ = ["analyze", "plan_pipeline", "REPORT_VERSION", "node_name"]
