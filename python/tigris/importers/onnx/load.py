"""Reading an ONNX file: every way it can be broken becomes one clear ModelError."""
from __future__ import annotations

import os

import math
import re

import onnx
from onnx import TensorProto, helper, numpy_helper

from tigris.errors import ModelError, UsageError
from tigris.importers.onnx.contrib_shapes import infer_with_contrib

SUPPORTED_INPUT_TYPES = {TensorProto.FLOAT: "float32", TensorProto.INT8: "int8",
                         TensorProto.UINT8: "uint8"}
SUPPORTED_CONST_TYPES = {TensorProto.FLOAT, TensorProto.INT8, TensorProto.UINT8,
                         TensorProto.INT32, TensorProto.INT64, TensorProto.BOOL}
# The newest IR version and default-domain opset whose schemas the installed
# onnx package (shape inference, the constant folder) knows.
MAX_IR_VERSION = onnx.IR_VERSION
MAX_OPSET = onnx.defs.onnx_opset_version()


def _type_name(elem_type: int) -> str:
    try:
        return TensorProto.DataType.Name(elem_type).lower()
    except ValueError:
        return f"type {elem_type}"


def parse_input_shapes(specs: list[str] | None) -> dict[str, list[int]]:
    """`name:1x3x96x96` strings -> {name: [1, 3, 96, 96]}."""
    shapes: dict[str, list[int]] = {}
    for spec in specs or []:
        name, sep, dims = spec.rpartition(":")
        try:
            values = [int(d) for d in dims.lower().split("x")]
        except ValueError:
            values = []
        if not sep or not name or not values or any(v <= 0 for v in values):
            raise UsageError(f"bad --input-shape '{spec}': expected NAME:D1xD2x... with positive sizes")
        shapes[name] = values
    return shapes


def load_model(path: str, input_shapes: dict[str, list[int]] | None = None) -> onnx.ModelProto:
    """Load, check and shape-infer an ONNX model; raise ModelError on any problem."""
    label = os.path.basename(path)
    if os.path.isdir(path):
        raise ModelError(f"{path}: is a directory, not a file")
    if not os.path.isfile(path):
        raise ModelError(f"{path}: no such file")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ModelError(f"{path}: cannot read: {e.strerror}") from None
    if not data:
        raise ModelError(f"{label}: empty file, not an ONNX model")
    try:
        model = onnx.load_from_string(data)
    except Exception:
        raise ModelError(f"{label}: not an ONNX model, or the file is truncated or corrupt "
                         "(protobuf parse failed)") from None
    if model.ir_version <= 0 or not model.HasField("graph"):
        raise ModelError(f"{label}: not an ONNX model (no graph)")
    _check_versions(model, label)
    if len(model.graph.node) == 0:
        raise ModelError(f"{label}: the graph has no nodes, nothing to import")
    if len(model.graph.output) == 0:
        raise ModelError(f"{label}: the graph has no outputs, nothing to compute")
    _check_single_definitions(model, label)
    _check_attributes(model, label)
    _load_external_data(model, path, label)
    _check_types(model, label)
    _check_constant_data(model, label)
    _set_input_shapes(model, input_shapes or {}, label)
    def infer(m):
        try:
            # check_type: every operand's type against its operator's schema
            # (an int32 QuantizeLinear zero point), as onnxruntime checks it.
            return onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True,
                                                     data_prop=True)
        except Exception as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ModelError(f"{label}: {_inference_error(first)}") from None
    return infer_with_contrib(infer(model), infer)


def _check_versions(model: onnx.ModelProto, label: str) -> None:
    """The IR version and the default-domain opset must be ones onnx's schemas
    cover (onnxruntime refuses newer ones too)."""
    if model.ir_version > MAX_IR_VERSION:
        raise ModelError(f"{label}: IR version {model.ir_version} is newer than this tigris "
                         f"reads (at most {MAX_IR_VERSION})")
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx") and not 1 <= o.version <= MAX_OPSET:
            raise ModelError(f"{label}: opset {o.version} of the default ONNX domain is not one "
                             f"this tigris knows (1 to {MAX_OPSET})")


def _check_single_definitions(model: onnx.ModelProto, label: str) -> None:
    """Every node output is a new name: not a graph input, an initializer or
    another node's output (ONNX graphs are single-assignment)."""
    defined = {i.name for i in model.graph.input} | {t.name for t in model.graph.initializer}
    for n in model.graph.node:
        for o in n.output:
            if not o:
                continue
            if o in defined:
                raise ModelError(f"{label}: node '{n.name or n.op_type}' ({n.op_type}) defines "
                                 f"'{o}', which is already defined (a graph input, an "
                                 "initializer or another node's output)")
            defined.add(o)


def _attribute_type(t: int) -> str:
    return onnx.AttributeProto.AttributeType.Name(t).lower()


def _check_attributes(model: onnx.ModelProto, label: str) -> None:
    """The attributes of standard operators: names and types their schema has
    (onnxruntime refuses the others too)."""
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    if opset is None:
        return
    for n in model.graph.node:
        if n.domain not in ("", "ai.onnx"):
            continue
        try:
            schema = onnx.defs.get_schema(n.op_type, opset, "")
        except onnx.defs.SchemaError:
            continue        # not an operator at this opset: the importer says so
        name = n.name or (n.output[0] if n.output else n.op_type)
        where = f"{label}: node '{name}' ({n.op_type})"
        for a in n.attribute:
            spec = schema.attributes.get(a.name)
            if spec is None:
                raise ModelError(f"{where}: the {a.name} attribute is not part of "
                                 f"{n.op_type} at opset {opset}")
            if a.type != int(spec.type.value):
                raise ModelError(f"{where}: attribute '{a.name}' is of type "
                                 f"{_attribute_type(a.type)}, {n.op_type} takes "
                                 f"{_attribute_type(int(spec.type.value))}")


def _constant_tensors(model: onnx.ModelProto):
    """(what, tensor) of every initializer and every Constant node's value."""
    for t in model.graph.initializer:
        yield f"initializer '{t.name}'", t
    for n in model.graph.node:
        if n.op_type == "Constant" and n.domain in ("", "ai.onnx"):
            for a in n.attribute:
                if a.type == onnx.AttributeProto.TENSOR:
                    yield f"the value of Constant node '{n.name or n.output[0]}'", a.t


def _check_constant_data(model: onnx.ModelProto, label: str) -> None:
    """Every constant holds exactly the elements its dims declare."""
    for what, t in _constant_tensors(model):
        dims = list(t.dims)
        if any(d < 0 for d in dims):
            raise ModelError(f"{label}: {what} has a negative dimension in {dims}")
        if t.data_location == TensorProto.EXTERNAL or t.data_type not in SUPPORTED_CONST_TYPES:
            continue   # checked when loaded / refused by _check_types
        count = math.prod(dims)
        if t.HasField("raw_data"):
            need = count * helper.tensor_dtype_to_np_dtype(t.data_type).itemsize
            if len(t.raw_data) != need:
                raise ModelError(f"{label}: {what} has {len(t.raw_data)} bytes of data; its "
                                 f"dims {dims} of {_type_name(t.data_type)} need {need}")
            continue
        have = len(getattr(t, helper.tensor_dtype_to_field(t.data_type)))
        if have != count:
            raise ModelError(f"{label}: {what} has {have} values; its dims {dims} need {count}")


_NODE_ERROR = re.compile(r"\(op_type:(\w+), node name: ([^)]*)\): (?:\[\w+\] )?"
                         r"(?:Node with schema\([^)]*\) )?(.*)$")
_TYPE_ERROR = re.compile(r"^(\w+) typestr: (\w+), has unsupported type: tensor\((\w+)\)")


def _inference_error(first: str) -> str:
    """onnx's inference error as the reason of a one-line message: `node 'n'
    (Op): what is wrong` when it names a node."""
    m = _NODE_ERROR.search(first)
    if not m:
        return f"shape inference failed: {first}"
    op, node, reason = m.groups()
    t = _TYPE_ERROR.match(reason)
    if t:
        operand, constraint, elem = t.groups()
        return (f"node '{node}' ({op}): {operand} has type {elem}, which the ONNX standard "
                f"does not allow there (type constraint {constraint})")
    return f"node '{node}' ({op}): shape inference failed: {reason}"


def _load_external_data(model: onnx.ModelProto, path: str, label: str) -> None:
    base = os.path.dirname(os.path.abspath(path))
    external = [t for t in model.graph.initializer
                if t.data_location == TensorProto.EXTERNAL]
    for t in external:
        location = next((e.value for e in t.external_data if e.key == "location"), None)
        if location is None:
            raise ModelError(f"{label}: initializer '{t.name}' has external data without a location")
        full = os.path.normpath(os.path.join(base, location))
        if not full.startswith(base + os.sep):
            raise ModelError(f"{label}: initializer '{t.name}' points outside the model folder "
                             f"('{location}')")
        if not os.path.isfile(full):
            raise ModelError(f"{label}: external data file '{location}' not found "
                             f"(needed by initializer '{t.name}')")
        info = {e.key: e.value for e in t.external_data}
        try:
            end = int(info.get("offset") or 0) + int(info.get("length") or 0)
        except ValueError:
            raise ModelError(f"{label}: initializer '{t.name}' has a bad external data "
                             "offset or length") from None
        size = os.path.getsize(full)
        if end > size:
            raise ModelError(f"{label}: external data file '{location}' is truncated "
                             f"(initializer '{t.name}' needs {end} bytes, the file has {size})")
    if external:
        try:
            onnx.external_data_helper.load_external_data_for_model(model, base)
        except Exception as e:
            raise ModelError(f"{label}: cannot read external data: {str(e).splitlines()[0]}") from None
        for t in external:
            try:
                numpy_helper.to_array(t)
            except Exception:
                raise ModelError(f"{label}: external data of initializer '{t.name}' is "
                                 "truncated") from None


def _check_types(model: onnx.ModelProto, label: str) -> None:
    init_names = {t.name for t in model.graph.initializer}
    for inp in model.graph.input:
        if inp.name in init_names:
            continue
        tt = inp.type.tensor_type
        if not inp.type.HasField("tensor_type"):
            raise ModelError(f"{label}: input '{inp.name}' is not a tensor")
        if tt.elem_type not in SUPPORTED_INPUT_TYPES:
            raise ModelError(f"{label}: input '{inp.name}' has unsupported type "
                             f"{_type_name(tt.elem_type)} (float32, int8 or uint8 expected)")
    for t in model.graph.initializer:
        if t.data_type not in SUPPORTED_CONST_TYPES:
            raise ModelError(f"{label}: initializer '{t.name}' has unsupported type "
                             f"{_type_name(t.data_type)}")


def _set_input_shapes(model: onnx.ModelProto, shapes: dict[str, list[int]], label: str) -> None:
    init_names = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in init_names]
    unknown = set(shapes) - {i.name for i in inputs}
    if unknown:
        raise ModelError(f"{label}: --input-shape names unknown input '{sorted(unknown)[0]}' "
                         f"(inputs: {', '.join(i.name for i in inputs)})")
    for inp in inputs:
        dims = inp.type.tensor_type.shape.dim
        if inp.name in shapes:
            want = shapes[inp.name]
            if len(dims) and len(want) != len(dims):
                raise ModelError(f"{label}: --input-shape for '{inp.name}' has rank {len(want)}, "
                                 f"the model's input has rank {len(dims)}")
            for d, v in zip(dims, want):
                if d.HasField("dim_value") and d.dim_value > 0 and d.dim_value != v:
                    raise ModelError(f"{label}: --input-shape for '{inp.name}' conflicts with its "
                                     f"fixed size {d.dim_value}")
            del inp.type.tensor_type.shape.dim[:]
            for v in want:
                inp.type.tensor_type.shape.dim.add().dim_value = v
            continue
        text = "x".join(d.dim_param or (str(d.dim_value) if d.HasField("dim_value") else "?")
                        for d in dims)
        bad = [i for i, d in enumerate(dims) if d.HasField("dim_value") and d.dim_value <= 0]
        if bad:
            size = dims[bad[0]].dim_value
            raise ModelError(f"{label}: input '{inp.name}' has size {size} in dimension "
                             f"{bad[0]} of [{text}]; every size must be positive")
        if not inp.type.tensor_type.HasField("shape"):
            raise ModelError(f"{label}: input '{inp.name}' has no shape; give "
                             f"--input-shape {inp.name}:D1xD2x...")
        if any(not d.HasField("dim_value") or d.dim_value <= 0 for d in dims):
            raise ModelError(f"{label}: input '{inp.name}' has dynamic shape [{text}]; give "
                             f"--input-shape {inp.name}:1x...")
