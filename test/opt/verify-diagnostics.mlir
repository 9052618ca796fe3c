// --verify-diagnostics matches every diagnostic (errors, notes; remarks in
// verify-diagnostics-remark.mlir) against expected-* comments, as mlir-opt does:
// same line, @+N / @-N, @above / @below (the next / previous line that is not
// itself an expectation, comment or not) and -re with {{regex}} parts. A mismatch either way fails
// (Inputs/verify-diagnostics-mismatch.mlir); =only-expected ignores unexpected ones.
// RUN: tigris-opt %s --split-input-file --verify-diagnostics --tigris-verify | FileCheck %s
// RUN: not tigris-opt %S/Inputs/verify-diagnostics-mismatch.mlir --split-input-file --verify-diagnostics --tigris-verify 2>&1 | FileCheck %S/Inputs/verify-diagnostics-mismatch.mlir
// RUN: not tigris-opt %S/Inputs/verify-diagnostics-mismatch.mlir --split-input-file --verify-diagnostics=only-expected --tigris-verify 2>&1 | FileCheck %S/Inputs/verify-diagnostics-mismatch.mlir --check-prefix=ONLY

// Chunks that fail print nothing; the valid last one is printed after the markers.
// CHECK: // -----
// CHECK-NEXT: // -----
// CHECK-NEXT: // -----
// CHECK-NEXT: module {
// CHECK-NEXT: func.func @fine

func.func @same_line(%x: i32) -> i64 {
  return %x : i32 // expected-error {{type of return operand 0 ('i32') doesn't match function result type ('i64')}}
}

// -----

func.func @offsets(%x: i32) -> i32 {
  %0 = arith.addi %x, %x : i32
  // expected-note@-1 {{previously defined here}}
  // expected-error@+1 {{redefinition of SSA value '%0'}}
  %0 = arith.addi %x, %x : i32
  return %0 : i32
}

// -----

func.func @below_above(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@below {{'tigris.lut' expects int8 tensors, got tensor<4xf32>}}
  // expected-error@+4 {{'tigris.lut' expects int8 tensors}}
  %0 = "tigris.lut"(%x) {table = array<i8: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "tigris.lut"(%0) {table = array<i8: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  // expected-error-re@above {{'tigris.{{[a-z]+}}' expects {{int[0-9]}} tensors}}
  %2 = "tigris.lut"(%1) {table = array<i8: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

func.func @fine(%x: tensor<4xi8>) -> tensor<4xi8> {
  return %x : tensor<4xi8>
}
