"""TensorFlow Lite's own interpreter with its reference kernels
(`ai-edge-litert`, OpResolverType.BUILTIN_REF): the second oracle of the
TFLite importer's tests, and the only one for operators TFLM lacks
(RELU_N1_TO_1). Skips the calling test when the package is absent."""
from __future__ import annotations

import numpy as np
import pytest


def litert(data: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    mod = pytest.importorskip("ai_edge_litert.interpreter")
    it = mod.Interpreter(model_content=data,
                         experimental_op_resolver_type=mod.OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], np.ascontiguousarray(x, d["dtype"]))
    it.invoke()
    return [np.array(it.get_tensor(d["index"])) for d in it.get_output_details()]
