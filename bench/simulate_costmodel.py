"""Calibrate the tiling cost model (python/tigris/costmodel.py) on measured runs.

Every zoo model's untiled plan and its plans at 256K..16K run on the simulated
Xtensa core (tools/iss); each kernel call's instructions are counted on their
own (the runtime's per-call function is wrapped at link time), and the
executor's own instructions (resolving a call's operands) are shared out
evenly over the plan's calls. Kernel kinds no zoo plan uses are measured on
model-sized seeded cases of the kernel harness (tools/iss/kcall.c, kcases.py).

Model (costmodel.op_cost's form): instructions(call) = PER_CALL + PER_MAC[kind]
* work. PER_CALL is measured, not fitted (a free intercept is poorly
determined by calls spanning 10^2..10^9 instructions): the executor's
instructions per call in the plans plus the median over kinds of the
cheapest small call on the kernel harness. PER_MAC[kind] is then fitted by
least squares on relative error. For reference also: a per-kind intercept,
and a form with a per-output-element term. Then per plan: predicted vs measured instructions with
the constants in costmodel.py now and with the fitted ones, and the predicted
vs measured ratio to the untiled plan (what the tiler chooses by).

Usage: python bench/simulate_costmodel.py [--models a,b] [--budgets ...]
Recorded: bench/simulate_costmodel.txt
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict

import numpy as np

from simulate_common import MODELS, measure
from tigris import costmodel
from tigris import simulate as sim

sys.path.insert(0, str(sim.ISS))
import kcall  # noqa: E402
import kcases  # noqa: E402


def plan_samples(m) -> list[tuple[str, int, float, int]]:
    """(kind, MACs, instructions, output elements) per call of a measured plan."""
    r = m.run
    share = (r.run - sum(r.calls)) / max(len(r.calls), 1)
    return [(c.kernel.name, sim.call_work(r.plan, c), n + share,
             r.plan.tensors[c.slot("output")].count) for c, n in zip(r.plan.calls, r.calls)]


def harness_samples(kinds, per_kind: int = 8) -> list[tuple[str, int, float]]:
    rng = np.random.default_rng(11)
    calls = [kcases.CASES[k](rng, size="model")[0] for k in kinds for _ in range(per_kind)]
    if not calls:
        return []
    s, _ = kcall.replay(calls, host=False)
    return [(c.kind, c.work, float(n), _out_elems(c)) for c, n in zip(calls, s.counts)]


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


def fit_slopes(samples, per_call: float) -> dict:
    """PER_MAC[kind] given PER_CALL: least squares on relative error."""
    by = defaultdict(list)
    for k, w, n, _ in samples:
        by[k].append((w, n))
    out = {}
    for k, v in by.items():
        w = np.array([x for x, _ in v], float)
        n = np.array([y for _, y in v], float)
        out[k] = max(float(np.sum(w * (n - per_call) / n ** 2) / np.sum((w / n) ** 2)), 0.0)
    return out


def fit_shared(samples, per_output: bool = False):
    """(PER_CALL, {kind: PER_MAC}[, {kind: per output element}]), all fitted."""
    kinds = sorted({s[0] for s in samples})
    nk = len(kinds)
    a = np.zeros((len(samples), 1 + nk * (2 if per_output else 1)))
    y = np.zeros(len(samples))
    for i, (k, w, n, o) in enumerate(samples):
        j = kinds.index(k)
        a[i, 0], a[i, 1 + j], y[i] = 1.0, w, n
        if per_output and k in MAC_KINDS:
            a[i, 1 + nk + j] = o
    wts = 1.0 / y
    coef, *_ = np.linalg.lstsq(a * wts[:, None], y * wts, rcond=None)
    per_mac = {k: float(c) for k, c in zip(kinds, coef[1:1 + nk])}
    if not per_output:
        return float(coef[0]), per_mac
    return float(coef[0]), per_mac, {k: float(c) for k, c in zip(kinds, coef[1 + nk:])}


# Kinds whose MACs per output element vary (window or depth): where a per-output term helps.
MAC_KINDS = {"conv2d", "depthwise_conv2d", "fully_connected", "avg_pool", "max_pool"}


def fit_per_kind(samples) -> dict:
    by = defaultdict(list)
    for k, w, n, _ in samples:
        by[k].append((w, n))
    out = {}
    for k, v in by.items():
        w = np.array([x for x, _ in v], float)
        n = np.array([y for _, y in v], float)
        if len(set(w)) < 2:
            out[k] = (0.0, float(np.mean(n / np.maximum(w, 1))))
            continue
        a = np.stack([np.ones_like(w), w], 1) / n[:, None]
        (b0, b1), *_ = np.linalg.lstsq(a, np.ones_like(n), rcond=None)
        out[k] = (float(b0), float(b1))
    return out


def predict(run, per_call, per_mac, default) -> float:
    """The compute part of the cost: what the simulated core measures (it runs
    the slow pool as plain RAM, so PER_SLOW_BYTE * slow bytes is left out)."""
    p = run.plan
    return sum(per_call + per_mac.get(c.kernel.name, default) * sim.call_work(p, c)
               for c in p.calls)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--budgets", default="256K,128K,64K,32K,16K")
    args = ap.parse_args()
    runs, skipped = measure(args.models.split(","), args.budgets.split(","))
    samples = [s for m in runs for s in plan_samples(m)]
    seen = {s[0] for s in samples}
    extra = [k for k in kcases.CASES if k not in seen]
    samples += harness_samples(extra)
    executor, kernel_min = fixed_call_cost(runs)
    per_call = round(executor + kernel_min, -1)
    per_mac = fit_slopes(samples, per_call)
    per_kind = fit_per_kind(samples)
    counts = defaultdict(int)
    for s in samples:
        counts[s[0]] += 1

    print(f"samples: {len(samples)} kernel calls from {len(runs)} plans; kinds measured on the "
          f"kernel harness only: {', '.join(extra) or 'none'}\n")
    print("fitted: instructions = PER_CALL + PER_MAC[kind] * MACs (one PER_CALL)")
    print(f"  PER_CALL = {per_call:.0f}   (now {costmodel.PER_CALL}): executor {executor:.0f} per "
          f"call + cheapest kernel call {kernel_min:.0f} (median over kinds)")
    print(f"  {'kind':18s} {'calls':>6s} {'PER_MAC':>9s} {'now':>7s} | per-kind fit: "
          f"{'per call':>10s} {'per MAC':>9s}")
    for k in sorted(per_mac):
        b0, b1 = per_kind[k]
        print(f"  {k:18s} {counts[k]:6d} {per_mac[k]:9.2f} "
              f"{costmodel.PER_MAC.get(k, costmodel.DEFAULT_PER_MAC):7.1f} | "
              f"{b0:10.0f} {b1:9.2f}")

    print("\npredicted = the compute part (calls); the slow-pool term PER_SLOW_BYTE * bytes is "
          "shown apart: the simulator runs the slow pool as plain RAM")
    print(f"{'model':26s} {'budget':>9s} {'measured':>15s} {'now: predicted':>15s} {'err':>7s} "
          f"{'fitted: pred.':>15s} {'err':>7s} {'ratio meas.':>11s} {'pred.':>6s} "
          f"{'slow term':>14s}")
    now = (costmodel.PER_CALL, costmodel.PER_MAC, costmodel.DEFAULT_PER_MAC)
    fitted = (per_call, per_mac, costmodel.DEFAULT_PER_MAC)
    flat = {}
    errs_now, errs_fit, ratio_err = [], [], []
    for m in runs:
        r = m.run
        p_now, p_fit = predict(r, *now), predict(r, *fitted)
        if m.budget == "flat":
            flat[m.name] = (r.run, p_fit)
        e_now, e_fit = p_now / r.run - 1, p_fit / r.run - 1
        errs_now.append(abs(e_now))
        errs_fit.append(abs(e_fit))
        base = flat.get(m.name)
        mr, pr = (r.run / base[0], p_fit / base[1]) if base else (float("nan"),) * 2
        if base and m.budget != "flat":
            ratio_err.append(abs(pr - mr))
        print(f"{m.name:26s} {m.budget:>9s} {r.run:15,d} {p_now:15,.0f} {e_now:+7.1%} "
              f"{p_fit:15,.0f} {e_fit:+7.1%} {mr:11.3f} {pr:6.3f} "
              f"{costmodel.PER_SLOW_BYTE * r.slow_bytes:14,.0f}")
    print(f"\nmean |error| per plan: now {np.mean(errs_now):.1%}, fitted {np.mean(errs_fit):.1%} "
          f"(max {np.max(errs_fit):.1%}); mean |ratio error| vs untiled: "
          f"{np.mean(ratio_err) if ratio_err else 0:.4f}")
    # A richer form for comparison: + PER_OUTPUT[kind] * output elements for MAC kinds
    # (the requantization of every output: ~100+ instructions on this core).
    c3, m3, o3 = fit_shared(samples, per_output=True)
    e3 = []
    for m in runs:
        p = m.run.plan
        pred = sum(c3 + m3[c.kernel.name] * sim.call_work(p, c) +
                   o3.get(c.kernel.name, 0.0) * p.tensors[c.slot("output")].count
                   for c in p.calls)
        e3.append(abs(pred / m.run.run - 1))
    print(f"with a per-output-element term (PER_CALL {c3:.0f}; per output: " +
          ", ".join(f"{k} {o3[k]:.0f}" for k in sorted(MAC_KINDS & set(o3))) +
          f"; per MAC: " + ", ".join(f"{k} {m3[k]:.2f}" for k in sorted(MAC_KINDS & set(m3))) +
          f"): mean |error| {np.mean(e3):.1%}, max {np.max(e3):.1%}")
    if skipped:
        print("\nnot compiled: " + "; ".join(skipped))
    print("\nfor python/tigris/costmodel.py:")
    print(f"PER_CALL = {round(per_call, -1):.0f}")
    print("PER_MAC = {" + ", ".join(f'"{k}": {v:.1f}' for k, v in sorted(per_mac.items())) + "}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
