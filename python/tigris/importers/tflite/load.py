"""Reading a `.tflite` flatbuffer (schema v3) with the `tflite` package.

The result is a plain view of subgraph 0: tensors with their shapes, types,
quantization and constant data, and operators with their builtin names and
options tables. Nothing here knows about MLIR.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tigris.errors import ModelError

IDENTIFIER = b"TFL3"

# tflite.TensorType -> numpy dtype (the types int8 models use).
_DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64,
           6: np.bool_, 7: np.int16, 9: np.int8, 10: np.float64}
_TYPE_NAMES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 5: "string",
               6: "bool", 7: "int16", 9: "int8", 10: "float64", 17: "int4", 20: "resource"}


def is_tflite(path: str) -> bool:
    """A TFLite flatbuffer carries the file identifier TFL3 at bytes 4..8."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return len(head) == 8 and head[4:8] == IDENTIFIER


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    type: int                                  # tflite.TensorType
    scale: np.ndarray | None = None            # float64 (from float32), per tensor or channel
    zp: np.ndarray | None = None
    axis: int = 0                              # quantized_dimension
    data: np.ndarray | None = None             # constant data, shaped

    @property
    def type_name(self) -> str:
        return _TYPE_NAMES.get(self.type, f"type {self.type}")

    @property
    def quantized(self) -> bool:
        return self.scale is not None and self.scale.size > 0


@dataclass
class Operator:
    index: int
    name: str                                  # builtin name, e.g. CONV_2D
    inputs: list[int]                          # tensor indices, -1 for an absent optional input
    outputs: list[int]
    options: object = None                     # the flatbuffer options table (or None)
    custom: str | None = None


@dataclass
class TFLiteModel:
    label: str
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: list[int]
    outputs: list[int]
    subgraphs: int = 1
    extra: dict = field(default_factory=dict)


class OptionsError(AttributeError):
    """A field the operator's options table does not have (a table of another type)."""


class Options:
    """An operator's options table read once, while the file is being checked:
    `options.StrideH()` as on the generated class, every scalar field read
    up front (a damaged table fails at load, in one line)."""

    def __init__(self, table):
        self._values = {}
        for name in dir(type(table)):
            if name.startswith("_") or name in ("Init",) or name.startswith("GetRootAs") \
                    or "BufferHasIdentifier" in name:
                continue
            fn = getattr(table, name)
            if not callable(fn):
                continue
            try:
                value = fn()
            except TypeError:     # a vector element accessor Name(j): its AsNumpy is read
                continue
            self._values[name] = value

    def __getattr__(self, name):
        values = self.__dict__.get("_values", {})
        if name not in values:
            raise OptionsError(name)
        return lambda: values[name]


def builtin_names() -> dict[int, str]:
    import tflite
    return {v: k for k, v in vars(tflite.BuiltinOperator).items()
            if not k.startswith("_") and isinstance(v, int)}


def _options_classes() -> dict[int, type]:
    """tflite.BuiltinOptions code -> its generated table class."""
    import importlib

    import tflite
    out = {}
    for name, code in vars(tflite.BuiltinOptions).items():
        if name.startswith("_") or not isinstance(code, int) or code == 0:
            continue
        try:
            out[code] = getattr(importlib.import_module(f"tflite.{name}"), name)
        except (ImportError, AttributeError):
            pass
    return out


def load_tflite(path: str, label: str) -> TFLiteModel:
    try:
        with open(path, "rb") as f:
            buf = f.read()
    except OSError as e:
        raise ModelError(f"{label}: cannot read: {e.strerror or e}") from None
    try:
        return _parse(bytearray(buf), label)
    except ModelError:
        raise
    except Exception as e:   # a damaged flatbuffer: offsets out of range, bad tables
        raise ModelError(f"{label}: not a readable TFLite model ({type(e).__name__}: "
                         f"{str(e).splitlines()[0] if str(e) else 'malformed flatbuffer'})") from None


def _parse(buf: bytearray, label: str) -> TFLiteModel:
    import tflite
    if len(buf) < 8 or bytes(buf[4:8]) != IDENTIFIER:
        raise ModelError(f"{label}: not a TFLite model (no TFL3 identifier)")
    model = tflite.Model.GetRootAs(buf, 0)
    if model.SubgraphsLength() < 1:
        raise ModelError(f"{label}: the model has no subgraph")
    names, options = builtin_names(), _options_classes()
    tensors, ops, ins, outs = _subgraph(model, 0, label, names, options)
    if not ops or not outs:
        raise ModelError(f"{label}: the model has no operators or no outputs")
    result = TFLiteModel(label, tensors, ops, ins, outs, model.SubgraphsLength())
    # The subgraphs CALL_ONCE runs first (streaming state's initial values).
    for op in ops:
        if op.name == "CALL_ONCE" and op.options is not None:
            k = int(op.options.InitSubgraphIndex())
            if not 0 < k < model.SubgraphsLength():
                raise ModelError(f"{label}: operator {op.index} (CALL_ONCE) names subgraph {k}, "
                                 f"the model has {model.SubgraphsLength()}")
            t, o, _, _ = _subgraph(model, k, label, names, options)
            result.extra.setdefault("init", []).append((k, t, o))
    return result


def _subgraph(model, k: int, label: str, names: dict, options: dict):
    """(tensors, operators, input indices, output indices) of subgraph `k`."""
    where = "" if k == 0 else f"subgraph {k}: "
    sg = model.Subgraphs(k)
    tensors = []
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        shape = tuple(int(s) for s in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        if any(s < 0 for s in shape):
            raise ModelError(f"{label}: {where}tensor {i} has a negative dimension {list(shape)}")
        tensor = Tensor(i, (t.Name() or b"").decode("utf-8", "replace") or f"t{i}", shape, t.Type())
        q = t.Quantization()
        if q is not None and q.ScaleLength():
            tensor.scale = q.ScaleAsNumpy().astype(np.float64)
            tensor.zp = (q.ZeroPointAsNumpy().astype(np.int64) if q.ZeroPointLength()
                         else np.zeros(tensor.scale.size, np.int64))
            tensor.axis = int(q.QuantizedDimension())
        b = model.Buffers(t.Buffer()) if t.Buffer() < model.BuffersLength() else None
        if b is not None and b.Offset() > 1:
            raise ModelError(f"{label}: {where}tensor {i} keeps its data outside the flatbuffer "
                             "(models over 2 GB are not supported)")
        if b is not None and b.DataLength():
            dtype = _DTYPES.get(tensor.type)
            if dtype is None:
                raise ModelError(f"{label}: {where}constant tensor {i} '{tensor.name}' has type "
                                 f"{tensor.type_name}, which is not supported")
            raw = b.DataAsNumpy().tobytes()
            count = int(np.prod(shape)) if shape else 1
            if len(raw) != count * np.dtype(dtype).itemsize:
                raise ModelError(f"{label}: {where}constant tensor {i} '{tensor.name}' holds "
                                 f"{len(raw)} bytes, its shape {list(shape)} needs "
                                 f"{count * np.dtype(dtype).itemsize}")
            tensor.data = np.frombuffer(raw, dtype).reshape(shape).copy()
        tensors.append(tensor)
    ops = []
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        builtin = max(int(code.BuiltinCode()), int(code.DeprecatedBuiltinCode()))
        name = names.get(builtin, f"builtin {builtin}")
        custom = None
        if name == "CUSTOM":
            custom = (code.CustomCode() or b"").decode("utf-8", "replace")
        opts = None
        cls = options.get(op.BuiltinOptionsType())
        table = op.BuiltinOptions()
        if cls is not None and table is not None:
            opts = cls()
            opts.Init(table.Bytes, table.Pos)
            opts = Options(opts)
        ins = [int(x) for x in op.InputsAsNumpy()] if op.InputsLength() else []
        outs = [int(x) for x in op.OutputsAsNumpy()] if op.OutputsLength() else []
        for x in ins + outs:
            if not -1 <= x < len(tensors):
                raise ModelError(f"{label}: {where}operator {i} ({name}) names tensor {x}, the "
                                 f"subgraph has {len(tensors)}")
        ops.append(Operator(i, name, ins, outs, opts, custom))
    ins = [int(x) for x in sg.InputsAsNumpy()] if sg.InputsLength() else []
    outs = [int(x) for x in sg.OutputsAsNumpy()] if sg.OutputsLength() else []
    for x in ins + outs:
        if not 0 <= x < len(tensors):
            raise ModelError(f"{label}: {where}a graph input or output names tensor {x}, the "
                             f"subgraph has {len(tensors)}")
    return tensors, ops, ins, outs
