// tigris-verify accepts `rounding` only on requantizing kernels, "single" or
// "double", and with single rounding only shifts in [-31, 30] (rounding.mlir
// has the valid forms).
// RUN: tigris-opt %s --tigris-verify --split-input-file --verify-diagnostics

func.func @bad(%x: tensor<1x4x4x8xi8>) -> tensor<1x1x1x8xi8> {
  // expected-error@+1 {{'tigris.lut' takes no rounding (only requantizing kernels do)}}
  %0 = "tigris.lut"(%x) {table = array<i8: 0>, rounding = "single"} : (tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8>
  // expected-error@+1 {{'tigris.mul' rounding 'nearest' is not "single" or "double"}}
  %1 = "tigris.mul"(%0, %0) {input1_offset = 0 : i64, input2_offset = 0 : i64, output_offset = 0 : i64, output_multiplier = 1073741824 : i64, output_shift = 0 : i64, act_min = -128 : i64, act_max = 127 : i64, rounding = "nearest"} : (tensor<1x4x4x8xi8>, tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8>
  // expected-error@+1 {{'tigris.global_avg_pool' shift outside [-31, 30] with single rounding}}
  %2 = "tigris.global_avg_pool"(%1) {input_offset = 0 : i64, output_offset = 0 : i64, multiplier = 1073741824 : i64, shift = -40 : i64, rounding = "single"} : (tensor<1x4x4x8xi8>) -> tensor<1x1x1x8xi8>
  return %2 : tensor<1x1x1x8xi8>
}
