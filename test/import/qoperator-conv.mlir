// QOperator format: QLinearConv carries its scales and zero points as inputs;
// it imports to the same TOSA idiom as QDQ.
// RUN: tigris import %inputs/tiny_qop_conv.onnx | FileCheck %s --check-prefix=TOSA
// RUN: tigris import %inputs/tiny_qop_conv.onnx --legalize | FileCheck %s --check-prefix=TIGRIS

// TOSA: tigris.inputs = [{layout = "nhwc", name = "input", scale = 0.026341557502746582 : f64, shape = array<i64: 1, 3, 8, 8>, uint8 = false, zero_point = -7 : i64}]
// TOSA: "tosa.const"() <{values = dense<-7> : tensor<1xi8>}>
// TOSA: tosa.conv2d %arg0, {{.*}} -> tensor<1x8x8x8xi32>
// TOSA: tosa.rescale {{.*}} -> tensor<1x8x8x8xi8>
// TOSA: "tosa.const"() <{values = dense<-128> : tensor<1xi8>}>
// TOSA: tosa.conv2d {{.*}} : (tensor<1x8x8x8xi8>, tensor<4x1x1x8xi8>, {{.*}}) -> tensor<1x8x8x4xi32>

// TIGRIS: "tigris.conv2d"(%arg0, {{.*}} input_offset = 7 : i64, multiplier = array<i32: 2060192459, 1598920541, 1503564946, 2110140369, 1874303573, 1690544984, 1084028169, 1837725704>, output_offset = -128 : i64
// TIGRIS: "tigris.conv2d"({{.*}} input_offset = 128 : i64, multiplier = array<i32: 1653692451, 1697026024, 1805666790, 1409518214>, output_offset = 21 : i64, pad = array<i64: 0, 0, 0, 0>, rounding = "single", shift = array<i32: -8, -8, -8, -8>
