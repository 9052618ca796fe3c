// Residual add: each input rescaled to i32 with TFLite's 2^20 headroom
// (input zero points removed), an i32 tosa.add, one rescale to the output.
// Legalized: tigris.add with left_shift 20 and exponents 20 lower.
// RUN: tigris import %inputs/tiny_residual_add.onnx | FileCheck %s --check-prefix=TOSA
// RUN: tigris import %inputs/tiny_residual_add.onnx --legalize | FileCheck %s --check-prefix=TIGRIS

// TOSA: %[[C1:.*]] = tosa.rescale {{.*}} -> tensor<1x8x8x4xi8>
// TOSA: %[[C2:.*]] = tosa.rescale {{.*}} -> tensor<1x8x8x4xi8>
// TOSA: "tosa.const"() <{values = dense<1248110234> : tensor<1xi32>}>
// TOSA: "tosa.const"() <{values = dense<12> : tensor<1xi8>}>
// TOSA: %[[A:.*]] = tosa.rescale %[[C1]], {{.*}} : (tensor<1x8x8x4xi8>, tensor<1xi32>, tensor<1xi8>, tensor<1xi8>, tensor<1xi32>) -> tensor<1x8x8x4xi32>
// TOSA: %[[B:.*]] = tosa.rescale %[[C2]], {{.*}} -> tensor<1x8x8x4xi32>
// TOSA: %[[S:.*]] = tosa.add %[[A]], %[[B]] : (tensor<1x8x8x4xi32>, tensor<1x8x8x4xi32>) -> tensor<1x8x8x4xi32>
// TOSA: "tosa.const"() <{values = dense<-5> : tensor<1xi8>}>
// TOSA: tosa.rescale %[[S]], {{.*}} -> tensor<1x8x8x4xi8>

// TIGRIS: %[[X:.*]] = "tigris.conv2d"(%arg0
// TIGRIS: %[[Y:.*]] = "tigris.conv2d"(%[[X]]
// TIGRIS: "tigris.add"(%[[X]], %[[Y]]) {act_max = 127 : i64, act_min = -128 : i64, input1_multiplier = 1248110234 : i64, input1_offset = 128 : i64, input1_shift = -1 : i64, input2_multiplier = 1073741824 : i64, input2_offset = -22 : i64, input2_shift = 0 : i64, left_shift = 20 : i64, output_multiplier = 1814493409 : i64, output_offset = -5 : i64, output_shift = -19 : i64, rounding = "single"} : (tensor<1x8x8x4xi8>, tensor<1x8x8x4xi8>) -> tensor<1x8x8x4xi8>
// TIGRIS-NOT: tosa.
