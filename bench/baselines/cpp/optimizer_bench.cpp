// optimizer_bench.cpp -- the SGDM update of the seed network's 14 parameters, per-parameter ATen calls (what
// jacreg's SgdMomentum and the step benchmarks do) against libtorch's _foreach_ ops (one call per list).
//
//   vel <- m * vel - lr * grad;  theta <- theta + vel      (MATLAB sgdmupdate)
//
// per_param:  for each k: vel[k].mul_(m).add_(grad[k], -lr); theta[k].add_(vel[k])       42 ATen calls
// foreach:    _foreach_mul_(vel, m); _foreach_add_(vel, grads, -lr); _foreach_add_(theta, vel)   3 calls
//
// Prints the CPU time (this thread) per update, median over blocks, for both, interleaved block by block.
// Build and run: make optimizer-bench [ARGS='--blocks 50 --updates 200'] (bench/build/optimizer_bench).
// Measured (2-core AMD EPYC VM, libtorch 1.13, load ~10): per_param 50.0 us, foreach 47.7 us per update.

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_clock.hpp"

namespace {

double thread_cpu_us() { return bench::thread_cpu_ms() * 1e3; }

}  // namespace

int main(int argc, char** argv) {
  int blocks = 50, updates = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--blocks") blocks = std::atoi(argv[i + 1]);
    else if (a == "--updates") updates = std::atoi(argv[i + 1]);
    else { std::fprintf(stderr, "usage: optimizer_bench [--blocks N] [--updates N]\n"); return 2; }
  }
  at::set_num_threads(1);
  const std::vector<std::vector<int64_t>> shapes = {
      {20, 1, 5, 5}, {20}, {20}, {20}, {20, 20, 3, 3}, {20}, {20}, {20},
      {20, 20, 3, 3}, {20}, {20}, {20}, {10, 11520}, {10}};
  std::vector<at::Tensor> theta, vel, grads;
  for (const auto& s : shapes) {
    theta.push_back(at::randn(s) * 0.01);
    vel.push_back(at::zeros(s));
    grads.push_back(at::randn(s) * 1e-3);
  }
  const double m = 0.9, lr = 0.01;
  at::NoGradGuard no_grad;
  auto per_param = [&] {
    for (size_t k = 0; k < theta.size(); ++k) {
      vel[k].mul_(m).add_(grads[k], -lr);
      theta[k].add_(vel[k]);
    }
  };
  auto foreach = [&] {
    at::_foreach_mul_(vel, at::Scalar(m));
    at::_foreach_add_(vel, grads, at::Scalar(-lr));
    at::_foreach_add_(theta, vel);
  };
  // Same result both ways (checked once, on copies).
  {
    auto t0 = theta, v0 = vel;
    for (auto& t : theta) t = t.clone();
    for (auto& v : vel) v = v.clone();
    per_param();
    auto t1 = theta;
    for (size_t k = 0; k < theta.size(); ++k) { theta[k] = t0[k].clone(); vel[k] = v0[k].clone(); }
    foreach();
    double diff = 0;
    for (size_t k = 0; k < theta.size(); ++k) diff = std::max(diff, (theta[k] - t1[k]).abs().max().item<double>());
    std::fprintf(stderr, "max |per_param - foreach| after one update: %g\n", diff);
  }
  for (int i = 0; i < 1000; ++i) { per_param(); foreach(); }  // warm-up
  std::vector<double> a, b;
  for (int blk = 0; blk < blocks; ++blk) {
    double t0 = thread_cpu_us();
    for (int i = 0; i < updates; ++i) per_param();
    double t1 = thread_cpu_us();
    for (int i = 0; i < updates; ++i) foreach();
    double t2 = thread_cpu_us();
    a.push_back((t1 - t0) / updates);
    b.push_back((t2 - t1) / updates);
  }
  std::printf("{\"per_param_us\":%.2f,\"foreach_us\":%.2f,\"per_param_min_us\":%.2f,\"foreach_min_us\":%.2f,"
              "\"blocks\":%d,\"updates\":%d}\n",
              bench::median(a), bench::median(b), *std::min_element(a.begin(), a.end()), *std::min_element(b.begin(), b.end()),
              blocks, updates);
  return 0;
}
