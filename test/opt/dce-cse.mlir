// IRDL ops declare no side effects, so upstream canonicalize and cse keep dead
// and duplicate tigris ops. tigris-dce erases tigris kernel ops whose results
// are unused (a dead chain in one run); tigris-cse merges identical ones (same
// operands, attributes, result types) but never two tigris.empty destinations.
// RUN: tigris-opt %s --canonicalize --cse | FileCheck %s --check-prefix=UPSTREAM
// RUN: tigris-opt %s --tigris-dce | FileCheck %s --check-prefix=DCE
// RUN: tigris-opt %s --pass-pipeline='builtin.module(func.func(tigris-cse,tigris-dce),canonicalize)' | FileCheck %s --check-prefix=CSE

// UPSTREAM-LABEL: func.func @dead_luts
// UPSTREAM-COUNT-3: "tigris.lut"
// DCE-LABEL: func.func @dead_luts
// DCE-NOT: tigris.lut
// DCE: return %arg0
func.func @dead_luts(%x: tensor<4xi8>) -> tensor<4xi8> {
  %0 = "tigris.lut"(%x) {table = array<i8: 1>} : (tensor<4xi8>) -> tensor<4xi8>
  %1 = "tigris.lut"(%0) {table = array<i8: 2>} : (tensor<4xi8>) -> tensor<4xi8>
  %2 = "tigris.lut"(%x) {table = array<i8: 3>} : (tensor<4xi8>) -> tensor<4xi8>
  return %x : tensor<4xi8>
}

// UPSTREAM-LABEL: func.func @duplicates
// UPSTREAM-COUNT-4: "tigris.reshape"
// DCE-LABEL: func.func @duplicates
// DCE-COUNT-4: "tigris.reshape"
// CSE-LABEL: func.func @duplicates
// CSE-NEXT: %[[A:.*]] = "tigris.reshape"(%arg0) : (tensor<4xi8>) -> tensor<2x2xi8>
// CSE-NEXT: %[[B:.*]] = "tigris.reshape"(%[[A]]) : (tensor<2x2xi8>) -> tensor<4xi8>
// CSE-NEXT: %[[C:.*]] = "tigris.lut"(%[[B]]) {table = array<i8: 7>}
// CSE-NEXT: %[[D:.*]] = "tigris.lut"(%[[B]]) {table = array<i8: 8>}
// CSE-NEXT: return %[[C]], %[[C]], %[[D]]
func.func @duplicates(%x: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>, tensor<4xi8>) {
  %0 = "tigris.reshape"(%x) : (tensor<4xi8>) -> tensor<2x2xi8>
  %1 = "tigris.reshape"(%x) : (tensor<4xi8>) -> tensor<2x2xi8>
  %2 = "tigris.reshape"(%0) : (tensor<2x2xi8>) -> tensor<4xi8>
  %3 = "tigris.reshape"(%1) : (tensor<2x2xi8>) -> tensor<4xi8>
  %4 = "tigris.lut"(%2) {table = array<i8: 7>} : (tensor<4xi8>) -> tensor<4xi8>
  %5 = "tigris.lut"(%3) {table = array<i8: 7>} : (tensor<4xi8>) -> tensor<4xi8>
  %6 = "tigris.lut"(%3) {table = array<i8: 8>} : (tensor<4xi8>) -> tensor<4xi8>
  return %4, %5, %6 : tensor<4xi8>, tensor<4xi8>, tensor<4xi8>
}

// Two empty destinations stay two; the plan op tigris.pool has no results and stays.
// CSE-LABEL: func.func @destinations
// CSE-COUNT-2: "tigris.empty"
// CSE: "tigris.pool"
// DCE-LABEL: func.func @destinations
// DCE: "tigris.pool"
func.func @destinations() -> (tensor<2x4xi8>, tensor<2x4xi8>) {
  %0 = "tigris.empty"() : () -> tensor<2x4xi8>
  %1 = "tigris.empty"() : () -> tensor<2x4xi8>
  "tigris.pool"() {sym_name = "fast", space = "fast", size = 64 : i64, alignment = 16 : i64} : () -> ()
  return %0, %1 : tensor<2x4xi8>, tensor<2x4xi8>
}
