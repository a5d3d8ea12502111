// distributed_autograd.cpp — collectives that autograd can differentiate, and synchronized batch norm built from them.
//
//   DistributedSum: y = Σ_ranks x; backward: the incoming gradient summed over the ranks (each rank's x feeds every
//                   rank's y), itself a DistributedSum, so a create_graph backward records it and the Jacobian
//                   penalty's double backward goes through it too.
//   sync_batch_norm: training-mode batch norm whose statistics are those of the union of the ranks' batches: each
//                   rank's (count, mean, sum of squared deviations) gathered through one DistributedSum and combined
//                   as Chan et al.'s parallel variance (no cancellation); the rest is ordinary differentiable ATen ops,
//                   so the backward and double backward through the statistics are those one process would compute.
// Every rank must run the same forward passes and backward passes in the same order: each DistributedSum, forward
// or backward, is a collective.
#include <torch/csrc/autograd/custom_function.h>

#include <string>
#include <vector>

#include "guard.hpp"
#include "process_group.hpp"

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

c10::intrusive_ptr<jr::GroupLink> saved_link(AutogradContext *ctx) {
    return c10::static_intrusive_pointer_cast<jr::GroupLink>(ctx->saved_data["link"].toCapsule());
}

struct DistributedSum : public torch::autograd::Function<DistributedSum> {
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &x, const c10::intrusive_ptr<jr::GroupLink> &link,
                              const std::string &what) {
        ctx->saved_data["link"] = c10::IValue::make_capsule(link);
        ctx->saved_data["what"] = what;
        std::vector<at::Tensor> sum{x.contiguous().clone()};
        jr::all_reduce_sum(link->get(what), sum, what);
        return sum[0];
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads) {
        std::string what = ctx->saved_data["what"].toStringRef() + " (backward)";
        return {DistributedSum::apply(grads[0], saved_link(ctx), what), at::Tensor(), at::Tensor()};
    }
};

// Shape [1, C, 1, ...] for a per-channel vector against an N×C×... tensor.
at::Tensor per_channel(const at::Tensor &v, const at::Tensor &like) {
    std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
    shape[1] = like.size(1);
    return v.reshape(shape);
}

std::vector<int64_t> all_but_channels(const at::Tensor &t) {
    std::vector<int64_t> dims;
    for (int64_t d = 0; d < t.dim(); ++d)
        if (d != 1) dims.push_back(d);
    return dims;
}

at::Tensor sync_batch_norm(const c10::intrusive_ptr<jr::GroupLink> &link, const at::Tensor &x,
                           const at::Tensor &weight, const at::Tensor &bias, const at::Tensor &running_mean,
                           const at::Tensor &running_var, double momentum, double eps) {
    if (x.dim() < 2) throw std::invalid_argument("sync batch norm needs an N×C×... input");
    const int64_t channels = x.size(1);
    auto dims = all_but_channels(x);
    const double count = static_cast<double>(x.numel() / channels);
    at::Tensor mean = x.mean(dims);
    at::Tensor m2 = (x - per_channel(mean, x)).square().sum(dims);
    // All-gather as a sum: this rank's row (count, mean, M2) in its slot of a world_size-row table of zeros.
    at::Tensor row = at::cat({at::full({1}, count, x.options()), mean, m2}).unsqueeze(0);
    const int64_t width = row.size(1);
    at::Tensor table = at::cat({at::zeros({link->rank, width}, x.options()), row,
                                at::zeros({link->size - 1 - link->rank, width}, x.options())});
    at::Tensor all = DistributedSum::apply(table, link, "sync batch norm's all-reduce of batch statistics");
    at::Tensor counts = all.select(1, 0).unsqueeze(1);  // size×1, constants
    at::Tensor means = all.narrow(1, 1, channels), m2s = all.narrow(1, 1 + channels, channels);
    at::Tensor n = counts.sum();
    at::Tensor global_mean = (counts * means).sum(0) / n;
    at::Tensor global_m2 = m2s.sum(0) + (counts * (means - global_mean).square()).sum(0);
    at::Tensor var = global_m2 / n;  // biased: what training-mode batch norm normalises with
    at::Tensor scale = at::rsqrt(var + eps);
    if (weight.defined()) scale = scale * weight;
    at::Tensor y = (x - per_channel(global_mean, x)) * per_channel(scale, x);
    if (bias.defined()) y = y + per_channel(bias, x);
    at::NoGradGuard no_grad;  // as at::batch_norm: the unbiased variance of the global batch
    if (running_mean.defined()) running_mean.mul_(1 - momentum).add_(global_mean.detach(), momentum);
    if (running_var.defined()) running_var.mul_(1 - momentum).add_((global_m2 / (n - 1)).detach(), momentum);
    return y;
}

}  // namespace

JR_API jr_tensor *jr_process_group_sum(jr_process_group *group, const jr_tensor *input, jr_error *err) {
    JR_TRY {
        if (group == nullptr) throw std::invalid_argument("process group handle is NULL");
        const at::Tensor &x = jr::unwrap(input, "input");
        return jr::wrap(DistributedSum::apply(x, jr::link_of(*group), "differentiable all-reduce"));
    }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_nn_sync_batch_norm(jr_process_group *group, const jr_tensor *input, const jr_tensor *weight,
                                        const jr_tensor *bias, const jr_tensor *running_mean,
                                        const jr_tensor *running_var, double momentum, double eps, jr_error *err) {
    JR_TRY {
        if (group == nullptr) throw std::invalid_argument("process group handle is NULL");
        return jr::wrap(sync_batch_norm(jr::link_of(*group), jr::unwrap(input, "input"), jr::optional_tensor(weight),
                                        jr::optional_tensor(bias), jr::optional_tensor(running_mean),
                                        jr::optional_tensor(running_var), momentum, eps));
    }
    JR_CATCH(err, nullptr)
}
