// Upstream passes run through tigris-opt by name, as flags or as pipeline text,
// and mix with tigris passes (a tigris pass inside func.func(...) is run per function).
// RUN: tigris-opt %s --canonicalize | FileCheck %s --check-prefix=CANON
// RUN: tigris-opt %s --pass-pipeline='builtin.module(func.func(tigris-verify,canonicalize),cse)' | FileCheck %s --check-prefix=CANON
// RUN: tigris-opt %s --tosa-to-linalg | FileCheck %s --check-prefix=LINALG

// CANON-LABEL: func.func @fold
// CANON-NOT: tosa.add
// CANON: %[[C:.*]] = "tosa.const"() <{values = dense<6> : tensor<4xi32>}>
// CANON-NEXT: return %[[C]]
func.func @fold() -> tensor<4xi32> {
  %a = "tosa.const"() <{values = dense<3> : tensor<4xi32>}> : () -> tensor<4xi32>
  %0 = tosa.add %a, %a : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// LINALG-LABEL: func.func @lower
// LINALG: linalg.generic
// LINALG: arith.addi
// CANON-LABEL: func.func @lower
// CANON: tosa.add %arg0, %arg0
func.func @lower(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = tosa.add %x, %x : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}
