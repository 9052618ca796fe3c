"""`tigris analyze` and the planning passes on the zoo models."""
import copy
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tigris.analysis import analyze
from tigris.budget import Budget

import cli_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import zoo  # noqa: E402

ZOO = [n for n in zoo.names() if not n.startswith("tiny_")]
# unet_small and mobilenet_v2_0.35_96 (8 to 12 s each unbudgeted) and a QOperator
# twin of a model checked here: -m slow. mobilenet_v1_1.0_128 is the
# benchmark-sized model of the default run.
SLOW = {"unet_small", "mobilenet_v2_0.35_96", "mobilenet_v1_0.25_96_qop"}
_reports: dict = {}


def unbudgeted(name: str) -> dict:
    """analyze() of a zoo model without a budget, once per module (a copy each time)."""
    if name not in _reports:
        _reports[name] = analyze(str(zoo.build(name)), Budget(10 ** 9), None)
    return copy.deepcopy(_reports[name])


def _param(name: str):
    return pytest.param(name, marks=[pytest.mark.slow] if name in SLOW else [])


def tigris(*args):
    """`tigris ARGS...` in a process of its own (forked from a warm Python: cli_server)."""
    return cli_server.run(list(args), timeout=600)


@pytest.mark.parametrize("name", [_param(n) for n in ZOO])
def test_plan_reaches_bound_and_never_beats_naive(name):
    r = unbudgeted(name)
    pk = r["peak"]
    print(f"\n{name:28s} naive {pk['naive']:>8} scheduled {pk['scheduled']:>8} "
          f"arena {pk['plan']:>8} bound {pk['lower_bound']:>8} gap {pk['gap']}")
    assert pk["plan"] == pk["lower_bound"]
    assert pk["scheduled"] <= pk["naive"] + 16 * r["activations"]  # naive is unaligned
    assert pk["plan"] <= pk["tflm_greedy"] <= pk["no_reuse"]


@pytest.mark.parametrize("name", [_param(n) for n in ["inception_block", "unet_small"]])
def test_branchy_models_schedule_strictly_better(name):
    r = unbudgeted(name)
    assert r["peak"]["plan"] < r["peak"]["naive"]


def test_mobilenet_v1_figures_and_timing(tmp_path):
    path = str(zoo.build("mobilenet_v1_1.0_128"))
    png = tmp_path / "arena.png"
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "tigris.cli", "analyze", path, "-m", "512K",
                          "-f", "16M", "--plot", str(png)], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    print(f"\ntigris analyze mobilenet_v1_1.0_128: {seconds:.2f} s end to end")
    assert out.returncode == 0, out.stderr
    assert "Peak memory (naive)  384.00 KiB" in out.stdout
    assert "Largest tensor       1x64x64x64 (256.00 KiB)" in out.stdout
    assert "PASS" in out.stdout
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image
    img = matplotlib.image.imread(str(png))
    assert img.shape[0] > 100 and img.shape[1] > 100 and img.std() > 0


@pytest.mark.parametrize("name,budget", [("resnet8", "12K"), pytest.param(
    "mobilenet_v1_1.0_128", "64K", marks=pytest.mark.slow)])
def test_over_budget_fails_with_the_peak_operator(name, budget):
    out = tigris("analyze", str(zoo.build(name)), "-m", budget)
    assert out.returncode == 3
    assert "FAIL - " in out.stdout and "holds the peak" in out.stdout
    assert out.stderr.count("\n") == 1 and "smallest budget that works is about" in out.stderr


def test_json_report_is_versioned_and_complete():
    out = tigris("analyze", str(zoo.build("resnet8")), "-m", "64K", "--json")
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert r["version"] == 3
    assert 0 < r["tiling"]["seconds"] <= r["seconds"]      # the planning time, within the whole
    for key in ("naive", "plan", "lower_bound", "gap", "tflm_greedy", "no_reuse"):
        assert isinstance(r["peak"][key], int)
    assert r["budget"]["fits"] and r["budget"]["fast"] == 65536
    assert r["budget"]["tiled_stages"] == 0 and r["budget"]["stages"] == r["operators"]
    offsets = {k: v for k, v in r["buffers"].items()}
    assert all(v["offset"] is not None and v["offset"] % 16 == 0 for v in offsets.values())


def test_verbose_table_lists_every_operator():
    out = tigris("analyze", str(zoo.build("ds_cnn")), "-m", "256K", "-v")
    assert out.returncode == 0, out.stderr
    rows = [l for l in out.stdout.splitlines() if l[:4].strip().isdigit()]
    assert len(rows) == int(next(l for l in out.stdout.splitlines()
                                 if l.startswith("plan: ")).split()[1])


def test_float_model_is_analyzable():
    out = tigris("analyze", str(zoo.build("resnet8", "float")), "-m", "256K")
    assert out.returncode == 0, out.stderr
    assert "(float32)" in out.stdout


@pytest.mark.parametrize("budget", ["12Q", "-5K", "0", "K", "64K+", "1.5", "64K+8M+1M"])
def test_bad_budget_strings(budget):
    out = tigris("analyze", str(zoo.build("tiny_conv_relu")), "-m", budget)
    assert out.returncode == 2
    assert out.stderr.startswith("tigris: bad ") and out.stderr.count("\n") == 1
    assert "Traceback" not in out.stderr


def test_budget_parsing():
    assert Budget.parse("256K") == Budget(262144)
    assert Budget.parse("64K+8M") == Budget(65536, 8 * 1024 * 1024)
    assert Budget.parse("1000") == Budget(1000)


@pytest.mark.parametrize("name", ["inception_block", "unet_small", "resnet8"])
def test_scheduled_plan_computes_the_same_bytes(name):
    """Reordering and buffer assignment must not change the output."""
    from tigris.driver import run_pipeline
    from tigris.dialects import make_context
    from tigris.importers.onnx import import_onnx
    from tigris.passes.registry import functions
    from tigris.reference.interpreter import run_function
    from tigris.resources import WeightTable
    path = str(zoo.build(name))
    outs = []
    for pipeline in ("builtin.module(tigris-legalize)",
                     "builtin.module(tigris-legalize,tigris-schedule,tigris-bufferize,"
                     "tigris-liveness,tigris-assign-offsets)"):
        ctx = make_context()
        res = import_onnx(path, ctx)
        run_pipeline(ctx, res.module, pipeline, name)
        with ctx:
            fn = functions(res.module.operation)[0]
            arg = fn.regions[0].blocks[0].arguments[0]
            from mlir import ir
            shape = ir.RankedTensorType(arg.type).shape
            x = np.random.default_rng(7).integers(-128, 128, shape, dtype=np.int8)
            outs.append(run_function(fn, WeightTable(res.weights), [x])[0])
    assert np.array_equal(outs[0], outs[1])


def test_slow_pool_floor_names_the_operator(tmp_path):
    """With a slow pool everything but the model outputs and the kernel
    scratch may leave fast memory: a budget under the output fails in one line
    naming the operator that needs it, and that figure + 1 KiB compiles."""
    from onnx_check import quantize
    from test_architectures import Net
    net = Net(0)
    y = net.node("Relu", [net.conv("x", 3, 8, 3, 1)], "act")       # 8 x 32 x 32 int8 output
    path = quantize(net.model("wide_output", (1, 3, 32, 32), y), tmp_path / "m.onnx",
                    (1, 3, 32, 32))
    out = tigris("analyze", str(path), "-m", "4K+8M")
    assert out.returncode == 3 and out.stderr.count("\n") == 1, out.stderr
    assert "whatever the plan," in out.stderr and "(conv2d) needs 8.00 KiB" in out.stderr
    out = tigris("analyze", str(path), "-m", "9K+8M", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["budget"]["fits"]


def test_slow_pool_floor_of_a_kernel_scratch(tmp_path):
    """On esp32s3 a conv's scratch sets the floor; the operator is named even
    when the plan tiles it (its op is replaced by strips after the search)."""
    from onnx_check import quantize
    from test_architectures import Net
    net = Net(0)
    y = net.node("Relu", [net.conv("x", 3, 32, 3, 1)], "act")
    y = net.conv(net.node("Relu", [net.conv(y, 32, 64, 3, 1)], "act"), 64, 4, 1, 1)
    path = quantize(net.model("scratchy", (1, 3, 24, 24), y), tmp_path / "m.onnx", (1, 3, 24, 24))
    out = tigris("analyze", str(path), "-m", "4K+8M", "--target", "esp32s3", "--json")
    assert out.returncode == 3 and out.stderr.count("\n") == 1, out.stderr
    floor = json.loads(out.stdout)["tiling"]["floor"]
    assert floor["op"] == "conv2d" and floor["bytes"] > 4096
    assert f"{floor['node']} (conv2d) needs" in out.stderr
    out = tigris("analyze", str(path), "-m", f"{floor['bytes'] + 1024}+8M", "--target", "esp32s3")
    assert out.returncode == 0, out.stderr


def test_slow_pool_floor_with_a_concat(tmp_path):
    """A channel concat (its destination op reads no rows) on the floor's path."""
    from onnx_check import quantize
    from test_architectures import Net
    net = Net(1)
    a = net.node("Relu", [net.conv("x", 3, 4, 3, 1)], "act")
    b = net.node("Relu", [net.conv("x", 3, 4, 3, 1)], "act")
    y = net.conv(net.node("Concat", [a, b], "cat", axis=1), 8, 8, 3, 1)
    path = quantize(net.model("concat", (1, 3, 32, 32), y), tmp_path / "m.onnx", (1, 3, 32, 32))
    out = tigris("analyze", str(path), "-m", "4K+8M", "--target", "esp32s3")
    assert out.returncode == 3 and out.stderr.count("\n") == 1, out.stderr
    assert "whatever the plan," in out.stderr and "internal error" not in out.stderr


def test_slow_pool_floor_of_a_concat_output(tmp_path):
    """A model output that a concat's inserts fill may be placed in the slow
    pool with its destination: the floor is not the output (64 KiB here) but
    the conv whose scratch needs the most, and that figure is the best plan's."""
    from onnx_check import quantize
    from test_architectures import Net
    net = Net(1)
    a = net.node("Relu", [net.conv("x", 3, 8, 3, 1)], "act")
    a = net.node("Relu", [net.conv(a, 8, 8, 3, 1)], "act")
    b = net.node("Relu", [net.conv("x", 3, 8, 3, 1)], "act")
    y = net.node("Concat", [a, b], "cat", axis=1)       # 16 x 32 x 128 int8 output
    path = quantize(net.model("concat_output", (1, 3, 32, 128), y), tmp_path / "m.onnx",
                    (1, 3, 32, 128))
    out = tigris("analyze", str(path), "-m", "1K+8M", "--target", "esp32s3", "--json")
    assert out.returncode == 3 and out.stderr.count("\n") == 1, out.stderr
    report = json.loads(out.stdout)
    floor = report["tiling"]["floor"]
    assert floor["op"] == "conv2d" and floor["bytes"] <= report["peak"]["plan"]
    out = tigris("analyze", str(path), "-m", f"{floor['bytes'] + 1024}+8M", "--target", "esp32s3")
    assert out.returncode == 0, out.stderr
