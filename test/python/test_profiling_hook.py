"""The runtime's per-call profiling hook (tigris_run_profiled, runtime/include/tigris.h),
called through ctypes on the host runtime library:

- begin and end around every call, in order, with the call's index, kernel kind and
  stage as the plan records them, and end with the call's status;
- either callback may be NULL; a NULL profiler is tigris_run; the outputs are the same;
- a run refused before any call (arena too small) reports no call;
- tigris_kernel_name names each kind, "unknown" for any other id.
"""
from __future__ import annotations

import ctypes
import sys
from pathlib import Path

import numpy as np
import pytest

from tigris.budget import Budget
from tigris.plan.compiler import compile_onnx
from tigris.plan.host import HostPlan, aligned, library
from tigris.plan.reader import read_plan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import zoo  # noqa: E402

BEGIN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32)
END = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32,
                       ctypes.c_int)


class Profiler(ctypes.Structure):
    _fields_ = [("begin", BEGIN), ("end", END), ("user", ctypes.c_void_p)]


@pytest.fixture(scope="module")
def lib():
    lib = library()
    lib.tigris_run_profiled.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    lib.tigris_run_profiled.restype = ctypes.c_int
    lib.tigris_kernel_name.argtypes = [ctypes.c_uint32]
    lib.tigris_kernel_name.restype = ctypes.c_char_p
    return lib


@pytest.fixture(scope="module", params=["tiny_residual_add", "ds_cnn"])
def loaded(request):
    """(HostPlan, input) of a zoo model, tiled into a small fast arena and a slow pool
    for ds_cnn so stages hold several calls."""
    budget = Budget.parse("4K+64K" if request.param == "ds_cnn" else "64K")
    data = compile_onnx(str(zoo.build(request.param)), budget).data
    hp = HostPlan(data, read_plan(data))
    t = hp.plan.tensors[hp.plan.inputs[0].tensor]
    x = np.random.default_rng(3).integers(-128, 128, t.count, dtype=np.int8)
    return hp, x


def _run(lib, hp: HostPlan, x, profiler, fast_size=None):
    p = hp.plan
    fast, slow = aligned(max(p.fast_size, 1)), aligned(max(p.slow_size, 1))
    t = p.tensors[p.inputs[0].tensor]
    {"fast": fast, "slow": slow}[t.pool][t.offset:t.offset + t.size] = x.view(np.uint8)
    ptr = None if profiler is None else ctypes.addressof(profiler)
    st = lib.tigris_run_profiled(hp.handle, fast.ctypes.data,
                                 p.fast_size if fast_size is None else fast_size,
                                 slow.ctypes.data, p.slow_size, ptr)
    o = p.tensors[p.outputs[0].tensor]
    return st, {"fast": fast, "slow": slow}[o.pool][o.offset:o.offset + o.size].copy()


def test_begin_and_end_around_every_call(lib, loaded):
    hp, x = loaded
    events = []
    prof = Profiler(BEGIN(lambda u, i, k, s: events.append(("begin", i, k, s))),
                    END(lambda u, i, k, s, st: events.append(("end", i, k, s, st))), None)
    st, y = _run(lib, hp, x, prof)
    assert st == 0
    want = []
    for i, c in enumerate(hp.plan.calls):
        want += [("begin", i, c.kernel.id, c.stage), ("end", i, c.kernel.id, c.stage, 0)]
    assert events == want
    assert len({c.stage for c in hp.plan.calls}) > 1
    st0, y0 = _run(lib, hp, x, None)            # a NULL profiler: tigris_run
    assert st0 == 0 and np.array_equal(y, y0)
    assert np.array_equal(y0.view(np.int8), hp.run([x])[0].reshape(-1))


def test_either_callback_may_be_null(lib, loaded):
    hp, x = loaded
    ends = []
    prof = Profiler(BEGIN(), END(lambda u, i, k, s, st: ends.append(i)), None)
    assert _run(lib, hp, x, prof)[0] == 0
    assert ends == list(range(len(hp.plan.calls)))
    begins = []
    prof = Profiler(BEGIN(lambda u, i, k, s: begins.append(i)), END(), None)
    assert _run(lib, hp, x, prof)[0] == 0
    assert begins == list(range(len(hp.plan.calls)))


def test_user_pointer_is_passed_back(lib, loaded):
    hp, x = loaded
    box = ctypes.c_int(7)
    seen = set()
    prof = Profiler(BEGIN(lambda u, i, k, s: seen.add(u)), END(), ctypes.addressof(box))
    assert _run(lib, hp, x, prof)[0] == 0
    assert seen == {ctypes.addressof(box)}


def test_a_refused_run_reports_no_call(lib, loaded):
    hp, x = loaded
    events = []
    prof = Profiler(BEGIN(lambda u, i, k, s: events.append(i)),
                    END(lambda u, i, k, s, st: events.append(i)), None)
    st, _ = _run(lib, hp, x, prof, fast_size=hp.plan.fast_size - 1)
    assert lib.tigris_status_str(st).decode() == "TIGRIS_STATUS_ARENA_TOO_SMALL"
    assert events == []


def test_kernel_names(lib, loaded):
    hp, _ = loaded
    for c in hp.plan.calls:
        assert lib.tigris_kernel_name(c.kernel.id).decode() == c.kernel.name
    assert lib.tigris_kernel_name(0) == b"unknown"
    assert lib.tigris_kernel_name(0xFFFF) == b"unknown"
