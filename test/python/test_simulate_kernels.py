"""The reference kernels on the simulated Xtensa core (tools/iss): bit-exact.

Every kernel kind runs on seeded cases (odd small shapes and model-sized
ones, through the tigris_run_* dispatcher and the direct tigris_* kernel,
activation pointers sometimes misaligned as tiled strips are) on QEMU's
Xtensa core and on the host; both must equal the numpy reference byte for
byte, return TIGRIS_OK, leave the guard bytes around every output intact and
raise no CPU exception (an unaligned 32-bit access would end the guest with
exit 109). Needs tools/iss/install-deps.sh: skipped without it, except under
CI (CI=true), where a missing simulator is a failure.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from tigris import simulate as sim

sys.path.insert(0, str(sim.ISS))
import kcall  # noqa: E402
import kcases  # noqa: E402

CASES_PER_KIND = int(os.environ.get("TIGRIS_SIM_CASES", "12"))


def require_simulator():
    tool = sim.missing_tool()
    if tool:
        msg = f"simulate needs {tool} (run tools/iss/install-deps.sh)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="module")
def replayed():
    require_simulator()
    rng = np.random.default_rng(2024)
    calls, wants = [], []
    for kind, gen in kcases.CASES.items():
        for i in range(CASES_PER_KIND):
            size = "model" if i % 3 == 2 else "small"
            call, want = gen(rng, size=size, direct=bool(i % 2))
            calls.append(call)
            wants.append(want)
    s, h = kcall.replay(calls)
    return calls, wants, s, h


@pytest.mark.parametrize("kind", sorted(kcases.CASES))
def test_kernel_bit_exact_on_xtensa(replayed, kind):
    calls, wants, s, h = replayed
    n = 0
    for i, (c, want) in enumerate(zip(calls, wants)):
        if c.kind != kind:
            continue
        n += 1
        what = f"{c.name} case {i} -> {list(want.shape)}"
        assert s.returns[i] == 0 and h.returns[i] == 0, f"{what}: returned {s.returns[i]}"
        assert s.guards_ok[i] and h.guards_ok[i], f"{what}: wrote outside its output"
        assert s.outputs[i][0] == h.outputs[i][0], f"{what}: Xtensa differs from the host"
        got = np.frombuffer(s.outputs[i][0], np.int8).reshape(want.shape)
        bad = np.argwhere(got != want)
        assert len(bad) == 0, (f"{what}: {len(bad)} mismatches with the reference, first at "
                               f"{tuple(bad[0])}")
        assert s.counts[i] > 0
    assert n == CASES_PER_KIND


def test_instruction_counts_are_deterministic():
    require_simulator()
    rng = np.random.default_rng(7)
    calls = [kcases.conv2d(rng, size="small")[0] for _ in range(3)]
    a, _ = kcall.replay(calls, host=False)
    b, _ = kcall.replay(calls, host=False)
    assert a.counts == b.counts and all(n > 0 for n in a.counts)
    assert a.result.region == 0 and a.result.total > sum(a.counts)


def test_unaligned_word_load_is_a_cpu_exception(tmp_path):
    """Like the ESP32-S3, the simulated core faults on an unaligned 32-bit
    load: the guest ends with 100 + EXCCAUSE 9, which simulate names."""
    require_simulator()
    src = tmp_path / "unaligned.c"
    src.write_text("#include <stdint.h>\n"
                   "static uint8_t buf[8] __attribute__((aligned(4)));\n"
                   "volatile uintptr_t where = 1;\n"
                   "uint32_t *volatile word;\n"
                   "int main(void) { word = (uint32_t *)(buf + where); return (int)*word; }\n")
    elf = sim.build_elf([src], tmp_path / "unaligned.elf")
    r = sim.run_elf(elf, cwd=tmp_path)
    assert r.exit_code == 109
    assert sim.exit_reason(r.exit_code) == "CPU exception EXCCAUSE=9 (unaligned load/store)"


def test_missing_tool_message(monkeypatch):
    monkeypatch.setattr(sim.shutil, "which", lambda name: None)
    with pytest.raises(sim.SimulationError) as e:
        sim.check_tools()
    assert str(e.value) == ("simulate needs qemu-system-xtensa "
                            "(run tools/iss/install-deps.sh)")


def test_install_script_is_idempotent_check():
    """--check only reports; with everything installed it says ok."""
    require_simulator()
    import subprocess
    r = subprocess.run(["bash", str(Path(sim.ISS) / "install-deps.sh"), "--check"],
                       capture_output=True, text=True)
    sim.plugin()     # the plugin is built on demand when only the packages are there
    assert r.returncode in (0, 1) and r.stdout.startswith("iss: ")
