"""Float ONNX -> int8 QDQ ONNX with onnxruntime's static quantization, in the form
the tigris importer reads: int8 activations (asymmetric) and int8 weights
(symmetric, per channel or per tensor), MinMax calibration.

`tigris quantize` and the test zoo (test/models/zoo.py) both quantize here.

Calibration data (`load_calibration`):
- an `.npz`: one array per model input, keyed by the input's name (a
  single-input model may use any one key), each holding one sample (the
  input's shape) or a stack of samples (a leading sample axis);
- a folder of `.npy` files: one per input name (`<input>.npy`, one sample or a
  stack, as in the .npz), or, for a single-input model, one file per sample
  (any names, read in sorted order; a file may hold a stack too).
Without data, `random_calibration` draws seeded standard-normal samples.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx

from tigris.errors import ModelError, UsageError

RANDOM_SAMPLES = 8
_ONNX_FLOAT = {onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.FLOAT16: np.float16,
               onnx.TensorProto.DOUBLE: np.float64}


@contextlib.contextmanager
def quiet_logging():
    """Mute onnxruntime.quantization's root-logger warnings without installing a handler."""
    root = logging.getLogger()
    handler = None
    if not root.handlers:  # logging.warning() would call basicConfig() otherwise
        handler = logging.NullHandler()
        root.addHandler(handler)
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)
        if handler is not None:
            root.removeHandler(handler)


def quantize_static_int8(model, out: Path, feeds: list[dict], per_channel: bool = True,
                         qoperator: bool = False) -> onnx.ModelProto:
    """Quantize `model` (a ModelProto or a path) calibrated on `feeds` (dicts input name
    -> float array), write it to `out` and return it: QDQ (or QOperator) with int8
    activations and symmetric int8 weights, MinMax calibration. The graph's
    value_info keeps only tensors that still exist."""
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)

    class Reader(CalibrationDataReader):
        def __init__(self, feeds):
            self.it = iter(feeds)

        def get_next(self):
            return next(self.it, None)

    with quiet_logging(), contextlib.redirect_stdout(sys.stderr):
        quantize_static(model, out, Reader(feeds),
                        quant_format=QuantFormat.QOperator if qoperator else QuantFormat.QDQ,
                        per_channel=per_channel, reduce_range=False,
                        activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax,
                        extra_options={"WeightSymmetric": True, "ActivationSymmetric": False})
    q = onnx.load(str(out))
    # quantize_static keeps the float graph's inferred value_info, including
    # tensors it renamed or removed (a Conv's output when its Relu was folded).
    live = {o for nd in q.graph.node for o in nd.output}
    kept = [v for v in q.graph.value_info if v.name in live]
    del q.graph.value_info[:]
    q.graph.value_info.extend(kept)
    return q


# ---- the command's side: inputs, calibration files, preprocessing

def float_inputs(model: onnx.ModelProto) -> list[tuple[str, list[int], type]]:
    """(name, shape, numpy dtype) of the graph inputs that are not initializers;
    symbolic or unknown dimensions are 1."""
    inits = {i.name for i in model.graph.initializer}
    out = []
    for i in model.graph.input:
        if i.name in inits:
            continue
        t = i.type.tensor_type
        dtype = _ONNX_FLOAT.get(t.elem_type)
        if dtype is None:
            raise ModelError(f"input '{i.name}' is not float "
                             f"({onnx.TensorProto.DataType.Name(t.elem_type)}): tigris quantize "
                             "takes a float32 model")
        out.append((i.name, [d.dim_value if d.dim_value > 0 else 1 for d in t.shape.dim], dtype))
    return out


def _samples(array: np.ndarray, shape: list[int], where: str) -> list[np.ndarray]:
    """One sample of `shape`, or a stack of them (a leading sample axis)."""
    a = np.asarray(array)
    if not np.issubdtype(a.dtype, np.floating) and not np.issubdtype(a.dtype, np.integer):
        raise UsageError(f"{where}: {a.dtype} data, not numbers")
    if list(a.shape) == shape:
        return [a.astype(np.float32)]
    if a.ndim == len(shape) + 1 and list(a.shape[1:]) == shape and a.shape[0] > 0:
        return [s.astype(np.float32) for s in a]
    raise UsageError(f"{where}: shape {list(a.shape)}, expected {shape} or [N, "
                     f"{', '.join(map(str, shape))}]")


def _feeds(per_input: dict[str, list[np.ndarray]], inputs, where: str) -> list[dict]:
    counts = {len(v) for v in per_input.values()}
    if len(counts) != 1:
        raise UsageError(f"{where}: the inputs have different sample counts "
                         f"({', '.join(f'{k}: {len(v)}' for k, v in per_input.items())})")
    n = counts.pop()
    return [{name: per_input[name][k].astype(dtype) for name, _, dtype in inputs}
            for k in range(n)]


def _load(path: Path, npz: bool = False):
    try:
        data = np.load(path, allow_pickle=False)
        if npz and not isinstance(data, np.lib.npyio.NpzFile):
            raise ValueError("a .npy array, not an .npz archive")
        if not npz and not isinstance(data, np.ndarray):
            raise ValueError("not a .npy array")
        return data
    except (OSError, ValueError, EOFError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else \
            (str(e).splitlines() or [type(e).__name__])[0]
        raise UsageError(f"cannot read calibration data '{path}': {reason}") from None


def load_calibration(path: str, inputs) -> list[dict]:
    """Calibration samples from an .npz or a folder of .npy files (module docstring)."""
    p = Path(path)
    names = [n for n, _, _ in inputs]
    shapes = {n: s for n, s, _ in inputs}
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix == ".npy" and f.is_file())
        if not files:
            raise UsageError(f"calibration folder '{path}' has no .npy files")
        by_name = {f.stem: f for f in files}
        if all(n in by_name for n in names):
            per_input = {n: _samples(_load(by_name[n]), shapes[n], str(by_name[n]))
                         for n in names}
        elif len(names) == 1:
            per_input = {names[0]: [s for f in files
                                    for s in _samples(_load(f), shapes[names[0]], str(f))]}
        else:
            raise UsageError(f"calibration folder '{path}': a model with {len(names)} inputs "
                             f"needs one .npy per input, named {', '.join(n + '.npy' for n in names)}")
        return _feeds(per_input, inputs, path)
    if not p.exists():
        raise UsageError(f"cannot read calibration data '{path}': No such file or directory")
    with _load(p, npz=True) as z:
        keys = list(z.keys())
        if not keys:
            raise UsageError(f"calibration archive '{path}' holds no arrays")
        if all(n in keys for n in names):
            chosen = {n: n for n in names}
        elif len(names) == 1 and len(keys) == 1:
            chosen = {names[0]: keys[0]}
        else:
            raise UsageError(f"calibration archive '{path}' has arrays {', '.join(keys)}; "
                             f"expected one per model input: {', '.join(names)}")
        per_input = {n: _samples(z[k], shapes[n], f"{path}[{k}]") for n, k in chosen.items()}
    return _feeds(per_input, inputs, path)


def random_calibration(inputs, count: int = RANDOM_SAMPLES, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [{name: rng.standard_normal(shape).astype(dtype) for name, shape, dtype in inputs}
            for _ in range(count)]


def is_quantized(model: onnx.ModelProto) -> bool:
    ops = {n.op_type for n in model.graph.node}
    return bool(ops & {"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul",
                       "ConvInteger", "MatMulInteger"})


def preprocess(path: str, out: Path) -> None:
    """onnxruntime's quantization preprocessing: shape inference and the basic graph
    optimizations (BatchNormalization folded into the convolutions, constants folded)."""
    from onnxruntime.quantization.shape_inference import quant_pre_process
    with quiet_logging(), contextlib.redirect_stdout(sys.stderr):
        quant_pre_process(path, str(out), skip_symbolic_shape=True)


def quantize_file(path: str, calibration: str | None, per_channel: bool,
                  warn=None) -> bytes:
    """`tigris quantize`: the bytes of the int8 QDQ model."""
    label = os.path.basename(path)
    try:
        model = onnx.load(path)
    except FileNotFoundError:
        raise ModelError(f"cannot read '{path}': No such file or directory") from None
    except Exception as e:  # onnx's DecodeError and friends
        raise ModelError(f"{label}: not an ONNX model ({type(e).__name__})") from None
    if not model.graph.node:
        raise ModelError(f"{label}: not an ONNX model (no graph nodes)")
    if is_quantized(model):
        raise ModelError(f"{label}: already quantized (it has quantization operators); "
                         "tigris compile takes it as it is")
    inputs = float_inputs(model)
    if calibration is None:
        feeds = random_calibration(inputs)
        if warn:
            warn(f"no --calibration: calibrating {label} on {len(feeds)} seeded random "
                 "standard-normal inputs; the scales will not suit real data")
    else:
        feeds = load_calibration(calibration, inputs)
    with tempfile.TemporaryDirectory(prefix="tigris-quantize.") as d:
        pre = Path(d) / "pre.onnx"
        try:
            preprocess(path, pre)
            q = quantize_static_int8(str(pre), Path(d) / "q.onnx", feeds, per_channel)
        except (UsageError, ModelError):
            raise
        except Exception as e:
            first = (str(e).splitlines() or [type(e).__name__])[0]
            raise ModelError(f"{label}: onnxruntime could not quantize it: {first}") from None
    return q.SerializeToString()


__all__ = ["quantize_static_int8", "quantize_file", "load_calibration", "random_calibration",
           "quiet_logging"]
