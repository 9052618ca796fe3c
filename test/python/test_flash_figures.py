"""Honest flash figures: `tigris analyze -f F` and `tigris compile -f F` agree, PASS/FAIL
and the byte count, on every zoo model at three flash budgets (one byte short of the
plan, exactly the plan, and 512K); every `--json` report seen here validates against
docs/analyze-report.schema.json.

Both commands run through the CLI for each budget. The planning itself (everything
before the flash check, which does not depend on -f) is done once per model and
reused: plan_report (analyze) and plan_onnx (compile) are memoized for the module.
The benchmark-sized models are marked slow.
"""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import jsonschema
import pytest

from tigris import analysis
from tigris.cli import main as tigris
from tigris.plan import compiler

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "test" / "models"))
import zoo  # noqa: E402

SCHEMA = json.loads((ROOT / "docs" / "analyze-report.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
BIG = {"mobilenet_v1_1.0_128", "mobilenet_v1_0.25_96", "mobilenet_v2_0.35_96", "unet_small",
       "inception_block", "mobilenet_v1_0.25_96_qop"}
MEMORY = "1M"
_memo: dict = {}


def _memoized(fn):
    def wrapper(*args, **kwargs):
        key = (fn.__name__, repr(args), repr(sorted(kwargs.items())))
        if key not in _memo:
            _memo[key] = fn(*args, **kwargs)
        return copy.deepcopy(_memo[key])
    return wrapper


@pytest.fixture
def reuse_plans(monkeypatch):
    monkeypatch.setattr(analysis, "plan_report", _memoized(analysis.plan_report))
    monkeypatch.setattr(compiler, "plan_onnx", _memoized(compiler.plan_onnx))


def check_schema(report: dict) -> None:
    errors = sorted(VALIDATOR.iter_errors(report), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def _analyze(capsys, *args) -> tuple[int, dict, str]:
    rc = tigris(["analyze", *args, "--json"])
    out = capsys.readouterr()
    return rc, json.loads(out.out), out.err


def _compile(capsys, tmp_path, *args) -> tuple[int, Path, str]:
    plan = tmp_path / "model.tgrs"
    plan.unlink(missing_ok=True)
    rc = tigris(["compile", *args, "-o", str(plan)])
    return rc, plan, capsys.readouterr().err


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in BIG else n
                                  for n in zoo.names()])
def test_analyze_and_compile_agree_on_flash(name, reuse_plans, capsys, tmp_path):
    model = str(zoo.build(name))
    rc, report, _ = _analyze(capsys, model, "-m", MEMORY)
    assert rc == 0
    check_schema(report)
    size = report["flash"]["plan"]
    assert report["flash"]["fits"] is None and report["flash"]["budget"] is None
    rc, plan, err = _compile(capsys, tmp_path, model, "-m", MEMORY)
    assert rc == 0, err
    assert plan.stat().st_size == size       # analyze's figure is the file, to the byte
    for flash in (size - 1, size, 512 * 1024):
        fits = size <= flash
        a_rc, report, a_err = _analyze(capsys, model, "-m", MEMORY, "-f", str(flash))
        check_schema(report)
        c_rc, plan, c_err = _compile(capsys, tmp_path, model, "-m", MEMORY, "-f", str(flash))
        assert report["flash"] == {"budget": flash, "weights": report["flash"]["weights"],
                                   "plan": size, "fits": fits}
        assert (a_rc, c_rc) == ((0, 0) if fits else (3, 3)), (a_err, c_err)
        if fits:
            assert plan.stat().st_size == size
        else:
            assert not plan.exists()
            for err in (a_err, c_err):   # the same one line from both commands
                assert err.count("\n") == 1 and f"the plan is" in err and f"({size} bytes)" in err
            assert a_err == c_err


def test_float_model_has_no_plan_figure(capsys):
    rc, report, _ = _analyze(capsys, str(zoo.build("tiny_conv_relu", "float")), "-m", "64K",
                             "-f", "1K")
    assert rc == 0 and report["format"] == "float32"
    check_schema(report)
    assert report["flash"]["plan"] is None and report["flash"]["fits"] is None
    assert report["flash"]["weights"] > 0


def test_tiled_report_with_a_slow_pool_validates(capsys):
    rc, report, err = _analyze(capsys, str(zoo.build("tiny_residual_add")), "-m", "1K+64K")
    check_schema(report)
    assert report["tiling"] is not None
    assert rc == (0 if report["budget"]["fits"] else 3), err


def test_schema_rejects_what_the_report_never_holds(capsys):
    """The schema is strict enough to catch a drift: an unknown field, a wrong type."""
    rc, report, _ = _analyze(capsys, str(zoo.build("tiny_depthwise")), "-m", "64K")
    assert rc == 0
    check_schema(report)
    bad = copy.deepcopy(report)
    bad["flash"]["estimate"] = 1
    assert not VALIDATOR.is_valid(bad)
    bad = copy.deepcopy(report)
    bad["flash"]["plan"] = "12K"
    assert not VALIDATOR.is_valid(bad)
    bad = copy.deepcopy(report)
    del bad["budget"]["fits"]
    assert not VALIDATOR.is_valid(bad)
