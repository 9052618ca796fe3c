"""The four microWakeWord models (pymicro-wakeword) on the simulated Xtensa
core (tools/iss, tigris.simulate): compiled for --target esp32s3 at their
smallest budgets of bench/tflm_memory.txt (hey_jarvis at 32K), each frame runs
as one plan run on QEMU, the state carried in the plan's state region
(tools/iss/plan_main.c runs tigris_run_state; or fed back as the plan's state
inputs through tigris_run), and the wake word probability and every state
variable equal TFLM's after every frame. The default run takes 10 frames a
model through the region and 3 through the inputs; -m slow takes 100.
Skipped without the simulator (tools/iss/install-deps.sh) except under CI."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tigris import simulate as sim
from tigris.budget import Budget
from tigris.importers.tflite.load import load_tflite
from tigris.importers.tflite.state import find_state, initial_state
from tigris.plan.compiler import compile_onnx

sys.path.insert(0, str(Path(__file__).parent))
from test_simulate_kernels import require_simulator  # noqa: E402
from test_tflite_streaming import _models  # noqa: E402

runtime = pytest.importorskip("tflite_micro.python.tflite_micro.runtime")

# the smallest esp32s3 budgets bench/tflm_memory.py found (hey_jarvis: any)
BUDGETS = {"alexa": 8848, "hey_jarvis": 32 << 10, "hey_mycroft": 9488, "okay_nabu": 8304}


def run_frames(model: Path, frames: int, tmp_path: Path, region: bool) -> None:
    require_simulator()
    path = str(model)
    m = load_tflite(path, model.name)
    by_name = {"state:" + v.name: v for v in find_state(m)}
    c = compile_onnx(path, Budget(BUDGETS[model.stem]), target="esp32s3")
    plan_path = tmp_path / f"{model.stem}.tgrs"
    plan_path.write_bytes(c.data)
    it = runtime.Interpreter.from_file(
        path, intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    state = initial_state(path)
    from tigris.plan.reader import read_plan, state_start, state_vars
    plan = read_plan(c.data)
    region_bytes = state_start(plan) if region else None
    r = np.random.default_rng(3)
    shape = tuple(it.get_input_details(0)["shape"])
    for frame in range(frames):
        x = r.integers(-128, 128, shape).astype(np.int8)
        it.set_input(x, 0)
        it.invoke()
        want = np.array(it.get_output(0))
        if region:
            run = sim.simulate_plan(plan_path, [x], state=region_bytes)
        else:
            run = sim.simulate_plan(plan_path, [x] + list(state.values()))
        got = (run.outputs[0].astype(np.int16) + 128).astype(np.uint8)
        np.testing.assert_array_equal(got.reshape(want.shape), want, err_msg=f"frame {frame}")
        if region:
            for i, _, at, size in state_vars(plan):
                ref = np.asarray(it.GetTensor(by_name[plan.inputs[i].name].value, 0)
                                 ["tensor_data"])
                np.testing.assert_array_equal(region_bytes[at:at + size], ref.reshape(-1),
                                              err_msg=f"frame {frame}: {plan.inputs[i].name}")
            continue
        for d, out in zip(plan.outputs[1:], run.outputs[1:]):
            ref = np.asarray(it.GetTensor(by_name[d.name].value, 0)["tensor_data"])
            np.testing.assert_array_equal(out.reshape(-1), ref.reshape(-1),
                                          err_msg=f"frame {frame}: {d.name}")
            state[d.name] = np.ascontiguousarray(out.reshape(state[d.name].shape))
        assert run.run > 0


@pytest.mark.parametrize("model", _models(), ids=lambda p: p.stem)
def test_wakeword_on_the_simulated_core(model, tmp_path):
    run_frames(model, 10, tmp_path, region=True)
    run_frames(model, 3, tmp_path, region=False)


@pytest.mark.slow
@pytest.mark.parametrize("model", _models(), ids=lambda p: p.stem)
def test_wakeword_100_frames_on_the_simulated_core(model, tmp_path):
    run_frames(model, 100, tmp_path, region=True)
