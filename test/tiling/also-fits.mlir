// tigris-tile{also-fits=1} (what tigris analyze runs): when the plan fits, the
// halved budgets it also fits without a slow pool, searched with the same
// stage options. The chain runs flat in 4 KiB (input and output, 2 KiB each,
// the output written over the input); 2 KiB holds the input alone, so the
// search stops there; no budget below the 2 KiB input is tried.
// RUN: tigris-opt %s --tigris-schedule --tigris-tile='budget=16K also-fits=1' | FileCheck %s
// RUN: tigris-opt %s --tigris-schedule --tigris-tile='budget=16K' | FileCheck %s --check-prefix=OFF

// CHECK-LABEL: func.func @chain
// CHECK-SAME: tigris.tiling = {also_fits = [{budget = 8192 : i64, latency = 10000 : i64, macs = 294912 : i64}, {budget = 4096 : i64, latency = 10000 : i64, macs = 294912 : i64}], budget = 16384 : i64
// OFF-LABEL: func.func @chain
// OFF-SAME: tigris.tiling = {also_fits = array<i64>, budget = 16384 : i64
func.func @chain(%x: tensor<1x16x16x8xi8>) -> tensor<1x16x16x8xi8> {
  %w1 = "tosa.const"() <{values = dense<1> : tensor<8x3x3x8xi8>}> : () -> tensor<8x3x3x8xi8>
  %w2 = "tosa.const"() <{values = dense<1> : tensor<8x3x3x8xi8>}> : () -> tensor<8x3x3x8xi8>
  %b = "tosa.const"() <{values = dense<0> : tensor<8xi32>}> : () -> tensor<8xi32>
  %0 = "tigris.conv2d"(%x, %w1, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: -8>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x16x16x8xi8>, tensor<8x3x3x8xi8>, tensor<8xi32>) -> tensor<1x16x16x8xi8>
  %1 = "tigris.conv2d"(%0, %w2, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: -8>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x16x16x8xi8>, tensor<8x3x3x8xi8>, tensor<8xi32>) -> tensor<1x16x16x8xi8>
  return %1 : tensor<1x16x16x8xi8>
}
