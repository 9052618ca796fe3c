// tigris-tile splitting a wide chain into two column tiles (5K fast + 8M slow):
// the 16 KiB conv output cannot stay whole in fast memory and, unsplit, goes
// through the slow pool; split, each tile streams its rows of a 33- or
// 34-column window of the input and writes its 16 output columns into the
// joined output (in the slow pool) in place: a width insert into a row view
// of it. Tile 1 keeps the left padding (and reads one halo column on the
// right), tile 2 the right. The halo columns cost 1.5% more MACs.
// RUN: tigris-opt %s --tigris-schedule '--tigris-tile=budget=5K slow=8M' | FileCheck %s

// CHECK-LABEL: func.func @wide
// CHECK-SAME: column_split = "c1..d1 x2"
// CHECK-SAME: fits = 1 : i64
// CHECK-SAME: macs = 2433024 : i64, min_peak = {{[0-9]+}} : i64, model_macs = 2396160 : i64
// CHECK: %[[OUT:.*]] = "tigris.empty"() {tigris.name = "{{.*}}", tigris.space = "slow", tigris.stage = 0 : i64} : () -> tensor<1x8x32x16xi8>
// CHECK: %[[ROW:.*]] = "tigris.slice"(%arg0) {begin = array<i64: 0, 0, 0, 0>, tigris.stage = 1 : i64} : (tensor<1x16x64x16xi8>) -> tensor<1x1x64x16xi8>
// CHECK: "tigris.slice"(%[[ROW]]) {begin = array<i64: 0, 0, 0, 0>{{.*}} -> tensor<1x1x34x16xi8>
// CHECK: "tigris.conv2d"({{.*}}pad = array<i64: 1, 0, 1, 0>{{.*}} -> tensor<1x1x33x16xi8>
// CHECK: %[[D:.*]] = "tigris.depthwise_conv2d"({{.*}} -> tensor<1x1x16x16xi8>
// CHECK: %[[V:.*]] = "tigris.slice"(%[[OUT]]) {begin = array<i64: 0, 0, 0, 0>{{.*}} -> tensor<1x1x32x16xi8>
// CHECK: %[[J:.*]] = "tigris.insert"(%[[D]], %[[V]]) {axis = 2 : i64, offset = 0 : i64
// CHECK: "tigris.insert"(%[[J]], %[[OUT]]) {axis = 1 : i64, offset = 0 : i64
// CHECK: "tigris.slice"({{.*}}) {begin = array<i64: 0, 0, 31, 0>, tigris.stage = 2 : i64} : (tensor<1x1x64x16xi8>) -> tensor<1x1x33x16xi8>
// CHECK: "tigris.conv2d"({{.*}}pad = array<i64: 1, 0, 0, 1>{{.*}} -> tensor<1x1x32x16xi8>
// CHECK: "tigris.insert"({{.*}}) {axis = 2 : i64, offset = 16 : i64
// CHECK: return

func.func @wide(%x: tensor<1x16x64x16xi8>) -> tensor<1x8x32x16xi8> {
  %w1 = "tosa.const"() <{values = dense<1> : tensor<16x3x3x16xi8>}> : () -> tensor<16x3x3x16xi8>
  %w2 = "tosa.const"() <{values = dense<1> : tensor<3x3x16x1xi8>}> : () -> tensor<3x3x16x1xi8>
  %b = "tosa.const"() <{values = dense<0> : tensor<16xi32>}> : () -> tensor<16xi32>
  %0 = "tigris.conv2d"(%x, %w1, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: -8>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x16x64x16xi8>, tensor<16x3x3x16xi8>, tensor<16xi32>) -> tensor<1x16x64x16xi8> loc("c1")
  %1 = "tigris.depthwise_conv2d"(%0, %w2, %b) {stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 1, 0, 1>, channel_multiplier = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: -8>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x16x64x16xi8>, tensor<3x3x16x1xi8>, tensor<16xi32>) -> tensor<1x8x32x16xi8> loc("d1")
  return %1 : tensor<1x8x32x16xi8>
}
