"""Plain-Python integer versions of the fixed-point primitives (written from
docs/kernels.md), shared by the reference-kernel tests: slow, obviously right."""

I32MIN, I32MAX = -(1 << 31), (1 << 31) - 1


def py_srdhm(a, b):
    if a == b == I32MIN:
        return I32MAX
    ab = a * b
    t = ab + ((1 << 30) if ab >= 0 else 1 - (1 << 30))
    q = abs(t) >> 31
    return q if t >= 0 else -q


def py_rdbpot(x, e):
    mask = (1 << e) - 1
    rem = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if rem > threshold else 0)


def py_requant(acc, mult, shift):
    x = acc << max(shift, 0)
    x = min(max(x, I32MIN), I32MAX)
    return py_rdbpot(py_srdhm(x, mult), max(-shift, 0))


def py_requant_single(acc, mult, shift):
    """TFLite's single rounding (TFLITE_SINGLE_ROUNDING, TOSA SINGLE_ROUND), shift in
    [-31, 30]: floor((acc * mult + 2^(t-1)) / 2^t), t = 31 - shift, saturated to int32."""
    assert -31 <= shift <= 30, shift
    t = 31 - shift
    return min(max((acc * mult + (1 << (t - 1))) >> t, I32MIN), I32MAX)


def py_requant_mode(acc, mult, shift, rounding):
    """py_requant ("double") or py_requant_single ("single")."""
    return (py_requant_single if rounding == "single" else py_requant)(acc, mult, shift)


def clamp(v, lo, hi):
    return min(max(v, lo), hi)


def cdiv(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def per_ch(v, c):
    return v[c] if len(v) > 1 else v[0]


# ------------------------------------------------------ fixed-point helpers
