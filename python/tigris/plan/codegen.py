"""C99 source from a binary plan: one direct kernel call per step over fixed arena offsets.

`generate(plan, name) -> (source, header)`. The source includes the runtime's
kernel headers (runtime/kernels/include) and links against the kernels; it
needs no plan loader. Constants become `static const` arrays (16-byte aligned
with GCC/Clang), kernel parameters `static const` structs, and every call is
the same function the runtime's executor calls for that op (the tigris_run_*
dispatchers for the ESP-NN-shaped ops, tigris_* for the rest), so its output
equals the plan's byte for byte.

    int32_t <name>_run(const int8_t *input0, ..., int8_t *output0, ...,
                       uint8_t *fast_arena, uint8_t *slow_arena);

returns 0, or the negative TIGRIS_ERR_* code of the first kernel that failed.
The arenas must hold <NAME>_FAST_ARENA_SIZE / <NAME>_SLOW_ARENA_SIZE bytes.
"""
from __future__ import annotations

import re

import numpy as np

from tigris.plan.reader import Call, Plan

_DISPATCH = {"conv2d": "tigris_run_conv2d_s8", "depthwise_conv2d": "tigris_run_depthwise_conv2d_s8"}


def c_identifier(name: str) -> str:
    ident = re.sub(r"[^0-9A-Za-z_]", "_", name).strip("_") or "model"
    return f"m_{ident}" if ident[0].isdigit() else ident


def _ints(values) -> str:
    return ", ".join(str(int(v)) for v in values)


def _array_body(values: np.ndarray, per_line: int = 24) -> str:
    text = [str(v) for v in values.tolist()]
    lines = [", ".join(text[i:i + per_line]) for i in range(0, len(text), per_line)]
    return ",\n    ".join(lines)


class _Emitter:
    def __init__(self, plan: Plan, name: str):
        self.plan = plan
        self.name = name
        self.consts: dict[tuple[int, int, str], str] = {}   # (offset, size, dtype) -> array name
        self.decls: list[str] = []
        self.body: list[str] = []

    # -------------------------------------------------------------- operands
    def const(self, index: int) -> str:
        t = self.plan.tensors[index]
        key = (t.offset, t.size, t.dtype)
        if key not in self.consts:
            arr = f"k{len(self.consts)}"
            ctype = "int8_t" if t.dtype == "i8" else "int32_t"
            data = self.plan.constant(index)
            self.decls.append(f"static const {ctype} {arr}[{t.count}] TIGRIS_GEN_ALIGN = {{\n    "
                              f"{_array_body(data)}\n}};")
            self.consts[key] = arr
        return self.consts[key]

    def ptr(self, index: int | None, writable: bool = False, ctype: str = "int8_t") -> str:
        if index is None:
            return "NULL"
        t = self.plan.tensors[index]
        if t.pool == "flash":
            return self.const(index)
        base = "fast_arena" if t.pool == "fast" else "slow_arena"
        q = "" if writable else "const "
        return f"({q}{ctype} *)(void *)({base} + {t.offset}u)"

    def shape(self, index: int) -> list[int]:
        return self.plan.tensors[index].shape

    # ------------------------------------------------------------------ calls
    def call(self, step: int, c: Call) -> None:
        k = c.kernel.name
        t = c.tensors
        rank = len(self.shape(t[0]))
        p = c.params(rank)
        lines: list[str] = []
        s = f"s{step}"
        # the last field of the requantizing kernels' parameter structs
        rounding = "TIGRIS_ROUND_SINGLE" if c.rounding == "single" else "TIGRIS_ROUND_DOUBLE"

        def dims(var: str, index: int) -> None:
            lines.append(f"static const tigris_dims4_t {var} = {{{_ints(self.shape(index))}}};")

        def shape_arr(var: str, index: int) -> str:
            sh = self.shape(index)
            lines.append(f"static const int32_t {var}[{max(len(sh), 1)}] = {{{_ints(sh or [0])}}};")
            return f"{var}, {len(sh)}"

        if k in ("conv2d", "depthwise_conv2d"):
            slot = {n: t[c.kernel.slot_index(n)] for n in
                    ("input", "weights", "bias", "multiplier", "shift", "output", "scratch")}
            dims("in", slot["input"])
            dims("f", slot["weights"])
            dims("out", slot["output"])
            groups, cm = (p["groups"], 1) if k == "conv2d" else (1, p["channel_multiplier"])
            q = self.plan.tensors[slot["multiplier"]].count
            lines.append(
                f"static const tigris_conv_params_t p = {{{{{_ints(p['stride'])}}}, "
                f"{{{_ints(p['dilation'])}}}, {{{_ints(p['pad'])}}}, {groups}, {cm}, "
                f"{p['input_offset']}, {p['output_offset']}, {self.ptr(slot['multiplier'])}, "
                f"{self.ptr(slot['shift'])}, {q}, {p['act_min']}, {p['act_max']}, {rounding}}};")
            sc = slot["scratch"]
            scratch = ("NULL, 0" if sc is None else
                       f"{self.ptr(sc, True, 'uint8_t')}, {self.plan.tensors[sc].size}")
            call = (f"{_DISPATCH[k]}(&in, {self.ptr(slot['input'])}, &f, "
                    f"{self.ptr(slot['weights'])}, {self.ptr(slot['bias'], ctype='int32_t')}, "
                    f"&out, {self.ptr(slot['output'], True)}, &p, {scratch}, NULL)")
        elif k == "fully_connected":
            w = self.shape(t[1])
            rows = self.plan.tensors[t[0]].count // w[1]
            q = self.plan.tensors[t[3]].count
            lines.append(f"static const tigris_fc_params_t p = {{{p['input_offset']}, "
                         f"{p['output_offset']}, {self.ptr(t[3])}, {self.ptr(t[4])}, {q}, "
                         f"{p['act_min']}, {p['act_max']}, {rounding}}};")
            call = (f"tigris_run_fully_connected_s8({self.ptr(t[0])}, {rows}, {w[1]}, "
                    f"{self.ptr(t[1])}, {self.ptr(t[2], ctype='int32_t')}, {w[0]}, "
                    f"{self.ptr(t[5], True)}, &p, NULL)")
        elif k in ("add", "mul"):
            names = [pp.name for pp in c.kernel.params]
            struct = "tigris_add_params_t" if k == "add" else "tigris_mul_params_t"
            lines.append(f"static const {struct} p = {{{_ints(p[n] for n in names)}, "
                         f"{rounding}}};")
            a, b, y = shape_arr("sa", t[0]), shape_arr("sb", t[1]), shape_arr("sy", t[2])
            call = (f"tigris_run_{k}_s8({self.ptr(t[0])}, {a}, {self.ptr(t[1])}, {b}, "
                    f"{self.ptr(t[2], True)}, {y}, &p, NULL)")
        elif k in ("avg_pool", "max_pool"):
            dims("in", t[0])
            dims("out", t[1])
            dil = p.get("dilation", [1, 1])
            cip = p.get("count_include_pad", 0)
            lines.append(f"static const tigris_pool_params_t p = {{{{{_ints(p['kernel'])}}}, "
                         f"{{{_ints(p['stride'])}}}, {{{_ints(dil)}}}, {{{_ints(p['pad'])}}}, "
                         f"{cip}, {p['act_min']}, {p['act_max']}}};")
            call = (f"tigris_run_{k}_s8(&in, {self.ptr(t[0])}, &out, {self.ptr(t[1], True)}, "
                    f"&p, NULL)")
        elif k == "global_avg_pool":
            dims("in", t[0])
            lines.append(f"static const tigris_gap_params_t p = {{{p['input_offset']}, "
                         f"{p['output_offset']}, {p['multiplier']}, {p['shift']}, "
                         f"{rounding}}};")
            call = (f"tigris_run_global_avg_pool_s8(&in, {self.ptr(t[0])}, "
                    f"{self.ptr(t[1], True)}, &p, NULL)")
        elif k == "softmax":
            sh = self.shape(t[0])
            depth = sh[-1] if sh else 1
            rows = self.plan.tensors[t[0]].count // depth
            call = (f"tigris_softmax_s8({self.ptr(t[0])}, {rows}, {depth}, {self.ptr(t[1])}, "
                    f"{p['output_scale_q16']}, {p['output_offset']}, {self.ptr(t[2], True)})")
        elif k == "lut" and self.plan.tensors[t[1]].count != 256:   # one table per channel
            sh = self.shape(t[0])
            call = (f"tigris_lut_per_channel_s8({self.ptr(t[0])}, "
                    f"{self.plan.tensors[t[0]].count}, {sh[-1] if sh else 1}, "
                    f"{self.ptr(t[1])}, {self.ptr(t[2], True)})")
        elif k == "lut":
            call = (f"tigris_lut_s8({self.ptr(t[0])}, {self.plan.tensors[t[0]].count}, "
                    f"{self.ptr(t[1])}, {self.ptr(t[2], True)})")
        elif k in ("transpose", "slice"):
            key = "perm" if k == "transpose" else "begin"
            a, y = shape_arr("sa", t[0]), shape_arr("sy", t[1])
            lines.append(f"static const int32_t v[{rank}] = {{{_ints(p[key])}}};")
            call = (f"tigris_{k}_s8({self.ptr(t[0])}, {a}, v, {self.ptr(t[1], True)}, "
                    f"{y.split(',')[0]})")
        elif k == "pad":
            a, y = shape_arr("sa", t[0]), shape_arr("sy", t[1])
            lines.append(f"static const int32_t v[{2 * rank}] = {{{_ints(p['pad'])}}};")
            call = (f"tigris_pad_s8({self.ptr(t[0])}, {a}, v, {p['value']}, "
                    f"{self.ptr(t[1], True)}, {y.split(',')[0]})")
        elif k == "resize":
            dims("in", t[0])
            dims("out", t[7])
            mode = "TIGRIS_RESIZE_LINEAR" if p["mode"] == "linear" else "TIGRIS_RESIZE_NEAREST"
            tables = ", ".join(self.ptr(t[i], ctype="int32_t") for i in range(1, 7))
            call = (f"tigris_resize_s8(&in, {self.ptr(t[0])}, &out, {self.ptr(t[7], True)}, "
                    f"{mode}, {tables})")
        elif k == "insert":
            a = shape_arr("sa", t[0])
            d = shape_arr("sd", t[1])
            call = (f"tigris_insert_s8({self.ptr(t[0])}, {a.split(',')[0]}, {self.ptr(t[1])}, "
                    f"{d}, {p['axis']}, {p['offset']}, {self.ptr(t[2], True)})")
        elif k == "reshape":
            size = self.plan.tensors[t[0]].size
            self.body.append(f"    /* step {step}: {k} */")
            self.body.append(f"    memcpy({self.ptr(t[1], True)}, {self.ptr(t[0])}, {size}u);")
            return
        else:  # pragma: no cover - the reader only knows these kernels
            raise ValueError(f"no C emitter for kernel '{k}'")
        self.body.append(f"    {{   /* step {step}: {k} */")
        self.body += [f"        {ln}" for ln in lines]
        self.body.append(f"        const int32_t {s} = {call};")
        self.body.append(f"        if ({s} != TIGRIS_OK) {{")
        self.body.append(f"            return {s};")
        self.body.append("        }")
        self.body.append("    }")


def generate(plan: Plan, name: str | None = None, header_name: str | None = None
             ) -> tuple[str, str]:
    """(C source, C header) for `plan`; `name` prefixes the symbols (default: the plan's)."""
    ident = c_identifier(name or plan.name)
    upper = ident.upper()
    header_name = header_name or f"{ident}.h"
    e = _Emitter(plan, ident)
    params, io_lines = [], []
    for i, d in enumerate(plan.inputs):
        params.append(f"const int8_t *input{i}")
        io_lines.append(_io_comment("input", i, d, plan))
    for i, d in enumerate(plan.outputs):
        params.append(f"int8_t *output{i}")
        io_lines.append(_io_comment("output", i, d, plan))
    params += ["uint8_t *fast_arena", "uint8_t *slow_arena"]
    signature = f"int32_t {ident}_run({', '.join(params)})"
    for i, d in enumerate(plan.inputs):
        t = plan.tensors[d.tensor]
        e.body.append(f"    memcpy({e.ptr(d.tensor, True)}, input{i}, {t.size}u);")
    for step, c in enumerate(plan.calls):
        e.call(step, c)
    for i, d in enumerate(plan.outputs):
        t = plan.tensors[d.tensor]
        e.body.append(f"    memcpy(output{i}, {e.ptr(d.tensor)}, {t.size}u);")
    uses_slow = any(t.pool == "slow" for t in plan.tensors)
    src = [f"/* Generated by `tigris codegen` from the plan '{plan.name}' (format 1). */",
           "/* Do not edit: regenerate from the plan. */",
           "#include <stddef.h>", "#include <stdint.h>", "#include <string.h>", "",
           '#include "tigris_kernel_args.h"', f'#include "{header_name}"', "",
           "#if defined(__GNUC__)", "#define TIGRIS_GEN_ALIGN __attribute__((aligned(16)))",
           "#else", "#define TIGRIS_GEN_ALIGN", "#endif", ""]
    src += e.decls
    src += ["", f"{signature}", "{"]
    if not uses_slow:
        src.append("    (void)slow_arena;")
    src += e.body
    src += ["    return TIGRIS_OK;", "}", ""]
    hdr = [f"/* Generated by `tigris codegen` from the plan '{plan.name}'. */",
           f"#ifndef {upper}_H", f"#define {upper}_H", "", "#include <stdint.h>", "",
           "#ifdef __cplusplus", 'extern "C" {', "#endif", "",
           f"#define {upper}_FAST_ARENA_SIZE {plan.fast_size}u",
           f"#define {upper}_SLOW_ARENA_SIZE {plan.slow_size}u",
           f"#define {upper}_ARENA_ALIGNMENT {min(plan.alignment, 16)}u"]
    for i, d in enumerate(plan.inputs):
        hdr.append(f"#define {upper}_INPUT{i}_SIZE {plan.tensors[d.tensor].size}u")
    for i, d in enumerate(plan.outputs):
        hdr.append(f"#define {upper}_OUTPUT{i}_SIZE {plan.tensors[d.tensor].size}u")
    hdr += [""] + io_lines + [
        "/* Runs the model: inputs and outputs are int8 in the layouts above; the arenas",
        f" * hold {upper}_FAST_ARENA_SIZE / {upper}_SLOW_ARENA_SIZE bytes aligned to",
        f" * {upper}_ARENA_ALIGNMENT. Returns 0 or the failing kernel's TIGRIS_ERR_* code. */",
        f"{signature};", "", "#ifdef __cplusplus", "}", "#endif", "", f"#endif /* {upper}_H */", ""]
    return "\n".join(src), "\n".join(hdr)


def _io_comment(kind: str, i: int, d, plan: Plan) -> str:
    t = plan.tensors[d.tensor]
    layout = "NHWC" if d.layout == "nhwc" else "as the model"
    return (f"/* {kind}{i} '{d.name}': int8 {list(t.shape)} ({layout}; model shape "
            f"{list(d.shape)}), real = {d.scale!r} * (q - {d.zero_point}) */")


__all__ = ["generate", "c_identifier"]
