"""Look-alikes of two third-party models whose tiled plans once differed from
their flat plans, built with onnx.helper (seeded He-initialised weights):

- `text_line_classifier()`: a PP-LCNet-style direction classifier (48x192
  RGB; HardSwish; stride-2 3x3 and 5x5 depthwise convs; squeeze-and-excitation
  blocks: global average pool, 1x1 conv, ReLU, 1x1 conv, HardSigmoid, channel
  Mul; a pooled fully connected head and a 2-class softmax);
- `text_detector()`: a DB-style detector (128x128; a backbone of the same
  family with squeeze-and-excitation, an FPN neck of 1x1 convs, nearest x2
  upsampling and Adds, 3x3 convs upsampled x8/x4/x2 and concatenated, a head
  of conv + BatchNormalization + ReLU and two stride-2 ConvTransposes, a
  Sigmoid map).
"""
from __future__ import annotations

from test_architectures import Net


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


def text_detector(size: int = 128, seed: int = 11):
    net = Net(seed)

    def hs(x):
        return net.node("HardSwish", [x], "hs")

    def up(x, f):
        return net.node("Resize", [x, "", net.const("sc", [1, 1, f, f])], "up", mode="nearest",
                        coordinate_transformation_mode="asymmetric", nearest_mode="floor")

    x, cin, feats = hs(net.conv("x", 3, 8, 3, 2)), 8, []
    for cout in (16, 24, 32, 48):
        y = hs(net.conv(x, cin, cin, 3, 2, group=cin))
        if cin >= 24:
            g = net.node("GlobalAveragePool", [y], "se_pool")
            g = net.node("Relu", [net.conv(g, cin, cin // 4, 1, bn="none")], "se_relu")
            g = net.node("HardSigmoid", [net.conv(g, cin // 4, cin, 1, bn="none")], "se_gate",
                         alpha=0.2, beta=0.5)
            y = net.node("Mul", [y, g], "se_mul")
        x, cin = hs(net.conv(y, cin, cout, 1)), cout
        feats.append((x, cout))
    ins = [net.conv(f, c, 16, 1, bn="none") for f, c in feats]
    p5 = ins[3]
    p4 = net.node("Add", [ins[2], up(p5, 2)], "add")
    p3 = net.node("Add", [ins[1], up(p4, 2)], "add")
    p2 = net.node("Add", [ins[0], up(p3, 2)], "add")
    outs = [net.conv(p, 16, 4, 3, bn="none") for p in (p5, p4, p3, p2)]
    cat = net.node("Concat", [up(outs[0], 8), up(outs[1], 4), up(outs[2], 2), outs[3]], "cat",
                   axis=1)
    h = net.node("Relu", [net.conv(cat, 16, 8, 3, bn="node")], "relu")
    h = net.node("Relu", [net.conv_transpose(h, 8, 8)], "relu")
    h = net.node("Sigmoid", [net.conv_transpose(h, 8, 1)], "sig")
    return net.model("text_detector", (1, 3, size, size), h)
