// tigris-lower-to-plan emits no call for an op marked tigris.noop, so it checks
// that the op's bytes really are in place (a view's result at its bytes, a row
// insert's input at its rows of the destination); a planning bug becomes an
// error here instead of a plan that runs and computes something else.
// RUN: tigris-opt %s --tigris-lower-to-plan --split-input-file --verify-diagnostics

func.func @bad_view(%x: tensor<1x4x4x4xi8>) -> tensor<1x64xi8> attributes {tigris.arena = {size = 128 : i64, alignment = 16 : i64}, tigris.arg_buffers = ["arg0"], tigris.offsets = {arg0 = 0 : i64}} {
  // expected-error@+1 {{'tigris.reshape' is marked tigris.noop but its result is at fast+64 and its bytes are at fast+0 (a planning bug)}}
  %r = "tigris.reshape"(%x) {tigris.name = "n0", tigris.buffer = "arg0", tigris.offset = 0 : i64, tigris.view_offset = 64 : i64, tigris.noop} : (tensor<1x4x4x4xi8>) -> tensor<1x64xi8>
  return %r : tensor<1x64xi8>
}

// -----

func.func @bad_insert(%x: tensor<1x2x4x4xi8>) -> tensor<1x4x4x4xi8> attributes {tigris.arena = {size = 128 : i64, alignment = 16 : i64}, tigris.arg_buffers = ["arg0"], tigris.offsets = {arg0 = 0 : i64}} {
  %e = "tigris.empty"() {tigris.name = "n0", tigris.buffer = "n0", tigris.offset = 64 : i64, tigris.noop} : () -> tensor<1x4x4x4xi8>
  // expected-error@+1 {{'tigris.insert' is marked tigris.noop but its input is at fast+0, not at fast+96 inside its destination (a planning bug)}}
  %i = "tigris.insert"(%x, %e) {axis = 1 : i64, offset = 2 : i64, tigris.name = "n1", tigris.buffer = "n0", tigris.offset = 64 : i64, tigris.noop} : (tensor<1x2x4x4xi8>, tensor<1x4x4x4xi8>) -> tensor<1x4x4x4xi8>
  return %i : tensor<1x4x4x4xi8>
}
