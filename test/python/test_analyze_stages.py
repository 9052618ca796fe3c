"""`tigris analyze -v`: one line per stage (python/tigris/stages.py), checked
against the tiler's own figures (tigris.tiling) for MobileNetV1 1.0/128 at
32K+8M, and the `stages` records against the report schema."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tigris.analysis import analyze
from tigris.budget import Budget
from tigris.commands.analyze_cmd import format_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import zoo  # noqa: E402

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "analyze-report.schema.json"
ROW = re.compile(r"^\s*(\d+)\s+(flat|strips|streamed|channel groups)\s")


@pytest.fixture(scope="module")
def mobilenet():
    return analyze(str(zoo.build("mobilenet_v1_1.0_128")), Budget.parse("32K+8M"), None)


def test_one_line_per_stage_at_32k_8m(mobilenet):
    r = mobilenet
    t, stages = r["tiling"], r["stages"]
    assert len(stages) == r["budget"]["stages"] and [s["stage"] for s in stages] == \
        list(range(len(stages)))
    tiled = [s for s in stages if s["strategy"] != "flat"]
    assert len(tiled) == r["budget"]["tiled_stages"] > 0
    assert [s["strip_height"] for s in tiled if s["strip_height"]] == t["strip_heights"]
    assert sum(s["strategy"] == "streamed" for s in stages) == t["streamed_stages"]
    assert [s["groups"] for s in stages if s["groups"]] == t["channel_groups"]
    assert sum(s["macs"] for s in stages) == t["macs"]
    # Column tiles compute the same nodes once per tile (each tile its own columns).
    tiles = int(t["column_split"].rsplit("x", 1)[1]) if t["column_split"] else 1
    assert sum(s["ops"] for s in stages) <= tiles * r["operators"]
    assert all(s["fast"] <= r["peak"]["plan"] and s["slow"] <= r["slow"]["peak"] for s in stages)
    assert all(s["calls"] > s["ops"] for s in tiled if s["strips"])
    text = format_report(r, verbose=1)
    rows = [ROW.match(line) for line in text.splitlines()]
    assert [int(m.group(1)) for m in rows if m] == [s["stage"] for s in stages]
    assert len(text.splitlines()) <= 20 + len(stages)          # no per-step wall
    assert "step  op" not in text
    assert "step  op" in format_report(r, verbose=2)           # -vv: the per-step table too


def test_untiled_model_has_a_flat_stage_per_op_and_valid_schema(mobilenet):
    jsonschema = pytest.importorskip("jsonschema")
    r = analyze(str(zoo.build("ds_cnn")), Budget.parse("256K"), None)
    assert all(s["strategy"] == "flat" and s["calls"] == 1 for s in r["stages"])
    assert sum(s["macs"] for s in r["stages"]) == r["tiling"]["macs"]
    schema = json.loads(SCHEMA.read_text())
    for report in (r, mobilenet):
        jsonschema.validate(json.loads(json.dumps(report)), schema)


def test_buffers_packed_as_pieces_are_reported_with_them():
    """MobileNetV1 1.0/128 in 96K of SRAM chains stage outputs written over
    their inputs: those buffers are reported with their pieces (in the
    schema), and the live bytes per step and per stage count the pieces
    only, so they never exceed the packed arena."""
    jsonschema = pytest.importorskip("jsonschema")
    r = analyze(str(zoo.build("mobilenet_v1_1.0_128")), Budget.parse("96K"), None)
    assert r["budget"]["fits"] and r["peak"]["plan"] <= 96 << 10
    pieced = [b for b in r["buffers"].values() if "pieces" in b]
    assert pieced
    for b in pieced:
        assert all(off + size <= b["size"] and b["birth"] <= first <= last <= b["death"]
                   for off, size, first, last in b["pieces"])
    assert max(row["live"] for row in r["operators_table"]) == r["peak"]["lower_bound"] \
        <= r["peak"]["plan"]
    assert all(s["fast"] <= r["peak"]["plan"] for s in r["stages"])
    jsonschema.validate(json.loads(json.dumps(r)), json.loads(SCHEMA.read_text()))


def test_stage_steps_cover_the_plan_in_order(mobilenet):
    steps = [s["steps"] for s in mobilenet["stages"]]
    assert steps[0][0] == 0 and steps[-1][1] == mobilenet["plan_steps"] - 1
    assert all(a[1] + 1 == b[0] for a, b in zip(steps, steps[1:]))
    assert all(b["pool"] in ("fast", "slow") for b in mobilenet["buffers"].values())
    assert any(b["pool"] == "slow" for b in mobilenet["buffers"].values())


def test_plot_at_485_steps_has_stage_bands_a_labelled_budget_and_an_outside_legend(mobilenet):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    from tigris.arena_plot import draw, render
    fig = draw(mobilenet)
    try:
        ax = fig.axes[0]
        assert ax.bands == len(mobilenet["stages"])
        texts = [t.get_text() for t in ax.texts]
        assert any("budget 32.0 KiB" in t for t in texts)
        assert sum(t.startswith("S") for t in texts) >= 4        # tiled stages named
        fig.canvas.draw()
        legend = ax.get_legend().get_window_extent()
        assert legend.x0 >= ax.get_window_extent().x1            # right of the data
        # slow-pool buffers are not drawn on the fast arena's axis
        top = ax.get_ylim()[1]
        assert all(p.get_y() + p.get_height() <= top for p in ax.patches
                   if hasattr(p, "get_y"))
    finally:
        plt.close(fig)
    assert render(mobilenet, "png").startswith(b"\x89PNG")
