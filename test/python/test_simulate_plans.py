"""Whole plans on the simulated Xtensa core: bit-exact with the host runtime and
with the numpy reference interpreter, no CPU exception, instruction counts.

ResNet-8 and DS-CNN are compiled (tigris.plan.compiler, as `tigris compile`)
untiled at 256K and at small budgets that tile; each plan runs on QEMU's
Xtensa core (tools/iss, python/tigris/simulate.py) and on the host runtime,
and both outputs must equal the reference interpreter's on the legalized
function byte for byte. `tigris simulate` itself is checked on a tiny model.
Skipped without the simulator (tools/iss/install-deps.sh) except under CI.
"""
from __future__ import annotations

import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from tigris import simulate as sim
from tigris.cli import main as tigris_main
from tigris.errors import BudgetError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import zoo  # noqa: E402
from test_simulate_kernels import require_simulator  # noqa: E402
import zoo_cache  # noqa: E402

# (model, budget, tile). 16K is the issue's budget; ResNet-8's smallest
# SRAM-only plan is 24K today (the test then checks the clean BudgetError; 24K
# tiles, and 16K+8M spills to a slow pool), and DS-CNN fits 16K untiled, so
# 12K is where it tiles.
# ResNet-8 does not fit 16K of SRAM alone (it needs 24K): that case is run
# with a slow pool, and test_budget_error_is_one_line checks the SRAM-only error.
CASES = [("resnet8", "256K", False), ("resnet8", "24K", True),
         ("resnet8", "16K+8M", True),
         ("ds_cnn", "256K", False), ("ds_cnn", "16K", True), ("ds_cnn", "12K", True)]


def reference(name: str, x: np.ndarray) -> list[np.ndarray]:
    """The numpy reference interpreter on the legalized (untiled) function."""
    from tigris.reference.interpreter import run_function
    ref = zoo_cache.reference(name)
    with ref.ctx:
        return run_function(ref.fn, ref.weights, [x])


# Plans that do not compile or whose output differs from the reference on the
# host runtime too (a planning/lowering bug, not a simulator one): the
# simulated core must still equal the host, then the case is an expected
# failure until the bug is fixed.
_refs: dict = {}


def compile_plan(name, budget, tile, tmp_path) -> Path:
    """compile_onnx at `budget` (once per session: zoo_cache), written to a file."""
    return zoo_cache.plan_file(name, budget, tmp_path, tile=tile)


@pytest.mark.parametrize("name,budget,tile", CASES,
                         ids=[f"{m}-{b}{'' if t else '-flat'}" for m, b, t in CASES])
def test_plan_bit_exact_on_xtensa(name, budget, tile, tmp_path):
    require_simulator()
    from tigris.plan.host import HostPlan
    from tigris.plan.reader import read_plan_file
    path = compile_plan(name, budget, tile, tmp_path)
    plan = read_plan_file(str(path))
    shape = plan.tensors[plan.inputs[0].tensor].shape
    x = np.random.default_rng(5).integers(-128, 128, shape, dtype=np.int8)
    if name not in _refs:
        _refs[name] = reference(name, x)
    want = _refs[name]
    r = sim.simulate_plan(path, [x])        # raises on a CPU exception or a failed run
    host = HostPlan(path.read_bytes(), plan).run([x])
    for i, (got, h, w) in enumerate(zip(r.outputs, host, want)):
        assert np.array_equal(got, h), f"output {i}: simulated core != host runtime"
        bad = int(np.count_nonzero(got != w.reshape(got.shape)))
        assert bad == 0, f"output {i}: plan != reference interpreter in {bad} bytes"
    assert r.crc32 == sim.plan_checksum(plan, host)
    assert len(r.calls) == len(plan.calls) and all(n > 0 for n in r.calls)
    assert sum(r.calls) < r.run < r.total
    if tile:   # the C of `tigris codegen` on the same core: the same bytes
        g = sim.simulate_plan(path, [x], codegen=True)
        assert g.crc32 == r.crc32 and all(np.array_equal(a, b) for a, b in zip(g.outputs, r.outputs))
    print(f"\n{name} @ {budget}: {len(plan.calls)} calls, {r.run:,} instructions, "
          f"{r.macs:,} MACs, crc32 {r.crc32:08x}")


def test_simulate_cli_matches_run(tmp_path, capsys):
    require_simulator()
    model = str(zoo.build("tiny_residual_add"))
    plan, x = tmp_path / "m.tgrs", tmp_path / "x.npy"
    np.save(x, zoo.sample_input("tiny_residual_add", 3)["input"])
    assert tigris_main(["compile", model, "-o", str(plan)]) == 0
    assert tigris_main(["run", str(plan), "-i", str(x), "-o", str(tmp_path / "host.npy")]) == 0
    capsys.readouterr()
    assert tigris_main(["simulate", str(plan), "-i", str(x), "-o", str(tmp_path / "sim.npy")]) == 0
    out = capsys.readouterr().out
    host, simulated = np.load(tmp_path / "host.npy"), np.load(tmp_path / "sim.npy")
    assert simulated.dtype == np.int8 and np.array_equal(host, simulated)
    crc = f"{zlib.crc32(host.tobytes()):08x}"
    assert f"crc32 {crc} (simulated Xtensa) == host runtime" in out
    assert "instructions per MAC" in out and "kernel kind" in out

    assert tigris_main(["simulate", str(plan), "-i", str(x), "--json", "--no-host"]) == 0
    import json
    d = json.loads(capsys.readouterr().out)
    assert d["checksum"] == crc and d["host_checksum"] is None
    assert sum(k["instructions"] for k in d["kinds"]) == sum(d["per_call"]) < d["instructions"]
    assert sum(s["calls"] for s in d["stages"]) == d["calls"] == len(d["per_call"])


def test_simulate_cli_errors(tmp_path, capsys, monkeypatch):
    model = str(zoo.build("tiny_conv_relu"))
    plan = tmp_path / "m.tgrs"
    assert tigris_main(["compile", model, "-o", str(plan)]) == 0
    np.save(tmp_path / "x.npy", np.zeros((1, 3, 4, 4), np.float32))
    capsys.readouterr()
    monkeypatch.setattr(sim.shutil, "which", lambda name: None)
    assert tigris_main(["simulate", str(plan), "-i", str(tmp_path / "x.npy")]) == 4
    assert capsys.readouterr().err == ("tigris: simulate needs qemu-system-xtensa "
                                       "(run tools/iss/install-deps.sh)\n")
    monkeypatch.undo()
    require_simulator()
    assert tigris_main(["simulate", str(plan), "-i", str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tigris: ") and "shape" in err and err.count("\n") == 1


def test_budget_error_is_one_line(tmp_path):
    """ResNet-8 at 12K of SRAM alone: a clean budget error naming what it needs."""
    with pytest.raises(BudgetError) as e:
        compile_plan("resnet8", "12K", True, tmp_path)
    assert "does not fit" in str(e.value) and "\n" not in str(e.value)
