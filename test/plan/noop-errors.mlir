// tigris-lower-to-plan emits no call for an op marked tigris.noop, so it checks
// that the op's bytes really are in place; a planning bug becomes an error here
// instead of a plan that runs and computes something else.
// RUN: not tigris-opt %s --tigris-lower-to-plan 2>&1 | FileCheck %s

// CHECK: error: 'tigris.reshape' is marked tigris.noop but its result is at fast+64 and its bytes are at fast+0 (a planning bug)
func.func @bad_view(%x: tensor<1x4x4x4xi8>) -> tensor<1x64xi8> attributes {tigris.arena = {size = 128 : i64, alignment = 16 : i64}, tigris.arg_buffers = ["arg0"], tigris.offsets = {arg0 = 0 : i64}} {
  %r = "tigris.reshape"(%x) {tigris.name = "n0", tigris.buffer = "arg0", tigris.offset = 0 : i64, tigris.view_offset = 64 : i64, tigris.noop} : (tensor<1x4x4x4xi8>) -> tensor<1x64xi8>
  return %r : tensor<1x64xi8>
}
