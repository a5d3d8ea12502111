// autograd.cpp — gradients: requires_grad, the .grad field, backward and torch::autograd::grad.
#include "guard.hpp"

namespace {

c10::optional<bool> retain(int32_t retain_graph) {
    if (retain_graph < 0) return c10::nullopt;  // libtorch's default: same as create_graph
    return retain_graph != 0;
}

}  // namespace

JR_API int32_t jr_tensor_grad(const jr_tensor *t, jr_tensor **out, jr_error *err) {
    JR_TRY {
        if (out == nullptr) throw std::invalid_argument("output pointer is NULL");
        const at::Tensor &grad = jr::unwrap(t).grad();
        *out = grad.defined() ? jr::wrap(grad) : nullptr;
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_tensor_backward(const jr_tensor *t, const jr_tensor *gradient, int32_t retain_graph,
                                  int32_t create_graph, jr_error *err) {
    JR_TRY {
        jr::unwrap(t).backward(jr::optional_tensor(gradient), retain(retain_graph), create_graph != 0);
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_autograd_grad(jr_tensor *const *outputs, int64_t n_outputs, jr_tensor *const *inputs,
                                int64_t n_inputs, jr_tensor *const *grad_outputs, int32_t retain_graph,
                                int32_t create_graph, int32_t allow_unused, jr_tensor **results, jr_error *err) {
    JR_TRY {
        auto outs = jr::tensor_list(outputs, n_outputs, "outputs");
        auto ins = jr::tensor_list(inputs, n_inputs, "inputs");
        if (n_inputs > 0 && results == nullptr) throw std::invalid_argument("results array is NULL");
        std::vector<at::Tensor> seeds;
        if (grad_outputs != nullptr) {
            seeds.reserve(outs.size());
            for (int64_t i = 0; i < n_outputs; ++i) seeds.push_back(jr::optional_tensor(grad_outputs[i]));
        }
        auto grads = torch::autograd::grad(outs, ins, seeds, retain(retain_graph), create_graph != 0,
                                           allow_unused != 0);
        // Wrap only after libtorch succeeded, so a failure leaves no half-filled results to free.
        for (int64_t i = 0; i < n_inputs; ++i)
            results[i] = grads[static_cast<size_t>(i)].defined() ? jr::wrap(grads[static_cast<size_t>(i)]) : nullptr;
        return JR_OK;
    }
    JR_CATCH(err, -1)
}
