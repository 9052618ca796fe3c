"""Model-level input/output conversion: the model's own float NCHW tensors
<-> the int8 tensors (in the function's layout) that plans compute on."""
from __future__ import annotations

import numpy as np

from tigris.dialects import op_attrs


def io_specs(func_op) -> tuple[list[dict], list[dict]]:
    """The `tigris.inputs` / `tigris.outputs` records the importer put on the function."""
    a = op_attrs(func_op)
    return a.get("tigris.inputs", []), a.get("tigris.outputs", [])


def quantize_input(x: np.ndarray, spec: dict) -> np.ndarray:
    """A model input (its ONNX shape) -> int8 in the function's layout.
    Float data is quantized with the input's scale; int8 data is taken as is."""
    x = np.asarray(x)
    if list(x.shape) != list(spec["shape"]):
        raise ValueError(f"input '{spec['name']}' has shape {list(x.shape)}, "
                         f"the model expects {list(spec['shape'])}")
    if x.dtype == np.int8:
        q = x
    elif x.dtype == np.uint8 and spec.get("uint8"):
        q = (x.astype(np.int16) - 128).astype(np.int8)
    elif np.issubdtype(x.dtype, np.floating):
        nan = int(np.count_nonzero(np.isnan(x)))
        if nan:
            # Refused, not quantized: the ONNX standard gives NaN no int8 value
            # (onnxruntime on x86-64 happens to give -128, whatever the zero
            # point). +-inf saturate to -128/127 below, as QuantizeLinear does.
            raise ValueError(f"input '{spec['name']}' holds {nan} NaN value(s); give finite "
                             "numbers (+-inf saturate, NaN has no int8 value)")
        with np.errstate(all="ignore"):     # overflow to +-inf saturates, as intended
            q = np.clip(np.round(x.astype(np.float64) / spec["scale"]) + spec["zero_point"],
                        -128, 127).astype(np.int8)
    else:
        raise ValueError(f"input '{spec['name']}' has dtype {x.dtype}; give float32 or int8")
    if spec["layout"] == "nhwc":
        q = q.transpose(0, 2, 3, 1)
    return np.ascontiguousarray(q)


def to_model_layout(y: np.ndarray, spec: dict) -> np.ndarray:
    """An int8 output in the function's layout -> the model's own layout."""
    return np.ascontiguousarray(y.transpose(0, 3, 1, 2)) if spec["layout"] == "nhwc" else y


def dequantize_output(y: np.ndarray, spec: dict) -> np.ndarray:
    return ((to_model_layout(y, spec).astype(np.float64) - spec["zero_point"])
            * spec["scale"]).astype(np.float32)
