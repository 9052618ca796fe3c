// tigris-tile splitting a 1x1 conv by output channels (esp32s3 target): ESP-NN
// reserves a copy of the whole filter as scratch (16 KiB here), more than the
// 12 KiB budget; in 4 groups of 64 channels each call's scratch is a quarter.
// Each group reads views of the weight and bias constants (contiguous rows)
// and its output goes into the stage output along the channel axis.
// RUN: tigris-opt %s --tigris-tile='budget=12K target=esp32s3' | FileCheck %s
// RUN: not tigris-opt %s --tigris-tile='budget=4K target=esp32s3' 2>&1 | FileCheck %s --check-prefix=FAIL

// CHECK-LABEL: func.func @pointwise
// CHECK-SAME: channel_groups = array<i64: 4>
// CHECK-SAME: fits = 1 : i64
// CHECK: %[[W:.*]] = "tosa.const"() {{.*}} -> tensor<256x1x1x64xi8>
// CHECK: %[[B:.*]] = "tosa.const"() {{.*}} -> tensor<256xi32>
// CHECK: %[[E:.*]] = "tigris.empty"() {{.*}} -> tensor<1x4x4x256xi8>
// CHECK: %[[W0:.*]] = "tigris.slice"(%[[W]]) {begin = array<i64: 0, 0, 0, 0>{{.*}} -> tensor<64x1x1x64xi8>
// CHECK: %[[B0:.*]] = "tigris.slice"(%[[B]]) {begin = array<i64: 0>{{.*}} -> tensor<64xi32>
// CHECK: %[[C0:.*]] = "tigris.conv2d"(%arg0, %[[W0]], %[[B0]]) {{.*}} -> tensor<1x4x4x64xi8>
// CHECK: %[[I0:.*]] = "tigris.insert"(%[[C0]], %[[E]]) {axis = 3 : i64, offset = 0 : i64
// CHECK: "tigris.slice"(%[[W]]) {begin = array<i64: 64, 0, 0, 0>
// CHECK: "tigris.insert"({{.*}}) {axis = 3 : i64, offset = 64 : i64
// CHECK: "tigris.insert"({{.*}}) {axis = 3 : i64, offset = 128 : i64
// CHECK: %[[I3:.*]] = "tigris.insert"({{.*}}) {axis = 3 : i64, offset = 192 : i64
// CHECK: return %[[I3]]
// FAIL: error: does not fit 4096 bytes
func.func @pointwise(%x: tensor<1x4x4x64xi8>) -> tensor<1x4x4x256xi8> {
  %w = "tosa.const"() <{values = dense<1> : tensor<256x1x1x64xi8>}> : () -> tensor<256x1x1x64xi8>
  %b = "tosa.const"() <{values = dense<0> : tensor<256xi32>}> : () -> tensor<256xi32>
  %0 = "tigris.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: -8>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x4x4x64xi8>, tensor<256x1x1x64xi8>, tensor<256xi32>) -> tensor<1x4x4x256xi8>
  return %0 : tensor<1x4x4x256xi8>
}
