// A TOSA op nothing uses becomes no kernel call: tigris-legalize erases the dead
// kernel ops it made (and the constants only they used), as a greedy rewrite
// driver would; otherwise the dead lut below would get a buffer of its own.
// RUN: tigris-opt %s --tigris-legalize | FileCheck %s

// CHECK-LABEL: func.func @dead_clamp
// CHECK-COUNT-1: "tigris.lut"
// CHECK-NOT: "tigris.lut"
// CHECK-NOT: tosa.
// CHECK: return
func.func @dead_clamp(%x: tensor<1x4x4x2xi8>) -> tensor<1x4x4x2xi8> {
  %0 = tosa.clamp %x {min_val = -100 : i8, max_val = 100 : i8} : (tensor<1x4x4x2xi8>) -> tensor<1x4x4x2xi8>
  %1 = tosa.clamp %x {min_val = -50 : i8, max_val = 50 : i8} : (tensor<1x4x4x2xi8>) -> tensor<1x4x4x2xi8>
  return %1 : tensor<1x4x4x2xi8>
}
