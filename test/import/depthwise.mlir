// Depthwise 3x3 stride 2 with TF-style asymmetric padding: TOSA depthwise
// weights [KH,KW,C,M]; the unused bottom/right pad row is trimmed for TOSA's
// exact-division rule. Legalized: tigris.depthwise_conv2d, channel_multiplier 1.
// RUN: tigris import %inputs/tiny_depthwise.onnx | FileCheck %s --check-prefix=TOSA
// RUN: tigris import %inputs/tiny_depthwise.onnx --legalize | FileCheck %s --check-prefix=TIGRIS

// TOSA: func.func @tiny_depthwise(%arg0: tensor<1x8x8x8xi8>) -> tensor<1x4x4x8xi8>
// TOSA: "tosa.const"() <{values = dense<-24> : tensor<1xi8>}>
// TOSA: tosa.depthwise_conv2d %arg0, {{.*}} {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>} : (tensor<1x8x8x8xi8>, tensor<3x3x8x1xi8>, tensor<8xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x8xi32>
// TOSA: tosa.rescale {{.*}}per_channel = true{{.*}} -> tensor<1x4x4x8xi8>

// TIGRIS: "tigris.depthwise_conv2d"(%arg0, %{{.*}}, %{{.*}}) {act_max = 127 : i64, act_min = -128 : i64, channel_multiplier = 1 : i64, dilation = array<i64: 1, 1>, input_offset = 24 : i64, multiplier = array<i32: 1236883601, 2063666297, 1597889597, 1448062819, 1854013225, 1872391858, 1703053308, 2112800716>, output_offset = -128 : i64, pad = array<i64: 1, 0, 1, 0>, rounding = "single", shift = array<i32: -6, -6, -6, -6, -7, -6, -6, -7>, stride = array<i64: 2, 2>} : (tensor<1x8x8x8xi8>, tensor<3x3x8x1xi8>, tensor<8xi32>) -> tensor<1x4x4x8xi8>
