"""The int8 form of a float graph input that quantize_static leaves float
for a few operators ahead of its QuantizeLinear.

Two such prefixes are common in exported models:

  moves        an exporter's channels-last input: Transpose (and Reshape,
               Squeeze, ...) to NCHW, then the QuantizeLinear. Quantizing
               commutes with moving values, so the input takes that
               QuantizeLinear's quantization exactly.
  preprocess   normalization inside the model: Sub/Add/Mul/Div by scalar or
               per-channel constants ((x - mean) / std, x / 127.5 - 1), then
               the QuantizeLinear. The input gets a quantization of its own,
               covering every x the quantized result can represent, and the
               affine steps become one lookup table per channel (a float
               chain, see ops_lut.py), computed as onnxruntime runs them.
               Against onnxruntime, which applies them to the float input,
               the input's rounding adds up to about one LSB.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MOVES = {"Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Slice",
         "DepthToSpace", "SpaceToDepth"}
AFFINE = {"Add", "Sub", "Mul", "Div"}


@dataclass
class InputQuant:
    scale: float
    zp: int             # in the stored type's range (uint8: 0..255)
    uint8: bool
    preprocess: bool    # the affine steps run as a float chain from the int8 input


def input_quantization(r, name: str) -> InputQuant | None:
    """The quantization of float graph input `name` when it reaches its
    QuantizeLinear only through moves or only through affine steps; None
    otherwise (the reader of the float input then reports it). `r` is the
    resolver (consumers, consts, graph_outputs, shape)."""
    users = r.consumers.get(name, [])
    if len(users) > 1 and all(u.op_type in MOVES for u in users):
        return _several_moves(r, name, users)
    if any(u.op_type == "QuantizeLinear" for u in users) or len(users) != 1:
        return None
    kind = "moves" if users[0].op_type in MOVES else "affine" if users[0].op_type in AFFINE else None
    if kind is None:
        return None
    walked = _walk(r, name, users[0], MOVES if kind == "moves" else AFFINE)
    if walked is None:
        return None
    chain, (scale, z, uint8) = walked
    if kind == "moves":
        return InputQuant(scale, z, uint8, False)
    return _preprocess_quant(r, name, chain, scale, z, uint8)


def _walk(r, name: str, node, ops: set):
    """From `node` (a reader of `name`), the chain of `ops` each reading the
    previous one's result (and otherwise constants) up to a per-tensor
    QuantizeLinear: (chain, (scale, zero point, uint8)); None otherwise (a
    malformed QuantizeLinear is reported when it is visited)."""
    chain, current = [], name
    while node is not None and node.op_type in ops:
        if node.output[0] in r.graph_outputs or not _one_activation(r, node, current):
            return None
        chain.append(node)
        current = node.output[0]
        after = r.consumers.get(current, [])
        node = after[0] if len(after) == 1 else None
    if node is None or node.op_type != "QuantizeLinear":
        return None
    s = r.consts.get(node.input[1])
    zp = r.consts.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    if s is None or np.asarray(s.value).size != 1:
        return None
    scale = float(np.asarray(s.value).reshape(-1)[0])
    z = int(np.asarray(zp.value).reshape(-1)[0]) if zp is not None else 0
    return chain, (scale, z, zp is not None and zp.value.dtype == np.uint8)


def _several_moves(r, name: str, users) -> InputQuant | None:
    """An input read by several chains of moves, each ending in its own
    QuantizeLinear (YOLOv5's Focus: four strided Slices of the image, each
    calibrated on its own): one quantization covering all their ranges, and
    each chain's moves requantize to their own. onnxruntime quantizes each
    slice of the float input directly, so this adds up to one LSB there."""
    quants = []
    for node in users:
        walked = _walk(r, name, node, MOVES)
        if walked is None:
            return None
        scale, z, uint8 = walked[1]
        quants.append((scale, z - 128 if uint8 else z, uint8))
    scale, z, _ = quants[0]
    uint8 = all(u for _, _, u in quants)
    if any((s, zq) != (scale, z) for s, zq, _ in quants):   # int8-domain ranges, joined
        lo = min((-128 - zq) * s for s, zq, _ in quants)
        hi = max((127 - zq) * s for s, zq, _ in quants)
        scale = (hi - lo) / 255
        z = int(np.clip(np.round(-128 - lo / scale), -128, 127))
    return InputQuant(scale, z + 128 if uint8 else z, uint8, False)


def _one_activation(r, node, current: str) -> bool:
    """`node` reads `current` once and otherwise only constants; a Div only
    as its numerator (c / x is not affine)."""
    others = [i for i in node.input if i != current]
    if list(node.input).count(current) != 1 or not all(i in r.consts for i in others):
        return False
    return node.op_type != "Div" or node.input[0] == current


def _affine(r, chain, x: np.ndarray) -> np.ndarray:
    for node in chain:
        c = [np.asarray(r.consts[i].real() if r.consts[i].scale is not None
                        else r.consts[i].value, np.float64) for i in node.input if i in r.consts]
        first = node.input[0] not in r.consts
        k = c[0]
        if node.op_type == "Add":
            x = x + k
        elif node.op_type == "Mul":
            x = x * k
        elif node.op_type == "Div":
            x = x / k
        else:
            x = x - k if first else k - x
    return x


def _preprocess_quant(r, name: str, chain, scale: float, z: int, uint8: bool) -> InputQuant | None:
    shape = r.shape(name)
    b = _affine(r, chain, np.zeros(shape))
    a = _affine(r, chain, np.ones(shape)) - b
    if not np.all(np.isfinite(a)) or np.any(a == 0) or not np.all(np.isfinite(b)):
        return None
    lo_q, hi_q = (0, 255) if uint8 else (-128, 127)
    ends = [((q - z) * scale - b) / a for q in (lo_q, hi_q)]
    lo = min(0.0, float(np.minimum(*ends).min()))
    hi = max(0.0, float(np.maximum(*ends).max()))
    if hi - lo <= 0:
        return None
    s_x = (hi - lo) / 255.0
    zp = int(np.clip(np.round(lo_q - lo / s_x), lo_q, hi_q))
    return InputQuant(s_x, zp, uint8, True)
