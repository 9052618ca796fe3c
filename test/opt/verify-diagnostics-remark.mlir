// Remarks are matched like errors (here emitted by the upstream transform
// interpreter, which tigris-opt runs like any other upstream pass).
// RUN: tigris-opt %s --transform-interpreter --verify-diagnostics

module attributes {transform.with_named_sequence} {
  // expected-remark@below {{a function}}
  func.func @f() {
    return
  }
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    transform.debug.emit_remark_at %f, "a function" : !transform.any_op
    transform.yield
  }
}
