"""A regular install works: the wheel built from this tree holds every module of
the source tree and, installed into a fresh venv, runs `tigris --version`,
`tigris compile`, `tigris run` (which needs TIGRIS_RUNTIME_DIR: the wheel has no
C sources) and `tigris-opt --list-passes` on a zoo model.

The wheel is built from a copy of the packaged folders (pyproject.toml,
setup.py, README.md, python/, passes/, dialects/), so the build writes nothing
into the work tree, without build isolation (the test venv's setuptools must
satisfy build-system.requires: pip checks it). The fresh venv has no pip and
none of the dependencies: the wheel is installed into it with this venv's pip
(`--no-deps`), and a .pth line puts this venv's site-packages after the fresh
one's, so numpy, onnx and the MLIR bindings come from there while `tigris`
comes from the wheel (checked). Only the entries the wheel installed are run.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tigris.budget import Budget
from tigris.cli import main as tigris_cli
from tigris.passes.registry import registry
from tigris.plan.compiler import compile_onnx
from tigris.plan.reader import read_plan_file

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "test" / "models"))
import zoo  # noqa: E402

# Source folder -> the package path it is installed as.
ROOTS = {"python/tigris": "tigris", "passes": "tigris/passes", "dialects": "tigris/dialects"}
MODEL = "resnet8"


def _run(cmd, env_extra=None, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "TIGRIS_RUNTIME_DIR")}
    env.update(env_extra or {})
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env,
                          timeout=300, **kw)


def source_files(root: Path) -> dict[str, Path]:
    """Installed path -> source file, for every file of the packaged folders under `root`."""
    out = {}
    for src, pkg in ROOTS.items():
        for f in (root / src).rglob("*"):
            if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc":
                out[f"{pkg}/{f.relative_to(root / src).as_posix()}"] = f
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for folder in ("python", "passes", "dialects"):
        shutil.copytree(ROOT / folder, src / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    out = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                "--check-build-dependencies", "-q", "-w", tmp / "dist", src], cwd=tmp)
    assert out.returncode == 0, out.stdout + out.stderr
    (whl,) = (tmp / "dist").glob("tigris_mlir-*.whl")
    return whl


def _copy_of_the_tree(wheel: Path) -> Path:
    """The copy the wheel was built from (the work tree may change meanwhile)."""
    return wheel.parents[1] / "src"


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    env = tmp_path_factory.mktemp("venv") / "venv"
    out = _run([sys.executable, "-m", "venv", "--without-pip", env])
    assert out.returncode == 0, out.stderr
    out = _run([sys.executable, "-m", "pip", "--python", env / "bin" / "python", "install",
                "-q", "--no-deps", "--no-index", wheel])
    assert out.returncode == 0, out.stdout + out.stderr
    purelib = _run([env / "bin" / "python", "-c",
                    "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(purelib) / "_tigris_test_deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    return env


def test_wheel_holds_every_module_of_the_source_tree(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    want = source_files(_copy_of_the_tree(wheel))
    assert "tigris/tiling/search.py" in want and "tigris/dialects/tigris.irdl.mlir" in want
    missing = sorted(set(want) - names)
    assert not missing, f"the wheel lacks {missing}"
    for name, path in want.items():   # the files themselves, not stale copies
        assert zipfile.ZipFile(wheel).read(name) == path.read_bytes(), name
    shipped = {n for n in names if n.startswith("tigris/")}
    assert shipped == set(want), f"the wheel has files the tree does not: {shipped - set(want)}"


def test_installed_wheel_compiles_a_zoo_model(wheel, venv, tmp_path):
    where = _run([venv / "bin" / "python", "-c",
                  "import tigris, tigris.tiling, tigris.passes, tigris.dialects; "
                  "print(tigris.__file__); print(tigris.passes.__file__)"], cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert Path(line).is_relative_to(venv), f"imported from outside the venv: {line}"
    deps = _run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "check"])
    assert deps.returncode == 0 and "No broken requirements" in deps.stdout, deps.stdout

    from tigris import __version__
    out = _run([venv / "bin" / "tigris", "--version"], cwd=tmp_path)
    assert out.returncode == 0 and out.stdout == f"tigris {__version__}\n", out.stdout + out.stderr
    assert f"tigris_mlir-{__version__}-" in wheel.name

    model = zoo.build(MODEL)
    plan = tmp_path / "model.tgrs"
    out = _run([venv / "bin" / "tigris", "compile", model, "-m", "64K", "-o", plan],
               cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stderr.startswith(f"tigris: wrote {plan} (")
    expected = compile_onnx(str(model), Budget.parse("64K"))
    assert plan.read_bytes() == expected.data   # the same plan as from the source tree

    # tigris run needs the C runtime's sources, which the wheel does not ship.
    shape = read_plan_file(str(plan)).inputs[0].shape
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    run = [venv / "bin" / "tigris", "run", plan, "--input", "x.npy", "--output", "y.npy"]
    out = _run(run, cwd=tmp_path)
    assert out.returncode == 1 and out.stderr.count("\n") == 1, out.stderr
    assert "TIGRIS_RUNTIME_DIR" in out.stderr and not (tmp_path / "y.npy").exists()
    out = _run(run, cwd=tmp_path, env_extra={"TIGRIS_RUNTIME_DIR": str(ROOT / "runtime")})
    assert out.returncode == 0, out.stderr
    assert tigris_cli(["run", str(plan), "--input", str(tmp_path / "x.npy"),
                       "--output", str(tmp_path / "y_tree.npy")]) == 0
    assert np.array_equal(np.load(tmp_path / "y.npy"), np.load(tmp_path / "y_tree.npy"))

    out = _run([venv / "bin" / "tigris-opt", "--list-passes"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    listed = {line.split()[0] for line in out.stdout.splitlines()
              if line.startswith("  tigris-")}
    assert listed == set(registry()) and "tigris-tile" in listed
