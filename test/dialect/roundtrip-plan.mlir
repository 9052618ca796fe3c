// Plan ops round-trip: pools, buffers at offsets, calls (a call's `stage` attribute
// numbers its stage).
// RUN: tigris-opt %s | tigris-opt | FileCheck %s

// CHECK: "tigris.pool"() {alignment = 16 : i64, size = 65536 : i64, space = "fast", sym_name = "sram"}
// CHECK-NEXT: "tigris.pool"() {alignment = 16 : i64, size = 8388608 : i64, space = "slow", sym_name = "psram"}
// CHECK-NEXT: "tigris.buffer"() {offset = 1024 : i64, pool = "sram", size = 4096 : i64, sym_name = "t3", type = tensor<1x8x8x64xi8>}
// CHECK-NEXT: "tigris.call"() {inputs = ["t2"], kernel = "conv2d", outputs = ["t3"], params = {act_max = 127 : i64}, stage = 0 : i64}
"tigris.pool"() {sym_name = "sram", space = "fast", size = 65536 : i64, alignment = 16 : i64} : () -> ()
"tigris.pool"() {sym_name = "psram", space = "slow", size = 8388608 : i64, alignment = 16 : i64} : () -> ()
"tigris.buffer"() {sym_name = "t3", pool = "sram", offset = 1024 : i64, size = 4096 : i64, type = tensor<1x8x8x64xi8>} : () -> ()
"tigris.call"() {kernel = "conv2d", inputs = ["t2"], outputs = ["t3"], params = {act_max = 127 : i64}, stage = 0 : i64} : () -> ()
