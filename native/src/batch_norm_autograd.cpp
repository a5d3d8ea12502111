// batch_norm_autograd.cpp — training-mode batch norm as two custom autograd functions, so that its double
// backward (the Jacobian penalty's second backward goes through it for every batch-norm layer) is one fused
// pass per channel on CPU instead of libtorch's composite batchnorm_double_backward (~100 small ATen ops per
// layer, memory-bound: a fifth of a penalized step, bench/results/step-breakdown.md).
//
//   BatchNormTrain:         y = BN(x; weight, bias), batch statistics; backward = BatchNormTrainBackward
//   BatchNormTrainBackward: (gy, x, weight) -> (gx, gweight, gbias), the first backward as a differentiable op;
//                           its backward is the double backward: fused kernel, or the composite formula (a port
//                           of PyTorch's) where the fused one does not apply or a third derivative is wanted.
#include "batch_norm_autograd.hpp"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <array>
#include <atomic>
#include <string>

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

struct DoubleBackward {
    at::Tensor grad_gy, grad_x, grad_weight;
};

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

// Sums over the elements of one channel, in double.
struct ChannelSums {
    double gy = 0, gy_d = 0, gg = 0, gg_d = 0, gy_gg = 0;  // Σgy, Σgy·(x−μ), Σggx, Σggx·(x−μ), Σgy·ggx
};

// Adds one contiguous row of a channel to sums: two-double vectors (GCC/Clang vector extensions, plain SSE2 on
// x86-64), two of them per sum: independent add chains in registers, no reassociation flags (-ffast-math) needed.
template <typename scalar_t, bool has_ggx>
void add_row(const scalar_t *__restrict__ g, const scalar_t *__restrict__ xs, const scalar_t *__restrict__ h,
             int64_t L, double mu, ChannelSums &sums) {
    typedef double v2d __attribute__((vector_size(16)));
    const v2d mu2 = {mu, mu};
    v2d s_gy[2] = {}, s_gy_d[2] = {}, s_gg[2] = {}, s_gg_d[2] = {}, s_gy_gg[2] = {};
    int64_t k = 0;
    for (; k + 4 <= L; k += 4) {
        for (int j = 0; j < 2; ++j) {
            const int64_t i = k + 2 * j;
            const v2d d = v2d{static_cast<double>(xs[i]), static_cast<double>(xs[i + 1])} - mu2;
            const v2d gv = {static_cast<double>(g[i]), static_cast<double>(g[i + 1])};
            s_gy[j] += gv;
            s_gy_d[j] += gv * d;
            if (has_ggx) {
                const v2d hv = {static_cast<double>(h[i]), static_cast<double>(h[i + 1])};
                s_gg[j] += hv;
                s_gg_d[j] += hv * d;
                s_gy_gg[j] += gv * hv;
            }
        }
    }
    double t_gy = 0, t_gy_d = 0, t_gg = 0, t_gg_d = 0, t_gy_gg = 0;
    for (; k < L; ++k) {
        const double d = static_cast<double>(xs[k]) - mu, gv = g[k];
        t_gy += gv;
        t_gy_d += gv * d;
        if (has_ggx) {
            const double hv = h[k];
            t_gg += hv;
            t_gg_d += hv * d;
            t_gy_gg += gv * hv;
        }
    }
    const v2d a_gy = s_gy[0] + s_gy[1], a_gy_d = s_gy_d[0] + s_gy_d[1], a_gg = s_gg[0] + s_gg[1];
    const v2d a_gg_d = s_gg_d[0] + s_gg_d[1], a_gy_gg = s_gy_gg[0] + s_gy_gg[1];
    sums.gy += a_gy[0] + a_gy[1] + t_gy;
    sums.gy_d += a_gy_d[0] + a_gy_d[1] + t_gy_d;
    sums.gg += a_gg[0] + a_gg[1] + t_gg;
    sums.gg_d += a_gg_d[0] + a_gg_d[1] + t_gg_d;
    sums.gy_gg += a_gy_gg[0] + a_gy_gg[1] + t_gy_gg;
}

// Per-channel coefficients of the two elementwise results:
//   grad_gy = a1·ggx + a2·(x−μ) + a3,   grad_x = b1·(x−μ) + b2·gy + b3·ggx + b4.
template <typename scalar_t>
struct RowCoefficients {
    scalar_t mu, a1, a2, a3, b1, b2, b3, b4;
};

template <typename scalar_t, bool has_ggx>
void write_row(const scalar_t *__restrict__ g, const scalar_t *__restrict__ xs, const scalar_t *__restrict__ h,
               int64_t L, const RowCoefficients<scalar_t> &k, scalar_t *__restrict__ out_gy,
               scalar_t *__restrict__ out_x) {
    const scalar_t mu = k.mu, a1 = k.a1, a2 = k.a2, a3 = k.a3, b1 = k.b1, b2 = k.b2, b3 = k.b3, b4 = k.b4;
    if (out_gy != nullptr && out_x != nullptr) {
        for (int64_t i = 0; i < L; ++i) {
            const scalar_t d = xs[i] - mu, hv = has_ggx ? h[i] : scalar_t(0);
            out_gy[i] = a1 * hv + a2 * d + a3;
            out_x[i] = b1 * d + b2 * g[i] + b3 * hv + b4;
        }
    } else if (out_gy != nullptr) {
        for (int64_t i = 0; i < L; ++i) {
            const scalar_t hv = has_ggx ? h[i] : scalar_t(0);
            out_gy[i] = a1 * hv + a2 * (xs[i] - mu) + a3;
        }
    } else if (out_x != nullptr) {
        for (int64_t i = 0; i < L; ++i) {
            const scalar_t hv = has_ggx ? h[i] : scalar_t(0);
            out_x[i] = b1 * (xs[i] - mu) + b2 * g[i] + b3 * hv + b4;
        }
    }
}

// The same formula, fused: per channel, one pass for five sums and one elementwise pass that writes both
// tensor results. Contiguous N×C×... tensors of one floating dtype on CPU; sums in double.
template <typename scalar_t, bool has_ggx>
void fused_double_backward_kernel(const at::Tensor &gy, const at::Tensor &x, const at::Tensor &weight,
                                  const at::Tensor &mean, const at::Tensor &invstd, const at::Tensor &ggx,
                                  const at::Tensor &ggw, const at::Tensor &ggb, scalar_t *out_gy, scalar_t *out_x,
                                  scalar_t *out_weight) {
    const int64_t N = x.size(0), C = x.size(1), L = x.numel() / (N * C);
    const double M = static_cast<double>(N * L);
    const scalar_t *gy_p = gy.data_ptr<scalar_t>(), *x_p = x.data_ptr<scalar_t>();
    const scalar_t *gg_p = has_ggx ? ggx.data_ptr<scalar_t>() : nullptr;
    const scalar_t *w_p = weight.data_ptr<scalar_t>(), *mean_p = mean.data_ptr<scalar_t>();
    const scalar_t *invstd_p = invstd.data_ptr<scalar_t>();
    const scalar_t *ggw_p = ggw.defined() ? ggw.data_ptr<scalar_t>() : nullptr;
    const scalar_t *ggb_p = ggb.defined() ? ggb.data_ptr<scalar_t>() : nullptr;
    // Small layers are not worth a thread hand-off.
    const int64_t grain = N * L >= 8192 ? 1 : C;

    at::parallel_for(0, C, grain, [&](int64_t begin, int64_t end) {
        for (int64_t c = begin; c < end; ++c) {
            const double mu = mean_p[c], s = invstd_p[c];
            ChannelSums sums;
            for (int64_t n = 0; n < N; ++n) {
                const int64_t base = (n * C + c) * L;
                add_row<scalar_t, has_ggx>(gy_p + base, x_p + base, has_ggx ? gg_p + base : nullptr, L, mu, sums);
            }
            const double Sgy = sums.gy, Sgyd = sums.gy_d, Sgg = sums.gg, Sggd = sums.gg_d, Sgygg = sums.gy_gg;
            const double gamma = w_p[c], gw = ggw_p ? static_cast<double>(ggw_p[c]) : 0.0;
            const double gb = ggb_p ? static_cast<double>(ggb_p[c]) : 0.0;
            const double s2 = s * s, s3 = s2 * s;
            const double all_sub = Sgg * Sgy / M - Sgygg + 3.0 * s2 * Sgyd * Sggd / M;
            RowCoefficients<scalar_t> k;
            k.mu = static_cast<scalar_t>(mu);
            k.a1 = static_cast<scalar_t>(gamma * s);
            k.a2 = static_cast<scalar_t>(-gamma * s3 * Sggd / M + gw * s);
            k.a3 = static_cast<scalar_t>(-gamma * s * Sgg / M + gb);
            k.b1 = static_cast<scalar_t>(gamma * s3 * all_sub / M - gw * s3 * Sgyd / M);
            k.b2 = static_cast<scalar_t>(-gamma * s3 * Sggd / M + gw * s);
            k.b3 = static_cast<scalar_t>(-gamma * s3 * Sgyd / M);
            k.b4 = static_cast<scalar_t>(gamma * s3 * (Sggd * Sgy + Sgyd * Sgg) / (M * M) - gw * s * Sgy / M);
            if (out_weight != nullptr)
                out_weight[c] = static_cast<scalar_t>(s / M * (M * Sgygg - Sgy * Sgg - s2 * Sgyd * Sggd));
            if (out_gy == nullptr && out_x == nullptr) continue;
            for (int64_t n = 0; n < N; ++n) {
                const int64_t base = (n * C + c) * L;
                write_row<scalar_t, has_ggx>(gy_p + base, x_p + base, has_ggx ? gg_p + base : nullptr, L, k,
                                             out_gy ? out_gy + base : nullptr, out_x ? out_x + base : nullptr);
            }
        }
    });
}

bool fused_double_backward_applies(const at::Tensor &gy, const at::Tensor &x, const at::Tensor &weight,
                                   const at::Tensor &mean, const at::Tensor &invstd, const at::Tensor &ggx,
                                   const at::Tensor &ggw, const at::Tensor &ggb) {
    if (!gy.defined() || !weight.defined() || !mean.defined() || !invstd.defined()) return false;
    if (!x.device().is_cpu() || !is_fused_dtype(x.scalar_type()) || x.dim() < 2 || x.numel() == 0) return false;
    for (const at::Tensor *t : {&gy, &ggx}) {
        if (t->defined() && (!t->device().is_cpu() || t->scalar_type() != x.scalar_type() || t->sizes() != x.sizes()))
            return false;
    }
    for (const at::Tensor *t : {&weight, &mean, &invstd, &ggw, &ggb}) {
        if (t->defined() && (!t->device().is_cpu() || t->scalar_type() != x.scalar_type() || t->numel() != x.size(1)))
            return false;
    }
    return true;
}

DoubleBackward fused_double_backward(const at::Tensor &gy_in, const at::Tensor &x_in, const at::Tensor &weight,
                                     const at::Tensor &mean, const at::Tensor &invstd, const at::Tensor &ggx_in,
                                     const at::Tensor &ggw, const at::Tensor &ggb, bool want_gy, bool want_x,
                                     bool want_weight) {
    // Which results exist follows the composite formula: a zero incoming gradient contributes nothing.
    DoubleBackward out;
    const bool has_ggx = ggx_in.defined();
    want_gy = want_gy && (has_ggx || ggw.defined() || ggb.defined());
    want_x = want_x && (has_ggx || ggw.defined());
    want_weight = want_weight && has_ggx;
    if (!want_gy && !want_x && !want_weight) return out;

    at::Tensor gy = gy_in.contiguous(), x = x_in.contiguous(), ggx = has_ggx ? ggx_in.contiguous() : ggx_in;
    at::Tensor w = weight.contiguous(), m = mean.contiguous(), is = invstd.contiguous();
    at::Tensor gw = ggw.defined() ? ggw.contiguous() : ggw, gb = ggb.defined() ? ggb.contiguous() : ggb;
    if (want_gy) out.grad_gy = at::empty_like(x, at::MemoryFormat::Contiguous);
    if (want_x) out.grad_x = at::empty_like(x, at::MemoryFormat::Contiguous);
    if (want_weight) out.grad_weight = at::empty_like(w, at::MemoryFormat::Contiguous);
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "jr_batch_norm_double_backward", [&] {
        scalar_t *o_gy = want_gy ? out.grad_gy.data_ptr<scalar_t>() : nullptr;
        scalar_t *o_x = want_x ? out.grad_x.data_ptr<scalar_t>() : nullptr;
        scalar_t *o_w = want_weight ? out.grad_weight.data_ptr<scalar_t>() : nullptr;
        if (has_ggx)
            fused_double_backward_kernel<scalar_t, true>(gy, x, w, m, is, ggx, gw, gb, o_gy, o_x, o_w);
        else
            fused_double_backward_kernel<scalar_t, false>(gy, x, w, m, is, ggx, gw, gb, o_gy, o_x, o_w);
    });
    if (out.grad_weight.defined()) out.grad_weight = out.grad_weight.view(weight.sizes());
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
        if (!c10::GradMode::is_enabled() && fused_double_backward_applies(gy, x, weight, mean, invstd, ggx, ggw, ggb))
            r = fused_double_backward(gy, x, weight, mean, invstd, ggx, ggw, ggb, ctx->needs_input_grad(0),
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
        auto result = at::native_batch_norm(x, weight, bias, running.mean, running.var, /*training=*/true, momentum, eps);
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
