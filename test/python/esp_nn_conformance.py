"""The runtime built against Espressif's ESP-NN C kernels, compared byte for byte
with the reference build (not a test file itself: test_esp_nn_conformance.py and
bench/esp_nn_conformance.py use it).

ESP_NN_DIR names an ESP-NN source tree (github:espressif/esp-nn v1.2.3, commit
d45b843). Nothing of it is copied here: `build` compiles its C kernels from
that folder, together with runtime/ built with -DTIGRIS_USE_ESP_NN, into one
shared library in a scratch folder:

    ansi   esp_nn.h without CONFIG_NN_OPTIMIZED: the *_ansi.c kernels
    opt    CONFIG_NN_OPTIMIZED on a chip without the S3 vector unit
           (esp_nn_generic_opt.h): *_opt.c for conv, depthwise and softmax,
           the ANSI kernels for the rest

each without or with TIGRIS_ESP_NN_HAS_GROUPED_CONV=1 and TIGRIS_ESP_NN_HAS_MEAN=1
("+has"). The ESP32-S3 kernels are assembly for its vector unit and cannot run
here; their rules are read from the source (runtime/kernels/src/kernel_args.c).

`KERNEL_TESTS` run the kernel test files against a build (TIGRIS_KERNELS_LIB,
TIGRIS_KERNEL_CASES random cases per test), which compare with the numpy
reference the reference C kernels equal; `compare_plan` runs one plan on the
reference build and on every ESP-NN build.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from tigris.plan.host import HostPlan, compiler, include_dirs, load_library, runtime_dir, sources

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[0] / "models"))
import random_cnn  # noqa: E402

FLAVOURS = {"ansi": [], "opt": ["-DCONFIG_NN_OPTIMIZED=1"]}
HAS_FLAGS = ["-DTIGRIS_ESP_NN_HAS_GROUPED_CONV=1", "-DTIGRIS_ESP_NN_HAS_MEAN=1"]
BUILDS = [("ansi", False), ("ansi", True), ("opt", False), ("opt", True)]
KERNEL_TESTS = [str(HERE / "test_runtime_kernels_conv.py"), str(HERE / "test_runtime_kernels_ops.py")]
# The runtime's own warnings, as runtime/cmake/TigrisCompileOptions.cmake sets them.
STRICT = ["-std=c99", "-O2", "-fPIC", "-Wall", "-Wextra", "-pedantic", "-Wshadow",
          "-Wstrict-prototypes", "-Wmissing-prototypes", "-Wvla", "-Wconversion",
          "-Wdouble-promotion", "-Wcast-qual", "-Werror"]


def build_name(flavour: str, has: bool) -> str:
    return flavour + ("+has" if has else "")


def esp_nn_dir() -> Path | None:
    """ESP_NN_DIR when set (it must hold include/esp_nn.h), else None."""
    env = os.environ.get("ESP_NN_DIR")
    if not env:
        return None
    root = Path(env)
    if not (root / "include" / "esp_nn.h").is_file():
        raise FileNotFoundError(f"ESP_NN_DIR={env} has no include/esp_nn.h")
    return root


def _run(cmd, cwd=None):
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd[:3]))} ... failed:\n{r.stderr[-3000:]}")


# The ESP-NN functions the dispatchers call, per flavour (what esp_nn.h maps the
# generic names to); each call is counted by a link-time wrapper (`counting_shim`).
DISPATCHED = ["esp_nn_fully_connected_s8_ansi", "esp_nn_fully_connected_per_ch_s8_ansi",
              "esp_nn_add_elementwise_s8_ansi", "esp_nn_mul_elementwise_s8_ansi",
              "esp_nn_avg_pool_s8_ansi", "esp_nn_max_pool_s8_ansi", "esp_nn_mean_nhwc_s8_ansi"]
CALLED = {"ansi": ["esp_nn_conv_s8_ansi", "esp_nn_depthwise_conv_s8_ansi", *DISPATCHED],
          "opt": ["esp_nn_conv_s8_opt", "esp_nn_depthwise_conv_s8_opt", *DISPATCHED]}


def counting_shim(esp_nn: Path, names) -> str:
    """C wrappers (ld --wrap) that count calls of `names` in esp_nn_calls, from
    the prototypes of ESP-NN's esp_nn_ansi_headers.h."""
    header = (esp_nn / "include" / "esp_nn_ansi_headers.h").read_text()
    out = ['#include <stdint.h>', '#include "esp_nn_defs.h"', '#include "esp_nn_ansi_headers.h"',
           'uint32_t esp_nn_calls;', 'uint32_t esp_nn_calls_read(void);',
           'uint32_t esp_nn_calls_read(void) { return esp_nn_calls; }']
    for name in names:
        m = re.search(rf"void {name}\(([^)]*)\);", header)
        assert m, f"no prototype of {name} in esp_nn_ansi_headers.h"
        params = " ".join(m.group(1).split())
        args = ", ".join(re.findall(r"(\w+)\s*(?:,|$)", params))
        out += [f"void __real_{name}({params});", f"void __wrap_{name}({params});",
                f"void __wrap_{name}({params}) {{ esp_nn_calls++; __real_{name}({args}); }}"]
    return "\n".join(out) + "\n"


def build(esp_nn: Path, flavour: str, has: bool, out_dir: Path) -> Path:
    """libtigris-<flavour>[+has].so: runtime/ (strict flags, -Werror) + ESP-NN's C kernels
    + a counter of the calls that reach ESP-NN (esp_nn_calls_read())."""
    name = build_name(flavour, has)
    defs = FLAVOURS[flavour] + (HAS_FLAGS if has else [])
    cc = compiler()
    esp_objs, rt_objs = out_dir / f"{name}-esp-nn", out_dir / f"{name}-runtime"
    esp_objs.mkdir(parents=True, exist_ok=True)
    rt_objs.mkdir(parents=True, exist_ok=True)
    esp_srcs = sorted(esp_nn.glob("src/*/*_ansi.c")) + sorted(esp_nn.glob("src/*/*_opt.c"))
    assert esp_srcs, f"no ESP-NN C kernels under {esp_nn}/src"
    # ESP-NN is GNU C (statement expressions in its min/max): its own dialect, its warnings off.
    _run(cc + ["-std=gnu99", "-O2", "-fPIC", "-w", *defs, f"-I{esp_nn / 'include'}",
               f"-I{esp_nn / 'src' / 'common'}", "-c", *map(str, esp_srcs)], cwd=esp_objs)
    _run(cc + STRICT + ["-DTIGRIS_USE_ESP_NN", *defs, f"-I{esp_nn / 'include'}",
                        *[f"-I{d}" for d in include_dirs(runtime_dir())], "-c",
                        *map(str, sources(runtime_dir()))], cwd=rt_objs)
    shim = out_dir / f"{name}-count.c"
    shim.write_text(counting_shim(esp_nn, CALLED[flavour]))
    _run(cc + ["-std=gnu99", "-O2", "-fPIC", "-w", f"-I{esp_nn / 'include'}", "-c", str(shim),
               "-o", str(shim.with_suffix(".o"))])
    lib = out_dir / f"libtigris-{name}.so"
    _run(cc + ["-shared", "-o", str(lib), *map(str, sorted(esp_objs.glob("*.o"))),
               *map(str, sorted(rt_objs.glob("*.o"))), str(shim.with_suffix(".o")),
               *[f"-Wl,--wrap={n}" for n in CALLED[flavour]]])
    return lib


def esp_nn_calls(lib) -> int:
    """Calls that reached ESP-NN in `lib` (a build of `build`) so far."""
    import ctypes
    lib.esp_nn_calls_read.restype = ctypes.c_uint32
    return int(lib.esp_nn_calls_read())


def run_kernel_tests(lib: Path, cases: int, has: bool) -> tuple[bool, str, float]:
    """The kernel test files against `lib` (built with the HAS_* flags or not):
    (passed, summary line, seconds)."""
    env = dict(os.environ, TIGRIS_KERNELS_LIB=str(lib), TIGRIS_KERNEL_CASES=str(cases),
               TIGRIS_KERNELS_ESP_NN_ABSENT="" if has else "global_avg_pool")
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "-k", "not sanitizers and not no_recursion and not heap", *KERNEL_TESTS],
                       capture_output=True, text=True, env=env, cwd=HERE.parents[1])
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    summary = lines[-1] if lines else r.stderr[-300:]
    if r.returncode != 0:
        err = [ln for ln in r.stderr.splitlines() if "Fatal" in ln or "/test/python/" in ln]
        summary = f"exit {r.returncode}\n" + "\n".join(lines[-25:] + err[:6])
    return r.returncode == 0, summary, time.monotonic() - t0


# ---------------------------------------------------------------- plans

def _conv(k, s, cout, pads=None, act="none", groups=1, kind="conv"):
    return {"kind": kind, "k": k, "s": s, "pads": [k // 2] * 4 if pads is None else pads,
            "dilation": 1, "act": act, "cout": cout, "groups": groups}


# The cases ESP-NN's generic optimized conv got wrong: its 1x1 route ignores
# padding (a 3x3 conv then a 1x1 padded by 1 on every side, stride 1 or 2)
# and groups (a grouped 1x1, with TIGRIS_ESP_NN_HAS_GROUPED_CONV).
CASES = {
    "padded_1x1_s1": random_cnn.Spec(9, (1, 3, 12, 12), [
        _conv(3, 1, 8, act="relu"), _conv(1, 1, 16, pads=[1, 1, 1, 1])]),
    "padded_1x1_s2": random_cnn.Spec(9, (1, 3, 12, 12), [
        _conv(3, 1, 8, act="relu"), _conv(1, 2, 16, pads=[1, 1, 1, 1])]),
    "grouped_1x1": random_cnn.Spec(9, (1, 3, 12, 12), [
        _conv(3, 1, 8, act="relu"), _conv(1, 1, 16, pads=[0, 0, 0, 0], groups=2)]),
}


# Budgets every plan is compiled at, (fast, slow, tile): 8M untiled (tigris compile
# --flat), 8M and 32K+8M as tigris compile plans them (tiled where it pays); the
# small CASES also at 4K+8M, where their convs are cut into strips.
BUDGETS = {"flat": (8 << 20, 0, False), "8M": (8 << 20, 0, True),
           "32K+8M": (32 << 10, 8 << 20, True)}
CASE_BUDGETS = {**BUDGETS, "4K+8M": (4 << 10, 8 << 20, True)}


def budgets_for(model: str) -> dict:
    return CASE_BUDGETS if model in CASES else BUDGETS


def case_model(name: str, folder: Path) -> Path:
    """The ONNX model of CASES[name] (quantized like the tiling fuzzer's models)."""
    import tiling_fuzz
    return tiling_fuzz._quantized(CASES[name], folder)


def inputs_for(plan: HostPlan, seeds=(0, 1)):
    shapes = [plan.plan.tensors[d.tensor].shape for d in plan.plan.inputs]
    return [[np.random.default_rng(s).integers(-128, 128, sh, dtype=np.int8) for sh in shapes]
            for s in seeds]


def compare_plan(data: bytes, libs: dict, seeds=(0, 1)) -> tuple[dict, dict]:
    """Per ESP-NN build: the bytes of `data`'s outputs that differ from the reference
    build's (summed over the seeded inputs), and the ESP-NN calls one run made."""
    ref = HostPlan(data)
    xs = inputs_for(ref, seeds)
    want = [ref.run(x) for x in xs]
    diff, calls = {}, {}
    for name, lib in libs.items():
        plan = HostPlan(data, lib=lib)
        before = esp_nn_calls(lib)
        diff[name] = sum(int(np.count_nonzero(g != w))
                         for x, ws in zip(xs, want) for g, w in zip(plan.run(x), ws))
        calls[name] = (esp_nn_calls(lib) - before) // len(xs)
    return diff, calls


def load_builds(esp_nn: Path, out_dir: Path) -> dict:
    """name -> loaded library, one per BUILDS entry."""
    return {build_name(f, h): load_library(build(esp_nn, f, h, out_dir)) for f, h in BUILDS}


# ------------------------------------------------------ the simulated core

# Plans run on the simulated Xtensa core (tigris simulate) for --target esp32,
# with the reference kernels and with ESP-NN's generic optimized ones.
ISS_MODELS = list(CASES) + ["tiny_conv_relu", "tiny_depthwise", "tiny_residual_add",
                            "tiny_concat", "tiny_qop_conv", "ds_cnn"]


def simulate_both(plan_path: Path, esp_nn: Path, seed: int = 0):
    """(bytes differing from the host reference build: reference kernels, ESP-NN;
    instructions inside tigris_run: reference kernels, ESP-NN) on the simulated core."""
    from tigris.simulate import simulate_plan
    data = Path(plan_path).read_bytes()
    ref = HostPlan(data)
    (xs,) = inputs_for(ref, (seed,))
    want = ref.run(xs)
    runs = [simulate_plan(plan_path, xs, esp_nn=e) for e in (None, esp_nn)]
    diffs = [sum(int(np.count_nonzero(g != w)) for g, w in zip(r.outputs, want)) for r in runs]
    return diffs[0], diffs[1], runs[0].run, runs[1].run
