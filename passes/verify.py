"""tigris-verify: checks what IRDL cannot express (element types, widths, lengths)."""
from __future__ import annotations

from mlir import ir

from tigris import kernels
from tigris.dialects import op_attrs
from tigris.passes.registry import Pass, PassError

_SHIFTS = ("shift", "input1_shift", "input2_shift", "output_shift")


def _elem_width(value) -> tuple[bool, int]:
    t = value.type
    if not isinstance(t, ir.RankedTensorType):
        return False, 0
    et = t.element_type
    return isinstance(et, ir.IntegerType), et.width if isinstance(et, ir.IntegerType) else 0


def _shape(value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


def _check(op, kind: kernels.Kind) -> None:
    """The rules of `kind`'s registry entry (int8, weighted, requantizes, check)."""
    attrs = op_attrs(op)
    where = op.location
    if kind.int8:
        activations = list(op.operands)[:1 if kind.weighted else None]
        for v in activations + list(op.results):
            is_int, width = _elem_width(v)
            if not (is_int and width == 8):
                raise PassError(f"'{op.name}' expects int8 tensors, got {v.type}", where)
    if kind.weighted:
        w, b = op.operands[1], op.operands[2]
        if _elem_width(w) != (True, 8):
            raise PassError(f"'{op.name}' weights must be int8, got {w.type}", where)
        if _elem_width(b) != (True, 32):
            raise PassError(f"'{op.name}' bias must be int32, got {b.type}", where)
        channels = ir.RankedTensorType(op.results[0].type).shape[-1]
        for name in ("multiplier", "shift"):
            if len(attrs[name]) not in (1, channels):
                raise PassError(f"'{op.name}' {name} has {len(attrs[name])} values for "
                                f"{channels} output channels", where)
    if "rounding" in attrs:
        if not kind.requantizes:
            raise PassError(f"'{op.name}' takes no rounding (only requantizing kernels do)",
                            where)
        if attrs["rounding"] not in ("single", "double"):
            raise PassError(f"'{op.name}' rounding {attrs['rounding']!r} is not \"single\" or "
                            "\"double\"", where)
        if attrs["rounding"] == "single":
            for name in (n for n in _SHIFTS if n in attrs):
                values = attrs[name] if isinstance(attrs[name], list) else [attrs[name]]
                if any(not -31 <= v <= 30 for v in values):
                    raise PassError(f"'{op.name}' {name} outside [-31, 30] with single "
                                    "rounding", where)
    if "act_min" in attrs and not (-128 <= attrs["act_min"] <= attrs["act_max"] <= 127):
        raise PassError(f"'{op.name}' activation range [{attrs['act_min']}, "
                        f"{attrs['act_max']}] is not inside int8", where)
    if kind.check is not None:
        msg = kind.check([_shape(v) for v in op.operands], _shape(op.results[0]), attrs)
        if msg:
            raise PassError(f"'{op.name}' {msg}", where)


def run(func_op, options) -> None:
    errors: list[PassError] = []

    def visit(op):
        kind = kernels.of(op)
        if kind is not None:
            try:
                _check(op, kind)
            except PassError as e:
                errors.append(e)
        return ir.WalkResult.ADVANCE

    func_op.walk(visit)
    if errors:
        for e in errors[1:]:
            e.location.emit_error(str(e))
        raise errors[0]


PASS = Pass("tigris-verify", "Check tigris ops beyond IRDL: int8 activations, int32 bias, "
            "per-channel lengths, clamp ranges (changes nothing)", run)
