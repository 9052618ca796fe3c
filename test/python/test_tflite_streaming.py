"""The four microWakeWord models of `pymicro-wakeword` (int8, streaming state
in resource variables): compiled for --target esp32s3 and run frame after
frame on the host runtime, with the state the plan outputs fed back as its
next input, they give TFLM's bytes for 100 frames of seeded features: the
wake word probability and every state variable after every frame."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tigris.budget import Budget
from tigris.cli import main as tigris
from tigris.importers.tflite.load import load_tflite
from tigris.importers.tflite.state import find_state, initial_state
from tigris.plan.compiler import compile_onnx
from tigris.plan.host import HostPlan

runtime = pytest.importorskip("tflite_micro.python.tflite_micro.runtime")


def _models() -> list[Path]:
    try:
        import pymicro_wakeword
    except ImportError:
        return []
    return sorted((Path(pymicro_wakeword.__file__).parent / "models").glob("*.tflite"))


@pytest.mark.parametrize("model", _models(), ids=lambda p: p.stem)
def test_wakeword_100_frames_bit_exact_with_tflm(model):
    path = str(model)
    m = load_tflite(path, model.name)
    state_vars = find_state(m)
    assert len(state_vars) >= 6
    plan = compile_onnx(path, Budget(32 << 10), target="esp32s3")
    host = HostPlan(plan.data)
    it = runtime.Interpreter.from_file(
        path, intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    state = list(initial_state(path).values())
    assert [s.shape for s in state] == [m.tensors[v.read].shape for v in state_vars]
    r = np.random.default_rng(0)
    shape = tuple(it.get_input_details(0)["shape"])
    moved = 0
    for frame in range(100):
        x = r.integers(-128, 128, shape).astype(np.int8)
        it.set_input(x, 0)
        it.invoke()
        want = np.array(it.get_output(0))
        outs = host.run([x] + state)
        got = (outs[0].astype(np.int16) + 128).astype(np.uint8)    # uint8 output: int8 codes
        np.testing.assert_array_equal(got.reshape(want.shape), want, err_msg=f"frame {frame}")
        for v, new, old in zip(state_vars, outs[1:], state):
            ref = np.asarray(it.GetTensor(v.value, 0)["tensor_data"]).reshape(new.shape)
            np.testing.assert_array_equal(new, ref, err_msg=f"frame {frame}: state '{v.name}'")
            moved += int(np.any(new != old))
        state = [np.ascontiguousarray(o) for o in outs[1:]]
    assert moved > 100    # the state really streams


def test_state_is_plan_io(tmp_path, capsys):
    """Each variable is a plan input and a plan output named state:<shared name>,
    starting from CALL_ONCE's constants (the zero point: -128)."""
    models = _models()
    if not models:
        pytest.skip("pymicro-wakeword is not installed")
    path = str(models[0])
    init = initial_state(path)
    assert all(k.startswith("state:") for k in init)
    assert all(np.all(v == -128) for v in init.values())
    out = tmp_path / "m.mlir"
    assert tigris(["import", path, "-o", str(out)]) == 0
    text = out.read_text()
    for name in init:
        assert text.count(f'name = "{name}"') == 2      # the input and the output


def test_analyze_prints_the_state_line(capsys):
    models = _models()
    if not models:
        pytest.skip("pymicro-wakeword is not installed")
    assert tigris(["analyze", str(models[0]), "-m", "16K", "--target", "esp32s3"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("State ")]
    assert len(lines) == 1 and "6 variables" in lines[0] and "KiB" in lines[0]


@pytest.mark.parametrize("model", _models(), ids=lambda p: p.stem)
def test_state_region_100_frames_bit_exact_with_tflm(model):
    """The state memory class: tigris_state_init sets the region to each
    variable's zero point (CALL_ONCE's values), tigris_run_state carries it
    across 100 frames, and after every frame the region holds TFLM's
    variables byte for byte; the numpy plan executor's run_plan_state agrees."""
    from tigris.plan.execute import run_plan_state
    from tigris.plan.reader import read_plan, state_start, state_vars
    path = str(model)
    m = load_tflite(path, model.name)
    by_name = {"state:" + v.name: v for v in find_state(m)}
    data = compile_onnx(path, Budget(32 << 10), target="esp32s3").data
    plan = read_plan(data)
    host = HostPlan(data, plan)
    region = host.state_init()
    init = initial_state(path)
    assert plan.state_size == sum(v.size for v in init.values()) == region.size
    assert np.array_equal(region, state_start(plan))
    layout = state_vars(plan)
    for i, _, at, size in layout:
        assert np.array_equal(region[at:at + size], init[plan.inputs[i].name].reshape(-1))
    py_region = state_start(plan)
    it = runtime.Interpreter.from_file(
        path, intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    r = np.random.default_rng(1)
    shape = tuple(it.get_input_details(0)["shape"])
    for frame in range(100):
        x = r.integers(-128, 128, shape).astype(np.int8)
        it.set_input(x, 0)
        it.invoke()
        want = np.array(it.get_output(0))
        (out,) = host.run_state([x], region)
        got = (out.astype(np.int16) + 128).astype(np.uint8)
        np.testing.assert_array_equal(got.reshape(want.shape), want, err_msg=f"frame {frame}")
        for i, _, at, size in layout:
            v = by_name[plan.inputs[i].name]
            ref = np.asarray(it.GetTensor(v.value, 0)["tensor_data"]).reshape(-1)
            np.testing.assert_array_equal(region[at:at + size], ref,
                                          err_msg=f"frame {frame}: {plan.inputs[i].name}")
        if frame < 5:
            (py_out,) = run_plan_state(plan, [x], py_region)
            np.testing.assert_array_equal(py_out, out)
            np.testing.assert_array_equal(py_region, region)


def test_state_in_the_json_report(capsys):
    import json

    import jsonschema
    models = _models()
    if not models:
        pytest.skip("pymicro-wakeword is not installed")
    assert tigris(["analyze", str(models[0]), "-m", "16K", "--target", "esp32s3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    schema = json.loads((Path(__file__).resolve().parents[2] / "docs" /
                         "analyze-report.schema.json").read_text())
    jsonschema.validate(report, schema)
    init = initial_state(str(models[0]))
    assert report["state"]["bytes"] == sum(v.size for v in init.values())
    assert [v["name"] for v in report["state"]["variables"]] == list(init)


def test_half_the_tflm_arena(tmp_path, capsys):
    """Each model compiles for esp32s3 at half the arena its .json asks TFLM
    for, except hey_jarvis: one line, exit 3, naming what its plan needs and
    the ESP32-S3 convolution scratch that makes it so (--target esp32, the
    same arithmetic without scratch, fits)."""
    import json
    models = _models()
    if not models:
        pytest.skip("pymicro-wakeword is not installed")
    for model in models:
        half = json.loads(model.with_suffix(".json").read_text())["micro"]["tensor_arena_size"] // 2
        out = str(tmp_path / f"{model.stem}.tgrs")
        rc = tigris(["compile", str(model), "-m", str(half), "--target", "esp32s3", "-o", out])
        err = capsys.readouterr().err.strip()
        if model.stem != "hey_jarvis":
            assert rc == 0, err
            continue
        assert rc == 3 and "\n" not in err
        assert err == ("tigris: hey_jarvis.tflite does not fit 11.16 KiB of fast RAM: the plan "
                       "needs 17.45 KiB (17872 bytes), of which 14864 bytes are the scratch the "
                       "esp32s3 kernel of 'operator 17 CONV_2D' needs (--target esp32 reserves "
                       "none)")
        assert tigris(["compile", str(model), "-m", str(half), "--target", "esp32", "-o", out]) == 0


def test_cli_run_with_a_state_file(tmp_path, capsys):
    """`tigris run --state FILE`: the region starts at real zero when FILE is
    absent and is carried in FILE from run to run; the outputs equal TFLM's
    frame after frame. Without --state the state inputs must be given."""
    models = _models()
    if not models:
        pytest.skip("pymicro-wakeword is not installed")
    model = models[0]
    plan = tmp_path / "m.tgrs"
    assert tigris(["compile", str(model), "-m", "16K", "--target", "esp32s3", "-o",
                   str(plan)]) == 0
    it = runtime.Interpreter.from_file(str(model))
    r = np.random.default_rng(5)
    state = tmp_path / "state.bin"
    shape = tuple(it.get_input_details(0)["shape"])
    for frame in range(4):
        x = r.integers(-128, 128, shape).astype(np.int8)
        np.save(tmp_path / "x.npy", x)
        it.set_input(x, 0)
        it.invoke()
        assert tigris(["run", str(plan), "--state", str(state), "-i", str(tmp_path / "x.npy"),
                       "-o", str(tmp_path / "y.npy")]) == 0
        y = np.load(tmp_path / "y.npy")
        want = np.array(it.get_output(0))
        np.testing.assert_array_equal((y.astype(np.int16) + 128).astype(np.uint8)
                                      .reshape(want.shape), want, err_msg=f"frame {frame}")
        assert state.stat().st_size == sum(v.size for v in initial_state(str(model)).values())
    capsys.readouterr()
    assert tigris(["run", str(plan), "-i", str(tmp_path / "x.npy"), "-o",
                   str(tmp_path / "y.npy")]) == 2       # the state inputs are missing
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "input(s), got 1" in err
