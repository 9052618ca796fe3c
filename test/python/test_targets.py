"""tigris.targets: per-target kernel scratch sizes.

Expected esp32s3 figures are worked out by hand from ESP-NN's
esp_nn_get_conv_scratch_size_esp32s3 / esp_nn_get_depthwise_conv_scratch_size_esp32s3
(the arithmetic is in each case's comment)."""
import pytest

from tigris.plan.format import TARGETS as PLAN_TARGETS
from tigris.targets import KINDS, ROUNDING, TARGETS, scratch_bytes


def conv(i, o, k, **kw):
    return scratch_bytes("esp32s3", "conv2d", input=i, output=o, kernel=k, **kw)


def dw(i, o, k, **kw):
    return scratch_bytes("esp32s3", "depthwise_conv2d", input=i, output=o, kernel=k, **kw)


SAME1 = (1, 1, 1, 1)        # 3x3 stride 1 SAME
SAME2 = (0, 1, 0, 1)        # 3x3 stride 2 SAME on an even size (TF-style)


@pytest.mark.parametrize("args, expected", [
    # 1x1, C=16 (multiple of 8): transpose 2*8*16 + filter 16*32 + 64
    (((1, 8, 8, 16), (1, 8, 8, 32), (1, 1)), 256 + 512 + 64),
    # 1x1, C=12: widened input 4*4*16 + filter 16*8 + transpose 2*8*16 + 64
    (((1, 4, 4, 12), (1, 4, 4, 8), (1, 1)), 256 + 128 + 256 + 64),
    # 1x1 with < 8 pixels: no transpose; filter 8*8 + 64
    (((1, 2, 2, 8), (1, 2, 2, 8), (1, 1)), 64 + 64),
    # 3x3 SAME: padded 12*12*16 + filter 9*16*32 + row-aligned 48*3*32
    #   + edge copy 12*12*16 (pad_right = 10+2-10) + 64 + 32*4
    (((1, 10, 10, 16), (1, 10, 10, 32), (3, 3), (1, 1), SAME1), 2304 + 4608 + 4608 + 2304 + 64 + 128),
    # 3x3 VALID, C=20: filter 9*32*24 + rows 64*3*24 + 64 + 24*4
    (((1, 9, 9, 20), (1, 7, 7, 24), (3, 3)), 6912 + 4608 + 64 + 96),
    # 3x3 stride 2, pad only bottom/right: filter 9*16*16 + rows 48*3*16
    #   + edge copy 10*10*16 + 64 + 16*4
    (((1, 8, 8, 16), (1, 4, 4, 16), (3, 3), (2, 2), SAME2), 2304 + 2304 + 1600 + 64 + 64),
    # 1x1 stride 2 takes the general path: filter 16*16 + rows 16*16 + 64 + 64
    (((1, 8, 8, 16), (1, 4, 4, 16), (1, 1), (2, 2)), 256 + 256 + 64 + 64),
    # RGB stem (im2col): window 27 -> 32; 32*4 + 16 + 32*32 + 16 + 32 + 64
    (((1, 128, 128, 3), (1, 64, 64, 32), (3, 3), (2, 2), SAME2), 1280),
])
def test_esp32s3_conv(args, expected):
    i, o, k, *rest = args
    kw = dict(zip(("stride", "pad"), rest))
    assert conv(i, o, k, **kw) == expected


@pytest.mark.parametrize("args, expected", [
    # C=32 (x16), pad 1: filter 288 + padded 10*10*32 + 16
    (((1, 8, 8, 32), (1, 8, 8, 32), (3, 3), (1, 1), SAME1), 288 + 3200 + 16),
    # padded 66*66*16 > 40 KiB: one strip 66*3*16 instead
    (((1, 64, 64, 16), (1, 64, 64, 16), (3, 3), (1, 1), SAME1), 144 + 3168 + 16),
    # VALID, windows end on the edge: filter 144 + 16
    (((1, 10, 10, 16), (1, 8, 8, 16), (3, 3)), 144 + 16),
    # stride 2, bottom/right only: grows 4*2+2-8 = 2 -> 10*10*16
    (((1, 8, 8, 16), (1, 4, 4, 16), (3, 3), (2, 2), SAME2), 144 + 1600 + 16),
    # C=24 (x8, not x16): widened to 32; 9*32 + 10*10*32 + 6*6*32 + 64
    (((1, 6, 6, 24), (1, 6, 6, 24), (3, 3), (1, 1), SAME1), 288 + 3200 + 1152 + 64),
    # C=8: int16 copies 2*(72 + 200) + 32
    (((1, 5, 5, 8), (1, 5, 5, 8), (3, 3), (1, 1), SAME1), 576),
    # 5x5, C=16: int16 copies 2*(400 + 1600) + 32 (fits 48 KiB)
    (((1, 10, 10, 16), (1, 10, 10, 16), (5, 5), (1, 1), (2, 2, 2, 2)), 4032),
    # 5x5, C=32, 40x40: 2*(800 + 51200) > 48 KiB -> 2*800 + 2*40*5*32 + 32
    (((1, 40, 40, 32), (1, 40, 40, 32), (5, 5), (1, 1), (2, 2, 2, 2)), 1600 + 12800 + 32),
    # C=12 (not x8): widened to 16, 16-aligned: 288 | +512=800 | +256=1056 | +192 +16
    (((1, 4, 4, 12), (1, 4, 4, 12), (3, 3), (1, 1), SAME1), 1264),
    # C=3, multiplier 1: generic kernel, ESP-NN still asks 32
    (((1, 4, 4, 3), (1, 4, 4, 3), (3, 3), (1, 1), SAME1), 32),
    # multiplier 4: 2*(9*3*4 + 4*4*3) + 32
    (((1, 4, 4, 3), (1, 4, 4, 12), (3, 3), (1, 1), SAME1), 344),
    # multiplier 2: 32
    (((1, 4, 4, 3), (1, 4, 4, 6), (3, 3), (1, 1), SAME1), 32),
])
def test_esp32s3_depthwise(args, expected):
    i, o, k, *rest = args
    kw = dict(zip(("stride", "pad"), rest))
    assert dw(i, o, k, **kw) == expected


def test_esp32s3_fallbacks_and_other_kinds():
    # Dilation and grouped conv run kernels without scratch.
    assert conv((1, 8, 8, 16), (1, 4, 4, 16), (3, 3), dilation=(2, 2)) == 0
    assert conv((1, 8, 8, 16), (1, 8, 8, 16), (1, 1), groups=2) == 0
    assert dw((1, 8, 8, 32), (1, 8, 8, 32), (3, 3), dilation=(2, 2), pad=(2, 2, 2, 2)) == 0
    assert scratch_bytes("esp32s3", "softmax", input=(1, 1000)) == 4000
    assert scratch_bytes("esp32s3", "softmax", input=(1, 1, 1, 10)) == 40
    for kind in ("fully_connected", "add", "mul", "avg_pool", "max_pool", "global_avg_pool", "lut"):
        assert scratch_bytes("esp32s3", kind, input=(1, 8, 8, 16)) == 0


def test_reference_and_esp32_are_all_zero():
    """The reference kernels and ESP-NN's generic optimized ones (esp32) take no scratch."""
    assert TARGETS == ("reference", "esp32s3", "esp32")
    assert set(TARGETS) == set(PLAN_TARGETS) == set(ROUNDING)
    assert ROUNDING == {"reference": "single", "esp32s3": "double", "esp32": "double"}
    shape = dict(input=(1, 10, 10, 16), output=(1, 10, 10, 16), kernel=(3, 3), pad=SAME1)
    for target in ("reference", "esp32"):
        for kind in KINDS:
            assert scratch_bytes(target, kind, **shape) == 0
    assert scratch_bytes("esp32s3", "conv2d", **shape) > 0


@pytest.mark.parametrize("call, match", [
    (lambda: scratch_bytes("esp8266", "conv2d"), "unknown target 'esp8266'"),
    (lambda: scratch_bytes("esp32s3", "conv3d"), "unknown kernel kind 'conv3d'"),
    (lambda: scratch_bytes("reference", "add", shape=(1, 2)), "unknown shape keyword"),
    (lambda: scratch_bytes("esp32s3", "conv2d", input=(1, 8, 8, 8)), "'output' is required"),
    (lambda: dw((1, 8, 8, 8), (1, 8, 8, 24), (3, 3), channel_multiplier=2), "channel_multiplier"),
    (lambda: conv((1, 8, 8), (1, 8, 8, 8), (1, 1)), "input must be 4"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
