"""The C99 reference kernels (runtime/kernels) against the numpy reference, byte for byte.

The shared library is built once per session with CMake (runtime/CMakeLists.txt)
and loaded with ctypes. Every kernel op of docs/kernels.md runs on seeded random
cases through its tigris_* kernel and, for the ops ESP-NN has, through the
tigris_run_* dispatcher, which calls the ESP-NN entry points (esp_nn_ref.h)
whenever tigris_kernel_args.c maps the op instance onto them. Outputs are
written between guard bytes that must survive the call.

test_sanitizers rebuilds with -DTIGRIS_SANITIZE=ON (ASan + UBSan, every report
fatal) and reruns this file on a subset in a subprocess. Environment:
TIGRIS_KERNELS_LIB = a prebuilt library to load instead of building (also how
the library can be checked with Espressif's own ESP-NN linked in);
TIGRIS_KERNEL_CASES = random cases per test.
"""
from __future__ import annotations

import ctypes
import graphlib
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
ConvParams = struct("ConvParams", [("stride", 2), ("dilation", 2), ("pad", 4), "groups",
                                   "channel_multiplier", "input_offset", "output_offset",
                                   ("multiplier", "p"), ("shift", "p"), "quant_count",
                                   "act_min", "act_max"])
FcParams = struct("FcParams", ["input_offset", "output_offset", ("multiplier", "p"),
                               ("shift", "p"), "quant_count", "act_min", "act_max"])
ADD_FIELDS = ["input1_offset", "input2_offset", "input1_multiplier", "input1_shift",
              "input2_multiplier", "input2_shift", "left_shift", "output_offset",
              "output_multiplier", "output_shift", "act_min", "act_max"]
MUL_FIELDS = ["input1_offset", "input2_offset", "output_offset", "output_multiplier",
              "output_shift", "act_min", "act_max"]
AddParams, MulParams = struct("AddParams", ADD_FIELDS), struct("MulParams", MUL_FIELDS)
PoolParams = struct("PoolParams", [("kernel", 2), ("stride", 2), ("dilation", 2), ("pad", 4),
                                   "count_include_pad", "act_min", "act_max"])
GapParams = struct("GapParams", ["input_offset", "output_offset", "multiplier", "shift"])

# Argument kinds: D dims, B int8*, I int32*, i int32, v void*, b int8, P params*.
SIGNATURES = {
    "tigris_srdhm": "ii", "tigris_rdbpot": "ii", "tigris_requant": "iii",
    "tigris_conv2d_s8": "DBDBIDBP", "tigris_depthwise_conv2d_s8": "DBDBIDBP",
    "tigris_run_conv2d_s8": "DBDBIDBPviI", "tigris_run_depthwise_conv2d_s8": "DBDBIDBPviI",
    "tigris_fully_connected_s8": "BiiBIiBP", "tigris_run_fully_connected_s8": "BiiBIiBPI",
    "tigris_add_s8": "BIiBIiBIiP", "tigris_run_add_s8": "BIiBIiBIiPI",
    "tigris_mul_s8": "BIiBIiBIiP", "tigris_run_mul_s8": "BIiBIiBIiPI",
    "tigris_lut_s8": "BiBB", "tigris_lut_per_channel_s8": "BiiBB",
    "tigris_avg_pool_s8": "DBDBP", "tigris_max_pool_s8": "DBDBP",
    "tigris_run_avg_pool_s8": "DBDBPI", "tigris_run_max_pool_s8": "DBDBPI",
    "tigris_global_avg_pool_s8": "DBBP", "tigris_run_global_avg_pool_s8": "DBBPI",
    "tigris_softmax_s8": "BiiIiiB", "tigris_transpose_s8": "BIiIBI",
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
    """Which kernel the dispatchers used (0 tigris, 1 ESP-NN): both must be exercised."""

    def __init__(self):
        self.counts, self.cell = [0, 0], c_i32(-1)

    def assert_both(self, what):
        if CASES >= 50:
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


def rand_quant(rng, n, edge=False):
    """(multipliers, shifts) of n channels: TFLite ones (shifts of both signs), or edges."""
    if edge:
        mults = rng.choice([INT32_MIN, INT32_MAX, 1 << 30, -(1 << 30), 0, 1, -1,
                            int(rng.integers(INT32_MIN, INT32_MAX))], size=n)
        return [int(m) for m in mults], [int(s) for s in rng.integers(-40, 33, size=n)]
    ms = [fp.quantize_multiplier(float(r))
          for r in np.exp(rng.uniform(np.log(1e-5), np.log(8.0), size=n))]
    return [m for m, _ in ms], [s for _, s in ms]


def rand_bias(rng, n, edge=False):
    vals = [INT32_MIN, INT32_MAX, INT32_MAX - 100, INT32_MIN + 100, 0]
    return (rng.choice(vals, size=n) if edge else rng.integers(-20000, 20000, size=n)).astype(np.int32)


def test_fixedpoint_helpers(lib):
    rng = np.random.default_rng(1)
    edge = [INT32_MIN, INT32_MIN + 1, -(1 << 30), -65536, -2, -1, 0, 1, 2, 65535,
            1 << 30, INT32_MAX - 1, INT32_MAX]
    for x in edge + [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, 400)]:
        for y in edge + [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, 20)]:
            assert lib.tigris_srdhm(x, y) == int(fp.srdhm(x, y)), (x, y)
        for e in list(range(0, 34)) + [40, 62]:
            assert lib.tigris_rdbpot(x, e) == int(fp.rdbpot(x, e)), (x, e)
        for m in edge[::2] + [int(rng.integers(INT32_MIN, INT32_MAX))]:
            for s in (-62, -40, -32, -31, -20, -1, 0, 1, 5, 31, 32, 33, 40):
                assert lib.tigris_requant(x, m, s) == int(fp.requant(x, m, s)), (x, m, s)


# ---------------------------------------------------------- convolutions


def conv_case(rng, depthwise, esp_friendly):
    """(x, w, bias for C or None, bias for the reference, attrs) or None if empty."""
    n, h, w = int(rng.integers(1, 3)), int(rng.integers(1, 11)), int(rng.integers(1, 11))
    kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
    if esp_friendly:  # what a TFLite/ONNX model mostly has: ESP-NN can take it
        sh = sw = int(rng.integers(1, 3))
        dh = dw = 1
        pad = [int(rng.integers(0, min(kh, kw)))] * 4
    else:  # asymmetric pads, dilation, strides up to 3
        sh, sw, dh, dw = (int(v) for v in rng.integers(1, 4, size=4))
        pad = [int(v) for v in rng.integers(0, 4, size=4)]
    if depthwise:
        c, m = int(rng.integers(1, 9)), int(rng.integers(1, 4))
        cin, cout, groups, wshape = c, c * m, 1, (1, kh, kw, c * m)
    else:
        groups = 1 if (esp_friendly or rng.random() < 0.4) else int(rng.integers(1, 5))
        cin, cout = groups * int(rng.integers(1, 7)), groups * int(rng.integers(1, 6))
        m, wshape = 1, (cout, kh, kw, cin // groups)
    if (h + pad[0] + pad[1] - dh * (kh - 1) - 1 < 0 or
            w + pad[2] + pad[3] - dw * (kw - 1) - 1 < 0):
        return None
    edge = rng.random() < 0.1
    mult, shift = rand_quant(rng, 1 if (not esp_friendly and rng.random() < 0.2) else cout, edge)
    out_off = rand_out_offset(rng)
    act_min, act_max = rand_act(rng, out_off)
    attrs = dict(stride=[sh, sw], dilation=[dh, dw], pad=pad,
                 input_offset=int(-rng.integers(-128, 128)) if esp_friendly else rand_in_offset(rng),
                 output_offset=out_off, multiplier=mult, shift=shift,
                 act_min=act_min, act_max=act_max)
    attrs.update({"channel_multiplier": m} if depthwise else {"groups": groups})
    no_bias = (not esp_friendly) and rng.random() < 0.1
    b = np.zeros(cout, np.int32) if no_bias else rand_bias(rng, cout, edge)
    return rand_i8(rng, (n, h, w, cin)), rand_i8(rng, wshape), (None if no_bias else b), b, attrs


def conv_params(a):
    p = ConvParams(stride=(c_i32 * 2)(*a["stride"]), dilation=(c_i32 * 2)(*a["dilation"]),
                   pad=(c_i32 * 4)(*a["pad"]), groups=a.get("groups", 1),
                   channel_multiplier=a.get("channel_multiplier", 1),
                   input_offset=a["input_offset"], output_offset=a["output_offset"],
                   multiplier=p32(a["multiplier"]), shift=p32(a["shift"]),
                   quant_count=len(a["multiplier"]), act_min=a["act_min"], act_max=a["act_max"])
    return ctypes.byref(p)


@pytest.mark.parametrize("depthwise", [False, True], ids=["conv2d", "depthwise_conv2d"])
def test_convolutions(lib, depthwise):
    rng = np.random.default_rng(10 + depthwise)
    paths = Paths()
    name = "depthwise_conv2d" if depthwise else "conv2d"
    direct, run = getattr(lib, f"tigris_{name}_s8"), getattr(lib, f"tigris_run_{name}_s8")
    done = 0
    while done < CASES:
        case = conv_case(rng, depthwise, esp_friendly=rng.random() < 0.4)
        if case is None:
            continue
        x, wt, b_c, b_ref, attrs = case
        want = getattr(ref, name)(x, wt, b_ref, **attrs)
        p = conv_params(attrs)
        bias = None if b_c is None else b_c.ctypes.data_as(I32P)
        args = (dims4(x.shape), p8(x), dims4(wt.shape), p8(wt), bias, dims4(want.shape))
        both(lambda o: direct(*args, o, p), lambda o, pp: run(*args, o, p, None, 0, pp),
             want, f"{name} {x.shape} {wt.shape} {attrs}", paths)
        done += 1
    paths.assert_both(name)


def test_conv_partial_output_rows(lib):
    """Fewer output rows/cols than the formula: their leading part (strip tiling)."""
    rng = np.random.default_rng(12)
    for _ in range(max(CASES // 5, 5)):
        case = conv_case(rng, False, esp_friendly=False)
        if case is None:
            continue
        x, wt, _, b, attrs = case
        want = ref.conv2d(x, wt, b, **attrs)
        oh, ow = int(rng.integers(1, want.shape[1] + 1)), int(rng.integers(1, want.shape[2] + 1))
        out = Out((want.shape[0], oh, ow, want.shape[3]))
        assert lib.tigris_run_conv2d_s8(dims4(x.shape), p8(x), dims4(wt.shape), p8(wt),
                                        b.ctypes.data_as(I32P), dims4(out.shape), out.ptr,
                                        conv_params(attrs), None, 0, None) == 0
        check(out.value(), want[:, :oh, :ow], "conv2d partial")


def test_fully_connected(lib):
    rng = np.random.default_rng(20)
    paths = Paths()
    for _ in range(CASES):
        k, cout = int(rng.integers(1, 300)), int(rng.integers(1, 40))
        x = rand_i8(rng, [int(v) for v in rng.integers(1, 4, size=int(rng.integers(1, 4)))] + [k])
        wt = rand_i8(rng, (cout, k))
        edge = rng.random() < 0.1
        mult, shift = rand_quant(rng, 1 if rng.random() < 0.3 else cout, edge)
        no_bias = rng.random() < 0.1
        b = np.zeros(cout, np.int32) if no_bias else rand_bias(rng, cout, edge)
        out_off = rand_out_offset(rng)
        act_min, act_max = rand_act(rng, out_off)
        attrs = dict(input_offset=rand_in_offset(rng), output_offset=out_off,
                     multiplier=mult, shift=shift, act_min=act_min, act_max=act_max)
        want = ref.fully_connected(x, wt, b, **attrs)
        p = ctypes.byref(FcParams(attrs["input_offset"], out_off, p32(mult), p32(shift),
                                  len(mult), act_min, act_max))
        args = (p8(x), x.size // k, k, p8(wt), None if no_bias else b.ctypes.data_as(I32P), cout)
        both(lambda o: lib.tigris_fully_connected_s8(*args, o, p),
             lambda o, pp: lib.tigris_run_fully_connected_s8(*args, o, p, pp),
             want, f"fully_connected {x.shape} {attrs}", paths)
    paths.assert_both("fully_connected")


# ----------------------------------------------------------- elementwise


def bcast_shapes(rng):
    """(shape1, shape2, out_shape): the same shape half the time, else numpy broadcasting."""
    rank = int(rng.integers(1, 7))
    out = [int(v) for v in rng.integers(1, 5, size=rank)]
    if rng.random() < 0.5:
        return out, list(out), out
    shapes = []
    for _ in range(2):
        r = int(rng.integers(0, rank + 1)) if rng.random() < 0.5 else rank
        shapes.append([d if rng.random() < 0.6 else 1 for d in out[rank - r:]])
    shapes[int(rng.integers(0, 2))] = list(out)  # one input has the output's shape
    return shapes[0], shapes[1], out


def elementwise_attrs(rng, op):
    act = rand_act(rng)
    zps = [int(v) for v in rng.integers(-128, 128, size=3)]
    scales = np.exp(rng.uniform(np.log(1e-3), np.log(1.0), size=3))
    if rng.random() < 0.6:  # compile-time parameters of real scales
        if op == "mul":
            return fp.mul_params(scales[0], zps[0], scales[1], zps[1], scales[2], zps[2],
                                 act_min=act[0], act_max=act[1])
        return fp.add_params(scales[0], zps[0], scales[1], zps[1], scales[2], zps[2],
                             act_min=act[0], act_max=act[1], subtract=bool(rng.random() < 0.3),
                             left_shift=int(rng.choice([20, 20, 16, 0, 8])))
    m = [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, size=3, dtype=np.int64)]
    s = [int(v) for v in rng.integers(-35, 10, size=3)]
    a = dict(input1_offset=rand_in_offset(rng), input2_offset=rand_in_offset(rng),
             output_offset=rand_out_offset(rng), output_multiplier=m[2], output_shift=s[2],
             act_min=act[0], act_max=act[1])
    if op == "add":
        a.update(input1_multiplier=m[0], input1_shift=s[0], input2_multiplier=m[1],
                 input2_shift=s[1], left_shift=int(rng.integers(0, 40)))
    return a


@pytest.mark.parametrize("op", ["add", "mul"])
def test_add_mul_broadcast(lib, op):
    rng = np.random.default_rng(30 + (op == "mul"))
    paths = Paths()
    direct, run = getattr(lib, f"tigris_{op}_s8"), getattr(lib, f"tigris_run_{op}_s8")
    fields, Params = (ADD_FIELDS, AddParams) if op == "add" else (MUL_FIELDS, MulParams)
    for _ in range(2 * CASES):
        s1, s2, so = bcast_shapes(rng)
        a, b = rand_i8(rng, s1), rand_i8(rng, s2)
        attrs = elementwise_attrs(rng, op)
        want = getattr(ref, op)(a, b, **attrs)
        assert list(want.shape) == so
        p = ctypes.byref(Params(*[attrs[f] for f in fields]))
        args = (p8(a), p32(s1), len(s1), p8(b), p32(s2), len(s2))
        both(lambda o: direct(*args, o, p32(so), len(so), p),
             lambda o, pp: run(*args, o, p32(so), len(so), p, pp),
             want, f"{op} {s1} {s2} {attrs}", paths)
    paths.assert_both(op)


def test_add_in_place(lib):
    rng = np.random.default_rng(33)
    for _ in range(10):
        _, s2, so = bcast_shapes(rng)
        a, b = rand_i8(rng, so), rand_i8(rng, s2)
        attrs = elementwise_attrs(rng, "add")
        want = ref.add(a, b, **attrs)
        assert lib.tigris_add_s8(p8(a), p32(so), len(so), p8(b), p32(s2), len(s2), p8(a),
                                 p32(so), len(so),
                                 ctypes.byref(AddParams(*[attrs[f] for f in ADD_FIELDS]))) == 0
        check(a, want, "add in place")


def test_lut(lib):
    rng = np.random.default_rng(40)
    for _ in range(CASES // 3 + 1):
        x = rand_i8(rng, [int(v) for v in rng.integers(1, 6, size=int(rng.integers(1, 5)))])
        table = rng.integers(-128, 128, size=256).astype(np.int8)
        out = Out(x.shape)
        assert lib.tigris_lut_s8(p8(x), x.size, p8(table), out.ptr) == 0
        check(out.value(), ref.lut(x, table=[int(t) for t in table]), "lut")


TIGRIS_ERR_SHAPE = -2


def test_lut_per_channel(lib):
    """One table per channel (element i uses table i mod C), out of place and in
    place, and the size checks: channels < 1, a size not a multiple of them."""
    rng = np.random.default_rng(41)
    for k in range(CASES // 3 + 1):
        rank = int(rng.integers(1, 5))
        shape = [int(v) for v in rng.integers(1, 6, size=rank)]
        if k % 4 == 0:
            shape[-1] = int(rng.integers(16, 70))   # many channels
        x = rand_i8(rng, shape)
        c = shape[-1]
        tables = rng.integers(-128, 128, size=256 * c).astype(np.int8)
        want = ref.lut(x, table=[int(t) for t in tables])
        out = Out(x.shape)
        assert lib.tigris_lut_per_channel_s8(p8(x), x.size, c, p8(tables), out.ptr) == 0
        check(out.value(), want, "lut per channel")
        flat = x.reshape(-1)
        assert np.array_equal(want.reshape(-1), tables[(np.arange(x.size) % c) * 256 + flat + 128])
        y = x.copy()
        assert lib.tigris_lut_per_channel_s8(p8(y), y.size, c, p8(tables), p8(y)) == 0
        check(y, want, "lut per channel in place")
    x = rand_i8(rng, [6])
    tables = rng.integers(-128, 128, size=256 * 4).astype(np.int8)
    out = Out([6])
    for size, channels in ((6, 4), (6, 0), (6, -1), (0, 1), (-4, 2), (6, 1 << 24)):
        assert lib.tigris_lut_per_channel_s8(p8(x), size, channels, p8(tables), out.ptr) \
            == TIGRIS_ERR_SHAPE, (size, channels)
    assert lib.tigris_lut_per_channel_s8(None, 6, 2, p8(tables), out.ptr) != 0
    assert lib.tigris_lut_per_channel_s8(p8(x), 6, 2, None, out.ptr) != 0
    assert (out.value() == GUARD_BYTE).all()   # the rejected calls wrote nothing


# -------------------------------------------------------------- pooling


def pool_case(rng, is_max, esp_friendly):
    n, h, w, c = (int(rng.integers(1, 3)), int(rng.integers(1, 12)), int(rng.integers(1, 12)),
                  int(rng.integers(1, 9)))
    kh, kw, sh, sw = (int(v) for v in rng.integers(1, 5, size=4))
    dil, pad = [1, 1], [0, 0, 0, 0]
    if not esp_friendly:
        pad = [int(rng.integers(0, kh)), int(rng.integers(0, kh)),
               int(rng.integers(0, kw)), int(rng.integers(0, kw))]
        if is_max and rng.random() < 0.4:
            dil = [int(v) for v in rng.integers(1, 4, size=2)]
    oh = (h + pad[0] + pad[1] - dil[0] * (kh - 1) - 1) // sh + 1
    ow = (w + pad[2] + pad[3] - dil[1] * (kw - 1) - 1) // sw + 1
    if oh < 1 or ow < 1:
        return None
    out_shape = None
    if not esp_friendly and rng.random() < 0.25:  # ceil_mode-like: windows past the pads
        out_shape = [n, oh + int(rng.integers(0, 3)), ow + int(rng.integers(0, 3)), c]
    act = rand_act(rng)
    attrs = dict(kernel=[kh, kw], stride=[sh, sw], pad=pad, act_min=act[0], act_max=act[1],
                 out_shape=out_shape)
    attrs.update({"dilation": dil} if is_max else {"count_include_pad": int(rng.random() < 0.3)})
    return rand_i8(rng, (n, h, w, c)), attrs


@pytest.mark.parametrize("op", ["avg_pool", "max_pool"])
def test_pools(lib, op):
    is_max = op == "max_pool"
    rng = np.random.default_rng(50 + is_max)
    paths = Paths()
    direct, run = getattr(lib, f"tigris_{op}_s8"), getattr(lib, f"tigris_run_{op}_s8")
    done = 0
    while done < CASES:
        case = pool_case(rng, is_max, esp_friendly=rng.random() < 0.3)
        if case is None:
            continue
        x, a = case
        want = getattr(ref, op)(x, **a)
        p = ctypes.byref(PoolParams((c_i32 * 2)(*a["kernel"]), (c_i32 * 2)(*a["stride"]),
                                    (c_i32 * 2)(*a.get("dilation", [1, 1])),
                                    (c_i32 * 4)(*a["pad"]), a.get("count_include_pad", 0),
                                    a["act_min"], a["act_max"]))
        args = (dims4(x.shape), p8(x), dims4(want.shape))
        both(lambda o: direct(*args, o, p), lambda o, pp: run(*args, o, p, pp),
             want, f"{op} {x.shape} {a}", paths)
        done += 1
    paths.assert_both(op)


def test_global_avg_pool(lib):
    rng = np.random.default_rng(60)
    paths = Paths()
    for _ in range(CASES):
        x = rand_i8(rng, (int(rng.integers(1, 3)), int(rng.integers(1, 10)),
                          int(rng.integers(1, 10)), int(rng.integers(1, 17))))
        if rng.random() < 0.15:
            (m,), (s,) = rand_quant(rng, 1, True)
        else:
            m, s = fp.quantize_multiplier(float(rng.uniform(0.2, 3.0)) / (x.shape[1] * x.shape[2]))
        a = dict(input_offset=rand_in_offset(rng), output_offset=rand_out_offset(rng),
                 multiplier=m, shift=s)
        want = ref.global_avg_pool(x, **a)
        p = ctypes.byref(GapParams(a["input_offset"], a["output_offset"], m, s))
        both(lambda o: lib.tigris_global_avg_pool_s8(dims4(x.shape), p8(x), o, p),
             lambda o, pp: lib.tigris_run_global_avg_pool_s8(dims4(x.shape), p8(x), o, p, pp),
             want, f"global_avg_pool {x.shape} {a}", paths)
    paths.assert_both("global_avg_pool")


# -------------------------------------------------------------- softmax


def test_softmax(lib):
    rng = np.random.default_rng(70)
    for _ in range(CASES):
        shape = [int(v) for v in rng.integers(1, 6, size=int(rng.integers(0, 3)))]
        shape.append(int(rng.integers(1, 60)))
        x = rand_i8(rng, shape)
        if rng.random() < 0.2:  # rows near -128: many table entries far from exp(0)
            x = np.clip(x, -128, int(rng.integers(-128, -100))).astype(np.int8)
        if rng.random() < 0.8:
            table = fp.softmax_exp_table(float(np.exp(rng.uniform(np.log(1e-3), 0.0))),
                                         float(rng.uniform(0.5, 2.0)))
            oscale = fp.softmax_output_scale_q16(float(rng.choice([1 / 256, 1 / 128, 0.01])))
            ooff = int(rng.choice([-128, 0, int(rng.integers(-128, 128))]))
        else:  # raw uint32 table bits, some >= 2^31 (negative as int32)
            table = [int(v) for v in rng.integers(1, 1 << 32, size=256, dtype=np.int64)]
            table = [t - (1 << 32) if t >= 1 << 31 else t for t in table]
            oscale, ooff = int(rng.integers(0, 1 << 24)), rand_out_offset(rng)
        want = ref.softmax(x, exp_table=table, output_scale_q16=oscale, output_offset=ooff)
        out = Out(x.shape)
        assert lib.tigris_softmax_s8(p8(x), x.size // shape[-1], shape[-1], p32(table), oscale,
                                     ooff, out.ptr) == 0
        check(out.value(), want, f"softmax {shape}")


# -------------------------------------------------------- data movement


def rand_shape(rng, hi=5):
    return [int(v) for v in rng.integers(1, hi, size=int(rng.integers(1, 7)))]


def test_transpose_pad_slice(lib):
    rng = np.random.default_rng(80)
    for _ in range(CASES):
        shape = rand_shape(rng)
        x, r = rand_i8(rng, shape), len(shape)
        perm = [int(v) for v in rng.permutation(r)]
        want = ref.transpose(x, perm=perm)
        out = Out(want.shape)
        assert lib.tigris_transpose_s8(p8(x), p32(shape), r, p32(perm), out.ptr,
                                       p32(want.shape)) == 0
        check(out.value(), want, f"transpose {shape} {perm}")

        pads, value = [int(v) for v in rng.integers(0, 3, size=2 * r)], int(rng.integers(-128, 128))
        want = ref.pad(x, pad=pads, value=value)
        out = Out(want.shape)
        assert lib.tigris_pad_s8(p8(x), p32(shape), r, p32(pads), value, out.ptr,
                                 p32(want.shape)) == 0
        check(out.value(), want, f"pad {shape} {pads}")

        size = [int(rng.integers(1, d + 1)) for d in shape]
        begin = [int(rng.integers(0, d - s + 1)) for d, s in zip(shape, size)]
        want = ref.slice(x, begin=begin, out_shape=size)
        out = Out(size)
        assert lib.tigris_slice_s8(p8(x), p32(shape), r, p32(begin), out.ptr, p32(size)) == 0
        check(out.value(), want, f"slice {shape} {begin} {size}")


def test_insert(lib):
    rng = np.random.default_rng(83)
    for i in range(CASES):
        dshape = rand_shape(rng, hi=7)
        axis = int(rng.integers(0, len(dshape)))
        ishape = list(dshape)
        ishape[axis] = int(rng.integers(1, dshape[axis] + 1))
        offset = int(rng.integers(0, dshape[axis] - ishape[axis] + 1))
        x, dest = rand_i8(rng, ishape), rand_i8(rng, dshape)
        ax = axis - len(dshape) if rng.random() < 0.3 else axis
        want = ref.insert(x, dest, axis=ax, offset=offset)
        if i % 2:  # destination-passing: written into dest itself
            got = dest.copy()
            assert lib.tigris_insert_s8(p8(x), p32(ishape), p8(got), p32(dshape), len(dshape),
                                        ax, offset, p8(got)) == 0
        else:
            out = Out(dshape)
            assert lib.tigris_insert_s8(p8(x), p32(ishape), p8(dest), p32(dshape), len(dshape),
                                        ax, offset, out.ptr) == 0
            got = out.value()
        check(got, want, f"insert {ishape} into {dshape} axis {ax} at {offset}")


def test_resize(lib):
    rng = np.random.default_rng(84)
    for _ in range(CASES):
        n, h, w, c = (int(v) for v in rng.integers(1, [3, 9, 9, 5]))
        oh, ow = (int(v) for v in rng.integers(1, 17, size=2))
        mode = str(rng.choice(["nearest", "linear"]))
        if rng.random() < 0.8:  # ONNX coordinate modes through the compile-time tables
            ctm = str(rng.choice(["half_pixel", "pytorch_half_pixel", "align_corners",
                                  "asymmetric"]))
            nm = str(rng.choice(["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]))
            y0, y1, wy = fp.resize_tables(h, oh, mode, ctm, nm)
            x0, x1, wx = fp.resize_tables(w, ow, mode, ctm, nm)
        else:
            y0, y1, wy = rng.integers(0, h, oh), rng.integers(0, h, oh), rng.integers(0, 2049, oh)
            x0, x1, wx = rng.integers(0, w, ow), rng.integers(0, w, ow), rng.integers(0, 2049, ow)
        x = rand_i8(rng, (n, h, w, c))
        tables = [[int(v) for v in t] for t in (y0, y1, wy, x0, x1, wx)]
        want = ref.resize(x, mode=mode, **dict(zip(
            ["y_index0", "y_index1", "y_weight", "x_index0", "x_index1", "x_weight"], tables)))
        out = Out(want.shape)
        assert lib.tigris_resize_s8(dims4(x.shape), p8(x), dims4(want.shape), out.ptr,
                                    int(mode == "linear"), *[p32(t) for t in tables]) == 0
        check(out.value(), want, f"resize {mode} {x.shape} -> {want.shape}")


def test_invalid_arguments_write_nothing(lib):
    x, wt = np.zeros((1, 4, 4, 4), np.int8), np.zeros((6, 3, 3, 2), np.int8)
    attrs = dict(stride=[1, 1], dilation=[1, 1], pad=[1, 1, 1, 1], groups=3, input_offset=0,
                 output_offset=0, multiplier=[1 << 30], shift=[0], act_min=-128, act_max=127)
    out, big = Out((1, 4, 4, 6)), Out((1, 5, 4, 6))
    conv = lambda o, p, xp=p8(x): lib.tigris_conv2d_s8(  # noqa: E731
        dims4(x.shape), xp, dims4(wt.shape), p8(wt), None, dims4(o.shape), o.ptr, p)
    assert conv(out, conv_params(attrs)) == -2  # groups 3 do not split Cin 4 into 2s
    assert lib.tigris_run_conv2d_s8(dims4(x.shape), p8(x), dims4(wt.shape), p8(wt), None,
                                    dims4(out.shape), out.ptr, conv_params(attrs), None, 0,
                                    None) == -2
    assert conv(out, conv_params(dict(attrs, groups=2, stride=[0, 1]))) == -3
    assert conv(big, conv_params(dict(attrs, groups=2))) == -2  # more rows than the formula
    assert conv(out, conv_params(dict(attrs, groups=2)), xp=None) == -1
    z6 = np.zeros(6, np.int8)
    assert lib.tigris_transpose_s8(p8(z6), p32([2, 3]), 2, p32([0, 0]), out.ptr,
                                   p32([2, 3])) == -3
    assert lib.tigris_softmax_s8(p8(z6), 2, 3, p32([0] * 256), 1 << 24, 0, out.ptr) == -3
    assert lib.tigris_resize_s8(dims4(x.shape), p8(x), dims4((1, 2, 2, 4)), out.ptr, 0,
                                p32([0, 4]), None, None, p32([0, 1]), None, None) == -3
    assert lib.tigris_slice_s8(p8(z6), p32([2, 3]), 2, p32([1, 0]), out.ptr, p32([2, 3])) == -3
    assert (out.buf == GUARD_BYTE).all() and (big.buf == GUARD_BYTE).all()


# ------------------------------------------------- static properties


def test_objects_reference_no_heap(build):
    """nm: the kernels call no allocator, and nothing from libc but memcpy/memset."""
    if shutil.which("nm") is None:
        pytest.skip("nm not installed")

    def symbols(*flags):
        r = subprocess.run(["nm", *flags, str(build / "libtigris_kernels.a")],
                           capture_output=True, text=True, check=True)
        return {ln.split()[-1] for ln in r.stdout.splitlines() if ln.strip() and ln[-1] != ":"}

    undefined = symbols("-u") - symbols("--defined-only")  # minus calls between its objects
    assert not undefined & {"malloc", "calloc", "realloc", "free", "alloca", "aligned_alloc"}
    extra = undefined - {"memcpy", "memset", "__stack_chk_fail"}
    assert not extra, f"unexpected external symbols: {sorted(extra)}"


def test_sources_are_heapless_c99():
    """No allocator, no floating point, and small files, in the kernel sources."""
    files = sorted(KERNEL_SRC.glob("*.[ch]")) + sorted((RUNTIME / "kernels/include").glob("*.h"))
    assert files
    for f in files:
        text = f.read_text()
        code = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
        for word in ("malloc", "calloc", "realloc", "free", "alloca", "double", "float"):
            assert not re.search(rf"\b{word}\b", code), f"{f.name} uses {word}"
        assert len(text.splitlines()) < 600, f"{f.name} is too long"


def test_no_recursion(tmp_path):
    """gcc -fcallgraph-info: the kernels' call graph (across files) has no cycle."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    edges: dict[str, set[str]] = {}
    for src in sorted(KERNEL_SRC.glob("*.c")):
        subprocess.run(["gcc", "-std=c99", "-O0", "-fcallgraph-info", "-c", str(src), "-I",
                        str(RUNTIME / "kernels/include"), "-o", str(tmp_path / (src.stem + ".o"))],
                       check=True, cwd=tmp_path)
        text = (tmp_path / (src.stem + ".ci")).read_text()
        names = dict(re.findall(r'node: \{ title: "([^"]+)" label: "([^\\"]+)', text))
        for a, b in re.findall(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', text):
            edges.setdefault(names.get(a, a), set()).add(names.get(b, b))
    assert edges
    try:
        tuple(graphlib.TopologicalSorter(edges).static_order())
    except graphlib.CycleError as e:
        raise AssertionError(f"recursion: {e.args[1]}") from None


def test_sanitizers(tmp_path_factory):
    """ASan + UBSan build; this file rerun on a subset; any report fails."""
    if os.environ.get("TIGRIS_KERNELS_LIB"):
        pytest.skip("already inside a run on a given library")
    if shutil.which("cmake") is None or shutil.which("gcc") is None:
        pytest.skip("cmake/gcc not installed")
    asan = subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True,
                          text=True).stdout.strip()
    if not os.path.isabs(asan):
        pytest.skip("libasan not available")
    build_dir, _ = cmake_build(tmp_path_factory.mktemp("runtime-asan"), sanitize=True)
    env = dict(os.environ, TIGRIS_KERNELS_LIB=str(build_dir / "libtigris_kernels.so"),
               TIGRIS_KERNEL_CASES=str(max(CASES // 6, 12)), LD_PRELOAD=asan,
               ASAN_OPTIONS="detect_leaks=0:exitcode=86",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87")
    # -s: no fd capture, so a report printed just before the sanitizer exits is kept
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-s", "-p", "no:cacheprovider",
                        "-k", "not sanitizers and not no_recursion and not heap", __file__],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    report = r.stdout[-4000:] + r.stderr[-4000:]
    assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr, report
    assert r.returncode == 0, report
    assert re.search(r"\d+ passed", r.stdout), report
