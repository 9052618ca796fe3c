"""tigris-verify: checks what IRDL cannot express (element types, widths, lengths)."""
from __future__ import annotations

from mlir import ir

from tigris.dialects import op_attrs
from tigris.passes.registry import Pass, PassError

# Kernel ops whose activation operands and results must be int8 tensors.
_INT8_OPS = {"conv2d", "depthwise_conv2d", "fully_connected", "add", "mul", "avg_pool",
             "max_pool", "global_avg_pool", "softmax", "lut", "resize"}
_PER_CHANNEL = {"conv2d", "depthwise_conv2d", "fully_connected"}
# Kernel ops that requantize: they may carry `rounding` ("double", the default, or "single").
_REQUANT = _PER_CHANNEL | {"add", "mul", "global_avg_pool"}
_SHIFTS = ("shift", "input1_shift", "input2_shift", "output_shift")


def _elem_width(value) -> tuple[bool, int]:
    t = value.type
    if not isinstance(t, ir.RankedTensorType):
        return False, 0
    et = t.element_type
    return isinstance(et, ir.IntegerType), et.width if isinstance(et, ir.IntegerType) else 0


def _check(op) -> None:
    kind = op.name.split(".", 1)[1]
    attrs = op_attrs(op)
    where = op.location
    if kind in _INT8_OPS:
        activations = list(op.operands)[:1 if kind in _PER_CHANNEL else None]
        for v in activations + list(op.results):
            is_int, width = _elem_width(v)
            if not (is_int and width == 8):
                raise PassError(f"'{op.name}' expects int8 tensors, got {v.type}", where)
    if kind in _PER_CHANNEL:
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
        if kind not in _REQUANT:
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
    if kind == "lut":
        # One table, or one per channel (the last axis): C x 256 entries.
        in_shape = ir.RankedTensorType(op.operands[0].type).shape
        out_shape = ir.RankedTensorType(op.results[0].type).shape
        channels = in_shape[-1] if in_shape else 1
        n = len(attrs["table"])
        if n != 256 and (n != 256 * channels or list(out_shape) != list(in_shape)):
            raise PassError(f"'{op.name}' table has {n} entries, expected 256 or 256 per "
                            f"channel ({256 * channels} for {channels} channels, with equal "
                            "input and output shapes)", where)
    if kind == "softmax" and len(attrs["exp_table"]) != 256:
        raise PassError(f"'{op.name}' exp_table has {len(attrs['exp_table'])} entries, "
                        "expected 256", where)


def run(func_op, options) -> None:
    errors: list[PassError] = []

    def visit(op):
        if op.name.startswith("tigris.") and op.name.split(".", 1)[1] in _INT8_OPS | {"transpose", "pad"}:
            try:
                _check(op)
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
