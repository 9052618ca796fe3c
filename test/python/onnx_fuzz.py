"""Structural fuzzing of ONNX models through the tigris CLI.

A mutant is one of the small int8 models of test/Inputs with one to three
structural mutations: graph input shapes and ranks, initializer dims, data
types, node attributes, initializer data, and the graph's wiring (operands
swapped or dangling, nodes deleted, duplicated, reordered or retyped, cycles,
outputs moved). Mutant i of seed s is always the same model.

Each mutant goes through `tigris compile` (one in four through `tigris
analyze`) in this process, and the outcome must be one of:

  plan      exit 0, and the C runtime loads the plan and runs it;
  refused   exit 2 or 3 with one line `tigris: ...`, no output file left;

anything else (an internal error, a traceback, several lines, a numpy
warning, a leftover output, a plan the runtime rejects) is a failure.

test_onnx_fuzz.py runs a bounded number of mutants; bench/onnx_fuzz.py runs
long campaigns in worker processes (a crash or a hang is then a failure too).
"""
from __future__ import annotations

import contextlib
import io
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import AttributeProto, TensorProto, helper, numpy_helper

INPUTS = Path(__file__).resolve().parents[1] / "Inputs"
SEEDS = ["tiny_conv_relu", "tiny_depthwise", "tiny_concat", "tiny_residual_add", "tiny_qop_conv"]
DIMS = [0, -1, 1, 2, 3, 5, 7, 16, 33, 64, 1 << 31, 1 << 40]
TYPES = [TensorProto.FLOAT, TensorProto.INT8, TensorProto.UINT8, TensorProto.INT32,
         TensorProto.INT64, TensorProto.INT16, TensorProto.DOUBLE, TensorProto.FLOAT16,
         TensorProto.BOOL]
OPS = ["Relu", "Add", "Mul", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "Concat",
       "Sigmoid", "Reshape", "Transpose", "Softmax", "Identity", "QuantizeLinear",
       "DequantizeLinear", "Clip", "Pad", "Flatten", "Gemm", "MatMul", "Resize", "Slice",
       "LeakyRelu", "Tanh", "Squeeze", "Unsqueeze", "Split", "ReduceMean", "QLinearConv"]
ATTRS = {"group": [0, 1, 2, 3, 4, -1, 8], "strides": [[1, 1], [2, 2], [0, 1], [3, 1], [1]],
         "pads": [[1, 1, 1, 1], [0, 0, 0, 0], [-1, 0, 0, 0], [9, 9, 9, 9], [1, 1]],
         "dilations": [[1, 1], [2, 2], [0, 1], [5, 5]], "kernel_shape": [[3, 3], [1, 1], [9, 9],
                                                                          [0, 3], [3]],
         "axis": [0, 1, 2, 3, -1, 4, -5], "perm": [[0, 2, 3, 1], [0, 1], [3, 2, 1, 0]],
         "auto_pad": ["SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET", "BOGUS"],
         "alpha": [0.0, -1.0, float("nan"), 1e30], "keepdims": [0, 1, 2]}
BUDGETS = ["64K", "64K", "2K", "300", "16K+1M"]


def load_seeds() -> dict[str, onnx.ModelProto]:
    return {name: onnx.load(INPUTS / f"{name}.onnx") for name in SEEDS}


# ---------------------------------------------------------------------------
# mutations: each takes (model, rng), changes the model in place and returns a
# short description, or None when it does not apply to this model
# ---------------------------------------------------------------------------

def _pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def _tensor_names(m) -> list[str]:
    names = {i.name for i in m.graph.input} | {t.name for t in m.graph.initializer}
    for n in m.graph.node:
        names.update(o for o in n.output if o)
    return sorted(names)


def _input_dims(m):
    dims = m.graph.input[0].type.tensor_type.shape.dim
    return dims if len(dims) else None


def mut_input_dim(m, rng):
    dims = _input_dims(m)
    if dims is None:
        return None
    axis, value = int(rng.integers(len(dims))), _pick(rng, DIMS)
    dims[axis].Clear()
    dims[axis].dim_value = value
    return f"input dim {axis} = {value}"


def mut_input_rank(m, rng):
    dims = m.graph.input[0].type.tensor_type.shape.dim
    if rng.random() < 0.5 and len(dims):
        del dims[int(rng.integers(len(dims)))]
        return "input rank - 1"
    dims.add().dim_value = _pick(rng, [1, 2, 8])
    return "input rank + 1"


def mut_input_symbolic(m, rng):
    dims = _input_dims(m)
    if dims is None:
        return None
    axis = int(rng.integers(len(dims)))
    dims[axis].Clear()
    dims[axis].dim_param = "N"
    return f"input dim {axis} symbolic"


def mut_input_type(m, rng):
    t = _pick(rng, TYPES)
    m.graph.input[0].type.tensor_type.elem_type = t
    return f"input type {TensorProto.DataType.Name(t)}"


def mut_output_decl(m, rng):
    o = m.graph.output[int(rng.integers(len(m.graph.output)))]
    o.type.tensor_type.elem_type = _pick(rng, TYPES)
    shape = o.type.tensor_type.shape
    shape.Clear()
    for v in rng.integers(1, 9, int(rng.integers(0, 5))):
        shape.dim.add().dim_value = int(v)
    return f"output '{o.name}' declared type/shape"


def _initializer(m, rng):
    if not m.graph.initializer:
        return None
    return m.graph.initializer[int(rng.integers(len(m.graph.initializer)))]


def mut_init_dims(m, rng):
    t = _initializer(m, rng)
    if t is None:
        return None
    dims = list(t.dims)
    r = rng.random()
    if r < 0.4 and len(dims) > 1:
        dims = list(rng.permutation(dims))          # same count, another shape
    elif r < 0.7:
        dims = dims + [1] if rng.random() < 0.5 else dims[1:]
    else:
        dims = [int(_pick(rng, [0, 1, 2, 3, 5, -1]))] + dims[1:]
    del t.dims[:]
    t.dims.extend(int(d) for d in dims)
    return f"initializer '{t.name}' dims {dims}"


def mut_init_type(m, rng):
    t = _initializer(m, rng)
    if t is None:
        return None
    new = _pick(rng, TYPES)
    if rng.random() < 0.5:
        t.data_type = new                                    # the bytes kept as they are
        return f"initializer '{t.name}' type {TensorProto.DataType.Name(new)} (raw)"
    a = numpy_helper.to_array(t)
    dtype = helper.tensor_dtype_to_np_dtype(new)
    with np.errstate(all="ignore"):
        t.CopyFrom(numpy_helper.from_array(a.astype(dtype), t.name))
    return f"initializer '{t.name}' converted to {TensorProto.DataType.Name(new)}"


def mut_init_data(m, rng):
    t = _initializer(m, rng)
    if t is None:
        return None
    r = rng.random()
    if r < 0.3 and t.HasField("raw_data"):
        cut = int(rng.integers(0, max(len(t.raw_data), 1)))
        t.raw_data = t.raw_data[:cut] if rng.random() < 0.7 else t.raw_data + b"\1" * (cut + 1)
        return f"initializer '{t.name}' raw_data resized"
    a = numpy_helper.to_array(t).copy()
    if a.size == 0:
        return None
    if np.issubdtype(a.dtype, np.floating):
        v = _pick(rng, [0.0, -1.0, float("nan"), float("inf"), 1e30, 1e-30, -0.5])
    else:
        info = np.iinfo(a.dtype) if np.issubdtype(a.dtype, np.integer) else None
        v = _pick(rng, [info.min, info.max, 0, 1, -1] if info else [0, 1])
    with np.errstate(all="ignore"):
        flat = a.reshape(-1)
        if rng.random() < 0.5:
            flat[int(rng.integers(flat.size))] = v
        else:
            flat[:] = v
    t.CopyFrom(numpy_helper.from_array(flat.reshape(a.shape), t.name))
    return f"initializer '{t.name}' values {v}"


def mut_init_delete(m, rng):
    t = _initializer(m, rng)
    if t is None:
        return None
    m.graph.initializer.remove(t)
    return f"initializer '{t.name}' deleted"


def mut_init_duplicate(m, rng):
    t = _initializer(m, rng)
    if t is None:
        return None
    m.graph.initializer.append(t)
    return f"initializer '{t.name}' twice"


def mut_init_as_input(m, rng):
    t = _initializer(m, rng)
    if t is None:
        return None
    m.graph.input.append(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
    return f"initializer '{t.name}' also a graph input"


def _node(m, rng):
    return m.graph.node[int(rng.integers(len(m.graph.node)))] if m.graph.node else None


def mut_attribute(m, rng):
    n = _node(m, rng)
    if n is None:
        return None
    r = rng.random()
    if r < 0.2 and len(n.attribute):
        a = n.attribute[int(rng.integers(len(n.attribute)))]
        n.attribute.remove(a)
        return f"node '{n.name}' attribute {a.name} deleted"
    if r < 0.3:
        n.attribute.append(helper.make_attribute("no_such_attribute", 1))
        return f"node '{n.name}' unknown attribute"
    if r < 0.45 and len(n.attribute):
        a = n.attribute[int(rng.integers(len(n.attribute)))]
        name = a.name
        n.attribute.remove(a)
        kind = _pick(rng, [7, [7, 7], 0.5, "x"])
        n.attribute.append(helper.make_attribute(name, kind))
        return f"node '{n.name}' attribute {name} retyped"
    name = _pick(rng, sorted(ATTRS))
    for a in list(n.attribute):
        if a.name == name:
            n.attribute.remove(a)
    value = _pick(rng, ATTRS[name])
    n.attribute.append(helper.make_attribute(name, value))
    return f"node '{n.name}' {name}={value}"


def mut_swap_inputs(m, rng):
    n = _node(m, rng)
    if n is None or len(n.input) < 2:
        return None
    i, j = rng.choice(len(n.input), 2, replace=False)
    n.input[int(i)], n.input[int(j)] = n.input[int(j)], n.input[int(i)]
    return f"node '{n.name}' inputs {i} and {j} swapped"


def mut_rewire_input(m, rng):
    n = _node(m, rng)
    if n is None or not len(n.input):
        return None
    i = int(rng.integers(len(n.input)))
    r = rng.random()
    new = "no_such_tensor" if r < 0.2 else n.output[0] if r < 0.3 else "" if r < 0.4 else \
        _pick(rng, _tensor_names(m))
    n.input[i] = new
    return f"node '{n.name}' input {i} := '{new}'"


def mut_extra_input(m, rng):
    n = _node(m, rng)
    if n is None:
        return None
    if rng.random() < 0.5 and len(n.input):
        del n.input[-1]
        return f"node '{n.name}' last input removed"
    n.input.append(_pick(rng, _tensor_names(m) + [""]))
    return f"node '{n.name}' one more input"


def mut_delete_node(m, rng):
    n = _node(m, rng)
    if n is None:
        return None
    m.graph.node.remove(n)
    return f"node '{n.name}' deleted"


def mut_duplicate_node(m, rng):
    n = _node(m, rng)
    if n is None:
        return None
    m.graph.node.append(n)
    return f"node '{n.name}' twice"


def mut_reorder(m, rng):
    nodes = list(m.graph.node)
    order = rng.permutation(len(nodes)) if rng.random() < 0.5 else range(len(nodes) - 1, -1, -1)
    del m.graph.node[:]
    m.graph.node.extend(nodes[int(i)] for i in order)
    return "nodes reordered"


def mut_op_type(m, rng):
    n = _node(m, rng)
    if n is None:
        return None
    op = _pick(rng, OPS)
    old = n.op_type
    n.op_type = op
    n.domain = "com.microsoft" if op.startswith("QLinear") and rng.random() < 0.5 else ""
    return f"node '{n.name}' {old} -> {op}"


def mut_graph_output(m, rng):
    o = m.graph.output[int(rng.integers(len(m.graph.output)))]
    r = rng.random()
    if r < 0.4:
        name = _pick(rng, _tensor_names(m) + ["no_such_tensor"])
        o.name = name
        return f"graph output := '{name}'"
    if r < 0.7:
        name = _pick(rng, _tensor_names(m))
        m.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
        return f"second graph output '{name}'"
    m.graph.output.append(o)
    return "graph output twice"


def mut_opset(m, rng):
    v = _pick(rng, [1, 7, 10, 11, 12, 13, 18, 19, 21, 23, 0, -3])
    m.opset_import[0].version = v
    return f"opset {v}"


MUTATIONS = {
    "shapes": [mut_input_dim, mut_input_rank, mut_input_symbolic, mut_output_decl],
    "dims": [mut_init_dims],
    "dtypes": [mut_input_type, mut_init_type],
    "attributes": [mut_attribute, mut_opset],
    "initializers": [mut_init_data, mut_init_delete, mut_init_duplicate, mut_init_as_input],
    "wiring": [mut_swap_inputs, mut_rewire_input, mut_extra_input, mut_delete_node,
               mut_duplicate_node, mut_reorder, mut_op_type, mut_graph_output],
}


@dataclass
class Mutant:
    index: int
    seed_model: str
    command: str                 # compile | analyze
    budget: str
    changes: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    model: onnx.ModelProto | None = None


def make_mutant(seeds: dict[str, onnx.ModelProto], seed: int, index: int) -> Mutant:
    rng = np.random.default_rng([seed, index])
    name = _pick(rng, SEEDS)
    model = onnx.ModelProto()
    model.CopyFrom(seeds[name])
    mu = Mutant(index, name, "analyze" if rng.random() < 0.25 else "compile",
                _pick(rng, BUDGETS), model=model)
    for _ in range(int(rng.integers(1, 4))):
        for _attempt in range(4):
            kind = _pick(rng, sorted(MUTATIONS))
            try:
                what = _pick(rng, MUTATIONS[kind])(model, rng)
            except (ValueError, TypeError, IndexError, OverflowError):
                what = None     # an earlier change left the tensor unreadable
            if what is not None:
                mu.changes.append(what)
                mu.kinds.append(kind)
                break
    return mu


# ---------------------------------------------------------------------------
# running a mutant
# ---------------------------------------------------------------------------

@dataclass
class Outcome:
    kind: str            # plan | refused | failure
    code: int
    line: str            # the error line (refused), or what went wrong (failure)


def _cli(argv: list[str]) -> tuple[int, str]:
    from tigris.cli import main
    err = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(err), \
            contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("always")
        code = main(argv)
    text = err.getvalue() + "".join(f"{w.category.__name__}: {w.message}\n" for w in caught)
    return code, text


def run_mutant(mu: Mutant, folder: Path) -> Outcome:
    """The mutant through the CLI in `folder` (emptied of its files afterwards)."""
    model_path = folder / f"m{mu.index}.onnx"
    out = folder / f"m{mu.index}.tgrs"
    model_path.write_bytes(mu.model.SerializeToString())
    if mu.command == "compile":
        argv = ["compile", str(model_path), "-m", mu.budget, "-o", str(out)]
    else:
        argv = ["analyze", str(model_path), "-m", mu.budget, "--json"]
    try:
        code, err = _cli(argv)
        left = sorted(p.name for p in folder.iterdir() if p not in (model_path, out))
        if left:
            return Outcome("failure", code, f"files left behind: {left}")
        return _judge(mu, code, err, out)
    finally:
        for p in folder.iterdir():
            if p.is_file():
                p.unlink()


def _judge(mu: Mutant, code: int, err: str, out: Path) -> Outcome:
    # Notes (`tigris: note: ...`, a model changed to fit the kernels) may come first.
    lines = [ln for ln in err.splitlines() if not ln.startswith("tigris: note: ")]
    if code in (2, 3):
        if len(lines) != 1 or not lines[0].startswith("tigris: ") or "internal error" in err:
            return Outcome("failure", code, " | ".join(lines)[:300] or "(no message)")
        if out.exists():
            return Outcome("failure", code, f"output left behind: {lines[0]}")
        return Outcome("refused", code, lines[0])
    if code != 0:
        return Outcome("failure", code, " | ".join(lines)[:300] or "(no message)")
    bad = [ln for ln in lines if not ln.startswith("tigris: ") or "internal error" in ln]
    if bad:
        return Outcome("failure", code, bad[0][:300])
    if mu.command == "compile":
        return _check_plan(out)
    return Outcome("plan", 0, "")


def _check_plan(out: Path) -> Outcome:
    from tigris.plan.host import HostPlan
    from tigris.plan.reader import read_plan
    data = out.read_bytes()
    try:
        plan = read_plan(data)
        host = HostPlan(data, plan)
        xs = [np.zeros(plan.tensors[d.tensor].count, np.int8) for d in plan.inputs]
        host.run(xs)
    except Exception as e:      # the compiler wrote a plan the runtime refuses: a bug
        return Outcome("failure", 0, f"plan rejected or failed: {type(e).__name__}: {e}"[:300])
    return Outcome("plan", 0, "")


def error_kind(line: str) -> str:
    """An error line without the file name and the numbers: for counting kinds."""
    import re
    text = line.split(": ", 2)[-1] if line.count(": ") >= 2 else line
    text = re.sub(r"'[^']*'", "'_'", text)
    return re.sub(r"-?\d+(\.\d+)?", "N", text)[:90]


__all__ = ["load_seeds", "make_mutant", "run_mutant", "Mutant", "Outcome", "MUTATIONS",
           "error_kind"]
