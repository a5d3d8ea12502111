// batch_norm_autograd.cpp — training-mode batch norm as two custom autograd functions, so that its double
// backward (the Jacobian penalty's second backward goes through it for every batch-norm layer) is one fused
// pass per channel on CPU instead of libtorch's composite batchnorm_double_backward (~100 small ATen ops per
// layer, memory-bound: a fifth of a penalized step, bench/results/step-breakdown/2026-11-25/report.md).
//
//   BatchNormTrain:         y = BN(x; weight, bias), batch statistics; backward = BatchNormTrainBackward
//   BatchNormTrainBackward: (gy, x, weight) -> (gx, gweight, gbias), the first backward as a differentiable op;
//                           its backward is the double backward: fused kernel, or the composite formula (a port
//                           of PyTorch's) where the fused one does not apply or a third derivative is wanted.
// The forward pass runs in a fused kernel too (batch_norm_kernels.cpp) where it applies, else in ATen's
// native_batch_norm; the first backward is ATen's native_batch_norm_backward (faster than a fused one here).
#include "batch_norm_autograd.hpp"

#include <torch/csrc/autograd/custom_function.h>

#include <atomic>
#include <string>

#include "batch_norm_kernels.hpp"
#include "guard.hpp"

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::atomic<bool> fused_enabled{true};

bool is_fused_dtype(at::ScalarType type) { return type == at::kFloat || type == at::kDouble; }

// Shape [1, C, 1, ...] for a per-channel vector against an N×C×... tensor.
at::Tensor per_channel(const at::Tensor &v, const at::Tensor &like) {
    std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
    shape[1] = like.size(1);
    return v.reshape(shape);
}

// Sum over every dimension but the channel one, kept as [1, C, 1, ...].
at::Tensor channel_sum(const at::Tensor &t) {
    std::vector<int64_t> dims;
    for (int64_t d = 0; d < t.dim(); ++d)
        if (d != 1) dims.push_back(d);
    return t.sum(dims, /*keepdim=*/true);
}

using DoubleBackward = jr::BatchNormDoubleBackward;

// PyTorch's batchnorm_double_backward (torch/csrc/autograd/FunctionsManual.cpp), training branch with weight,
// in ATen ops: differentiable, any device and dtype. ggx, ggw, ggb may be undefined (zero). mean and invstd
// are the saved batch statistics; the formula carries their dependence on x itself.
DoubleBackward composite_double_backward(const at::Tensor &gy, const at::Tensor &x, const at::Tensor &weight,
                                         const at::Tensor &mean, const at::Tensor &invstd, const at::Tensor &ggx,
                                         const at::Tensor &ggw, const at::Tensor &ggb) {
    double M = static_cast<double>(x.numel() / x.size(1));
    at::Tensor gamma = per_channel(weight, x);
    at::Tensor x_mu = x - per_channel(mean, x);
    at::Tensor s = per_channel(invstd, x);
    at::Tensor s2 = s.pow(2), s3 = s.pow(3);
    at::Tensor x_mu_s3 = x_mu * s3;
    at::Tensor gy_xmu_sum = channel_sum(gy * x_mu);
    at::Tensor gy_sum = channel_sum(gy);

    // The first backward's input gradient for an incoming gradient g (γ folded in by the caller).
    auto first_backward_input = [&](const at::Tensor &g, const at::Tensor &scale) {
        return (scale * s / M) * (M * g - channel_sum(g) - x_mu * s2 * channel_sum(g * x_mu));
    };

    DoubleBackward out;
    if (ggx.defined()) {
        at::Tensor ggx_sum = channel_sum(ggx);
        at::Tensor ggx_xmu_sum = channel_sum(ggx * x_mu);
        at::Tensor all_sub = ggx_sum * gy_sum / M - channel_sum(gy * ggx) + s2 * gy_xmu_sum * ggx_xmu_sum * (3.0 / M);
        at::Tensor t0 = x_mu_s3 * all_sub / M;
        at::Tensor t1 = ggx_xmu_sum * s3 / M * (gy_sum / M - gy);
        at::Tensor t2 = gy_xmu_sum * s3 / M * (ggx_sum / M - ggx);
        out.grad_x = gamma * (t0 + t1 + t2);
        out.grad_weight = channel_sum(ggx * first_backward_input(gy, at::ones({}, x.options()))).view(weight.sizes());
        out.grad_gy = first_backward_input(ggx, gamma);
    }
    if (ggw.defined()) {
        at::Tensor ggw_c = per_channel(ggw, x);
        at::Tensor term_x = ggw_c * (gy * s - s * gy_sum / M - x_mu_s3 * gy_xmu_sum / M);
        out.grad_x = out.grad_x.defined() ? out.grad_x + term_x : term_x;
        at::Tensor term_gy = ggw_c * x_mu * s;
        out.grad_gy = out.grad_gy.defined() ? out.grad_gy + term_gy : term_gy;
    }
    if (ggb.defined()) {
        at::Tensor term_gy = per_channel(ggb, x).expand_as(x);
        out.grad_gy = out.grad_gy.defined() ? out.grad_gy + term_gy : term_gy;
    }
    return out;
}


// (gy, x, weight) -> (gx, gweight, gbias) with the batch statistics of the forward pass.
struct BatchNormTrainBackward : public torch::autograd::Function<BatchNormTrainBackward> {
    static variable_list forward(AutogradContext *ctx, const at::Tensor &gy, const at::Tensor &x,
                                 const at::Tensor &weight, const at::Tensor &mean, const at::Tensor &invstd,
                                 double eps) {
        auto grads = at::native_batch_norm_backward(gy, x, weight, /*running_mean=*/{}, /*running_var=*/{}, mean,
                                                    invstd, /*train=*/true, eps, {true, true, true});
        ctx->save_for_backward({gy, x, weight, mean, invstd});
        // Outputs nobody differentiates arrive undefined rather than as zero tensors: less work, as in ATen.
        ctx->set_materialize_grads(false);
        return {std::get<0>(grads), std::get<1>(grads), std::get<2>(grads)};
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads) {
        auto saved = ctx->get_saved_variables();
        const at::Tensor &gy = saved[0], &x = saved[1], &weight = saved[2], &mean = saved[3], &invstd = saved[4];
        const at::Tensor &ggx = grads[0], &ggw = grads[1], &ggb = grads[2];
        DoubleBackward r;
        // With grad mode on someone wants a third derivative: keep the ATen formula, which autograd can follow.
        if (!c10::GradMode::is_enabled() && jr::batch_norm_double_backward_applies(gy, x, weight, mean, invstd, ggx, ggw, ggb))
            r = jr::batch_norm_double_backward(gy, x, weight, mean, invstd, ggx, ggw, ggb, ctx->needs_input_grad(0),
                                               ctx->needs_input_grad(1), ctx->needs_input_grad(2));
        else
            r = composite_double_backward(gy, x, weight, mean, invstd, ggx, ggw, ggb);
        return {r.grad_gy, r.grad_x, r.grad_weight, at::Tensor(), at::Tensor(), at::Tensor()};
    }
};

// The running statistics, updated in place and never differentiated, travel outside the autograd inputs
// (which cannot be undefined tensors in libtorch 1.13).
struct RunningStats {
    at::Tensor mean, var;
};

// y = BN(x) with batch statistics; updates the running statistics in place as at::batch_norm does.
struct BatchNormTrain : public torch::autograd::Function<BatchNormTrain> {
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &x, const at::Tensor &weight,
                              const at::Tensor &bias, const RunningStats &running, double momentum, double eps) {
        auto result = jr::batch_norm_train_forward_applies(x)
                          ? jr::batch_norm_train_forward(x, weight, bias, running.mean, running.var, momentum, eps)
                          : at::native_batch_norm(x, weight, bias, running.mean, running.var, /*training=*/true,
                                                  momentum, eps);
        ctx->save_for_backward({x, weight, std::get<1>(result), std::get<2>(result)});
        ctx->saved_data["eps"] = eps;
        return std::get<0>(result);
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads) {
        auto saved = ctx->get_saved_variables();
        double eps = ctx->saved_data["eps"].toDouble();
        // Recorded as a node of its own when the caller asked for create_graph (grad mode is then on).
        auto g = BatchNormTrainBackward::apply(grads[0], saved[0], saved[1], saved[2], saved[3], eps);
        return {g[0], g[1], g[2], at::Tensor(), at::Tensor(), at::Tensor()};
    }
};

bool channel_vector(const at::Tensor &t, const at::Tensor &input, bool required) {
    if (!t.defined()) return !required;
    return t.dim() == 1 && t.size(0) == input.size(1) && t.device() == input.device() &&
           t.scalar_type() == input.scalar_type();
}

}  // namespace

namespace jr {

bool batch_norm_fused_enabled() { return fused_enabled.load(std::memory_order_relaxed); }

bool batch_norm_train_applies(const at::Tensor &input, const at::Tensor &weight, const at::Tensor &bias,
                              const at::Tensor &running_mean, const at::Tensor &running_var) {
    if (!input.defined() || !input.device().is_cpu() || !is_fused_dtype(input.scalar_type()) || input.dim() < 2 ||
        input.numel() == 0)
        return false;
    return channel_vector(weight, input, true) && channel_vector(bias, input, true) &&
           channel_vector(running_mean, input, false) && channel_vector(running_var, input, false);
}

at::Tensor batch_norm_train(const at::Tensor &input, const at::Tensor &weight, const at::Tensor &bias,
                            const at::Tensor &running_mean, const at::Tensor &running_var, double momentum,
                            double eps) {
    return BatchNormTrain::apply(input, weight, bias, RunningStats{running_mean, running_var}, momentum, eps);
}

}  // namespace jr

JR_API int32_t jr_set_batch_norm_fused(int32_t on, jr_error *err) {
    JR_TRY {
        if (on != 0 && on != 1) throw std::invalid_argument("jr_set_batch_norm_fused: on must be 0 or 1, got " + std::to_string(on));
        return fused_enabled.exchange(on == 1) ? 1 : 0;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_batch_norm_fused(jr_error *err) {
    JR_TRY { return jr::batch_norm_fused_enabled() ? 1 : 0; }
    JR_CATCH(err, -1)
}
