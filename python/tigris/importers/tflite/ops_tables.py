"""TFLite elementwise operators as int8 lookup tables computed with TFLM's
integer kernels (tflm_tables.py): LOGISTIC, TANH, RELU, RELU6, RELU_N1_TO_1,
LEAKY_RELU, HARD_SWISH, PRELU; and SOFTMAX, a table of exponentials for the
softmax_tfl kernel (tigris.reference.gemmlowp)."""
from __future__ import annotations

from tigris.importers.tflite import tflm_tables
from tigris.importers.tflite.convert import INT8, Converter
from tigris.importers.tflite.load import Operator
from tigris.reference import gemmlowp


def _table(cv: Converter, op: Operator, table: list[int]) -> None:
    cv.add("Table", [cv.act(op.inputs[0])], [cv.act(op.outputs[0])], {"table": table})


def _fixed_output(cv: Converter, op: Operator, scale: float, zp: int) -> None:
    out = cv.act(op.outputs[0])
    if out.scale != scale or out.zp != zp:
        cv.fail(f"the output has scale {out.scale:.6g} and zero point {out.zp}; TFLite's int8 "
                f"kernel needs {scale:.6g} and {zp}")


def logistic(cv: Converter, op: Operator) -> None:
    _fixed_output(cv, op, 1 / 256, -128)
    x = cv.act(op.inputs[0])
    _table(cv, op, tflm_tables.logistic_table(x.scale, x.zp))


def tanh(cv: Converter, op: Operator) -> None:
    _fixed_output(cv, op, 1 / 128, 0)
    x = cv.act(op.inputs[0])
    _table(cv, op, tflm_tables.tanh_table(x.scale, x.zp))


def relu(cv: Converter, op: Operator) -> None:
    x, out = cv.act(op.inputs[0]), cv.act(op.outputs[0])
    if op.name == "RELU":
        table = tflm_tables.relu_table(x.scale, x.zp, out.scale, out.zp, 0.0, None)
    elif op.name == "RELU_N1_TO_1":     # requantizes like RELU (TFLite's ReluX, bounds +-1)
        table = tflm_tables.relu_table(x.scale, x.zp, out.scale, out.zp, -1.0, 1.0)
    else:   # RELU6 clamps the int8 values: TFLite keeps one quantization
        if not x.same_quant(out):
            cv.fail("RELU6 with different input and output quantization")
        table = tflm_tables.relu_table(x.scale, x.zp, x.scale, x.zp, 0.0, 6.0)
    _table(cv, op, table)


def softmax(cv: Converter, op: Operator) -> None:
    """SOFTMAX over the last axis, int8 in and out (TFLite's fixed output
    quantization 1/256, -128): the softmax_tfl kernel with the exponentials
    of beta * s_in * (x - max) as TFLite computes them."""
    _fixed_output(cv, op, 1 / 256, -128)
    if cv.tensor(op.inputs[0]).type != INT8:
        cv.fail(f"the input is {cv.tensor(op.inputs[0]).type_name}; int8 is supported")
    x = cv.act(op.inputs[0])
    beta = float(op.options.Beta()) if op.options is not None else 1.0
    table = gemmlowp.softmax_exp_table(x.scale, beta)
    if table is None:
        cv.fail(f"beta {beta:.6g} times the input scale {x.scale:.6g} is too small for "
                "TFLite's int8 softmax")
    cv.add("SoftmaxTFL", [x], [cv.act(op.outputs[0])], {"exp_table": table})


def leaky_relu(cv: Converter, op: Operator) -> None:
    x, out = cv.act(op.inputs[0]), cv.act(op.outputs[0])
    _table(cv, op, tflm_tables.leaky_relu_table(x.scale, x.zp, out.scale, out.zp,
                                                op.options.Alpha()))


def hard_swish(cv: Converter, op: Operator) -> None:
    x, out = cv.act(op.inputs[0]), cv.act(op.outputs[0])
    table = tflm_tables.hard_swish_table(x.scale, x.zp, out.scale, out.zp)
    if table is None:
        cv.fail("the output scale is smaller than the input's / 128 (TFLite refuses it)")
    _table(cv, op, table)


def prelu(cv: Converter, op: Operator) -> None:
    """PRELU with a constant alpha that is one value, or one per channel (the
    last axis): one table, or one table per channel."""
    x, out = cv.act(op.inputs[0]), cv.act(op.outputs[0])
    t = cv.tensor(op.inputs[1])
    if t.data is None or t.type != INT8 or not t.quantized or t.scale.size != 1:
        cv.fail("alpha must be an int8 constant quantized per tensor")
    a = t.data.reshape(-1) if t.data.size else t.data
    channels = cv.tensor(op.inputs[0]).shape[-1]
    if t.data.size > 1 and (t.data.shape[-1] != channels or t.data.size != channels):
        cv.fail(f"alpha of shape {list(t.data.shape)}: one value, or one per channel "
                f"({channels}) is supported")
    tables = tflm_tables.prelu_tables(x.scale, x.zp, a, float(t.scale[0]), int(t.zp[0]),
                                      out.scale, out.zp)
    _table(cv, op, tables[0] if len(tables) == 1 else tables)
