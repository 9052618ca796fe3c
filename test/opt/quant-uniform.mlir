// TOSA with !quant.uniform element types, as TFLite -> TOSA pipelines emit it
// (per-tensor activations, per-axis weights), legalizes like the same TOSA on
// i8: the quantized types only restate the zero-point operands and rescales,
// so tigris-legalize retypes every value to its storage type first. The result
// is planned and lowered like any other function.
// RUN: tigris-opt %s --tigris-legalize --tigris-verify | FileCheck %s
// RUN: tigris-opt %s --tigris-legalize --tigris-verify --tigris-schedule --tigris-bufferize --tigris-liveness --tigris-assign-offsets --tigris-lower-to-plan | FileCheck %s --check-prefix=PLAN

// CHECK-LABEL: func.func @f(%arg0: tensor<1x4x4x2xi8>) -> tensor<1x4x4x2xi8>
// CHECK: "tosa.const"() <{values = dense<{{.*}}> : tensor<2x1x1x2xi8>}> : () -> tensor<2x1x1x2xi8>
// CHECK: "tigris.conv2d"({{.*}}) {{{.*}}input_offset = 3 : i64, {{.*}}output_offset = 5 : i64, {{.*}}rounding = "single"{{.*}}} : (tensor<1x4x4x2xi8>, tensor<2x1x1x2xi8>, tensor<2xi32>) -> tensor<1x4x4x2xi8>
// CHECK-NOT: quant
// PLAN: "tigris.call"() {{{.*}}kernel = "conv2d"
func.func @f(%x: tensor<1x4x4x2x!quant.uniform<i8:f32, 0.5:-3>>) -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.25:5>> {
  %w = "tosa.const"() <{values = dense<[[[[1, 2]]], [[[3, -4]]]]> : tensor<2x1x1x2xi8>}> : () -> tensor<2x1x1x2x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.2}>>
  %b = "tosa.const"() <{values = dense<[0, 7]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %izp = "tosa.const"() <{values = dense<-3> : tensor<1xi8>}> : () -> tensor<1xi8>
  %wzp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %acc = tosa.conv2d %x, %w, %b, %izp, %wzp {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2x!quant.uniform<i8:f32, 0.5:-3>>, tensor<2x1x1x2x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.2}>>, tensor<2xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x2xi32>
  %m = "tosa.const"() <{values = dense<[1447318061, 1276606248]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %s = "tosa.const"() <{values = dense<[38, 37]> : tensor<2xi8>}> : () -> tensor<2xi8>
  %in_zp = "tosa.const"() <{values = dense<0> : tensor<1xi32>}> : () -> tensor<1xi32>
  %ozp = "tosa.const"() <{values = dense<5> : tensor<1xi8>}> : () -> tensor<1xi8>
  %r = tosa.rescale %acc, %m, %s, %in_zp, %ozp {input_unsigned = false, output_unsigned = false, per_channel = true, rounding_mode = SINGLE_ROUND, scale32 = true} : (tensor<1x4x4x2xi32>, tensor<2xi32>, tensor<2xi8>, tensor<1xi32>, tensor<1xi8>) -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.25:5>>
  return %r : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.25:5>>
}
