// Input of verify-diagnostics.mlir: expectations that do not hold. Each mismatch
// is one line at the comment (not produced, wrong severity) or at the diagnostic
// (unexpected). With =only-expected, unexpected diagnostics are not reported.

// CHECK-DAG: verify-diagnostics-mismatch.mlir:[[@LINE+3]]:6: error: expected error "expects int16 tensors" was not produced
// CHECK-DAG: verify-diagnostics-mismatch.mlir:[[@LINE+3]]:8: error: unexpected error: 'tigris.lut' expects int8 tensors, got tensor<4xf32>
func.func @wrong_text(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{expects int16 tensors}}
  %0 = "tigris.lut"(%x) {table = array<i8: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-DAG: verify-diagnostics-mismatch.mlir:[[@LINE+2]]:6: error: 'error' diagnostic emitted when expecting a 'warning'
func.func @wrong_severity(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-warning@+1 {{expects int8 tensors}}
  %0 = "tigris.lut"(%x) {table = array<i8: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-DAG: verify-diagnostics-mismatch.mlir:[[@LINE+3]]:6: error: expected note "nothing here" was not produced
// ONLY: verify-diagnostics-mismatch.mlir:[[@LINE+2]]:6: error: expected note "nothing here" was not produced
func.func @fine(%x: tensor<4xi8>) -> tensor<4xi8> {
  // expected-note@+1 {{nothing here}}
  return %x : tensor<4xi8>
}

// ONLY-NOT: unexpected
// ONLY-NOT: when expecting
