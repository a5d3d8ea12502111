// conv_autograd.hpp — conv2d whose create-graph input gradient uses ATen's native kernels (conv_autograd.cpp).
#pragma once

#include <torch/torch.h>

namespace jr {

// The process-wide switch jr_set_conv_create_graph_native sets.
bool conv_create_graph_native_enabled();

// Whether conv2d_native_grad takes these arguments: CPU float32/float64, 4-D input and weight of matching channels,
// bias absent or one per output channel. Anything else stays with at::conv2d.
bool conv2d_native_grad_applies(const at::Tensor &input, const at::Tensor &weight, const at::Tensor &bias);

// at::conv2d(input, weight, bias, stride, padding) recorded as a custom autograd function: its backward is
// at::convolution_backward as at::conv2d's, except under create_graph with at most 4 input channels, where it is
// at::_slow_conv2d_backward (ATen's own kernels, differentiable, same double backward) instead of oneDNN's much slower
// input-gradient convolution.
at::Tensor conv2d_native_grad(const at::Tensor &input, const at::Tensor &weight, const at::Tensor &bias,
                              at::IntArrayRef stride, at::IntArrayRef padding);

}  // namespace jr
