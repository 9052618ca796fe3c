"""The runtime core (runtime/src: plan loader and executor) under ASan + UBSan.

- the C unit tests (runtime/tests/test_runtime.c) on the tiny zoo plans and the
  kitchen-sink plan (every kernel), built with -DTIGRIS_SANITIZE=ON;
- the mutation test (runtime/tests/plan_fuzz.c): 20,000 corrupted variants in the
  default run, 100,000 with -m slow (bench/runtime_mutation.py records a run); each is
  rejected with a status or runs entirely inside its arenas (exact-size heap blocks:
  any stray access is a sanitizer report);
- the kitchen-sink plan on the host runtime and as generated C against the reference
  interpreter, for both targets; with every requantizing call in single rounding
  (call flag bit 0), host runtime against generated C;
- no heap in the runtime (nm), and its code size (size) printed.
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
from tigris.plan import format as F
from tigris.plan.host import HostPlan, build_library, include_dirs, sources
from tigris.plan.reader import read_plan
from kitchen_sink import compile_mlir, kitchen_sink_mlir

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtime"
sys.path.insert(0, str(ROOT / "test" / "models"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import zoo  # noqa: E402

TINY = [n for n in zoo.names() if n.startswith("tiny_")]
SANITIZER_MARKS = ("AddressSanitizer", "runtime error:", "LeakSanitizer")


@pytest.fixture(scope="module")
def sanitized(tmp_path_factory):
    """runtime/ built with CMake, Debug, ASan + UBSan (every report fatal)."""
    if shutil.which("cmake") is None:
        pytest.skip("cmake not installed")
    build = tmp_path_factory.mktemp("runtime-asan")
    for cmd in (["cmake", "-S", str(RUNTIME), "-B", str(build), "-DCMAKE_BUILD_TYPE=Debug",
                 "-DTIGRIS_SANITIZE=ON", "-DTIGRIS_BUILD_SHARED=OFF"],
                ["cmake", "--build", str(build), "-j", str(os.cpu_count() or 2),
                 "--target", "tigris_runtime_tests", "tigris_plan_fuzz"]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, f"{' '.join(cmd)}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return build


@pytest.fixture(scope="module")
def plan_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("core-plans")
    paths = []
    for name in TINY:
        p = out / f"{name}.tgrs"
        assert tigris(["compile", str(zoo.build(name)), "-m", "1M", "-o", str(p)]) == 0
        paths.append(p)
    for seed in (0, 1):
        data, _ = compile_mlir(kitchen_sink_mlir(seed))
        p = out / f"kitchen_sink_{seed}.tgrs"
        p.write_bytes(data)
        paths.append(p)
    from test_plan_format import compile_with_rounding, single_where_requantizing
    for target in ("reference", "esp32s3"):   # call flags set: the loader's and the fuzzer's
        p = out / f"kitchen_sink_single_{target}.tgrs"
        p.write_bytes(compile_with_rounding(kitchen_sink_mlir(2), single_where_requantizing,
                                            target))
        paths.append(p)
    return paths


@pytest.fixture(scope="module")
def fuzz_files(plan_files, tmp_path_factory):
    """plan_files and a plan with state (a wake word model, when pymicro-wakeword
    is installed), which the fuzzer runs through its state region."""
    from test_plan_format import _wakeword_plan
    try:
        data = _wakeword_plan()
    except pytest.skip.Exception:
        return plan_files
    p = tmp_path_factory.mktemp("state-plan") / "alexa_state.tgrs"
    p.write_bytes(data)
    return plan_files + [p]


def run_tool(build: Path, tool: str, args: list[str], timeout: float = 600):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    r = subprocess.run([str(build / tool)] + args, capture_output=True, text=True,
                       timeout=timeout, env=env)
    for mark in SANITIZER_MARKS:
        assert mark not in r.stderr, r.stderr[-4000:]
    return r


def test_c_unit_tests(sanitized, plan_files):
    r = run_tool(sanitized, "tigris_runtime_tests", [str(p) for p in plan_files])
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    m = re.search(r"^(\d+) passed, (\d+) failed$", r.stdout, re.M)
    assert m and int(m.group(2)) == 0 and int(m.group(1)) > 300, r.stdout[-2000:]


def test_kernel_table_matches_python(sanitized):
    """The C kernel table (plan_common.c: slots, parameter words, allowed call flags)
    is the Python KERNELS table."""
    r = run_tool(sanitized, "tigris_runtime_tests", ["--kernel-table"])
    roles = {F.IN: 1, F.CONST: 2, F.OUT: 3, F.SCRATCH: 4}
    want = []
    for k in sorted(F.KERNELS.values(), key=lambda k: k.id):
        slots = " ".join(f"{roles[s.role]}:{F.DTYPES[s.dtype]}:{int(s.optional)}:"
                         f"{1 if s.name in k.inplace else 2 if s.name in k.within else 0}"
                         for s in k.slots)
        want.append(f"{k.id} {k.name} {k.param_words} {k.call_flags} {slots}")
    assert r.stdout.strip().splitlines() == want


def fuzz(build: Path, plans, count: int, seed: int) -> dict:
    r = run_tool(build, "tigris_plan_fuzz",
                 ["--count", str(count), "--seed", str(seed)] + [str(p) for p in plans],
                 timeout=3000)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    m = re.search(r"fuzz: (\d+) variants, (\d+) rejected at load, (\d+) loaded, (\d+) ran", r.stdout)
    assert m, r.stdout
    out = dict(zip(("variants", "rejected", "loaded", "ran"), map(int, m.groups())))
    out["statuses"] = set(re.findall(r"^load (TIGRIS_STATUS_\w+)", r.stdout, re.M))
    out["text"] = r.stdout
    return out


def test_mutations(sanitized, fuzz_files):
    res = fuzz(sanitized, fuzz_files, 20000, 2024)
    print("\n" + res["text"])
    assert res["variants"] == 20000 and res["rejected"] > 10000 and res["ran"] > 1000
    # the structural checks behind the CRC are what rejects most variants
    for status in ("BAD_CRC", "TRUNCATED", "BAD_HEADER", "BAD_TENSOR", "OUT_OF_BOUNDS",
                   "BAD_CALL", "BAD_PARAM", "BAD_SHAPE", "OVERLAP", "BAD_IO"):
        assert f"TIGRIS_STATUS_{status}" in res["statuses"], status


@pytest.mark.slow
def test_mutations_100k(sanitized, fuzz_files):
    res = fuzz(sanitized, fuzz_files, 100000, 7)
    print("\n" + res["text"])
    assert res["variants"] == 100000


# ------------------------------------------------------- every kernel, end to end

@pytest.mark.parametrize("target", ["reference", "esp32s3"])
def test_kitchen_sink_matches_reference(target, tmp_path):
    from test_plan_zoo import build_generated, run_generated
    data, reference = compile_mlir(kitchen_sink_mlir(3), target)
    plan = read_plan(data)
    kernels = {c.kernel.name for c in plan.calls}
    assert kernels >= set(F.KERNELS) - {"reshape"}, set(F.KERNELS) - kernels
    host = HostPlan(data)
    path = tmp_path / "ks.tgrs"
    path.write_bytes(data)
    exe, _ = build_generated(path, tmp_path, build_library())
    rng = np.random.default_rng(5)
    for _ in range(6):
        x = rng.integers(-128, 128, size=(1, 8, 8, 4)).astype(np.int8)
        want = reference([x])
        got = host.run([x])
        gen = run_generated(exe, plan, [x], tmp_path)
        for w, g, c in zip(want, got, gen):
            assert np.array_equal(w, g.reshape(w.shape))
            assert np.array_equal(g, c)


@pytest.mark.parametrize("target", ["reference", "esp32s3"])
def test_kitchen_sink_single_rounding(target, tmp_path):
    """Every requantizing call with single rounding: the host runtime (tigris_run_*,
    which must not take ESP-NN for them) and the generated C agree byte for byte, and
    the outputs are not those of the same plan with double rounding."""
    from test_plan_format import compile_with_rounding, single_where_requantizing
    from test_plan_zoo import build_generated, run_generated
    single = compile_with_rounding(kitchen_sink_mlir(3), single_where_requantizing, target)
    double = compile_with_rounding(kitchen_sink_mlir(3), lambda k: None, target)
    plan = read_plan(single)
    assert {c.kernel.name for c in plan.calls if c.rounding == "single"} == \
        {k.name for k in F.KERNELS.values() if k.requantizes}
    path = tmp_path / "ks.tgrs"
    path.write_bytes(single)
    exe, _ = build_generated(path, tmp_path, build_library())
    host, host_double = HostPlan(single), HostPlan(double)
    rng = np.random.default_rng(6)
    differ = 0
    for _ in range(6):
        x = rng.integers(-128, 128, size=(1, 8, 8, 4)).astype(np.int8)
        got = host.run([x])
        for g, c in zip(got, run_generated(exe, plan, [x], tmp_path)):
            assert np.array_equal(g, c)
        differ += sum(int((g != d).sum()) for g, d in zip(got, host_double.run([x])))
    assert differ > 0


# ------------------------------------------------------ per-channel lut tables

def _patched(data: bytes, tensor: int, shape: list[int]) -> bytes:
    """The plan with tensor `tensor` given `shape` (size to match), CRC fixed."""
    import struct
    import zlib
    out = bytearray(data)
    h = F.HEADER.unpack_from(out)
    at = h[10] + tensor * F.TENSOR_SIZE
    pool, dtype, _, _, offset, _, *_ = F.TENSOR.unpack_from(out, at)
    size = int(np.prod(shape)) * F.DTYPE_BYTES[dtype]
    F.TENSOR.pack_into(out, at, pool, dtype, len(shape), 0, offset, size,
                       *(list(shape) + [0] * (F.MAX_RANK - len(shape))))
    out[F.CRC_OFFSET:F.CRC_OFFSET + 4] = b"\0\0\0\0"
    struct.pack_into("<I", out, F.CRC_OFFSET, zlib.crc32(bytes(out)) & 0xFFFFFFFF)
    return bytes(out)


def test_lut_table_size_is_checked_at_load():
    """A lut table has 256 entries or 256 per channel of its input and output (the
    last dimension of both): any other count, or a per-channel table whose output has
    another channel count, is rejected at load (BAD_SHAPE) instead of read past."""
    from tigris.plan.host import HostRuntimeError
    data, reference = compile_mlir(kitchen_sink_mlir(3))
    plan = read_plan(data)
    luts = [c for c in plan.calls if c.kernel.name == "lut"]
    per = next(c for c in luts if plan.tensors[c.tensors[1]].count != 256)
    one = next(c for c in luts if plan.tensors[c.tensors[1]].count == 256)
    channels = plan.tensors[per.tensors[0]].shape[-1]
    assert plan.tensors[per.tensors[1]].count == 256 * channels and channels > 2
    x = np.random.default_rng(1).integers(-128, 128, size=(1, 8, 8, 4)).astype(np.int8)
    for want, got in zip(reference([x]), HostPlan(data).run([x])):
        assert np.array_equal(want, got.reshape(want.shape))
    out_shape = plan.tensors[per.tensors[2]].shape
    bad = [(per.tensors[1], [256 * (channels - 1)]), (per.tensors[1], [256 * channels - 1]),
           (per.tensors[1], [512]), (one.tensors[1], [255]), (one.tensors[1], [128]),
           (per.tensors[2], out_shape[:-2] + [out_shape[-2] * 2, out_shape[-1] // 2])]
    for tensor, shape in bad:
        with pytest.raises(HostRuntimeError, match="BAD_SHAPE"):
            HostPlan(_patched(data, tensor, shape))


# ----------------------------------------------------------- heap and code size

def compile_objects(out: Path, files: list[Path], opt: str) -> list[Path]:
    objs = []
    for src in files:
        kind = "core" if src.parent == RUNTIME / "src" else "kernels"
        obj = out / f"{kind}_{src.stem}{opt}.o"
        cmd = (["gcc", "-std=c99", opt, "-c", str(src), "-o", str(obj)]
               + [f"-I{d}" for d in include_dirs()])
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        objs.append(obj)
    return objs


def test_no_heap_and_code_size(tmp_path, capsys):
    if shutil.which("gcc") is None or shutil.which("nm") is None:
        pytest.skip("gcc/binutils not installed")
    files = sources()
    objs = compile_objects(tmp_path, files, "-O2")
    for obj in objs:
        undefined = subprocess.run(["nm", "-u", str(obj)], capture_output=True,
                                   text=True).stdout.split()
        for sym in ("malloc", "calloc", "realloc", "free"):
            assert sym not in undefined, f"{obj.name} calls {sym}"
    core = [f for f in files if f.parent == RUNTIME / "src"]
    for opt in ("-O2", "-Os"):
        objs_opt = compile_objects(tmp_path, core, opt)
        out = subprocess.run(["size", "-t"] + [str(o) for o in objs_opt], capture_output=True,
                             text=True).stdout
        total = out.strip().splitlines()[-1].split()
        with capsys.disabled():
            print(f"\nruntime core ({len(core)} objects, gcc {opt}, x86-64): text {total[0]} "
                  f"data {total[1]} bss {total[2]}")
        assert int(total[0]) < 16384
