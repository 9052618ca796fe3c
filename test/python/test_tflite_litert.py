"""TensorFlow Lite's reference kernels (`ai-edge-litert`, OpResolverType.
BUILTIN_REF) as a second oracle of the TFLite importer: every operator's tiny
model (tflite_models.py) and the four microWakeWord models over 100 frames,
compiled with --target esp32s3, give litert's bytes. TFLM is the first
oracle (test_tflite_import.py); where it has no kernel (RELU_N1_TO_1) litert
is the only one, and where both run they agree with each other here too."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import tflite_models as tm  # noqa: E402
from test_tflite_import import ALL_INT8, ours, seeded  # noqa: E402
from tflite_litert import litert  # noqa: E402

pytest.importorskip("ai_edge_litert.interpreter")

# name -> (model bytes, input shapes); None as a shape: every int8 value once.
MODELS = {
    "conv_2d": (lambda: tm.conv_model(), [(1, 9, 9, 3)]),
    "conv_2d-valid-s2-relu6": (lambda: tm.conv_model(padding=1, stride=2, activation=3),
                               [(1, 9, 9, 3)]),
    "grouped_conv_2d": (tm.grouped_conv_model, [(1, 6, 6, 4)]),
    "depthwise_conv_2d": (lambda: tm.conv_model(depthwise=True, cin=3, cout=6, stride=2),
                          [(1, 9, 9, 3)]),
    "fully_connected": (lambda: tm.fc_model(activation=1), [(1, 4, 4, 3)]),
    "fully_connected-keep-dims": (tm.fc_keep_dims_model, [(1, 3, 8)]),
    "add": (lambda: tm.binary_model("ADD", activation=1), [(1, 5, 5, 4)] * 2),
    "sub": (lambda: tm.binary_model("SUB"), [(1, 5, 5, 4)] * 2),
    "mul": (lambda: tm.binary_model("MUL"), [(1, 5, 5, 4)] * 2),
    "add-broadcast": (lambda: tm.broadcast_model("ADD"), [(1, 5, 5, 4), (1, 1, 1, 4)]),
    "mul-constant": (lambda: tm.broadcast_model("MUL", True), [(1, 5, 5, 4)]),
    "average_pool_2d": (lambda: tm.pool_model(), [(1, 9, 9, 5)]),
    "max_pool_2d": (lambda: tm.pool_model("MAX_POOL_2D", padding=1, activation=1),
                    [(1, 9, 9, 5)]),
    "mean": (lambda: tm.mean_model(s_out=0.02, zp_out=-5), [(1, 4, 5, 6)]),
    "logistic": (lambda: tm.unary_model("LOGISTIC"), None),
    "tanh": (lambda: tm.unary_model("TANH", s_in=0.015, zp_in=11), None),
    "relu": (lambda: tm.unary_model("RELU", s_out=0.03, zp_out=-128), None),
    "relu6": (lambda: tm.unary_model("RELU6"), None),
    "relu_n1_to_1": (lambda: tm.unary_model("RELU_N1_TO_1", s_in=0.01, zp_in=3, s_out=0.009,
                                            zp_out=-2), None),
    "leaky_relu": (lambda: tm.unary_model("LEAKY_RELU", s_out=0.05, zp_out=20, Alpha=0.2), None),
    "hard_swish": (lambda: tm.unary_model("HARD_SWISH", s_out=0.05, zp_out=-100), None),
    "prelu": (lambda: tm.prelu_model(), [(1, 5, 6, 4)]),
    "softmax": (lambda: tm.softmax_model(), [(3, 10)]),
    "softmax-image-beta": (lambda: tm.softmax_model((1, 3, 4, 12), 0.05, 4, 0.7),
                           [(1, 3, 4, 12)]),
    "transpose": (lambda: tm.transpose_model((0, 3, 1, 2)), [(1, 3, 4, 5)]),
    "resize_nearest_neighbor": (lambda: tm.resize_model(half=True), [(1, 4, 5, 3)]),
    "resize_bilinear": (lambda: tm.resize_bilinear_model(), [(1, 4, 5, 3)]),
    "resize_bilinear-half": (lambda: tm.resize_bilinear_model(half=True), [(1, 4, 5, 3)]),
    "resize_bilinear-align": (lambda: tm.resize_bilinear_model(align=True), [(1, 4, 5, 3)]),
    "shapes": (tm.shapes_model, [(1, 6, 1, 8), (1, 2, 1, 8)]),
    "conv_chain": (tm.conv_chain, [(1, 32, 32, 4)]),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_operator_bit_exact_with_litert(tmp_path, name):
    make, shapes = MODELS[name]
    data = make()
    for seed in range(3):
        xs = [ALL_INT8] if shapes is None else [seeded(s, seed + 10 * i)
                                                for i, s in enumerate(shapes)]
        want = litert(data, xs)
        got = ours(tmp_path, data, xs)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            if w.dtype == np.uint8:         # uint8 tensors are int8 codes q - 128 inside
                g = (g.astype(np.int16) + 128).astype(np.uint8)
            np.testing.assert_array_equal(g.reshape(w.shape), w, err_msg=name)
        if shapes is None:
            break


def test_small_cnn_with_float_edges(tmp_path):
    """QUANTIZE/DEQUANTIZE at the edges: litert runs the float model."""
    data = tm.small_cnn()
    for seed in range(3):
        q = seeded((1, 8, 8, 2), seed)
        xf = ((q.astype(np.float32) - 1) * np.float32(0.02)).astype(np.float32)
        want = litert(data, [xf])[0]
        got = ours(tmp_path, data, [q])[0]
        np.testing.assert_array_equal((got.astype(np.float32) - 2) * np.float32(0.1), want)


def _wakeword_models() -> list[Path]:
    try:
        import pymicro_wakeword
    except ImportError:
        return []
    return sorted((Path(pymicro_wakeword.__file__).parent / "models").glob("*.tflite"))


@pytest.mark.parametrize("model", _wakeword_models(), ids=lambda p: p.stem)
def test_wakeword_100_frames_bit_exact_with_litert(model):
    """The streaming models, state carried by the caller as plan I/O (our
    side) and in resource variables (litert's), 100 seeded frames."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from tigris.budget import Budget
    from tigris.importers.tflite.state import initial_state
    from tigris.plan.compiler import compile_onnx
    from tigris.plan.host import HostPlan
    it = Interpreter(model_path=str(model),
                     experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    host = HostPlan(compile_onnx(str(model), Budget(32 << 10), target="esp32s3").data)
    state = list(initial_state(str(model)).values())
    r = np.random.default_rng(0)
    moved = 0
    for frame in range(100):
        x = r.integers(-128, 128, inp["shape"]).astype(np.int8)
        it.set_tensor(inp["index"], x)
        it.invoke()
        want = it.get_tensor(out["index"])
        outs = host.run([x] + state)
        got = (outs[0].astype(np.int16) + 128).astype(np.uint8)
        np.testing.assert_array_equal(got.reshape(want.shape), want, err_msg=f"frame {frame}")
        moved += sum(int(np.any(new != old)) for new, old in zip(outs[1:], state))
        state = [np.ascontiguousarray(s) for s in outs[1:]]
    assert moved > 100      # the state streams (seeded features give probability 0 here;
    # test_tflite_streaming.py compares every state variable with TFLM's)
