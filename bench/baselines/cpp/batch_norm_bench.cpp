// batch_norm_bench.cpp -- one training-mode batch-norm layer of the seed network (32×20×24×24 float32, 1 thread):
// the shim's fused forward (native/src/batch_norm_kernels.cpp) against ATen's native_batch_norm, and ATen's first
// backward (native_batch_norm_backward, which the shim keeps), on the same tensors.
//
// Prints the CPU time (this thread) per call, median over blocks, the two forwards interleaved block by block.
// Build and run: make batch-norm-bench [ARGS='--blocks 40 --calls 50'] (bench/build/batch_norm_bench; links the shim).

#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "batch_norm_kernels.hpp"
#include "bench_clock.hpp"

namespace {

// CPU ms per call of f, over one block of calls.
template <typename F>
double block_ms(int calls, F &&f) {
    const double t0 = bench::thread_cpu_ms();
    for (int i = 0; i < calls; ++i) f();
    return (bench::thread_cpu_ms() - t0) / calls;
}

}  // namespace

int main(int argc, char **argv) {
    int blocks = 40, calls = 50;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--blocks") blocks = std::atoi(argv[i + 1]);
        else if (a == "--calls") calls = std::atoi(argv[i + 1]);
        else { std::fprintf(stderr, "usage: batch_norm_bench [--blocks N] [--calls N]\n"); return 2; }
    }
    at::set_num_threads(1);
    torch::NoGradGuard no_grad;
    torch::manual_seed(0);
    // A conv output's scale: channels with their own mean and spread.
    const at::Tensor x = torch::randn({32, 20, 24, 24}) * 0.5 + torch::randn({1, 20, 1, 1});
    const at::Tensor gy = torch::randn({32, 20, 24, 24});
    const at::Tensor weight = torch::ones({20}), bias = torch::zeros({20});
    at::Tensor running_mean = torch::zeros({20}), running_var = torch::ones({20});
    const double momentum = 0.1, eps = 1e-5;

    auto aten_forward = [&] { at::native_batch_norm(x, weight, bias, running_mean, running_var, true, momentum, eps); };
    auto fused_forward = [&] { jr::batch_norm_train_forward(x, weight, bias, running_mean, running_var, momentum, eps); };
    auto stats = at::native_batch_norm(x, weight, bias, {}, {}, true, momentum, eps);
    auto aten_backward = [&] {
        at::native_batch_norm_backward(gy, x, weight, {}, {}, std::get<1>(stats), std::get<2>(stats), true, eps,
                                       {true, true, true});
    };
    block_ms(calls, aten_forward), block_ms(calls, fused_forward), block_ms(calls, aten_backward);  // warm-up
    std::vector<double> a, f, b;
    for (int k = 0; k < blocks; ++k) {
        a.push_back(block_ms(calls, aten_forward));
        f.push_back(block_ms(calls, fused_forward));
        b.push_back(block_ms(calls, aten_backward));
    }
    std::printf("batch norm 32x20x24x24 float32, 1 thread, CPU ms per call (median of %d blocks of %d)\n", blocks, calls);
    std::printf("forward  ATen native_batch_norm       %.3f\n", bench::median(a));
    std::printf("forward  jacreg fused                 %.3f\n", bench::median(f));
    std::printf("backward ATen native_batch_norm_backward %.3f\n", bench::median(b));
    return 0;
}
