// Conv + Relu (QDQ, per-channel weights): NCHW -> NHWC, the conv with its
// zero points as tosa.const operands, a per-channel SINGLE_ROUND rescale (the
// default; --rounding double gives DOUBLE_ROUND, as ESP-NN rounds); the Relu is
// folded into the output zero point (-128). Legalized: one tigris.conv2d, whose
// `rounding` says how it rounds (absent: double).
// RUN: tigris import %inputs/tiny_conv_relu.onnx | FileCheck %s --check-prefix=TOSA
// RUN: tigris import %inputs/tiny_conv_relu.onnx --legalize | FileCheck %s --check-prefix=TIGRIS
// RUN: tigris import %inputs/tiny_conv_relu.onnx --rounding double | FileCheck %s --check-prefix=DOUBLE
// RUN: tigris import %inputs/tiny_conv_relu.onnx --rounding double --legalize | FileCheck %s --check-prefix=DOUBLE-TIGRIS

// TOSA: func.func @tiny_conv_relu(%arg0: tensor<1x8x8x3xi8>) -> tensor<1x8x8x8xi8>
// TOSA-SAME: tigris.inputs = [{layout = "nhwc", name = "input", scale = 0.027304124087095261 : f64, shape = array<i64: 1, 3, 8, 8>, uint8 = false, zero_point = 8 : i64}]
// TOSA: %[[W:.*]] = "tosa.const"() <{values = dense_resource<conv.weights> : tensor<8x3x3x3xi8>}>
// TOSA: %[[B:.*]] = "tosa.const"() <{values = dense<[1167, 366, 669, 127, -743, -534, 591, -12]> : tensor<8xi32>}>
// TOSA: %[[IZP:.*]] = "tosa.const"() <{values = dense<8> : tensor<1xi8>}>
// TOSA: %[[WZP:.*]] = "tosa.const"() <{values = dense<0> : tensor<1xi8>}>
// TOSA: %[[ACC:.*]] = tosa.conv2d %arg0, %[[W]], %[[B]], %[[IZP]], %[[WZP]] {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : {{.*}} -> tensor<1x8x8x8xi32>
// TOSA: "tosa.const"() <{values = dense<[1447318061, 1779151029, 1335552468, 1464516668, 1276606248, 1682787370, 1631570257, 1199280657]> : tensor<8xi32>}>
// TOSA: "tosa.const"() <{values = dense<[38, 38, 38, 38, 37, 38, 38, 38]> : tensor<8xi8>}>
// TOSA: "tosa.const"() <{values = dense<-128> : tensor<1xi8>}>
// TOSA: tosa.rescale %[[ACC]], {{.*}} {input_unsigned = false, output_unsigned = false, per_channel = true, rounding_mode = SINGLE_ROUND, scale32 = true} : (tensor<1x8x8x8xi32>, {{.*}}) -> tensor<1x8x8x8xi8>
// TOSA: conv.weights: "0x01000000

// TIGRIS-NOT: tosa.conv2d
// TIGRIS-NOT: tosa.rescale
// TIGRIS: "tigris.conv2d"(%arg0, %{{.*}}, %{{.*}}) {act_max = 127 : i64, act_min = -128 : i64, dilation = array<i64: 1, 1>, groups = 1 : i64, input_offset = -8 : i64, multiplier = array<i32: 1447318061, 1779151029, 1335552468, 1464516668, 1276606248, 1682787370, 1631570257, 1199280657>, output_offset = -128 : i64, pad = array<i64: 1, 1, 1, 1>, rounding = "single", shift = array<i32: -7, -7, -7, -7, -6, -7, -7, -7>, stride = array<i64: 1, 1>} : (tensor<1x8x8x3xi8>, tensor<8x3x3x3xi8>, tensor<8xi32>) -> tensor<1x8x8x8xi8>
// TIGRIS-NEXT: return

// DOUBLE: tosa.rescale {{.*}} rounding_mode = DOUBLE_ROUND
// DOUBLE-TIGRIS: "tigris.conv2d"
// DOUBLE-TIGRIS-NOT: rounding
// DOUBLE-TIGRIS-SAME: shift = array<i32: -7, -7, -7, -7, -6, -7, -7, -7>
