// tigris-bufferize: the reshape and the row slice are views (same buffer, the
// slice 1024 bytes in, no kernel call), the lut writes in place
// over the conv output that dies at it, weights go to flash; esp32s3 reserves
// the conv's ESP-NN scratch. tigris-liveness then gives every buffer its steps.
// RUN: tigris-opt %s --tigris-bufferize --tigris-liveness | FileCheck %s
// RUN: tigris-opt %s --tigris-bufferize=target=esp32s3 --tigris-liveness | FileCheck %s --check-prefix=S3
// RUN: not tigris-opt %s --tigris-bufferize=target=esp99 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK-LABEL: func.func @chain
// CHECK-SAME: tigris.arg_buffers = ["arg0"]
// CHECK-SAME: tigris.buffers = {arg0 = array<i64: 4096, 0, 0>, n0 = array<i64: 2048, 0, 3>}
// CHECK: "tosa.const"(){{.*}}tigris.space = "flash"
// CHECK: "tigris.conv2d"{{.*}}tigris.buffer = "n0", tigris.live = array<i64: 0, 3>
// CHECK-NOT: tigris.scratch
// CHECK: "tigris.lut"{{.*}}tigris.buffer = "n0"
// CHECK: "tigris.reshape"{{.*}}tigris.buffer = "n0"
// CHECK: "tigris.slice"{{.*}}tigris.buffer = "n0", tigris.live = array<i64: 0, 3>, tigris.name = "n3", tigris.noop, tigris.space = "fast", tigris.view_offset = 1024 : i64}

// S3: "scratch:n0" = array<i64: [[SCRATCH:[0-9]+]], 0, 0>}
// S3: "tigris.conv2d"{{.*}}tigris.scratch = [[SCRATCH]] : i64
// BAD: error: unknown target 'esp99' (reference, esp32s3, esp32)
func.func @chain(%x: tensor<1x16x16x16xi8>) -> tensor<1x1024xi8> {
  %w = "tosa.const"() <{values = dense<1> : tensor<8x3x3x16xi8>}> : () -> tensor<8x3x3x16xi8>
  %b = "tosa.const"() <{values = dense<0> : tensor<8xi32>}> : () -> tensor<8xi32>
  %c = "tigris.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: -8>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x16x16x16xi8>, tensor<8x3x3x16xi8>, tensor<8xi32>) -> tensor<1x16x16x8xi8>
  %l = "tigris.lut"(%c) {table = array<i8: -128, -127, -126, -125, -124, -123, -122, -121, -120, -119, -118, -117, -116, -115, -114, -113, -112, -111, -110, -109, -108, -107, -106, -105, -104, -103, -102, -101, -100, -99, -98, -97, -96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65, -64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49, -48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33, -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127>} : (tensor<1x16x16x8xi8>) -> tensor<1x16x16x8xi8>
  %r = "tigris.reshape"(%l) : (tensor<1x16x16x8xi8>) -> tensor<1x2048xi8>
  %p = "tigris.slice"(%r) {begin = array<i64: 0, 1024>} : (tensor<1x2048xi8>) -> tensor<1x1024xi8>
  return %p : tensor<1x1024xi8>
}
