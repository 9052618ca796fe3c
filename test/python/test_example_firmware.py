"""The device path: the runtime as a vendorable folder, the plan as a C array, the
example firmware (examples/common/main.c) built for the host from this tree.

- `tigris codegen --c-array` writes the plan's exact bytes, 16-byte aligned, with
  its length and the arena sizes;
- examples/host, built beside a copy of runtime/ alone (nothing else of the tree),
  runs MobileNetV1 0.25 (zoo) from the embedded plan and prints the
  bytes `tigris run` gives on the same input, and one timed line per call whose
  kernel kind and stage are the plan's (the runtime's profiling hook);
- the same main.c, the runtime and the plan array compile with -Werror and the
  runtime's strict warnings for arm-none-eabi and xtensa-lx106 (gcc), and for the
  ESP32's Xtensa ISA (clang-22, to assembly), where installed.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tigris.cli import main as tigris
from tigris.plan.reader import read_plan_file

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtime"
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(ROOT / "test" / "models"))
import zoo  # noqa: E402

MODEL = "mobilenet_v1_0.25_96"
STRICT = ["-std=c99", "-Werror", "-Wall", "-Wextra", "-pedantic", "-Wshadow",
          "-Wstrict-prototypes", "-Wmissing-prototypes", "-Wvla", "-Wconversion",
          "-Wdouble-promotion", "-Wcast-qual"]
CROSS = {"arm-none-eabi": ["-mcpu=cortex-m4", "-mthumb"], "xtensa-lx106-elf": ["-mlongcalls"]}


def _missing(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300,
                          **kw)


def _cmake(*args) -> None:
    for cmd in (["cmake", *args[0]], ["cmake", "--build", *args[1], "-j", "2"]):
        r = _run(cmd)
        assert r.returncode == 0, f"{' '.join(map(str, cmd))}:\n{r.stdout[-3000:]}{r.stderr[-3000:]}"


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    if shutil.which("cmake") is None or shutil.which("gcc") is None:
        _missing("cmake and gcc are needed (Debian packages cmake, gcc)")
    out = tmp_path_factory.mktemp("plan") / "model.tgrs"
    assert tigris(["compile", str(zoo.build(MODEL)), "-m", "64K", "-o", str(out)]) == 0
    return out


def test_c_array_holds_the_plan(plan, tmp_path, capsys):
    src = tmp_path / "plan_data.c"
    assert tigris(["codegen", str(plan), "--c-array", "--name", "model", "-o", str(src)]) == 0
    data = plan.read_bytes()
    info = read_plan_file(str(plan))
    hdr = (tmp_path / "plan_data.h").read_text()
    assert f"#define MODEL_PLAN_SIZE {len(data)}u" in hdr
    assert f"#define MODEL_FAST_ARENA_SIZE {info.fast_size}u" in hdr
    text = src.read_text()
    assert "__attribute__((aligned(16)))" in text and "_Alignas(16)" in text
    body = text[text.index("= {") + 3:text.index("};")]
    assert bytes(int(v, 16) for v in re.findall(r"0x([0-9a-f]{2})", body)) == data
    assert "const size_t model_plan_size = MODEL_PLAN_SIZE;" in text


def _input(plan_info, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Input k as main.c writes it (storage order) and in the model's layout."""
    d = plan_info.inputs[k]
    shape = plan_info.tensors[d.tensor].shape
    i = np.arange(int(np.prod(shape)), dtype=np.int64)
    stored = (((i * 37 + k * 11 + 5) & 0xFF) - 128).astype(np.int8).reshape(shape)
    model = stored.transpose(0, 3, 1, 2) if d.layout == "nhwc" else stored
    return stored, np.ascontiguousarray(model)


def _parse(stdout: str) -> tuple[list[np.ndarray], list[tuple[int, str, int]]]:
    outputs, calls, current = [], [], None
    for line in stdout.splitlines():
        if line.startswith("output "):
            current = []
            outputs.append(current)
        elif line.startswith("call "):
            m = re.fullmatch(r"call (\d+) (\w+) stage (\d+): (\d+) us", line)
            assert m, line
            calls.append((int(m[1]), m[2], int(m[3])))
            current = None
        elif current is not None and re.fullmatch(r"-?\d+( -?\d+)*", line):
            current.extend(int(v) for v in line.split())
    return [np.array(o, dtype=np.int8) for o in outputs], calls


def test_host_example_matches_tigris_run(plan, tmp_path, capsys):
    exe = Path(sys.executable).with_name("tigris")
    assert exe.is_file(), f"no tigris command beside {sys.executable}"
    # Copies of runtime/ and examples/ alone: the runtime needs nothing outside
    # its folder (it used to include ../cmake).
    shutil.copytree(RUNTIME, tmp_path / "tree" / "runtime")
    shutil.copytree(EXAMPLES, tmp_path / "tree" / "examples")
    build = tmp_path / "build"
    _cmake(["-S", tmp_path / "tree" / "examples" / "host", "-B", build, f"-DTIGRIS_PLAN={plan}",
            f"-DTIGRIS_EXECUTABLE={exe}"], [build])
    assert (build / "tigris_runtime" / "libtigris_runtime.a").is_file()
    r = _run([build / "tigris_example"])
    assert r.returncode == 0, r.stdout + r.stderr
    got, calls = _parse(r.stdout)

    info = read_plan_file(str(plan))
    args = ["run", str(plan)]
    for k in range(len(info.inputs)):
        np.save(tmp_path / f"x{k}.npy", _input(info, k)[1])
        args += ["--input", str(tmp_path / f"x{k}.npy")]
    for k in range(len(info.outputs)):
        args += ["--output", str(tmp_path / f"y{k}.npy")]
    assert tigris(args) == 0
    assert len(got) == len(info.outputs) >= 1
    for k, d in enumerate(info.outputs):
        y = np.load(tmp_path / f"y{k}.npy")
        stored = y.transpose(0, 2, 3, 1) if d.layout == "nhwc" else y
        assert got[k].size == stored.size
        assert np.array_equal(got[k], stored.reshape(-1)), f"output {k} differs"
    # One timed line per call, named as the plan names it (the profiling hook).
    assert [c[0] for c in calls] == list(range(len(info.calls)))
    assert [(c[1], c[2]) for c in calls] == [(c.kernel.name, c.stage) for c in info.calls]
    assert re.search(r"^total \d+ us over \d+ timed calls$", r.stdout, re.M)


@pytest.fixture(scope="module")
def small_plan(plan, tmp_path_factory) -> Path:
    """A small plan: the cross compiles check the code, not the array's size."""
    out = tmp_path_factory.mktemp("small") / "model.tgrs"
    assert tigris(["compile", str(zoo.build("tiny_residual_add")), "-m", "64K",
                   "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize("prefix", [*sorted(CROSS), "clang-22-esp32"])
def test_example_compiles_strict_for_microcontrollers(small_plan, prefix, tmp_path):
    if prefix == "clang-22-esp32":
        # The ESP32's Xtensa ISA, with the flags `tigris simulate` uses; to
        # assembly only (the simulator assembles with llvm-mc after fixing the
        # literal pools, which clang-22's integrated assembler rejects).
        from tigris.simulate import CLANG, _xtensa_cflags
        gcc, target, out = CLANG, _xtensa_cflags([], []), ("-S", ".s")
    else:
        gcc, target, out = (f"{prefix}-gcc", [*CROSS[prefix], "-Os", "-Wstack-usage=512"],
                            ("-c", ".o"))
    if shutil.which(gcc) is None:
        _missing(f"{gcc} not found (tools/iss/install-deps.sh installs it)")
    src = tmp_path / "plan_data.c"
    assert tigris(["codegen", str(small_plan), "--c-array", "--name", "model",
                   "-o", str(src)]) == 0
    sources = [EXAMPLES / "common" / "main.c", src, *sorted((RUNTIME / "src").glob("*.c")),
               *sorted((RUNTIME / "kernels" / "src").glob("*.c"))]
    incs = [f"-I{p}" for p in (EXAMPLES / "common", tmp_path, RUNTIME / "include",
                               RUNTIME / "src", RUNTIME / "kernels" / "include",
                               RUNTIME / "kernels" / "src")]
    for c in sources:
        r = _run([gcc, *target, *STRICT, *incs, out[0], c, "-o", tmp_path / (c.stem + out[1])])
        assert r.returncode == 0 and "warning:" not in r.stderr, f"{c.name}:\n{r.stderr[-3000:]}"
