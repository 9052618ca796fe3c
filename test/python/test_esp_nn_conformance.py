"""The runtime built against Espressif's ESP-NN C kernels gives the reference
kernels' bytes: ANSI and generic optimized builds, each without and with
TIGRIS_ESP_NN_HAS_GROUPED_CONV / HAS_MEAN (esp_nn_conformance.py builds them
from the source tree ESP_NN_DIR names; skipped when it is unset).

- the kernel test files (test_runtime_kernels_conv.py, _ops.py) at 2,000 random
  cases per test (TIGRIS_ESP_NN_CASES) against each build;
- every zoo model and the 1x1 cases ESP-NN's generic conv got wrong, compiled
  for --target esp32s3 and --target esp32 untiled at 8M, and as planned at 8M
  and 32K+8M (tiled; the cases also at 4K+8M), run
  on the reference build and on each ESP-NN build on two seeded inputs: every
  output byte equal.

- on the simulated Xtensa core (tigris simulate, tools/iss), small plans for
  --target esp32 linked with the generic optimized kernels (-DTIGRIS_USE_ESP_NN
  -DCONFIG_NN_OPTIMIZED, as on an ESP32) give the host reference build's bytes.

bench/esp_nn_conformance.py runs the same and records the table.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from tigris.budget import Budget
from tigris.errors import BudgetError
from tigris.plan.compiler import compile_onnx

import esp_nn_conformance as conf

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import zoo  # noqa: E402

ESP_NN = conf.esp_nn_dir()
pytestmark = pytest.mark.skipif(
    ESP_NN is None or shutil.which("gcc") is None and not os.environ.get("CC"),
    reason="ESP_NN_DIR is not set (an ESP-NN source tree, github:espressif/esp-nn v1.2.3)")

CASES = int(os.environ.get("TIGRIS_ESP_NN_CASES", "2000"))
TARGETS = ("esp32s3", "esp32")


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    return conf.load_builds(ESP_NN, tmp_path_factory.mktemp("esp-nn-builds"))


@pytest.fixture(scope="module")
def lib_paths(builds):
    return {name: Path(lib._name) for name, lib in builds.items()}


@pytest.mark.parametrize("flavour,has", conf.BUILDS,
                         ids=[conf.build_name(f, h) for f, h in conf.BUILDS])
def test_kernel_tests_pass(flavour, has, lib_paths):
    name = conf.build_name(flavour, has)
    ok, summary, _ = conf.run_kernel_tests(lib_paths[name], CASES, has)
    assert ok, f"{name}: {summary}"
    assert " passed" in summary and "skipped" not in summary, summary


@pytest.fixture(scope="module")
def case_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("esp-nn-cases")
    return {name: conf.case_model(name, folder) for name in conf.CASES}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("model", list(conf.CASES) + zoo.names())
def test_plans_equal_reference(model, target, builds, case_models):
    path = case_models[model] if model in conf.CASES else zoo.build(model)
    compiled = 0
    for budget_name, (fast, slow, tile) in conf.budgets_for(model).items():
        try:
            c = compile_onnx(str(path), Budget(fast, slow), target, tile=tile)
        except BudgetError as e:
            # A model whose scratch makes it too big for 32K on esp32s3 is refused
            # cleanly, naming the kernel; it must still fit the flat budget.
            assert budget_name not in ("flat", "8M"), f"{model} does not fit {budget_name}"
            if budget_name == "32K+8M":     # --target esp32 reserves no scratch: no refusal
                assert target == "esp32s3" and "scratch the esp32s3 kernel of '" in str(e), str(e)
            continue
        compiled += 1
        diff, calls = conf.compare_plan(c.data, builds)
        assert not any(diff.values()), f"{model} {target} {budget_name}: bytes differ {diff}"
        # ESP-NN ran some of it: conv (or a pool) in every model here maps to it
        assert all(calls.values()), f"{model} {target} {budget_name}: ESP-NN calls {calls}"
    assert compiled


@pytest.mark.parametrize("model", conf.ISS_MODELS)
def test_simulated_core_with_generic_opt_kernels(model, case_models, tmp_path):
    """On the simulated Xtensa core, the runtime linked with ESP-NN's generic optimized
    kernels gives the host reference build's bytes, flat and tiled."""
    from tigris.simulate import missing_tool
    if missing_tool():
        pytest.skip(f"the simulator is not installed ({missing_tool()}; tools/iss/install-deps.sh)")
    path = case_models[model] if model in conf.CASES else zoo.build(model)
    for budget_name in ("flat", "32K+8M"):
        fast, slow, tile = conf.BUDGETS[budget_name]
        plan = tmp_path / f"{budget_name}.tgrs"
        plan.write_bytes(compile_onnx(str(path), Budget(fast, slow), "esp32", tile=tile).data)
        ref_diff, esp_diff, ref_insns, esp_insns = conf.simulate_both(plan, ESP_NN)
        assert ref_diff == 0 and esp_diff == 0, (model, budget_name, ref_diff, esp_diff)
        assert ref_insns > 0 and esp_insns > 0


@pytest.mark.parametrize("config,flavour,conv", [
    ([], "TIGRIS_ESP_NN_ANSI", "esp_nn_conv_s8_ansi"),
    (["-DCONFIG_NN_OPTIMIZED=1", "-DCONFIG_IDF_TARGET_ESP32=1"], "TIGRIS_ESP_NN_OPT",
     "esp_nn_conv_s8_opt"),
    (["-DCONFIG_NN_OPTIMIZED=1", "-DCONFIG_IDF_TARGET_ESP32C3=1"], "TIGRIS_ESP_NN_OPT",
     "esp_nn_conv_s8_opt"),
    (["-DCONFIG_NN_OPTIMIZED=1", "-DCONFIG_IDF_TARGET_ESP32S3=1"], "TIGRIS_ESP_NN_S3",
     "esp_nn_conv_s8_esp32s3"),
])
def test_flavour_is_what_esp_nn_h_selects(config, flavour, conv, tmp_path):
    """The runtime applies the rules of the kernels esp_nn.h sends esp_nn_conv_s8 to."""
    import subprocess
    from tigris.plan.host import compiler, include_dirs, runtime_dir
    src = tmp_path / "f.c"
    src.write_text('#include "tigris_kernel_args.h"\nFLAVOUR=TIGRIS_ESP_NN_FLAVOUR\n'
                   'CONV=esp_nn_conv_s8\n')
    r = subprocess.run(compiler() + ["-E", "-P", "-DTIGRIS_USE_ESP_NN", *config,
                                     f"-I{ESP_NN / 'include'}",
                                     *[f"-I{d}" for d in include_dirs(runtime_dir())], str(src)],
                       capture_output=True, text=True, check=True)
    tail = r.stdout.split()[-2:]
    codes = {"TIGRIS_ESP_NN_ALL": 0, "TIGRIS_ESP_NN_ANSI": 1, "TIGRIS_ESP_NN_OPT": 2,
             "TIGRIS_ESP_NN_S3": 3}
    assert tail == [f"FLAVOUR={codes[flavour]}", f"CONV={conv}"], tail


def test_opt_1x1_route_ignores_padding(builds):
    """The [opt] guard matters: a padded 1x1 conv computed by esp_nn_conv_s8_opt
    directly (as the runtime called it before the rule) differs from ESP-NN's
    own ANSI kernel almost everywhere."""
    import ctypes

    import numpy as np
    from runtime_kernels_common import I8P, I32P
    lib = builds["opt+has"]
    # One padded 1x1 conv, 8 -> 16 channels on 12x12, pads 1: opt ignores the padding.
    rng = np.random.default_rng(5)
    x = rng.integers(-128, 128, (12, 12, 8), dtype=np.int8)
    w = rng.integers(-128, 128, (16, 1, 1, 8), dtype=np.int8)
    bias = (ctypes.c_int32 * 16)(*rng.integers(-1000, 1000, 16).tolist())
    mult = (ctypes.c_int32 * 16)(*[1 << 30] * 16)
    shift = (ctypes.c_int32 * 16)(*[-8] * 16)

    class DataDims(ctypes.Structure):
        _fields_ = [("width", ctypes.c_int32), ("height", ctypes.c_int32),
                    ("channels", ctypes.c_int32), ("extra", ctypes.c_int32)]

    class ConvParams(ctypes.Structure):
        _fields_ = [(n, ctypes.c_int32) for n in (
            "in_offset", "out_offset", "stride_w", "stride_h", "pad_w", "pad_h",
            "dil_w", "dil_h", "act_min", "act_max")]

    class Quant(ctypes.Structure):
        _fields_ = [("shift", I32P), ("mult", I32P)]

    q = Quant(ctypes.cast(shift, I32P), ctypes.cast(mult, I32P))
    cp = ConvParams(5, -3, 1, 1, 1, 1, 1, 1, -128, 127)
    outs = {}
    for fn in ("esp_nn_conv_s8_opt", "esp_nn_conv_s8_ansi"):
        # The output has 14x14 pixels; opt's 1x1 route reads 14 rows of a 12-row input,
        # so the input is given room to read into (zeros) to keep the run in bounds.
        room = np.zeros((16, 12, 8), dtype=np.int8)
        room[:12] = x
        out = np.zeros((14, 14, 16), dtype=np.int8)
        getattr(lib, fn)(ctypes.byref(DataDims(12, 12, 8, 1)), room.ctypes.data_as(I8P),
                         ctypes.byref(DataDims(1, 1, 8, 1)), w.ctypes.data_as(I8P),
                         ctypes.cast(bias, I32P), ctypes.byref(DataDims(14, 14, 16, 1)),
                         out.ctypes.data_as(I8P), ctypes.byref(cp), ctypes.byref(q))
        outs[fn] = out
    wrong = int(np.count_nonzero(outs["esp_nn_conv_s8_opt"] != outs["esp_nn_conv_s8_ansi"]))
    assert wrong > 1000, wrong
