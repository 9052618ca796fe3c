"""Gather of an activation by constant indices (PyTorch's `x[:, 0]`,
`x[:, [2, 0, 1]]`): data movement, so it runs on int8 codes as slices.

Runs of consecutive indices are one slice each, concatenated along the axis
(at most MAX_PIECES runs); a scalar index drops the axis, a free reshape.
quantize_static quantizes Gather in QDQ with the input's quantization
(QDQGather), so no arithmetic is involved.
"""
from __future__ import annotations

import numpy as np

from tigris.importers.onnx.emit_core import EmitterBase, stored_axis
from tigris.importers.onnx.graph import Act, Const, QNode
from tigris.importers.onnx.ops_shape import MAX_PIECES, _concat, _pieces_run


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """[lo, hi) runs of consecutive increasing indices."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][1] == i:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    return [(lo, hi) for lo, hi in runs]


def convert_gather(em: EmitterBase, node: QNode) -> None:
    x, idx = node.inputs[0], node.inputs[1]
    out = node.outputs[0]
    if not isinstance(x, Act):
        em.fail("the data input must be an activation (a Gather of constants is folded)")
    if not isinstance(idx, Const):
        em.fail("indices must be constant")
    rank = len(x.shape)
    axis = int(node.attrs.get("axis", 0))
    if not -rank <= axis < rank:
        em.fail(f"axis {axis} is out of range for rank {rank}")
    axis %= rank
    ind = np.asarray(idx.value).astype(np.int64)
    if ind.ndim > 1:
        em.fail(f"indices of rank {ind.ndim} are not supported (a scalar or a list)")
    dim = x.shape[axis]
    flat = [int(i) + dim if i < 0 else int(i) for i in ind.reshape(-1)]
    if any(not 0 <= i < dim for i in flat) or not flat:
        em.fail(f"indices {ind.reshape(-1).tolist()} out of range for an axis of {dim}")
    runs = _runs(flat)
    if len(runs) > MAX_PIECES:
        em.fail(f"indices make {len(runs)} runs of consecutive elements: at most "
                f"{MAX_PIECES} are supported")
    v = em.get(x)
    if ind.ndim == 1:   # the rank stays: gather in the stored layout
        at = stored_axis(axis, v.layout)
        pieces = [p for lo, hi in runs for p in _pieces_run(em, v.value, at, lo, hi)]
        em.put(out, _concat(em, pieces, at), v.layout)
        return
    plain = em.as_plain(v)
    (lo, hi), = runs
    y = _pieces_run(em, plain, axis, lo, hi)[0]
    em.put(out, em.reshape(y, list(out.shape)), "plain")
