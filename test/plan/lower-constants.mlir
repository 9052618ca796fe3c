// tigris-lower-to-plan: constants go to the flash pool at 16-byte aligned offsets,
// weights in the layout the kernel reads (depthwise [KH,KW,C,M] -> [1,KH,KW,C*M],
// fully connected [Cout,1,1,K] -> [Cout,K]), per-channel multiplier/shift arrays
// become flash buffers (identical arrays stored once), `empty` makes no call, and
// kernel scratch (esp32s3) is a buffer named by the call.
// RUN: tigris-opt %s --tigris-schedule --tigris-bufferize --tigris-liveness --tigris-assign-offsets --tigris-lower-to-plan | FileCheck %s
// RUN: tigris-opt %s --tigris-schedule --tigris-bufferize=target=esp32s3 --tigris-liveness --tigris-assign-offsets --tigris-lower-to-plan | FileCheck %s --check-prefix=S3

// CHECK-LABEL: module @constants
// CHECK: "tigris.pool"() {alignment = 16 : i64, size = 144 : i64, space = "flash", sym_name = "flash"}
// CHECK: "tigris.buffer"() {offset = 0 : i64, pool = "flash", size = 18 : i64, sym_name = "[[D:n[0-9]+]].weights", tigris.data = dense<{{.*}}> : tensor<3x3x2x1xi8>, type = tensor<1x3x3x2xi8>}
// CHECK: "tigris.buffer"() {offset = 32 : i64, pool = "flash", size = 8 : i64, sym_name = "[[D]].bias", tigris.data = dense<[1, -1]> : tensor<2xi32>, type = tensor<2xi32>}
// CHECK: "tigris.buffer"() {offset = 48 : i64, pool = "flash", size = 8 : i64, sym_name = "[[D]].multiplier"
// CHECK: "tigris.buffer"() {offset = 64 : i64, pool = "flash", size = 8 : i64, sym_name = "[[D]].shift"
// CHECK: "tigris.buffer"() {offset = 80 : i64, pool = "flash", size = 36 : i64, sym_name = "[[F:n[0-9]+]].weights", tigris.data = dense<{{.*}}> : tensor<2x1x1x18xi8>, type = tensor<2x18xi8>}
// CHECK: "tigris.buffer"() {offset = 128 : i64, pool = "flash", size = 8 : i64, sym_name = "[[F]].bias"
// CHECK-NOT: "[[F]].multiplier"
// CHECK: "tigris.call"() {inputs = ["arg0", "[[D]].weights", "[[D]].bias", "[[D]].multiplier", "[[D]].shift"], kernel = "depthwise_conv2d"
// CHECK: "tigris.call"() {inputs = ["{{n[0-9]+}}", "[[F]].weights", "[[F]].bias", "[[D]].multiplier", "[[D]].shift"], kernel = "fully_connected"
// CHECK: "tigris.call"() {inputs = ["{{n[0-9]+}}", "[[E:n[0-9]+]]"], kernel = "insert"
// CHECK-NOT: kernel = "empty"
// CHECK: "tigris.call"() {inputs = ["{{n[0-9]+}}", "{{n[0-9]+}}"], kernel = "insert"

// S3: "tigris.buffer"() {offset = {{[0-9]+}} : i64, pool = "fast", size = [[SZ:[0-9]+]] : i64, sym_name = "[[D:n[0-9]+]].scratch", type = tensor<[[SZ]]xi8>}
// S3: "tigris.call"() {inputs = {{.*}}, kernel = "depthwise_conv2d", outputs = ["[[D]]"], params = {{.*}}, scratch = "[[D]].scratch", stage = 0 : i64}

func.func @constants(%x: tensor<1x3x3x2xi8>) -> tensor<1x1x4xi8> {
  %w = "tosa.const"() <{values = dense<[[[[1], [2]], [[3], [4]], [[5], [6]]], [[[7], [8]], [[9], [10]], [[11], [12]]], [[[13], [14]], [[15], [16]], [[17], [18]]]]> : tensor<3x3x2x1xi8>}> : () -> tensor<3x3x2x1xi8>
  %b = "tosa.const"() <{values = dense<[1, -1]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %d = "tigris.depthwise_conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, channel_multiplier = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824, 1073741824>, shift = array<i32: -4, -4>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x3x3x2xi8>, tensor<3x3x2x1xi8>, tensor<2xi32>) -> tensor<1x3x3x2xi8>
  %fw = "tosa.const"() <{values = dense<3> : tensor<2x1x1x18xi8>}> : () -> tensor<2x1x1x18xi8>
  %fb = "tosa.const"() <{values = dense<[5, 6]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %r = "tigris.reshape"(%d) : (tensor<1x3x3x2xi8>) -> tensor<1x18xi8>
  %f = "tigris.fully_connected"(%r, %fw, %fb) {input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824, 1073741824>, shift = array<i32: -4, -4>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x18xi8>, tensor<2x1x1x18xi8>, tensor<2xi32>) -> tensor<1x2xi8>
  %e = "tigris.empty"() : () -> tensor<1x1x4xi8>
  %f3 = "tigris.reshape"(%f) : (tensor<1x2xi8>) -> tensor<1x1x2xi8>
  %i1 = "tigris.insert"(%f3, %e) {axis = 2 : i64, offset = 0 : i64} : (tensor<1x1x2xi8>, tensor<1x1x4xi8>) -> tensor<1x1x4xi8>
  %i2 = "tigris.insert"(%f3, %i1) {axis = 2 : i64, offset = 2 : i64} : (tensor<1x1x2xi8>, tensor<1x1x4xi8>) -> tensor<1x1x4xi8>
  return %i2 : tensor<1x1x4xi8>
}
