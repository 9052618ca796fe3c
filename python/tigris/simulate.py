"""Run C code on a simulated ESP32-class Xtensa core and count its instructions.

The toolchain is tools/iss/ (installed by tools/iss/install-deps.sh):
clang-22 compiles C for Xtensa (windowed ABI, the ESP32 ISA subset QEMU's
de233_fpu core also has) to assembly, llvm-mc-22 assembles it,
xtensa-lx106-elf-ld links it with tools/iss/crt0.S and iss_rt.c, and
qemu-system-xtensa (`-M sim`) runs it with the isscount TCG plugin, which
counts every executed guest instruction exactly. Counts are instructions,
not cycles (see tools/iss/README.md for what that leaves out).

    build_elf(sources, out, include_dirs, defines)  -> Path   (objects cached)
    run_elf(elf, cwd, timeout)                      -> SimResult
    build_host(sources, out, ...)                   -> Path   (gcc, for comparisons)
    simulate_plan(plan.tgrs, inputs[, codegen])     -> PlanRun (`tigris simulate`)

simulate_plan links runtime/src + the reference kernels + tools/iss/plan_main.c
with the plan embedded as a const array and counts tigris_run as a whole and
each kernel call on its own; with codegen=True it runs the C of
`tigris codegen` instead. checksum() defines the output checksum.
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tigris import kernels
from tigris.errors import TigrisError

ROOT = Path(__file__).resolve().parents[2]
ISS = ROOT / "tools" / "iss"
RUNTIME = ROOT / "runtime"
KERNEL_INCLUDE = RUNTIME / "kernels" / "include"
KERNEL_SRC = RUNTIME / "kernels" / "src"

CLANG, MC, LD, NM, QEMU = ("clang-22", "llvm-mc-22", "xtensa-lx106-elf-ld",
                           "xtensa-lx106-elf-nm", "qemu-system-xtensa")
FEATURES = ("+density +windowed +loop +mac16 +mul16 +mul32 +div32 +sext +nsa +minmax "
            "+clamps +bool +s32c1i +fp").split()
OPT = "-O2"
# CPU exception causes (Xtensa ISA EXCCAUSE) a guest can die of: exit 100 + cause.
EXCCAUSE = {0: "illegal instruction", 2: "instruction fetch error", 3: "load/store error",
            6: "integer divide by zero", 9: "unaligned load/store",
            20: "instruction fetch prohibited", 28: "load prohibited", 29: "store prohibited"}


class SimulationError(TigrisError):
    """The simulator is missing, a build failed, or the guest crashed (exit code 4)."""

    exit_code = 4


def cache_dir() -> Path:
    """$TIGRIS_ISS_CACHE, else <$TIGRIS_CACHE_DIR or $XDG_CACHE_HOME/tigris or
    ~/.cache/tigris>/iss: the plugin, objects and harnesses."""
    base = os.environ.get("TIGRIS_ISS_CACHE")
    if not base:
        root = os.environ.get("TIGRIS_CACHE_DIR") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tigris")
        base = os.path.join(root, "iss")
    p = Path(base)
    p.mkdir(parents=True, exist_ok=True)
    return p


def missing_tool() -> str | None:
    """The first tool `tigris simulate` needs that is not installed, else None."""
    for tool in (QEMU, CLANG, MC, LD, NM):
        if shutil.which(tool) is None:
            return tool
    return None


def check_tools() -> None:
    tool = missing_tool()
    if tool:
        raise SimulationError(f"simulate needs {tool} (run tools/iss/install-deps.sh)")
    plugin()


def plugin() -> Path:
    """The isscount plugin, (re)built into the cache when isscount.c changed."""
    src = ISS / "isscount.c"
    so, stamp = cache_dir() / "libisscount.so", cache_dir() / "isscount.sha256"
    want = hashlib.sha256(src.read_bytes()).hexdigest()
    if so.exists() and stamp.exists() and stamp.read_text().strip() == want:
        return so
    if shutil.which("gcc") is None:
        raise SimulationError("simulate needs gcc to build its QEMU plugin "
                              "(run tools/iss/install-deps.sh)")
    tmp = so.with_name(f"libisscount.{os.getpid()}.so")
    _run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(tmp), str(src)], "building the plugin")
    os.replace(tmp, so)
    stamp.write_text(want + "\n")
    return so


def _run(cmd: list[str], what: str, cwd=None) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if r.returncode != 0:
        err = [ln for ln in (r.stderr or r.stdout).strip().splitlines()
               if "warning" not in ln and "NOTE:" not in ln]
        first = next((ln for ln in err if re.search(r"error|undefined reference|dangerous", ln)),
                     err[0] if err else f"exit code {r.returncode}")
        raise SimulationError(f"{what} failed: {first.strip()}")
    return r


# ------------------------------------------------------------------ building

def _headers_digest(include_dirs: list[Path]) -> str:
    h = hashlib.sha256()
    for d in include_dirs:
        for p in sorted(Path(d).glob("*.h")):
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def _xtensa_cflags(include_dirs, defines) -> list[str]:
    flags = ["--target=xtensa"]
    for f in FEATURES:
        flags += ["-Xclang", "-target-feature", "-Xclang", f]
    flags += ["-std=c99", "-ffreestanding", "-fno-builtin-printf", "-fomit-frame-pointer",
              "-fno-common", "-nostdlibinc", "-ffunction-sections", OPT,
              f"-I{ISS / 'libc'}", f"-I{ISS}"]
    flags += [f"-I{d}" for d in include_dirs] + [f"-D{d}" for d in defines]
    return flags


def _literal_pools_aligned(asm: str) -> str:
    # LLVM 22 puts a function's literal pool right after the previous function
    # without aligning it ("fixup value must be 4-byte aligned"): align it.
    return re.sub(r"^\t\.literal_position", "\t.p2align 2\n\t.literal_position", asm,
                  flags=re.M)


def _compile_one(src: Path, flags: list[str], key: str, objdir: Path) -> Path:
    obj = objdir / f"{src.stem}.{key[:20]}.o"
    if obj.exists():
        return obj
    with tempfile.TemporaryDirectory(dir=objdir) as tmp:
        asm = Path(tmp) / "a.s"
        if src.suffix == ".S":
            _run([CLANG, "-E", "-P", "-x", "assembler-with-cpp", str(src), "-o", str(asm)],
                 f"preprocessing {src.name}")
        else:
            _run([CLANG, *flags, "-S", str(src), "-o", str(asm)], f"compiling {src.name}")
            asm.write_text(_literal_pools_aligned(asm.read_text()))
        o = Path(tmp) / "a.o"
        _run([MC, "-triple=xtensa", "-mcpu=esp32", "-filetype=obj", str(asm), "-o", str(o)],
             f"assembling {src.name}")
        os.replace(o, obj)
    return obj


def compile_xtensa(sources, include_dirs=(), defines=()) -> list[Path]:
    """Objects of the ISS start-up code and `sources`, from the cache when unchanged."""
    check_tools()
    include_dirs = [Path(d) for d in include_dirs]
    flags = _xtensa_cflags(include_dirs, defines)
    common = hashlib.sha256(("\0".join(flags) + _headers_digest([ISS, ISS / "libc",
                                                                 *include_dirs])).encode())
    objdir = cache_dir() / "obj"
    objdir.mkdir(exist_ok=True)
    srcs = [ISS / "crt0.S", ISS / "iss_rt.c", ISS / "iss_libm.c", *[Path(s) for s in sources]]
    jobs = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for s in srcs:
            h = common.copy()
            h.update(s.read_bytes())
            jobs.append(pool.submit(_compile_one, s, flags, h.hexdigest(), objdir))
        return [j.result() for j in jobs]


def build_elf(sources, out: Path, include_dirs=(), defines=(), extra_objects=(),
              ld_args=()) -> Path:
    """Compile and link `sources` into a bare-metal Xtensa ELF for QEMU's sim machine."""
    objs = compile_xtensa(sources, include_dirs, defines) + [Path(o) for o in extra_objects]
    _run([LD, "--no-relax", "--no-warn-rwx-segments", "-z", "noexecstack", "--gc-sections",
          "-e", "_start", *ld_args, "-T", str(ISS / "iss.ld"), "-o", str(out), *map(str, objs)],
         f"linking {Path(out).name}")
    return Path(out)


def assemble_blob(path: Path, symbol: str, out: Path) -> Path:
    """An object holding the bytes of `path` as a 16-aligned const array `symbol`
    (with `symbol`_size, a uint32): how a plan is embedded like a flash image."""
    size = Path(path).stat().st_size
    asm = out.with_suffix(".s")
    asm.write_text(f"\t.section .rodata.{symbol},\"a\"\n\t.p2align 4\n\t.global {symbol}\n"
                   f"{symbol}:\n\t.incbin \"{Path(path).resolve()}\"\n\t.p2align 2\n"
                   f"\t.global {symbol}_size\n{symbol}_size:\n\t.4byte {size}\n")
    _run([MC, "-triple=xtensa", "-mcpu=esp32", "-filetype=obj", str(asm), "-o", str(out)],
         f"embedding {Path(path).name}")
    return out


def build_host(sources, out: Path, include_dirs=(), defines=()) -> Path:
    """The same C built for the host with gcc (-O2), cached by content."""
    h = hashlib.sha256()
    for s in sources:
        h.update(Path(s).read_bytes())
    h.update(_headers_digest([Path(d) for d in include_dirs]).encode())
    h.update("\0".join(defines).encode())
    exe = cache_dir() / "host" / f"{Path(out).name}.{h.hexdigest()[:20]}"
    if not exe.exists():
        exe.parent.mkdir(exist_ok=True)
        tmp = exe.with_name(exe.name + f".{os.getpid()}")
        _run(["gcc", "-std=c99", "-O2", *[f"-I{d}" for d in include_dirs],
              *[f"-D{d}" for d in defines], "-o", str(tmp), *map(str, sources)],
             f"host build of {Path(out).name}")
        os.replace(tmp, exe)
    return exe


# ------------------------------------------------------------------- running

@dataclass
class SimResult:
    exit_code: int
    stdout: str
    total: int                 # instructions from reset to exit
    region: int                # sum of the iss_begin..iss_end windows
    regions: int
    calls: list[int] = field(default_factory=list)   # each iss_call_begin..end window
    wall_s: float = 0.0

    def kv(self) -> dict[str, str]:
        """The guest's `key=value` output lines."""
        out = {}
        for line in self.stdout.splitlines():
            k, sep, v = line.partition("=")
            if sep:
                out[k.strip()] = v.strip()
        return out


def symbols(elf: Path) -> dict[str, int]:
    r = _run([NM, str(elf)], "nm")
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            out[parts[2]] = int(parts[0], 16)
    return out


def exit_reason(code: int) -> str:
    if code >= 100:
        cause = code - 100
        return f"CPU exception EXCCAUSE={cause} ({EXCCAUSE.get(cause, 'see the Xtensa ISA')})"
    return f"exit code {code}"


def run_elf(elf: Path, cwd: Path | None = None, timeout: float = 600.0,
            memory: str = "128M") -> SimResult:
    """Run `elf` on qemu-system-xtensa -M sim; semihosted files resolve against `cwd`."""
    check_tools()
    sym = symbols(elf)
    args = [str(plugin())]
    for key, name in (("begin", "iss_begin"), ("end", "iss_end"),
                      ("cbegin", "iss_call_begin"), ("cend", "iss_call_end")):
        if name in sym:
            args.append(f"{key}={sym[name]:#x}")
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "calls.log"
        args.append(f"log={log}")
        cmd = [QEMU, "-M", "sim", "-cpu", "de233_fpu", "-m", memory, "-semihosting",
               "-nographic", "-monitor", "none", "-device", f"loader,file={elf},cpu-num=0",
               "-plugin", ",".join(args)]
        t0 = time.monotonic()
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                               cwd=str(cwd) if cwd else None)
        except subprocess.TimeoutExpired:
            raise SimulationError(f"{Path(elf).name}: no exit after {timeout:.0f} s "
                                  "on the simulator") from None
        wall = time.monotonic() - t0
        m = re.search(r"isscount total=(\d+) region=(\d+) regions=(\d+)", r.stderr)
        if m is None:
            err = r.stderr.strip().splitlines()
            raise SimulationError(f"qemu-system-xtensa failed: {err[-1] if err else r.returncode}")
        calls = [int(v) for v in log.read_text().split()] if log.exists() else []
    return SimResult(r.returncode, r.stdout, int(m[1]), int(m[2]), int(m[3]), calls, wall)


# --------------------------------------------------------------------- plans

def checksum(outputs) -> int:
    """The output checksum: CRC-32 (zlib.crc32, IEEE 802.3) of the int8 output
    bytes as `tigris run` writes them without --dequantize (the model's own
    layout, C order), outputs concatenated in order. Shown as 8 hex digits.
    `plan_checksum` gives it from outputs in the plan's layout."""
    crc = 0
    for o in outputs:
        crc = zlib.crc32(np.ascontiguousarray(o, dtype=np.int8).tobytes(), crc)
    return crc


def plan_checksum(plan, outputs) -> int:
    from tigris.modelio import to_model_layout
    return checksum([to_model_layout(y, d.spec()) for y, d in zip(outputs, plan.outputs)])


def runtime_sources() -> list[Path]:
    return sorted((RUNTIME / "src").glob("*.c")) + sorted(KERNEL_SRC.glob("*.c"))


def runtime_includes() -> list[Path]:
    return [RUNTIME / "include", RUNTIME / "src", KERNEL_INCLUDE, KERNEL_SRC]


# ESP-NN's generic optimized kernels (esp_nn.h with CONFIG_NN_OPTIMIZED on an ESP32)
# and the ANSI ones they fall back to: what an esp_nn= build compiles from its tree.
ESP_NN_SOURCES = ("convolution/esp_nn_conv_ansi.c", "convolution/esp_nn_conv_opt.c",
                  "convolution/esp_nn_depthwise_conv_ansi.c",
                  "convolution/esp_nn_depthwise_conv_opt.c",
                  "fully_connected/esp_nn_fully_connected_ansi.c",
                  "basic_math/esp_nn_add_ansi.c", "basic_math/esp_nn_mul_ansi.c",
                  "pooling/esp_nn_avg_pool_ansi.c", "pooling/esp_nn_max_pool_ansi.c",
                  "common/esp_nn_mean_ansi.c")
ESP_NN_DEFINES = ("TIGRIS_USE_ESP_NN", "CONFIG_NN_OPTIMIZED=1", "CONFIG_IDF_TARGET_ESP32=1",
                  "CONFIG_IDF_TARGET_ARCH_XTENSA=1", "TIGRIS_ESP_NN_HAS_GROUPED_CONV=1",
                  "TIGRIS_ESP_NN_HAS_MEAN=1")


def plan_elf(plan_path: Path, workdir: Path, esp_nn: Path | None = None) -> Path:
    """The runtime, its reference kernels and tools/iss/plan_main.c linked with the
    plan embedded as a const array (objects other than the plan come from the cache).
    esp_nn: an ESP-NN source tree (v1.2.3) whose generic optimized kernels the
    runtime then calls (-DTIGRIS_USE_ESP_NN, as on an ESP32)."""
    if not (RUNTIME / "include" / "tigris.h").is_file():
        raise SimulationError("the C runtime (runtime/include/tigris.h) is not there")
    blob = assemble_blob(plan_path, "tigris_plan_blob", workdir / "plan.o")
    # Per-call counts wrap the executor's per-call function; without it, totals only.
    wrap = any(re.search(r"^tigris_status_t tg_kernel\(", p.read_text(), re.M)
               for p in (RUNTIME / "src").glob("*.c"))
    sources, includes, defines = runtime_sources(), runtime_includes(), []
    if esp_nn is not None:
        esp_nn = Path(esp_nn)
        sources += [esp_nn / "src" / s for s in ESP_NN_SOURCES]
        includes += [esp_nn / "include", esp_nn / "src" / "common"]
        defines += list(ESP_NN_DEFINES)
    return build_elf([ISS / "plan_main.c", *sources], workdir / "plan.elf", includes,
                     defines + ([] if wrap else ["PLAN_MAIN_NO_CALL_WRAP"]),
                     extra_objects=[blob], ld_args=["--wrap=tg_kernel"] if wrap else [])


def call_work(plan, call) -> int:
    """MACs of a plan call (element operations for non-MAC kernels), counted as
    the tiler counts them (the registry entry's `work`, tigris.kernels)."""
    ten = plan.tensors
    k = call.kernel
    w = call.slot("weights") if any(s.name == "weights" for s in k.slots) else None
    first_in = next(t for s, t in zip(k.slots, call.tensors) if s.role == "in")
    return kernels.REGISTRY[k.name].work(ten[call.slot("output")].count, ten[first_in].count,
                                         None if w is None else ten[w].shape,
                                         call.params())


def slow_bytes(plan, call) -> int:
    """Bytes a call reads from or writes to the slow pool."""
    total = 0
    for slot, t in zip(call.kernel.slots, call.tensors):
        if t is not None and slot.role != "const" and plan.tensors[t].pool == "slow":
            total += plan.tensors[t].size
    return total


@dataclass
class PlanRun:
    plan: object                 # tigris.plan.reader.Plan
    outputs: list                # int8 arrays in the plan's layout
    crc32: int                   # checksum() of the outputs in the model's layout
    total: int                   # every instruction: start-up, load, I/O, run
    run: int                     # inside tigris_run
    calls: list[int]             # per kernel call (tg_kernel), plan order
    wall_s: float

    def _group(self, key) -> dict:
        out: dict = {}
        for c, n in zip(self.plan.calls, self.calls):
            k = key(c)
            calls, insns, work = out.get(k, (0, 0, 0))
            out[k] = (calls + 1, insns + n, work + call_work(self.plan, c))
        return out

    def by_stage(self) -> dict:
        """stage -> (calls, instructions, MACs)."""
        return dict(sorted(self._group(lambda c: c.stage).items()))

    def by_kind(self) -> dict:
        """kernel kind -> (calls, instructions, MACs)."""
        return self._group(lambda c: c.kernel.name)

    @property
    def macs(self) -> int:
        return sum(call_work(self.plan, c) for c in self.plan.calls)

    @property
    def slow_bytes(self) -> int:
        return sum(slow_bytes(self.plan, c) for c in self.plan.calls)


_CODEGEN_HARNESS = """/* Generated by tigris.simulate: runs the C of `tigris codegen` once. */
#include <stdint.h>
#include <stdlib.h>
#include "iss.h"
#include "model.h"

static int io(const char *name, void *buf, int n, int write)
{
    int fd = iss_open(name, write ? 0x241 : 0), done;
    if (fd < 0) return 0;
    done = write ? iss_write(fd, buf, n) : iss_read(fd, buf, n);
    iss_close(fd);
    return done == n;
}

int main(void)
{
    uint8_t *fast = malloc(MODEL_FAST_ARENA_SIZE + 16u), *slow = malloc(MODEL_SLOW_ARENA_SIZE + 16u);
    int32_t rc;
%(decls)s
    iss_begin();
    rc = model_run(%(args)s fast, slow);
    iss_end();
    if (rc != 0) { iss_kv("kernel_error", rc); return 3; }
%(saves)s
    return 0;
}
"""


def codegen_elf(plan, workdir: Path) -> Path:
    """The C of `tigris codegen` (symbol prefix `model`) with a generated main,
    built with the reference kernels (no plan loader)."""
    from tigris.plan.codegen import generate
    src, hdr = generate(plan, "model", "model.h")
    (workdir / "model.c").write_text(src)
    (workdir / "model.h").write_text(hdr)
    decls, args, saves = [], [], []
    for i in range(len(plan.inputs)):
        decls.append(f"    int8_t *in{i} = malloc(MODEL_INPUT{i}_SIZE);\n"
                     f"    if (!io(\"input{i}.bin\", in{i}, (int)MODEL_INPUT{i}_SIZE, 0)) return 2;")
        args.append(f"in{i},")
    for i in range(len(plan.outputs)):
        decls.append(f"    int8_t *out{i} = malloc(MODEL_OUTPUT{i}_SIZE);")
        args.append(f"out{i},")
        saves.append(f"    if (!io(\"output{i}.bin\", out{i}, (int)MODEL_OUTPUT{i}_SIZE, 1)) return 2;")
    (workdir / "main.c").write_text(_CODEGEN_HARNESS % {
        "decls": "\n".join(decls), "args": " ".join(args), "saves": "\n".join(saves)})
    return build_elf([workdir / "main.c", workdir / "model.c", *sorted(KERNEL_SRC.glob("*.c"))],
                     workdir / "codegen.elf", [workdir, KERNEL_INCLUDE, KERNEL_SRC])


def simulate_plan(plan_path, inputs, timeout: float = 1800.0, codegen: bool = False,
                  esp_nn: Path | None = None, state=None) -> PlanRun:
    """Run the plan at `plan_path` on the simulated core with int8 `inputs` (the
    plan's layout) and return its outputs, checksum and instruction counts.
    codegen: run the C of `tigris codegen` instead of the binary plan with the
    runtime's loader (then there are no per-call counts); esp_nn: link ESP-NN's
    generic optimized kernels from that source tree (plan_elf); state: a plan's state
    region (int8, state_size bytes), run through tigris_run_state on the core and
    updated in place; `inputs` are then the inputs that are not state."""
    from tigris.plan.reader import read_plan

    data = Path(plan_path).read_bytes()
    plan = read_plan(data)
    if state is not None:
        if codegen or state.dtype != np.int8 or state.size != plan.state_size:
            raise SimulationError(f"the state region must be {plan.state_size} int8 bytes "
                                  "(and the binary plan, not codegen)")
        it = iter(inputs)
        inputs = [None if d.state else next(it, None) for d in plan.inputs]
        if any(x is None for x, d in zip(inputs, plan.inputs) if not d.state):
            raise SimulationError("too few inputs besides the state")
    if len(inputs) != len(plan.inputs):
        raise SimulationError(f"the plan takes {len(plan.inputs)} inputs, got {len(inputs)}")
    with tempfile.TemporaryDirectory(prefix="tigris-sim-") as tmp:
        d = Path(tmp)
        (d / "model.tgrs").write_bytes(data)
        elf = codegen_elf(plan, d) if codegen else plan_elf(d / "model.tgrs", d, esp_nn)
        if state is not None:
            (d / "state.bin").write_bytes(np.ascontiguousarray(state).tobytes())
        for i, (desc, x) in enumerate(zip(plan.inputs, inputs)):
            if x is None:           # a state input: the guest takes it from state.bin
                continue
            t = plan.tensors[desc.tensor]
            x = np.ascontiguousarray(x, dtype=np.int8)
            if x.size != t.count:
                raise SimulationError(f"input '{desc.name}' has {x.size} elements, the plan "
                                      f"expects {t.count}")
            (d / f"input{i}.bin").write_bytes(x.tobytes())
        mem = max(128, (plan.fast_size + plan.slow_size + len(data)) // (1 << 20) + 80)
        r = run_elf(elf, cwd=d, timeout=timeout, memory=f"{mem}M")
        kv = r.kv()
        if r.exit_code != 0:
            why = exit_reason(r.exit_code) if r.exit_code >= 100 else \
                f"{kv.get('failed', '?')} {kv.get('status', kv.get('kernel_error', ''))}".strip()
            raise SimulationError(f"the plan failed on the simulated core: {why}")
        outs = []
        for i, desc in enumerate(plan.outputs):
            t = plan.tensors[desc.tensor]
            outs.append(np.frombuffer((d / f"output{i}.bin").read_bytes(), np.int8)
                        .reshape(t.shape).copy())
        if state is not None:
            state[:] = np.frombuffer((d / "state.bin").read_bytes(), np.int8)
    raw = checksum(outs)          # the guest's CRC is over the plan-layout bytes it wrote
    if not codegen and kv.get("crc32") != f"{raw:08x}":
        raise SimulationError(f"checksum on the core {kv.get('crc32')} != {raw:08x} of its output")
    if r.calls and len(r.calls) != len(plan.calls):
        raise SimulationError(f"{len(r.calls)} call counts for {len(plan.calls)} plan calls")
    return PlanRun(plan, outs, plan_checksum(plan, outs), r.total, r.region, r.calls, r.wall_s)
