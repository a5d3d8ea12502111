// batch_norm_kernels.hpp — fused CPU kernels for training-mode batch norm: the forward pass and the double backward
// (batch_norm_kernels.cpp), used by the custom autograd functions in batch_norm_autograd.cpp.
#pragma once

#include <torch/torch.h>

#include <tuple>

namespace jr {

// Whether batch_norm_train_forward takes this input: a contiguous N×C×… float or double CPU tensor with more than one
// value per channel. Anything else stays with ATen.
bool batch_norm_train_forward_applies(const at::Tensor &x);

// at::native_batch_norm(x, weight, bias, running_mean, running_var, /*training=*/true, momentum, eps):
// (y, save_mean, save_invstd), running statistics (either may be undefined) updated in place. weight and bias
// are defined C-vectors of x's dtype.
std::tuple<at::Tensor, at::Tensor, at::Tensor> batch_norm_train_forward(const at::Tensor &x, const at::Tensor &weight,
                                                                       const at::Tensor &bias,
                                                                       const at::Tensor &running_mean,
                                                                       const at::Tensor &running_var, double momentum,
                                                                       double eps);

// The double backward: gradients of (gx, gweight, gbias) = first backward(gy, x, weight) for incoming gradients
// ggx, ggw, ggb (each may be undefined: zero), training branch of PyTorch's batchnorm_double_backward. mean and
// invstd are the saved batch statistics. A result nobody wants, or that is zero, stays undefined.
struct BatchNormDoubleBackward {
    at::Tensor grad_gy, grad_x, grad_weight;
};

// Whether batch_norm_double_backward takes these arguments: CPU, float or double, matching shapes.
bool batch_norm_double_backward_applies(const at::Tensor &gy, const at::Tensor &x, const at::Tensor &weight,
                                        const at::Tensor &mean, const at::Tensor &invstd, const at::Tensor &ggx,
                                        const at::Tensor &ggw, const at::Tensor &ggb);

BatchNormDoubleBackward batch_norm_double_backward(const at::Tensor &gy, const at::Tensor &x, const at::Tensor &weight,
                                                   const at::Tensor &mean, const at::Tensor &invstd,
                                                   const at::Tensor &ggx, const at::Tensor &ggw, const at::Tensor &ggb,
                                                   bool want_gy, bool want_x, bool want_weight);

}  // namespace jr
