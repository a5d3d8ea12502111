// batch_norm_autograd.hpp — training-mode batch norm with a fused CPU double backward (batch_norm_autograd.cpp).
#pragma once

#include <torch/torch.h>

namespace jr {

// The process-wide switch jr_set_batch_norm_fused sets: on, training-mode batch norm on CPU goes through
// batch_norm_train; off, through at::batch_norm (and libtorch's composite double backward).
bool batch_norm_fused_enabled();

// Whether batch_norm_train takes these arguments; anything else (other devices and dtypes, missing weight or
// bias, shapes at::batch_norm would reject) stays with at::batch_norm and its checks and messages.
bool batch_norm_train_applies(const at::Tensor &input, const at::Tensor &weight, const at::Tensor &bias,
                              const at::Tensor &running_mean, const at::Tensor &running_var);

// Same result and running-statistics update as at::batch_norm(..., training=true, ...), recorded as two
// custom autograd functions whose second derivative is one fused pass over the data instead of ~100 ATen ops.
at::Tensor batch_norm_train(const at::Tensor &input, const at::Tensor &weight, const at::Tensor &bias,
                            const at::Tensor &running_mean, const at::Tensor &running_var, double momentum,
                            double eps);

}  // namespace jr
