"""The kernel registry: one `Kind` entry per kernel kind of the tigris dialect.

Everything the compiler knows of a kind is read from its entry: its
attributes' array element types (dialects), its verifier rules (tigris-verify),
its scratch per target family (tigris.targets), its cost-model constants and
MAC count (tigris.costmodel, the tiler, the simulator), its row dependencies
(tigris.tiling.rows), the operands it may overwrite (tigris.irgraph), its
weights layout (the reference interpreter, tigris-lower-to-plan), its plan
call record (tigris.plan.format: opcode, slots, parameters) and its C call
(tigris.plan.codegen). The numpy reference function is
`tigris.reference.kernels.<name>`, the C kernels are in runtime/kernels.

Adding a kernel kind: an entry in one of the modules here (conv, elementwise,
pool, movement) and the kernel's own files (docs/kernels.md, "Adding a kernel
kind", lists them).
"""
from __future__ import annotations

from tigris.kernels import conv, elementwise, movement, pool
from tigris.kernels.base import (CALL_SINGLE_ROUNDING, CONST, IN, MAX_RANK, OUT, SCRATCH, Kind,
                                 Param, PlanKernel, RowRule, Slot)

_KINDS = [k for m in (conv, elementwise, pool, movement) for k in m.KINDS]

# name -> Kind.
REGISTRY: dict[str, Kind] = {k.name: k for k in _KINDS}
assert len(REGISTRY) == len(_KINDS), "a kernel kind is registered twice"
_ids = [k.plan.id for k in _KINDS if k.plan is not None]
assert len(set(_ids)) == len(_ids), "two kernel kinds share a plan opcode"
NAMES: tuple[str, ...] = tuple(REGISTRY)


def get(name: str) -> Kind | None:
    """The entry of kernel kind `name` ("conv2d" or "tigris.conv2d"), or None."""
    if name.startswith("tigris."):
        name = name[len("tigris."):]
    return REGISTRY.get(name)


def of(op) -> Kind | None:
    """The entry of a tigris kernel op, or None for any other op."""
    name = op.name
    return REGISTRY.get(name[len("tigris."):]) if name.startswith("tigris.") else None


def array_kinds() -> dict[str, str]:
    """Attribute name -> dense array element ("i32" | "i8") over every kind."""
    out: dict[str, str] = {}
    for k in REGISTRY.values():
        for name, et in k.arrays.items():
            assert out.get(name, et) == et, name
            out[name] = et
    return out


def blob_attrs() -> dict[str, str]:
    """Attributes stored as flash blobs (constant slots of a call) -> dtype."""
    out: dict[str, str] = {}
    for k in REGISTRY.values():
        out.update(k.blobs)
    return out


__all__ = ["REGISTRY", "NAMES", "Kind", "PlanKernel", "RowRule", "Slot", "Param", "get", "of",
           "array_kinds", "blob_attrs", "CALL_SINGLE_ROUNDING", "MAX_RANK", "IN", "CONST",
           "OUT", "SCRATCH"]
