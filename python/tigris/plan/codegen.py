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

from tigris import kernels
from tigris.plan.reader import Call, Plan

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
        entry = kernels.REGISTRY.get(k)
        if entry is None or entry.emit_c is None:  # pragma: no cover - the reader knows these
            raise ValueError(f"no C emitter for kernel '{k}'")
        e = _CallEmitter(self, c)
        call = entry.emit_c(e, c, e.params)
        if not e.checked:
            self.body.append(f"    /* step {step}: {k} */")
            self.body.append(f"    {call};")
            return
        s = f"s{step}"
        self.body.append(f"    {{   /* step {step}: {k} */")
        self.body += [f"        {ln}" for ln in e.lines]
        self.body.append(f"        const int32_t {s} = {call};")
        self.body.append(f"        if ({s} != TIGRIS_OK) {{")
        self.body.append(f"            return {s};")
        self.body.append("        }")
        self.body.append("    }")


class _CallEmitter:
    """What a registry entry's `emit_c` builds one call's C with: operand
    pointers and shapes, and the declarations (`lines`) before the call."""

    def __init__(self, emitter: _Emitter, c: Call):
        self._e = emitter
        self.plan = emitter.plan
        self.call = c
        self.rank = len(emitter.shape(c.tensors[0]))
        self.params = c.params(self.rank)
        # the last field of the requantizing kernels' parameter structs
        self.rounding = "TIGRIS_ROUND_SINGLE" if c.rounding == "single" else "TIGRIS_ROUND_DOUBLE"
        self.lines: list[str] = []
        self.checked = True        # the call returns a status to check (not a plain memcpy)
        self.ints = _ints

    def ptr(self, index: int | None, writable: bool = False, ctype: str = "int8_t") -> str:
        return self._e.ptr(index, writable, ctype)

    def shape(self, index: int) -> list[int]:
        return self._e.shape(index)

    def count(self, index: int) -> int:
        return self.plan.tensors[index].count

    def size(self, index: int) -> int:
        return self.plan.tensors[index].size

    def slot(self, name: str) -> int | None:
        return self.call.tensors[self.call.kernel.slot_index(name)]

    def dims(self, var: str, index: int) -> None:
        self.lines.append(f"static const tigris_dims4_t {var} = {{{_ints(self.shape(index))}}};")

    def shape_arr(self, var: str, index: int) -> str:
        sh = self.shape(index)
        self.lines.append(f"static const int32_t {var}[{max(len(sh), 1)}] = "
                          f"{{{_ints(sh or [0])}}};")
        return f"{var}, {len(sh)}"


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
