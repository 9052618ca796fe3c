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


def clamp(v, lo, hi):
    return min(max(v, lo), hi)


def cdiv(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def per_ch(v, c):
    return v[c] if len(v) > 1 else v[0]


# ------------------------------------------------------ fixed-point helpers
