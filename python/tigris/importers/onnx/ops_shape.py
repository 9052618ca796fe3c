"""Data movement: Reshape/Flatten/Squeeze/Unsqueeze, Transpose, Concat, Split, Slice, Pad,
DepthToSpace/SpaceToDepth, Identity.

Everything here is reshapes, transposes, contiguous slices, concats and
constant pads, kernels the runtime already has: strided slices, copying pad
modes and depth/space moves need no kernel of their own, and int8 values are
copied, never recomputed, so they are bit-exact by construction.
"""
from __future__ import annotations

import numpy as np
from mlir import ir
from mlir.dialects import tosa

from tigris.importers.onnx.emit_core import (STORED_LAYOUTS, TO_NHWC, EmitterBase, stored_axis,
                                             to_stored)
from tigris.importers.onnx.graph import Act, Const, QNode


def convert_reshape(em: EmitterBase, node: QNode) -> None:
    """Every shape-only op: the output shape comes from shape inference."""
    x, out = node.inputs[0], node.outputs[0]
    v = em.get(x)
    ins, outs = list(x.shape), list(out.shape)
    if v.layout in STORED_LAYOUTS and len(outs) in (3, 4) and ins[:2] == outs[:2]:
        # Batch and channels kept, only the spatial dims reshaped (row-major):
        # [N, C, L] <-> [N, C, L, 1] or [N, C, 1, L], [N, C, H, W] -> [N, C, H*W].
        # Stored channels-last the bytes are the same: "nhwc" / "nlc" for free.
        layout = "nhwc" if len(outs) == 4 else "nlc"
        em.put(out, em.reshape(v.value, em.onnx_to_layout_shape(outs, layout)), layout)
        return
    y = em.reshape(em.as_plain(v), list(out.shape))
    em.put(out, y, "plain")


def convert_identity(em: EmitterBase, node: QNode) -> None:
    """Identity, and Dropout in inference (training_mode false or ratio 0)."""
    x = node.inputs[0]
    if isinstance(x, Const):
        em.fail("Identity of a constant as a graph value is not supported")
    if node.op == "Dropout" and _training_dropout(node):
        em.fail("training_mode=1 with a non-zero ratio (random dropout) is not supported")
    v = em.get(x)
    em.put(node.outputs[0], v.value, v.layout)


def _training_dropout(node: QNode) -> bool:
    """Whether a Dropout (opset 12: inputs ratio, training_mode) drops values."""
    mode = node.inputs[2] if len(node.inputs) > 2 else None
    if mode is None or isinstance(mode, Const) and not np.any(mode.value):
        return False
    ratio = node.inputs[1] if len(node.inputs) > 1 else None
    if ratio is None:
        return True   # the default ratio 0.5
    return not isinstance(ratio, Const) or bool(np.any(ratio.real() != 0))


def convert_transpose(em: EmitterBase, node: QNode) -> None:
    x, out = node.inputs[0], node.outputs[0]
    v = em.get(x)
    rank = len(x.shape)
    perm = list(node.attrs.get("perm", list(range(rank))[::-1]))
    if _free_as_nhwc(em, v, perm, out):
        return
    if v.layout == "nhwc":
        y = em.transpose(v.value, [stored_axis(p, "nhwc") for p in perm])
    elif v.layout == "nlc":
        # The storage [N, L, 1, C] holds the bytes of [N, L, C]: ONNX dims
        # (0, 2, 1) in that order. A Transpose to [N, L, C] is then free.
        n, length, _, c = v.shape
        nlc = em.reshape(v.value, [n, length, c])
        y = em._move(nlc, [(0, 2, 1).index(p) for p in perm], list(out.shape))
    else:
        y = em.transpose(v.value, perm)
    em.put(out, y, "plain")


def _free_as_nhwc(em: EmitterBase, v, perm: list[int], out: Act) -> bool:
    """A 4-D Transpose whose result, stored NHWC, has the bytes of its input
    as stored (an exporter's NHWC -> NCHW Transpose of a plain input): no copy,
    the input is the NHWC result. Only when the ONNX-order result is not free."""
    if len(perm) != 4 or v.layout not in ("plain", "nhwc"):
        return False
    stored = TO_NHWC if v.layout == "nhwc" else (0, 1, 2, 3)
    as_plain = [stored.index(p) for p in perm]
    as_nhwc = [stored.index(perm[k]) for k in TO_NHWC]
    shape = ir.RankedTensorType(v.value.type).shape
    if not _same_bytes(shape, as_nhwc) or _same_bytes(shape, as_plain):
        return False
    em.put(out, em.reshape(v.value, to_stored(list(out.shape), "nhwc", fill=1)), "nhwc")
    return True


def _same_bytes(shape, perm) -> bool:
    """Whether transposing by `perm` moves only unit dimensions."""
    return [p for p in perm if shape[p] != 1] == [i for i, n in enumerate(shape) if n != 1]


def _requant_to(em: EmitterBase, x: Act, out: Act, value: ir.Value) -> ir.Value:
    if not em.quantized or x.same_quant(out):
        return value
    return em.rescale(value, em.i8, x.scale / out.scale, x.zp, out.zp)


def convert_concat(em: EmitterBase, node: QNode) -> None:
    out = node.outputs[0]
    ins = node.inputs
    acts = [x for x in ins if isinstance(x, Act)]
    if not acts:
        em.fail("Concat of constants only")
    vs = {id(x): em.get(x) for x in acts}
    layout = em.layout_of_inputs(list(vs.values()))
    axis = stored_axis(int(node.attrs.get("axis", 0)) % len(out.shape), layout)
    vals = [_requant_to(em, x, out, em.in_layout(vs[id(x)], layout)) if isinstance(x, Act)
            else _concat_constant(em, x, out, layout) for x in ins]
    shape = em.onnx_to_layout_shape(out.shape, layout)
    if len(vals) == 1:
        y = vals[0]
    else:
        y = tosa.concat(vals, axis, results=[em.tensor(shape)])
    em.put(out, y, layout)


def _concat_constant(em: EmitterBase, c: Const, out: Act, layout: str) -> ir.Value:
    """A constant operand of Concat (anchors, a learned token), in the output's
    quantization as onnxruntime gives it: QuantizeLinear of its real value."""
    real = c.real()
    if real.ndim != len(out.shape):
        em.fail(f"constant '{c.name}' has rank {real.ndim}, the output {len(out.shape)}")
    arr = em.const_to_layout(real, layout)
    if not em.quantized:
        return em.const(arr.astype(np.float32), em.f32)
    q = np.clip(np.round(arr.astype(np.float32) / np.float32(out.scale)) + out.zp, -128, 127)
    return em.const(q.astype(np.int8), em.i8)


def _slice(em: EmitterBase, value: ir.Value, begin, size) -> ir.Value:
    t = ir.RankedTensorType(value.type)
    if list(size) == list(t.shape):
        return value
    return tosa.slice(em.tensor(size, t.element_type), value, em.shape_const(begin),
                      em.shape_const(size))


def convert_split(em: EmitterBase, node: QNode) -> None:
    x = node.inputs[0]
    v = em.get(x)
    rank = len(x.shape)
    axis = int(node.attrs.get("axis", 0)) % rank
    at = stored_axis(axis, v.layout)
    base = v.value
    shape = list(ir.RankedTensorType(base.type).shape)
    start = 0
    for out in node.outputs:
        n = out.shape[axis]
        begin = [0] * len(shape)
        begin[at] = start
        size = list(shape)
        size[at] = n
        em.put(out, _slice(em, base, begin, size), v.layout)
        start += n


# Single-element slices one reversal, or one side of a reflect/edge pad, may
# take (each is a slice and an insert call on the runtime).
MAX_PIECES = 16
MAX_RANK = 6    # the runtime's tensors (plan format)


def _slice_inputs(em: EmitterBase, node: QNode):
    """starts, ends, axes, steps of a Slice: inputs from opset 10, attributes before."""
    consts = node.inputs[1:]
    if not all(isinstance(c, Const) or c is None for c in consts):
        em.fail("Slice starts/ends/axes/steps must be constant")

    def given(i, attr, default):
        if len(consts) > i and consts[i] is not None:
            return [int(v) for v in consts[i].value.reshape(-1)]
        return [int(v) for v in node.attrs.get(attr, default)]
    starts, ends = given(0, "starts", []), given(1, "ends", [])
    axes = given(2, "axes", range(len(starts)))
    steps = given(3, "steps", [1] * len(starts))   # an input only (opset 10)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        em.fail(f"Slice starts, ends, axes and steps differ in length "
                f"({len(starts)}, {len(ends)}, {len(axes)}, {len(steps)})")
    return starts, ends, axes, steps


def slice_ranges(em: EmitterBase, node: QNode) -> list[tuple[int, int, int]]:
    """Per ONNX axis, (start, count, step) of a Slice as the standard reads it:
    negative starts/ends count from the end; with a positive step both clamp
    to [0, dim], with a negative one start clamps to [0, dim - 1] and end to
    [-1, dim - 1] (so INT64_MAX / INT64_MIN mean "to the end")."""
    x = node.inputs[0]
    rank = len(x.shape)
    ranges = [(0, d, 1) for d in x.shape]
    seen = set()
    for s, e, ax, st in zip(*_slice_inputs(em, node)):
        if not -rank <= ax < rank:
            em.fail(f"Slice axis {ax} is out of range for a rank-{rank} input")
        ax %= rank
        if ax in seen:
            em.fail(f"Slice axis {ax} is given twice")
        seen.add(ax)
        if st == 0:
            em.fail(f"Slice step 0 on axis {ax} is invalid")
        dim = x.shape[ax]
        s, e = s + dim if s < 0 else s, e + dim if e < 0 else e
        if st > 0:
            s, e = min(max(s, 0), dim), min(max(e, 0), dim)
            count = (e - s + st - 1) // st
        else:
            s, e = min(max(s, 0), dim - 1), min(max(e, -1), dim - 1)
            count = (e - s + st + 1) // st
        if count <= 0:
            em.fail(f"Slice selects nothing on axis {ax} (empty tensors are not supported)")
        ranges[ax] = (s, count, st)
    return ranges


def _strided(em: EmitterBase, value: ir.Value, ranges) -> ir.Value:
    """`count` elements every `step` from `start` along each stored axis
    (steps >= 1), with contiguous slices and free reshapes only: an axis with
    step s is cut to whole groups of s (one crop slice, or a pad at the end
    when the last group is short), reshaped to [groups, s], and one slice keeps
    one index of the s. A strided slice then runs as one slice call."""
    shape = list(ir.RankedTensorType(value.type).shape)
    strided = [i for i, r in enumerate(ranges) if r[2] > 1]
    room = MAX_RANK - len(shape)
    if strided and room < 1:
        em.fail(f"a strided Slice of a rank-{len(shape)} tensor is not supported "
                f"(the runtime's tensors have at most {MAX_RANK} dims)")
    if len(strided) > room:   # in rounds, keeping the split rank within MAX_RANK
        now = strided[:room]
        first = [r if i in now or r[2] == 1 else (0, shape[i], 1) for i, r in enumerate(ranges)]
        rest = [(0, r[1], 1) if i in now or r[2] == 1 else r for i, r in enumerate(ranges)]
        return _strided(em, _strided(em, value, first), rest)
    crop_begin, crop_size, pad_end, split, begin, size = [], [], [], [], [], []
    for d, (s, n, st) in zip(shape, ranges):
        if st == 1:
            c, w, split_d, begin_d, size_d = 0, d, [d], [s], [n]
        else:
            if d % st == 0:                  # whole groups already
                c, w, r, g0 = 0, d, s % st, s // st
            else:                            # exactly n groups, in range if possible
                r, g0 = max(0, s + n * st - d), 0
                if r > s:
                    r = 0
                c, w = s - r, n * st
            split_d, begin_d, size_d = [w // st, st], [g0, r], [n, 1]
        crop_begin.append(c)
        crop_size.append(min(w, d - c))
        pad_end.append(w - min(w, d - c))
        split += split_d
        begin += begin_d
        size += size_d
    value = _slice(em, value, crop_begin, crop_size)
    if any(pad_end):   # the pad values are never selected
        shape = [s + p for s, p in zip(crop_size, pad_end)]
        flat = [p for pe in pad_end for p in (0, pe)]
        value = tosa.pad(em.tensor(shape), value, em.shape_const(flat),
                         em.const(np.array([0]), em.act_type))
    value = _slice(em, em.reshape(value, split), begin, size)
    return em.reshape(value, [r[1] for r in ranges])


def _pieces(em: EmitterBase, value: ir.Value, axis: int, indices) -> list[ir.Value]:
    """Single-element slices of `value` along `axis`, one per index."""
    shape = list(ir.RankedTensorType(value.type).shape)
    made: dict[int, ir.Value] = {}
    for i in indices:
        if i not in made:
            begin = [0] * len(shape)
            begin[axis] = i
            made[i] = _slice(em, value, begin, shape[:axis] + [1] + shape[axis + 1:])
    return [made[i] for i in indices]


def _pieces_run(em: EmitterBase, value: ir.Value, axis: int, lo: int, hi: int) -> list:
    shape = list(ir.RankedTensorType(value.type).shape)
    begin = [0] * len(shape)
    begin[axis] = lo
    return [_slice(em, value, begin, shape[:axis] + [hi - lo] + shape[axis + 1:])]


def _concat(em: EmitterBase, values: list[ir.Value], axis: int) -> ir.Value:
    if len(values) == 1:
        return values[0]
    shape = list(ir.RankedTensorType(values[0].type).shape)
    shape[axis] = sum(ir.RankedTensorType(v.type).shape[axis] for v in values)
    return tosa.concat(values, axis, results=[em.tensor(shape)])


def convert_slice(em: EmitterBase, node: QNode) -> None:
    """Slice, steps included. A negative step selects the same elements as a
    positive one, in reverse order: the reversal is single-element slices
    concatenated backwards, so only short axes (a BGR <-> RGB flip) are
    reversed."""
    x, out = node.inputs[0], node.outputs[0]
    v = em.get(x)
    ranges = slice_ranges(em, node)
    if [r[1] for r in ranges] != list(out.shape):
        em.fail(f"Slice output shape {[r[1] for r in ranges]} disagrees with the inferred "
                f"{list(out.shape)}")
    ascending, flips = [], []
    for ax, (s, n, st) in enumerate(ranges):
        if st < 0:
            if n > MAX_PIECES:
                em.fail(f"Slice with step {st} reverses {n} elements on axis {ax}: reversal "
                        f"is supported for at most {MAX_PIECES}")
            s, st = s + (n - 1) * st, -st
            if n > 1:
                flips.append(stored_axis(ax, v.layout))
        ascending.append((s, n, st if n > 1 else 1))   # one element: a plain crop
    y = _strided(em, v.value, to_stored(ascending, v.layout, fill=(0, 1, 1)))
    for axis in flips:
        n = ir.RankedTensorType(y.type).shape[axis]
        y = _concat(em, _pieces(em, y, axis, range(n - 1, -1, -1)), axis)
    em.put(out, y, v.layout)


def _pad_axis(em: EmitterBase, value: ir.Value, axis: int, before: int, after: int,
              mode: str) -> ir.Value:
    """`value` padded along `axis` in a copying mode, as one concat of slices:
    reflect mirrors the elements next to the border (the border itself not
    repeated), edge repeats the border element, wrap takes the other end."""
    dim = ir.RankedTensorType(value.type).shape[axis]
    if mode == "wrap":
        if max(before, after) > dim:
            em.fail(f"wrap padding of {max(before, after)} on an axis of {dim} is not "
                    f"supported (at most the axis size)")
        head = _pieces_run(em, value, axis, dim - before, dim) if before else []
        tail = _pieces_run(em, value, axis, 0, after) if after else []
        return _concat(em, head + [value] + tail, axis)
    if max(before, after) > MAX_PIECES:
        em.fail(f"{mode} padding of {max(before, after)} is not supported "
                f"(at most {MAX_PIECES})")
    if mode == "reflect":
        if max(before, after) >= dim:
            em.fail(f"reflect padding of {max(before, after)} on an axis of {dim} is not "
                    f"supported (at most {dim - 1}: the border is not repeated)")
        head = list(range(before, 0, -1))
        tail = list(range(dim - 2, dim - 2 - after, -1))
    else:   # edge
        head, tail = [0] * before, [dim - 1] * after
    return _concat(em, _pieces(em, value, axis, head) + [value] +
                   _pieces(em, value, axis, tail), axis)


def convert_pad(em: EmitterBase, node: QNode) -> None:
    """Pad. Constant mode is tosa.pad; reflect, edge and wrap copy input
    elements, so they are slices and a concat per padded axis, axis after
    axis (each pads the corners the previous one made, as np.pad does)."""
    x, out = node.inputs[0], node.outputs[0]
    v = em.get(x)
    rank = len(x.shape)
    mode = node.attrs.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode not in ("constant", "reflect", "edge", "wrap"):
        em.fail(f"Pad mode '{mode}' is not supported (constant, reflect, edge, wrap)")
    if len(node.inputs) > 1 and node.inputs[1] is not None:
        if not isinstance(node.inputs[1], Const):
            em.fail("pads must be constant")
        pads = [int(p) for p in node.inputs[1].value.reshape(-1)]
    else:
        pads = list(node.attrs.get("pads", []))
    axes = list(range(rank))
    if len(node.inputs) > 3 and node.inputs[3] is not None:
        axes = [int(a) % rank for a in node.inputs[3].value.reshape(-1)]
    before, after = [0] * rank, [0] * rank
    for i, ax in enumerate(axes):
        before[ax], after[ax] = pads[i], pads[len(axes) + i]
    if any(p < 0 for p in before + after):
        em.fail("negative pads (cropping) are not supported")
    value = 0.0
    if len(node.inputs) > 2 and isinstance(node.inputs[2], Const):
        value = float(node.inputs[2].real().reshape(-1)[0])
    before = to_stored(before, v.layout, fill=0)
    after = to_stored(after, v.layout, fill=0)
    if mode != "constant":
        y = v.value
        for axis, (b, a) in enumerate(zip(before, after)):
            if b or a:
                y = _pad_axis(em, y, axis, b, a, mode)
        em.put(out, y, v.layout)
        return
    flat = [p for pair in zip(before, after) for p in pair]
    if em.quantized:
        q = int(np.clip(np.round(value / x.scale) + x.zp, -128, 127))
        pad_const = em.const(np.array([q]), em.i8)
    else:
        pad_const = em.const(np.array([value], np.float32), em.f32)
    shape = [s + b + a for s, b, a in zip(list(ir.RankedTensorType(v.value.type).shape), before, after)]
    y = tosa.pad(em.tensor(shape), v.value, em.shape_const(flat), pad_const)
    em.put(out, y, v.layout)


def _block(em: EmitterBase, node: QNode) -> int:
    b = int(node.attrs.get("blocksize", 0))
    if b < 1:
        em.fail(f"blocksize {b} is invalid (at least 1)")
    return b


def convert_depth_to_space(em: EmitterBase, node: QNode) -> None:
    """DepthToSpace on the NHWC image: out[h*b + i, w*b + j, c'] reads channel
    (i*b + j)*C' + c' (DCR) or c'*b*b + i*b + j (CRD) of in[h, w]. One
    transpose between free reshapes: DCR moves i across W in a rank-4
    [N*H, W, b, b*C'], CRD also brings c' last in a rank-5 [N*H, W, C', b, b]."""
    x, out = node.inputs[0], node.outputs[0]
    b = _block(em, node)
    mode = node.attrs.get("mode", b"DCR")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if len(x.shape) != 4:
        em.fail(f"DepthToSpace of a rank-{len(x.shape)} tensor is invalid (4-D NCHW only)")
    n, c, h, w = x.shape
    if c % (b * b):
        em.fail(f"{c} channels are not a multiple of blocksize^2 = {b * b}")
    cc = c // (b * b)
    xv = em.as_nhwc(em.get(x))
    if mode == "DCR":
        y = em._move(em.reshape(xv, [n * h, w, b, b * cc]), [0, 2, 1, 3], [n, h * b, w * b, cc])
    elif mode == "CRD":
        y = em._move(em.reshape(xv, [n * h, w, cc, b, b]), [0, 3, 1, 4, 2], [n, h * b, w * b, cc])
    else:
        em.fail(f"DepthToSpace mode '{mode}' is invalid (DCR or CRD)")
    em.put(out, y, "nhwc")


def convert_space_to_depth(em: EmitterBase, node: QNode) -> None:
    """SpaceToDepth, the inverse of DepthToSpace: out[h, w] channel
    (i*b + j)*C + c (DCR, the default) or c*b*b + i*b + j (CRD, opset 28)
    reads in[h*b + i, w*b + j, c]. In NHWC, DCR is a rank-4 [N*H/b, b, W/b,
    b*C] with its middle axes swapped; CRD also brings c first in a rank-5
    [N*H/b, b, W/b, b, C]."""
    x, out = node.inputs[0], node.outputs[0]
    b = _block(em, node)
    mode = node.attrs.get("mode", b"DCR")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if len(x.shape) != 4:
        em.fail(f"SpaceToDepth of a rank-{len(x.shape)} tensor is invalid (4-D NCHW only)")
    n, c, h, w = x.shape
    if h % b or w % b:
        em.fail(f"spatial size {h}x{w} is not a multiple of blocksize {b}")
    xv = em.as_nhwc(em.get(x))
    shape = [n, h // b, w // b, b * b * c]
    if mode == "DCR":
        y = em._move(em.reshape(xv, [n * h // b, b, w // b, b * c]), [0, 2, 1, 3], shape)
    elif mode == "CRD":
        y = em._move(em.reshape(xv, [n * h // b, b, w // b, b, c]), [0, 2, 4, 1, 3], shape)
    else:
        em.fail(f"SpaceToDepth mode '{mode}' is invalid (DCR or CRD)")
    em.put(out, y, "nhwc")
