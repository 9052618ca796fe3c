// tigris-lower-to-plan checks that a noop row insert's input already sits at its
// rows of the destination (see noop-errors.mlir).
// RUN: not tigris-opt %s --tigris-lower-to-plan 2>&1 | FileCheck %s

// CHECK: error: 'tigris.insert' is marked tigris.noop but its input is at fast+0, not at fast+96 inside its destination (a planning bug)
func.func @bad_insert(%x: tensor<1x2x4x4xi8>) -> tensor<1x4x4x4xi8> attributes {tigris.arena = {size = 128 : i64, alignment = 16 : i64}, tigris.arg_buffers = ["arg0"], tigris.offsets = {arg0 = 0 : i64}} {
  %e = "tigris.empty"() {tigris.name = "n0", tigris.buffer = "n0", tigris.offset = 64 : i64, tigris.noop} : () -> tensor<1x4x4x4xi8>
  %i = "tigris.insert"(%x, %e) {axis = 1 : i64, offset = 2 : i64, tigris.name = "n1", tigris.buffer = "n0", tigris.offset = 64 : i64, tigris.noop} : (tensor<1x2x4x4xi8>, tensor<1x4x4x4xi8>) -> tensor<1x4x4x4xi8>
  return %i : tensor<1x4x4x4xi8>
}
