"""Static and build properties of the C99 reference kernels (runtime/kernels).

Covers the built objects (no allocator, nothing from libc but memcpy/memset),
the sources (heapless C99, no floating point, small files), the call graph (no
recursion), and test_sanitizers, which rebuilds with -DTIGRIS_SANITIZE=ON
(ASan + UBSan, every report fatal) and reruns the kernel tests
(test_runtime_kernels_*.py) on a subset in a subprocess. Shared helpers and the
`build` fixture: runtime_kernels_common.py.
"""
from __future__ import annotations

import graphlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runtime_kernels_common import CASES, KERNEL_SRC, ROOT, RUNTIME, cmake_build

# The kernel test files the sanitizer run reruns (this one included: -k drops its tests).
KERNEL_TEST_FILES = sorted(str(p) for p in Path(__file__).resolve().parent.glob(
    "test_runtime_kernels*.py"))


def test_objects_reference_no_heap(build):
    """nm: the kernels call no allocator, and nothing from libc but memcpy/memmove/memset."""
    if shutil.which("nm") is None:
        pytest.skip("nm not installed")

    def symbols(*flags):
        r = subprocess.run(["nm", *flags, str(build / "libtigris_kernels.a")],
                           capture_output=True, text=True, check=True)
        return {ln.split()[-1] for ln in r.stdout.splitlines() if ln.strip() and ln[-1] != ":"}

    undefined = symbols("-u") - symbols("--defined-only")  # minus calls between its objects
    assert not undefined & {"malloc", "calloc", "realloc", "free", "alloca", "aligned_alloc"}
    extra = undefined - {"memcpy", "memmove", "memset", "__stack_chk_fail"}
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
    """ASan + UBSan build; the kernel test files rerun on a subset; any report fails."""
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
                        "-k", "not sanitizers and not no_recursion and not heap",
                        *KERNEL_TEST_FILES],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    report = r.stdout[-4000:] + r.stderr[-4000:]
    assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr, report
    assert r.returncode == 0, report
    assert re.search(r"\d+ passed", r.stdout), report
