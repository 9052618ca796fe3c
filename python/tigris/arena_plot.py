"""`tigris analyze --plot`: the arena over the plan's steps, readable at 500 steps.

Buffers are boxes (step span x offset range; a buffer packed as pieces, a
stage output written over its input, one box per piece); the stages of the plan are
background bands (tiled stages shaded and named by strategy, flat ones in
alternating light greys); the arena and the budget are labelled lines; the
legend sits outside the axes, right of the data.
"""
from __future__ import annotations

import io

STRATEGY_COLOURS = {"strips": "#cfe3f7", "streamed": "#d5f0d0", "channel groups": "#f7e1c6"}
FLAT = ("#f4f4f4", "#e9e9e9")


def draw(r: dict):
    """The matplotlib figure of report `r` (tigris.analysis.analyze)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle
    steps = max((b["death"] for b in r["buffers"].values()), default=0) + 1
    width = min(24.0, max(10.0, steps / 40))
    fig, ax = plt.subplots(figsize=(width, 5.5))
    budget = r["budget"]["fast"] / 1024
    arena = r["peak"]["plan"] / 1024
    top = max(arena, budget) * 1.12
    stages = r.get("stages") or []
    bands = 0
    for i, st in enumerate(stages):
        first, last = st["steps"]
        colour = STRATEGY_COLOURS.get(st["strategy"], FLAT[i % 2])
        ax.axvspan(first, last + 1, color=colour, zorder=0, linewidth=0)
        if st["strategy"] != "flat" or (i and stages[i - 1]["strategy"] != "flat"):
            ax.axvline(first, color="#8899aa", linewidth=0.6, zorder=1)   # stage boundary
        bands += 1
        if st["strategy"] != "flat" and (last + 1 - first) >= steps / 60:
            how = (f"{st['groups']} groups" if st["groups"] else
                   f"{st['strips']}x{st['strip_height']}")
            ax.text((first + last + 1) / 2, top * 0.985, f"S{st['stage']}\n{how}", ha="center",
                    va="top", fontsize=7, color="#335", zorder=4)
    ax.bands = bands     # for the tests
    cmap = plt.get_cmap("tab20")
    edge = 0.4 if steps <= 150 else 0.15
    for i, (name, b) in enumerate(sorted(r["buffers"].items())):
        if b["offset"] is None or b.get("pool") == "slow":
            continue
        for off, size, birth, death in b.get("pieces") or [[0, b["size"], b["birth"],
                                                              b["death"]]]:
            ax.add_patch(Rectangle((birth, (b["offset"] + off) / 1024), death - birth + 1,
                                   size / 1024, facecolor=cmap(i % 20), edgecolor="black",
                                   linewidth=edge, zorder=2))
    ax.axhline(arena, color="red", linewidth=1.2, zorder=3)
    ax.axhline(budget, color="green", linestyle="--", linewidth=1.2, zorder=3)
    labels = [(arena, f"arena {arena:.1f} KiB", "red", "top" if arena > budget else "bottom"),
              (budget, f"budget {budget:.1f} KiB", "green", "bottom" if arena > budget else "top")]
    if arena == budget:
        labels = [(budget, f"arena = budget {budget:.1f} KiB", "green", "bottom")]
    for y, text, colour, va in labels:
        ax.text(steps, y, f" {text}", color=colour, va=va, ha="right", fontsize=8,
                zorder=5, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7,
                                "pad": 1})
    ax.set_xlim(0, steps)
    ax.set_ylim(0, top)
    ax.set_xlabel("plan step")
    ax.set_ylabel("offset in the fast arena (KiB)")
    tiled = sum(s["strategy"] != "flat" for s in stages)
    ax.set_title(f"{r['model']}: fast arena over {steps} steps, {len(stages)} stages"
                 f"{f' ({tiled} tiled)' if tiled else ''}")
    handles = [plt.Line2D([], [], color="red", linewidth=1.2, label=f"arena {arena:.1f} KiB"),
               plt.Line2D([], [], color="green", linestyle="--", linewidth=1.2,
                          label=f"budget {budget:.1f} KiB")]
    shown = {s["strategy"] for s in stages}
    handles += [Patch(color=c, label=f"{k} stage") for k, c in STRATEGY_COLOURS.items()
                if k in shown]
    if "flat" in shown:
        handles.append(Patch(color=FLAT[1], label="flat stages (alternating)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0,
              fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def render(r: dict, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes."""
    import matplotlib.pyplot as plt
    fig = draw(r)
    try:
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=110, bbox_inches="tight")
        return buf.getvalue()
    finally:
        plt.close(fig)


__all__ = ["draw", "render"]
