// --mlir-print-ir-after-all dumps the IR after every pass, tigris and upstream, to stderr.
// RUN: tigris-opt %s --tigris-verify --canonicalize --mlir-print-ir-after-all 2>&1 | FileCheck %s
// RUN: tigris-opt --list-passes | FileCheck %s --check-prefix=LIST

// CHECK: IR Dump After tigris-verify (tigris-verify)
// CHECK: func.func @f
// CHECK: IR Dump After Canonicalizer (canonicalize)
// LIST: tigris-verify{{ +}}[func.func] Check tigris ops beyond IRDL
func.func @f(%x: tensor<4xi8>) -> tensor<4xi8> {
  return %x : tensor<4xi8>
}
