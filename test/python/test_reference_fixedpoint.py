"""The fixed-point primitives and table/parameter builders of
tigris.reference.fixedpoint against plain-Python integer versions of the
docs/kernels.md formulas (hand cases, edges, and random vectors)."""
import math

import numpy as np

from scalar_reference import I32MAX, I32MIN, clamp, py_rdbpot, py_requant, py_srdhm
from tigris.reference import fixedpoint as F


def test_srdhm_hand_cases():
    cases = [(I32MIN, I32MIN, I32MAX), (I32MIN, I32MAX, -I32MAX), (I32MAX, I32MAX, I32MAX - 1),
             (1 << 30, 1 << 30, 1 << 29), (0, I32MIN, 0),
             (3, 1 << 30, 2),     # 1.5 -> 2
             (-3, 1 << 30, -1),   # -1.5 -> -1 (the 1 - 2^30 nudge: ties go up)
             (-5, 1 << 30, -2),   # -2.5 -> -2
             (-7, 1 << 29, -2)]   # -1.75 -> -2
    for a, b, want in cases:
        assert F.srdhm(a, b) == want, (a, b)
    v = F.srdhm(np.array([I32MIN, 3, -3]), np.array([I32MIN, 1 << 30, 1 << 30]))
    assert v.dtype == np.int32 and v.tolist() == [I32MAX, 2, -1]


def test_rdbpot_hand_cases():
    cases = [(3, 1, 2), (-3, 1, -2),   # +-1.5 -> +-2 (away from zero)
             (-5, 2, -1), (-6, 2, -2), (5, 2, 1), (6, 2, 2), (12345, 0, 12345),
             (I32MIN, 31, -1), (I32MAX, 31, 1), (-(1 << 30), 31, -1), (1 << 30, 31, 1)]
    for x, e, want in cases:
        assert F.rdbpot(x, e) == want, (x, e)
    assert F.rdbpot(np.array([-3, 3, -6]), np.array([1, 1, 2])).tolist() == [-2, 2, -2]


def test_requant_hand_cases():
    cases = [(100, 1 << 30, 2, 200),                 # shift > 0: 100 * 4 * 0.5
             (1 << 30, 1 << 30, 2, 1 << 30),         # acc << 2 saturates to INT32_MAX
             (-(1 << 30), 1 << 30, 2, -(1 << 30)),   # saturates to INT32_MIN
             (-(1 << 30), 1 << 30, 40, -(1 << 30)),  # huge left shift: saturation
             (1000, 1 << 30, -3, 63), (-1000, 1 << 30, -3, -63),  # +-62.5 -> +-63
             (-1, 1 << 30, 0, 0)]                    # -0.5 -> 0 in srdhm
    for acc, m, sh, want in cases:
        assert F.requant(acc, m, sh) == want, (acc, m, sh)
    acc = np.array([[100, -100], [7, -7]], dtype=np.int32)
    out = F.requant(acc, np.array([1 << 30, 3 << 29]), np.array([0, -1]))
    assert out.dtype == np.int32 and out.tolist() == [[50, -38], [4, -3]]


def test_fixedpoint_vectorized_matches_scalar():
    rng = np.random.default_rng(1)
    n = 4000
    extremes = np.array([I32MIN, I32MIN + 1, -1, 0, 1, I32MAX - 1, I32MAX], dtype=np.int64)
    a = np.concatenate([rng.integers(I32MIN, I32MAX, n, endpoint=True),
                        rng.integers(-1 << 20, 1 << 20, n), np.repeat(extremes, 7)])
    b = np.concatenate([rng.integers(I32MIN, I32MAX, n, endpoint=True),
                        rng.integers(1 << 30, I32MAX, n), np.tile(extremes, 7)])
    e = rng.integers(0, 32, a.size)
    s = rng.integers(-31, 12, a.size)
    got_s, got_r, got_q = F.srdhm(a, b), F.rdbpot(a, e), F.requant(a, b, s)
    for i in range(a.size):
        ai, bi = int(a[i]), int(b[i])
        assert got_s[i] == py_srdhm(ai, bi)
        assert got_r[i] == py_rdbpot(ai, int(e[i]))
        assert got_q[i] == py_requant(ai, bi, int(s[i]))


def _py_requant_single(acc: int, m: int, sh: int) -> int:
    """TFLITE_SINGLE_ROUNDING in Python integers: round(acc * m / 2^(31 - sh)),
    ties toward +inf (floor of value + 1/2), saturated to int32."""
    t = 31 - sh
    return clamp((acc * m + (1 << (t - 1))) >> t, I32MIN, I32MAX)


def test_requant_single_hand_cases():
    cases = [(100, 1 << 30, 2, 200),                 # 100 * 0.5 * 4
             (1000, 1 << 30, -3, 63), (-1000, 1 << 30, -3, -62),  # +-62.5: ties toward +inf
             (-1, 1 << 30, 0, 0), (1, 1 << 30, 0, 1),  # +-0.5
             (I32MAX, I32MAX, 30, I32MAX),           # saturates
             (I32MIN, I32MAX, 30, I32MIN),
             (I32MIN, I32MAX, -31, -1), (I32MAX, I32MAX, -31, 1)]
    for acc, m, sh, want in cases:
        assert F.requant(acc, m, sh, "single") == want, (acc, m, sh)
        assert _py_requant_single(acc, m, sh) == want, (acc, m, sh)
    # Where double rounding rounds up a value below .5 (12 * 0.122 = 1.46 -> 2).
    assert F.requant(12, 1 << 30, -2, "double") == 2
    assert F.requant(12, 1 << 30, -2, "single") == 2   # 1.5 exactly: ties up
    assert F.requant(12, 1047527424, -2, "single") == 1 and \
        F.requant(12, 1047527424, -2, "double") == 2      # 1.4634: double rounding gives 2


def test_requant_single_vectorized_matches_scalar():
    rng = np.random.default_rng(2)
    n = 4000
    extremes = np.array([I32MIN, I32MIN + 1, -1, 0, 1, I32MAX - 1, I32MAX], dtype=np.int64)
    a = np.concatenate([rng.integers(I32MIN, I32MAX, n, endpoint=True),
                        rng.integers(-1 << 20, 1 << 20, n), np.repeat(extremes, 7)])
    b = np.concatenate([rng.integers(-I32MAX, I32MAX, n, endpoint=True),
                        rng.integers(1 << 30, I32MAX, n), np.abs(np.tile(extremes, 7)) % (1 << 31)])
    s = rng.integers(-31, 31, a.size)
    got = F.requant(a, b, s, "single")
    for i in range(a.size):
        assert got[i] == _py_requant_single(int(a[i]), int(b[i]), int(s[i]))


def test_requant_single_rejects_shifts_out_of_range():
    for sh in (-32, 31):
        try:
            F.requant(1, 1 << 30, sh, "single")
        except ValueError as e:
            assert "[-31, 30]" in str(e)
        else:
            raise AssertionError(f"shift {sh} accepted")


def test_round_half_away():
    assert F.round_half_away(2.5) == 3.0 and F.round_half_away(-2.5) == -3.0
    assert F.round_half_away(0.49999999999999994) == 0.0   # floor(x + 0.5) would give 1
    assert F.round_half_away(-0.5) == -1.0 and F.round_half_away(1.4999) == 1.0
    assert F.round_half_away(np.array([0.5, 1.5, -1.5, 2.0])).tolist() == [1, 2, -2, 2]


def test_quantize_multiplier_edges():
    cases = [(0.0, (0, 0)), (0.5, (1 << 30, 0)), (1.0, (1 << 30, 1)), (0.75, (3 << 29, 0)),
             (3.0, (3 << 29, 2)), (-0.75, (-(3 << 29), 0)),
             (1 - 2.0**-40, (1 << 30, 1)),                   # the 2^31 carry
             (0.5 + 2.0**-32, ((1 << 30) + 1, 0)),           # tie: away from zero
             (0.5 + 3 * 2.0**-32, ((1 << 30) + 2, 0)),
             (2.0**-32, (1 << 30, -31)), (2.0**-33, (0, 0))]  # e < -31 -> (0, 0)
    for real, want in cases:
        assert F.quantize_multiplier(real) == want, real
    rng = np.random.default_rng(2)
    for r in rng.uniform(1e-6, 50.0, 200):
        m, e = F.quantize_multiplier(r)
        assert (1 << 30) <= m < (1 << 31)
        assert abs(m * 2.0 ** (e - 31) - r) <= r * 2.0**-31


def test_table_builders():
    # As onnxruntime runs DequantizeLinear -> f -> QuantizeLinear: float32, half to even.
    t = F.onnx_lut_tables(lambda v: np.maximum(v, 0.0), 0.1, -10, 0.05, -128)[0].tolist()
    assert len(t) == 256 and all(-128 <= v <= 127 for v in t)
    for q in (-128, -10, -5, 0, 127):
        x = max(np.float32(q + 10) * np.float32(0.1), np.float32(0.0))
        want = clamp(int(np.rint(np.float32(x) / np.float32(0.05))) - 128, -128, 127)
        assert t[q + 128] == want
    ex = F.softmax_exp_table(0.1)
    assert ex[255] == 1 << 20 and ex[254] == round(2**20 * math.exp(-0.1))
    assert all(ex[i] <= ex[i + 1] for i in range(255))
    assert F.softmax_output_scale_q16(1 / 256) == 1 << 24
    p = F.add_params(0.02, 3, 0.05, -7, 0.04, 1)
    assert p["left_shift"] == 20 and p["input1_offset"] == -3 and p["input2_offset"] == 7
    assert p["input1_shift"] <= 0 and p["input2_shift"] <= 0 and p["output_offset"] == 1
    assert p["input2_multiplier"] == 1 << 30 and p["input2_shift"] == 0    # 0.05 / 0.1 = 0.5
    assert F.add_params(0.02, 3, 0.05, -7, 0.04, 1, subtract=True)["input2_multiplier"] == -(1 << 30)
    q = F.mul_params(0.5, 0, 0.25, 0, 0.125, 0)
    assert (q["output_multiplier"], q["output_shift"]) == (1 << 30, 1)
    assert F.conv_params(0.5, [0.25, 0.125], 0.0625) == ([1 << 30, 1 << 30], [2, 1])
