"""Kernel scratch on the esp32s3 target: the bytes ESP-NN's optimized kernels
(``CONFIG_NN_OPTIMIZED`` with ``CONFIG_IDF_TARGET_ESP32S3``) ask for, one rule per
kernel kind (the registry entries point here; tigris.targets dispatches).
The figures repeat what ESP-NN's own size
functions return, read in espressif/esp-nn at master commit
d45b843ca5f873ca9d0706ab0e7f14eafd132e98 (2026-04-27, component version
1.2.3; the tagged v1.2.0 still had simpler, smaller rules):

* conv2d: ``esp_nn_get_conv_scratch_size_esp32s3`` in
  ``src/convolution/esp_nn_conv_esp32s3.c`` (dispatch in
  ``esp_nn_conv_s8_esp32s3``, same file);
* depthwise_conv2d: ``esp_nn_get_depthwise_conv_scratch_size_esp32s3`` in
  ``src/convolution/esp_nn_depthwise_conv_s8_esp32s3.c`` (dispatch in
  ``esp_nn_depthwise_conv_s8_esp32s3``);
* softmax: ``esp_nn_get_softmax_scratch_size_esp32s3`` in
  ``src/softmax/esp_nn_softmax_s8_esp32s3.c``;
* ``include/esp_nn_esp32s3.h`` maps the generic names to these.

No other kind has a scratch-size function on the S3: fully_connected
(``esp_nn_fully_connected_esp32s3.c``), avg_pool (``..._avg_pool_s8_esp32s3.c``)
and the mean behind global_avg_pool (``esp_nn_mean_s8_esp32s3.c``) keep a
per-channel array on the stack (a C VLA), which is task stack, not arena;
add, mul and max_pool use none. ESP-NN's logistic and hard-swish scratch is a
256/512-byte lookup table built at prepare time; here ``lut`` takes its table
as a constant, so it needs none either. Data-movement kinds (reshape, pad,
...) are not ESP-NN kernels and need none.

How the project's shape keywords map onto ESP-NN's arguments (the way
espressif/esp-tflite-micro's conv.cc / depthwise_conv.cc fill them):

* ESP-NN has one padding value per axis, ``padding.width`` / ``padding.height``,
  applied on both sides; the TFLite wrapper passes the leading (left / top)
  padding, and the kernels find any extra right / bottom padding from the
  output size themselves. So ``pad = (top, bottom, left, right)`` is read as
  ``pad_ht = top`` and ``pad_wd = left``.
* ESP-NN's S3 kernels assume dilation 1 and grouped convolution makes
  ``esp_nn_conv_s8_esp32s3`` fall back to the ANSI kernel; in both cases the
  kernel that runs needs no scratch, so the answer is 0. (esp-tflite-micro
  still reserves the size function's figure for a dilated layer, then runs
  the reference kernel and leaves that scratch unused.)
* The batch is looped outside the kernel, so scratch is per image: N is
  ignored.
"""
from __future__ import annotations

SHAPE_KEYS = ("input", "output", "kernel", "stride", "dilation", "pad",
              "channel_multiplier", "groups")

# ESP-NN keeps widths, heights and channel counts in uint16_t locals; larger
# values would wrap there, so they are refused rather than mis-sized.
_U16_MAX = 0xFFFF

# ------------------------------------------------------------------ helpers


def _round_up(x: int, m: int) -> int:
    return (x + m - 1) // m * m


def _ints(shape: dict, key: str, n: int, default=None) -> tuple[int, ...]:
    """``shape[key]`` as a tuple of ``n`` non-negative ints (or ``default``)."""
    v = shape.get(key, default)
    if v is None:
        raise ValueError(f"shape keyword {key!r} is required")
    try:
        t = tuple(int(x) for x in v)
    except TypeError:
        raise ValueError(f"{key} must be a sequence of {n} ints, got {v!r}") from None
    if len(t) != n or any(x < 0 for x in t):
        raise ValueError(f"{key} must be {n} non-negative ints, got {v!r}")
    return t


def _conv_args(shape: dict):
    """The common conv / depthwise arguments, checked and ESP-NN-mapped."""
    _, in_h, in_w, in_c = _ints(shape, "input", 4)
    _, out_h, out_w, out_c = _ints(shape, "output", 4)
    kh, kw = _ints(shape, "kernel", 2)
    sh, sw = _ints(shape, "stride", 2, (1, 1))
    dh, dw = _ints(shape, "dilation", 2, (1, 1))
    top, _bottom, left, _right = _ints(shape, "pad", 4, (0, 0, 0, 0))
    dims = (in_h, in_w, in_c, out_h, out_w, out_c, kh, kw, sh, sw, top, left)
    if min(in_h, in_w, in_c, out_h, out_w, out_c, kh, kw, sh, sw, dh, dw) < 1:
        raise ValueError(f"sizes, kernel, stride and dilation must be >= 1, got {shape!r}")
    if max(dims) > _U16_MAX:
        raise ValueError(f"a size above {_U16_MAX} does not fit ESP-NN's uint16 fields: {shape!r}")
    return dims, (dh, dw) != (1, 1)


# ------------------------------------------------------------------ esp32s3 rules

# Bytes the S3 conv adds to every request: 16 to align its buffers plus 48 the
# assembly loops may read before / after a buffer.
_CONV_MARGIN = 64


def conv2d(shape: dict) -> int:
    (in_h, in_w, in_c, out_h, out_w, out_c, kh, kw, sh, sw,
     pad_t, pad_l), dilated = _conv_args(shape)
    groups = int(shape.get("groups", 1))
    if groups < 1:
        raise ValueError(f"groups must be >= 1, got {groups}")
    if dilated or groups > 1:
        # No ESP-NN kernel runs: dilated layers use the reference kernel and
        # grouped ones esp_nn_conv_s8_ansi; neither takes scratch.
        return 0

    if (kh, kw) == (1, 1) and (pad_t, pad_l) == (0, 0) and (sh, sw) == (1, 1):
        # Pointwise path (esp_nn_conv_s8_mult8_1x1_esp32s3 / esp_nn_conv_s8_1x1).
        ch8 = _round_up(in_c, 8)
        # The kernels transpose blocks of 8 pixels x all channels into int16
        # (2 bytes each) before the MACs; with fewer than 8 pixels there is
        # no full block. This is the only part the current kernels touch.
        transpose = 2 * 8 * ch8 if in_h * in_w >= 8 else 0
        # ESP-NN still counts a copy of the input widened to a multiple of 8
        # channels (when it is not one) and a filter copy at that width
        # (always), from older 1x1 kernels that widened and realigned them;
        # at this commit neither copy is made, but the size function keeps
        # them and TFLite reserves them, so the planner does too.
        widened_input = in_h * in_w * ch8 if in_c % 8 else 0
        filt = ch8 * out_c
        return widened_input + filt + transpose + _CONV_MARGIN

    row = kw * in_c
    window = kh * kw * in_c
    if row < 16 and window >= 16:
        # im2col path for few input channels (e.g. the RGB stem): each output
        # pixel's whole window is gathered into one vector of window16 bytes.
        window16 = _round_up(window, 16)
        return (out_c * 4               # per-channel sum(filter) * input_offset
                + 16                    # alignment of the next buffer
                + out_c * window16      # filter copy, each row zero-padded to 16
                + 16                    # alignment
                + window16              # the gathered input window
                + _CONV_MARGIN)

    # General path (esp_nn_conv_s8_filter_aligned_input_padded_esp32s3).
    # The input is copied with its padding written out (value -input_offset),
    # since the assembly reads whole filter rows without bounds checks.
    padded_input = 0
    if (pad_t, pad_l) != (0, 0):
        padded_input = (in_w + 2 * pad_l) * (in_h + 2 * pad_t) * in_c
    # The filter is copied so the assembly can load it 16-byte aligned: with
    # each row (kw * in_c bytes) zero-padded to 16 when rows are not a
    # multiple of 16, else verbatim when its address is not aligned. ESP-NN
    # counts both worst cases: a copy with channels widened to 16 ...
    filt = kh * kw * _round_up(in_c, 16) * out_c
    # ... and one with rows padded to 16 bytes.
    filt_rows = _round_up(row, 16) * kh * out_c
    # When the last window runs past the right / bottom edge (SAME padding
    # with pad 0 on the leading side), the input is instead copied with only
    # those edges padded. The kernel makes one of the two input copies, but
    # ESP-NN counts this one on top of the padded one above (it also finds
    # such edges when pad > 0, e.g. every stride-1 SAME 3x3 layer).
    pad_r = max(0, out_w * sw + kw - 1 - in_w)
    pad_b = max(0, out_h * sh + kh - 1 - in_h)
    edge_input = (in_w + pad_r) * (in_h + pad_b) * in_c if pad_r or pad_b else 0
    # Per-output-channel int32 (bias + input_offset * sum(filter)), computed
    # once instead of inside the MAC loop.
    acc = out_c * 4
    return padded_input + filt + filt_rows + edge_input + _CONV_MARGIN + acc


def depthwise_conv2d(shape: dict) -> int:
    (in_h, in_w, c, out_h, out_w, out_c, kh, kw, sh, sw,
     pad_t, pad_l), dilated = _conv_args(shape)
    mult = int(shape.get("channel_multiplier", out_c // c))
    if mult < 1 or out_c != c * mult:
        raise ValueError(f"output channels {out_c} != input channels {c} x "
                         f"channel_multiplier {mult}")
    if dilated:
        return 0  # the S3 kernel assumes dilation 1; the reference one runs
    filt = kh * kw * c * mult
    s16_input = 2 * in_w * in_h * c  # input widened to int16 (+ input_offset)

    if mult == 1 and c % 8 == 0:
        if (kh, kw) == (3, 3):
            if c % 16 == 0:
                # int8 3x3 assembly on a padded input: it reads every window
                # without bounds checks, so padding must exist in memory.
                if pad_t or pad_l:
                    grow_w, grow_h = 2 * pad_l, 2 * pad_t
                else:
                    grow_w = out_w * sw + kw - 1 - in_w
                    grow_h = out_h * sh + kh - 1 - in_h
                if grow_w or grow_h:
                    padded = (in_w + grow_w) * (in_h + grow_h) * c
                    if padded <= 40 * 1024:
                        # Filter copy + whole padded input + 16 for alignment.
                        return filt + padded + 16
                    # Large inputs are padded one strip of kh rows at a time
                    # (keeps the working set in the 64 KB data cache).
                    return filt + (in_w + grow_w) * kh * c + 16
                return filt + 16  # input used in place; aligned filter copy
            if c >= 12:
                # c = 24, 40, ...: channels widened to a multiple of 16 so the
                # int8 assembly applies; padded input, filter and output all
                # at the widened count, output compacted back afterwards.
                c16 = _round_up(c, 16)
                grow_w = 2 * pad_l + max(0, out_w * sw + 2 - in_w)
                grow_h = 2 * pad_t + max(0, out_h * sh + 2 - in_h)
                return (9 * c16 + (in_w + grow_w) * (in_h + grow_h) * c16
                        + out_w * out_h * c16 + 64)
            # c == 8: int16 path, filter and whole input widened to int16,
            # plus 32 for aligning the two buffers.
            return 2 * filt + s16_input + 32
        # Other filter sizes: int16 path; whole input converted when filter and
        # input in int16 fit 48 KB (cache), else kh rows at a time.
        if 2 * filt + s16_input <= 48 * 1024:
            return 2 * filt + s16_input + 32
        return 2 * filt + 2 * in_w * kh * c + 32

    if mult == 1 and c > 3:
        # Channels widened to a multiple of 8 for the int16 mult-1 assembly:
        # int16 filter, int16 input, int8 output at the widened count, then
        # widened bias / shift / multiplier arrays; each buffer starts on a
        # 16-byte boundary, plus 16 of margin.
        c8 = _round_up(c, 8)
        end = _round_up(kh * kw * c8 * 2, 16)
        end = _round_up(end + in_w * in_h * c8 * 2, 16)
        end = _round_up(end + out_w * out_h * c8, 16)
        return end + 3 * 4 * c8 + 16

    if mult % 4 == 0:
        # int16 mult-4 / mult-8 assembly: filter and input widened to int16.
        return 2 * filt + s16_input + 32

    # Remaining cases (c <= 3 with mult 1, or mult not a multiple of 4) run the
    # generic C kernel, which uses no scratch; ESP-NN still asks for 32 bytes.
    return 32


def softmax(shape: dict) -> int:
    # One int32 exp() value per element of a row (the last axis), kept between
    # the sum pass and the normalizing pass. (esp-tflite-micro's softmax.cc
    # passes dims[1] as the row length, right only for [N, depth] inputs; the
    # kernel writes `depth` values, so the last axis is what is reserved here.)
    dims = shape.get("input")
    if not dims:
        raise ValueError("shape keyword 'input' is required for softmax")
    depth = int(tuple(dims)[-1])
    if depth < 1:
        raise ValueError(f"softmax input must have a last axis >= 1, got {dims!r}")
    return depth * 4
