// conv_autograd.cpp — conv2d as a custom autograd function, so that the gradient taken with create_graph (the
// Jacobian penalty's input gradient) of a convolution with few input channels runs in ATen's native kernels: oneDNN's
// input-gradient kernel is much slower there (the seed network's first layer, 1 → 20 channels 5×5 on 28×28: 2.2 ms
// against 0.39 ms), and libtorch's switch for oneDNN (setUserEnabledMkldnn) is process-wide, so it cannot be turned
// off for one backward pass while other threads train. Forward and the ordinary backward are at::conv2d's.
#include "conv_autograd.hpp"

#include <torch/csrc/autograd/custom_function.h>

#include <atomic>

#include "guard.hpp"

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::atomic<bool> native_enabled{true};

// Where ATen's kernels win. Input gradient with create_graph, batch 32, 1 thread, the 2-core AMD EPYC VM: 5×5 kernels
// on 28×28, 20 output channels: 0.39 vs 2.2 ms (1 input channel), 0.89 vs 2.2 (3), 1.1 vs 2.3 (4), 2.1 vs 2.3 (8);
// 3×3 on 24×24, 20 → 20 channels: 2.1 vs 1.8 ms, oneDNN faster. So: a net's first layer on images.
constexpr int64_t kNativeMaxInputChannels = 4;

// The gradients of y = conv2d(x, w, b) for the mask's inputs (x, w, b). With grad mode on (create_graph) and few input
// channels through _slow_conv2d_backward, whose own derivative is _convolution_double_backward as
// convolution_backward's is.
variable_list conv2d_backward(const at::Tensor &gy, const at::Tensor &x, const at::Tensor &w, bool has_bias,
                              at::IntArrayRef stride, at::IntArrayRef padding, std::array<bool, 3> mask) {
    std::tuple<at::Tensor, at::Tensor, at::Tensor> g;
    if (c10::GradMode::is_enabled() && w.size(1) <= kNativeMaxInputChannels) {
        g = at::_slow_conv2d_backward(gy, x, w, {w.size(2), w.size(3)}, stride, padding, mask);
    } else {
        std::vector<int64_t> bias_sizes{w.size(0)};
        g = at::convolution_backward(gy, x, w, has_bias ? c10::optional<at::IntArrayRef>(bias_sizes) : c10::nullopt,
                                     stride, padding, /*dilation=*/{1, 1}, /*transposed=*/false,
                                     /*output_padding=*/{0, 0}, /*groups=*/1, mask);
    }
    return {std::get<0>(g), std::get<1>(g), std::get<2>(g)};
}

void save(AutogradContext *ctx, const at::Tensor &x, const at::Tensor &w, at::IntArrayRef stride,
          at::IntArrayRef padding) {
    ctx->save_for_backward({x, w});
    ctx->saved_data["stride"] = stride.vec();
    ctx->saved_data["padding"] = padding.vec();
}

struct Conv2dWithBias : public torch::autograd::Function<Conv2dWithBias> {
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &x, const at::Tensor &w, const at::Tensor &b,
                              at::IntArrayRef stride, at::IntArrayRef padding) {
        save(ctx, x, w, stride, padding);
        return at::conv2d(x, w, b, stride, padding);
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads) {
        auto saved = ctx->get_saved_variables();
        auto g = conv2d_backward(grads[0], saved[0], saved[1], true, ctx->saved_data["stride"].toIntVector(),
                                 ctx->saved_data["padding"].toIntVector(),
                                 {ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2)});
        return {g[0], g[1], g[2], at::Tensor(), at::Tensor()};
    }
};

struct Conv2dWithoutBias : public torch::autograd::Function<Conv2dWithoutBias> {
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &x, const at::Tensor &w, at::IntArrayRef stride,
                              at::IntArrayRef padding) {
        save(ctx, x, w, stride, padding);
        return at::conv2d(x, w, {}, stride, padding);
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads) {
        auto saved = ctx->get_saved_variables();
        auto g = conv2d_backward(grads[0], saved[0], saved[1], false, ctx->saved_data["stride"].toIntVector(),
                                 ctx->saved_data["padding"].toIntVector(),
                                 {ctx->needs_input_grad(0), ctx->needs_input_grad(1), false});
        return {g[0], g[1], at::Tensor(), at::Tensor()};
    }
};

}  // namespace

namespace jr {

bool conv_create_graph_native_enabled() { return native_enabled.load(std::memory_order_relaxed); }

bool conv2d_native_grad_applies(const at::Tensor &x, const at::Tensor &w, const at::Tensor &b) {
    if (!x.defined() || !w.defined() || !x.device().is_cpu() || !w.device().is_cpu()) return false;
    if (x.scalar_type() != at::kFloat && x.scalar_type() != at::kDouble) return false;
    if (w.scalar_type() != x.scalar_type() || x.dim() != 4 || w.dim() != 4 || x.size(1) != w.size(1)) return false;
    if (x.numel() == 0 || w.numel() == 0) return false;
    if (b.defined() && (b.dim() != 1 || b.size(0) != w.size(0) || !b.device().is_cpu() ||
                        b.scalar_type() != x.scalar_type()))
        return false;
    return true;
}

at::Tensor conv2d_native_grad(const at::Tensor &x, const at::Tensor &w, const at::Tensor &b, at::IntArrayRef stride,
                              at::IntArrayRef padding) {
    return b.defined() ? Conv2dWithBias::apply(x, w, b, stride, padding)
                       : Conv2dWithoutBias::apply(x, w, stride, padding);
}

}  // namespace jr

JR_API int32_t jr_set_conv_create_graph_native(int32_t on, jr_error *err) {
    JR_TRY {
        if (on != 0 && on != 1)
            throw std::invalid_argument("jr_set_conv_create_graph_native: on must be 0 or 1, got " + std::to_string(on));
        return native_enabled.exchange(on == 1) ? 1 : 0;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_conv_create_graph_native(jr_error *err) {
    JR_TRY { return jr::conv_create_graph_native_enabled() ? 1 : 0; }
    JR_CATCH(err, -1)
}
