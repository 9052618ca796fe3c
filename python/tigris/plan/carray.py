"""A binary plan as C99 source: `tigris codegen --c-array`.

`c_array(data, plan, name, header) -> (source, header text)`. The source holds
the plan's bytes as one `const uint8_t <name>_plan[]`, 16-byte aligned (the
alignment tigris_load requires; GCC/Clang attribute or C11 _Alignas, an #error
otherwise), and its length `<name>_plan_size`; the header declares both and
gives the arena sizes the plan needs, so a firmware can size static arenas:

    <NAME>_PLAN_SIZE, <NAME>_FAST_ARENA_SIZE, <NAME>_SLOW_ARENA_SIZE,
    <NAME>_ARENA_ALIGNMENT

A `const` array lives in flash (rodata) on a microcontroller; tigris_load
reads it in place.
"""
from __future__ import annotations

from tigris.plan.codegen import c_identifier
from tigris.plan.reader import Plan

PER_LINE = 16


def c_array(data: bytes, plan: Plan, name: str | None, header: str) -> tuple[str, str]:
    prefix = c_identifier(name or plan.name)
    sym, upper = f"{prefix}_plan", prefix.upper()
    guard = f"{upper}_PLAN_DATA_H"
    hdr = "\n".join([
        f"/* The plan of model '{plan.name}' as a C array (tigris codegen --c-array). */",
        f"#ifndef {guard}", f"#define {guard}", "",
        "#include <stddef.h>", "#include <stdint.h>", "",
        f"#define {upper}_PLAN_SIZE {len(data)}u",
        f"#define {upper}_FAST_ARENA_SIZE {plan.fast_size}u",
        f"#define {upper}_SLOW_ARENA_SIZE {plan.slow_size}u",
        f"#define {upper}_ARENA_ALIGNMENT {min(plan.alignment, 16)}u", "",
        f"/* {len(data)} bytes, 16-byte aligned: pass both to tigris_load. */",
        f"extern const uint8_t {sym}[{upper}_PLAN_SIZE];",
        f"extern const size_t {sym}_size;", "",
        f"#endif /* {guard} */", ""])
    rows = [", ".join(f"0x{b:02x}" for b in data[i:i + PER_LINE])
            for i in range(0, len(data), PER_LINE)]
    src = "\n".join([
        f"/* The plan of model '{plan.name}' ({len(data)} bytes; tigris codegen --c-array). */",
        f'#include "{header}"', "",
        "#if defined(__GNUC__) || defined(__clang__)",
        f"#define {upper}_PLAN_ALIGN_PRE",
        f"#define {upper}_PLAN_ALIGN_POST __attribute__((aligned(16)))",
        "#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L",
        f"#define {upper}_PLAN_ALIGN_PRE _Alignas(16)",
        f"#define {upper}_PLAN_ALIGN_POST",
        "#else",
        '#error "align this array to 16 bytes for this compiler (tigris_load requires it)"',
        "#endif", "",
        f"{upper}_PLAN_ALIGN_PRE const uint8_t {sym}[{upper}_PLAN_SIZE] "
        f"{upper}_PLAN_ALIGN_POST = {{",
        "    " + ",\n    ".join(rows),
        "};", "",
        f"const size_t {sym}_size = {upper}_PLAN_SIZE;", ""])
    return src, hdr


__all__ = ["c_array"]
