// With no passes, tigris-opt prints what it read (mixing tosa, func and tigris ops).
// RUN: tigris-opt %s | FileCheck %s
// RUN: cat %s | tigris-opt - | FileCheck %s

// CHECK-LABEL: func.func @identity(%arg0: tensor<1x4xi8>) -> tensor<1x4xi8>
// CHECK-NEXT: %[[R:.*]] = "tigris.reshape"(%arg0) : (tensor<1x4xi8>) -> tensor<1x2x2xi8>
// CHECK-NEXT: %[[B:.*]] = "tigris.reshape"(%[[R]]) : (tensor<1x2x2xi8>) -> tensor<1x4xi8>
// CHECK-NEXT: return %[[B]] : tensor<1x4xi8>
func.func @identity(%x: tensor<1x4xi8>) -> tensor<1x4xi8> {
  %0 = "tigris.reshape"(%x) : (tensor<1x4xi8>) -> tensor<1x2x2xi8>
  %1 = "tigris.reshape"(%0) : (tensor<1x2x2xi8>) -> tensor<1x4xi8>
  return %1 : tensor<1x4xi8>
}
