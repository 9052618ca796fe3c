"""Tiny random int8 conv/depthwise/pool chains, built directly as QDQ ONNX
models with fixed scales (no float model, no onnxruntime calibration), for
the randomized planning test (test_planning_random_chains.py).

`chain(seed)` draws an input of 4-12 x 4-12 rows/columns and 1-8 channels
and 1-4 ops, each one of: a convolution (kernel 1-5, pads 0-2 per side,
stride 1-2, groups 1/2/4 where the channels allow, an optional fused Relu),
a depthwise convolution (channel multiplier 1 or 2), a MaxPool or an
AveragePool (pads below the kernel, as ONNX requires, and no wider than the
input, as the runtime requires; count_include_pad 0 or 1). Every op is fitted to the tensor it receives (a kernel larger than the
padded input shrinks, a stride that would leave fewer than two rows or
columns mostly becomes 1), so any seed gives a valid model. The model has
the form `tigris quantize` writes: QuantizeLinear/DequantizeLinear around
every activation, int8 per-channel weights and int32 biases behind
DequantizeLinear. (Within 1 LSB of onnxruntime on 60 seeds, checked once.)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


@dataclass
class Chain:
    seed: int
    shape: tuple                    # (1, C, H, W)
    ops: list = field(default_factory=list)   # one dict per op, as fitted
    model: onnx.ModelProto | None = None

    def describe(self) -> str:
        parts = [f"input {'x'.join(map(str, self.shape))}"]
        for op in self.ops:
            parts.append(op["kind"] + "(" + ", ".join(f"{k}={v}" for k, v in op.items()
                                                       if k != "kind") + ")")
        return "; ".join(parts)


def _out(size: int, k: int, s: int, lo: int, hi: int) -> int:
    return (size + lo + hi - k) // s + 1


class _Graph:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.nodes, self.inits = [], []
        self.count = 0

    def name(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def const(self, value, dtype) -> str:
        name = self.name("c")
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype), name))
        return name

    def node(self, op: str, ins, **attrs) -> str:
        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, list(ins), [out], name=out, **attrs))
        return out

    def qdq(self, x: str, scale: float, zp: int) -> str:
        """x (float) -> QuantizeLinear -> DequantizeLinear with one int8 scale/zero point."""
        s, z = self.const(scale, np.float32), self.const(zp, np.int8)
        return self.node("DequantizeLinear", [self.node("QuantizeLinear", [x, s, z]), s, z])


def _draw_op(rng: np.random.Generator) -> dict:
    kind = str(rng.choice(["conv", "conv", "depthwise", "maxpool", "avgpool"]))
    op = {"kind": kind, "k": int(rng.integers(1, 6)), "s": int(rng.integers(1, 3)),
          "pads": [int(p) for p in rng.integers(0, 3, 4)]}
    if kind == "conv":
        op["cout"] = int(rng.choice([1, 2, 4, 6, 8]))
        op["groups"] = int(rng.choice([1, 1, 2, 4]))
        op["relu"] = bool(rng.random() < 0.5)
    elif kind == "depthwise":
        op["mult"] = int(rng.choice([1, 1, 2]))
        op["relu"] = bool(rng.random() < 0.5)
    elif kind == "avgpool":
        op["include_pad"] = int(rng.integers(0, 2))
    return op


def chain(seed: int, max_ops: int = 4, max_hw: int = 12, max_c: int = 8) -> Chain:
    """The seeded random chain, its QDQ model built (larger limits: for long runs)."""
    rng = np.random.default_rng(seed)
    c = int(rng.integers(1, max_c + 1))
    h, w = int(rng.integers(4, max_hw + 1)), int(rng.integers(4, max_hw + 1))
    ch = Chain(seed, (1, c, h, w))
    g = _Graph(rng)
    scale, zp = 0.05, int(rng.integers(-20, 21))
    x = g.qdq("x", scale, zp)
    for _ in range(int(rng.integers(1, max_ops + 1))):
        op = _draw_op(rng)
        kind, k, s, pads = op["kind"], op["k"], op["s"], op["pads"]
        if kind in ("maxpool", "avgpool"):
            pads = [min(p, k - 1) for p in pads]          # ONNX: a pad below the kernel
        k = min(k, h + pads[0] + pads[2], w + pads[1] + pads[3])
        if kind in ("maxpool", "avgpool"):
            pads = [min(p, k - 1) for p in pads]
            # and no wider than the input (the runtime's pool check; tigris refuses more)
            pads = [min(p, n) for p, n in zip(pads, (h, w, h, w))]
            k = min(k, h + pads[0] + pads[2], w + pads[1] + pads[3])
            pads = [min(p, k - 1) for p in pads]
        if (_out(h, k, s, pads[0], pads[2]) < 2 or _out(w, k, s, pads[1], pads[3]) < 2) \
                and rng.random() < 0.7:
            s = 1               # mostly; else a stride that leaves one row or column
        oh, ow = _out(h, k, s, pads[0], pads[2]), _out(w, k, s, pads[1], pads[3])
        op.update(k=k, s=s, pads=pads)
        attrs = dict(kernel_shape=[k, k], strides=[s, s], pads=pads)
        if kind in ("conv", "depthwise"):
            if kind == "depthwise":
                group, cout = c, c * op["mult"]
            else:
                group = op["groups"] if c % op["groups"] == 0 else 1
                cout = max(group, op["cout"] - op["cout"] % group)
                op.update(groups=group, cout=cout)
            fan_in = c // group * k * k
            wq = rng.integers(-127, 128, (cout, c // group, k, k))
            ws = (0.5 + rng.random(cout)) / 127 / np.sqrt(fan_in)
            bq = rng.integers(-2000, 2001, cout)
            wname = g.node("DequantizeLinear", [g.const(wq, np.int8), g.const(ws, np.float32),
                                                g.const(np.zeros(cout), np.int8)], axis=0)
            bname = g.node("DequantizeLinear", [g.const(bq, np.int32),
                                                g.const(ws * scale, np.float32),
                                                g.const(np.zeros(cout), np.int32)], axis=0)
            y = g.node("Conv", [x, wname, bname], group=group, **attrs)
            if op["relu"]:
                y = g.node("Relu", [y])
            # weights of scale ~1/(127 sqrt(fan_in)): a sum about 40 input steps wide,
            # spread over a few dozen output steps by an output scale near the input's
            scale, zp = scale * float(rng.uniform(0.6, 1.6)), int(rng.integers(-20, 21))
            c = cout
        elif kind == "maxpool":
            y = g.node("MaxPool", [x], **attrs)
        else:
            y = g.node("AveragePool", [x], count_include_pad=op["include_pad"], **attrs)
            zp = int(rng.integers(-20, 21))
        x = g.qdq(y, scale, zp)
        h, w = oh, ow
        ch.ops.append(op)
    graph = helper.make_graph(
        g.nodes, f"chain{seed}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(ch.shape))],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, c, h, w])], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    ch.model = model
    return ch


# --- the planning check --------------------------------------------------------

SLOW = 8 << 20
FRACTIONS = (0.75, 0.5, 0.3, 0.15)     # of the flat plan's fast arena
FLOOR = 4096                           # the smallest fixed budget tried


def budgets(flat_arena: int) -> list[int]:
    """Fast budgets for a model whose flat plan needs `flat_arena` bytes: that
    size, 4K, and fractions of it (at least 64 bytes), each once."""
    sizes = [flat_arena, FLOOR] + [max(64, int(flat_arena * f)) for f in FRACTIONS]
    return list(dict.fromkeys(sizes))


@dataclass
class Outcome:
    cases: int = 0              # plan attempts at a budget
    planned: int = 0            # ... that gave a plan, equal to the flat plan's output
    refused: int = 0            # ... refused in one line as not fitting
    tightest: int = 0           # attempts at the smallest budget a refusal named
    tightest_refused: int = 0   # ... refused again
    findings: list = field(default_factory=list)   # internal errors, mismatches


def _needed(message: str) -> int | None:
    import re
    found = re.search(r"the plan needs [^(]*\((\d+) bytes\)", message)
    return int(found.group(1)) if found else None


def check(path: str, target: str, seed: int, out: Outcome) -> None:
    """Plan the model at `path` for `target` flat, then at every budget of
    `budgets` with and without an 8 MiB slow pool, and after the last refusal
    of each pool setting at the smallest budget it named (`out.tightest`; a
    second refusal there is counted, not a finding). Every plan runs on a
    seeded input through the plan executor (tigris.plan.execute) and must give
    the flat plan's bytes; every refusal must be the one-line BudgetError
    (tigris.errors, exit 3). Anything else, another TigrisError included (the
    flat plan compiled), is a finding in `out.findings`: one line naming the case."""
    import numpy as np

    from tigris.budget import Budget
    from tigris.errors import BudgetError
    from tigris.plan.compiler import compile_onnx
    from tigris.plan.execute import run_plan
    from tigris.plan.reader import read_plan
    from tigris.plan.verify_tiling import seeded_inputs

    def finding(label, e):
        out.findings.append(f"seed {seed} {target} {label}: {type(e).__name__}: "
                            f"{str(e).splitlines()[0] if str(e) else ''}")

    try:     # every chain is a supported form: even a one-line refusal is a finding here
        flat = compile_onnx(path, Budget(1 << 30), target, tile=False)
    except Exception as e:                   # noqa: BLE001 - an internal error is a finding
        finding("flat", e)
        return
    plan = read_plan(flat.data)
    inputs = seeded_inputs(plan, 1, seed)[0]
    want = run_plan(plan, inputs)

    def attempt(fast: int, slow: int) -> int | None:
        """Plan at fast+slow; the bytes a refusal says the plan needs, else None."""
        label = f"-m {fast}" + (f"+{slow}" if slow else "")
        out.cases += 1
        try:
            c = compile_onnx(path, Budget(fast, slow), target)
        except BudgetError as e:
            if "\n" in str(e):
                out.findings.append(f"seed {seed} {target} {label}: a refusal of several lines")
            out.refused += 1
            return _needed(str(e))
        except Exception as e:               # noqa: BLE001 - an internal error is a finding
            finding(label, e)
            return None
        got = run_plan(read_plan(c.data), inputs)
        for w, g in zip(want, got):
            if not np.array_equal(w, g):
                out.findings.append(f"seed {seed} {target} {label}: "
                                    f"{int(np.count_nonzero(w != g))} of {w.size} output bytes "
                                    "differ from the flat plan")
                return None
        out.planned += 1
        return None

    for slow in (0, SLOW):
        need = None
        for fast in budgets(flat.arena):
            need = attempt(fast, slow) or need
        if need is not None and need < flat.arena and need not in budgets(flat.arena):
            out.tightest += 1
            out.tightest_refused += attempt(need, slow) is not None


def save(ch: Chain, path) -> None:
    onnx.save(ch.model, str(path))


if __name__ == "__main__":     # the model of one seed, to reproduce a case with tigris
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seed", type=int)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    ch = chain(args.seed)
    save(ch, args.output)
    print(ch.describe())
