"""ONNX model -> binary plan: import, the planning pipeline, tigris-lower-to-plan, the writer.

Used by `tigris compile` and the tests. The pipeline is
tigris.driver's planning pipeline (legalize, verify, schedule, tile when a
budget is given, bufferize, liveness, assign-offsets), then
tigris-lower-to-plan.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from mlir import ir

from tigris.budget import Budget, human, kib
from tigris.dialects import attr, attr_value, make_context
from tigris import progress
from tigris.driver import (LEGALIZE, Device, memory_passes, pipeline, planning_pipeline,
                           run_pipeline, schedule_passes, tile_passes)
from tigris.errors import BudgetError, ModelError
from tigris.importers.model import import_model
from tigris.passes.registry import functions
from tigris.plan.format import PlanError
from tigris.plan.reader import read_plan
from tigris.targets import ROUNDING
from tigris.plan.writer import check_tensor_limits, plan_modules, weight_bytes_of, write_plan
from tigris.resources import WeightTable


@dataclass
class Compiled:
    data: bytes              # the binary plan
    name: str
    arena: int               # fast arena bytes
    weights: int             # constant bytes (weights and parameter arrays)
    params: int              # of which per-channel multiplier/shift arrays and tables
    calls: int
    plan_mlir: str           # the lowered plan module as MLIR text (without blobs)

    @property
    def overhead(self) -> int:
        """Plan bytes that are not constant data: header, tables, alignment padding."""
        return len(self.data) - self.weights


def _func_attr(func, name: str):
    return attr_value(func.attributes[name]) if name in func.attributes else None


def compile_onnx(path: str, budget: Budget, target: str = "reference", alignment: int = 16,
                 input_shapes=None, flash: int | None = None, tile: bool = True) -> Compiled:
    """Compile an int8 ONNX model into a plan that fits `budget.fast` bytes of fast RAM
    (and `flash` bytes of flash when given)."""
    c = plan_onnx(path, budget, target, alignment, input_shapes, tile)
    check_flash(os.path.basename(path), len(c.data), flash)
    return c


def plan_onnx(path: str, budget: Budget, target: str = "reference", alignment: int = 16,
              input_shapes=None, tile: bool = True) -> Compiled:
    """compile_onnx without the flash check."""
    label = os.path.basename(path)
    ctx = make_context()
    progress.stage("import")
    result = import_model(path, ctx, input_shapes, rounding=ROUNDING[target])
    if not result.graph.quantized:
        raise ModelError(f"{label}: a float model; tigris compile needs an int8 model "
                         "(QDQ or QOperator; `tigris quantize` makes one)")
    with ctx:
        check_tensor_limits(functions(result.module.operation)[0], label)   # before planning
        device = Device(target, alignment, budget if tile else None)
        # planning_pipeline(device), one stage at a time (for the progress report)
        for stage, passes in planning_stages(device):
            progress.stage(stage)
            run_pipeline(ctx, result.module, pipeline(*passes), label)
        func = functions(result.module.operation)[0]
        arena = int(_func_attr(func, "tigris.arena")["size"])
        slow = int((_func_attr(func, "tigris.slow_arena") or {}).get("size", 0))
        if arena > budget.fast:
            raise BudgetError(
                f"{label} does not fit {kib(budget.fast)} of fast RAM: the plan needs "
                f"{kib(arena)} ({arena} bytes)" + _scratch_note(func, target, budget.fast)
                + ("" if tile else "; tiling was disabled"))
        if slow > budget.slow:
            raise BudgetError(f"{label} does not fit {human(budget.slow)} of slow RAM: the plan "
                              f"needs {human(slow)} ({slow} bytes)")
        record_device(result.module, Device(target, alignment, budget))
    return lower(ctx, result, label, arena)


def _largest_scratch(op, best=(0, "")) -> tuple[int, str]:
    from tigris.irgraph import loc_name
    for region in op.regions:
        for block in region.blocks:
            for inner in block.operations:
                inner = inner.operation
                if "tigris.scratch" in inner.attributes:
                    size = ir.IntegerAttr(inner.attributes["tigris.scratch"]).value
                    if size > best[0]:
                        best = (size, loc_name(inner))
                best = _largest_scratch(inner, best)
    return best


def _scratch_note(func, target: str, budget: int) -> str:
    """When one kernel's scratch alone is a large part of the arena (ESP-NN's
    ESP32-S3 kernels), name it: the usual reason a smaller plan cannot exist."""
    size, node = _largest_scratch(func.operation)
    if size * 4 < budget:
        return ""
    where = f" of '{node}'" if node else ""
    hint = " (--target esp32 reserves none)" if target == "esp32s3" else ""
    return f", of which {size} bytes are the scratch the {target} kernel{where} needs{hint}"


DEVICE_ATTRS = ("tigris.target", "tigris.budget", "tigris.slow", "tigris.alignment")


def record_device(module, device: Device) -> None:
    """Record the device a planned module was made for as the module attributes
    tigris-configure sets (tigris.target, tigris.budget, tigris.slow,
    tigris.alignment). Set after the planning pipeline: set before it, they
    would make tigris-assign-offsets fail an over-budget plan as a pipeline
    error, where compile and analyze report what the plan needs (exit 3).
    They are the facts the pipeline's options already gave every pass, and the
    plan writer does not read them: the plan bytes do not change."""
    op = module.operation
    values = {"tigris.target": device.target, "tigris.alignment": device.alignment}
    if device.budget is not None:
        values.update({"tigris.budget": device.budget.fast, "tigris.slow": device.budget.slow})
    with module.context:
        for name, value in values.items():
            op.attributes[name] = attr(value)


def planning_stages(device: Device) -> list[tuple[str, list[str]]]:
    """driver.planning_pipeline(device) cut into named stages: legalize, schedule,
    tile (with a budget), offsets (bufferize, liveness, assign-offsets)."""
    stages = [("legalize", list(LEGALIZE)), ("schedule", schedule_passes(device)),
              ("tile", tile_passes(device, strict=False)), ("offsets", memory_passes(device))]
    stages = [(name, passes) for name, passes in stages if passes]
    assert pipeline(*(p for _, passes in stages for p in passes)) == planning_pipeline(device)
    return stages


def lower(ctx: ir.Context, result, label: str, arena: int) -> Compiled:
    """The planned module of `result` (an ImportResult after the planning pipeline)
    -> tigris-lower-to-plan -> the binary plan, checked as the runtime's loader
    checks it. `tigris compile` writes these bytes; `tigris analyze` reports their
    count as the plan's flash figure."""
    progress.stage("lower")
    with ctx:
        run_pipeline(ctx, result.module, pipeline("tigris-lower-to-plan"), label)
        modules = plan_modules(result.module)
        if len(modules) != 1:
            raise ModelError(f"{label}: expected one function, found {len(modules)}")
        plan_op = modules[0]
        outer = result.module.operation.attributes
        for name in DEVICE_ATTRS:      # the device, on the plan module --emit-mlir prints
            if name in outer and name not in plan_op.attributes:
                plan_op.attributes[name] = outer[name]
        data = write_plan(plan_op, WeightTable(result.weights), label)
        weights = weight_bytes_of(plan_op)
        params = weight_bytes_of(plan_op, params_only=True)
        name = ir.StringAttr(plan_op.attributes["sym_name"]).value
        text = plan_op.get_asm(large_elements_limit=16)
    try:
        plan = read_plan(data)       # the checks the runtime's loader makes, on the workstation
    except PlanError as e:
        raise PlanError(f"{label}: the plan fails the runtime's load checks (a planning bug): {e}") \
            from None
    return Compiled(data, name, arena, weights, params, len(plan.calls), text)


def flash_fits(size: int, flash: int | None) -> bool | None:
    """Whether a plan of `size` bytes fits `flash` bytes (None: no flash budget given)."""
    return None if flash is None else size <= flash


def check_flash(label: str, size: int, flash: int | None) -> None:
    if flash_fits(size, flash) is False:
        raise BudgetError(f"{label}: the plan is {human(size)} ({size} bytes), more than the "
                          f"{human(flash)} flash budget")


__all__ = ["compile_onnx", "plan_onnx", "lower", "record_device", "check_flash", "flash_fits", "Compiled"]
