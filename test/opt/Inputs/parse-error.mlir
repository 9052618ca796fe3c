func.func @f() {
  return
  %0 = "tosa.const"() : () -> i32 i32
}
