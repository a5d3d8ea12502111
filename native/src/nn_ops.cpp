// nn_ops.cpp — the nn ops that do not fit the op table (jacreg_ops.def); weights live on the Java side.
#include "batch_norm_autograd.hpp"
#include "conv_autograd.hpp"
#include "guard.hpp"

JR_API jr_tensor *jr_nn_conv2d(const jr_tensor *input, const jr_tensor *weight, const jr_tensor *bias,
                               int64_t stride_h, int64_t stride_w, int64_t padding_h, int64_t padding_w,
                               jr_error *err) {
    JR_TRY {
        const at::Tensor &x = jr::unwrap(input, "input");
        const at::Tensor &w = jr::unwrap(weight, "weight");
        // libtorch's own message for a channel mismatch omits the input's shape; name both here.
        if (x.dim() == 4 && w.dim() == 4 && x.size(1) != w.size(1))
            throw std::invalid_argument("conv2d: input of shape " + c10::str(x.sizes()) + " has " +
                                        std::to_string(x.size(1)) + " channels but weight of shape " +
                                        c10::str(w.sizes()) + " expects " + std::to_string(w.size(1)));
        at::Tensor b = jr::optional_tensor(bias);
        // CPU: the same convolution, whose create-graph gradient runs in ATen's native kernels (conv_autograd.cpp).
        if (jr::conv_create_graph_native_enabled() && jr::conv2d_native_grad_applies(x, w, b))
            return jr::wrap(jr::conv2d_native_grad(x, w, b, {stride_h, stride_w}, {padding_h, padding_w}));
        return jr::wrap(at::conv2d(x, w, b, {stride_h, stride_w}, {padding_h, padding_w}));
    }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_nn_batch_norm(const jr_tensor *input, const jr_tensor *weight, const jr_tensor *bias,
                                   const jr_tensor *running_mean, const jr_tensor *running_var, int32_t training,
                                   double momentum, double eps, jr_error *err) {
    JR_TRY {
        const at::Tensor &x = jr::unwrap(input, "input");
        at::Tensor w = jr::optional_tensor(weight), b = jr::optional_tensor(bias);
        at::Tensor mean = jr::optional_tensor(running_mean), var = jr::optional_tensor(running_var);
        // Training on CPU: the same result through custom autograd functions with a fused double backward.
        if (training != 0 && jr::batch_norm_fused_enabled() && jr::batch_norm_train_applies(x, w, b, mean, var))
            return jr::wrap(jr::batch_norm_train(x, w, b, mean, var, momentum, eps));
        return jr::wrap(at::batch_norm(x, w, b, mean, var, training != 0, momentum, eps, /*cudnn_enabled=*/true));
    }
    JR_CATCH(err, nullptr)
}
