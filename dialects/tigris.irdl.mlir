// The tigris dialect, defined once here and loaded at run time (Python:
// tigris.dialects.load; stock tools: mlir-opt --irdl-file=dialects/tigris.irdl.mlir).
//
// IRDL checks operand and result kinds, arity and attribute kinds. It cannot
// check element types or integer widths, and one constraint value binds one
// concrete type, so every slot gets its own constraint. The `tigris-verify`
// pass checks the rest (int8 activations, per-channel array lengths, ranges).
// Attributes are written in the `{...}` dictionary: extensible dialects have
// no properties. Discardable attributes (tigris.step, tigris.offset, ...) are
// added by the planning passes.
irdl.dialect @tigris {
  // ---------------------------------------------------------------- kernel ops
  // One op per runtime kernel call, on NHWC int8 tensors, with the
  // requantization (int32 multiplier + shift, TFLite rounding) and the
  // activation clamp folded in. Semantics: docs/kernels.md.

  irdl.operation @conv2d {
    %in = irdl.base "!builtin.tensor"
    %w = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %stride = irdl.base "#builtin.dense_array"
    %dilation = irdl.base "#builtin.dense_array"
    %pad = irdl.base "#builtin.dense_array"
    %groups = irdl.base "#builtin.integer"
    %ioff = irdl.base "#builtin.integer"
    %ooff = irdl.base "#builtin.integer"
    %mult = irdl.base "#builtin.dense_array"
    %shift = irdl.base "#builtin.dense_array"
    %amin = irdl.base "#builtin.integer"
    %amax = irdl.base "#builtin.integer"
    irdl.operands(input: %in, weights: %w, bias: %b)
    irdl.results(output: %out)
    irdl.attributes {"stride" = %stride, "dilation" = %dilation, "pad" = %pad,
                     "groups" = %groups, "input_offset" = %ioff, "output_offset" = %ooff,
                     "multiplier" = %mult, "shift" = %shift,
                     "act_min" = %amin, "act_max" = %amax}
  }

  irdl.operation @depthwise_conv2d {
    %in = irdl.base "!builtin.tensor"
    %w = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %stride = irdl.base "#builtin.dense_array"
    %dilation = irdl.base "#builtin.dense_array"
    %pad = irdl.base "#builtin.dense_array"
    %cmul = irdl.base "#builtin.integer"
    %ioff = irdl.base "#builtin.integer"
    %ooff = irdl.base "#builtin.integer"
    %mult = irdl.base "#builtin.dense_array"
    %shift = irdl.base "#builtin.dense_array"
    %amin = irdl.base "#builtin.integer"
    %amax = irdl.base "#builtin.integer"
    irdl.operands(input: %in, weights: %w, bias: %b)
    irdl.results(output: %out)
    irdl.attributes {"stride" = %stride, "dilation" = %dilation, "pad" = %pad,
                     "channel_multiplier" = %cmul, "input_offset" = %ioff, "output_offset" = %ooff,
                     "multiplier" = %mult, "shift" = %shift,
                     "act_min" = %amin, "act_max" = %amax}
  }

  irdl.operation @fully_connected {
    %in = irdl.base "!builtin.tensor"
    %w = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %ioff = irdl.base "#builtin.integer"
    %ooff = irdl.base "#builtin.integer"
    %mult = irdl.base "#builtin.dense_array"
    %shift = irdl.base "#builtin.dense_array"
    %amin = irdl.base "#builtin.integer"
    %amax = irdl.base "#builtin.integer"
    irdl.operands(input: %in, weights: %w, bias: %b)
    irdl.results(output: %out)
    irdl.attributes {"input_offset" = %ioff, "output_offset" = %ooff,
                     "multiplier" = %mult, "shift" = %shift,
                     "act_min" = %amin, "act_max" = %amax}
  }

  irdl.operation @add {
    %a = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %off1 = irdl.base "#builtin.integer"
    %off2 = irdl.base "#builtin.integer"
    %m1 = irdl.base "#builtin.integer"
    %s1 = irdl.base "#builtin.integer"
    %m2 = irdl.base "#builtin.integer"
    %s2 = irdl.base "#builtin.integer"
    %ls = irdl.base "#builtin.integer"
    %ooff = irdl.base "#builtin.integer"
    %om = irdl.base "#builtin.integer"
    %os = irdl.base "#builtin.integer"
    %amin = irdl.base "#builtin.integer"
    %amax = irdl.base "#builtin.integer"
    irdl.operands(input1: %a, input2: %b)
    irdl.results(output: %out)
    irdl.attributes {"input1_offset" = %off1, "input2_offset" = %off2,
                     "input1_multiplier" = %m1, "input1_shift" = %s1,
                     "input2_multiplier" = %m2, "input2_shift" = %s2,
                     "left_shift" = %ls, "output_offset" = %ooff,
                     "output_multiplier" = %om, "output_shift" = %os,
                     "act_min" = %amin, "act_max" = %amax}
  }

  irdl.operation @mul {
    %a = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %off1 = irdl.base "#builtin.integer"
    %off2 = irdl.base "#builtin.integer"
    %ooff = irdl.base "#builtin.integer"
    %om = irdl.base "#builtin.integer"
    %os = irdl.base "#builtin.integer"
    %amin = irdl.base "#builtin.integer"
    %amax = irdl.base "#builtin.integer"
    irdl.operands(input1: %a, input2: %b)
    irdl.results(output: %out)
    irdl.attributes {"input1_offset" = %off1, "input2_offset" = %off2,
                     "output_offset" = %ooff, "output_multiplier" = %om, "output_shift" = %os,
                     "act_min" = %amin, "act_max" = %amax}
  }

  irdl.operation @avg_pool {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %kernel = irdl.base "#builtin.dense_array"
    %stride = irdl.base "#builtin.dense_array"
    %pad = irdl.base "#builtin.dense_array"
    %cip = irdl.base "#builtin.integer"
    %amin = irdl.base "#builtin.integer"
    %amax = irdl.base "#builtin.integer"
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"kernel" = %kernel, "stride" = %stride, "pad" = %pad,
                     "count_include_pad" = %cip, "act_min" = %amin, "act_max" = %amax}
  }

  irdl.operation @max_pool {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %kernel = irdl.base "#builtin.dense_array"
    %stride = irdl.base "#builtin.dense_array"
    %dilation = irdl.base "#builtin.dense_array"
    %pad = irdl.base "#builtin.dense_array"
    %amin = irdl.base "#builtin.integer"
    %amax = irdl.base "#builtin.integer"
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"kernel" = %kernel, "stride" = %stride, "dilation" = %dilation,
                     "pad" = %pad, "act_min" = %amin, "act_max" = %amax}
  }

  irdl.operation @global_avg_pool {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %ioff = irdl.base "#builtin.integer"
    %ooff = irdl.base "#builtin.integer"
    %m = irdl.base "#builtin.integer"
    %s = irdl.base "#builtin.integer"
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"input_offset" = %ioff, "output_offset" = %ooff,
                     "multiplier" = %m, "shift" = %s}
  }

  // Softmax over the last axis: exp_table[255 + x - max(row)] is exp() of
  // that difference in Q20; the output is rounded exp/sum divided by the
  // output scale (output_scale_q16 = round(2^16 / scale)).
  irdl.operation @softmax {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %table = irdl.base "#builtin.dense_array"
    %oscale = irdl.base "#builtin.integer"
    %ooff = irdl.base "#builtin.integer"
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"exp_table" = %table, "output_scale_q16" = %oscale, "output_offset" = %ooff}
  }

  // TFLite's int8 softmax over the last axis (output scale 1/256, zero point
  // -128): exp_table[255 + x - max(row)] is exp in Q0.31 (docs/kernels.md).
  irdl.operation @softmax_tfl {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %table = irdl.base "#builtin.dense_array"
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"exp_table" = %table}
  }

  // Any int8 -> int8 elementwise function (activations, requantization):
  // output = table[input + 128]. With 256 x C entries (C = the last dimension,
  // equal input and output shapes) each channel has its own table (PRelu,
  // per-channel constants): element i reads table[(i mod C) * 256 + input + 128].
  irdl.operation @lut {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %table = irdl.base "#builtin.dense_array"
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"table" = %table}
  }

  irdl.operation @reshape {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    irdl.operands(input: %in)
    irdl.results(output: %out)
  }

  irdl.operation @transpose {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %perm = irdl.base "#builtin.dense_array"
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"perm" = %perm}
  }

  // Constant padding; pad = [before..., after...] per dimension.
  irdl.operation @pad {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %pad = irdl.base "#builtin.dense_array"
    %value = irdl.base "#builtin.integer"
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"pad" = %pad, "value" = %value}
  }

  // Resize over H and W by index tables computed at compile time, so any
  // ONNX coordinate mode becomes the same kernel. Linear: Q11 weights of the
  // second source row/column.
  irdl.operation @resize {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %nearest = irdl.is "nearest"
    %linear = irdl.is "linear"
    %mode = irdl.any_of(%nearest, %linear)
    %y0 = irdl.base "#builtin.dense_array"
    %y1 = irdl.base "#builtin.dense_array"
    %wy = irdl.base "#builtin.dense_array"
    %x0 = irdl.base "#builtin.dense_array"
    %x1 = irdl.base "#builtin.dense_array"
    %wx = irdl.base "#builtin.dense_array"
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"mode" = %mode, "y_index0" = %y0, "y_index1" = %y1, "y_weight" = %wy,
                     "x_index0" = %x0, "x_index1" = %x1, "x_weight" = %wx}
  }

  // A strided-free box of the input starting at `begin`; the size is the result shape.
  irdl.operation @slice {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %begin = irdl.base "#builtin.dense_array"
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"begin" = %begin}
  }

  // Concatenation in destination-passing style: `empty` makes the
  // destination, each `insert` copies one input at `offset` along `axis`
  // and yields the updated destination. (One IRDL constraint binds one type,
  // so a variadic concat could not take inputs of different shapes.)
  irdl.operation @empty {
    %out = irdl.base "!builtin.tensor"
    irdl.results(output: %out)
  }

  irdl.operation @insert {
    %in = irdl.base "!builtin.tensor"
    %dest = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %axis = irdl.base "#builtin.integer"
    %offset = irdl.base "#builtin.integer"
    irdl.operands(input: %in, dest: %dest)
    irdl.results(output: %out)
    irdl.attributes {"axis" = %axis, "offset" = %offset}
  }

  // ------------------------------------------------------------------ plan ops
  // The static plan: memory pools, buffers at fixed byte offsets, kernel
  // calls over those offsets, stages, and spill/reload copies between pools.

  irdl.operation @pool {
    %name = irdl.base "#builtin.string"
    %fast = irdl.is "fast"
    %slow = irdl.is "slow"
    %flash = irdl.is "flash"
    %space = irdl.any_of(%fast, %slow, %flash)
    %size = irdl.base "#builtin.integer"
    %align = irdl.base "#builtin.integer"
    irdl.attributes {"sym_name" = %name, "space" = %space, "size" = %size, "alignment" = %align}
  }

  irdl.operation @buffer {
    %name = irdl.base "#builtin.string"
    %pool = irdl.base "#builtin.string"
    %offset = irdl.base "#builtin.integer"
    %size = irdl.base "#builtin.integer"
    %type = irdl.base "#builtin.type"
    irdl.attributes {"sym_name" = %name, "pool" = %pool, "offset" = %offset, "size" = %size,
                     "type" = %type}
  }

  // One kernel call; operands and results name buffers; `params` holds the
  // kernel op's attributes.
  irdl.operation @call {
    %kernel = irdl.base "#builtin.string"
    %ins = irdl.base "#builtin.array"
    %outs = irdl.base "#builtin.array"
    %params = irdl.base "#builtin.dictionary"
    %stage = irdl.base "#builtin.integer"
    irdl.attributes {"kernel" = %kernel, "inputs" = %ins, "outputs" = %outs, "params" = %params,
                     "stage" = %stage}
  }
}
