// tigris-tile{stream=0} under a budget the flat chain exceeds (input and output 2 KiB
// each, 3 KiB budget): the two convolutions run in strips of 4 output rows.
// Each strip slices the input rows it reads (with the 2-row halo), its convs
// pad only at real borders, its last conv goes into the stage output rows,
// and the output is written over input rows no later strip reads (overlay).
// RUN: tigris-opt %s --tigris-schedule --tigris-tile='budget=3K stream=0' | FileCheck %s
// RUN: not tigris-opt %s --tigris-tile=budget=1K 2>&1 | FileCheck %s --check-prefix=FAIL

// CHECK-LABEL: func.func @chain
// CHECK-SAME: fits = 1 : i64
// CHECK-SAME: strip_heights = array<i64: 4>, tiled_stages = 1 : i64
// CHECK: %[[E:.*]] = "tigris.empty"() {tigris.overlay_delta = -256 : i64, tigris.overlay_of = "arg0", tigris.overlay_size = 2304 : i64{{.*}}} : () -> tensor<1x16x16x8xi8>
// CHECK: %[[S0:.*]] = "tigris.slice"(%arg0) {begin = array<i64: 0, 0, 0, 0>{{.*}}} : (tensor<1x16x16x8xi8>) -> tensor<1x6x16x8xi8>
// CHECK: %[[A0:.*]] = "tigris.conv2d"(%[[S0]], {{.*}}pad = array<i64: 1, 0, 1, 1>{{.*}} -> tensor<1x5x16x8xi8>
// CHECK: %[[B0:.*]] = "tigris.conv2d"(%[[A0]], {{.*}}pad = array<i64: 1, 0, 1, 1>{{.*}} -> tensor<1x4x16x8xi8>
// CHECK: %[[I0:.*]] = "tigris.insert"(%[[B0]], %[[E]]) {axis = 1 : i64, offset = 0 : i64
// CHECK: %[[S1:.*]] = "tigris.slice"(%arg0) {begin = array<i64: 0, 2, 0, 0>{{.*}} -> tensor<1x8x16x8xi8>
// CHECK: %[[A1:.*]] = "tigris.conv2d"(%[[S1]], {{.*}}pad = array<i64: 0, 0, 1, 1>{{.*}} -> tensor<1x6x16x8xi8>
// CHECK: %[[B1:.*]] = "tigris.conv2d"(%[[A1]], {{.*}}pad = array<i64: 0, 0, 1, 1>{{.*}} -> tensor<1x4x16x8xi8>
// CHECK: "tigris.insert"(%[[B1]], %[[I0]]) {axis = 1 : i64, offset = 4 : i64
// CHECK: "tigris.conv2d"({{.*}}pad = array<i64: 0, 1, 1, 1>
// CHECK: return
// FAIL: error: does not fit 1024 bytes: the smallest budget found that works is {{[0-9]+}} bytes
func.func @chain(%x: tensor<1x16x16x8xi8>) -> tensor<1x16x16x8xi8> {
  %w1 = "tosa.const"() <{values = dense<1> : tensor<8x3x3x8xi8>}> : () -> tensor<8x3x3x8xi8>
  %w2 = "tosa.const"() <{values = dense<1> : tensor<8x3x3x8xi8>}> : () -> tensor<8x3x3x8xi8>
  %b = "tosa.const"() <{values = dense<0> : tensor<8xi32>}> : () -> tensor<8xi32>
  %0 = "tigris.conv2d"(%x, %w1, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: -8>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x16x16x8xi8>, tensor<8x3x3x8xi8>, tensor<8xi32>) -> tensor<1x16x16x8xi8>
  %1 = "tigris.conv2d"(%0, %w2, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: -8>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x16x16x8xi8>, tensor<8x3x3x8xi8>, tensor<8xi32>) -> tensor<1x16x16x8xi8>
  return %1 : tensor<1x16x16x8xi8>
}
