"""Tiled plans that once differed from the flat plan, or did not compile, and
`tigris compile --verify-tiling`.

- A squeeze-and-excitation scale ([1, 1, 1, C], read whole by the Mul of
  every strip) was a candidate for the stage output to be written over: with
  the feature map in the slow pool it was the only one, and the first strip's
  output overwrote it before the second strip read it. In the DB text
  detector look-alike (lookalikes.text_detector, PP-OCRv3 style) the scale is
  the 1/4-scale RSE-FPN block's: one stage runs its Mul and residual Add, the
  concat's inserts and the head's 3x3 conv in 6 strips, the conv's output was
  placed to end on the scale's 24 bytes, the 5th strip overwrote them and
  only the last strip read them: output rows 120-127 differed (the third-party
  detector's rows 121-123).
- A stage streaming a channel concat (an `insert` into the concat's buffer,
  then a 5x5 conv and a residual Add of the concat) whose output was written
  over that buffer: the next strip's carried rows were copied from rows the
  output had already overwritten (up to 2 LSB off at the top rows), and with
  a slow pool the Add's output partly overlapped the concat rows it read (a
  plan the loader refuses). Found by the tiling fuzzer (seed 155, esp32s3).
- A conv or pool whose pads reach past its kernel has output rows that read
  only padding: a strip of those rows gave its kernel a zero-row operand
  ("invalid tensor dimension size", KeyError, malformed descriptors).
"""

import numpy as np
import pytest

import lookalikes
import tiling_fuzz
from onnx_check import quantize
from tiling_fuzz import random_cnn

from tigris.budget import Budget
from tigris.cli import main as tigris
from tigris.dialects import make_context
from tigris.driver import run_pipeline
from tigris.importers.onnx import import_onnx
from tigris.passes.registry import functions
from tigris.plan.compiler import compile_onnx
from tigris.plan.host import HostPlan
from tigris.plan.verify_tiling import seeded_inputs
from tigris import kernels
from tigris.tiling.overlay import best_overlay
from tigris.tiling.search import HEIGHTS, Problem
from tigris.tiling.rows import needs


def _conv(k, s, cout, pads=None, act="hardswish", groups=1, kind="conv"):
    return {"kind": kind, "k": k, "s": s, "pads": pads or [k // 2] * 4, "dilation": 1,
            "act": act, "cout": cout, "groups": groups}


SE = {"kind": "se", "squeeze": 4, "gate": "hardsigmoid"}
# A PP-LCNet-style text-line classifier in small: HardSwish, 3x3 and 5x5
# depthwise convs with stride 2, squeeze-and-excitation, a pooled head.
LCNET = random_cnn.Spec(5, (1, 3, 48, 192), [
    _conv(3, 2, 16), _conv(3, 1, 0, kind="depthwise"), _conv(1, 1, 32),
    _conv(3, 2, 0, kind="depthwise"), _conv(1, 1, 64), _conv(3, 1, 0, kind="depthwise"),
    _conv(1, 1, 64), _conv(3, 2, 0, kind="depthwise"), _conv(1, 1, 128),
    _conv(5, 1, 0, kind="depthwise"), SE, _conv(1, 1, 128),
    _conv(5, 2, 0, kind="depthwise"), SE, _conv(1, 1, 256)], True)
# 1x1 convs whose padding is wider than the kernel (the bottom rows read
# nothing but padding), as the ONNX standard allows.
PADDED_1X1 = random_cnn.Spec(7, (1, 8, 4, 24), [
    _conv(1, 1, 0, pads=[0, 2, 2, 0], act="sigmoid", kind="depthwise")])
# The fuzzer's shrunk seed 155: pad, nearest x3, an FPN block (stride-2 conv,
# conv, nearest x2, concat) and a residual 5x5 conv.
FPN_RESIDUAL = random_cnn.Spec(155, (1, 1, 11, 6), [
    {"kind": "pad", "pads": [2, 0, 1, 2]},
    {"kind": "upsample", "scale": 3, "mode": "nearest"},
    {"kind": "fpn", "k": 1, "cout": 4},
    {"kind": "residual", "k": 5, "act": "sigmoid"}])
PADDED_AFTER_3X3 = random_cnn.Spec(9, (1, 3, 12, 12), [
    _conv(3, 1, 8, act="relu"), _conv(1, 1, 16, pads=[1, 1, 1, 1], act="none")])


def _model(spec, tmp_path) -> str:
    return str(tiling_fuzz._quantized(spec, tmp_path))


def _outputs(data: bytes, seed: int = 3, count: int = 3):
    plan = HostPlan(data)
    return [plan.run(xs)[0] for xs in seeded_inputs(plan.plan, count, seed)]


def _problem(path: str):
    ctx = make_context()
    res = import_onnx(path, ctx)
    run_pipeline(ctx, res.module, "builtin.module(tigris-legalize,tigris-schedule)", "m")
    return ctx, res


def test_no_stage_output_is_written_over_a_broadcast_operand(tmp_path):
    """Every overlay the search can choose for the classifier, with and
    without its long-lived tensors in the slow pool, is of an input that the
    stage reads row by row, never of the squeeze-and-excitation scale."""
    ctx, res = _problem(_model(LCNET, tmp_path))
    with ctx:
        problem = Problem(functions(res.module.operation)[0])
        scales = {v for k, info in enumerate(problem.info) if info.kind == "mul"
                  for v, rows in zip(problem.ops[k].operands, needs(info, 0, 1)) if rows is None}
        assert scales
        checked = 0
        for slow in (None, problem.long_lived(0)):
            problem.set_slow(slow)
            for j in range(len(problem.ops)):
                for i in range(max(0, j - 4), j + 1):
                    if not problem.segment_ok(i, j):
                        continue
                    for h in HEIGHTS[:4]:
                        strips = problem.strips(i, j, h)
                        if strips is None:
                            continue
                        overlay = best_overlay(problem, i, j, problem._sweep(j, h, False))
                        checked += 1
                        assert overlay is None or overlay[0] not in scales
        assert checked > 50


def test_squeeze_excite_classifier_tiled_with_a_slow_pool_equals_flat(tmp_path):
    """At 16K+8M (and 12K+8M) a stage of two strips (Mul by the scale, then a
    1x1 conv) overlaid its output on the scale: the logits differed."""
    path = _model(LCNET, tmp_path)
    flat = _outputs(compile_onnx(path, Budget(64 << 20), tile=False).data)
    tiled = compile_onnx(path, Budget(16 << 10, 8 << 20))
    assert tiled.arena <= 16 << 10
    for got, want in zip(_outputs(tiled.data), flat):
        assert np.array_equal(got, want)


def test_text_detector_tiled_with_a_slow_pool_equals_flat(tmp_path):
    """The DB detector look-alike at 128K+8M: before c63ccd3, 34, 54 and 39 of
    the 16,384 output bytes of these 3 inputs differed, all in rows 120-127, up
    to 255 LSB (bench/tiling_lookalikes.txt); it fails again if the broadcast
    rule is taken out of tigris.tiling.overlay.overlay_of."""
    path = str(quantize(lookalikes.text_detector(), tmp_path / "det.onnx", (1, 3, 128, 128)))
    flat = _outputs(compile_onnx(path, Budget(64 << 20), tile=False).data)
    tiled = compile_onnx(path, Budget(128 << 10, 8 << 20))
    assert tiled.arena <= 128 << 10 and tiled.calls > 250
    for got, want in zip(_outputs(tiled.data), flat):
        assert np.array_equal(got, want)


def test_streamed_concat_stage_is_not_written_over_its_concat(tmp_path):
    path = _model(FPN_RESIDUAL, tmp_path)
    flat = _outputs(compile_onnx(path, Budget(64 << 20), "esp32s3", tile=False).data)
    for budget in (Budget(11635), Budget(12928, 8 << 20)):
        for got, want in zip(_outputs(compile_onnx(path, budget, "esp32s3").data), flat):
            assert np.array_equal(got, want)


@pytest.mark.parametrize("spec,budgets,target", [
    (PADDED_1X1, [Budget(1900), Budget(1536, 8 << 20)], "reference"),
    (PADDED_AFTER_3X3, [Budget(8 << 20), Budget(5 << 10), Budget(4500)], "esp32s3"),
])
def test_strips_of_padding_only_are_not_offered(tmp_path, spec, budgets, target):
    path = _model(spec, tmp_path)
    flat = _outputs(compile_onnx(path, Budget(64 << 20), target, tile=False).data)
    tiled = 0
    for budget in budgets:
        c = compile_onnx(path, budget, target)
        tiled += c.calls > 2
        for got, want in zip(_outputs(c.data), flat):
            assert np.array_equal(got, want)
    assert tiled
    ctx, res = _problem(path)
    with ctx:
        problem = Problem(functions(res.module.operation)[0])
        for j in range(len(problem.ops)):
            for h in HEIGHTS:
                strips = problem.strips(j, j, h) if problem.segment_ok(j, j) else None
                for strip in strips or []:
                    for band in strip:
                        info = problem.info[band.op]
                        if kernels.REGISTRY[info.kind].rows == "window":
                            lo, hi = needs(info, *band.compute)[0]
                            assert hi > lo


def test_verify_tiling_passes_a_correct_plan(tmp_path, capsys):
    path = _model(PADDED_1X1, tmp_path)
    out = tmp_path / "m.tgrs"
    assert tigris(["compile", path, "-m", "1900", "-o", str(out), "--verify-tiling"]) == 0
    assert out.exists()
    assert "the tiled plan equals the flat plan on 3 seeded inputs" in capsys.readouterr().err


def test_verify_tiling_refuses_a_differing_plan(tmp_path, capsys, monkeypatch):
    """A tiled plan whose bytes differ (here: its executor's result perturbed)
    is refused in one line, exit 1, and nothing is written."""
    import tigris.plan.verify_tiling as vt
    path = _model(PADDED_1X1, tmp_path)
    real = vt.run_plan
    calls = []

    def perturbed(plan, xs):
        calls.append(plan)
        outs = real(plan, xs)
        if len(calls) % 2 == 0:           # every second run is the tiled plan's
            outs[0] = outs[0].copy()
            outs[0].flat[0] ^= 1
        return outs
    monkeypatch.setattr(vt, "run_plan", perturbed)
    out = tmp_path / "m.tgrs"
    assert tigris(["compile", path, "-m", "1900", "-o", str(out), "--verify-tiling"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "differs from the flat plan" in err[0] and "nothing written" in err[0]
    assert not out.exists()
