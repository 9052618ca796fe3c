// A pass runs on the ops its place in the pipeline anchors it on, as in mlir-opt:
// func.func(...) runs on the module's functions, builtin.module(func.func(...))
// inside a nested module on that module's functions only. A function pass put
// directly in a module is nested on its functions (implicit nesting).
// RUN: tigris-opt %s --pass-pipeline='builtin.module(func.func(tigris-schedule))' | FileCheck %s --check-prefix=TOP
// RUN: tigris-opt %s --tigris-schedule | FileCheck %s --check-prefix=TOP
// RUN: tigris-opt %s --pass-pipeline='builtin.module(builtin.module(func.func(tigris-schedule)))' | FileCheck %s --check-prefix=INNER
// RUN: tigris-opt %s --pass-pipeline='builtin.module(builtin.module(tigris-schedule,canonicalize))' | FileCheck %s --check-prefix=INNER
//
// A wrong anchor is an error, not a no-op:
// RUN: not tigris-opt %s --pass-pipeline='func.func(tigris-verify)' 2>&1 | FileCheck %s --check-prefix=ROOT
// RUN: not tigris-opt %s --pass-pipeline='tigris-verify' 2>&1 | FileCheck %s --check-prefix=UNWRAPPED
// RUN: not tigris-opt %s --pass-pipeline='builtin.module(func.func(tigris-lower-to-plan))' 2>&1 | FileCheck %s --check-prefix=MODULE-PASS
// RUN: not tigris-opt %s --pass-pipeline='builtin.module(gpu.module(tigris-verify))' 2>&1 | FileCheck %s --check-prefix=FUNC-PASS

// TOP: func.func @outer{{.*}} attributes {tigris.schedule =
// TOP: module @inner
// TOP-NOT: tigris.schedule
// INNER: func.func @outer
// INNER-NOT: tigris.schedule
// INNER: module @inner
// INNER: func.func @nested{{.*}} attributes {tigris.schedule =
// ROOT: tigris-opt: can't run 'func.func' pass manager on 'builtin.module' op
// UNWRAPPED: tigris-opt: expected pass pipeline to be wrapped with the anchor operation type, e.g. 'builtin.module(...)'
// MODULE-PASS: tigris-opt: unable to schedule pass 'tigris-lower-to-plan' (anchored on 'builtin.module') on a PassManager intended to run on 'func.func'
// FUNC-PASS: tigris-opt: unable to schedule pass 'tigris-verify' (anchored on 'func.func') on a PassManager intended to run on 'gpu.module'

func.func @outer(%x: tensor<1x4xi8>) -> tensor<4xi8> {
  %0 = "tigris.reshape"(%x) : (tensor<1x4xi8>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
module @inner {
  func.func @nested(%x: tensor<1x4xi8>) -> tensor<4xi8> {
    %0 = "tigris.reshape"(%x) : (tensor<1x4xi8>) -> tensor<4xi8>
    return %0 : tensor<4xi8>
  }
}
