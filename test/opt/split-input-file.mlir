// --split-input-file processes each chunk between '// -----' lines on its own:
// a failing chunk reports its error at its line in the whole file, prints
// nothing, and the others still run; the outputs are joined by the marker
// (or --output-split-marker). Exit status 1 if any chunk failed.
// RUN: not tigris-opt %s --split-input-file --tigris-verify 2>/dev/null | FileCheck %s
// RUN: not tigris-opt %s --split-input-file --tigris-verify 2>&1 >/dev/null | FileCheck %s --check-prefix=ERR
// RUN: not tigris-opt %s -split-input-file -tigris-verify --output-split-marker='// =====' 2>/dev/null | FileCheck %s --check-prefix=MARKER
// RUN: cat %s | not tigris-opt - --split-input-file --tigris-verify 2>&1 >/dev/null | FileCheck %s --check-prefix=STDIN

// CHECK: func.func @first
// CHECK-NEXT: return
// CHECK: // -----
// CHECK-NEXT: // -----
// CHECK-NEXT: module {
// CHECK-NEXT: func.func @third
// ERR: split-input-file.mlir:[[@LINE+13]]:8: error: 'tigris.lut' expects int8 tensors, got tensor<4xf32>
// ERR-NOT: error
// MARKER: // =====
// MARKER-NEXT: // =====
// STDIN: <stdin>:[[@LINE+9]]:8: error: 'tigris.lut' expects int8 tensors

func.func @first(%x: tensor<4xi8>) -> tensor<4xi8> {
  return %x : tensor<4xi8>
}

// -----

func.func @second(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "tigris.lut"(%x) {table = array<i8: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @third(%x: tensor<4xi8>) -> tensor<4xi8> {
  return %x : tensor<4xi8>
}
