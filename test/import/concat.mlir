// Concat of two branches along channels (NCHW axis 1 -> NHWC axis 3); the input
// with a different scale is requantized first. Legalized: the requantization
// is an exact 256-entry tigris.lut, the concat a tigris.empty destination
// filled by one tigris.insert per input, the earliest-defined input first.
// RUN: tigris import %inputs/tiny_concat.onnx | FileCheck %s --check-prefix=TOSA
// RUN: tigris import %inputs/tiny_concat.onnx --legalize | FileCheck %s --check-prefix=TIGRIS

// TOSA: %[[A:.*]] = tosa.rescale {{.*}} -> tensor<1x8x8x4xi8>
// TOSA: %[[B:.*]] = tosa.rescale {{.*}} -> tensor<1x8x8x6xi8>
// TOSA: %[[R:.*]] = tosa.rescale %[[A]], {{.*}}per_channel = false{{.*}} : (tensor<1x8x8x4xi8>, tensor<1xi32>, tensor<1xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x8x8x4xi8>
// TOSA: tosa.concat %[[R]], %[[B]] {axis = 3 : i32} : (tensor<1x8x8x4xi8>, tensor<1x8x8x6xi8>) -> tensor<1x8x8x10xi8>

// TIGRIS: %[[A:.*]] = "tigris.conv2d"
// TIGRIS: %[[B:.*]] = "tigris.conv2d"
// TIGRIS: %[[L:.*]] = "tigris.lut"(%[[A]]) {table = array<i8: -128, -127, -127, -126,
// TIGRIS: %[[E:.*]] = "tigris.empty"() : () -> tensor<1x8x8x10xi8>
// TIGRIS: %[[I:.*]] = "tigris.insert"(%[[B]], %[[E]]) {axis = 3 : i64, offset = 4 : i64} : (tensor<1x8x8x6xi8>, tensor<1x8x8x10xi8>) -> tensor<1x8x8x10xi8>
// TIGRIS: "tigris.insert"(%[[L]], %[[I]]) {axis = 3 : i64, offset = 0 : i64} : (tensor<1x8x8x4xi8>, tensor<1x8x8x10xi8>) -> tensor<1x8x8x10xi8>
