"""Output shapes of the com.microsoft quantized ops, which ONNX shape
inference does not know; with them, inference runs on through the graph."""
from __future__ import annotations

import math

import onnx
from onnx import helper

from tigris.importers.onnx.ops_conv import conv_padding, lift_1d_attrs


class _Quiet:
    node = None

    def fail(self, reason):
        raise ValueError(reason)


def _pool_shape(shape, a, global_pool):
    """[N, C, H, W] or [N, C, L] (1-D: pooled as [N, C, L, 1], like the emitter)."""
    if len(shape) not in (3, 4):
        return None
    n, c, *spatial = shape
    if global_pool:
        return [n, c] + [1] * len(spatial)
    if len(spatial) == 1:
        a = lift_1d_attrs(_Quiet(), a)
        spatial = spatial + [1]
    h, w = spatial
    k = list(a.get("kernel_shape"))
    s = list(a.get("strides", [1, 1]))
    pad = conv_padding(_Quiet(), a, (h, w), k, s, [1, 1])
    rnd = math.ceil if a.get("ceil_mode", 0) else math.floor
    oh = rnd((h + pad[0] + pad[1] - k[0]) / s[0]) + 1
    ow = rnd((w + pad[2] + pad[3] - k[1]) / s[1]) + 1
    return [n, c, oh, ow][:len(shape)]


def _broadcast(a, b):
    r = max(len(a), len(b))
    a, b = [1] * (r - len(a)) + list(a), [1] * (r - len(b)) + list(b)
    return [max(x, y) for x, y in zip(a, b)]


def contrib_output_shape(node, shapes: dict) -> list[int] | None:
    attrs = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    ins = [shapes.get(i) for i in node.input]
    op = node.op_type
    if op in ("QLinearAdd", "QLinearMul") and ins[0] is not None and ins[3] is not None:
        return _broadcast(ins[0], ins[3])
    if op in ("QLinearSigmoid", "QLinearLeakyRelu", "QLinearSoftmax") and ins[0] is not None:
        return list(ins[0])
    if op in ("QLinearAveragePool", "QLinearGlobalAveragePool") and ins[0] is not None:
        if attrs.get("channels_last", 0):
            return None
        return _pool_shape(ins[0], attrs, op == "QLinearGlobalAveragePool")
    if op == "QLinearConcat":
        parts = ins[2::3]
        if any(p is None for p in parts):
            return None
        axis = attrs.get("axis", 0) % len(parts[0])
        out = list(parts[0])
        out[axis] = sum(p[axis] for p in parts)
        return out
    if op == "QGemm" and ins[0] is not None and ins[3] is not None:
        m = ins[0][1] if attrs.get("transA", 0) else ins[0][0]
        n = ins[3][0] if attrs.get("transB", 0) else ins[3][1]
        return [m, n]
    return None


def infer_with_contrib(model: onnx.ModelProto, infer) -> onnx.ModelProto:
    """Alternate ONNX inference and contrib-op rules until nothing new is learnt."""
    for _ in range(64):
        shapes = {}
        types = {}
        for vi in list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output):
            t = vi.type.tensor_type
            if t.HasField("shape") and all(d.HasField("dim_value") for d in t.shape.dim):
                shapes[vi.name] = [d.dim_value for d in t.shape.dim]
                types[vi.name] = t.elem_type
        for init in model.graph.initializer:
            shapes[init.name] = list(init.dims)
            types[init.name] = init.data_type
        added = False
        for node in model.graph.node:
            if node.domain != "com.microsoft" or node.output[0] in shapes:
                continue
            shape = contrib_output_shape(node, shapes)
            if shape is None:
                continue
            zp_index = {"QLinearConcat": 1}.get(node.op_type, len(node.input) - 1)
            elem = types.get(node.input[zp_index], onnx.TensorProto.INT8)
            model.graph.value_info.append(helper.make_tensor_value_info(node.output[0], elem, shape))
            added = True
        if not added:
            return model
        model = infer(model)
    return model
