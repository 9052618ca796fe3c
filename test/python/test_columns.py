"""Column tiles (tigris.tiling.columns): a chain split into narrower chains,
one per band of output columns, is bit-exact with the chain it replaces;
tigris-tile takes a split when it moves fewer slow-pool bytes, and the plan
stays bit-exact with the untiled function."""
import sys
from pathlib import Path

import numpy as np
import pytest
from mlir import ir

from tigris.dialects import make_context, op_attrs
from tigris.driver import run_pipeline
from tigris.importers.onnx import import_onnx
from tigris.irgraph import compute_ops
from tigris.passes.registry import functions
from tigris.reference.interpreter import run_function
from tigris.resources import WeightTable
from tigris.tiling.columns import chain_ok, column_needs, split_columns
from tigris.tiling.rows import OpInfo

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "models"))
import column_fuzz  # noqa: E402
import random_chains  # noqa: E402
import zoo  # noqa: E402


def _outputs(fn, weights, inputs):
    return [run_function(fn, weights, [x])[0] for x in inputs]


def _legalized(path, ctx):
    res = import_onnx(str(path), ctx)
    run_pipeline(ctx, res.module, "builtin.module(tigris-legalize,tigris-schedule)", "m")
    return res, functions(res.module.operation)[0]


def test_column_needs_reads_the_columns_each_output_reads(tmp_path):
    """Every output column's window, computed one column at a time, lies in
    the columns `column_needs` names for a band, and the padding it returns
    makes the band's output width come out right."""
    ctx = make_context()
    path = tmp_path / "chain.onnx"
    random_chains.save(random_chains.chain(7), path)
    res, fn = _legalized(path, ctx)
    with ctx:
        for op in compute_ops(fn):
            info = OpInfo.of(op)
            width = info.out_shape[2]
            for a in range(width):
                for b in range(a + 1, width + 1):
                    lo, hi, left, right = column_needs(info, a, b)
                    assert 0 <= lo < hi <= info.in_shapes[0][2]
                    for c in range(a, b):
                        clo, chi, _, _ = column_needs(info, c, c + 1)
                        assert lo <= clo and chi <= hi





@pytest.mark.parametrize("seed", range(24))
def test_split_chain_is_bit_exact(seed, tmp_path):
    """Random conv / depthwise / pool chains (kernels 1-5, pads 0-2 per side,
    strides 1-2, dilation-free), split into 2 and 3 column tiles: the
    reference interpreter gives the same bytes as for the chain."""
    ch = random_chains.chain(seed, max_hw=14)
    path = tmp_path / "chain.onnx"
    random_chains.save(ch, path)
    rng = np.random.default_rng(seed)
    for tiles in (2, 3):
        ctx = make_context()
        res, fn = _legalized(path, ctx)
        with ctx:
            weights = WeightTable(res.weights)
            shape = ir.RankedTensorType(fn.regions[0].blocks[0].arguments[0].type).shape
            inputs = [rng.integers(-128, 128, shape, dtype=np.int8) for _ in range(2)]
            want = _outputs(fn, weights, inputs)
            ops = compute_ops(fn)
            narrow = ir.RankedTensorType(ops[-1].results[0].type).shape[2] < tiles
            ok = chain_ok([OpInfo.of(o) for o in ops]) and not narrow
            # (a qualifying chain is refused only when a tile's window would lie
            # wholly in some op's padding)
            done = split_columns(fn, 0, len(ops) - 1, tiles)
            assert ok or not done, ch.describe()
            if done:
                kinds = [o.name for o in compute_ops(fn)]
                assert kinds.count("tigris.insert") == tiles
                got = _outputs(fn, weights, inputs)
                for w, g in zip(want, got):
                    assert np.array_equal(w, g), ch.describe()


def test_mobilenet_v1_16k_takes_a_column_split_and_stays_bit_exact():
    """MobileNetV1 1.0/128 at 16K + 8M: the first blocks (64 columns wide)
    run as two column tiles, the plan moves fewer slow-pool bytes than the
    same search without the split, and it is bit-exact with the untiled
    function."""
    name = "mobilenet_v1_1.0_128"
    ctx = make_context()
    res = import_onnx(str(zoo.build(name)), ctx)
    run_pipeline(ctx, res.module, "builtin.module(tigris-legalize)", name)
    with ctx:
        fn = functions(res.module.operation)[0]
        weights = WeightTable(res.weights)
        shape = ir.RankedTensorType(fn.regions[0].blocks[0].arguments[0].type).shape
        inputs = [np.random.default_rng(s).integers(-128, 128, shape, dtype=np.int8)
                  for s in range(2)]
        want = _outputs(fn, weights, inputs)
    run_pipeline(ctx, res.module, "builtin.module(tigris-schedule,"
                 "tigris-tile{budget=16K slow=8M},tigris-bufferize,tigris-liveness,"
                 "tigris-assign-offsets)", name)
    with ctx:
        attrs = op_attrs(fn)
        t = attrs["tigris.tiling"]
        assert t["fits"] and attrs["tigris.arena"]["size"] <= 16 << 10
        assert t["column_split"].startswith("conv0..")
        # Without the split the same search moves 1,273,600 bytes (bench/vs_tigris_ml.txt).
        assert t["slow_traffic"] < 1_000_000
        assert t["macs"] <= 1.10 * t["model_macs"]
        got = _outputs(fn, weights, inputs)
    for w, g in zip(want, got):
        assert np.array_equal(w, g)


def test_most_random_chains_qualify(tmp_path):
    """The chains of the bit-exactness test are mostly split (not one with a
    separate pad op, say), so that test checks real splits."""
    count = 0
    for seed in range(24):
        path = tmp_path / f"c{seed}.onnx"
        random_chains.save(random_chains.chain(seed, max_hw=14), path)
        ctx = make_context()
        _, fn = _legalized(path, ctx)
        with ctx:
            ops = compute_ops(fn)
            count += split_columns(fn, 0, len(ops) - 1, 2)
    assert count >= 12


def test_forced_column_tiles_are_bit_exact_on_the_c_runtime():
    """Random chains split into 2 and 3 column tiles whatever the cost model
    says (column_fuzz.forced), planned with and without a slow pool: every
    plan equals the flat plan on the C runtime, byte for byte. (The long
    run: bench/column_fuzz.py.)"""
    compared = 0
    for seed in range(6):
        finding, n = column_fuzz.check(seed, "reference" if seed % 2 == 0 else "esp32s3")
        assert finding is None, f"seed {seed}: {finding}"
        compared += n
    assert compared >= 12
