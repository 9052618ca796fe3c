// Every kernel op parses, verifies, prints and parses again.
// RUN: tigris-opt %s | tigris-opt | FileCheck %s

// CHECK-LABEL: func.func @kernels
func.func @kernels(%x: tensor<1x8x8x4xi8>, %y: tensor<1x8x8x16xi8>) -> tensor<1x10xi8> {
  %w = "tosa.const"() <{values = dense<1> : tensor<16x3x3x4xi8>}> : () -> tensor<16x3x3x4xi8>
  %b = "tosa.const"() <{values = dense<0> : tensor<16xi32>}> : () -> tensor<16xi32>
  // CHECK: "tigris.conv2d"(%arg0, %{{.*}}, %{{.*}}) {act_max = 127 : i64, act_min = -128 : i64, dilation = array<i64: 1, 1>, groups = 1 : i64, input_offset = 128 : i64, multiplier = array<i32: 1073741824>, output_offset = -128 : i64, pad = array<i64: 1, 1, 1, 1>, shift = array<i32: -7>, stride = array<i64: 1, 1>} : (tensor<1x8x8x4xi8>, tensor<16x3x3x4xi8>, tensor<16xi32>) -> tensor<1x8x8x16xi8>
  %0 = "tigris.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 128 : i64, output_offset = -128 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: -7>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x8x8x4xi8>, tensor<16x3x3x4xi8>, tensor<16xi32>) -> tensor<1x8x8x16xi8>
  %dw = "tosa.const"() <{values = dense<1> : tensor<3x3x16x1xi8>}> : () -> tensor<3x3x16x1xi8>
  // CHECK: "tigris.depthwise_conv2d"({{.*}}) {{.*}}channel_multiplier = 1 : i64{{.*}} -> tensor<1x4x4x16xi8>
  %1 = "tigris.depthwise_conv2d"(%0, %dw, %b) {stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 1, 0, 1>, channel_multiplier = 1 : i64, input_offset = 128 : i64, output_offset = -128 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: -7>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x8x8x16xi8>, tensor<3x3x16x1xi8>, tensor<16xi32>) -> tensor<1x4x4x16xi8>
  // CHECK: "tigris.add"({{.*}}) {{.*}}left_shift = 20 : i64{{.*}} -> tensor<1x8x8x16xi8>
  %2 = "tigris.add"(%0, %y) {input1_offset = 128 : i64, input2_offset = 128 : i64, input1_multiplier = 1073741824 : i64, input1_shift = 0 : i64, input2_multiplier = 1073741824 : i64, input2_shift = 0 : i64, left_shift = 20 : i64, output_offset = -128 : i64, output_multiplier = 1073741824 : i64, output_shift = -19 : i64, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x8x8x16xi8>, tensor<1x8x8x16xi8>) -> tensor<1x8x8x16xi8>
  // CHECK: "tigris.mul"
  %3 = "tigris.mul"(%2, %y) {input1_offset = 128 : i64, input2_offset = 128 : i64, output_offset = -128 : i64, output_multiplier = 1073741824 : i64, output_shift = -8 : i64, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x8x8x16xi8>, tensor<1x8x8x16xi8>) -> tensor<1x8x8x16xi8>
  // CHECK: "tigris.max_pool"({{.*}}) {{.*}}kernel = array<i64: 2, 2>{{.*}} -> tensor<1x4x4x16xi8>
  %4 = "tigris.max_pool"(%3) {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x8x8x16xi8>) -> tensor<1x4x4x16xi8>
  // CHECK: "tigris.avg_pool"({{.*}}) {{.*}}count_include_pad = 0 : i64
  %5 = "tigris.avg_pool"(%4) {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, count_include_pad = 0 : i64, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x4x4x16xi8>) -> tensor<1x4x4x16xi8>
  // CHECK: "tigris.lut"({{.*}}) {table = array<i8: -128, -127
  %6 = "tigris.lut"(%5) {table = array<i8: -128, -127, -126, -125, -124, -123, -122, -121, -120, -119, -118, -117, -116, -115, -114, -113, -112, -111, -110, -109, -108, -107, -106, -105, -104, -103, -102, -101, -100, -99, -98, -97, -96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65, -64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49, -48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33, -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x4x4x16xi8>) -> tensor<1x4x4x16xi8>
  // CHECK: "tigris.global_avg_pool"({{.*}}) {{.*}} -> tensor<1x1x1x16xi8>
  %7 = "tigris.global_avg_pool"(%6) {input_offset = 128 : i64, output_offset = -128 : i64, multiplier = 1073741824 : i64, shift = -4 : i64} : (tensor<1x4x4x16xi8>) -> tensor<1x1x1x16xi8>
  // CHECK: "tigris.reshape"({{.*}}) : (tensor<1x1x1x16xi8>) -> tensor<1x16xi8>
  %8 = "tigris.reshape"(%7) : (tensor<1x1x1x16xi8>) -> tensor<1x16xi8>
  %fw = "tosa.const"() <{values = dense<1> : tensor<10x16xi8>}> : () -> tensor<10x16xi8>
  %fb = "tosa.const"() <{values = dense<0> : tensor<10xi32>}> : () -> tensor<10xi32>
  // CHECK: "tigris.fully_connected"({{.*}}) {{.*}} -> tensor<1x10xi8>
  %9 = "tigris.fully_connected"(%8, %fw, %fb) {input_offset = 128 : i64, output_offset = -128 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: -6>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x16xi8>, tensor<10x16xi8>, tensor<10xi32>) -> tensor<1x10xi8>
  // CHECK: "tigris.softmax"({{.*}}) {{.*}}output_scale_q16 = 16777216 : i64{{.*}} -> tensor<1x10xi8>
  %10 = "tigris.softmax"(%9) {exp_table = array<i32: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1048576>, output_scale_q16 = 16777216 : i64, output_offset = -128 : i64} : (tensor<1x10xi8>) -> tensor<1x10xi8>
  return %10 : tensor<1x10xi8>
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%x: tensor<1x4x4x8xi8>, %y: tensor<1x4x4x4xi8>) -> tensor<1x12x8x4xi8> {
  // CHECK: %[[E:.*]] = "tigris.empty"() : () -> tensor<1x4x4x12xi8>
  // CHECK: %[[I0:.*]] = "tigris.insert"(%arg0, %[[E]]) {axis = 3 : i64, offset = 0 : i64}
  // CHECK: "tigris.insert"(%arg1, %[[I0]]) {axis = 3 : i64, offset = 8 : i64}
  %e = "tigris.empty"() : () -> tensor<1x4x4x12xi8>
  %0 = "tigris.insert"(%x, %e) {axis = 3 : i64, offset = 0 : i64} : (tensor<1x4x4x8xi8>, tensor<1x4x4x12xi8>) -> tensor<1x4x4x12xi8>
  %1 = "tigris.insert"(%y, %0) {axis = 3 : i64, offset = 8 : i64} : (tensor<1x4x4x4xi8>, tensor<1x4x4x12xi8>) -> tensor<1x4x4x12xi8>
  // CHECK: "tigris.slice"({{.*}}) {begin = array<i64: 0, 0, 0, 4>} : (tensor<1x4x4x12xi8>) -> tensor<1x4x4x4xi8>
  %2 = "tigris.slice"(%1) {begin = array<i64: 0, 0, 0, 4>} : (tensor<1x4x4x12xi8>) -> tensor<1x4x4x4xi8>
  // CHECK: "tigris.pad"({{.*}}) {pad = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = -128 : i64}
  %3 = "tigris.pad"(%2) {pad = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = -128 : i64} : (tensor<1x4x4x4xi8>) -> tensor<1x6x6x4xi8>
  // CHECK: "tigris.transpose"({{.*}}) {perm = array<i64: 0, 2, 1, 3>}
  %4 = "tigris.transpose"(%3) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x6x6x4xi8>) -> tensor<1x6x6x4xi8>
  // CHECK: "tigris.resize"({{.*}}) {mode = "nearest"
  %5 = "tigris.resize"(%4) {mode = "nearest", y_index0 = array<i32: 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5>, y_index1 = array<i32: 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5>, y_weight = array<i32: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, x_index0 = array<i32: 0, 0, 0, 0, 0, 0, 0, 0>, x_index1 = array<i32: 0, 0, 0, 0, 0, 0, 0, 0>, x_weight = array<i32: 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x6x6x4xi8>) -> tensor<1x12x8x4xi8>
  return %5 : tensor<1x12x8x4xi8>
}
