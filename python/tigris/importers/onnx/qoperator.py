"""QOperator nodes (QLinearConv, QGemm, QLinearAdd, ...): each becomes the
QNode of the float operator it stands for, its int8 operands and output
quantized as the node's scale and zero-point inputs say. `r` is the resolver
(value, new_act, quant_const)."""
from __future__ import annotations

import numpy as np
from onnx import helper

from tigris.errors import ModelError
from tigris.importers.onnx.graph import Act, Const, QNode

QLINEAR = {"QLinearConv": "Conv", "QLinearMatMul": "MatMul", "QLinearAdd": "Add",
           "QLinearMul": "Mul", "QLinearAveragePool": "AveragePool",
           "QLinearGlobalAveragePool": "GlobalAveragePool", "QLinearConcat": "Concat",
           "QGemm": "Gemm", "QLinearSigmoid": "Sigmoid", "QLinearLeakyRelu": "LeakyRelu",
           "QLinearSoftmax": "Softmax"}


def qlinear_node(r, node, op: str, label: str) -> QNode:
    """The QNode of QOperator `node`: the float operator `op` it stands for,
    its int8 operands and output quantized as its scale/zero-point inputs say."""
    a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    v = [r.value(i) if i else None for i in node.input]

    def act(i: int, si: int, zi: int) -> Act:
        x = v[i]
        if not isinstance(x, Act):
            raise ModelError(f"node '{label}' ({node.op_type}): input {i} must be an activation")
        return x

    def out(si: int, zi: int, name: str | None = None) -> Act:
        zc = v[zi] if zi < len(v) else None
        return r.new_act(name or node.output[0], v[si].value, zc.value if zc else None,
                            r._is_uint8(zc))

    def weight(i, si, zi):
        return r.quant_const(node.input[i], v[si], v[zi] if zi < len(v) else None, 0)

    if op == "Conv":
        x, w = act(0, 1, 2), weight(3, 4, 5)
        inputs = [x, w]
        if len(v) > 8 and v[8] is not None:
            inputs.append(Const(node.input[8], v[8].value.astype(np.int64),
                                np.asarray(v[1].value).reshape(-1)[0] * np.asarray(w.scale), np.zeros(1), 0))
        q = QNode(label, op, inputs, [out(6, 7)], a)
    elif op == "MatMul":
        x = act(0, 1, 2)
        w = r.quant_const(node.input[3], v[4], v[5], 1)
        q = QNode(label, op, [x, w], [out(6, 7)], a)
    elif op == "Gemm":
        x = act(0, 1, 2)
        w = r.quant_const(node.input[3], v[4], v[5], 0 if a.get("transB", 0) else 1)
        inputs = [x, w]
        if len(v) > 6 and v[6] is not None:
            inputs.append(Const(node.input[6], v[6].value.astype(np.int64),
                                np.asarray(v[1].value).reshape(-1)[0] * np.asarray(w.scale), np.zeros(1), 0))
        if len(v) > 7 and v[7] is not None:
            q = QNode(label, op, inputs, [out(7, 8)], a)
        else:
            raise ModelError(f"node '{label}' (QGemm): float output not supported")
    elif op in ("Add", "Mul"):
        inputs = [v[0] if isinstance(v[0], Act) else r.quant_const(node.input[0], v[1], v[2], None),
                  v[3] if isinstance(v[3], Act) else r.quant_const(node.input[3], v[4], v[5], None)]
        q = QNode(label, op, inputs, [out(6, 7)], a)
    elif op in ("AveragePool", "GlobalAveragePool", "Sigmoid", "LeakyRelu"):
        if a.get("channels_last", 0):
            raise ModelError(f"node '{label}' ({node.op_type}): channels_last=1 not supported")
        q = QNode(label, op, [act(0, 1, 2)], [out(3, 4)], a)
    elif op == "Softmax":
        q = QNode(label, op, [act(0, 1, 2)], [out(3, 4)], a)
    elif op == "Concat":
        ins = [v[i] for i in range(2, len(v), 3)]
        if not all(isinstance(x, Act) for x in ins):
            raise ModelError(f"node '{label}' (QLinearConcat): constant inputs not supported")
        q = QNode(label, op, ins, [out(0, 1)], a)
    else:
        raise ModelError(f"node '{label}' ({node.op_type}): operator not supported")
    return q
