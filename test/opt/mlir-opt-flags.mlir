// The everyday flags of mlir-opt, on tigris-opt (single-dash spellings work too).
// RUN: tigris-opt --version | FileCheck %s --check-prefix=VERSION
// RUN: not tigris-opt %s 2>&1 | FileCheck %s --check-prefix=UNREGISTERED
// RUN: tigris-opt %s --allow-unregistered-dialect --cse | FileCheck %s --check-prefix=CSE
// RUN: tigris-opt %s -allow-unregistered-dialect -mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// RUN: tigris-opt %s --allow-unregistered-dialect --mlir-elide-elementsattrs-if-larger=4 | FileCheck %s --check-prefix=ELIDE
// RUN: tigris-opt %s --allow-unregistered-dialect --tigris-verify --cse --mlir-timing 2>&1 >/dev/null | FileCheck %s --check-prefix=TIMING
// RUN: tigris-opt %s --allow-unregistered-dialect --tigris-verify --cse --mlir-pass-statistics 2>&1 >/dev/null | FileCheck %s --check-prefix=STATS
// RUN: tigris-opt %s --allow-unregistered-dialect --cse --mlir-pass-statistics --mlir-pass-statistics-display=list 2>&1 >/dev/null | FileCheck %s --check-prefix=STATS
// RUN: tigris-opt %s --allow-unregistered-dialect --emit-bytecode -o %t.mlirbc
// RUN: FileCheck %s --check-prefix=BYTECODE --input-file=%t.mlirbc
// RUN: tigris-opt %t.mlirbc --allow-unregistered-dialect --cse | FileCheck %s --check-prefix=CSE
// RUN: mlir-opt %t.mlirbc --allow-unregistered-dialect --irdl-file=%tigris_irdl | FileCheck %s --check-prefix=CSE-NOT-RUN

// VERSION: tigris-opt (TiGrIS-MLIR) {{[0-9.]+}}
// VERSION-NEXT: MLIR 22.{{[0-9.]+}}
// UNREGISTERED: mlir-opt-flags.mlir:[[@LINE+18]]:19: error: operation being parsed with an unregistered dialect
// CSE-LABEL: func.func @f
// CSE: %[[A:.*]] = arith.muli
// CSE-NOT: arith.muli
// CSE: "vendor.consume"(%[[A]], %[[A]])
// CSE-NOT-RUN-COUNT-2: arith.muli
// GENERIC: "func.func"() <{function_type = (i32) -> (), sym_name = "f"}>
// GENERIC: "func.return"() : () -> ()
// ELIDE: dense_resource<__elided__> : tensor<8xi32>
// TIMING: Execution time report
// TIMING: tigris-verify
// TIMING: CSE
// STATS: Pass statistics report
// STATS: CSE
// STATS: (S) {{[1-9]}} num-cse'd
// BYTECODE: {{^}}ML{{.}}R
func.func @f(%x: i32) {
  %c = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi32>
  "vendor.consume"(%c) : (tensor<8xi32>) -> ()
  %0 = arith.muli %x, %x : i32
  %1 = arith.muli %x, %x : i32
  "vendor.consume"(%0, %1) : (i32, i32) -> ()
  return
}
