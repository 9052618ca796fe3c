// Target and budget set once on the module (tigris-configure, or tigris-opt
// --tigris-target/--tigris-budget) are read by every pass with such an option;
// an explicit option that contradicts them is an error; tigris-assign-offsets
// fails a plan whose fast pool is over the module's budget, or over the budget
// tigris-tile said it fits (esp32s3 conv scratch: 1120 bytes, reference: 704).
// RUN: tigris-opt %s --tigris-target=esp32s3 --tigris-budget=2K --tigris-schedule --tigris-tile --tigris-bufferize --tigris-liveness --tigris-assign-offsets | FileCheck %s
// RUN: not tigris-opt %s --pass-pipeline='builtin.module(tigris-configure{target=reference budget=1K},tigris-schedule,tigris-tile,tigris-bufferize{target=esp32s3})' 2>&1 | FileCheck %s --check-prefix=CONTRADICT
// RUN: not tigris-opt %s --tigris-budget=1K --tigris-schedule --tigris-tile=strict=0 --tigris-bufferize=target=esp32s3 --tigris-liveness --tigris-assign-offsets 2>&1 | FileCheck %s --check-prefix=OVER
// RUN: not tigris-opt %s --tigris-schedule --tigris-tile=budget=1K --tigris-bufferize=target=esp32s3 --tigris-liveness --tigris-assign-offsets 2>&1 | FileCheck %s --check-prefix=TILED
// RUN: not tigris-opt %s --tigris-budget=1K --tigris-target=esp32s3 --tigris-schedule --tigris-tile 2>&1 | FileCheck %s --check-prefix=TILE
// RUN: not tigris-opt %s --tigris-budget=1K --pass-pipeline='builtin.module(tigris-configure{budget=2K})' 2>&1 | FileCheck %s --check-prefix=TWICE

// CHECK: module attributes {tigris.budget = 2048 : i64, tigris.slow = 0 : i64, tigris.target = "esp32s3"}
// CHECK: tigris.arena = {{{.*}}size = 1120 : i64}
// CONTRADICT: configure.mlir:[[@LINE+6]]:1: error: option target=esp32s3 of 'tigris-bufferize' contradicts the module's tigris.target = 'reference'
// OVER: configure.mlir:[[@LINE+5]]:1: error: the fast pool needs 1120 bytes, over the budget of 1024 bytes (tigris.budget)
// TILED: configure.mlir:[[@LINE+4]]:1: error: the fast pool needs 1120 bytes, over the budget of 1024 bytes tigris-tile planned for
// TILE: error: does not fit 1024 bytes: the smallest budget found that works is 1120 bytes
// TWICE: error: option budget=2048 of 'tigris-configure' contradicts the module's tigris.budget = 1024

func.func @conv(%x: tensor<1x8x8x3xi8>) -> tensor<1x8x8x8xi8> {
  %w = "tosa.const"() <{values = dense<1> : tensor<8x3x3x3xi8>}> : () -> tensor<8x3x3x3xi8>
  %b = "tosa.const"() <{values = dense<0> : tensor<8xi32>}> : () -> tensor<8xi32>
  %0 = "tigris.conv2d"(%x, %w, %b) {act_max = 127 : i64, act_min = -128 : i64, dilation = array<i64: 1, 1>, groups = 1 : i64, input_offset = -8 : i64, multiplier = array<i32: 1447318061>, output_offset = -128 : i64, pad = array<i64: 1, 1, 1, 1>, shift = array<i32: -7>, stride = array<i64: 1, 1>} : (tensor<1x8x8x3xi8>, tensor<8x3x3x3xi8>, tensor<8xi32>) -> tensor<1x8x8x8xi8>
  return %0 : tensor<1x8x8x8xi8>
}
