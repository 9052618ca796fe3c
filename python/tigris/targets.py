"""The targets (one table) and kernel scratch sizes per target: the bytes the
memory planner reserves inside the arena for one kernel call (live only
during that call); and each target's rounding of requantizations (ROUNDING).

``scratch_bytes(target, kind, **shape)`` answers for a target in ``TARGETS``
and a kernel kind in ``KINDS`` (the kernel registry, tigris.kernels).

``reference``: the C99 reference kernels in ``runtime/kernels`` need no
scratch, so every kind is 0.

``esp32``: ESP-NN's generic optimized kernels (``CONFIG_NN_OPTIMIZED`` on a
chip without the S3 vector unit: ESP32, ESP32-C3, ...; ``esp_nn_*_opt.c``
and the ANSI kernels ``include/esp_nn_generic_opt.h`` maps the rest to).
Their scratch getters (``esp_nn_get_conv_scratch_size_opt``,
``esp_nn_get_depthwise_conv_scratch_size_opt``) return 0 and softmax runs
the runtime's own kernel, so every kind is 0 here too. Which calls go to
ESP-NN is decided in the runtime (runtime/kernels/src/kernel_args.c, the
[opt] rules), not here.

``esp32s3``: the ESP-NN optimized kernels (``CONFIG_NN_OPTIMIZED`` with
``CONFIG_IDF_TARGET_ESP32S3``); each kind's rule is its registry entry's
``scratch["esp32s3"]`` (tigris.kernels, the rules in tigris/kernels/esp32s3.py,
which cites ESP-NN's size functions and explains the shape keywords).

Every target is one row of ``TABLE`` (name, plan id, rounding, scratch
family); ``TARGETS``, ``ROUNDING`` and the plan format's ids derive from it.
"""
from __future__ import annotations

from dataclasses import dataclass

from tigris import kernels
from tigris.kernels.esp32s3 import SHAPE_KEYS


@dataclass(frozen=True)
class Target:
    name: str
    plan_id: int            # the plan header's target field (docs/plan-format.md)
    # How its kernels round a requantization (docs/kernels.md): the portable
    # kernels round once (TFLite single rounding, the closest to onnxruntime's
    # float requantization); ESP-NN rounds twice (gemmlowp), so an esp32s3 or
    # esp32 plan does too and its calls can run on ESP-NN bit-exactly.
    rounding: str
    # Whose scratch rules apply (a key of a kernel entry's `scratch`), or None:
    # no kernel of this target takes arena scratch.
    scratch: str | None = None


TABLE: dict[str, Target] = {t.name: t for t in (
    Target("reference", 0, "single"),
    Target("esp32s3", 1, "double", scratch="esp32s3"),
    Target("esp32", 2, "double"),
)}
TARGETS = tuple(TABLE)
ROUNDING = {t.name: t.rounding for t in TABLE.values()}
DEFAULT = "reference"

# Every kernel kind of the tigris dialect (docs/kernels.md).
KINDS = kernels.NAMES


def scratch_bytes(target: str, kind: str, **shape) -> int:
    """Bytes of arena scratch one call of ``kind`` needs on ``target``.

    Shape keywords: ``input`` and ``output`` (N, H, W, C; softmax takes any
    rank and uses the last axis), ``kernel`` (kh, kw), ``stride`` (sh, sw),
    ``dilation`` (dh, dw), ``pad`` (top, bottom, left, right),
    ``channel_multiplier`` and ``groups``. Only what the rule reads is
    required. Raises ValueError for an unknown target, kind or keyword, or a
    missing or malformed shape.
    """
    if target not in TABLE:
        raise ValueError(f"unknown target {target!r}; expected one of {', '.join(TARGETS)}")
    if kind not in kernels.REGISTRY:
        raise ValueError(f"unknown kernel kind {kind!r}; expected one of {', '.join(KINDS)}")
    unknown = sorted(set(shape) - set(SHAPE_KEYS))
    if unknown:
        raise ValueError(f"unknown shape keyword(s) {', '.join(unknown)} for {kind!r}; "
                         f"expected some of {', '.join(SHAPE_KEYS)}")
    rule = kernels.REGISTRY[kind].scratch.get(TABLE[target].scratch)
    return 0 if rule is None else rule(shape)


def op_scratch_bytes(op, target: str, out_channels: int | None = None,
                     rows: tuple[int, int] | None = None) -> int:
    """Scratch bytes a tigris kernel op needs on `target` (from its IR shapes/attributes);
    with `out_channels`, for the same conv computing that many of its output
    channels; with `rows` = (input rows, output rows), for a strip of it (the
    op's own padding kept: an upper bound). Only the kinds whose entry gives a
    `scratch_shape` reserve scratch in the arena."""
    t = TABLE.get(target)
    k = kernels.of(op)
    if t is None or t.scratch is None or k is None or k.scratch_shape is None \
            or t.scratch not in k.scratch:
        return 0
    from mlir import ir

    from tigris.dialects import op_attrs
    in_shapes = [list(ir.RankedTensorType(v.type).shape) for v in op.operands]
    out_shape = list(ir.RankedTensorType(op.results[0].type).shape)
    if rows is not None:
        in_shapes[0][1], out_shape[1] = rows
    shape = k.scratch_shape(in_shapes, out_shape, op_attrs(op), out_channels)
    return int(scratch_bytes(target, k.name, **shape))
