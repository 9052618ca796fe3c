"""Every zoo model compiled into a binary plan at 1 MiB (flat), run by `tigris run` on the
host C runtime and by the C code `tigris codegen` generates, against the numpy reference
interpreter, byte for byte.

- `tigris run` takes the model's own float input (quantized with the plan's input scale)
  and writes int8 in the model's layout: it must equal the reference interpreter run on
  the same quantized input, on 5 seeded inputs per model;
- the generated C (built with gcc -std=c99 -Wall -Wextra -Werror -pedantic) must give the
  bytes the plan gives on the host runtime;
- the plan overhead (plan bytes that are not model constants) is printed per model
  (recorded in bench/plan_overhead.txt).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tigris.budget import Budget
from tigris.cli import main as tigris
from tigris.modelio import quantize_input, to_model_layout
from tigris.plan.codegen import c_identifier
from tigris.plan.host import HostPlan, build_library, include_dirs
from tigris.plan.reader import read_plan

import zoo_cache
from zoo_cache import reference

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import zoo  # noqa: E402

SEEDS = range(5)
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """name -> plan path: the plan `tigris compile -m 1M` writes (compile_onnx at 1M,
    compiled once per session by zoo_cache; test_plans_are_deterministic compares
    it with the CLI's bytes)."""
    root = tmp_path_factory.mktemp("plans")
    return lambda name: zoo_cache.plan_file(name, "1M", root)


@pytest.mark.parametrize("name", zoo.names())
def test_tigris_run_matches_reference(name, plans, tmp_path, capsys):
    plan = plans(name)
    ref = reference(name)
    data = plan.read_bytes()
    p = read_plan(data)
    for seed in SEEDS:
        x = zoo.sample_input(name, seed)[zoo.INPUT]
        xin, yout = tmp_path / f"x{seed}.npy", tmp_path / f"y{seed}.npy"
        np.save(xin, x)
        assert tigris(["run", str(plan), "--input", str(xin), "--output", str(yout)]) == 0
        y = np.load(yout)
        want = ref(x)
        assert y.dtype == np.int8 and y.shape == want.shape
        assert np.array_equal(y, want), f"{name} seed {seed}: runtime differs from the reference"
    model_weights = sum(a.nbytes for a in ref.result.weights.values())
    with capsys.disabled():
        print(f"\n{name:28s} plan {len(data):8d} B, {len(p.calls):3d} calls, fast arena "
              f"{p.fast_size:7d} B, constants {p.constant_bytes():8d} B, overhead "
              f"{len(data) - p.constant_bytes():6d} B (dense_resource weights {model_weights} B)")


def test_int8_and_dequantized_io(plans, tmp_path):
    """int8 input in the model's layout is taken as is; --dequantize writes float32."""
    name = "tiny_residual_add"
    plan = plans(name)
    ref = reference(name)
    x = zoo.sample_input(name, 7)[zoo.INPUT]
    q = quantize_input(x, ref.ispec).transpose(0, 3, 1, 2)          # int8, model layout (NCHW)
    np.save(tmp_path / "q.npy", np.ascontiguousarray(q))
    assert tigris(["run", str(plan), "-i", str(tmp_path / "q.npy"), "-o",
                   str(tmp_path / "y.npy")]) == 0
    assert np.array_equal(np.load(tmp_path / "y.npy"), ref(x))
    assert tigris(["run", str(plan), "-i", str(tmp_path / "q.npy"), "-o",
                   str(tmp_path / "f.npy"), "--dequantize"]) == 0
    f = np.load(tmp_path / "f.npy")
    want = (ref(x).astype(np.float64) - ref.ospec["zero_point"]) * ref.ospec["scale"]
    assert f.dtype == np.float32 and np.allclose(f, want, rtol=1e-6)


# ----------------------------------------------------------------- generated C

def harness_source(ident: str, n_in: int, n_out: int) -> str:
    """A main() that reads each input file, runs <ident>_run, writes each output file."""
    up = ident.upper()
    lines = ["#include <stdio.h>", "#include <stdlib.h>", f'#include "{ident}.h"', "",
             "static int io(const char *path, void *data, size_t n, int write)", "{",
             '    FILE *f = fopen(path, write ? "wb" : "rb");',
             "    size_t done;", "    if (f == NULL) {", "        return 1;", "    }",
             "    done = write ? fwrite(data, 1, n, f) : fread(data, 1, n, f);",
             "    fclose(f);", "    return done != n;", "}", "",
             "int main(int argc, char **argv)", "{"]
    for i in range(n_in):
        lines.append(f"    static int8_t in{i}[{up}_INPUT{i}_SIZE];")
    for i in range(n_out):
        lines.append(f"    static int8_t out{i}[{up}_OUTPUT{i}_SIZE];")
    lines += [f"    uint8_t *fast = (uint8_t *)malloc({up}_FAST_ARENA_SIZE + 1u);",
              f"    uint8_t *slow = (uint8_t *)malloc({up}_SLOW_ARENA_SIZE + 1u);",
              "    int32_t st;",
              f"    if (argc != {1 + n_in + n_out} || fast == NULL || slow == NULL) {{",
              "        return 2;", "    }"]
    for i in range(n_in):
        lines.append(f"    if (io(argv[{1 + i}], in{i}, sizeof in{i}, 0)) {{ return 3; }}")
    args = [f"in{i}" for i in range(n_in)] + [f"out{i}" for i in range(n_out)] + ["fast", "slow"]
    lines.append(f"    st = {ident}_run({', '.join(args)});")
    lines.append("    if (st != 0) {")
    lines.append('        fprintf(stderr, "run failed: %d\\n", (int)st);')
    lines.append("        return 4;")
    lines.append("    }")
    for i in range(n_out):
        lines.append(f"    if (io(argv[{1 + n_in + i}], out{i}, sizeof out{i}, 1)) {{ return 5; }}")
    lines += ["    free(fast);", "    free(slow);", "    return 0;", "}", ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def host_lib():
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    return build_library()


def build_generated(plan_path: Path, workdir: Path, lib: Path) -> tuple[Path, object]:
    """Generates C for the plan, compiles it with the strict flags, links the kernels."""
    plan = read_plan(plan_path.read_bytes())
    ident = c_identifier(plan.name)
    src = workdir / f"{ident}.c"
    assert tigris(["codegen", str(plan_path), "-o", str(src)]) == 0
    (workdir / "main.c").write_text(harness_source(ident, len(plan.inputs), len(plan.outputs)))
    exe = workdir / "model"
    cmd = (["gcc"] + STRICT + ["-O1", f"-I{workdir}"] + [f"-I{d}" for d in include_dirs()]
           + [str(src), str(workdir / "main.c"), f"-L{lib.parent}", f"-l:{lib.name}",
              f"-Wl,-rpath,{lib.parent}", "-o", str(exe)])
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"generated C does not build:\n{r.stderr[:3000]}"
    return exe, plan


def run_generated(exe: Path, plan, inputs: list[np.ndarray], workdir: Path) -> list[np.ndarray]:
    ins, outs = [], []
    for i, x in enumerate(inputs):
        ins.append(workdir / f"in{i}.bin")
        ins[-1].write_bytes(np.ascontiguousarray(x, dtype=np.int8).tobytes())
    for i in range(len(plan.outputs)):
        outs.append(workdir / f"out{i}.bin")
    r = subprocess.run([str(exe)] + [str(p) for p in ins + outs], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return [np.frombuffer(p.read_bytes(), dtype=np.int8).reshape(plan.tensors[d.tensor].shape)
            for p, d in zip(outs, plan.outputs)]


# gcc takes 4 to 12 s over the constants of these two (1.7 and 4.3 MB): -m slow.
CODEGEN_SLOW = {"mobilenet_v1_1.0_128", "mobilenet_v2_0.35_96"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=[pytest.mark.slow] if n in CODEGEN_SLOW
                                               else []) for n in zoo.names()])
def test_generated_c_matches_plan(name, plans, host_lib, tmp_path):
    plan_path = plans(name)
    exe, plan = build_generated(plan_path, tmp_path, host_lib)
    host = HostPlan(plan_path.read_bytes())
    rng = np.random.default_rng(11)
    for _ in range(2):
        xs = [rng.integers(-128, 128, size=plan.tensors[d.tensor].shape).astype(np.int8)
              for d in plan.inputs]
        for got, want in zip(run_generated(exe, plan, xs, tmp_path), host.run(xs)):
            assert np.array_equal(got, want)


@pytest.mark.parametrize("name", ["inception_block", "tiny_concat",
                                  pytest.param("mobilenet_v2_0.35_96", marks=pytest.mark.slow),
                                  pytest.param("unet_small", marks=pytest.mark.slow)])
def test_plans_are_deterministic(name, plans, tmp_path):
    """The same model and options give the same bytes: `tigris compile` now and the
    session's compile_onnx earlier, in one process (across processes in test_plan_format)."""
    out = tmp_path / f"{name}.tgrs"
    assert tigris(["compile", str(zoo.build(name)), "-m", "1M", "-o", str(out)]) == 0
    assert out.read_bytes() == plans(name).read_bytes(), name


@pytest.mark.parametrize("name,memory", [("ds_cnn", "8K+1M"), ("mobilenet_v1_0.25_96", "16K+1M")])
def test_slow_pool_plan(name, memory, host_lib, tmp_path):
    """A plan that keeps tensors in the slow pool (PSRAM): the runtime and the generated C
    read and write both arenas and still equal the reference."""
    from tigris.errors import BudgetError, ModelError
    from tigris.plan.compiler import compile_onnx
    try:
        c = compile_onnx(str(zoo.build(name)), Budget.parse(memory))
    except ModelError as e:
        if "planning bug" in str(e):
            pytest.xfail(f"the tiler's plan fails the lowering's checks: {e}")
        raise
    except BudgetError as e:
        pytest.skip(f"does not compile at {memory} with today's tiler: {e}")
    plan = read_plan(c.data)
    if not any(t.pool == "slow" for t in plan.tensors):
        pytest.skip(f"today's tiler keeps every tensor of {name} in fast RAM at {memory}")
    ref = reference(name)
    host = HostPlan(c.data, plan)
    path = tmp_path / "p.tgrs"
    path.write_bytes(c.data)
    exe, _ = build_generated(path, tmp_path, host_lib)
    for seed in range(2):
        x = zoo.sample_input(name, seed)[zoo.INPUT]
        q = quantize_input(x, ref.ispec)
        (y,) = host.run([q])
        assert np.array_equal(to_model_layout(y, ref.ospec), ref(x))
        (g,) = run_generated(exe, plan, [q], tmp_path)
        assert np.array_equal(g, y)
