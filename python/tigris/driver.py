"""The planning pipeline, owned in one place.

`tigris compile`, `tigris analyze`, tigris.plan.compiler and tigris.analysis
build their pipeline here from a typed `Device` (target, alignment, budget),
and run pipelines through `run_pipeline`, which turns the first MLIR
diagnostic into a one-line ModelError naming the model and the location.
The text built is an ordinary pipeline a user can type into tigris-opt:

    builtin.module(tigris-legalize, tigris-verify, tigris-schedule{...},
                   tigris-tile{...}, tigris-bufferize{...}, tigris-liveness,
                   tigris-assign-offsets{...})
"""
from __future__ import annotations

from dataclasses import dataclass

from mlir import ir

from tigris.budget import Budget
from tigris.errors import ModelError
from tigris.pipeline import build


@dataclass(frozen=True)
class Device:
    """What a plan is for: the kernel library, the buffer alignment and the RAM
    (None: plan without tiling, whatever the peak)."""
    target: str = "reference"
    alignment: int = 16
    budget: Budget | None = None


LEGALIZE = ("tigris-legalize", "tigris-verify")


def schedule_passes(device: Device) -> list[str]:
    return [f"tigris-schedule{{alignment={device.alignment} target={device.target}}}"]


def tile_passes(device: Device, strict: bool = True, also_fits: bool = False) -> list[str]:
    b = device.budget
    if b is None:
        return []
    return [f"tigris-tile{{budget={b.fast} slow={b.slow} alignment={device.alignment} "
            f"target={device.target} strict={int(strict)}"
            + (" also-fits=1}" if also_fits else "}")]


def memory_passes(device: Device) -> list[str]:
    """bufferize, liveness, assign-offsets: buffers, lifetimes, offsets."""
    return [f"tigris-bufferize{{target={device.target}}}", "tigris-liveness",
            f"tigris-assign-offsets{{alignment={device.alignment}}}"]


def pipeline(*passes: str) -> str:
    return "builtin.module(" + ",".join(passes) + ")"


def planning_pipeline(device: Device, legalize: bool = True, strict: bool = False) -> str:
    """Import result -> planned module: legalize (int8 models), schedule, tile
    when the device has a budget, bufferize, liveness, assign-offsets. Not
    `strict`: a plan over the budget is still built, for the caller to report
    (tigris compile: exit 3 with the arena it needs)."""
    return pipeline(*(LEGALIZE if legalize else ()), *schedule_passes(device),
                    *tile_passes(device, strict), *memory_passes(device))


def run_pipeline(ctx: ir.Context, module: ir.Module, text: str, label: str) -> None:
    """Run `text` on `module`; the first error diagnostic becomes a ModelError
    `label: location: message`."""
    with ctx:
        try:
            build(text, ctx).run(module.operation)
        except ir.MLIRError as e:
            diags = e.error_diagnostics
            if diags:
                d = diags[0]
                where = str(d.location)
                where = where[4:-1] if where.startswith("loc(") else where
                where = "" if where == "unknown" else f"{where}: "
                raise ModelError(f"{label}: {where}{d.message}") from None
            raise ModelError(f"{label}: {str(e).splitlines()[0]}") from None


def legalize(ctx: ir.Context, module: ir.Module, label: str) -> None:
    """TOSA -> tigris kernel ops, verified."""
    run_pipeline(ctx, module, pipeline(*LEGALIZE), label)
