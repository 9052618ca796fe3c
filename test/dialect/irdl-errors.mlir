// IRDL rejects wrong arity, missing attributes and wrong operand kinds, in
// stock mlir-opt and in tigris-opt alike.
// RUN: mlir-opt --irdl-file=%tigris_irdl --verify-diagnostics --split-input-file %s
// RUN: not tigris-opt %s 2>&1 | FileCheck %s

// CHECK: irdl-errors.mlir:[[@LINE+3]]:{{[0-9]+}}: error: 'tigris.conv2d' op attribute "input_offset" is expected but not provided
func.func @missing_attr(%x: tensor<1x4x4x4xi8>, %w: tensor<4x1x1x4xi8>, %b: tensor<4xi32>) -> tensor<1x4x4x4xi8> {
  // expected-error@+1 {{attribute "input_offset" is expected but not provided}}
  %0 = "tigris.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, groups = 1 : i64, output_offset = 0 : i64, multiplier = array<i32: 1>, shift = array<i32: 0>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x4x4x4xi8>, tensor<4x1x1x4xi8>, tensor<4xi32>) -> tensor<1x4x4x4xi8>
  return %0 : tensor<1x4x4x4xi8>
}

// -----

func.func @arity(%x: tensor<1x4xi8>) -> tensor<1x4xi8> {
  // expected-error@+1 {{expects exactly 2 operands, but got 1}}
  %0 = "tigris.mul"(%x) {input1_offset = 0 : i64, input2_offset = 0 : i64, output_offset = 0 : i64, output_multiplier = 1 : i64, output_shift = 0 : i64, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x4xi8>) -> tensor<1x4xi8>
  return %0 : tensor<1x4xi8>
}

// -----

func.func @not_a_tensor(%x: i8) -> tensor<1x4xi8> {
  // expected-error@+1 {{expected base type 'builtin.tensor' but got 'builtin.integer'}}
  %0 = "tigris.reshape"(%x) : (i8) -> tensor<1x4xi8>
  return %0 : tensor<1x4xi8>
}

// -----

func.func @bad_mode(%x: tensor<1x2x2x1xi8>) -> tensor<1x4x4x1xi8> {
  // expected-error@+1 {{does not satisfy the constraint}}
  %0 = "tigris.resize"(%x) {mode = "cubic", y_index0 = array<i32: 0>, y_index1 = array<i32: 0>, y_weight = array<i32: 0>, x_index0 = array<i32: 0>, x_index1 = array<i32: 0>, x_weight = array<i32: 0>} : (tensor<1x2x2x1xi8>) -> tensor<1x4x4x1xi8>
  return %0 : tensor<1x4x4x1xi8>
}
