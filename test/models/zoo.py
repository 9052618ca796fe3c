#!/usr/bin/env python3
"""Model zoo: small and benchmark-sized int8 ONNX models, built offline and deterministically.

Every model is written as a float32 NCHW graph with onnx.helper (opset 17,
seeded He-init weights, BatchNormalization where the original network has
it) and quantized with onnxruntime's ``quantize_static`` on seeded random
calibration data: int8 activations (asymmetric), int8 symmetric per-channel
weights, QDQ format, or QOperator format for the ``*_qop`` names. Before
quantization BatchNormalization is folded into the preceding Conv, as any
converter (TFLite, ORT pre-processing) would do; the float variants keep it.

    build(name, fmt="qdq"|"float") -> Path of the cached .onnx file
    names()                         -> every model name
    float_model(name)               -> build(name, "float")
    sample_input(name, seed)        -> {input name: seeded float32 array}

CLI:  python test/models/zoo.py NAME [--float]   prints the absolute path only
      python test/models/zoo.py all [--float] [--force]   builds all, prints a table

The cache lives in test/models/cache/ (or $TIGRIS_ZOO_CACHE). Its key holds
BUILDER_VERSION, the onnx / onnxruntime / numpy versions and a hash of this
file, so a change to any of them rebuilds. Files are written to a temporary
name and moved into place with os.replace, so concurrent builders are safe.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import importlib.metadata
import math
import os
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


OPSET = 17
IR_VERSION = 8
CALIB_SAMPLES = 8
INPUT = "input"
OUTPUT = "output"
FORMATS = ("qdq", "float")
_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))
from onnx_graph import BUILDER_VERSION, Graph  # noqa: E402  (the float graph builder)
# The quantization the int8 models go through (part of the cache key).
_QUANTIZE_SOURCE = _HERE.parents[1] / "python" / "tigris" / "quantize.py"


# ----------------------------------------------------------------------------
# The models: each takes a Graph and returns the name of its output tensor
# ----------------------------------------------------------------------------

def _mobilenet_v1(alpha: float) -> Callable[[Graph], str]:
    spec = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]

    def body(g: Graph) -> str:
        x = g.conv_bn_act(g.input, int(32 * alpha), 3, 2, "conv0", relu_in=False)
        for i, (c, s) in enumerate(spec, 1):
            c0 = g.shapes[x][1]
            x = g.conv_bn_act(x, c0, 3, s, f"dw{i}", group=c0)
            x = g.conv_bn_act(x, int(c * alpha), 1, 1, f"pw{i}")
        x = g.gap(x)
        # Random features give near-uniform logits; a gain makes the softmax peaked like a trained one.
        x = g.conv(x, 1000, 1, bias=True, relu_in=False, gain=8.0, name="logits")
        return g.softmax(g.flatten(x))
    return body


def _make_divisible(v: float, d: int = 8) -> int:
    n = max(d, int(v + d / 2) // d * d)
    return n + d if n < 0.9 * v else n


def _mobilenet_v2(alpha: float, classes: int = 1000) -> Callable[[Graph], str]:
    spec = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    def body(g: Graph) -> str:
        x = g.conv_bn_act(g.input, _make_divisible(32 * alpha), 3, 2, "conv0", relu_in=False)
        b = 0
        for t, c, n, s in spec:
            cout = _make_divisible(c * alpha)
            for i in range(n):
                stride = s if i == 0 else 1
                cin = g.shapes[x][1]
                residual = stride == 1 and cin == cout
                h = x
                if t != 1:
                    h = g.conv_bn_act(h, cin * t, 1, 1, f"b{b}_expand")
                ch = g.shapes[h][1]
                h = g.conv_bn_act(h, ch, 3, stride, f"b{b}_dw", group=ch)
                # A trained residual branch is small next to its shortcut; gain 0.5 mimics it.
                h = g.conv_bn_act(h, cout, 1, 1, f"b{b}_project", act=None, gain=0.5 if residual else 1.0)
                x = g.add(x, h, f"b{b}_add") if residual else h
                b += 1
        x = g.conv_bn_act(x, 1280, 1, 1, "conv_last", relu_in=False)
        x = g.flatten(g.gap(x))
        return g.softmax(g.gemm(x, classes, "fc", gain=3.0))
    return body


def _resnet8(g: Graph) -> str:
    x = g.conv_bn_act(g.input, 16, 3, 1, "conv0", act="relu", relu_in=False)
    for st, (c, s) in enumerate([(16, 1), (32, 2), (64, 2)], 1):
        y = g.conv(x, c, 3, s, name=f"s{st}_conv1")
        y = g.relu(g.bn(y, f"s{st}_bn1"), f"s{st}_relu1")
        y = g.bn(g.conv(y, c, 3, 1, gain=0.5, name=f"s{st}_conv2"), f"s{st}_bn2")
        sc = x if s == 1 else g.conv(x, c, 1, s, name=f"s{st}_shortcut")
        x = g.relu(g.add(sc, y, f"s{st}_add"), f"s{st}_relu")
    x = g.flatten(g.avgpool_all(x, "avgpool"))
    return g.softmax(g.gemm(x, 10, "fc", gain=6.0))


def _ds_cnn(g: Graph) -> str:
    x = g.conv(g.input, 64, (10, 4), 2, relu_in=False, name="conv0")
    x = g.relu(g.bn(x, "conv0_bn"), "conv0_relu")
    for i in range(1, 5):
        x = g.relu(g.bn(g.dw(x, 3, 1, name=f"dw{i}"), f"dw{i}_bn"), f"dw{i}_relu")
        x = g.relu(g.bn(g.conv(x, 64, 1, name=f"pw{i}"), f"pw{i}_bn"), f"pw{i}_relu")
    x = g.flatten(g.avgpool_all(x, "avgpool"))
    return g.softmax(g.gemm(x, 12, "fc", gain=8.0))


def _unet_small(g: Graph) -> str:
    def double(x, c, name):
        x = g.conv_bn_act(x, c, 3, 1, name + "_conv1", act="relu", bn=False, pad="sym")
        return g.conv_bn_act(x, c, 3, 1, name + "_conv2", act="relu", bn=False, pad="sym")

    x, skips = g.input, []
    for lvl, c in enumerate((8, 16, 32), 1):
        x = double(x, c, f"enc{lvl}")
        skips.append(x)
        x = g.maxpool(x, 2, 2, name=f"enc{lvl}_pool")
    x = double(x, 64, "bottleneck")
    for lvl, c in zip((3, 2, 1), (32, 16, 8)):
        up = g.resize2x(x, f"dec{lvl}_up")
        x = double(g.concat([up, skips[lvl - 1]], f"dec{lvl}_concat"), c, f"dec{lvl}")
    return g.conv(x, 2, 1, name="head", out=OUTPUT)


def _inception_block(g: Graph) -> str:
    def cr(x, c, k, name):
        return g.conv_bn_act(x, c, k, 1, name, act="relu", bn=False, pad="sym")

    def block(x, b1, b2, b3, b4, double3x3, name):
        p1 = cr(x, b1, 1, name + "_b1_1x1")
        p2 = cr(cr(x, b2[0], 1, name + "_b2_1x1"), b2[1], 3, name + "_b2_3x3")
        p3 = cr(x, b3[0], 1, name + "_b3_1x1")
        if double3x3:
            p3 = cr(cr(p3, b3[1], 3, name + "_b3_3x3a"), b3[1], 3, name + "_b3_3x3b")
        else:
            p3 = cr(p3, b3[1], 5, name + "_b3_5x5")
        p4 = g.maxpool(x, 3, 1, (1, 1, 1, 1), name=name + "_b4_pool")
        p4 = cr(p4, b4, 1, name + "_b4_1x1")
        return g.concat([p1, p2, p3, p4], name + "_concat")

    x = g.conv_bn_act(g.input, 32, 3, 1, "stem", act="relu", bn=False, pad="sym", relu_in=False)
    x = block(x, 16, (16, 24), (8, 8), 8, False, "mixed1")
    x = g.maxpool(x, 3, 2, (1, 1, 1, 1), name="pool1")
    x = block(x, 32, (24, 32), (8, 16), 16, True, "mixed2")
    return g.matmul_add(g.flatten(g.gap(x)), 10, "fc", out=OUTPUT)


def _tiny_conv_relu(g: Graph) -> str:
    return g.relu(g.conv(g.input, 8, 3, 1, "sym", relu_in=False, name="conv"), "relu", OUTPUT)


def _tiny_depthwise(g: Graph) -> str:
    return g.relu6(g.dw(g.input, 3, 2, "sym", name="dw"), "relu6", OUTPUT)


def _tiny_residual_add(g: Graph) -> str:
    a = g.relu(g.conv(g.input, 4, 3, 1, "sym", relu_in=False, name="conv1"), "relu1")
    b = g.conv(a, 4, 3, 1, "sym", name="conv2")
    return g.add(a, b, "add", OUTPUT)


def _tiny_concat(g: Graph) -> str:
    a = g.relu(g.conv(g.input, 4, 3, 1, "sym", relu_in=False, name="conv_a"), "relu_a")
    b = g.relu(g.conv(g.input, 6, 1, 1, "sym", relu_in=False, name="conv_b"), "relu_b")
    return g.concat([a, b], "concat", OUTPUT)


def _tiny_qop_conv(g: Graph) -> str:
    x = g.relu(g.conv(g.input, 8, 3, 1, "sym", relu_in=False, name="conv1"), "relu1")
    return g.conv(x, 4, 1, 1, "sym", name="conv2", out=OUTPUT)


@dataclasses.dataclass(frozen=True)
class Spec:
    body: Callable[[Graph], str]
    input_shape: tuple[int, ...]
    description: str
    qop: bool = False          # quantize to QOperator format instead of QDQ
    base: str | None = None    # the model whose float graph this one shares


MODELS: dict[str, Spec] = {
    "mobilenet_v1_1.0_128": Spec(_mobilenet_v1(1.0), (1, 3, 128, 128),
                                 "MobileNetV1 1.0, 13 dw/pw blocks, ReLU6, BN, GAP, 1x1 conv 1000, softmax"),
    "mobilenet_v1_0.25_96": Spec(_mobilenet_v1(0.25), (1, 3, 96, 96), "MobileNetV1 0.25 at 96x96, 1000 classes"),
    "mobilenet_v2_0.35_96": Spec(_mobilenet_v2(0.35), (1, 3, 96, 96),
                                 "MobileNetV2 0.35 (Keras channel rounding), inverted residuals, 1000 classes"),
    "resnet8": Spec(_resnet8, (1, 3, 32, 32), "MLPerf Tiny ResNet-8 (CIFAR-10), BN, 1x1 stride-2 shortcuts"),
    "ds_cnn": Spec(_ds_cnn, (1, 1, 49, 10), "MLPerf Tiny DS-CNN keyword spotting, 12 classes"),
    "unet_small": Spec(_unet_small, (1, 3, 64, 64),
                       "U-Net 8/16/32 + 64 bottleneck, maxpool, Resize nearest x2, Concat skips, 1x1 head"),
    "inception_block": Spec(_inception_block, (1, 3, 32, 32),
                            "stem + two 4-branch Inception blocks (5x5, then 3x3x2), GAP, MatMul+Add"),
    "tiny_conv_relu": Spec(_tiny_conv_relu, (1, 3, 8, 8), "conv 3x3 pad 1 (8ch) + relu"),
    "tiny_depthwise": Spec(_tiny_depthwise, (1, 8, 8, 8), "depthwise 3x3 stride 2 pad 1 + relu6"),
    "tiny_residual_add": Spec(_tiny_residual_add, (1, 4, 8, 8), "a = relu(conv(x)); a + conv(a)"),
    "tiny_concat": Spec(_tiny_concat, (1, 3, 8, 8), "concat(relu(conv3x3(x)), relu(conv1x1(x))) on channels"),
    "tiny_qop_conv": Spec(_tiny_qop_conv, (1, 3, 8, 8), "conv 3x3 + relu, conv 1x1 (QOperator)", qop=True),
}
for _b in ("resnet8", "mobilenet_v1_0.25_96", "ds_cnn"):
    _s = MODELS[_b]
    MODELS[_b + "_qop"] = Spec(_s.body, _s.input_shape, _s.description + " (QOperator)", True, _b)


# ----------------------------------------------------------------------------
# Building, quantizing, caching
# ----------------------------------------------------------------------------

def names() -> list[str]:
    return list(MODELS)


def _spec(name: str) -> Spec:
    if name not in MODELS:
        raise KeyError(f"unknown zoo model {name!r}; known: {', '.join(MODELS)}")
    return MODELS[name]


def _seed(name: str) -> int:
    return zlib.crc32(name.encode())


def input_shape(name: str) -> tuple[int, ...]:
    return _spec(name).input_shape


def sample_input(name: str, seed: int = 0, count: int | None = None):
    """Seeded standard-normal float32 input(s) for a model: {INPUT: array} (a list if count)."""
    rng = np.random.default_rng(seed)
    shape = _spec(name).input_shape
    feeds = [{INPUT: rng.standard_normal(shape).astype(np.float32)} for _ in range(count or 1)]
    return feeds if count is not None else feeds[0]


def float_graph(name: str, fold_bn: bool = False) -> onnx.ModelProto:
    """The float32 ModelProto of a model (BN folded into the convs if fold_bn)."""
    spec = _spec(name)
    base = spec.base or name
    g = Graph(spec.input_shape, _seed(base), fold_bn)
    out = spec.body(g)
    return g.model(out, base)


def _quantize(name: str, workdir: Path) -> bytes:
    """The int8 model: tigris.quantize (what `tigris quantize` runs) on the float graph
    with BatchNormalization folded, calibrated on seeded inputs."""
    from tigris.quantize import quantize_static_int8
    spec = _spec(name)
    model = float_graph(name, fold_bn=True)
    # Calibrate X_qop on X's data so that both formats get the same scales.
    feeds = sample_input(name, seed=_seed(spec.base or name) + 1, count=CALIB_SAMPLES)
    q = quantize_static_int8(model, workdir / "quantized.onnx", feeds, per_channel=True,
                             qoperator=spec.qop)
    q.graph.name = name
    onnx.helper.set_model_props(q, {"onnx.infer": "onnxruntime.quant", "tigris.zoo.model": name,
                                    "tigris.zoo.version": str(BUILDER_VERSION)})
    return q.SerializeToString()


def build_bytes(name: str, fmt: str = "qdq") -> bytes:
    """Build a model from scratch (no cache) and return its serialized bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    if fmt == "float":
        return float_graph(name).SerializeToString()
    with tempfile.TemporaryDirectory(prefix="tigris-zoo.") as d:
        return _quantize(name, Path(d))


def cache_dir() -> Path:
    d = Path(os.environ.get("TIGRIS_ZOO_CACHE") or _HERE / "cache").resolve()
    d.mkdir(parents=True, exist_ok=True)
    return d


def cache_key(name: str, fmt: str) -> str:
    versions = [f"{p}={importlib.metadata.version(p)}" for p in ("onnx", "onnxruntime", "numpy")]
    source = hashlib.sha256(Path(__file__).read_bytes()
                            + (_HERE / "onnx_graph.py").read_bytes()
                            + _QUANTIZE_SOURCE.read_bytes()).hexdigest()
    text = "|".join([f"v{BUILDER_VERSION}", *versions, source, name, fmt])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cached_path(name: str, fmt: str = "qdq") -> Path:
    """Where build(name, fmt) puts its file (it may not exist yet)."""
    spec = _spec(name)
    if fmt == "float" and spec.base:
        name = spec.base
    tag = "qop" if fmt == "qdq" and spec.qop else fmt  # what the file really holds
    return cache_dir() / f"{name}.{tag}.{cache_key(name, fmt)}.onnx"


def build(name: str, fmt: str = "qdq", force: bool = False) -> Path:
    """Return the path of the cached model, building it first if needed.

    fmt "qdq" is the int8 model (QOperator for the *_qop names), "float" the
    float32 graph with its BatchNormalization nodes (shared by X and X_qop).
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    path = cached_path(name, fmt)
    if path.exists() and not force:
        return path
    data = build_bytes(name, fmt)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    stem = path.name.rsplit(".", 2)[0]  # NAME.FMT
    for old in path.parent.glob(stem + ".*.onnx"):
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()
    return path


def float_model(name: str) -> Path:
    return build(name, "float")


# ----------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------

def _table(fmt: str, force: bool) -> None:
    rows = []
    total = time.perf_counter()
    for n in names():
        t0 = time.perf_counter()
        cached = cached_path(n, fmt).exists() and not force
        p = build(n, fmt, force=force)
        secs = time.perf_counter() - t0
        m = onnx.load(str(p), load_external_data=False)
        shape = "x".join(str(d.dim_value) for d in m.graph.input[0].type.tensor_type.shape.dim)
        kind = p.name.split(".")[-3]
        rows.append((n, kind, shape, str(len(m.graph.node)), f"{p.stat().st_size:,}",
                     "cached" if cached else f"{secs:.2f}"))
    head = ("name", "format", "input", "nodes", "bytes", "build s")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print("  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    print(f"total {time.perf_counter() - total:.1f} s, cache {cache_dir()}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build zoo models; print the cached path (or a table for 'all').")
    ap.add_argument("name", help="a model name or 'all'; 'list' prints the names")
    ap.add_argument("--float", action="store_true", help="the float32 graph instead of the int8 one")
    ap.add_argument("--force", action="store_true", help="rebuild even if cached")
    a = ap.parse_args(argv)
    fmt = "float" if a.float else "qdq"
    if a.name == "list":
        for n in names():
            print(f"{n:24s} {'x'.join(map(str, MODELS[n].input_shape)):12s} {MODELS[n].description}")
        return 0
    if a.name == "all":
        _table(fmt, a.force)
        return 0
    if a.name not in MODELS:
        print(f"zoo: unknown model {a.name!r}; known: {', '.join(names())}", file=sys.stderr)
        return 2
    print(build(a.name, fmt, force=a.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
