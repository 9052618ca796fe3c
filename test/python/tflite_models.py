"""Tiny int8 `.tflite` models written with the flatbuffers builder (the
`tflite` package's generated schema API), for the TFLite importer's tests.
No TensorFlow: every tensor, buffer and option is put in by hand.

    b = TFLiteBuilder()
    x = b.tensor([1, 8, 8, 3], scale=0.05, zp=-3)
    ...
    b.op("CONV_2D", [x, w, bias], [y], "Conv2DOptions", Padding=0, StrideH=1, StrideW=1)
    data = b.build([x], [y])
"""
from __future__ import annotations

import flatbuffers
import numpy as np
import tflite

_TYPES = {"float32": 0, "int32": 2, "uint8": 3, "int64": 4, "int16": 7, "int8": 9}
_NP = {"float32": np.float32, "int32": np.int32, "int8": np.int8, "int16": np.int16,
       "uint8": np.uint8, "int64": np.int64}


class TFLiteBuilder:
    def __init__(self):
        self.tensors: list[dict] = []
        self.buffers: list[bytes] = [b""]
        self.codes: list[int] = []
        self.ops: list[dict] = []

    def tensor(self, shape, dtype: str = "int8", scale=None, zp=None, axis: int = 0,
               data=None, name: str | None = None) -> int:
        buf = 0
        if data is not None:
            arr = np.ascontiguousarray(np.asarray(data, _NP[dtype]).reshape(shape))
            self.buffers.append(arr.tobytes())
            buf = len(self.buffers) - 1
        if scale is not None:
            scale = np.atleast_1d(np.asarray(scale, np.float32))
            zp = np.zeros(scale.size, np.int64) if zp is None else np.atleast_1d(np.asarray(zp, np.int64))
        self.tensors.append(dict(shape=[int(s) for s in shape], type=_TYPES[dtype], buffer=buf,
                                 scale=scale, zp=zp, axis=axis,
                                 name=name or f"t{len(self.tensors)}"))
        return len(self.tensors) - 1

    def weights(self, values, scale, axis: int = 0, dtype: str = "int8") -> int:
        values = np.asarray(values)
        return self.tensor(values.shape, dtype, scale=scale, axis=axis, data=values)

    def op(self, builtin: str, inputs, outputs, options: str | None = None, **fields) -> None:
        code = getattr(tflite.BuiltinOperator, builtin)
        if code not in self.codes:
            self.codes.append(code)
        self.ops.append(dict(code=self.codes.index(code), inputs=list(inputs),
                             outputs=list(outputs), options=options, fields=fields))

    # ---------------------------------------------------------------- build
    def build(self, inputs, outputs) -> bytes:
        b = flatbuffers.Builder(1024)

        def ivec(values):
            return b.CreateNumpyVector(np.asarray(values, np.int32))

        buffers = []
        for data in self.buffers:
            if data:
                b.StartVector(1, len(data), 16)
                b.head = b.head - len(data)
                b.Bytes[b.head:b.head + len(data)] = data
                vec = b.EndVector()
                tflite.BufferStart(b)
                tflite.BufferAddData(b, vec)
            else:
                tflite.BufferStart(b)
            buffers.append(tflite.BufferEnd(b))
        tensors = []
        for t in self.tensors:
            name = b.CreateString(t["name"])
            shape = ivec(t["shape"])
            quant = None
            if t["scale"] is not None:
                sv = b.CreateNumpyVector(t["scale"].astype(np.float32))
                zv = b.CreateNumpyVector(t["zp"].astype(np.int64))
                tflite.QuantizationParametersStart(b)
                tflite.QuantizationParametersAddScale(b, sv)
                tflite.QuantizationParametersAddZeroPoint(b, zv)
                tflite.QuantizationParametersAddQuantizedDimension(b, t["axis"])
                quant = tflite.QuantizationParametersEnd(b)
            tflite.TensorStart(b)
            tflite.TensorAddShape(b, shape)
            tflite.TensorAddType(b, t["type"])
            tflite.TensorAddBuffer(b, t["buffer"])
            tflite.TensorAddName(b, name)
            if quant is not None:
                tflite.TensorAddQuantization(b, quant)
            tensors.append(tflite.TensorEnd(b))
        ops = []
        for o in self.ops:
            opts = None
            if o["options"]:
                kind = o["options"]
                vecs = {k: ivec(v) for k, v in o["fields"].items() if isinstance(v, (list, tuple))}
                getattr(tflite, f"{kind}Start")(b)
                for k, v in o["fields"].items():
                    getattr(tflite, f"{kind}Add{k}")(b, vecs.get(k, v))
                opts = getattr(tflite, f"{kind}End")(b)
            ins, outs = ivec(o["inputs"]), ivec(o["outputs"])
            tflite.OperatorStart(b)
            tflite.OperatorAddOpcodeIndex(b, o["code"])
            tflite.OperatorAddInputs(b, ins)
            tflite.OperatorAddOutputs(b, outs)
            if opts is not None:
                tflite.OperatorAddBuiltinOptionsType(b, getattr(tflite.BuiltinOptions, o["options"]))
                tflite.OperatorAddBuiltinOptions(b, opts)
            ops.append(tflite.OperatorEnd(b))
        codes = []
        for c in self.codes:
            tflite.OperatorCodeStart(b)
            tflite.OperatorCodeAddBuiltinCode(b, c)
            tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(c, 127))
            tflite.OperatorCodeAddVersion(b, 1)
            codes.append(tflite.OperatorCodeEnd(b))

        def tvec(start, items):
            start(b, len(items))
            for it in reversed(items):
                b.PrependUOffsetTRelative(it)
            return b.EndVector()

        tv = tvec(tflite.SubGraphStartTensorsVector, tensors)
        ov = tvec(tflite.SubGraphStartOperatorsVector, ops)
        iv, outv = ivec(inputs), ivec(outputs)
        sname = b.CreateString("main")
        tflite.SubGraphStart(b)
        tflite.SubGraphAddTensors(b, tv)
        tflite.SubGraphAddOperators(b, ov)
        tflite.SubGraphAddInputs(b, iv)
        tflite.SubGraphAddOutputs(b, outv)
        tflite.SubGraphAddName(b, sname)
        sg = tflite.SubGraphEnd(b)
        sgv = tvec(tflite.ModelStartSubgraphsVector, [sg])
        cv = tvec(tflite.ModelStartOperatorCodesVector, codes)
        bv = tvec(tflite.ModelStartBuffersVector, buffers)
        desc = b.CreateString("tigris test model")
        tflite.ModelStart(b)
        tflite.ModelAddVersion(b, 3)
        tflite.ModelAddOperatorCodes(b, cv)
        tflite.ModelAddSubgraphs(b, sgv)
        tflite.ModelAddDescription(b, desc)
        tflite.ModelAddBuffers(b, bv)
        b.Finish(tflite.ModelEnd(b), file_identifier=b"TFL3")
        return bytes(b.Output())


# ------------------------------------------------------------------ models
def _rng(seed):
    return np.random.default_rng(seed)


def conv_model(seed=0, depthwise=False, per_channel=True, padding=0, stride=1,
               activation=1, cin=3, cout=8, hw=9, k=3) -> bytes:
    r = _rng(seed)
    b = TFLiteBuilder()
    x = b.tensor([1, hw, hw, cin], scale=0.04, zp=-5, name="input")
    n = cin * (cout // cin) if depthwise else cout
    ws = r.uniform(0.002, 0.02, n if per_channel else 1)
    if depthwise:
        w = b.weights(r.integers(-127, 128, (1, k, k, n)), ws, axis=3)
    else:
        w = b.weights(r.integers(-127, 128, (n, k, k, cin)), ws, axis=0)
    bs = (0.04 * ws).astype(np.float32)
    bias = b.tensor([n], "int32", scale=np.broadcast_to(bs, (n,)) if per_channel else bs,
                    data=r.integers(-3000, 3000, n))
    oh = (hw + stride - 1) // stride if padding == 0 else (hw - k) // stride + 1
    y = b.tensor([1, oh, oh, n], scale=0.07, zp=3, name="output")
    if depthwise:
        b.op("DEPTHWISE_CONV_2D", [x, w, bias], [y], "DepthwiseConv2DOptions", Padding=padding,
             StrideH=stride, StrideW=stride, DepthMultiplier=n // cin,
             FusedActivationFunction=activation, DilationHFactor=1, DilationWFactor=1)
    else:
        b.op("CONV_2D", [x, w, bias], [y], "Conv2DOptions", Padding=padding, StrideH=stride,
             StrideW=stride, FusedActivationFunction=activation, DilationHFactor=1,
             DilationWFactor=1)
    return b.build([x], [y])


def fc_model(seed=0, image=True, activation=0) -> bytes:
    """An image [1, 4, 4, 3] (or a vector) through FULLY_CONNECTED to 10 classes."""
    r = _rng(seed)
    b = TFLiteBuilder()
    shape = [1, 4, 4, 3] if image else [2, 48]
    x = b.tensor(shape, scale=0.05, zp=4, name="input")
    ws = r.uniform(0.002, 0.01, 10)
    w = b.weights(r.integers(-127, 128, (10, 48)), ws)
    bias = b.tensor([10], "int32", scale=(0.05 * ws).astype(np.float32),
                    data=r.integers(-2000, 2000, 10))
    y = b.tensor([int(np.prod(shape)) // 48, 10], scale=0.5, zp=-7, name="output")
    b.op("FULLY_CONNECTED", [x, w, bias], [y], "FullyConnectedOptions",
         FusedActivationFunction=activation)
    return b.build([x], [y])


def binary_model(op="ADD", activation=0) -> bytes:
    b = TFLiteBuilder()
    x1 = b.tensor([1, 5, 5, 4], scale=0.03, zp=-10, name="a")
    x2 = b.tensor([1, 5, 5, 4], scale=0.05, zp=6, name="b")
    y = b.tensor([1, 5, 5, 4], scale=0.06 if op != "MUL" else 0.02, zp=-2, name="output")
    kind = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}[op]
    b.op(op, [x1, x2], [y], kind, FusedActivationFunction=activation)
    return b.build([x1, x2], [y])


def pool_model(op="AVERAGE_POOL_2D", padding=0, k=3, stride=2, activation=0) -> bytes:
    b = TFLiteBuilder()
    x = b.tensor([1, 9, 9, 5], scale=0.05, zp=-4, name="input")
    o = (9 + stride - 1) // stride if padding == 0 else (9 - k) // stride + 1
    y = b.tensor([1, o, o, 5], scale=0.05, zp=-4, name="output")
    b.op(op, [x], [y], "Pool2DOptions", Padding=padding, StrideH=stride, StrideW=stride,
         FilterHeight=k, FilterWidth=k, FusedActivationFunction=activation)
    return b.build([x], [y])


def small_cnn(seed=1) -> bytes:
    """QUANTIZE (float in) -> CONV_2D -> DEPTHWISE -> AVG_POOL -> RESHAPE ->
    FULLY_CONNECTED -> ADD of a skip... -> DEQUANTIZE (float out)."""
    r = _rng(seed)
    b = TFLiteBuilder()
    xf = b.tensor([1, 8, 8, 2], "float32", name="image")
    x = b.tensor([1, 8, 8, 2], scale=0.02, zp=1)
    b.op("QUANTIZE", [xf], [x])
    ws = r.uniform(0.005, 0.02, 6)
    w = b.weights(r.integers(-127, 128, (6, 3, 3, 2)), ws)
    bias = b.tensor([6], "int32", scale=(0.02 * ws).astype(np.float32), data=r.integers(-500, 500, 6))
    c1 = b.tensor([1, 4, 4, 6], scale=0.03, zp=-128)
    b.op("CONV_2D", [x, w, bias], [c1], "Conv2DOptions", Padding=0, StrideH=2, StrideW=2,
         FusedActivationFunction=3, DilationHFactor=1, DilationWFactor=1)
    dws = r.uniform(0.005, 0.02, 6)
    dw = b.weights(r.integers(-127, 128, (1, 3, 3, 6)), dws, axis=3)
    dbias = b.tensor([6], "int32", scale=(0.03 * dws).astype(np.float32), data=r.integers(-500, 500, 6))
    c2 = b.tensor([1, 4, 4, 6], scale=0.04, zp=-128)
    b.op("DEPTHWISE_CONV_2D", [c1, dw, dbias], [c2], "DepthwiseConv2DOptions", Padding=0,
         StrideH=1, StrideW=1, DepthMultiplier=1, FusedActivationFunction=1,
         DilationHFactor=1, DilationWFactor=1)
    s = b.tensor([1, 4, 4, 6], scale=0.05, zp=-20)
    b.op("ADD", [c1, c2], [s], "AddOptions", FusedActivationFunction=0)
    p = b.tensor([1, 2, 2, 6], scale=0.05, zp=-20)
    b.op("MAX_POOL_2D", [s], [p], "Pool2DOptions", Padding=1, StrideH=2, StrideW=2,
         FilterHeight=2, FilterWidth=2, FusedActivationFunction=0)
    shape = b.tensor([2], "int32", data=[1, 24])
    flat = b.tensor([1, 24], scale=0.05, zp=-20)
    b.op("RESHAPE", [p, shape], [flat], "ReshapeOptions", NewShape=[1, 24])
    fs = r.uniform(0.005, 0.02, 1)
    fw = b.weights(r.integers(-127, 128, (5, 24)), fs)
    fb = b.tensor([5], "int32", scale=(0.05 * fs).astype(np.float32), data=r.integers(-500, 500, 5))
    logits = b.tensor([1, 5], scale=0.1, zp=2)
    b.op("FULLY_CONNECTED", [flat, fw, fb], [logits], "FullyConnectedOptions",
         FusedActivationFunction=0)
    out = b.tensor([1, 5], "float32", name="logits")
    b.op("DEQUANTIZE", [logits], [out])
    return b.build([xf], [out])


def unary_model(op: str, s_in=0.06, zp_in=-7, s_out=None, zp_out=None, **options) -> bytes:
    """One elementwise operator on a [1, 256] input (every int8 value once)."""
    defaults = {"LOGISTIC": (1 / 256, -128), "TANH": (1 / 128, 0)}
    s_out, zp_out = (s_out, zp_out) if s_out is not None else defaults.get(op, (s_in, zp_in))
    b = TFLiteBuilder()
    x = b.tensor([1, 256], scale=s_in, zp=zp_in, name="input")
    y = b.tensor([1, 256], scale=s_out, zp=zp_out, name="output")
    kind = {"LEAKY_RELU": "LeakyReluOptions"}.get(op)
    b.op(op, [x], [y], kind, **options)
    return b.build([x], [y])


def shapes_model() -> bytes:
    """STRIDED_SLICE, CONCATENATION, RESHAPE (4-D to 4-D, a real reorder), PAD,
    QUANTIZE int8 -> int8, SPLIT_V, SLICE, and a QUANTIZE to a uint8 output."""
    b = TFLiteBuilder()
    q = dict(scale=0.05, zp=3)
    x = b.tensor([1, 6, 1, 8], name="frames", **q)
    new = b.tensor([1, 2, 1, 8], name="new", **q)
    c = lambda v: b.tensor([len(v)], "int32", data=v)  # noqa: E731
    tail = b.tensor([1, 4, 1, 8], **q)
    b.op("STRIDED_SLICE", [x, c([0, 2, 0, 0]), c([0, 0, 0, 0]), c([1, 1, 1, 1])], [tail],
         "StridedSliceOptions", BeginMask=0b1101, EndMask=0b1111)
    cat = b.tensor([1, 6, 1, 8], **q)
    b.op("CONCATENATION", [tail, new], [cat], "ConcatenationOptions", Axis=1,
         FusedActivationFunction=0)
    r = b.tensor([1, 2, 3, 8], **q)
    b.op("RESHAPE", [cat, c([1, 2, 3, 8])], [r], "ReshapeOptions", NewShape=[1, 2, 3, 8])
    padded = b.tensor([1, 4, 5, 8], **q)
    pads = b.tensor([4, 2], "int32", data=[[0, 0], [1, 1], [0, 2], [0, 0]])
    b.op("PAD", [r, pads], [padded])
    rq = b.tensor([1, 4, 5, 8], scale=0.08, zp=-9)
    b.op("QUANTIZE", [padded], [rq])
    p1 = b.tensor([1, 4, 5, 3], scale=0.08, zp=-9)
    p2 = b.tensor([1, 4, 5, 5], scale=0.08, zp=-9)
    b.op("SPLIT_V", [rq, c([3, 5]), b.tensor([1], "int32", data=[3])], [p1, p2],
         "SplitVOptions", NumSplits=2)
    s = b.tensor([1, 2, 5, 5], scale=0.08, zp=-9)
    b.op("SLICE", [p2, c([0, 1, 0, 0]), c([1, 2, -1, -1])], [s])
    u = b.tensor([1, 4, 5, 3], "uint8", scale=0.1, zp=128, name="as_uint8")
    b.op("QUANTIZE", [p1], [u])
    return b.build([x, new], [u, s])


def transpose_model(perm=(0, 2, 1, 3)) -> bytes:
    b = TFLiteBuilder()
    x = b.tensor([1, 3, 4, 5], scale=0.05, zp=3, name="input")
    y = b.tensor([[1, 3, 4, 5][p] for p in perm], scale=0.05, zp=3, name="output")
    b.op("TRANSPOSE", [x, b.tensor([4], "int32", data=list(perm))], [y], "TransposeOptions")
    return b.build([x], [y])


def resize_model(out_hw=(7, 10), align=False, half=False) -> bytes:
    b = TFLiteBuilder()
    x = b.tensor([1, 4, 5, 3], scale=0.05, zp=3, name="input")
    y = b.tensor([1, *out_hw, 3], scale=0.05, zp=3, name="output")
    b.op("RESIZE_NEAREST_NEIGHBOR", [x, b.tensor([2], "int32", data=list(out_hw))], [y],
         "ResizeNearestNeighborOptions", AlignCorners=align, HalfPixelCenters=half)
    return b.build([x], [y])


def resize_bilinear_model(in_hw=(4, 5), out_hw=(7, 10), align=False, half=False) -> bytes:
    b = TFLiteBuilder()
    x = b.tensor([1, *in_hw, 3], scale=0.05, zp=3, name="input")
    y = b.tensor([1, *out_hw, 3], scale=0.05, zp=3, name="output")
    b.op("RESIZE_BILINEAR", [x, b.tensor([2], "int32", data=list(out_hw))], [y],
         "ResizeBilinearOptions", AlignCorners=align, HalfPixelCenters=half)
    return b.build([x], [y])


def softmax_model(shape=(3, 10), s_in=0.1, zp_in=-7, beta=1.0) -> bytes:
    """SOFTMAX over the last axis (TFLite's int8 output: 1/256, -128)."""
    b = TFLiteBuilder()
    x = b.tensor(list(shape), scale=s_in, zp=zp_in, name="input")
    y = b.tensor(list(shape), scale=1 / 256, zp=-128, name="output")
    b.op("SOFTMAX", [x], [y], "SoftmaxOptions", Beta=beta)
    return b.build([x], [y])


def mean_model(keep=True, s_out=0.05, zp_out=3, hw=(4, 5)) -> bytes:
    b = TFLiteBuilder()
    x = b.tensor([1, *hw, 6], scale=0.05, zp=3, name="input")
    y = b.tensor([1, 1, 1, 6] if keep else [1, 6], scale=s_out, zp=zp_out, name="output")
    b.op("MEAN", [x, b.tensor([2], "int32", data=[1, 2])], [y], "ReducerOptions", KeepDims=keep)
    return b.build([x], [y])


def broadcast_model(op="ADD", const=False) -> bytes:
    """[1, 5, 5, 4] op [1, 1, 1, 4] (an activation, or a constant)."""
    b = TFLiteBuilder()
    x1 = b.tensor([1, 5, 5, 4], scale=0.03, zp=-10, name="a")
    if const:
        x2 = b.tensor([1, 1, 1, 4], scale=0.05, zp=6, data=[-100, -20, 50, 120])
    else:
        x2 = b.tensor([1, 1, 1, 4], scale=0.05, zp=6, name="b")
    y = b.tensor([1, 5, 5, 4], scale=0.06 if op != "MUL" else 0.02, zp=-2, name="output")
    kind = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}[op]
    b.op(op, [x1, x2], [y], kind, FusedActivationFunction=0)
    return b.build([x1] if const else [x1, x2], [y])


def prelu_model(alpha_shape=(1, 1, 4), seed=3) -> bytes:
    r = _rng(seed)
    b = TFLiteBuilder()
    x = b.tensor([1, 5, 6, 4], scale=0.05, zp=-6, name="input")
    a = b.tensor(list(alpha_shape), scale=0.004, zp=-20,
                 data=r.integers(-128, 128, int(np.prod(alpha_shape))))
    y = b.tensor([1, 5, 6, 4], scale=0.04, zp=-30, name="output")
    b.op("PRELU", [x, a], [y])
    return b.build([x], [y])


def conv_chain(seed=5, hw=32) -> bytes:
    """CONV_2D 3x3 -> DEPTHWISE 3x3 stride 2 -> CONV_2D 1x1 -> AVG_POOL 2x2 on a
    [1, hw, hw, 4] image: big enough for a budget that makes the tiler stream rows."""
    r = _rng(seed)
    b = TFLiteBuilder()
    x = b.tensor([1, hw, hw, 4], scale=0.03, zp=-2, name="input")

    def conv(src, s_in, shape_w, cout, out_hw, s_out, zp_out, depthwise=False, stride=1):
        ws = r.uniform(0.004, 0.02, cout)
        w = b.weights(r.integers(-127, 128, shape_w), ws, axis=3 if depthwise else 0)
        bias = b.tensor([cout], "int32", scale=(s_in * ws).astype(np.float32),
                        data=r.integers(-800, 800, cout))
        y = b.tensor([1, out_hw, out_hw, cout], scale=s_out, zp=zp_out)
        if depthwise:
            b.op("DEPTHWISE_CONV_2D", [src, w, bias], [y], "DepthwiseConv2DOptions", Padding=0,
                 StrideH=stride, StrideW=stride, DepthMultiplier=1, FusedActivationFunction=3,
                 DilationHFactor=1, DilationWFactor=1)
        else:
            b.op("CONV_2D", [src, w, bias], [y], "Conv2DOptions", Padding=0, StrideH=stride,
                 StrideW=stride, FusedActivationFunction=1, DilationHFactor=1, DilationWFactor=1)
        return y

    c1 = conv(x, 0.03, (16, 3, 3, 4), 16, hw, 0.04, -128)
    c2 = conv(c1, 0.04, (1, 3, 3, 16), 16, hw // 2, 0.05, -128, depthwise=True, stride=2)
    c3 = conv(c2, 0.05, (24, 1, 1, 16), 24, hw // 2, 0.06, -128)
    p = b.tensor([1, hw // 4, hw // 4, 24], scale=0.06, zp=-128, name="output")
    b.op("AVERAGE_POOL_2D", [c3], [p], "Pool2DOptions", Padding=1, StrideH=2, StrideW=2,
         FilterHeight=2, FilterWidth=2, FusedActivationFunction=0)
    return b.build([x], [p])


def grouped_conv_model(seed=9, groups=2) -> bytes:
    r = _rng(seed)
    b = TFLiteBuilder()
    x = b.tensor([1, 6, 6, 4], scale=0.04, zp=-5, name="input")
    ws = r.uniform(0.004, 0.02, 6)
    w = b.weights(r.integers(-127, 128, (6, 3, 3, 4 // groups)), ws)
    bias = b.tensor([6], "int32", scale=(0.04 * ws).astype(np.float32), data=r.integers(-900, 900, 6))
    y = b.tensor([1, 6, 6, 6], scale=0.07, zp=3, name="output")
    b.op("CONV_2D", [x, w, bias], [y], "Conv2DOptions", Padding=0, StrideH=1, StrideW=1,
         FusedActivationFunction=0, DilationHFactor=1, DilationWFactor=1)
    return b.build([x], [y])


def fc_keep_dims_model(seed=4) -> bytes:
    r = _rng(seed)
    b = TFLiteBuilder()
    x = b.tensor([1, 3, 8], scale=0.05, zp=1, name="input")
    ws = r.uniform(0.004, 0.02, 5)
    w = b.weights(r.integers(-127, 128, (5, 8)), ws)
    bias = b.tensor([5], "int32", scale=(0.05 * ws).astype(np.float32), data=r.integers(-900, 900, 5))
    y = b.tensor([1, 3, 5], scale=0.08, zp=-3, name="output")
    b.op("FULLY_CONNECTED", [x, w, bias], [y], "FullyConnectedOptions", KeepNumDims=True)
    return b.build([x], [y])
