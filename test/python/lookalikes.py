"""Look-alikes of two third-party models whose tiled plans once differed from
their flat plans, built with onnx.helper (seeded He-initialised weights):

- `text_line_classifier()`: a PP-LCNet-style direction classifier (48x192
  RGB; HardSwish; stride-2 3x3 and 5x5 depthwise convs; squeeze-and-excitation
  blocks: global average pool, 1x1 conv, ReLU, 1x1 conv, HardSigmoid, channel
  Mul; a pooled fully connected head and a 2-class softmax);
- `text_detector()`: a PaddleOCR DB detector (128x128; a MobileNetV3-large
  x0.5 backbone; by default PP-OCRv3's RSE-FPN neck, whose convs each end in
  a residual squeeze-and-excitation block with HardSigmoid, or det_mv3_db's
  plain DB-FPN with SE in the backbone; nearest x2 upsampling and Adds, 3x3
  convs upsampled x8/x4/x2 and concatenated; a head of conv +
  BatchNormalization + ReLU and two stride-2 ConvTransposes, a Sigmoid map).
  Before c63ccd3 its 128K+8M plan differed from the flat plan in output rows
  120-127: the head's stage wrote its output over the 1/4-scale SE scale
  (test_tiling_regressions, bench/tiling_lookalikes.txt).
"""
from __future__ import annotations

import numpy as np

from test_architectures import Net, _divisible


def text_line_classifier(size=(48, 192), seed: int = 5):
    net = Net(seed)

    def hs(x):
        return net.node("HardSwish", [x], "hs")

    x, cin = hs(net.conv("x", 3, 16, 3, 2)), 16
    for k, s, out, se in [(3, 1, 32, False), (3, 2, 64, False), (3, 1, 64, False),
                          (3, 2, 128, False), (5, 1, 128, True), (5, 2, 256, True)]:
        y = hs(net.conv(x, cin, cin, k, s, group=cin))
        if se:
            g = net.node("GlobalAveragePool", [y], "se_pool")
            g = net.node("Relu", [net.conv(g, cin, cin // 4, 1, bn="none")], "se_relu")
            g = net.node("HardSigmoid", [net.conv(g, cin // 4, cin, 1, bn="none")], "se_gate",
                         alpha=0.2, beta=0.5)
            y = net.node("Mul", [y, g], "se_mul")
        y = hs(net.conv(y, cin, out, 1))
        if s == 1 and cin == out:
            y = net.node("Add", [y, x], "res")
        x, cin = y, out
    x = net.node("Flatten", [net.node("GlobalAveragePool", [x], "gap")], "flatten", axis=1)
    x = net.node("Softmax", [net.gemm(x, cin, 2)], "softmax", axis=-1)
    return net.model("text_line_classifier", (1, 3) + tuple(size), x)


# PaddleOCR's MobileNetV3 'large' blocks: kernel, expanded, out, squeeze-excite,
# activation, stride (its detector builds them at scale 0.5).
MV3_LARGE = [(3, 16, 16, False, "relu", 1), (3, 64, 24, False, "relu", 2),
             (3, 72, 24, False, "relu", 1), (5, 72, 40, True, "relu", 2),
             (5, 120, 40, True, "relu", 1), (5, 120, 40, True, "relu", 1),
             (3, 240, 80, False, "hs", 2), (3, 200, 80, False, "hs", 1),
             (3, 184, 80, False, "hs", 1), (3, 184, 80, False, "hs", 1),
             (3, 480, 112, True, "hs", 1), (3, 672, 112, True, "hs", 1),
             (5, 672, 160, True, "hs", 2), (5, 960, 160, True, "hs", 1),
             (5, 960, 160, True, "hs", 1)]


def text_detector(size: int = 128, seed: int = 11, neck: str = "rse", backbone_se: bool = False,
                  inner: int = 96, scale: float = 0.5):
    """A PaddleOCR DB detector. Defaults: PP-OCRv3's (a MobileNetV3-large x0.5
    backbone without squeeze-and-excitation; an RSE-FPN neck of 96 channels
    whose every conv is followed by a residual squeeze-and-excitation block,
    HardSigmoid(0.2, 0.5)); neck="db", backbone_se=True, inner=256 is
    det_mv3_db's (the backbone's SE blocks, a plain DB-FPN).

    Backbone: 3x3 stride-2 stem and HardSwish, inverted residuals (1x1
    expansion, 3x3/5x5 depthwise, ReLU or HardSwish, a linear 1x1, a residual
    Add at stride 1), features at 1/4, 1/8, 1/16 and 1/32 (before each later
    stride-2 block; the last after a 1x1 conv and HardSwish). Neck: bias-free
    1x1 convs to `inner` channels, top-down Adds of nearest x2 Resizes
    (scales, asymmetric / floor: torch's export), bias-free 3x3
    convs to inner/4 channels, upsampled x8/x4/x2 and concatenated. Head: 3x3
    conv + BatchNormalization + ReLU, 2x2 stride-2 ConvTranspose + BN + ReLU,
    2x2 stride-2 ConvTranspose, Sigmoid (a 1-channel map of the input's size).
    Backbone BatchNorms are folded (torch.onnx.export in eval mode)."""
    net = Net(seed)

    def act(x, kind):
        return net.node("Relu", [x], "relu") if kind == "relu" else net.node("HardSwish", [x], "hs")

    def up(x, f):
        return net.node("Resize", [x, "", net.const("sc", [1, 1, f, f])], "up", mode="nearest",
                        coordinate_transformation_mode="asymmetric", nearest_mode="floor")

    def conv(x, cin, cout, k):          # bias-free, as the neck's
        w = net.rng.standard_normal((cout, cin, k, k)) * np.sqrt(2 / (cin * k * k))
        return net.node("Conv", [x, net.const("w", w)], "conv", kernel_shape=[k, k],
                        strides=[1, 1], pads=[k // 2] * 4, group=1)

    def se(x, c):
        g = net.node("GlobalAveragePool", [x], "se_pool")
        g = net.node("Relu", [net.conv(g, c, c // 4, 1, bn="none")], "se_relu")
        g = net.node("HardSigmoid", [net.conv(g, c // 4, c, 1, bn="none")], "se_gate",
                     alpha=0.2, beta=0.5)
        return net.node("Mul", [x, g], "se_mul")

    def neck_conv(x, cin, cout, k):
        y = conv(x, cin, cout, k)
        return net.node("Add", [y, se(y, cout)], "rse_add") if neck == "rse" else y

    def bn(x, c):
        gamma, beta, mean, var = net._bn_params(c)
        return net.node("BatchNormalization", [x] + [net.const(n, a) for n, a in zip(
            ("gamma", "beta", "mean", "var"), (gamma, beta, mean, var))], "bn", epsilon=1e-5)

    cin = _divisible(16 * scale)
    x, feats = act(net.conv("x", 3, cin, 3, 2), "hs"), []
    for n, (k, exp, c, has_se, nl, s) in enumerate(MV3_LARGE):
        if s == 2 and n > 2:
            feats.append((x, cin))
        mid, out = _divisible(scale * exp), _divisible(scale * c)
        y = act(net.conv(x, cin, mid, 1), nl)
        y = act(net.conv(y, mid, mid, k, s, group=mid), nl)
        if has_se and backbone_se:
            y = se(y, mid)
        y = net.conv(y, mid, out, 1)
        if s == 1 and cin == out:
            y = net.node("Add", [x, y], "res")
        x, cin = y, out
    last = _divisible(scale * 960)
    feats.append((act(net.conv(x, cin, last, 1), "hs"), last))
    ins = [neck_conv(f, c, inner, 1) for f, c in feats]
    out4 = net.node("Add", [ins[2], up(ins[3], 2)], "add")
    out3 = net.node("Add", [ins[1], up(out4, 2)], "add")
    out2 = net.node("Add", [ins[0], up(out3, 2)], "add")
    q = inner // 4
    p5, p4, p3, p2 = (neck_conv(v, inner, q, 3) for v in (ins[3], out4, out3, out2))
    fuse = net.node("Concat", [up(p5, 8), up(p4, 4), up(p3, 2), p2], "cat", axis=1)
    h = net.node("Relu", [net.conv(fuse, inner, q, 3, bn="node")], "relu")
    h = net.node("Relu", [bn(net.conv_transpose(h, q, q), q)], "relu")
    h = net.node("Sigmoid", [net.conv_transpose(h, q, 1)], "sig")
    return net.model("text_detector", (1, 3, size, size), h)
