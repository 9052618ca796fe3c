// tigris-verify checks what IRDL cannot: element types, widths, per-channel
// lengths and clamp ranges. Each case is its own chunk; every error is expected
// on its op's line.
// RUN: tigris-opt %s --tigris-verify --split-input-file --verify-diagnostics

func.func @float_lut(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'tigris.lut' expects int8 tensors, got tensor<4xf32>}}
  %0 = "tigris.lut"(%x) {table = array<i8: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @i8_bias(%x: tensor<1x4x4x2xi8>, %w: tensor<2x1x1x2xi8>, %b: tensor<2xi8>) -> tensor<1x4x4x2xi8> {
  // expected-error@below {{'tigris.conv2d' bias must be int32, got tensor<2xi8>}}
  %0 = "tigris.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: 0>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x4x4x2xi8>, tensor<2x1x1x2xi8>, tensor<2xi8>) -> tensor<1x4x4x2xi8>
  return %0 : tensor<1x4x4x2xi8>
}

// -----

func.func @per_channel_length(%x: tensor<1x4x4x2xi8>, %w: tensor<2x1x1x2xi8>, %b: tensor<2xi32>) -> tensor<1x4x4x2xi8> {
  %0 = "tigris.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1, 2, 3>, shift = array<i32: 0>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x4x4x2xi8>, tensor<2x1x1x2xi8>, tensor<2xi32>) -> tensor<1x4x4x2xi8>
  // expected-error@above {{multiplier has 3 values for 2 output channels}}
  return %0 : tensor<1x4x4x2xi8>
}

// -----

func.func @clamp_outside_int8(%x: tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8> {
  // expected-error-re@+1 {{activation range [{{-?[0-9]+}}, 300] is not inside int8}}
  %0 = "tigris.add"(%x, %x) {input1_offset = 0 : i64, input2_offset = 0 : i64, input1_multiplier = 1073741824 : i64, input1_shift = 0 : i64, input2_multiplier = 1073741824 : i64, input2_shift = 0 : i64, left_shift = 20 : i64, output_offset = 0 : i64, output_multiplier = 1073741824 : i64, output_shift = 0 : i64, act_min = -128 : i64, act_max = 300 : i64} : (tensor<1x4x4x8xi8>, tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8>
  return %0 : tensor<1x4x4x8xi8>
}

// -----

// A valid chunk: no diagnostics, nothing expected.
func.func @fine(%x: tensor<4xi8>) -> tensor<4xi8> {
  return %x : tensor<4xi8>
}

// -----

func.func @depthwise_weights_layout(%x: tensor<1x4x4x8xi8>, %w: tensor<1x3x3x8xi8>, %b: tensor<8xi32>) -> tensor<1x4x4x8xi8> {
  // expected-error@below {{'tigris.depthwise_conv2d' weights [1, 3, 3, 8] (KH, KW, C, M) do not match input channels 8, channel multiplier 1 and output channels 8}}
  %0 = "tigris.depthwise_conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, channel_multiplier = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: 0>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x4x4x8xi8>, tensor<1x3x3x8xi8>, tensor<8xi32>) -> tensor<1x4x4x8xi8>
  return %0 : tensor<1x4x4x8xi8>
}

// -----

func.func @conv_output_past_window(%x: tensor<1x4x4x2xi8>, %w: tensor<2x3x3x2xi8>, %b: tensor<2xi32>) -> tensor<1x4x4x2xi8> {
  // expected-error@below {{'tigris.conv2d' output has 4 rows, its 3-tap window over the input gives 2}}
  %0 = "tigris.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, groups = 1 : i64, input_offset = 0 : i64, output_offset = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: 0>, act_min = -128 : i64, act_max = 127 : i64} : (tensor<1x4x4x2xi8>, tensor<2x3x3x2xi8>, tensor<2xi32>) -> tensor<1x4x4x2xi8>
  return %0 : tensor<1x4x4x2xi8>
}
