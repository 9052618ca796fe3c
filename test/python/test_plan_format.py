"""The binary plan format: layout, alignment, determinism, the Python reader's checks, the
lowering's plan module, and the compile / run / codegen commands' errors."""
from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from tigris.budget import Budget
from tigris.cli import main as tigris
from tigris.plan import format as F
from tigris.plan.compiler import compile_onnx
from tigris.plan.reader import read_plan

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "test" / "models"))
import zoo  # noqa: E402


@pytest.fixture(scope="module")
def tiny():
    return compile_onnx(str(zoo.build("tiny_concat")), Budget(1 << 20))


def with_crc(data: bytearray) -> bytes:
    data[F.CRC_OFFSET:F.CRC_OFFSET + 4] = b"\0\0\0\0"
    data[F.CRC_OFFSET:F.CRC_OFFSET + 4] = (zlib.crc32(bytes(data)) & 0xFFFFFFFF).to_bytes(4, "little")
    return bytes(data)


def test_header_and_layout(tiny):
    data = tiny.data
    h = F.HEADER.unpack_from(data)
    assert h[0] == b"TGRS" and h[1] == F.VERSION and h[2] == 128 and h[3] == len(data)
    n_tensors, n_calls, n_in, n_out = h[9], h[11], h[13], h[14]
    assert (h[10], h[12], h[15], h[16]) == F.layout_offsets(n_tensors, n_calls, n_in + n_out)
    assert h[16] % 16 == 0 and h[17] % 16 == 0 and h[16] + h[17] == len(data)
    assert h[6] == tiny.arena and (n_calls, n_in, n_out) == (tiny.calls, 1, 1)
    crc = h[4]
    body = bytearray(data)
    body[16:20] = b"\0\0\0\0"
    assert zlib.crc32(bytes(body)) & 0xFFFFFFFF == crc


def test_weights_are_16_byte_aligned_and_in_place(tiny):
    plan = read_plan(tiny.data)
    assert plan.weights_offset % 16 == 0
    flash = [t for t in plan.tensors if t.pool == "flash"]
    assert flash and all(t.offset % 16 == 0 for t in flash)
    # every constant is the bytes the model has: the plan can be read in place (XIP)
    for i, t in enumerate(plan.tensors):
        if t.pool == "flash":
            raw = tiny.data[plan.weights_offset + t.offset:plan.weights_offset + t.offset + t.size]
            assert plan.constant(i).tobytes() == raw


def test_same_input_same_bytes_across_processes(tiny, tmp_path):
    """A fresh interpreter (other hash seed, other dict orders) writes the same bytes."""
    out = tmp_path / "p.tgrs"
    env = dict(os.environ, PYTHONHASHSEED="12345")
    r = subprocess.run([sys.executable, "-m", "tigris.cli", "compile",
                        str(zoo.build("tiny_concat")), "-m", "1M", "-o", str(out)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == tiny.data


def test_io_descriptors(tiny):
    plan = read_plan(tiny.data)
    (i,), (o,) = plan.inputs, plan.outputs
    assert i.name == "input" and i.layout == "nhwc" and i.shape == [1, 3, 8, 8]
    assert plan.tensors[i.tensor].shape == [1, 8, 8, 3] and plan.tensors[i.tensor].pool == "fast"
    assert o.shape == [1, 10, 8, 8] and o.zero_point == -128 and 0 < o.scale < 1


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.__setitem__(slice(0, 4), b"XXXX"), "bad magic"),
    (lambda d: d.__setitem__(slice(4, 8), (2).to_bytes(4, "little")), "version 2"),
    (lambda d: d.__setitem__(200, d[200] ^ 1), "CRC-32 mismatch"),
])
def test_reader_rejects(tiny, mutate, message):
    d = bytearray(tiny.data)
    mutate(d)
    with pytest.raises(F.PlanError, match=message):
        read_plan(bytes(d))


def test_reader_rejects_structural_corruption(tiny):
    data = tiny.data
    h = F.HEADER.unpack_from(data)
    t_off, c_off, io_off = h[10], h[12], h[15]
    cases = {
        "truncated": data[:-1],
        "bad section layout": with_crc(bytearray(data[:36]) + (h[9] + 1).to_bytes(4, "little")
                                       + bytearray(data[40:])),
    }
    d = bytearray(data)
    struct.pack_into("<I", d, t_off + 4, 1 << 30)           # tensor 0 far outside its pool
    cases["outside the"] = with_crc(d)
    d = bytearray(data)
    struct.pack_into("<H", d, c_off, 77)                      # unknown kernel
    cases["unknown kernel"] = with_crc(d)
    d = bytearray(data)
    struct.pack_into("<H", d, io_off, 0xFFF0)                 # I/O tensor out of range
    cases["I/O descriptor 0"] = with_crc(d)
    for message, bad in cases.items():
        with pytest.raises(F.PlanError, match=message):
            read_plan(bad)


def test_python_and_c_constants_agree():
    """runtime/src/plan_format.h spells the same layout and kernel ids as format.py."""
    text = (ROOT / "runtime" / "src" / "plan_format.h").read_text()
    defs = {m[0]: int(m[1], 0) for m in re.findall(r"#define (TG_\w+) (0x[0-9A-Fa-f]+|\d+)u?\b", text)}
    assert defs["TG_HEADER_SIZE"] == F.HEADER_SIZE and defs["TG_TENSOR_SIZE"] == F.TENSOR_SIZE
    assert defs["TG_CALL_SIZE"] == F.CALL_SIZE and defs["TG_IO_SIZE"] == F.IO_SIZE
    assert defs["TG_MAX_SLOTS"] == F.MAX_SLOTS and defs["TG_MAX_PARAMS"] == F.MAX_PARAMS
    assert defs["TG_NO_TENSOR"] == F.NO_TENSOR and defs["TG_WEIGHT_ALIGN"] == F.WEIGHT_ALIGN
    assert defs["TG_H_CRC"] == F.CRC_OFFSET and defs["TG_NAME_SIZE"] == F.NAME_SIZE
    for k in F.KERNELS.values():
        assert defs[f"TG_K_{k.name.upper()}"] == k.id
    assert defs["TG_K_COUNT"] == len(F.KERNELS) + 1
    assert defs["TG_CALL_SINGLE_ROUNDING"] == F.CALL_SINGLE_ROUNDING
    header = (ROOT / "runtime" / "include" / "tigris.h").read_text()
    assert re.search(r"#define TIGRIS_PLAN_VERSION (\d+)u", header).group(1) == str(F.VERSION)


def test_lowered_plan_module(tiny):
    """The MLIR form: pools, buffers at offsets (constants with data in flash), calls."""
    text = tiny.plan_mlir
    assert re.search(r'"tigris.pool"\(\) \{alignment = 16 : i64, size = \d+ : i64, '
                     r'space = "fast", sym_name = "fast"\}', text)
    assert '"tigris.pool"() {alignment = 16 : i64' in text and 'space = "flash"' in text
    calls = re.findall(r'"tigris.call"\(\) \{inputs = \[[^]]*\], kernel = "(\w+)"', text)
    assert calls == ["conv2d", "insert", "conv2d", "lut", "insert"]
    assert "tigris.empty" not in text and "func.func" not in text
    assert re.search(r'sym_name = "n\d+.multiplier", tigris.data = dense<', text)


def test_compile_does_not_fit_exit_3(capsys):
    model = str(zoo.build("resnet8"))
    assert tigris(["compile", model, "-m", "4K", "--flat", "-o", os.devnull]) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert re.match(r"tigris: resnet8\.\S+ does not fit 4\.00 KiB of fast RAM: the plan needs "
                    r"48\.00 KiB \(49152 bytes\)", err), err


def test_compile_flash_budget_exit_3(capsys):
    assert tigris(["compile", str(zoo.build("resnet8")), "-m", "1M", "-f", "16K",
                   "-o", os.devnull]) == 3
    assert "more than the 16.00 KiB flash budget" in capsys.readouterr().err


def test_compile_float_model_exit_2(capsys):
    assert tigris(["compile", str(zoo.build("tiny_conv_relu", "float")), "-o", os.devnull]) == 2
    assert "a float model" in capsys.readouterr().err


def test_esp32s3_target_reserves_scratch():
    ref = read_plan(compile_onnx(str(zoo.build("ds_cnn")), Budget(1 << 20)).data)
    s3 = read_plan(compile_onnx(str(zoo.build("ds_cnn")), Budget(1 << 20), "esp32s3").data)
    assert ref.target == "reference" and s3.target == "esp32s3"
    scratch = [c.slot("scratch") for c in s3.calls if c.kernel.name in ("conv2d", "depthwise_conv2d")]
    assert any(s is not None for s in scratch)
    assert all(c.slot("scratch") is None for c in ref.calls
               if c.kernel.name in ("conv2d", "depthwise_conv2d"))


def test_run_errors_are_one_line(tiny, tmp_path, capsys):
    plan = tmp_path / "p.tgrs"
    plan.write_bytes(tiny.data)
    np.save(tmp_path / "bad.npy", np.zeros((1, 3, 4, 4), np.float32))
    assert tigris(["run", str(plan), "-i", str(tmp_path / "bad.npy"), "-o",
                   str(tmp_path / "y.npy")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "expects [1, 3, 8, 8]" in err
    assert tigris(["run", str(plan), "-i", str(tmp_path / "missing.npy"), "-o", "y.npy"]) == 2
    assert "cannot read" in capsys.readouterr().err
    broken = tmp_path / "broken.tgrs"
    broken.write_bytes(tiny.data[:-5])
    assert tigris(["run", str(broken), "-i", str(tmp_path / "bad.npy"), "-o", "y.npy"]) == 2
    assert "truncated plan" in capsys.readouterr().err


def test_run_without_a_compiler_is_one_line(tiny, tmp_path):
    """No cached runtime and no C compiler: one line, exit 1."""
    plan = tmp_path / "p.tgrs"
    plan.write_bytes(tiny.data)
    np.save(tmp_path / "x.npy", np.zeros((1, 3, 8, 8), np.float32))
    env = {k: v for k, v in os.environ.items() if k != "CC"}
    env.update(PATH=str(tmp_path / "empty"), TIGRIS_CACHE_DIR=str(tmp_path / "cache"))
    r = subprocess.run([sys.executable, "-m", "tigris.cli", "run", str(plan), "-i",
                        str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        "tigris: no C compiler found (install gcc or clang, or set CC) to build the host runtime"]


def test_codegen_writes_source_and_header(tiny, tmp_path):
    plan = tmp_path / "m.tgrs"
    plan.write_bytes(tiny.data)
    assert tigris(["codegen", str(plan), "-o", str(tmp_path / "net.c"), "--name", "net"]) == 0
    src, hdr = (tmp_path / "net.c").read_text(), (tmp_path / "net.h").read_text()
    assert '#include "net.h"' in src and "int32_t net_run(const int8_t *input0, int8_t *output0, " \
        "uint8_t *fast_arena, uint8_t *slow_arena);" in hdr
    assert f"#define NET_FAST_ARENA_SIZE {tiny.arena}u" in hdr
    assert src.count("tigris_run_conv2d_s8(") == 2 and src.count("tigris_insert_s8(") == 2
    assert "malloc" not in src


def test_reader_rejects_overlapping_slots_like_the_loader(tiny):
    """A call whose output is its (not in-place) input: the reader, which
    tigris compile runs on every plan it writes, refuses it as the C loader does."""
    from tigris.plan.host import HostPlan, HostRuntimeError
    data = tiny.data
    plan = read_plan(data)
    c_off = F.HEADER.unpack_from(data)[12]
    index, call = next((i, c) for i, c in enumerate(plan.calls) if c.kernel.name == "conv2d")
    names = [s.name for s in call.kernel.slots]
    d = bytearray(data)
    struct.pack_into("<H", d, c_off + index * F.CALL.size + 8 + 2 * names.index("output"),
                     call.tensors[names.index("input")])
    bad = with_crc(d)
    with pytest.raises(F.PlanError, match=f"call {index} \\(conv2d\\): slot 'output' overlaps slot 'input'"):
        read_plan(bad)
    with pytest.raises(HostRuntimeError, match="TIGRIS_STATUS_OVERLAP"):
        HostPlan(bad, plan)


def test_streamed_bands_move_rows_within_their_buffer():
    """A streamed stage keeps each op's bands in one buffer and moves the rows
    it keeps to the head with an insert whose input lies inside its output
    (MobileNetV1 0.25 at 32K). The C runtime runs such a plan bit-exact with
    the untiled one; an overlapping insert whose output is not its destination
    is refused by the reader and the loader alike."""
    from tigris.plan.execute import run_plan
    from tigris.plan.host import HostPlan, HostRuntimeError
    path = str(zoo.build("mobilenet_v1_0.25_96"))
    tiled, flat = compile_onnx(path, Budget(32 << 10)), compile_onnx(path, Budget(1 << 20))
    plan = read_plan(tiled.data)

    def overlapping(a, b):
        return a.pool == b.pool and a.offset < b.offset + b.size and b.offset < a.offset + a.size
    moves = [(i, c) for i, c in enumerate(plan.calls) if c.kernel.name == "insert"
             and overlapping(plan.tensors[c.tensors[0]], plan.tensors[c.tensors[2]])]
    assert len(moves) >= 3
    host, flat_plan = HostPlan(tiled.data, plan), read_plan(flat.data)
    for seed in range(2):
        x = np.random.default_rng(seed).integers(-128, 128, plan.inputs[0].shape, dtype=np.int8)
        (want,) = run_plan(flat_plan, [x])
        (got,) = host.run([x])
        assert np.array_equal(got.reshape(want.shape), want)
    # The move's destination elsewhere than its output (bytes 0.. of the arena,
    # clear of the output): the copy of the destination into the output would
    # overwrite the input before it is read.
    index, call = moves[0]
    dest, out = (plan.tensors[t] for t in call.tensors[1:])
    assert call.tensors[1] != call.tensors[2] and dest.size <= out.offset
    t_off = F.HEADER.unpack_from(tiled.data)[10]
    d = bytearray(tiled.data)
    struct.pack_into("<I", d, t_off + call.tensors[1] * F.TENSOR.size + 4, 0)
    bad = with_crc(d)
    with pytest.raises(F.PlanError, match=f"call {index} \\(insert\\): slot 'output' overlaps "
                                          "slot 'input'"):
        read_plan(bad)
    with pytest.raises(HostRuntimeError, match="TIGRIS_STATUS_OVERLAP"):
        HostPlan(bad, plan)


# ------------------------------------------------ call flags: single rounding

def compile_with_rounding(text: str, rounding, target: str = "reference") -> bytes:
    """Plan bytes for MLIR text of tigris kernel ops (as kitchen_sink.compile_mlir),
    with the lowered calls' `tigris.rounding` attribute set by `rounding(kernel name)`:
    a string, or None to leave the call as the lowering made it (absent: "double")."""
    from mlir import ir
    from tigris.driver import Device, planning_pipeline
    from tigris.dialects import make_context
    from tigris.pipeline import build
    from tigris.plan.writer import plan_modules, write_plan
    from tigris.resources import WeightTable
    ctx = make_context()
    with ctx:
        module = ir.Module.parse(text)
        weights = WeightTable.from_asm(text)
        build(planning_pipeline(Device(target, 16), legalize=False), ctx).run(module.operation)
        build("builtin.module(tigris-lower-to-plan)", ctx).run(module.operation)
        (pm,) = plan_modules(module)
        for op in pm.regions[0].blocks[0].operations:
            op = op.operation
            if op.name != "tigris.call":
                continue
            value = rounding(ir.StringAttr(op.attributes["kernel"]).value)
            if value is None:
                if "tigris.rounding" in op.attributes:
                    del op.attributes["tigris.rounding"]
            else:
                op.attributes["tigris.rounding"] = ir.StringAttr.get(value)
        return write_plan(pm, weights)


def single_where_requantizing(name):
    return "single" if F.KERNELS[name].requantizes else None


def call_flags(data: bytes) -> list[tuple[str, int]]:
    h = F.HEADER.unpack_from(data)
    return [(F.KERNELS_BY_ID[k].name, flags) for k, flags, *_ in
            (F.CALL.unpack_from(data, h[12] + i * F.CALL.size) for i in range(h[11]))]


def test_flag_constants():
    assert F.CALL_SINGLE_ROUNDING == 1
    assert {k.name for k in F.KERNELS.values() if k.call_flags} == {
        "conv2d", "depthwise_conv2d", "fully_connected", "add", "mul", "global_avg_pool"}
    assert all(k.call_flags in (0, F.CALL_SINGLE_ROUNDING) for k in F.KERNELS.values())


def test_writer_sets_the_single_rounding_flag():
    """`tigris.rounding = "single"` on a requantizing call sets flag bit 0, read back as
    Call.rounding; absent or "double" leaves the flags 0."""
    from kitchen_sink import kitchen_sink_mlir
    text = kitchen_sink_mlir(3)
    single = compile_with_rounding(text, single_where_requantizing)
    flags = call_flags(single)
    assert {n for n, _ in flags} >= {k.name for k in F.KERNELS.values() if k.requantizes}
    for name, f in flags:
        assert f == (F.CALL_SINGLE_ROUNDING if F.KERNELS[name].requantizes else 0), name
    plan = read_plan(single)
    assert [c.rounding for c in plan.calls] == \
        ["single" if c.kernel.requantizes else "double" for c in plan.calls]
    assert [c.flags for c in plan.calls] == [f for _, f in flags]
    for rounding in (lambda k: "double" if F.KERNELS[k].requantizes else None, lambda k: None):
        data = compile_with_rounding(text, rounding)
        assert all(f == 0 for _, f in call_flags(data))
        assert {c.rounding for c in read_plan(data).calls} == {"double"}
        # the flags are the only difference (and the CRC)
        a, b = bytearray(data), bytearray(single)
        a[F.CRC_OFFSET:F.CRC_OFFSET + 4] = b[F.CRC_OFFSET:F.CRC_OFFSET + 4] = b"\0\0\0\0"
        h = F.HEADER.unpack_from(data)
        for i in range(h[11]):
            at = h[12] + i * F.CALL.size + 2
            a[at:at + 2] = b[at:at + 2] = b"\0\0"
        assert a == b


def test_writer_rejects_bad_rounding_attributes():
    from kitchen_sink import kitchen_sink_mlir
    text = kitchen_sink_mlir(0)
    with pytest.raises(F.PlanError, match=r"\(lut\): single rounding on a kernel that does "
                                          r"not requantize"):
        compile_with_rounding(text, lambda k: "single" if k == "lut" else None)
    with pytest.raises(F.PlanError, match=r"\(conv2d\): unknown rounding 'triple'"):
        compile_with_rounding(text, lambda k: "triple" if k == "conv2d" else None)


def _set_flags(data: bytes, index: int, flags: int) -> bytes:
    d = bytearray(data)
    c_off = F.HEADER.unpack_from(data)[12]
    struct.pack_into("<H", d, c_off + index * F.CALL.size + 2, flags)
    return with_crc(d)


def _set_shift(data: bytes, plan, index: int, value: int) -> bytes:
    """The call's first requantization shift (its shift array's entry 0, or add's
    output_shift / mul's and gap's shift word) set to `value`."""
    d = bytearray(data)
    call = plan.calls[index]
    if any(s.name == "shift" for s in call.kernel.slots):
        t = plan.tensors[call.slot("shift")]
        struct.pack_into("<i", d, plan.weights_offset + t.offset, value)
    else:
        names = [p.name for p in call.kernel.params]
        word = names.index("output_shift" if "output_shift" in names else "shift")
        c_off = F.HEADER.unpack_from(data)[12]
        struct.pack_into("<i", d, c_off + index * F.CALL.size + 24 + 4 * word, value)
    return with_crc(d)


def test_reader_and_loader_check_the_flags_alike():
    """Flag bit 0 on a kernel that does not requantize, any other bit on any kernel, and
    single rounding with a shift outside [-31, 30]: the Python reader and the C loader
    (HostPlan, given the plan the reader made before the change) both refuse; single
    rounding with shifts -31 and 30 and double rounding with any shift load in both."""
    from tigris.plan.host import HostPlan, HostRuntimeError
    from kitchen_sink import kitchen_sink_mlir
    base = compile_with_rounding(kitchen_sink_mlir(3), lambda k: "double" if
                                 F.KERNELS[k].requantizes else None)
    plan = read_plan(base)
    seen = set()
    for i, c in enumerate(plan.calls):
        rq = c.kernel.requantizes
        good = _set_flags(base, i, F.CALL_SINGLE_ROUNDING)
        if rq:
            assert read_plan(good).calls[i].rounding == "single"
            HostPlan(good, plan)
        else:
            with pytest.raises(F.PlanError, match=rf"call {i} \({c.kernel.name}\): call flags "
                                                  r"0x0001: single rounding on a kernel"):
                read_plan(good)
            with pytest.raises(HostRuntimeError, match="TIGRIS_STATUS_BAD_CALL"):
                HostPlan(good, plan)
        for bits in (0x0002, 0x0003, 0x8000, 0xFFFF):
            bad = _set_flags(base, i, bits)
            with pytest.raises(F.PlanError, match=rf"call {i} \({c.kernel.name}\): call flags"):
                read_plan(bad)
            with pytest.raises(HostRuntimeError, match="TIGRIS_STATUS_BAD_CALL"):
                HostPlan(bad, plan)
        if not rq or c.kernel.name in seen:
            continue
        seen.add(c.kernel.name)
        for value in (31, -32, 100, -(1 << 31)):
            single = _set_shift(_set_flags(base, i, F.CALL_SINGLE_ROUNDING), plan, i, value)
            with pytest.raises(F.PlanError, match=rf"call {i} \({c.kernel.name}\): shift "
                                                  rf"{value} outside \[-31, 30\]"):
                read_plan(single)
            with pytest.raises(HostRuntimeError, match="TIGRIS_STATUS_BAD_PARAM"):
                HostPlan(single, plan)
            double = _set_shift(base, plan, i, value)
            read_plan(double)
            HostPlan(double, plan)
        for value in (30, -31):
            ok = _set_shift(_set_flags(base, i, F.CALL_SINGLE_ROUNDING), plan, i, value)
            read_plan(ok)
            HostPlan(ok, plan)
    assert seen == {k.name for k in F.KERNELS.values() if k.requantizes}


def test_codegen_emits_the_rounding_mode():
    from tigris.plan.codegen import generate
    from kitchen_sink import kitchen_sink_mlir
    text = kitchen_sink_mlir(3)
    single = read_plan(compile_with_rounding(text, single_where_requantizing))
    n = sum(c.kernel.requantizes for c in single.calls)
    src, _ = generate(single, "ks")
    assert n >= 6 and src.count("TIGRIS_ROUND_SINGLE}") == n and "TIGRIS_ROUND_DOUBLE" not in src
    double = read_plan(compile_with_rounding(text, lambda k: None))
    src, _ = generate(double, "ks")
    assert src.count("TIGRIS_ROUND_DOUBLE}") == n and "TIGRIS_ROUND_SINGLE" not in src


def _wakeword_plan():
    try:
        import pymicro_wakeword
    except ImportError:
        pytest.skip("pymicro-wakeword is not installed")
    path = Path(pymicro_wakeword.__file__).parent / "models" / "alexa.tflite"
    return compile_onnx(str(path), Budget(32 << 10), target="esp32s3").data


def test_state_region_checked_alike(tiny):
    """The state memory class in the plan: header word 76 (state_size) and I/O
    flag bit 1 (IO_STATE). A state size that is not the variables' bytes, a
    variable without its output, state with uint8, a zero point outside int8,
    state_size on a plan without state: the Python reader and the C loader
    both refuse; tigris_run_state refuses a missing or short region."""
    from tigris.plan.host import HostPlan, HostRuntimeError, aligned
    data = _wakeword_plan()
    plan = read_plan(data)
    assert plan.state_size == 3024 and sum(d.state for d in plan.inputs) == 6
    io_off = F.HEADER.unpack_from(data)[15]
    first_in = next(i for i, d in enumerate(plan.inputs) if d.state)
    first_out = len(plan.inputs) + next(i for i, d in enumerate(plan.outputs) if d.state)
    partner = len(plan.inputs) + next(i for i, d in enumerate(plan.outputs)
                                      if d.state and d.name == plan.inputs[first_in].name)

    def mutated(fn, base=data):
        d = bytearray(base)
        fn(d)
        return with_crc(d)

    def io_flags(d, slot, value):
        d[io_off + slot * F.IO_SIZE + 3] = value

    def io_zp(d, slot, value):
        struct.pack_into("<i", d, io_off + slot * F.IO_SIZE + 4, value)

    cases = {
        "state size 3025": mutated(lambda d: struct.pack_into("<I", d, 76, 3025)),
        "do not pair up": mutated(lambda d: io_flags(d, first_out, 0)),
        "malformed": mutated(lambda d: io_flags(d, first_in, F.IO_STATE | F.IO_UINT8)),
        "zero point 200": mutated(lambda d: (io_zp(d, first_in, 200), io_zp(d, partner, 200))),
        "state size 16": mutated(lambda d: struct.pack_into("<I", d, 76, 16), tiny.data),
    }
    for message, bad in cases.items():
        with pytest.raises(F.PlanError, match=message):
            read_plan(bad)
        with pytest.raises(HostRuntimeError, match="TIGRIS_STATUS_BAD_(IO|HEADER)"):
            HostPlan(bad, plan)
    host = HostPlan(data, plan)
    lib = host.lib
    fast = aligned(plan.fast_size)
    region = aligned(plan.state_size)
    assert lib.tigris_state_init(host.handle, region.ctypes.data, plan.state_size) == 0
    for state, size, status in ((None, plan.state_size, "NULL_ARGUMENT"),
                                (region.ctypes.data, plan.state_size - 1, "ARENA_TOO_SMALL")):
        st = lib.tigris_run_state(host.handle, fast.ctypes.data, plan.fast_size, None, 0,
                                  state, size, None)
        assert lib.tigris_status_str(st).decode() == f"TIGRIS_STATUS_{status}"
    # A plan without state: no region needed, run_state is run.
    tiny_host = HostPlan(tiny.data)
    assert tiny_host.plan.state_size == 0 and tiny_host.state_init().size == 0
    t = tiny_host.plan.tensors[tiny_host.plan.inputs[0].tensor]
    x = np.arange(t.count) % 200 - 100
    assert np.array_equal(tiny_host.run_state([x], tiny_host.state_init())[0],
                          tiny_host.run([x])[0])


def test_run_state_option_needs_a_plan_with_state(tiny, tmp_path, capsys):
    plan = tmp_path / "tiny.tgrs"
    plan.write_bytes(tiny.data)
    x = np.zeros(read_plan(tiny.data).inputs[0].shape, np.int8)
    np.save(tmp_path / "x.npy", x)
    assert tigris(["run", str(plan), "--state", str(tmp_path / "s.bin"), "-i",
                   str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"tigris: {plan} keeps no state; --state is for plans with state"
    assert not (tmp_path / "s.bin").exists() and not (tmp_path / "y.npy").exists()
