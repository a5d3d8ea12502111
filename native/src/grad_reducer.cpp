// grad_reducer.cpp — DDP's reducer: parameter gradients summed over the ranks in buckets while the backward pass is
// still running. A hook on each parameter copies its gradient into its bucket as autograd produces it; a bucket whose
// gradients have all arrived starts an asynchronous all-reduce at once, in bucket order (buckets fill in reverse
// parameter order, roughly the order the backward pass produces gradients, as in PyTorch's DDP), so every rank starts
// the same collectives in the same order. finish() starts what the hooks did not (parameters the loss did not reach
// count as zeros), waits for all, and writes the means into the caller's gradient tensors. The hooks are post hooks
// of the parameters' gradient accumulators, as PyTorch's DDP reducer uses (a leaf's tensor hooks do not run there in
// libtorch 1.13), and see the gradient the pass accumulates.
#include <torch/csrc/autograd/utils/lambda_post_hook.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "guard.hpp"
#include "process_group.hpp"

struct jr_grad_reducer {
    struct Bucket {
        std::vector<size_t> members;  // parameter indices
        std::vector<int64_t> offsets;
        int64_t gradient_numel = 0;  // the gradients' part of flat (the last bucket may carry extra values after it)
        at::Tensor flat;
        size_t missing = 0;  // gradients not yet copied in this step
        c10::intrusive_ptr<c10d::Work> work;
    };

    c10::intrusive_ptr<jr::GroupLink> link;
    std::vector<at::Tensor> parameters;
    // Each hook's key and the accumulator it sits on (kept alive here: a parameter holds its accumulator weakly).
    std::vector<std::pair<uintptr_t, std::shared_ptr<torch::autograd::Node>>> hooks;
    std::vector<Bucket> buckets;
    std::vector<size_t> bucket_of;
    std::vector<bool> arrived;
    size_t next_launch = 0;
    bool armed = false;
    int64_t extra_count = 0;  // values announced by prepare and not yet in: the last bucket waits while > 0
    double waited_seconds = 0;  // in finish(), for gradients the backward pass did not hide
    int64_t launched_in_backward = 0;

    ~jr_grad_reducer() {
        for (auto &hook : hooks) hook.second->del_post_hook(hook.first);
    }

    static const std::string &what() {
        static const std::string text = "all-reduce";  // as the synchronous one: "rank R of W: all-reduce failed: ..."
        return text;
    }

    void reset_step() {
        for (auto &bucket : buckets) {
            bucket.missing = bucket.members.size();
            bucket.work.reset();
        }
        std::fill(arrived.begin(), arrived.end(), false);
        next_launch = 0;
        extra_count = 0;
    }

    // The last bucket resized to carry `count` values after its gradients (what is in it so far kept).
    void make_room(int64_t count) {
        Bucket &last = buckets.back();
        if (last.flat.numel() == last.gradient_numel + count) return;
        at::Tensor grown = at::empty({last.gradient_numel + count}, last.flat.options());
        grown.narrow(0, 0, last.gradient_numel).copy_(last.flat.narrow(0, 0, last.gradient_numel));
        last.flat = grown;
    }

    void copy_in(size_t index, const at::Tensor &gradient) {
        Bucket &bucket = buckets[bucket_of[index]];
        size_t slot = static_cast<size_t>(std::find(bucket.members.begin(), bucket.members.end(), index) - bucket.members.begin());
        at::Tensor target = bucket.flat.narrow(0, bucket.offsets[slot], parameters[index].numel());
        at::NoGradGuard no_grad;
        if (gradient.defined()) {
            target.copy_(gradient.reshape(-1));
        } else {
            target.zero_();
        }
        arrived[index] = true;
        --bucket.missing;
    }

    // Starts every bucket, in order, whose gradients are all in.
    void launch_ready(bool in_backward) {
        while (next_launch < buckets.size() && buckets[next_launch].missing == 0 &&
               (next_launch + 1 < buckets.size() || extra_count == 0)) {
            Bucket &bucket = buckets[next_launch++];
            bucket.work = jr::all_reduce_sum_async(link->get(what()), bucket.flat, what());
            if (in_backward) ++launched_in_backward;
        }
    }

    // Called by autograd with a parameter's gradient of this backward pass, once it is accumulated into .grad.
    void on_gradient(size_t index, const at::Tensor &gradient) {
        if (!armed || arrived[index]) return;
        copy_in(index, gradient);
        launch_ready(true);
    }
};

namespace {

jr_grad_reducer &unwrap_reducer(jr_grad_reducer *reducer) {
    if (reducer == nullptr) throw std::invalid_argument("gradient reducer handle is NULL");
    return *reducer;
}

}  // namespace

JR_API jr_grad_reducer *jr_grad_reducer_create(jr_process_group *group, jr_tensor *const *parameters, int64_t count,
                                               int64_t bucket_bytes, jr_error *err) {
    JR_TRY {
        if (group == nullptr) throw std::invalid_argument("process group handle is NULL");
        if (bucket_bytes < 1) throw std::invalid_argument("bucket capacity must be >= 1 byte, got " + std::to_string(bucket_bytes));
        auto list = jr::tensor_list(parameters, count, "parameters");
        auto reducer = std::make_unique<jr_grad_reducer>();
        reducer->link = jr::link_of(*group);
        reducer->parameters = list;
        reducer->bucket_of.resize(list.size());
        reducer->arrived.resize(list.size());
        // Reverse parameter order; a bucket takes parameters of one dtype and device up to the capacity.
        int64_t bytes = 0;
        for (size_t k = list.size(); k-- > 0;) {
            const at::Tensor &p = list[k];
            if (!p.requires_grad()) throw std::invalid_argument("parameter " + std::to_string(k) + " does not require grad");
            int64_t size = p.numel() * static_cast<int64_t>(p.element_size());
            auto &buckets = reducer->buckets;
            bool fits = !buckets.empty() && list[buckets.back().members[0]].scalar_type() == p.scalar_type() &&
                        list[buckets.back().members[0]].device() == p.device() && bytes + size <= bucket_bytes;
            if (!fits) {
                buckets.emplace_back();
                bytes = 0;
            }
            auto &bucket = buckets.back();
            bucket.offsets.push_back(bucket.members.empty() ? 0 : bucket.offsets.back() + list[bucket.members.back()].numel());
            bucket.members.push_back(k);
            reducer->bucket_of[k] = buckets.size() - 1;
            bytes += size;
        }
        for (auto &bucket : reducer->buckets) {
            const at::Tensor &last = list[bucket.members.back()];
            bucket.gradient_numel = bucket.offsets.back() + last.numel();
            bucket.flat = at::empty({bucket.gradient_numel}, last.options().requires_grad(false));
        }
        reducer->reset_step();
        jr_grad_reducer *self = reducer.get();
        for (size_t k = 0; k < list.size(); ++k) {
            auto accumulator = torch::autograd::impl::grad_accumulator(list[k]);
            if (!accumulator) throw std::invalid_argument("parameter " + std::to_string(k) + " is not a leaf");
            auto hook = std::make_unique<torch::autograd::utils::LambdaPostHook>(
                [self, k](const torch::autograd::variable_list &outputs, const torch::autograd::variable_list &inputs) {
                    self->on_gradient(k, inputs.empty() ? at::Tensor() : inputs[0]);
                    return outputs;
                });
            self->hooks.emplace_back(accumulator->add_post_hook(std::move(hook)), accumulator);
        }
        return reducer.release();
    }
    JR_CATCH(err, nullptr)
}

JR_API void jr_grad_reducer_free(jr_grad_reducer *reducer) {
    jr_error *err = nullptr;  // nothing to report while releasing
    JR_TRY { delete reducer; }
    JR_CATCH(err, )
}

JR_API int32_t jr_grad_reducer_prepare(jr_grad_reducer *reducer, int64_t extra_count, jr_error *err) {
    JR_TRY {
        jr_grad_reducer &r = unwrap_reducer(reducer);
        if (extra_count < 0) throw std::invalid_argument("extra_count must be >= 0, got " + std::to_string(extra_count));
        r.reset_step();
        r.extra_count = r.buckets.empty() ? 0 : extra_count;
        r.armed = true;
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_grad_reducer_finish(jr_grad_reducer *reducer, jr_tensor *const *gradients, int64_t count,
                                      jr_tensor *extra, jr_error *err) {
    JR_TRY {
        jr_grad_reducer &r = unwrap_reducer(reducer);
        r.armed = false;
        if (count != static_cast<int64_t>(r.parameters.size())) {
            throw std::invalid_argument("expected " + std::to_string(r.parameters.size()) + " gradients, got " + std::to_string(count));
        }
        if (gradients == nullptr) throw std::invalid_argument("gradients array is NULL");
        std::vector<at::Tensor> grads(r.parameters.size());
        for (size_t k = 0; k < grads.size(); ++k) {
            grads[k] = jr::optional_tensor(gradients[k]);
            if (grads[k].defined() && grads[k].numel() != r.parameters[k].numel()) {
                throw std::invalid_argument("gradient " + std::to_string(k) + " has " + std::to_string(grads[k].numel()) +
                                            " elements, its parameter " + std::to_string(r.parameters[k].numel()));
            }
        }
        // What the hooks did not see (a split backward, parameters the loss does not reach), in bucket order.
        for (size_t b = r.next_launch; b < r.buckets.size(); ++b) {
            for (size_t k : r.buckets[b].members)
                if (!r.arrived[k]) r.copy_in(k, grads[k]);
        }
        at::Tensor values = extra == nullptr ? at::Tensor() : jr::unwrap_mut(extra, "extra");
        if (values.defined() && values.dim() != 1) throw std::invalid_argument("extra must be 1-D, got " + std::to_string(values.dim()) + "-D");
        if (r.extra_count > 0 && (!values.defined() || values.numel() != r.extra_count)) {
            throw std::invalid_argument("prepare announced " + std::to_string(r.extra_count) + " extra values, finish got " +
                                        std::to_string(values.defined() ? values.numel() : 0));
        }
        // The values ride in the last bucket's all-reduce when it has not started (one collective fewer).
        bool packed = values.defined() && !r.buckets.empty() && r.next_launch < r.buckets.size();
        if (packed) {
            r.make_room(values.numel());
            jr_grad_reducer::Bucket &last = r.buckets.back();
            at::NoGradGuard no_grad;
            last.flat.narrow(0, last.gradient_numel, values.numel()).copy_(values);
            r.extra_count = 0;  // in: the last bucket may start
        }
        r.launch_ready(false);
        jr_process_group &group = r.link->get(jr_grad_reducer::what());
        c10::intrusive_ptr<c10d::Work> values_work;
        if (values.defined() && !packed) values_work = jr::all_reduce_sum_async(group, values, "all-reduce");
        auto start = std::chrono::steady_clock::now();
        for (auto &bucket : r.buckets) jr::wait_for(group, *bucket.work, jr_grad_reducer::what());
        if (values_work) jr::wait_for(group, *values_work, "all-reduce");
        r.waited_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        at::NoGradGuard no_grad;
        const double size = static_cast<double>(r.link->size);
        for (auto &bucket : r.buckets) {
            bucket.flat.div_(size);
            for (size_t slot = 0; slot < bucket.members.size(); ++slot) {
                size_t k = bucket.members[slot];
                if (!grads[k].defined()) continue;
                grads[k].copy_(bucket.flat.narrow(0, bucket.offsets[slot], grads[k].numel()).view(grads[k].sizes()));
            }
        }
        if (packed) {
            const jr_grad_reducer::Bucket &last = r.buckets.back();
            values.copy_(last.flat.narrow(0, last.gradient_numel, values.numel()));
        } else if (values.defined()) {
            values.div_(size);
        }
        r.reset_step();
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

JR_API double jr_grad_reducer_waited_seconds(const jr_grad_reducer *reducer, jr_error *err) {
    JR_TRY {
        if (reducer == nullptr) throw std::invalid_argument("gradient reducer handle is NULL");
        return reducer->waited_seconds;
    }
    JR_CATCH(err, NAN)
}

JR_API int64_t jr_grad_reducer_bucket_count(const jr_grad_reducer *reducer, jr_error *err) {
    JR_TRY {
        if (reducer == nullptr) throw std::invalid_argument("gradient reducer handle is NULL");
        return static_cast<int64_t>(reducer->buckets.size());
    }
    JR_CATCH(err, -1)
}

JR_API int64_t jr_grad_reducer_launched_in_backward(const jr_grad_reducer *reducer, jr_error *err) {
    JR_TRY {
        if (reducer == nullptr) throw std::invalid_argument("gradient reducer handle is NULL");
        return reducer->launched_in_backward;
    }
    JR_CATCH(err, -1)
}
