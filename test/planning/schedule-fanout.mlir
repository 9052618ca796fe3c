// tigris-schedule finishes one branch before starting the other: the ONNX-style
// breadth-first order holds both padded copies (5184 B each) with the input.
// RUN: tigris-opt %s --tigris-schedule | FileCheck %s

// CHECK-LABEL: func.func @fanout
// CHECK-SAME: tigris.schedule = {exact = 1 : i64, given_peak = 14464 : i64, method = "search", peak = 10576 : i64}
// CHECK: %[[A1:.*]] = "tigris.pad"(%arg0) {{.*}}tigris.step = 0
// CHECK-NEXT: %[[A2:.*]] = "tigris.max_pool"(%[[A1]]) {{.*}}tigris.step = 1
// CHECK-NEXT: %[[B1:.*]] = "tigris.pad"(%arg0) {{.*}}tigris.step = 2
// CHECK-NEXT: %[[B2:.*]] = "tigris.max_pool"(%[[B1]]) {{.*}}tigris.step = 3
// CHECK-NEXT: "tigris.add"(%[[A2]], %[[B2]]) {{.*}}tigris.step = 4
func.func @fanout(%x: tensor<1x16x16x16xi8>) -> tensor<1x9x9x16xi8> {
  %a1 = "tigris.pad"(%x) {pad = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = 0 : i64} : (tensor<1x16x16x16xi8>) -> tensor<1x18x18x16xi8>
  %b1 = "tigris.pad"(%x) {pad = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = 0 : i64} : (tensor<1x16x16x16xi8>) -> tensor<1x18x18x16xi8>
  %a2 = "tigris.max_pool"(%a1) {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x18x18x16xi8>) -> tensor<1x9x9x16xi8>
  %b2 = "tigris.max_pool"(%b1) {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x18x18x16xi8>) -> tensor<1x9x9x16xi8>
  %s = "tigris.add"(%a2, %b2) {input1_offset = 0 : i64, input2_offset = 0 : i64, input1_multiplier = 1073741824 : i64, input1_shift = 0 : i64, input2_multiplier = 1073741824 : i64, input2_shift = 0 : i64, left_shift = 20 : i64, output_offset = 0 : i64, output_multiplier = 1073741824 : i64, output_shift = -19 : i64, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x9x9x16xi8>, tensor<1x9x9x16xi8>) -> tensor<1x9x9x16xi8>
  return %s : tensor<1x9x9x16xi8>
}
