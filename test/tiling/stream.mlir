// tigris-tile streaming the same chain as strips.mlir (3328-byte budget):
// paced strips of up to 6 rows. The first conv computes each of its rows once,
// into one buffer of 7 rows (its largest band) kept for the whole stage; the
// second conv lags it by the row its 3x3 window reads below. A strip's new
// rows go behind the 2 rows the second conv reads again; when they would not
// fit, those rows first move to the buffer's head (an insert of a view of
// the buffer into itself), then the first conv writes only rows no earlier
// strip computed.
// RUN: tigris-opt %s --tigris-schedule --tigris-tile=budget=3328 | FileCheck %s

// CHECK-LABEL: func.func @chain
// CHECK-SAME: fits = 1 : i64
// CHECK-SAME: macs = 294912 : i64, min_peak = {{[0-9]+}} : i64, model_macs = 294912 : i64
// CHECK-SAME: streamed_stages = 1 : i64, strip_heights = array<i64: 6>, tiled_stages = 1 : i64
// CHECK: %[[E:.*]] = "tigris.empty"() {{.*}} -> tensor<1x16x16x8xi8>
// CHECK: %[[R:.*]] = "tigris.empty"() {{.*}} -> tensor<1x7x16x8xi8>
// CHECK: %[[S0:.*]] = "tigris.slice"(%arg0) {begin = array<i64: 0, 0, 0, 0>{{.*}} -> tensor<1x7x16x8xi8>
// CHECK: %[[A0:.*]] = "tigris.conv2d"(%[[S0]], {{.*}}pad = array<i64: 1, 0, 1, 1>{{.*}} -> tensor<1x6x16x8xi8>
// CHECK: %[[R0:.*]] = "tigris.insert"(%[[A0]], %[[R]]) {axis = 1 : i64, offset = 0 : i64
// CHECK: %[[V0:.*]] = "tigris.slice"(%[[R0]]) {begin = array<i64: 0, 0, 0, 0>{{.*}} -> tensor<1x6x16x8xi8>
// CHECK: %[[B0:.*]] = "tigris.conv2d"(%[[V0]], {{.*}} -> tensor<1x5x16x8xi8>
// CHECK: %[[O0:.*]] = "tigris.insert"(%[[B0]], %[[E]]) {axis = 1 : i64, offset = 0 : i64
// CHECK: %[[KEPT:.*]] = "tigris.slice"(%[[R0]]) {begin = array<i64: 0, 4, 0, 0>{{.*}} -> tensor<1x2x16x8xi8>
// CHECK: %[[M1:.*]] = "tigris.insert"(%[[KEPT]], %[[R0]]) {axis = 1 : i64, offset = 0 : i64
// CHECK: %[[S1:.*]] = "tigris.slice"(%arg0) {begin = array<i64: 0, 5, 0, 0>{{.*}} -> tensor<1x7x16x8xi8>
// CHECK: %[[A1:.*]] = "tigris.conv2d"(%[[S1]], {{.*}}pad = array<i64: 0, 0, 1, 1>{{.*}} -> tensor<1x5x16x8xi8>
// CHECK: %[[R1:.*]] = "tigris.insert"(%[[A1]], %[[M1]]) {axis = 1 : i64, offset = 2 : i64
// CHECK: %[[B1:.*]] = "tigris.conv2d"(%[[R1]], {{.*}}pad = array<i64: 0, 0, 1, 1>{{.*}} -> tensor<1x5x16x8xi8>
// CHECK: "tigris.insert"(%[[B1]], %[[O0]]) {axis = 1 : i64, offset = 5 : i64
// CHECK: return

func.func @chain(%x: tensor<1x16x16x8xi8>) -> tensor<1x16x16x8xi8> {
  %w1 = "tosa.const"() <{values = dense<1> : tensor<8x3x3x8xi8>}> : () -> tensor<8x3x3x8xi8>
  %w2 = "tosa.const"() <{values = dense<1> : tensor<8x3x3x8xi8>}> : () -> tensor<8x3x3x8xi8>
  %b = "tosa.const"() <{values = dense<0> : tensor<8xi32>}> : () -> tensor<8xi32>
  %0 = "tigris.conv2d"(%x, %w1, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: -8>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x16x16x8xi8>, tensor<8x3x3x8xi8>, tensor<8xi32>) -> tensor<1x16x16x8xi8>
  %1 = "tigris.conv2d"(%0, %w2, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: -8>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x16x16x8xi8>, tensor<8x3x3x8xi8>, tensor<8xi32>) -> tensor<1x16x16x8xi8>
  return %1 : tensor<1x16x16x8xi8>
}
