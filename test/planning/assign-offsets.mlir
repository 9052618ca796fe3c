// tigris-assign-offsets packs the fan-out plan at its lower bound; the two
// padded copies never coexist, so they may share bytes.
// RUN: tigris-opt %s --tigris-schedule --tigris-bufferize --tigris-liveness --tigris-assign-offsets | FileCheck %s
// RUN: tigris-opt %s --tigris-schedule --tigris-bufferize --tigris-liveness --tigris-assign-offsets=alignment=64 | FileCheck %s --check-prefix=A64
// RUN: not tigris-opt %s --tigris-assign-offsets 2>&1 | FileCheck %s --check-prefix=ORDER

// CHECK: tigris.arena = {alignment = 16 : i64, bound = 10576 : i64, gap = 0 : i64, method = "{{.*}}", optimal = 1 : i64, size = 10576 : i64}
// CHECK: "tigris.pad"{{.*}}tigris.offset = [[PA:[0-9]+]] : i64
// CHECK: "tigris.pad"{{.*}}tigris.offset = [[PA]] : i64
// A64: tigris.arena = {alignment = 64 : i64, bound = 10624 : i64, gap = 0 : i64
// ORDER: error: tigris-assign-offsets needs lifetimes: run tigris-liveness first
func.func @fanout(%x: tensor<1x16x16x16xi8>) -> tensor<1x9x9x16xi8> {
  %a1 = "tigris.pad"(%x) {pad = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = 0 : i64} : (tensor<1x16x16x16xi8>) -> tensor<1x18x18x16xi8>
  %b1 = "tigris.pad"(%x) {pad = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = 0 : i64} : (tensor<1x16x16x16xi8>) -> tensor<1x18x18x16xi8>
  %a2 = "tigris.max_pool"(%a1) {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x18x18x16xi8>) -> tensor<1x9x9x16xi8>
  %b2 = "tigris.max_pool"(%b1) {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x18x18x16xi8>) -> tensor<1x9x9x16xi8>
  %s = "tigris.add"(%a2, %b2) {input1_offset = 0 : i64, input2_offset = 0 : i64, input1_multiplier = 1073741824 : i64, input1_shift = 0 : i64, input2_multiplier = 1073741824 : i64, input2_shift = 0 : i64, left_shift = 20 : i64, output_offset = 0 : i64, output_multiplier = 1073741824 : i64, output_shift = -19 : i64, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x9x9x16xi8>, tensor<1x9x9x16xi8>) -> tensor<1x9x9x16xi8>
  return %s : tensor<1x9x9x16xi8>
}
