"""The C99 reference kernels (runtime/kernels) against the numpy reference, byte for byte.

The shared library is built once per session with CMake (runtime/CMakeLists.txt)
and loaded with ctypes. Every kernel op of docs/kernels.md runs on seeded random
cases through its tigris_* kernel and, for the ops ESP-NN has, through the
tigris_run_* dispatcher, which takes the ESP-NN entry points (esp_nn_ref.h)
whenever tigris_kernel_args.c maps the op instance onto them. Outputs are
written between guard bytes that must survive the call.

test_sanitizers rebuilds with -DTIGRIS_SANITIZE=ON (ASan + UBSan, every report
fatal) and reruns this file on a subset of the cases in a subprocess.
Environment (used by that subprocess): TIGRIS_KERNELS_LIB = a prebuilt library
to load instead of building; TIGRIS_KERNEL_CASES = cases per test.
"""
from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tigris.reference import fixedpoint as fp
from tigris.reference import kernels as ref

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtime"
KERNEL_SRC = RUNTIME / "kernels" / "src"
CASES = int(os.environ.get("TIGRIS_KERNEL_CASES", "150"))
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1

c_i32 = ctypes.c_int32
I8P = ctypes.POINTER(ctypes.c_int8)
I32P = ctypes.POINTER(ctypes.c_int32)
VP = ctypes.c_void_p

# ----------------------------------------------------------------- building


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


class Dims4(ctypes.Structure):
    _fields_ = [("n", c_i32), ("h", c_i32), ("w", c_i32), ("c", c_i32)]


class ConvParams(ctypes.Structure):
    _fields_ = [("stride", c_i32 * 2), ("dilation", c_i32 * 2), ("pad", c_i32 * 4),
                ("groups", c_i32), ("channel_multiplier", c_i32),
                ("input_offset", c_i32), ("output_offset", c_i32),
                ("multiplier", I32P), ("shift", I32P), ("quant_count", c_i32),
                ("act_min", c_i32), ("act_max", c_i32)]


class FcParams(ctypes.Structure):
    _fields_ = [("input_offset", c_i32), ("output_offset", c_i32),
                ("multiplier", I32P), ("shift", I32P), ("quant_count", c_i32),
                ("act_min", c_i32), ("act_max", c_i32)]


ADD_FIELDS = ["input1_offset", "input2_offset", "input1_multiplier", "input1_shift",
              "input2_multiplier", "input2_shift", "left_shift", "output_offset",
              "output_multiplier", "output_shift", "act_min", "act_max"]
MUL_FIELDS = ["input1_offset", "input2_offset", "output_offset", "output_multiplier",
              "output_shift", "act_min", "act_max"]


class AddParams(ctypes.Structure):
    _fields_ = [(f, c_i32) for f in ADD_FIELDS]


class MulParams(ctypes.Structure):
    _fields_ = [(f, c_i32) for f in MUL_FIELDS]


class PoolParams(ctypes.Structure):
    _fields_ = [("kernel", c_i32 * 2), ("stride", c_i32 * 2), ("dilation", c_i32 * 2),
                ("pad", c_i32 * 4), ("count_include_pad", c_i32),
                ("act_min", c_i32), ("act_max", c_i32)]


class GapParams(ctypes.Structure):
    _fields_ = [("input_offset", c_i32), ("output_offset", c_i32),
                ("multiplier", c_i32), ("shift", c_i32)]


D4P = ctypes.POINTER(Dims4)
SIGNATURES = {
    "tigris_srdhm": [c_i32, c_i32],
    "tigris_rdbpot": [c_i32, c_i32],
    "tigris_requant": [c_i32, c_i32, c_i32],
    "tigris_conv2d_s8": [D4P, I8P, D4P, I8P, I32P, D4P, I8P, ctypes.POINTER(ConvParams)],
    "tigris_depthwise_conv2d_s8": [D4P, I8P, D4P, I8P, I32P, D4P, I8P,
                                   ctypes.POINTER(ConvParams)],
    "tigris_run_conv2d_s8": [D4P, I8P, D4P, I8P, I32P, D4P, I8P, ctypes.POINTER(ConvParams),
                             VP, c_i32, I32P],
    "tigris_run_depthwise_conv2d_s8": [D4P, I8P, D4P, I8P, I32P, D4P, I8P,
                                       ctypes.POINTER(ConvParams), VP, c_i32, I32P],
    "tigris_fully_connected_s8": [I8P, c_i32, c_i32, I8P, I32P, c_i32, I8P,
                                  ctypes.POINTER(FcParams)],
    "tigris_run_fully_connected_s8": [I8P, c_i32, c_i32, I8P, I32P, c_i32, I8P,
                                      ctypes.POINTER(FcParams), I32P],
    "tigris_add_s8": [I8P, I32P, c_i32, I8P, I32P, c_i32, I8P, I32P, c_i32,
                      ctypes.POINTER(AddParams)],
    "tigris_run_add_s8": [I8P, I32P, c_i32, I8P, I32P, c_i32, I8P, I32P, c_i32,
                          ctypes.POINTER(AddParams), I32P],
    "tigris_mul_s8": [I8P, I32P, c_i32, I8P, I32P, c_i32, I8P, I32P, c_i32,
                      ctypes.POINTER(MulParams)],
    "tigris_run_mul_s8": [I8P, I32P, c_i32, I8P, I32P, c_i32, I8P, I32P, c_i32,
                          ctypes.POINTER(MulParams), I32P],
    "tigris_lut_s8": [I8P, c_i32, I8P, I8P],
    "tigris_avg_pool_s8": [D4P, I8P, D4P, I8P, ctypes.POINTER(PoolParams)],
    "tigris_max_pool_s8": [D4P, I8P, D4P, I8P, ctypes.POINTER(PoolParams)],
    "tigris_run_avg_pool_s8": [D4P, I8P, D4P, I8P, ctypes.POINTER(PoolParams), I32P],
    "tigris_run_max_pool_s8": [D4P, I8P, D4P, I8P, ctypes.POINTER(PoolParams), I32P],
    "tigris_global_avg_pool_s8": [D4P, I8P, I8P, ctypes.POINTER(GapParams)],
    "tigris_run_global_avg_pool_s8": [D4P, I8P, I8P, ctypes.POINTER(GapParams), I32P],
    "tigris_softmax_s8": [I8P, c_i32, c_i32, I32P, c_i32, c_i32, I8P],
    "tigris_transpose_s8": [I8P, I32P, c_i32, I32P, I8P, I32P],
    "tigris_pad_s8": [I8P, I32P, c_i32, I32P, ctypes.c_int8, I8P, I32P],
    "tigris_slice_s8": [I8P, I32P, c_i32, I32P, I8P, I32P],
    "tigris_insert_s8": [I8P, I32P, I8P, I32P, c_i32, c_i32, c_i32, I8P],
    "tigris_resize_s8": [D4P, I8P, D4P, I8P, c_i32, I32P, I32P, I32P, I32P, I32P, I32P],
}


@pytest.fixture(scope="session")
def lib(request):
    path = os.environ.get("TIGRIS_KERNELS_LIB")
    if not path:
        path = str(request.getfixturevalue("build") / "libtigris_kernels.so")
    so = ctypes.CDLL(path)
    for name, args in SIGNATURES.items():
        fn = getattr(so, name)
        fn.argtypes = args
        fn.restype = c_i32
    return so


# ------------------------------------------------------------------ helpers

GUARD = 32
GUARD_BYTE = 0x5A


class Out:
    """An int8 output buffer between guard bytes the kernel must not touch."""

    def __init__(self, shape):
        self.shape = tuple(int(s) for s in shape)
        self.n = int(np.prod(self.shape, dtype=np.int64))
        self.buf = np.full(self.n + 2 * GUARD, GUARD_BYTE, dtype=np.int8)

    @property
    def ptr(self):
        return self.buf[GUARD:].ctypes.data_as(I8P)

    def value(self):
        assert (self.buf[:GUARD] == GUARD_BYTE).all(), "write before the output"
        assert (self.buf[GUARD + self.n:] == GUARD_BYTE).all(), "write after the output"
        return self.buf[GUARD:GUARD + self.n].reshape(self.shape).copy()


def p8(a):
    return None if a is None else np.ascontiguousarray(a, dtype=np.int8).ctypes.data_as(I8P)


def i32(values):
    """A C int32 array that lives as long as the returned object."""
    vals = [int(v) for v in np.atleast_1d(np.asarray(values, dtype=np.int64)).ravel()]
    return (c_i32 * max(len(vals), 1))(*vals)


def p32(arr):
    return ctypes.cast(arr, I32P)


def dims4(shape):
    n, h, w, c = (int(s) for s in shape)
    return Dims4(n, h, w, c)


def check(got, want, what):
    if not np.array_equal(got, want):
        bad = np.argwhere(got != want)
        i = tuple(bad[0])
        raise AssertionError(f"{what}: {len(bad)} mismatches, first at {i}: "
                             f"C {int(got[i])} vs reference {int(want[i])}")


class Paths:
    """Counts which kernel the dispatchers used, to show both are exercised."""

    def __init__(self):
        self.counts = [0, 0]
        self.cell = c_i32(-1)

    @property
    def ptr(self):
        self.cell.value = -1
        return ctypes.byref(self.cell)

    def record(self):
        assert self.cell.value in (0, 1)
        self.counts[self.cell.value] += 1

    def assert_both(self, what):
        if CASES >= 50:
            assert self.counts[0] > 0 and self.counts[1] > 0, f"{what}: paths {self.counts}"


def rand_i8(rng, shape):
    return rng.integers(-128, 128, size=shape, dtype=np.int8)


def rand_in_offset(rng):
    """Mostly negated int8 zero points; sometimes values outside them."""
    r = rng.random()
    if r < 0.8:
        return int(-rng.integers(-128, 128))
    if r < 0.9:
        return int(rng.choice([128, -127, 0]))
    return int(rng.integers(-1000, 1000))


def rand_out_offset(rng):
    return int(rng.integers(-128, 128)) if rng.random() < 0.9 else int(rng.integers(-500, 500))


def rand_act(rng, out_offset=0):
    """Activation ranges the reference and C agree on: intersecting int8."""
    r = rng.random()
    if r < 0.5:
        return -128, 127
    if r < 0.7:  # ReLU / ReLU6-like
        lo = int(np.clip(out_offset, -128, 127))
        return lo, int(rng.integers(lo, 128))
    if r < 0.9:
        lo = int(rng.integers(-128, 128))
        return lo, int(rng.integers(lo, 128))
    return int(rng.integers(-2000, -100)), int(rng.integers(100, 2000))


def rand_quant(rng, n, edge=False):
    """(multipliers, shifts) of n channels: real TFLite ones, or int32 edge values."""
    if edge:
        mults = rng.choice([INT32_MIN, INT32_MAX, 1 << 30, -(1 << 30), 0, 1, -1,
                            int(rng.integers(INT32_MIN, INT32_MAX))], size=n)
        shifts = rng.integers(-40, 33, size=n)
        return [int(m) for m in mults], [int(s) for s in shifts]
    reals = np.exp(rng.uniform(np.log(1e-5), np.log(8.0), size=n))
    ms = [fp.quantize_multiplier(float(r)) for r in reals]
    return [m for m, _ in ms], [s for _, s in ms]


def rand_bias(rng, n, edge=False):
    if edge:
        return rng.choice([INT32_MIN, INT32_MAX, INT32_MAX - 100, INT32_MIN + 100, 0],
                          size=n).astype(np.int32)
    return rng.integers(-20000, 20000, size=n, dtype=np.int32)


# ------------------------------------------------------------ fixed point


def test_fixedpoint_helpers(lib):
    rng = np.random.default_rng(1)
    edge = [INT32_MIN, INT32_MIN + 1, -(1 << 30), -65536, -2, -1, 0, 1, 2, 65535,
            1 << 30, INT32_MAX - 1, INT32_MAX]
    a = np.array(edge + [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, 400)], np.int64)
    for x in a:
        for y in (edge + [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, 20)]):
            assert lib.tigris_srdhm(int(x), int(y)) == int(fp.srdhm(x, y)), (x, y)
        for e in list(range(0, 34)) + [40, 62]:
            assert lib.tigris_rdbpot(int(x), e) == int(fp.rdbpot(x, e)), (x, e)
        for m in (edge[::2] + [int(rng.integers(INT32_MIN, INT32_MAX))]):
            for s in (-62, -40, -32, -31, -20, -1, 0, 1, 5, 31, 32, 33, 40):
                assert lib.tigris_requant(int(x), m, s) == int(fp.requant(x, m, s)), (x, m, s)


# ---------------------------------------------------------- convolutions


def conv_case(rng, depthwise, esp_friendly):
    n = int(rng.integers(1, 3))
    h, w = (int(v) for v in rng.integers(1, 11, size=2))
    kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
    if esp_friendly:
        sh = sw = int(rng.integers(1, 3))
        dh = dw = 1
        p = int(rng.integers(0, min(kh, kw)))
        pad = [p, p, p, p]
    else:
        sh, sw = (int(v) for v in rng.integers(1, 4, size=2))
        dh, dw = (int(v) for v in rng.integers(1, 4, size=2))
        pad = [int(v) for v in rng.integers(0, 4, size=4)]
    if depthwise:
        c = int(rng.integers(1, 9))
        m = int(rng.integers(1, 4))
        cin, cout, groups, wshape = c, c * m, 1, (1, kh, kw, c * m)
    else:
        groups = 1 if (esp_friendly or rng.random() < 0.4) else int(rng.integers(1, 5))
        cin = groups * int(rng.integers(1, 7))
        cout = groups * int(rng.integers(1, 6))
        m, wshape = 1, (cout, kh, kw, cin // groups)
    oh = (h + pad[0] + pad[1] - dh * (kh - 1) - 1) // sh + 1
    ow = (w + pad[2] + pad[3] - dw * (kw - 1) - 1) // sw + 1
    if oh < 1 or ow < 1:
        return None
    edge = rng.random() < 0.1
    nq = 1 if (not esp_friendly and rng.random() < 0.2) else cout
    mult, shift = rand_quant(rng, nq, edge)
    out_off = rand_out_offset(rng)
    act_min, act_max = rand_act(rng, out_off)
    attrs = dict(stride=[sh, sw], dilation=[dh, dw], pad=pad,
                 input_offset=rand_in_offset(rng) if not esp_friendly else int(-rng.integers(-128, 128)),
                 output_offset=out_off, multiplier=mult, shift=shift,
                 act_min=act_min, act_max=act_max)
    if depthwise:
        attrs["channel_multiplier"] = m
    else:
        attrs["groups"] = groups
    x = rand_i8(rng, (n, h, w, cin))
    wt = rand_i8(rng, wshape)
    no_bias = (not esp_friendly) and rng.random() < 0.1
    b = np.zeros(cout, np.int32) if no_bias else rand_bias(rng, cout, edge)
    return x, wt, (None if no_bias else b), b, attrs


def conv_params(attrs, depthwise):
    keep = [i32(attrs["multiplier"]), i32(attrs["shift"])]
    p = ConvParams()
    p.stride[:] = attrs["stride"]
    p.dilation[:] = attrs["dilation"]
    p.pad[:] = attrs["pad"]
    p.groups = attrs.get("groups", 1)
    p.channel_multiplier = attrs.get("channel_multiplier", 1)
    p.input_offset = attrs["input_offset"]
    p.output_offset = attrs["output_offset"]
    p.multiplier, p.shift = p32(keep[0]), p32(keep[1])
    p.quant_count = len(attrs["multiplier"])
    p.act_min, p.act_max = attrs["act_min"], attrs["act_max"]
    return p, keep


@pytest.mark.parametrize("depthwise", [False, True], ids=["conv2d", "depthwise_conv2d"])
def test_convolutions(lib, depthwise):
    rng = np.random.default_rng(10 + depthwise)
    paths = Paths()
    direct = lib.tigris_depthwise_conv2d_s8 if depthwise else lib.tigris_conv2d_s8
    run = lib.tigris_run_depthwise_conv2d_s8 if depthwise else lib.tigris_run_conv2d_s8
    refk = ref.depthwise_conv2d if depthwise else ref.conv2d
    done = 0
    while done < CASES:
        case = conv_case(rng, depthwise, esp_friendly=rng.random() < 0.4)
        if case is None:
            continue
        x, wt, b_c, b_ref, attrs = case
        want = refk(x, wt, b_ref, **attrs)
        p, keep = conv_params(attrs, depthwise)
        wdims = dims4(wt.shape)
        bias = None if b_c is None else b_c.ctypes.data_as(I32P)
        for which in ("direct", "dispatch"):
            out = Out(want.shape)
            if which == "direct":
                st = direct(dims4(x.shape), p8(x), wdims, p8(wt), bias, dims4(want.shape),
                            out.ptr, p)
            else:
                st = run(dims4(x.shape), p8(x), wdims, p8(wt), bias, dims4(want.shape),
                         out.ptr, p, None, 0, paths.ptr)
                paths.record()
            assert st == 0, (which, st, attrs)
            check(out.value(), want, f"{refk.__name__} {which} {x.shape} {wt.shape} {attrs}")
        del keep
        done += 1
    paths.assert_both(refk.__name__)


def test_conv_partial_output_rows(lib):
    """Fewer output rows/cols than the formula: the leading part (strip tiling)."""
    rng = np.random.default_rng(12)
    for _ in range(max(CASES // 5, 5)):
        case = conv_case(rng, False, esp_friendly=False)
        if case is None:
            continue
        x, wt, _, b, attrs = case
        want = ref.conv2d(x, wt, b, **attrs)
        oh = int(rng.integers(1, want.shape[1] + 1))
        ow = int(rng.integers(1, want.shape[2] + 1))
        p, keep = conv_params(attrs, False)
        out = Out((want.shape[0], oh, ow, want.shape[3]))
        st = lib.tigris_run_conv2d_s8(dims4(x.shape), p8(x), dims4(wt.shape), p8(wt),
                                      b.ctypes.data_as(I32P), dims4(out.shape), out.ptr, p,
                                      None, 0, None)
        assert st == 0
        check(out.value(), want[:, :oh, :ow], "conv2d partial")


def test_fully_connected(lib):
    rng = np.random.default_rng(20)
    paths = Paths()
    for _ in range(CASES):
        k = int(rng.integers(1, 300))
        cout = int(rng.integers(1, 40))
        lead = [int(v) for v in rng.integers(1, 4, size=int(rng.integers(1, 4)))]
        x = rand_i8(rng, lead + [k])
        wt = rand_i8(rng, (cout, k))
        edge = rng.random() < 0.1
        nq = 1 if rng.random() < 0.3 else cout
        mult, shift = rand_quant(rng, nq, edge)
        no_bias = rng.random() < 0.1
        b = np.zeros(cout, np.int32) if no_bias else rand_bias(rng, cout, edge)
        out_off = rand_out_offset(rng)
        act_min, act_max = rand_act(rng, out_off)
        attrs = dict(input_offset=rand_in_offset(rng), output_offset=out_off,
                     multiplier=mult, shift=shift, act_min=act_min, act_max=act_max)
        want = ref.fully_connected(x, wt, b, **attrs)
        keep = [i32(mult), i32(shift)]
        p = FcParams(attrs["input_offset"], out_off, p32(keep[0]), p32(keep[1]), nq,
                     act_min, act_max)
        rows = x.size // k
        bias = None if no_bias else b.ctypes.data_as(I32P)
        for which in ("direct", "dispatch"):
            out = Out(want.shape)
            if which == "direct":
                st = lib.tigris_fully_connected_s8(p8(x), rows, k, p8(wt), bias, cout,
                                                   out.ptr, p)
            else:
                st = lib.tigris_run_fully_connected_s8(p8(x), rows, k, p8(wt), bias, cout,
                                                       out.ptr, p, paths.ptr)
                paths.record()
            assert st == 0
            check(out.value(), want, f"fully_connected {which} {x.shape} {attrs}")
    paths.assert_both("fully_connected")


# ----------------------------------------------------------- elementwise


def bcast_shapes(rng):
    """(shape1, shape2, out_shape): same shape half the time, else numpy broadcasting."""
    rank = int(rng.integers(1, 7))
    out = [int(v) for v in rng.integers(1, 5, size=rank)]
    if rng.random() < 0.5:
        return out, list(out), out
    shapes = []
    for _ in range(2):
        r = int(rng.integers(0, rank + 1)) if rng.random() < 0.5 else rank
        s = [d if rng.random() < 0.6 else 1 for d in out[rank - r:]]
        shapes.append(s)
    full = int(rng.integers(0, 2))  # one input keeps the full output shape
    shapes[full] = list(out)
    return shapes[0], shapes[1], out


def add_attrs(rng):
    if rng.random() < 0.6:
        s1, s2, so = np.exp(rng.uniform(np.log(1e-3), np.log(1.0), size=3))
        act = rand_act(rng)
        return fp.add_params(s1, int(rng.integers(-128, 128)), s2, int(rng.integers(-128, 128)),
                             so, int(rng.integers(-128, 128)), act_min=act[0], act_max=act[1],
                             subtract=bool(rng.random() < 0.3),
                             left_shift=int(rng.choice([20, 20, 16, 0, 8])))
    m = [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, size=3, dtype=np.int64)]
    s = [int(v) for v in rng.integers(-35, 6, size=3)]
    act = rand_act(rng)
    return dict(input1_offset=rand_in_offset(rng), input2_offset=rand_in_offset(rng),
                input1_multiplier=m[0], input1_shift=s[0], input2_multiplier=m[1],
                input2_shift=s[1], left_shift=int(rng.integers(0, 40)),
                output_offset=rand_out_offset(rng), output_multiplier=m[2],
                output_shift=s[2], act_min=act[0], act_max=act[1])


def mul_attrs(rng):
    act = rand_act(rng)
    if rng.random() < 0.6:
        s1, s2, so = np.exp(rng.uniform(np.log(1e-3), np.log(1.0), size=3))
        return fp.mul_params(s1, int(rng.integers(-128, 128)), s2, int(rng.integers(-128, 128)),
                             so, int(rng.integers(-128, 128)), act_min=act[0], act_max=act[1])
    return dict(input1_offset=rand_in_offset(rng), input2_offset=rand_in_offset(rng),
                output_offset=rand_out_offset(rng),
                output_multiplier=int(rng.integers(INT32_MIN, INT32_MAX, dtype=np.int64)),
                output_shift=int(rng.integers(-35, 10)), act_min=act[0], act_max=act[1])


@pytest.mark.parametrize("op", ["add", "mul"])
def test_add_mul_broadcast(lib, op):
    rng = np.random.default_rng(30 + (op == "mul"))
    paths = Paths()
    direct = getattr(lib, f"tigris_{op}_s8")
    run = getattr(lib, f"tigris_run_{op}_s8")
    for _ in range(2 * CASES):
        s1, s2, so = bcast_shapes(rng)
        a, b = rand_i8(rng, s1), rand_i8(rng, s2)
        attrs = add_attrs(rng) if op == "add" else mul_attrs(rng)
        want = getattr(ref, op)(a, b, **attrs)
        assert list(want.shape) == so
        fields = ADD_FIELDS if op == "add" else MUL_FIELDS
        p = (AddParams if op == "add" else MulParams)(*[attrs[f] for f in fields])
        sh1, sh2, sho = i32(s1), i32(s2), i32(so)
        for which in ("direct", "dispatch"):
            out = Out(so)
            args = [p8(a), p32(sh1), len(s1), p8(b), p32(sh2), len(s2), out.ptr, p32(sho),
                    len(so), p]
            if which == "direct":
                st = direct(*args)
            else:
                st = run(*args, paths.ptr)
                paths.record()
            assert st == 0, (which, st, s1, s2, so)
            check(out.value(), want, f"{op} {which} {s1} {s2} {attrs}")
    paths.assert_both(op)


def test_add_in_place(lib):
    rng = np.random.default_rng(33)
    for _ in range(10):
        s1, s2, so = bcast_shapes(rng)
        a, b = rand_i8(rng, so), rand_i8(rng, s2)
        attrs = add_attrs(rng)
        want = ref.add(a, b, **attrs)
        p = AddParams(*[attrs[f] for f in ADD_FIELDS])
        sh, sh2 = i32(so), i32(s2)
        assert lib.tigris_add_s8(p8(a), p32(sh), len(so), p8(b), p32(sh2), len(s2), p8(a),
                                 p32(sh), len(so), p) == 0
        check(a, want, "add in place")


def test_lut(lib):
    rng = np.random.default_rng(40)
    for _ in range(CASES // 3 + 1):
        x = rand_i8(rng, [int(v) for v in rng.integers(1, 6, size=int(rng.integers(1, 5)))])
        table = [int(v) for v in rng.integers(-128, 128, size=256)]
        want = ref.lut(x, table=table)
        out = Out(x.shape)
        assert lib.tigris_lut_s8(p8(x), x.size, p8(np.array(table, np.int8)), out.ptr) == 0
        check(out.value(), want, "lut")


# -------------------------------------------------------------- pooling


def pool_case(rng, is_max, esp_friendly):
    n = int(rng.integers(1, 3))
    h, w = (int(v) for v in rng.integers(1, 12, size=2))
    c = int(rng.integers(1, 9))
    kh, kw = (int(v) for v in rng.integers(1, 5, size=2))
    sh, sw = (int(v) for v in rng.integers(1, 4, size=2))
    dil = [1, 1]
    if esp_friendly:
        pad = [0, 0, 0, 0]
    else:
        pad = [int(rng.integers(0, kh)), int(rng.integers(0, kh)),
               int(rng.integers(0, kw)), int(rng.integers(0, kw))]
        if is_max and rng.random() < 0.4:
            dil = [int(v) for v in rng.integers(1, 4, size=2)]
    oh = (h + pad[0] + pad[1] - dil[0] * (kh - 1) - 1) // sh + 1
    ow = (w + pad[2] + pad[3] - dil[1] * (kw - 1) - 1) // sw + 1
    if oh < 1 or ow < 1:
        return None
    out_shape = None
    if not esp_friendly and rng.random() < 0.25:  # ceil_mode-like, windows past the pad
        oh += int(rng.integers(0, 3))
        ow += int(rng.integers(0, 3))
        out_shape = [n, oh, ow, c]
    act = rand_act(rng)
    attrs = dict(kernel=[kh, kw], stride=[sh, sw], pad=pad, act_min=act[0], act_max=act[1],
                 out_shape=out_shape)
    if is_max:
        attrs["dilation"] = dil
    else:
        attrs["count_include_pad"] = int(rng.random() < 0.3)
    return rand_i8(rng, (n, h, w, c)), attrs


@pytest.mark.parametrize("op", ["avg_pool", "max_pool"])
def test_pools(lib, op):
    is_max = op == "max_pool"
    rng = np.random.default_rng(50 + is_max)
    paths = Paths()
    done = 0
    while done < CASES:
        case = pool_case(rng, is_max, esp_friendly=rng.random() < 0.3)
        if case is None:
            continue
        x, attrs = case
        want = getattr(ref, op)(x, **attrs)
        p = PoolParams()
        p.kernel[:], p.stride[:], p.pad[:] = attrs["kernel"], attrs["stride"], attrs["pad"]
        p.dilation[:] = attrs.get("dilation", [1, 1])
        p.count_include_pad = attrs.get("count_include_pad", 0)
        p.act_min, p.act_max = attrs["act_min"], attrs["act_max"]
        for which in ("direct", "dispatch"):
            out = Out(want.shape)
            if which == "direct":
                st = getattr(lib, f"tigris_{op}_s8")(dims4(x.shape), p8(x), dims4(want.shape),
                                                     out.ptr, p)
            else:
                st = getattr(lib, f"tigris_run_{op}_s8")(dims4(x.shape), p8(x),
                                                         dims4(want.shape), out.ptr, p,
                                                         paths.ptr)
                paths.record()
            assert st == 0, (which, st, attrs)
            check(out.value(), want, f"{op} {which} {x.shape} {attrs}")
        done += 1
    paths.assert_both(op)


def test_global_avg_pool(lib):
    rng = np.random.default_rng(60)
    paths = Paths()
    for _ in range(CASES):
        x = rand_i8(rng, (int(rng.integers(1, 3)), int(rng.integers(1, 10)),
                          int(rng.integers(1, 10)), int(rng.integers(1, 17))))
        edge = rng.random() < 0.15
        if edge:
            (m,), (s,) = rand_quant(rng, 1, True)
        else:
            m, s = fp.quantize_multiplier(float(rng.uniform(0.2, 3.0)) / (x.shape[1] * x.shape[2]))
        attrs = dict(input_offset=rand_in_offset(rng), output_offset=rand_out_offset(rng),
                     multiplier=m, shift=s)
        want = ref.global_avg_pool(x, **attrs)
        p = GapParams(attrs["input_offset"], attrs["output_offset"], m, s)
        for which in ("direct", "dispatch"):
            out = Out(want.shape)
            if which == "direct":
                st = lib.tigris_global_avg_pool_s8(dims4(x.shape), p8(x), out.ptr, p)
            else:
                st = lib.tigris_run_global_avg_pool_s8(dims4(x.shape), p8(x), out.ptr, p,
                                                       paths.ptr)
                paths.record()
            assert st == 0
            check(out.value(), want, f"global_avg_pool {which} {x.shape} {attrs}")
    paths.assert_both("global_avg_pool")


# -------------------------------------------------------------- softmax


def test_softmax(lib):
    rng = np.random.default_rng(70)
    for _ in range(CASES):
        shape = [int(v) for v in rng.integers(1, 6, size=int(rng.integers(0, 3)))]
        shape.append(int(rng.integers(1, 60)))
        x = rand_i8(rng, shape)
        if rng.random() < 0.2:
            x = np.clip(x, -128, int(rng.integers(-128, -100))).astype(np.int8)
        if rng.random() < 0.8:
            table = fp.softmax_exp_table(float(np.exp(rng.uniform(np.log(1e-3), np.log(1.0)))),
                                         float(rng.uniform(0.5, 2.0)))
            oscale = fp.softmax_output_scale_q16(float(rng.choice([1 / 256, 1 / 128, 0.01])))
            ooff = int(rng.choice([-128, 0, int(rng.integers(-128, 128))]))
        else:  # raw uint32 table bits, some >= 2^31 (negative as int32)
            table = [int(v) for v in rng.integers(1, 1 << 32, size=256, dtype=np.int64)]
            table = [t - (1 << 32) if t >= 1 << 31 else t for t in table]
            oscale = int(rng.integers(0, 1 << 24))
            ooff = rand_out_offset(rng)
        want = ref.softmax(x, exp_table=table, output_scale_q16=oscale, output_offset=ooff)
        t = i32(table)
        out = Out(x.shape)
        st = lib.tigris_softmax_s8(p8(x), x.size // shape[-1], shape[-1], p32(t), oscale, ooff,
                                   out.ptr)
        assert st == 0
        check(out.value(), want, f"softmax {shape}")


# -------------------------------------------------------- data movement


def rand_shape(rng, rank, hi=5):
    return [int(v) for v in rng.integers(1, hi, size=rank)]


def test_transpose(lib):
    rng = np.random.default_rng(80)
    for _ in range(CASES):
        shape = rand_shape(rng, int(rng.integers(1, 7)))
        perm = [int(v) for v in rng.permutation(len(shape))]
        x = rand_i8(rng, shape)
        want = ref.transpose(x, perm=perm)
        out = Out(want.shape)
        sh, pm, osh = i32(shape), i32(perm), i32(want.shape)
        assert lib.tigris_transpose_s8(p8(x), p32(sh), len(shape), p32(pm), out.ptr,
                                       p32(osh)) == 0
        check(out.value(), want, f"transpose {shape} {perm}")


def test_pad(lib):
    rng = np.random.default_rng(81)
    for _ in range(CASES):
        shape = rand_shape(rng, int(rng.integers(1, 7)))
        pads = [int(v) for v in rng.integers(0, 3, size=2 * len(shape))]
        value = int(rng.integers(-128, 128))
        x = rand_i8(rng, shape)
        want = ref.pad(x, pad=pads, value=value)
        out = Out(want.shape)
        sh, pd, osh = i32(shape), i32(pads), i32(want.shape)
        assert lib.tigris_pad_s8(p8(x), p32(sh), len(shape), p32(pd), value, out.ptr,
                                 p32(osh)) == 0
        check(out.value(), want, f"pad {shape} {pads}")


def test_slice(lib):
    rng = np.random.default_rng(82)
    for _ in range(CASES):
        shape = rand_shape(rng, int(rng.integers(1, 7)), hi=7)
        size = [int(rng.integers(1, d + 1)) for d in shape]
        begin = [int(rng.integers(0, d - s + 1)) for d, s in zip(shape, size)]
        x = rand_i8(rng, shape)
        want = ref.slice(x, begin=begin, out_shape=size)
        out = Out(size)
        sh, bg, osh = i32(shape), i32(begin), i32(size)
        assert lib.tigris_slice_s8(p8(x), p32(sh), len(shape), p32(bg), out.ptr, p32(osh)) == 0
        check(out.value(), want, f"slice {shape} {begin} {size}")


def test_insert(lib):
    rng = np.random.default_rng(83)
    for i in range(CASES):
        dshape = rand_shape(rng, int(rng.integers(1, 7)), hi=7)
        axis = int(rng.integers(0, len(dshape)))
        ishape = list(dshape)
        ishape[axis] = int(rng.integers(1, dshape[axis] + 1))
        offset = int(rng.integers(0, dshape[axis] - ishape[axis] + 1))
        x, dest = rand_i8(rng, ishape), rand_i8(rng, dshape)
        neg_axis = axis - len(dshape) if rng.random() < 0.3 else axis
        want = ref.insert(x, dest, axis=neg_axis, offset=offset)
        ish, dsh = i32(ishape), i32(dshape)
        if i % 2:  # destination-passing: write into dest itself
            got = dest.copy()
            st = lib.tigris_insert_s8(p8(x), p32(ish), p8(got), p32(dsh), len(dshape), neg_axis,
                                      offset, p8(got))
        else:
            out = Out(dshape)
            st = lib.tigris_insert_s8(p8(x), p32(ish), p8(dest), p32(dsh), len(dshape), neg_axis,
                                      offset, out.ptr)
            got = out.value() if st == 0 else None
        assert st == 0
        check(got, want, f"insert {ishape} into {dshape} axis {neg_axis} at {offset}")


def test_resize(lib):
    rng = np.random.default_rng(84)
    ctms = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"]
    for _ in range(CASES):
        n, h, w, c = (int(rng.integers(1, 3)), int(rng.integers(1, 9)), int(rng.integers(1, 9)),
                      int(rng.integers(1, 5)))
        oh, ow = int(rng.integers(1, 17)), int(rng.integers(1, 17))
        mode = str(rng.choice(["nearest", "linear"]))
        if rng.random() < 0.8:
            ctm = str(rng.choice(ctms))
            nm = str(rng.choice(["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]))
            y0, y1, wy = fp.resize_tables(h, oh, mode, ctm, nm)
            x0, x1, wx = fp.resize_tables(w, ow, mode, ctm, nm)
        else:
            y0, y1 = ([int(v) for v in rng.integers(0, h, oh)] for _ in range(2))
            x0, x1 = ([int(v) for v in rng.integers(0, w, ow)] for _ in range(2))
            wy = [int(v) for v in rng.integers(0, 2049, oh)]
            wx = [int(v) for v in rng.integers(0, 2049, ow)]
        x = rand_i8(rng, (n, h, w, c))
        attrs = dict(mode=mode, y_index0=y0, y_index1=y1, y_weight=wy, x_index0=x0,
                     x_index1=x1, x_weight=wx)
        want = ref.resize(x, **attrs)
        tables = [i32(t) for t in (y0, y1, wy, x0, x1, wx)]
        out = Out(want.shape)
        st = lib.tigris_resize_s8(dims4(x.shape), p8(x), dims4(want.shape), out.ptr,
                                  int(mode == "linear"), *[p32(t) for t in tables])
        assert st == 0
        check(out.value(), want, f"resize {mode} {x.shape} -> {want.shape}")


# ------------------------------------------------------- invalid arguments


def test_invalid_arguments_write_nothing(lib):
    x = np.zeros((1, 4, 4, 4), np.int8)
    wt = np.zeros((6, 3, 3, 2), np.int8)
    attrs = dict(stride=[1, 1], dilation=[1, 1], pad=[1, 1, 1, 1], groups=3, input_offset=0,
                 output_offset=0, multiplier=[1 << 30], shift=[0], act_min=-128, act_max=127)
    p, keep = conv_params(attrs, False)
    out = Out((1, 4, 4, 6))
    # groups 3 do not divide Cin 4 into the weights' 2 channels
    assert lib.tigris_conv2d_s8(dims4(x.shape), p8(x), dims4(wt.shape), p8(wt), None,
                                dims4(out.shape), out.ptr, p) == -2
    assert lib.tigris_run_conv2d_s8(dims4(x.shape), p8(x), dims4(wt.shape), p8(wt), None,
                                    dims4(out.shape), out.ptr, p, None, 0, None) == -2
    p.groups, p.stride[0] = 2, 0
    assert lib.tigris_conv2d_s8(dims4(x.shape), p8(x), dims4(wt.shape), p8(wt), None,
                                dims4(out.shape), out.ptr, p) == -3
    p.stride[0] = 1
    big = Out((1, 5, 4, 6))  # more rows than the formula gives
    assert lib.tigris_conv2d_s8(dims4(x.shape), p8(x), dims4(wt.shape), p8(wt), None,
                                dims4(big.shape), big.ptr, p) == -2
    assert lib.tigris_conv2d_s8(dims4(x.shape), None, dims4(wt.shape), p8(wt), None,
                                dims4(out.shape), out.ptr, p) == -1
    assert (out.buf == GUARD_BYTE).all() and (big.buf == GUARD_BYTE).all()
    sh, bad_perm, osh = i32([2, 3]), i32([0, 0]), i32([2, 3])
    assert lib.tigris_transpose_s8(p8(np.zeros(6, np.int8)), p32(sh), 2, p32(bad_perm),
                                   out.ptr, p32(osh)) == -3
    tbl = i32([0] * 256)  # exp sum 0
    assert lib.tigris_softmax_s8(p8(np.zeros(6, np.int8)), 2, 3, p32(tbl), 1 << 24, 0,
                                 out.ptr) == -3
    idx = i32([0, 4])  # row 4 of a 4-row input
    assert lib.tigris_resize_s8(dims4(x.shape), p8(x), dims4((1, 2, 2, 4)), out.ptr, 0,
                                p32(idx), None, None, p32(i32([0, 1])), None, None) == -3
    sh2 = i32([2, 3])
    assert lib.tigris_slice_s8(p8(np.zeros(6, np.int8)), p32(sh2), 2, p32(i32([1, 0])),
                               out.ptr, p32(i32([2, 3]))) == -3
    assert (out.buf == GUARD_BYTE).all()
    del keep


# ------------------------------------------------- static properties


def strip_comments(src: str) -> str:
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", src, flags=re.S)


def test_objects_reference_no_heap(build):
    """nm: the kernels call no allocator (and nothing but memcpy/memset from libc)."""
    if shutil.which("nm") is None:
        pytest.skip("nm not installed")
    def symbols(*flags):
        r = subprocess.run(["nm", *flags, str(build / "libtigris_kernels.a")],
                           capture_output=True, text=True, check=True)
        return {line.split()[-1] for line in r.stdout.splitlines()
                if line.strip() and not line.endswith(":")}

    # references between the archive's own objects are not external
    undefined = symbols("-u") - symbols("--defined-only")
    assert not undefined & {"malloc", "calloc", "realloc", "free", "alloca", "aligned_alloc"}
    allowed = {"memcpy", "memset", "__stack_chk_fail"}
    assert undefined <= allowed, f"unexpected external symbols: {sorted(undefined - allowed)}"


def test_sources_are_heapless_c99():
    """No allocator, no floating point, no VLA markers in the kernel sources."""
    files = sorted(KERNEL_SRC.glob("*.[ch]")) + sorted((RUNTIME / "kernels/include").glob("*.h"))
    assert files
    for f in files:
        code = strip_comments(f.read_text())
        for word in ("malloc", "calloc", "realloc", "free", "alloca", "double", "float"):
            assert not re.search(rf"\b{word}\b", code), f"{f.name} uses {word}"
        assert len(f.read_text().splitlines()) < 600, f"{f.name} is too long"


def test_no_recursion(tmp_path):
    """gcc -fcallgraph-info: the kernels' call graph has no cycle."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    edges: dict[str, set[str]] = {}
    for src in sorted(KERNEL_SRC.glob("*.c")):
        subprocess.run(["gcc", "-std=c99", "-O0", "-fcallgraph-info", "-c", str(src),
                        "-I", str(RUNTIME / "kernels/include"), "-o",
                        str(tmp_path / (src.stem + ".o"))], check=True, cwd=tmp_path)
        text = (tmp_path / (src.stem + ".ci")).read_text()
        names = dict(re.findall(r'node: \{ title: "([^"]+)" label: "([^\\"]+)', text))
        for a, b in re.findall(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', text):
            edges.setdefault(names.get(a, a), set()).add(names.get(b, b))
    assert edges
    state: dict[str, int] = {}
    for root in list(edges):  # iterative DFS, 1 = on stack, 2 = done
        stack = [(root, iter(edges.get(root, ())))]
        if state.get(root):
            continue
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                raise AssertionError(f"recursion through {nxt}")
            elif not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, iter(edges.get(nxt, ()))))


# ------------------------------------------------------------ sanitizers


def test_sanitizers(tmp_path_factory):
    """ASan + UBSan build, this file rerun on a subset; any report fails."""
    if os.environ.get("TIGRIS_KERNELS_LIB"):
        pytest.skip("already inside the sanitizer run")
    if shutil.which("cmake") is None or shutil.which("gcc") is None:
        pytest.skip("cmake/gcc not installed")
    asan = subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True,
                          text=True).stdout.strip()
    if not os.path.isabs(asan) or not os.path.exists(asan):
        pytest.skip("libasan not available")
    build_dir, _ = cmake_build(tmp_path_factory.mktemp("runtime-asan"), sanitize=True)
    env = dict(os.environ,
               TIGRIS_KERNELS_LIB=str(build_dir / "libtigris_kernels.so"),
               TIGRIS_KERNEL_CASES=str(max(CASES // 6, 12)),
               LD_PRELOAD=asan,
               ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:exitcode=86",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87")
    # -s: no fd capture, so a report printed just before the sanitizer exits is kept
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-s", "-p", "no:cacheprovider",
                        "-k", "not sanitizers and not no_recursion and not heap", __file__],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    report = r.stdout[-4000:] + r.stderr[-4000:]
    assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr, report
    assert r.returncode == 0, report
    assert re.search(r"\d+ passed", r.stdout), report
