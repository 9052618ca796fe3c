"""tigris-legalize: TOSA (int8 with tosa.rescale) -> tigris kernel ops.

One kernel op per runtime call: a convolution with its rescale and clamp
becomes one tigris.conv2d carrying the per-channel TFLite multiplier/shift;
the rescale-add-rescale idiom becomes tigris.add; any int8 -> int8
elementwise map (table, clamp, standalone rescale) becomes tigris.lut.
TOSA's rescale shift s is TFLite's 31 - s. The rescale's rounding_mode
becomes the kernel op's `rounding`: DOUBLE_ROUND is TFLite's default
(gemmlowp: srdhm then a rounding shift, as ESP-NN computes), SINGLE_ROUND
TFLite's single rounding (one rounding of acc * multiplier, docs/kernels.md);
a kernel op without the attribute rounds twice.
"""
from __future__ import annotations

import numpy as np
from mlir import ir

from tigris import kernels
from tigris.dialects import custom_attributes, kernel_op
from tigris.effects import erase_dead
from tigris.passes.registry import Pass, PassError
from tigris.quant_types import strip_quant_types
from tigris.reference.fixedpoint import requant


def _const(value: ir.Value) -> np.ndarray:
    owner = value.owner
    if not (isinstance(owner, ir.Operation) or hasattr(owner, "name")) or owner.name != "tosa.const":
        raise PassError("expected a constant operand", owner.location if hasattr(owner, "location") else None)
    return np.array(owner.attributes["values"]).reshape(-1)


def _users(value: ir.Value) -> list:
    return [u.owner for u in value.uses]


def _single_user(value: ir.Value, name: str):
    users = _users(value)
    if len(users) == 1 and users[0].name == name:
        return users[0]
    return None


def _is_int(value: ir.Value, width: int) -> bool:
    et = ir.RankedTensorType(value.type).element_type
    return isinstance(et, ir.IntegerType) and et.width == width


def _rounding(op) -> str:
    """"single" or "double": a tosa.rescale's rounding_mode."""
    mode = str(op.attributes["rounding_mode"])
    if "SINGLE_ROUND" in mode:
        return "single"
    if "DOUBLE_ROUND" in mode:
        return "double"
    raise PassError(f"tosa.rescale rounding_mode {mode} is not supported "
                    "(SINGLE_ROUND or DOUBLE_ROUND)", op.location)


def _rescale_params(op) -> dict:
    """TFLite-style view of a tosa.rescale: multipliers, shifts, zero points, rounding."""
    mult = _const(op.operands[1]).astype(np.int64)
    shift = 31 - _const(op.operands[2]).astype(np.int64)
    return {"multiplier": [int(m) for m in mult], "shift": [int(s) for s in shift],
            "input_zp": int(_const(op.operands[3])[0]), "output_zp": int(_const(op.operands[4])[0]),
            "rounding": _rounding(op)}


def _single_range(mults: list[int], shifts: list[int], loc) -> tuple[list[int], list[int]]:
    """Single rounding takes shifts in [-31, 30]: a multiplier below 2^-32 rounds
    every int32 to 0 or -1 and becomes 0; one of 2^30 or more cannot be applied."""
    out_m, out_s = [], []
    for m, s in zip(mults, shifts):
        if s > 30:
            raise PassError(f"requantization multiplier 2^{s - 31} is too large for single "
                            "rounding", loc)
        out_m.append(0 if s < -31 else m)
        out_s.append(0 if s < -31 else s)
    return out_m, out_s


def _with_rounding(attrs: dict, rounding: str, pairs, loc) -> dict:
    """`attrs` with `rounding` set (single only: absent means double) and, for
    single rounding, each (multiplier key, shift key) pair brought into range."""
    if rounding == "double":
        return attrs
    attrs = dict(attrs, rounding="single")
    for mk, sk in pairs:
        scalar = not isinstance(attrs[mk], list)
        m, s = _single_range([attrs[mk]] if scalar else attrs[mk],
                             [attrs[sk]] if scalar else attrs[sk], loc)
        attrs[mk], attrs[sk] = (m[0], s[0]) if scalar else (m, s)
    return attrs


def _clamp_after(value: ir.Value):
    """A tosa.clamp that is the only user of `value`: (op, lo, hi) or (None, -128, 127)."""
    c = _single_user(value, "tosa.clamp")
    if c is None:
        return None, -128, 127
    return c, int(ir.IntegerAttr(c.attributes["min_val"]).value), \
        int(ir.IntegerAttr(c.attributes["max_val"]).value)


class Legalizer:
    def __init__(self, func_op):
        self.func = func_op
        self.dead: list = []
        # For a kernel with no rescale of its own (a global average pool kept
        # at its input's scale): the function's rounding, single if any
        # rescale rounds once.
        rescales = [op.operation for op in func_op.regions[0].blocks[0].operations
                    if op.operation.name == "tosa.rescale"]
        self.rounding = "single" if any(_rounding(r) == "single" for r in rescales) else "double"

    def replace(self, last, new_value: ir.Value, chain: list) -> None:
        last.results[0].replace_all_uses_with(new_value)
        for op in chain:
            # Python wrappers of one op are not identical objects: mark the op itself.
            op.attributes["tigris.dead"] = ir.UnitAttr.get()
        self.dead.extend(chain)

    def run(self) -> None:
        strip_quant_types(self.func)   # !quant.uniform (TFLite -> TOSA) -> its i8 storage
        for arg in self.func.regions[0].blocks[0].arguments:
            et = ir.RankedTensorType(arg.type).element_type
            if not isinstance(et, ir.IntegerType):
                raise PassError(f"the model is float ({et}): compilation needs an int8 model "
                                "(quantize it first, e.g. with onnxruntime.quantization."
                                "quantize_static); `tigris analyze` also works on float models",
                                self.func.location)
        ops = [op for op in self.func.regions[0].blocks[0].operations]
        for op in ops:
            op = op.operation
            if "tigris.dead" in op.attributes:
                continue
            handler = getattr(self, "on_" + op.name.replace("tosa.", "").replace(".", "_"), None)
            if op.name.startswith("tosa.") and op.name not in ("tosa.const", "tosa.const_shape"):
                if handler is None:
                    raise PassError(f"cannot legalize '{op.name}' to a tigris kernel", op.location)
                with ir.InsertionPoint(op), op.location:
                    handler(op)
        for op in reversed(self.dead):
            op.erase()
        # Kernel ops nothing uses (from TOSA ops nothing used), as a greedy
        # rewrite driver would; then the constants that only fed rewritten ops.
        erase_dead(self.func)
        for op in reversed([o.operation for o in self.func.regions[0].blocks[0].operations]):
            if op.name in ("tosa.const", "tosa.const_shape") and not list(op.results[0].uses):
                op.erase()

    # -------------------------------------------------------------- convolution
    def _conv_like(self, op, kind: str, group=None) -> None:
        """`op`'s convolution with its rescale (and clamp) as one kernel op; `group`:
        (concat, groups, input, weights, bias) of a grouped one (`_grouped`)."""
        x, w, b = op.operands[0], op.operands[1], op.operands[2]
        if group is not None:
            concat, groups, x, w, b = group
            result = concat.results[0]
        else:
            result, groups, x = op.results[0], 1, _input(op)
        if not _is_int(x, 8):
            raise PassError(f"'{op.name}' on {ir.RankedTensorType(x.type).element_type}: "
                            "compilation needs an int8 model", op.location)
        rescale = _single_user(result, "tosa.rescale")
        if rescale is None:
            raise PassError(f"'{op.name}' result must feed exactly one tosa.rescale", op.location)
        rp = _rescale_params(rescale)
        clamp, lo, hi = _clamp_after(rescale.results[0])
        last = clamp or rescale
        attrs = {
            "stride": list(ir.DenseI64ArrayAttr(op.attributes["stride"])),
            "dilation": list(ir.DenseI64ArrayAttr(op.attributes["dilation"])),
            "pad": list(ir.DenseI64ArrayAttr(op.attributes["pad"])),
            "input_offset": -int(_const(op.operands[3])[0]),
            "output_offset": rp["output_zp"], "multiplier": rp["multiplier"],
            "shift": rp["shift"], "act_min": lo, "act_max": hi,
        }
        attrs = _with_rounding(attrs, rp["rounding"], [("multiplier", "shift")], op.location)
        if int(_const(op.operands[4])[0]) != 0:
            raise PassError("weight zero point must be 0", op.location)
        out_t = last.results[0].type
        in_shape = ir.RankedTensorType(x.type).shape
        w_shape = ir.RankedTensorType(w.type).shape
        with ir.InsertionPoint(last):
            if kind == "depthwise":
                new = kernel_op("depthwise_conv2d", [x, w, b], out_t,
                                {**attrs, "channel_multiplier": w_shape[3]}, loc=op.location)
            elif groups == 1 and in_shape[1:3] == [1, 1] and w_shape[1:3] == [1, 1] \
                    and attrs["pad"] == [0, 0, 0, 0]:
                fc = {k: attrs[k] for k in ("input_offset", "output_offset", "multiplier",
                                            "shift", "act_min", "act_max", "rounding")
                      if k in attrs}
                new = kernel_op("fully_connected", [x, w, b], out_t, fc, loc=op.location)
            else:
                new = kernel_op("conv2d", [x, w, b], out_t, {**attrs, "groups": groups},
                                loc=op.location)
        chain = [op] if group is None else [v.owner for v in group[0].operands] + [group[0]]
        self.replace(last, new.result, chain + [rescale] + ([clamp] if clamp else []))

    def on_conv2d(self, op):
        if _grouped(op) is not None:
            return      # rewritten with the concat of its group
        self._conv_like(op, "conv")

    def _grouped_conv(self, concat) -> bool:
        """The importer's form of a grouped convolution (TOSA has none): one
        tosa.conv2d per group on slices of one input, weights and bias, the
        accumulators concatenated on channels. -> one grouped tigris.conv2d."""
        convs = [v.owner for v in concat.operands]
        mine = _grouped(convs[0])
        if mine is None or mine.operation != concat.operation:   # (wrappers are not unique)
            return False
        x, w, b = (convs[0].operands[i].owner.operands[0] for i in range(3))
        self._conv_like(convs[0], "conv", (concat, len(convs), x, w, b))
        return True

    def on_depthwise_conv2d(self, op):
        self._conv_like(op, "depthwise")

    # -------------------------------------------------------------- elementwise
    def _binary(self, op, kind: str) -> None:
        a, b = op.operands[0].owner, op.operands[1].owner
        if not all(getattr(x, "name", "") == "tosa.rescale" for x in (a, b)):
            raise PassError(f"'{op.name}' operands must come from tosa.rescale "
                            "(int8 idiom)", op.location)
        out = _single_user(op.results[0], "tosa.rescale")
        if out is None:
            raise PassError(f"'{op.name}' result must feed exactly one tosa.rescale", op.location)
        pa, pb, po = _rescale_params(a), _rescale_params(b), _rescale_params(out)
        clamp, lo, hi = _clamp_after(out.results[0])
        last = clamp or out
        common = {"input1_offset": -pa["input_zp"], "input2_offset": -pb["input_zp"],
                  "output_offset": po["output_zp"], "act_min": lo, "act_max": hi}
        if kind == "mul":
            if pa["multiplier"] != [1 << 30] or pa["shift"] != [1] or pb != pa | {"input_zp": pb["input_zp"]}:
                raise PassError("tosa.mul inputs must be rescaled by exactly 1.0", op.location)
            attrs = {**common, "output_multiplier": po["multiplier"][0],
                     "output_shift": po["shift"][0]}
            name = "mul"
        else:
            # The input rescales carry TFLite's left shift (20): their exponent is 20 higher.
            sign = -1 if kind == "sub" else 1
            attrs = {**common, "left_shift": 20,
                     "input1_multiplier": pa["multiplier"][0], "input1_shift": pa["shift"][0] - 20,
                     "input2_multiplier": sign * pb["multiplier"][0], "input2_shift": pb["shift"][0] - 20,
                     "output_multiplier": po["multiplier"][0], "output_shift": po["shift"][0]}
            name = "add"
        modes = {pa["rounding"], pb["rounding"], po["rounding"]}
        if len(modes) != 1:
            raise PassError(f"'{op.name}': its rescales mix rounding modes", op.location)
        attrs = _with_rounding(attrs, po["rounding"],
                               [("output_multiplier", "output_shift")] + (
                                   [("input1_multiplier", "input1_shift"),
                                    ("input2_multiplier", "input2_shift")] if name == "add" else []),
                               op.location)
        with ir.InsertionPoint(last):
            new = kernel_op(name, [a.operands[0], b.operands[0]], last.results[0].type, attrs,
                            loc=op.location)
        chain = [op, out] + ([clamp] if clamp else [])
        for r in (a, b):
            if len(list(r.results[0].uses)) == 1:
                chain.insert(0, r)
        self.replace(last, new.result, chain)

    def on_add(self, op):
        self._binary(op, "add")

    def on_sub(self, op):
        self._binary(op, "sub")

    def on_mul(self, op):
        self._binary(op, "mul")

    def _lut(self, op, table: np.ndarray) -> None:
        clamp, lo, hi = _clamp_after(op.results[0])
        last = clamp or op
        table = np.clip(table, lo, hi)
        with ir.InsertionPoint(last):
            new = kernel_op("lut", [op.operands[0]], last.results[0].type,
                            {"table": [int(v) for v in table]}, loc=op.location)
        self.replace(last, new.result, [op] + ([clamp] if clamp else []))

    def on_rescale(self, op):
        users = _users(op.results[0])
        if _is_int(op.results[0], 32) and users and \
                all(u.name in ("tosa.add", "tosa.sub", "tosa.mul") for u in users):
            return  # an input of the add/mul idiom: rewritten with that op
        if not (_is_int(op.operands[0], 8) and _is_int(op.results[0], 8)):
            users = ", ".join(sorted({u.name for u in _users(op.results[0])}))
            raise PassError(f"'tosa.rescale' to or from int32 outside a kernel idiom "
                            f"(used by {users or 'nothing'})", op.location)
        p = _rescale_params(op)
        q = np.arange(-128, 128, dtype=np.int64)
        m, sh = p["multiplier"][0], p["shift"][0]
        if p["rounding"] == "single":
            (m,), (sh,) = _single_range([m], [sh], op.location)
        r = requant((q - p["input_zp"]).astype(np.int32), m, sh, p["rounding"])
        self._lut(op, np.clip(r.astype(np.int64) + p["output_zp"], -128, 127))

    def on_table(self, op):
        if not _is_int(op.operands[0], 8):
            raise PassError("only int8 tosa.table is supported", op.location)
        self._lut(op, _const(op.operands[1]).astype(np.int64))

    def on_clamp(self, op):
        if not _is_int(op.operands[0], 8):
            raise PassError("float tosa.clamp: compilation needs an int8 model", op.location)
        lo = int(ir.IntegerAttr(op.attributes["min_val"]).value)
        hi = int(ir.IntegerAttr(op.attributes["max_val"]).value)
        self._lut(op, np.clip(np.arange(-128, 128), lo, hi))

    # ------------------------------------------------------------------ pooling
    def on_max_pool2d(self, op):
        clamp, lo, hi = _clamp_after(op.results[0])
        last = clamp or op
        attrs = {"kernel": list(ir.DenseI64ArrayAttr(op.attributes["kernel"])),
                 "stride": list(ir.DenseI64ArrayAttr(op.attributes["stride"])),
                 "dilation": [1, 1], "pad": list(ir.DenseI64ArrayAttr(op.attributes["pad"])),
                 "act_min": lo, "act_max": hi}
        with ir.InsertionPoint(last):
            new = kernel_op("max_pool", [_input(op)], last.results[0].type, attrs, loc=op.location)
        self.replace(last, new.result, [op] + ([clamp] if clamp else []))

    def on_avg_pool2d(self, op):
        x = _input(op)
        if not _is_int(x, 8):
            raise PassError("float tosa.avg_pool2d: compilation needs an int8 model", op.location)
        kernel = list(ir.DenseI64ArrayAttr(op.attributes["kernel"]))
        pad = list(ir.DenseI64ArrayAttr(op.attributes["pad"]))
        stride = list(ir.DenseI64ArrayAttr(op.attributes["stride"]))
        in_shape = ir.RankedTensorType(x.type).shape
        zp = int(_const(op.operands[1])[0])
        if kernel == in_shape[1:3] and pad == [0, 0, 0, 0]:
            rescale = _single_user(op.results[0], "tosa.rescale")
            real, ozp, chain, last = 1.0, zp, [op], op
            rounding = self.rounding
            if rescale is not None and _is_int(rescale.results[0], 8):
                p = _rescale_params(rescale)
                real = p["multiplier"][0] * 2.0 ** (p["shift"][0] - 31)
                ozp, chain, last = p["output_zp"], [op, rescale], rescale
                rounding = p["rounding"]
            from tigris.reference.fixedpoint import quantize_multiplier
            m, s = quantize_multiplier(real / (kernel[0] * kernel[1]))
            attrs = _with_rounding({"input_offset": -zp, "output_offset": ozp,
                                    "multiplier": m, "shift": s}, rounding,
                                   [("multiplier", "shift")], op.location)
            with ir.InsertionPoint(last):
                new = kernel_op("global_avg_pool", [x], last.results[0].type, attrs,
                                loc=op.location)
            self.replace(last, new.result, chain)
            return
        with ir.InsertionPoint(op):
            new = kernel_op("avg_pool", [x], op.results[0].type,
                            {"kernel": kernel, "stride": stride, "pad": pad,
                             "count_include_pad": 0, "act_min": -128, "act_max": 127},
                            loc=op.location)
        self.replace(op, new.result, [op])

    # ------------------------------------------------------------ custom kernels
    def on_custom(self, op):
        """A kernel the importer computed itself (tigris.dialects.custom_kernel)."""
        found = custom_attributes(op)
        if found is None or kernels.get(found[0]) is None:
            raise PassError(f"cannot legalize tosa.custom "
                            f"'{ir.StringAttr(op.attributes['operator_name']).value}'",
                            op.location)
        new = ir.Operation.create(f"tigris.{found[0]}", results=[op.results[0].type],
                                  operands=list(op.operands), attributes=found[1],
                                  loc=op.location)
        self.replace(op, new.result, [op])

    # ------------------------------------------------------------ data movement
    def _simple(self, op, name: str, attrs: dict | None = None) -> None:
        new = kernel_op(name, [op.operands[0]], op.results[0].type, attrs or {}, loc=op.location)
        self.replace(op, new.result, [op])

    def on_reshape(self, op):
        self._simple(op, "reshape")

    def on_transpose(self, op):
        self._simple(op, "transpose", {"perm": list(ir.DenseI32ArrayAttr(op.attributes["perms"]))})

    def on_slice(self, op):
        users = _users(op.results[0])
        if users and all(_floor_fold(op, u) or _grouped(u) is not None for u in users):
            # read whole by the kernel ops its users become (floor mode, groups)
            op.attributes["tigris.dead"] = ir.UnitAttr.get()
            self.dead.append(op)
            return
        self._simple(op, "slice", {"begin": [int(v) for v in _shape_const(op.operands[1])]})

    def on_pad(self, op):
        flat = [int(v) for v in _shape_const(op.operands[1])]
        rank = len(flat) // 2
        pad = flat[0::2] + flat[1::2]
        value = int(_const(op.operands[2])[0])
        assert len(pad) == 2 * rank
        self._simple(op, "pad", {"pad": pad, "value": value})

    def on_concat(self, op):
        if self._grouped_conv(op):
            return
        axis = int(ir.IntegerAttr(op.attributes["axis"]).value)
        out_t = op.results[0].type
        offsets, offset = [], 0
        for v in op.operands:
            offsets.append(offset)
            offset += ir.RankedTensorType(v.type).shape[axis]
        # Inserts fill disjoint slices, so their order is free: insert the
        # inputs defined earliest first, so the scheduler can retire them
        # (e.g. a U-Net skip) before the later inputs are computed.
        position = {}
        for i, o in enumerate(self.func.regions[0].blocks[0].operations):
            for r in o.operation.results:
                position[r] = i
        order = sorted(range(len(offsets)), key=lambda i: position.get(op.operands[i], -1))
        produced = [v for v in op.operands if v in position]
        if axis == 1 and produced:
            # Row bands: the producers write straight into the destination,
            # which must exist before the first of them runs.
            first = min(produced, key=lambda v: position[v]).owner
            with ir.InsertionPoint(first):
                dest = kernel_op("empty", [], out_t, {}, loc=op.location).result
        else:
            dest = kernel_op("empty", [], out_t, {}, loc=op.location).result
        for i in order:
            dest = kernel_op("insert", [op.operands[i], dest], out_t,
                             {"axis": axis, "offset": offsets[i]}, loc=op.location).result
        self.replace(op, dest, [op])


_WINDOWED = ("tosa.conv2d", "tosa.depthwise_conv2d", "tosa.max_pool2d", "tosa.avg_pool2d")


def _shape(value: ir.Value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


def _window(op) -> tuple[list[int], list[int], list[int], list[int]]:
    """(kernel, stride, dilation, pad) of a TOSA convolution or pool."""
    if op.name in ("tosa.conv2d", "tosa.depthwise_conv2d"):
        w = _shape(op.operands[1])
        kernel = w[1:3] if op.name == "tosa.conv2d" else w[0:2]
        dil = list(ir.DenseI64ArrayAttr(op.attributes["dilation"]))
    else:
        kernel, dil = list(ir.DenseI64ArrayAttr(op.attributes["kernel"])), [1, 1]
    return (kernel, list(ir.DenseI64ArrayAttr(op.attributes["stride"])), dil,
            list(ir.DenseI64ArrayAttr(op.attributes["pad"])))


def _input(op) -> ir.Value:
    """The input of windowed op `op`, with the importer's floor-mode slice folded."""
    x = op.operands[0]
    src = x.owner
    if getattr(src, "name", "") == "tosa.slice" and _floor_fold(src, op):
        return src.operands[0]
    return x


def _floor_fold(s, user, channels: bool = False) -> bool:
    """Whether tosa.slice `s`, the input of windowed op `user`, only drops trailing
    rows/columns no window of `user` reads (the importer's form of ONNX floor
    mode), so the kernel op can read the slice's source instead: begins 0 (the
    channels may be any contiguous range with `channels`), and on each cut axis
    no padding after and the same output size from the whole axis."""
    if s.name != "tosa.slice" or user.name not in _WINDOWED or user.operands[0] != s.results[0]:
        return False
    src, size = _shape(s.operands[0]), [int(v) for v in _shape_const(s.operands[2])]
    begin = [int(v) for v in _shape_const(s.operands[1])]
    if len(src) != 4 or begin[:3] != [0, 0, 0] or size[0] != src[0]:
        return False
    if not channels and (begin[3] != 0 or size[3] != src[3]):
        return False
    kernel, stride, dil, pad = _window(user)
    out = _shape(user.results[0])
    for ax in (1, 2):
        i = 2 * (ax - 1)
        if size[ax] == src[ax]:
            continue
        whole = (src[ax] + pad[i] - dil[ax - 1] * (kernel[ax - 1] - 1) - 1) // stride[ax - 1] + 1
        if size[ax] > src[ax] or pad[i + 1] != 0 or whole != out[ax]:
            return False
    return True


def _grouped(conv):
    """The tosa.concat that makes `conv` one group of a grouped convolution (see
    Legalizer._grouped_conv), or None."""
    if getattr(conv, "name", None) != "tosa.conv2d":   # a block argument's owner is a Block
        return None
    concat = _single_user(conv.results[0], "tosa.concat")
    if concat is None or int(ir.IntegerAttr(concat.attributes["axis"]).value) != 3:
        return None
    convs = [v.owner for v in concat.operands]
    if len(convs) < 2 or any(getattr(c, "name", "") != "tosa.conv2d" or
                             len(list(c.results[0].uses)) != 1 for c in convs):
        return None
    slices = [[c.operands[i].owner for c in convs] for i in range(3)]
    if any(getattr(s, "name", "") != "tosa.slice" for group in slices for s in group):
        return None
    sources = [{s.operands[0] for s in group} for group in slices]
    if any(len(src) != 1 for src in sources):
        return None
    w_src, b_src = next(iter(sources[1])), next(iter(sources[2]))
    if getattr(w_src.owner, "name", "") != "tosa.const" or \
            getattr(b_src.owner, "name", "") != "tosa.const":
        return None
    cin_g, cout_g = _shape(convs[0].operands[1])[3], _shape(convs[0].operands[1])[0]
    attrs = [{k: str(c.attributes[k]) for k in ("pad", "stride", "dilation")} for c in convs]
    for g, c in enumerate(convs):
        xs, ws, bs = (s[g] for s in slices)
        if [int(v) for v in _shape_const(xs.operands[1])][3] != g * cin_g or \
                [int(v) for v in _shape_const(ws.operands[1])] != [g * cout_g, 0, 0, 0] or \
                [int(v) for v in _shape_const(bs.operands[1])] != [g * cout_g] or \
                _shape(c.operands[1])[0] != cout_g or attrs[g] != attrs[0] or \
                c.operands[3] != convs[0].operands[3] or c.operands[4] != convs[0].operands[4] or \
                not _floor_fold(xs, c, channels=True):
            return None
    if len(convs) * cout_g != _shape(w_src)[0] or len(convs) * cin_g != _shape(xs.operands[0])[3]:
        return None
    return concat


def _shape_const(value: ir.Value) -> np.ndarray:
    owner = value.owner
    if owner.name != "tosa.const_shape":
        raise PassError("expected a tosa.const_shape operand", owner.location)
    return np.array(owner.attributes["values"]).reshape(-1)


def run(func_op, options) -> None:
    Legalizer(func_op).run()


PASS = Pass("tigris-legalize", "Rewrite int8 TOSA (conv/rescale/clamp, add and mul idioms, "
            "tables, pools, data movement) into tigris kernel ops, one per runtime call", run)
