"""The C runtime on the host: built on first use, loaded with ctypes, run over numpy arenas.

The shared library (runtime/src + the reference kernels of runtime/kernels)
is compiled with the system C compiler (`$CC`, else cc, gcc or clang) into a
cache directory: `$TIGRIS_CACHE_DIR`, else `$XDG_CACHE_HOME/tigris`, else
`~/.cache/tigris`. Its file name hashes the compiler, the flags and every
source, so an edited runtime is rebuilt; concurrent builders write to a
temporary name and rename.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from tigris.errors import TigrisError
from tigris.plan.reader import Plan, read_plan

CFLAGS = ["-std=c99", "-O2", "-fPIC", "-shared"]


class HostRuntimeError(TigrisError):
    """The host runtime cannot be built, or it rejected a plan or failed a run."""

    exit_code = 1


class PlanRejected(HostRuntimeError):
    """The C loader refused the plan (bad input, as the Python reader's refusals: exit 2)."""

    exit_code = 2


def runtime_dir() -> Path:
    env = os.environ.get("TIGRIS_RUNTIME_DIR")
    root = Path(env) if env else Path(__file__).resolve().parents[3] / "runtime"
    if not (root / "include" / "tigris.h").is_file():
        raise HostRuntimeError(f"the C runtime sources are not at '{root}' "
                               "(set TIGRIS_RUNTIME_DIR to the runtime/ folder)")
    return root


def sources(root: Path | None = None) -> list[Path]:
    root = root or runtime_dir()
    return sorted((root / "src").glob("*.c")) + sorted((root / "kernels" / "src").glob("*.c"))


def include_dirs(root: Path | None = None) -> list[Path]:
    root = root or runtime_dir()
    return [root / "include", root / "src", root / "kernels" / "include", root / "kernels" / "src"]


def compiler() -> list[str]:
    env = os.environ.get("CC")
    if env:
        cmd = shlex.split(env)
        if cmd and shutil.which(cmd[0]):
            return cmd
        raise HostRuntimeError(f"CC='{env}' is not an executable C compiler")
    for name in ("cc", "gcc", "clang"):
        path = shutil.which(name)
        if path:
            return [path]
    raise HostRuntimeError("no C compiler found (install gcc or clang, or set CC) to build "
                           "the host runtime")


def cache_dir() -> Path:
    env = os.environ.get("TIGRIS_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "tigris"


def build_library() -> Path:
    """The host runtime library, compiled unless an identical build is cached."""
    root = runtime_dir()
    cc = compiler()
    srcs = sources(root)
    h = hashlib.sha256(" ".join(cc + CFLAGS).encode())
    for f in srcs + sorted(p for d in include_dirs(root) for p in d.glob("*.h")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    out_dir = cache_dir()
    lib = out_dir / f"libtigris-host-{h.hexdigest()[:16]}.so"
    if lib.is_file():
        return lib
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".build-", suffix=".so", dir=out_dir)
        os.close(fd)
    except OSError as e:
        raise HostRuntimeError(f"cannot write the runtime cache '{out_dir}': {e.strerror}") from None
    cmd = cc + CFLAGS + [f"-I{d}" for d in include_dirs(root)] + [str(s) for s in srcs] + ["-o", tmp]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        os.unlink(tmp)
        first = next((ln for ln in r.stderr.splitlines() if "error" in ln), r.stderr.strip()[:200])
        raise HostRuntimeError(f"building the host runtime failed: {first}")
    os.replace(tmp, lib)
    return lib


_LIB = None


def load_library(path) -> ctypes.CDLL:
    """A runtime library at `path` with the API's signatures set: the one
    build_library makes, or one built otherwise (e.g. against ESP-NN)."""
    lib = ctypes.CDLL(str(path))
    lib.tigris_load.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    lib.tigris_load.restype = ctypes.c_int
    lib.tigris_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                               ctypes.c_void_p, ctypes.c_size_t]
    lib.tigris_run.restype = ctypes.c_int
    lib.tigris_status_str.argtypes = [ctypes.c_int]
    lib.tigris_status_str.restype = ctypes.c_char_p
    lib.tigris_plan_struct_size.restype = ctypes.c_uint32
    if hasattr(lib, "tigris_run_state"):
        lib.tigris_state_init.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
        lib.tigris_state_init.restype = ctypes.c_int
        lib.tigris_run_state.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                         ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                         ctypes.c_size_t, ctypes.c_void_p]
        lib.tigris_run_state.restype = ctypes.c_int
    return lib


def library():
    global _LIB
    if _LIB is None:
        _LIB = load_library(build_library())
    return _LIB


def status_name(code: int, lib=None) -> str:
    return (lib or library()).tigris_status_str(code).decode()


def aligned(nbytes: int, alignment: int = 16) -> np.ndarray:
    """A zeroed uint8 array of nbytes whose data is `alignment`-byte aligned."""
    raw = np.zeros(nbytes + alignment, dtype=np.uint8)
    start = (-raw.ctypes.data) % alignment
    return raw[start:start + nbytes]


class HostPlan:
    """A plan loaded by the C runtime (tigris_load), runnable on numpy inputs."""

    def __init__(self, data: bytes, plan: Plan | None = None, label: str | None = None,
                 lib=None):
        """`label`, the plan's file name, starts the message of a rejection; `lib`, a
        library from load_library (default: the host build)."""
        self.lib = lib or library()
        self.plan = plan or read_plan(data)
        self.data = aligned(len(data))
        self.data[:] = np.frombuffer(data, dtype=np.uint8)
        self.handle = ctypes.create_string_buffer(self.lib.tigris_plan_struct_size())
        st = self.lib.tigris_load(self.handle, self.data.ctypes.data, len(data))
        if st != 0:
            where = f"{label}: " if label else ""
            raise PlanRejected(f"{where}the runtime rejected the plan: {status_name(st, self.lib)}")

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        """int8 inputs in the plan's layout -> int8 outputs in the plan's layout."""
        return self._run(inputs, None)

    def state_init(self) -> np.ndarray:
        """A state region (int8) as tigris_state_init leaves it: each variable at
        real zero. The caller keeps it between run_state calls."""
        state = aligned(max(self.plan.state_size, 1))
        st = self.lib.tigris_state_init(self.handle, state.ctypes.data, self.plan.state_size)
        if st != 0:
            raise HostRuntimeError(f"tigris_state_init failed: {status_name(st, self.lib)}")
        return state[:self.plan.state_size].view(np.int8)

    def run_state(self, inputs: list[np.ndarray], state: np.ndarray) -> list[np.ndarray]:
        """tigris_run_state: `inputs` are the plan's inputs that are not state
        (in order), `state` the region from state_init (updated in place);
        returns the outputs that are not state."""
        p = self.plan
        plain_in = [d for d in p.inputs if not d.state]
        if len(inputs) != len(plain_in):
            raise HostRuntimeError(f"the plan takes {len(plain_in)} inputs besides its state, "
                                   f"got {len(inputs)}")
        if state.dtype != np.int8 or state.size != p.state_size or not state.flags.c_contiguous:
            raise HostRuntimeError(f"the state region must be {p.state_size} contiguous int8")
        it = iter(inputs)
        full = [None if d.state else next(it) for d in p.inputs]
        outs = self._run(full, state)
        return [o for o, d in zip(outs, p.outputs) if not d.state]

    def _run(self, inputs: list, state: np.ndarray | None) -> list[np.ndarray]:
        p = self.plan
        if len(inputs) != len(p.inputs):
            raise HostRuntimeError(f"the plan takes {len(p.inputs)} inputs, got {len(inputs)}")
        fast = aligned(max(p.fast_size, 1))
        slow = aligned(max(p.slow_size, 1))
        arenas = {"fast": fast, "slow": slow}
        for d, x in zip(p.inputs, inputs):
            if x is None:       # a state input: tigris_run_state writes it
                continue
            t = p.tensors[d.tensor]
            x = np.ascontiguousarray(x, dtype=np.int8)
            if x.size != t.count:
                raise HostRuntimeError(f"input '{d.name}' has {x.size} elements, the plan "
                                       f"expects {t.count}")
            arenas[t.pool][t.offset:t.offset + t.size] = x.reshape(-1).view(np.uint8)
        if state is None:
            st = self.lib.tigris_run(self.handle, fast.ctypes.data, p.fast_size,
                                     slow.ctypes.data, p.slow_size)
        else:
            st = self.lib.tigris_run_state(self.handle, fast.ctypes.data, p.fast_size,
                                           slow.ctypes.data, p.slow_size, state.ctypes.data,
                                           p.state_size, None)
        if st != 0:
            raise HostRuntimeError(f"the run failed: {status_name(st, self.lib)}")
        outs = []
        for d in p.outputs:
            t = p.tensors[d.tensor]
            outs.append(arenas[t.pool][t.offset:t.offset + t.size].view(np.int8)
                        .reshape(t.shape).copy())
        return outs


__all__ = ["HostPlan", "HostRuntimeError", "PlanRejected", "build_library", "library",
           "load_library", "status_name",
           "sources", "include_dirs", "runtime_dir", "compiler", "aligned"]
