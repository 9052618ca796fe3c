"""Shared helpers of the test_runtime_kernels_*.py files (not a test file itself).

The C99 reference kernels (runtime/kernels) are checked against the numpy
reference, byte for byte: the shared library is built once per session with
CMake (runtime/CMakeLists.txt) and loaded with ctypes. This module holds what
the kernel tests share: the CMake build, the session fixtures `build` and `lib`
(registered for test/python by conftest.py, so that they run once per session),
the ctypes mirrors of the parameter structs and kernel signatures, the guarded
output buffer, the tigris/ESP-NN dispatch check and the random case builders.

Environment: TIGRIS_KERNELS_LIB = a prebuilt library to load instead of building
(also how the library can be checked with Espressif's own ESP-NN linked in);
TIGRIS_KERNEL_CASES = random cases per test; TIGRIS_KERNELS_ESP_NN_ABSENT = kernels the
library has no ESP-NN path for (comma-separated, e.g. global_avg_pool for an ESP-NN build
without TIGRIS_ESP_NN_HAS_MEAN): every call of theirs must run the tigris kernel.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tigris.reference import fixedpoint as fp

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtime"
KERNEL_SRC = RUNTIME / "kernels" / "src"
CASES = int(os.environ.get("TIGRIS_KERNEL_CASES", "150"))
ESP_NN_ABSENT = set(filter(None, os.environ.get("TIGRIS_KERNELS_ESP_NN_ABSENT", "").split(",")))
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1

c_i32 = ctypes.c_int32
I8P, I32P = ctypes.POINTER(ctypes.c_int8), ctypes.POINTER(ctypes.c_int32)


def cmake_build(build_dir: Path, sanitize: bool) -> tuple[Path, float]:
    """Configure and build runtime/ into build_dir; (build dir, seconds)."""
    t0 = time.monotonic()
    cfg = ["cmake", "-S", str(RUNTIME), "-B", str(build_dir),
           f"-DCMAKE_BUILD_TYPE={'Debug' if sanitize else 'Release'}",
           f"-DTIGRIS_SANITIZE={'ON' if sanitize else 'OFF'}"]
    for cmd in (cfg, ["cmake", "--build", str(build_dir), "-j", str(os.cpu_count() or 2)]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            pytest.fail(f"{' '.join(cmd)} failed:\n{r.stdout}\n{r.stderr}")
    return build_dir, time.monotonic() - t0


@pytest.fixture(scope="session")
def build(tmp_path_factory):
    if shutil.which("cmake") is None:
        pytest.skip("cmake not installed")
    return cmake_build(tmp_path_factory.mktemp("runtime-build"), sanitize=False)[0]


def struct(name, fields):
    """A ctypes mirror of a C struct; ("x", n) is int32_t x[n], ("x", "p") is int32_t *x."""
    spec = [(f, c_i32 * k if isinstance(k, int) else I32P if k == "p" else c_i32)
            for f, k in ((f if isinstance(f, tuple) else (f, None)) for f in fields)]
    return type(name, (ctypes.Structure,), {"_fields_": spec})


Dims4 = struct("Dims4", ["n", "h", "w", "c"])
# The requantizing kernels' structs end with `rounding` (TIGRIS_ROUND_*): 0, double
# rounding, unless a test sets it (a positional constructor leaves it 0).
ROUND_DOUBLE, ROUND_SINGLE = 0, 1
ROUNDING = {"double": ROUND_DOUBLE, "single": ROUND_SINGLE}
SINGLE_SHIFT_MIN, SINGLE_SHIFT_MAX = -31, 30
ConvParams = struct("ConvParams", [("stride", 2), ("dilation", 2), ("pad", 4), "groups",
                                   "channel_multiplier", "input_offset", "output_offset",
                                   ("multiplier", "p"), ("shift", "p"), "quant_count",
                                   "act_min", "act_max", "rounding"])
FcParams = struct("FcParams", ["input_offset", "output_offset", ("multiplier", "p"),
                               ("shift", "p"), "quant_count", "act_min", "act_max", "rounding"])
ADD_FIELDS = ["input1_offset", "input2_offset", "input1_multiplier", "input1_shift",
              "input2_multiplier", "input2_shift", "left_shift", "output_offset",
              "output_multiplier", "output_shift", "act_min", "act_max"]
MUL_FIELDS = ["input1_offset", "input2_offset", "output_offset", "output_multiplier",
              "output_shift", "act_min", "act_max"]
AddParams = struct("AddParams", ADD_FIELDS + ["rounding"])
MulParams = struct("MulParams", MUL_FIELDS + ["rounding"])
PoolParams = struct("PoolParams", [("kernel", 2), ("stride", 2), ("dilation", 2), ("pad", 4),
                                   "count_include_pad", "act_min", "act_max"])
GapParams = struct("GapParams", ["input_offset", "output_offset", "multiplier", "shift",
                                 "rounding"])

# Argument kinds: D dims, B int8*, I int32*, i int32, v void*, b int8, P params*.
SIGNATURES = {
    "tigris_srdhm": "ii", "tigris_rdbpot": "ii", "tigris_requant": "iii",
    "tigris_requant_single": "iii", "tigris_requant_check": "iIi",
    "tigris_conv2d_check": "DDDP", "tigris_depthwise_conv2d_check": "DDDP",
    "tigris_conv2d_s8": "DBDBIDBP", "tigris_depthwise_conv2d_s8": "DBDBIDBP",
    "tigris_run_conv2d_s8": "DBDBIDBPviI", "tigris_run_depthwise_conv2d_s8": "DBDBIDBPviI",
    "tigris_fully_connected_s8": "BiiBIiBP", "tigris_run_fully_connected_s8": "BiiBIiBPI",
    "tigris_add_s8": "BIiBIiBIiP", "tigris_run_add_s8": "BIiBIiBIiPI",
    "tigris_mul_s8": "BIiBIiBIiP", "tigris_run_mul_s8": "BIiBIiBIiPI",
    "tigris_lut_s8": "BiBB", "tigris_lut_per_channel_s8": "BiiBB",
    "tigris_avg_pool_s8": "DBDBP", "tigris_max_pool_s8": "DBDBP",
    "tigris_run_avg_pool_s8": "DBDBPI", "tigris_run_max_pool_s8": "DBDBPI",
    "tigris_global_avg_pool_s8": "DBBP", "tigris_run_global_avg_pool_s8": "DBBPI",
    "tigris_softmax_s8": "BiiIiiB", "tigris_softmax_tfl_s8": "BiiIB",
    "tigris_transpose_s8": "BIiIBI",
    "tigris_pad_s8": "BIiIbBI", "tigris_slice_s8": "BIiIBI", "tigris_insert_s8": "BIBIiiiB",
    "tigris_resize_s8": "DBDBiIIIIII",
}
KINDS = {"D": ctypes.POINTER(Dims4), "B": I8P, "I": I32P, "i": c_i32, "v": ctypes.c_void_p,
         "b": ctypes.c_int8, "P": ctypes.c_void_p}


@pytest.fixture(scope="session")
def lib(request):
    path = os.environ.get("TIGRIS_KERNELS_LIB")
    if not path:
        path = str(request.getfixturevalue("build") / "libtigris_kernels.so")
    so = ctypes.CDLL(path)
    for name, kinds in SIGNATURES.items():
        fn = getattr(so, name)
        fn.argtypes = [KINDS[k] for k in kinds]
        fn.restype = c_i32
    return so


# ------------------------------------------------------------------ helpers

GUARD, GUARD_BYTE = 32, 0x5A


class Out:
    """An int8 output buffer between guard bytes the kernel must not touch."""

    def __init__(self, shape):
        self.shape = tuple(int(s) for s in shape)
        self.n = int(np.prod(self.shape, dtype=np.int64))
        self.buf = np.full(self.n + 2 * GUARD, GUARD_BYTE, dtype=np.int8)
        self.ptr = self.buf[GUARD:].ctypes.data_as(I8P)

    def value(self):
        assert (self.buf[:GUARD] == GUARD_BYTE).all(), "write before the output"
        assert (self.buf[GUARD + self.n:] == GUARD_BYTE).all(), "write after the output"
        return self.buf[GUARD:GUARD + self.n].reshape(self.shape).copy()


def p8(a):
    if a is None:
        return None
    assert a.dtype == np.int8 and a.flags.c_contiguous  # no temporary copy may be passed
    return a.ctypes.data_as(I8P)


def p32(values):
    """int32_t* to a C array holding values (kept alive by the pointer)."""
    vals = [int(v) for v in np.atleast_1d(np.asarray(values, dtype=np.int64)).ravel()]
    return ctypes.cast((c_i32 * max(len(vals), 1))(*vals), I32P)


def dims4(shape):
    return ctypes.byref(Dims4(*(int(s) for s in shape)))


def check(got, want, what):
    if not np.array_equal(got, want):
        bad = np.argwhere(got != want)
        i = tuple(bad[0])
        raise AssertionError(f"{what}: {len(bad)} mismatches, first at {i}: "
                             f"C {int(got[i])} vs reference {int(want[i])}")


class Paths:
    """Which kernel the dispatchers used (0 tigris, 1 ESP-NN): both must be exercised
    with double rounding; a single-rounding call must never reach ESP-NN (it rounds
    twice)."""

    def __init__(self, rounding="double"):
        self.counts, self.cell = [0, 0], c_i32(-1)
        self.rounding = rounding

    def assert_both(self, what):
        if self.rounding == "single":
            assert self.counts[1] == 0 and self.counts[0] > 0, \
                f"{what}: single rounding went to ESP-NN {self.counts}"
        elif what.split()[0] in ESP_NN_ABSENT:
            assert self.counts[1] == 0 and self.counts[0] > 0, \
                f"{what}: went to ESP-NN, which has no such kernel here {self.counts}"
        elif CASES >= 50:
            assert min(self.counts) > 0, f"{what}: paths tigris/esp-nn {self.counts}"


def both(direct, dispatch, want, what, paths):
    """Run direct(out_ptr) and dispatch(out_ptr, path_ptr); both must give `want`."""
    out = Out(want.shape)
    assert direct(out.ptr) == 0, f"{what}: direct call failed"
    check(out.value(), want, f"{what} direct")
    out = Out(want.shape)
    paths.cell.value = -1
    assert dispatch(out.ptr, ctypes.byref(paths.cell)) == 0, f"{what}: dispatch failed"
    assert paths.cell.value in (0, 1)
    paths.counts[paths.cell.value] += 1
    check(out.value(), want, f"{what} dispatch")


def rand_i8(rng, shape):
    return rng.integers(-128, 128, size=shape, dtype=np.int8)


def rand_in_offset(rng):
    """Mostly negated int8 zero points; sometimes values outside them."""
    r = rng.random()
    if r < 0.8:
        return int(-rng.integers(-128, 128))
    return int(rng.choice([128, -127, 0])) if r < 0.9 else int(rng.integers(-1000, 1000))


def rand_out_offset(rng):
    return int(rng.integers(-128, 128)) if rng.random() < 0.9 else int(rng.integers(-500, 500))


def rand_act(rng, out_offset=0):
    """Activation ranges that intersect int8 (the reference and C agree on those)."""
    r = rng.random()
    if r < 0.5:
        return -128, 127
    if r < 0.9:  # ReLU-like from the zero point, or any sub-range
        lo = int(np.clip(out_offset, -128, 127)) if r < 0.7 else int(rng.integers(-128, 128))
        return lo, int(rng.integers(lo, 128))
    return int(rng.integers(-2000, -100)), int(rng.integers(100, 2000))


def rand_quant(rng, n, edge=False, rounding="double"):
    """(multipliers, shifts) of n channels: TFLite ones (shifts of both signs), or edges.
    Single rounding takes shifts in [-31, 30] only: edge shifts are drawn from there,
    both ends included."""
    if edge:
        mults = rng.choice([INT32_MIN, INT32_MAX, 1 << 30, -(1 << 30), 0, 1, -1,
                            int(rng.integers(INT32_MIN, INT32_MAX))], size=n)
        if rounding == "single":
            shifts = rng.choice([SINGLE_SHIFT_MIN, SINGLE_SHIFT_MAX, -1, 0, 1,
                                 int(rng.integers(SINGLE_SHIFT_MIN, SINGLE_SHIFT_MAX + 1))],
                                size=n)
        else:
            shifts = rng.integers(-40, 33, size=n)
        return [int(m) for m in mults], [int(s) for s in shifts]
    ms = [fp.quantize_multiplier(float(r))
          for r in np.exp(rng.uniform(np.log(1e-5), np.log(8.0), size=n))]
    return [m for m, _ in ms], [s for _, s in ms]


def single_shift(s):
    """A shift clipped to single rounding's range [-31, 30]."""
    return int(min(max(int(s), SINGLE_SHIFT_MIN), SINGLE_SHIFT_MAX))


def rand_bias(rng, n, edge=False):
    vals = [INT32_MIN, INT32_MAX, INT32_MAX - 100, INT32_MIN + 100, 0]
    return (rng.choice(vals, size=n) if edge else rng.integers(-20000, 20000, size=n)).astype(np.int32)
