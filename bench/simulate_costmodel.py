"""Calibrate the tiling cost model (python/tigris/costmodel.py, the per-kind constants
in the kernel registry python/tigris/kernels/) on measured runs.

Every zoo model's untiled plan and its plans at 256K..16K run on the simulated
Xtensa core (tools/iss); each kernel call's instructions are counted on their
own (the runtime's per-call function is wrapped at link time), and the
executor's own instructions (resolving a call's operands) are shared out
evenly over the plan's calls. Kernel kinds no zoo plan uses are measured on
model-sized seeded cases of the kernel harness (tools/iss/kcall.c, kcases.py).

Model (costmodel.op_cost's form): instructions(call) = PER_CALL
  + PER_MAC[kind] * work + PER_OUT[kind] * output elements
  + PER_TAP[kind] * output elements * window (kh * kw of a conv2d's filter).
PER_CALL is measured, not fitted (a free intercept is poorly determined by
calls spanning 10^2..10^9 instructions): the executor's instructions per call
in the plans plus the median over kinds of the cheapest small call on the
kernel harness. Then per kind, least squares on relative error: work for
every kind, output elements for the kinds whose work per output varies
(OUT_KINDS), the window term for TAP_KINDS; a term that comes out negative
is dropped and the kind refitted. For comparison the earlier form
(PER_CALL + PER_MAC * work alone, refitted on the same samples). Then per
plan: measured instructions, predicted with the constants in costmodel.py
now (through costmodel.op_cost itself) and with the fitted ones, the errors,
and the predicted vs measured ratio to the untiled plan (what the tiler
chooses by); the mean and max |error| over the plans.

Usage: python bench/simulate_costmodel.py [--models a,b] [--budgets ...]
Recorded: bench/simulate_costmodel.txt
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from simulate_common import MODELS, measure
from tigris import costmodel
from tigris import simulate as sim

sys.path.insert(0, str(sim.ISS))
import kcall  # noqa: E402
import kcases  # noqa: E402

# Kinds whose work per output element varies (a window or a depth): a per-output
# term; and kinds whose inner loop (input channels) is set up once per filter
# position: a per-tap term. Both are the kinds whose registry entry has the term.
OUT_KINDS = set(costmodel.PER_OUT)
TAP_KINDS = set(costmodel.PER_TAP)


@dataclass
class Sample:
    kind: str
    work: int            # MACs (element operations for non-MAC kernels), sim.call_work
    out: int             # output elements
    window: int          # filter positions per output (kh * kw of conv2d), else 1
    insns: float         # measured instructions (in a plan: + the executor's share)


def call_window(plan, call) -> int:
    if call.kernel.name != "conv2d":
        return 1
    w = plan.tensors[call.slot("weights")].shape     # [cout, kh, kw, cin]
    return w[1] * w[2]


def call_args(plan, call) -> tuple[str, int, int, int]:
    """op_cost's arguments for a plan call."""
    return (call.kernel.name, sim.call_work(plan, call),
            plan.tensors[call.slot("output")].count, call_window(plan, call))


def plan_samples(m) -> list[Sample]:
    r = m.run
    share = (r.run - sum(r.calls)) / max(len(r.calls), 1)
    return [Sample(*call_args(r.plan, c), n + share) for c, n in zip(r.plan.calls, r.calls)]


def harness_samples(kinds, per_kind: int = 8) -> list[Sample]:
    """Model-sized kernel cases (kinds no plan has; none of them is in TAP_KINDS)."""
    rng = np.random.default_rng(11)
    calls = [kcases.CASES[k](rng, size="model")[0] for k in kinds for _ in range(per_kind)]
    if not calls:
        return []
    s, _ = kcall.replay(calls, host=False)
    return [Sample(c.kind, c.work, _out_elems(c), 1, float(n)) for c, n in zip(calls, s.counts)]


def _out_elems(call) -> int:
    return next(a.extra for a in call.args if a.kind == kcall.OUT)


def fixed_call_cost(runs) -> tuple[float, float]:
    """(executor instructions per call in the plans, median over kinds of the
    cheapest small call on the kernel harness)."""
    ex = [(m.run.run - sum(m.run.calls)) / len(m.run.calls) for m in runs if m.run.calls]
    rng = np.random.default_rng(12)
    calls = [kcases.CASES[k](rng, size="small")[0] for k in kcases.CASES for _ in range(8)]
    s, _ = kcall.replay(calls, host=False)
    cheapest = defaultdict(lambda: float("inf"))
    for c, n in zip(calls, s.counts):
        cheapest[c.kind] = min(cheapest[c.kind], n)
    return float(np.mean(ex)), float(np.median(list(cheapest.values())))


TERMS = ("mac", "out", "tap")


def features(kind: str, work: int, out: int, window: int, form: str) -> dict:
    f = {"mac": float(work)}
    if form == "full":
        if kind in OUT_KINDS:
            f["out"] = float(out)
        if kind in TAP_KINDS:
            f["tap"] = float(out) * window
    return f


def fit(samples: list[Sample], per_call: float, form: str = "full") -> dict:
    """{kind: {term: constant}} given PER_CALL: least squares on relative error,
    terms with a negative fit dropped one at a time."""
    by = defaultdict(list)
    for s in samples:
        by[s.kind].append(s)
    out = {}
    for kind, ss in by.items():
        y = np.array([s.insns for s in ss])
        terms = list(features(kind, 1, 1, 1, form))
        while True:
            x = np.array([[features(kind, s.work, s.out, s.window, form)[t] for t in terms]
                          for s in ss])
            coef, *_ = np.linalg.lstsq(x / y[:, None], (y - per_call) / y, rcond=None)
            if len(terms) == 1 or coef.min() >= 0:
                break
            terms.pop(int(np.argmin(coef)))
        c = {t: max(float(v), 0.0) for t, v in zip(terms, coef)}
        out[kind] = {t: c.get(t, 0.0) for t in TERMS}
    return out


def call_cost(consts, per_call, kind, work, out, window) -> float:
    c = consts.get(kind) or consts[costmodel.DEFAULT_KIND]
    return per_call + c["mac"] * work + c["out"] * out + c["tap"] * out * window


def now_consts() -> dict:
    return {k: {"mac": costmodel.PER_MAC[k], "out": costmodel.PER_OUT.get(k, 0.0),
                "tap": costmodel.PER_TAP.get(k, 0.0)} for k in costmodel.PER_MAC}


def predict(run, per_call=None, consts=None) -> float:
    """The compute part of the cost: what the simulated core measures (it runs
    the slow pool as plain RAM, so PER_SLOW_BYTE * slow bytes is left out).
    Without constants: costmodel.op_cost as the tiler calls it."""
    p = run.plan
    if consts is None:
        return sum(costmodel.op_cost(*call_args(p, c)) for c in p.calls)
    return sum(call_cost(consts, per_call, *call_args(p, c)) for c in p.calls)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--budgets", default="256K,128K,64K,32K,16K")
    args = ap.parse_args()
    runs, skipped = measure(args.models.split(","), args.budgets.split(","))
    samples = [s for m in runs for s in plan_samples(m)]
    seen = {s.kind for s in samples}
    extra = [k for k in kcases.CASES if k not in seen]
    samples += harness_samples(extra)
    executor, kernel_min = fixed_call_cost(runs)
    per_call = round(executor + kernel_min, -1)
    full = fit(samples, per_call, "full")
    mac_only = fit(samples, per_call, "mac")
    by = defaultdict(list)
    for s in samples:
        by[s.kind].append(s)

    def call_err(consts, kind):
        return np.mean([abs(call_cost(consts, per_call, kind, s.work, s.out, s.window) /
                            s.insns - 1) for s in by[kind]])

    now = now_consts()
    print(f"samples: {len(samples)} kernel calls from {len(runs)} plans; kinds measured on the "
          f"kernel harness only: {', '.join(extra) or 'none'}\n")
    print("fitted: instructions = PER_CALL + PER_MAC[kind] * MACs + PER_OUT[kind] * outputs"
          " + PER_TAP[kind] * outputs * window")
    print(f"  PER_CALL = {per_call:.0f}   (now {costmodel.PER_CALL}): executor {executor:.0f} per "
          f"call + cheapest kernel call {kernel_min:.0f} (median over kinds)")
    print(f"  {'kind':18s} {'calls':>6s} {'PER_MAC':>8s} {'PER_OUT':>8s} {'PER_TAP':>8s} "
          f"{'|err|/call':>10s} | now: {'MAC':>8s} {'OUT':>7s} {'TAP':>6s} | MACs only: "
          f"{'PER_MAC':>8s} {'|err|/call':>10s}")
    for k in sorted(full):
        c, n = full[k], now.get(k, now[costmodel.DEFAULT_KIND])
        print(f"  {k:18s} {len(by[k]):6d} {c['mac']:8.2f} {c['out']:8.1f} {c['tap']:8.1f} "
              f"{call_err(full, k):10.1%} |      {n['mac']:8.2f} {n['out']:7.1f} {n['tap']:6.1f} | "
              f"{'':11s}{mac_only[k]['mac']:8.2f} {call_err(mac_only, k):10.1%}")

    print("\npredicted = the compute part (calls); the slow-pool term PER_SLOW_BYTE * bytes is "
          "shown apart: the simulator runs the slow pool as plain RAM")
    print(f"{'model':26s} {'budget':>8s} {'measured':>15s} {'now: predicted':>15s} {'err':>7s} "
          f"{'fitted: pred.':>15s} {'err':>7s} {'MACs only':>9s} {'ratio meas.':>11s} "
          f"{'pred.':>6s} {'slow term':>14s}")
    flat = {}
    errs = defaultdict(list)
    ratio_err = []
    for m in runs:
        r = m.run
        p_now, p_fit = predict(r), predict(r, per_call, full)
        p_mac = predict(r, per_call, mac_only)
        if m.budget == "flat":
            flat[m.name] = (r.run, p_fit)
        e = {"now": p_now / r.run - 1, "fit": p_fit / r.run - 1, "mac": p_mac / r.run - 1}
        for key, v in e.items():
            errs[key].append(abs(v))
        base = flat.get(m.name)
        mr, pr = (r.run / base[0], p_fit / base[1]) if base else (float("nan"),) * 2
        if base and m.budget != "flat":
            ratio_err.append(abs(pr - mr))
        print(f"{m.name:26s} {m.budget:>8s} {r.run:15,d} {p_now:15,.0f} {e['now']:+7.1%} "
              f"{p_fit:15,.0f} {e['fit']:+7.1%} {e['mac']:+9.1%} {mr:11.3f} {pr:6.3f} "
              f"{costmodel.PER_SLOW_BYTE * r.slow_bytes:14,.0f}")
    print(f"\n|error| per plan ({len(runs)} plans): now mean {np.mean(errs['now']):.1%} max "
          f"{np.max(errs['now']):.1%}; fitted mean {np.mean(errs['fit']):.1%} max "
          f"{np.max(errs['fit']):.1%}; MACs-only form refitted: mean {np.mean(errs['mac']):.1%} "
          f"max {np.max(errs['mac']):.1%}")
    print(f"mean |ratio error| vs untiled (fitted): "
          f"{np.mean(ratio_err) if ratio_err else 0:.4f}")
    if skipped:
        print("\nnot compiled: " + "; ".join(skipped))
    print("\nfor python/tigris/costmodel.py:")
    print(f"PER_CALL = {per_call:.0f}")
    print("\nfor the kernel registry entries (python/tigris/kernels/):")
    for k, c in sorted(full.items()):
        terms = [f"per_mac={c['mac']:.2f}"]
        if k in OUT_KINDS:
            terms.append(f"per_out={c['out']:.1f}")
        if k in TAP_KINDS:
            terms.append(f"per_tap={c['tap']:.1f}")
        print(f"{k}: " + ", ".join(terms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
