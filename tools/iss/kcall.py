"""Record kernel calls, replay them on the simulated Xtensa core and on the host.

A call is a kernel function name (runtime/kernels/include/tigris_kernels.h or
tigris_kernel_args.h) and its arguments, built with the helpers below; kcall.c
(same directory) replays a file of them. `replay(calls)` runs the Xtensa ELF
under QEMU (one instruction count per call) and the same harness built with
gcc for the host, and returns both results.

    c = Call("tigris_lut_s8", [data(x), i32(x.size), data(table), out(x.size)])
    sim, host = replay([c])
    sim.outputs[0][0]   # bytes of the first OUT argument of call 0
    sim.counts[0]       # instructions of call 0 on the simulated core
"""
from __future__ import annotations

import struct as _struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tigris import simulate as sim

HERE = Path(__file__).resolve().parent
GUARD, GUARD_BYTE = 16, 0x5A
INT, DATA, OUT, NULL, STRUCT, HIDDEN = range(6)


@dataclass
class Arg:
    kind: int
    payload: bytes = b""
    extra: int = 0
    fields: tuple = ()      # STRUCT: ints and Ref(index) items


@dataclass(frozen=True)
class Ref:
    index: int              # the argument whose pointer goes into a struct field


def i32(v: int) -> Arg:
    return Arg(INT, _struct.pack("<i", int(v)))


def data(a, misalign: int = 0, dtype=None) -> Arg:
    """A pointer to a copy of `a` (misalign bytes past a 16-byte boundary)."""
    b = np.ascontiguousarray(a if dtype is None else np.asarray(a, dtype)).tobytes()
    return Arg(DATA, bytes(misalign) + b, misalign)


def words(values) -> Arg:
    return data(np.asarray(values, np.int64).astype(np.int32).ravel())


def hidden(values, dtype=np.int32) -> Arg:
    """Data only a struct points to (Ref to its index); not passed as an argument."""
    return Arg(HIDDEN, np.ascontiguousarray(np.asarray(values, np.int64).astype(dtype)).tobytes())


def out(nbytes: int) -> Arg:
    n = int(nbytes)
    return Arg(OUT, bytes([GUARD_BYTE]) * GUARD + bytes(n) + bytes([GUARD_BYTE]) * GUARD, n)


def null() -> Arg:
    return Arg(NULL)


def struct(*fields) -> Arg:
    """A struct of int32 fields and pointers (Ref(i) = the pointer of argument i)."""
    return Arg(STRUCT, fields=tuple(fields))


@dataclass
class Call:
    name: str
    args: list
    kind: str = ""          # what the call stands for (for reports)
    work: int = 0           # MACs or elements (for the cost model fit)


def _layout(fields, ptr: int) -> tuple[bytes, list[tuple[int, int]]]:
    buf, fix, off = bytearray(), [], 0
    for f in fields:
        size = ptr if isinstance(f, Ref) else 4
        pad = (-off) % size
        buf += bytes(pad)
        off += pad
        if isinstance(f, Ref):
            fix.append((off, f.index))
            buf += bytes(size)
        else:
            buf += _struct.pack("<i", int(f))
        off += size
    buf += bytes((-off) % ptr)
    return bytes(buf), fix


def encode(calls: list[Call], ptr: int) -> bytes:
    """The KCAL file for a target with `ptr`-byte pointers (4: Xtensa, 8: x86-64)."""
    parts = [b"KCAL", _struct.pack("<I", len(calls))]
    for c in calls:
        name = c.name.encode()
        assert len(name) < 32, c.name
        parts.append(name.ljust(32, b"\0") + _struct.pack("<I", len(c.args)))
        for a in c.args:
            payload, extra = a.payload, a.extra
            if a.kind == STRUCT:
                body, fix = _layout(a.fields, ptr)
                payload = body + b"".join(_struct.pack("<II", o, i) for o, i in fix)
                extra = len(fix)
            parts.append(_struct.pack("<IIII", a.kind, len(payload), extra, 0))
            parts.append(payload + bytes((-len(payload)) % 16))
    return b"".join(parts)


@dataclass
class Replay:
    returns: list[int]
    guards_ok: list[bool]
    outputs: list[list[bytes]]
    counts: list[int]       # instructions per call (simulator only)
    result: object = None   # the SimResult


def decode(blob: bytes, calls: list[Call]) -> Replay:
    pos, rets, guards, outs = 0, [], [], []
    for c in calls:
        ret, ok = _struct.unpack_from("<ii", blob, pos)
        pos += 8
        bufs = []
        for a in c.args:
            if a.kind == OUT:
                bufs.append(blob[pos:pos + a.extra])
                pos += a.extra + (-a.extra) % 4
        rets.append(ret)
        guards.append(bool(ok))
        outs.append(bufs)
    if pos != len(blob):
        raise sim.SimulationError(f"kcall output has {len(blob)} bytes, expected {pos}")
    return Replay(rets, guards, outs, [])


def kernel_sources() -> list[Path]:
    return sorted(sim.KERNEL_SRC.glob("*.c"))


def _includes():
    return [sim.KERNEL_INCLUDE, sim.KERNEL_SRC]


def xtensa_harness(workdir: Path) -> Path:
    return sim.build_elf([HERE / "kcall.c", *kernel_sources()], workdir / "kcall.elf",
                         _includes(), ['KCALL_IN="kcall.in"', 'KCALL_OUT="kcall.out"'])


def host_harness() -> Path:
    return sim.build_host([HERE / "kcall.c", *kernel_sources()], Path("kcall"),
                          _includes(), ["KCALL_HOST", "_POSIX_C_SOURCE=200809L",
                                        "_ISOC11_SOURCE"])


def replay(calls: list[Call], host: bool = True) -> tuple[Replay, Replay | None]:
    """Run `calls` on the simulator (and on the host): (simulated, host or None)."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        elf = xtensa_harness(d)
        (d / "kcall.in").write_bytes(encode(calls, 4))
        r = sim.run_elf(elf, cwd=d)
        if r.exit_code != 0:
            raise sim.SimulationError(f"kcall on the simulator: {sim.exit_reason(r.exit_code)}"
                                      f" {r.stdout.strip()}")
        s = decode((d / "kcall.out").read_bytes(), calls)
        if len(r.calls) != len(calls):
            raise sim.SimulationError(f"{len(r.calls)} call counts for {len(calls)} calls")
        s.counts, s.result = r.calls, r
        h = None
        if host:
            (d / "host.in").write_bytes(encode(calls, 8))
            sim._run([str(host_harness()), str(d / "host.in"), str(d / "host.out")],
                     "kcall on the host")
            h = decode((d / "host.out").read_bytes(), calls)
    return s, h


if __name__ == "__main__":   # smoke test: python tools/iss/kcall.py
    x = np.arange(-128, 128, dtype=np.int8)
    table = (np.arange(256) // 2 - 64).astype(np.int8)
    s, h = replay([Call("tigris_lut_s8", [data(x), i32(x.size), data(table), out(x.size)])])
    ok = s.outputs == h.outputs and s.returns == h.returns == [0]
    print(f"lut: simulated == host: {ok}; {s.counts[0]} instructions")
    sys.exit(0 if ok else 1)
