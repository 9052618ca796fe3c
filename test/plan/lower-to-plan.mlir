// tigris-lower-to-plan: pools, buffers at fixed offsets, one call per kernel; views
// (reshape, a slice of whole rows: tigris.noop, its bytes at tigris.view_offset) get
// buffers but no call.
// RUN: tigris-opt %s --tigris-schedule --tigris-bufferize --tigris-liveness --tigris-assign-offsets --tigris-lower-to-plan | FileCheck %s
// RUN: tigris-opt %s --tigris-schedule --tigris-bufferize=target=esp32s3 --tigris-liveness --tigris-assign-offsets --tigris-lower-to-plan | FileCheck %s --check-prefix=S3
// RUN: not tigris-opt %s --tigris-lower-to-plan 2>&1 | FileCheck %s --check-prefix=ORDER

// CHECK-LABEL: module @views attributes
// CHECK-SAME: tigris.plan_inputs = ["arg0"], tigris.plan_outputs = ["[[R:n[0-9]+]]", "[[M:n[0-9]+]]"]
// CHECK-NOT: func.func
// CHECK: "tigris.pool"() {alignment = 16 : i64, size = [[ARENA:[0-9]+]] : i64, space = "fast", sym_name = "fast"}
// CHECK: "tigris.pool"() {alignment = 16 : i64, size = 256 : i64, space = "flash", sym_name = "flash"}
// CHECK: "tigris.buffer"() {offset = {{[0-9]+}} : i64, pool = "fast", size = 128 : i64, sym_name = "arg0", type = tensor<1x4x4x8xi8>}
// CHECK: "tigris.buffer"() {offset = [[#A:]] : i64, pool = "fast", size = 128 : i64, sym_name = "[[L:n[0-9]+]]", type = tensor<1x4x4x8xi8>}
// CHECK: "tigris.buffer"() {offset = 0 : i64, pool = "flash", size = 256 : i64, sym_name = "[[L]].table", tigris.data = dense<{{.*}}> : tensor<256xi8>, type = tensor<256xi8>}
// CHECK-DAG: "tigris.buffer"() {offset = [[#A]] : i64, pool = "fast", size = 128 : i64, sym_name = "[[R]]", type = tensor<1x16x8xi8>}
// CHECK-DAG: "tigris.buffer"() {offset = [[#A+64]] : i64, pool = "fast", size = 64 : i64, sym_name = "[[S:n[0-9]+]]", type = tensor<1x2x4x8xi8>}
// CHECK: "tigris.call"() {inputs = ["arg0", "[[L]].table"], kernel = "lut", outputs = ["[[L]]"], params = {}, stage = 0 : i64}
// CHECK-NOT: kernel = "reshape"
// CHECK-NOT: kernel = "slice"
// CHECK: "tigris.call"() {inputs = ["[[S]]"], kernel = "max_pool", outputs = ["[[M]]"], params = {act_max = 127 : i64, act_min = -128 : i64, dilation = array<i64: 1, 1>, kernel = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}, stage = 0 : i64}
// CHECK-NOT: tigris.call

// The esp32s3 target reserves no scratch for these kernels either.
// S3: module @views
// S3-NOT: scratch

// ORDER: error: tigris-lower-to-plan needs 'tigris.arena': run the planning passes

func.func @views(%x: tensor<1x4x4x8xi8>) -> (tensor<1x16x8xi8>, tensor<1x2x4x8xi8>) {
  %a = "tigris.lut"(%x) {table = array<i8: -128, -121, -114, -107, -100, -93, -86, -79, -72, -65, -58, -51, -44, -37, -30, -23, -16, -9, -2, 5, 12, 19, 26, 33, 40, 47, 54, 61, 68, 75, 82, 89, 96, 103, 110, 117, 124, -125, -118, -111, -104, -97, -90, -83, -76, -69, -62, -55, -48, -41, -34, -27, -20, -13, -6, 1, 8, 15, 22, 29, 36, 43, 50, 57, 64, 71, 78, 85, 92, 99, 106, 113, 120, 127, -122, -115, -108, -101, -94, -87, -80, -73, -66, -59, -52, -45, -38, -31, -24, -17, -10, -3, 4, 11, 18, 25, 32, 39, 46, 53, 60, 67, 74, 81, 88, 95, 102, 109, 116, 123, -126, -119, -112, -105, -98, -91, -84, -77, -70, -63, -56, -49, -42, -35, -28, -21, -14, -7, 0, 7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 91, 98, 105, 112, 119, 126, -123, -116, -109, -102, -95, -88, -81, -74, -67, -60, -53, -46, -39, -32, -25, -18, -11, -4, 3, 10, 17, 24, 31, 38, 45, 52, 59, 66, 73, 80, 87, 94, 101, 108, 115, 122, -127, -120, -113, -106, -99, -92, -85, -78, -71, -64, -57, -50, -43, -36, -29, -22, -15, -8, -1, 6, 13, 20, 27, 34, 41, 48, 55, 62, 69, 76, 83, 90, 97, 104, 111, 118, 125, -124, -117, -110, -103, -96, -89, -82, -75, -68, -61, -54, -47, -40, -33, -26, -19, -12, -5, 2, 9, 16, 23, 30, 37, 44, 51, 58, 65, 72, 79, 86, 93, 100, 107, 114, 121>} : (tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8>
  %r = "tigris.reshape"(%a) : (tensor<1x4x4x8xi8>) -> tensor<1x16x8xi8>
  %s = "tigris.slice"(%a) {begin = array<i64: 0, 2, 0, 0>} : (tensor<1x4x4x8xi8>) -> tensor<1x2x4x8xi8>
  %m = "tigris.max_pool"(%s) {kernel = array<i64: 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x2x4x8xi8>) -> tensor<1x2x4x8xi8>
  return %r, %m : tensor<1x16x8xi8>, tensor<1x2x4x8xi8>
}
