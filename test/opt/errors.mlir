// Failures print the MLIR diagnostic with its location and exit non-zero.
// RUN: not tigris-opt %s --no-such-pass 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not tigris-opt %s --pass-pipeline='builtin.module(tigris-verify{bogus=1})' 2>&1 | FileCheck %s --check-prefix=OPTION
// RUN: not tigris-opt %s --tigris-verify 2>&1 | FileCheck %s --check-prefix=VERIFY
// RUN: not tigris-opt %S/Inputs/parse-error.mlir 2>&1 | FileCheck %s --check-prefix=PARSE
// RUN: not tigris-opt %t.does-not-exist 2>&1 | FileCheck %s --check-prefix=MISSING

// UNKNOWN: tigris-opt: unknown pass 'no-such-pass' (see --list-passes)
// OPTION: tigris-opt: pass 'tigris-verify' has no option 'bogus'
// PARSE: parse-error.mlir:3:{{[0-9]+}}: error: expected ':'
// MISSING: tigris-opt: cannot open '{{.*}}does-not-exist': no such file

// VERIFY: errors.mlir:[[@LINE+2]]:8: error: 'tigris.lut' expects int8 tensors, got tensor<4xf32>
func.func @float_lut(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "tigris.lut"(%x) {table = array<i8: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
