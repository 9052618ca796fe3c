"""Cross-compiles runtime/ for two bare-metal targets with Debian's GCC packages.

For each toolchain file in cmake/ (toolchain-xtensa-lx106.cmake: the ESP8266 core,
toolchain-arm-none-eabi.cmake: Cortex-M4 Thumb-2), runtime/ is configured with
CMAKE_BUILD_TYPE=MinSizeRel and TIGRIS_WERROR=ON and the two static libraries are
built: tigris_runtime (the plan loader and executor, without kernels) and
tigris_kernels (the reference kernels and dispatchers). Checked:

- every compile line carries -std=c99 -Os -Werror and the strict warning set of
  runtime/cmake/TigrisCompileOptions.cmake, and the build prints no "warning:";
- no object references malloc / calloc / realloc / free (nm -u);
- the code size (`<prefix>-size -t`) of each library is printed:
  bench/runtime_size.txt records a run (`pytest -s test/python/test_cross_compile.py`).

A missing cross compiler or C library skips the target, naming the Debian package;
with CI set in the environment it fails instead.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtime"

# name, tool prefix, Debian packages that provide compiler + C headers
TARGETS = {
    "xtensa-lx106": ("xtensa-lx106-elf-", "gcc-xtensa-lx106 picolibc-xtensa-lx106-elf"),
    "arm-none-eabi": ("arm-none-eabi-", "gcc-arm-none-eabi libnewlib-arm-none-eabi"),
}
LIBS = ("tigris_runtime", "tigris_kernels")
REQUIRED_FLAGS = ("-std=c99", "-Os", "-Werror", "-Wall", "-Wextra", "-pedantic",
                  "-Wconversion", "-Wvla", "-Wstack-usage=512")
HEAP_SYMBOLS = {"malloc", "calloc", "realloc", "free", "aligned_alloc"}


def _missing(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _check_toolchain(name: str) -> str:
    prefix, packages = TARGETS[name]
    hint = f"install the Debian package(s) {packages} (apt-get install {packages})"
    if shutil.which("cmake") is None:
        _missing("cmake not installed (Debian package cmake)")
    for tool in ("gcc", "ar", "size", "nm"):
        if shutil.which(prefix + tool) is None:
            _missing(f"{prefix}{tool} not found: {hint}")
    probe = subprocess.run([prefix + "gcc", "-std=c99", "-fsyntax-only", "-x", "c", "-"],
                           input="#include <stdint.h>\n#include <string.h>\n"
                                 "int tg_probe(void);\nint tg_probe(void) { return 0; }\n",
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        _missing(f"{prefix}gcc has no C library headers ({probe.stderr.strip()[:200]}): {hint}")
    return prefix


@pytest.fixture(scope="module", params=sorted(TARGETS))
def cross_build(request, tmp_path_factory):
    """(target, prefix, build dir, configure + build output) for one toolchain."""
    name = request.param
    prefix = _check_toolchain(name)
    build = tmp_path_factory.mktemp(f"cross-{name}")
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    configure = ["cmake", "-S", str(RUNTIME), "-B", str(build), *gen,
                 f"-DCMAKE_TOOLCHAIN_FILE={ROOT / 'cmake' / f'toolchain-{name}.cmake'}",
                 "-DCMAKE_BUILD_TYPE=MinSizeRel", "-DTIGRIS_WERROR=ON",
                 "-DCMAKE_VERBOSE_MAKEFILE=ON"]
    compile_ = ["cmake", "--build", str(build), "-j", str(os.cpu_count() or 2),
                "--target", *LIBS]
    log = ""
    for cmd in (configure, compile_):
        r = _run(cmd)
        log += r.stdout + r.stderr
        assert r.returncode == 0, f"{' '.join(cmd)}:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return name, prefix, build, log


def _library(build: Path, lib: str) -> Path:
    path = build / f"lib{lib}.a"
    assert path.is_file(), f"{path} not built"
    return path


def test_builds_strict_without_warnings(cross_build):
    name, prefix, build, log = cross_build
    assert "CMake Warning" not in log, log[-4000:]
    warnings = [ln for ln in log.splitlines() if "warning:" in ln]
    assert not warnings, f"{name}: build warnings:\n" + "\n".join(warnings[:20])
    compiles = [ln for ln in log.splitlines() if f"{prefix}gcc" in ln and " -c " in ln]
    # 5 runtime core sources + 11 kernel sources
    assert len(compiles) >= 16, f"{name}: expected the compile lines in the verbose log:\n{log[-3000:]}"
    for line in compiles:
        flags = line.split()
        missing = [f for f in REQUIRED_FLAGS if f not in flags]
        assert not missing, f"{name}: {missing} missing from: {line}"
        assert "-fPIC" not in flags, f"{name}: bare-metal objects built as PIC: {line}"
    assert not list(build.glob("*.so*")), "cross build must not make a shared library"


def test_no_heap(cross_build):
    name, prefix, build, _ = cross_build
    for lib in LIBS:
        r = _run([prefix + "nm", "-u", str(_library(build, lib))])
        assert r.returncode == 0, r.stderr
        undefined = {ln.split()[-1] for ln in r.stdout.splitlines()
                     if ln.strip() and not ln.endswith(":")}
        assert not undefined & HEAP_SYMBOLS, f"{name} {lib} uses the heap: {undefined & HEAP_SYMBOLS}"


def _size_totals(prefix: str, lib: Path) -> tuple[int, int, int]:
    r = _run([prefix + "size", "-t", str(lib)])
    assert r.returncode == 0, r.stderr
    for line in r.stdout.splitlines():
        if "(TOTALS)" in line:
            text, data, bss = (int(v) for v in line.split()[:3])
            return text, data, bss
    raise AssertionError(f"no TOTALS line in {prefix}size output:\n{r.stdout}")


def test_code_size(cross_build):
    name, prefix, build, _ = cross_build
    print()
    for lib in LIBS:
        text, data, bss = _size_totals(prefix, _library(build, lib))
        what = "runtime core, without kernels" if lib == "tigris_runtime" else "kernels"
        print(f"{name:14s} {lib:15s} text {text:6d}  data {data:4d}  bss {bss:4d}  "
              f"({prefix}size -t lib{lib}.a; {what})")
        assert text > 0
        # Static plans, no heap: neither library keeps mutable state of its own.
        assert data == 0 and bss == 0, f"{name} {lib}: data {data}, bss {bss}"
