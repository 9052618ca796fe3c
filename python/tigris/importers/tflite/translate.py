"""A TFLite model -> the ONNX importer's QGraph: every operator through its
converter (tigris.importers.tflite.ops), state variables as plan inputs and
outputs. Kept apart from convert.py, which the converters import."""
from __future__ import annotations

from tigris.errors import ModelError
from tigris.importers.onnx.graph import QGraph
from tigris.importers.tflite import ops
from tigris.importers.tflite.convert import Converter
from tigris.importers.tflite.load import OptionsError
from tigris.importers.tflite.state import PREFIX, find_state


def translate(cv: Converter) -> QGraph:
    cv.find_edges()
    state = find_state(cv.m)
    for v in state:      # each variable: a plan input (its value) and output (the next)
        cv.m.inputs.append(v.read)
        cv.m.outputs.append(v.value)
        for a in v.aliases:
            cv.alias[a] = v.read
    missing = [op for op in cv.m.operators if op.name not in ops.CONVERTERS]
    if missing:   # every unsupported operator named before any is converted
        names = [f"CUSTOM '{op.custom}'" if op.name == "CUSTOM" else op.name for op in missing]
        errors = [f"operator {op.index} ({n})" for op, n in zip(missing, names)]
        more = f" and {len(errors) - 6} more" if len(errors) > 6 else ""
        kinds = sorted(set(names))
        raise ModelError(", ".join(errors[:6]) + more + " not supported" +
                         (f" ({len(kinds)} kinds: {', '.join(kinds)})" if more else "") +
                         "; docs/tflite-import.md lists the supported operators")
    for op in cv.m.operators:
        cv.op = op
        if op.name in ("QUANTIZE", "DEQUANTIZE") and cv.is_edge(op):
            continue
        need_in, need_out = ops.ARITY.get(op.name, (1, 1))
        if len(op.inputs) < need_in or len(op.outputs) < need_out:
            cv.fail(f"has {len(op.inputs)} inputs and {len(op.outputs)} outputs; "
                      f"{op.name} needs {need_in} and {need_out}")
        if op.options is None and op.name in ops.NEEDS_OPTIONS:
            cv.fail("has no options table")
        try:
            ops.CONVERTERS[op.name](cv, op)
        except OptionsError as e:
            cv.fail(f"its options table has no field {e} (options of another operator)")
    cv.op = None
    inputs = [cv.act(i) for i in cv.m.inputs]
    outputs = [cv.act(i) for i in cv.m.outputs]
    names = [cv.tensor(i).name for i in cv.m.inputs]
    onames = [cv.tensor(i).name for i in cv.m.outputs]
    k_in, k_out = len(names) - len(state), len(onames) - len(state)
    for j, v in enumerate(state):
        names[k_in + j] = onames[k_out + j] = PREFIX + v.name
    return QGraph("model", inputs, outputs, cv.nodes, True, cv.uint8, names, onames)
