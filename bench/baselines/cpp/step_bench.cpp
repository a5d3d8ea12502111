// step_bench.cpp -- baseline benchmark for jacreg without Java.
//
// Runs the same training step as jacreg (small conv net, cross-entropy plus
// an optional Jacobian penalty, MATLAB-style SGD with momentum) directly on
// the libtorch C++ API. The model uses functional ATen ops only (at::conv2d,
// at::batch_norm, at::relu, at::linear, at::softmax / at::log_softmax,
// torch::autograd::grad), so it stays close to what a thin binding calls.
//
// Build (the Makefile adds an rpath):
//   g++ -O2 -std=c++17 step_bench.cpp -I/usr/include/torch/csrc/api/include \
//       -ltorch -ltorch_cpu -lc10 -o step_bench
//
// Usage:
//   step_bench --case step_plain|step_jacobian|inference_test_set|small_op|full_run
//              [--threads N] [--warmup K] [--iters M] [--seed S] [--chunk C]
//              [--calls N] [--epochs E] [--grad-api backward|grad] [--mkldnn on|off|grad-off]
//              [--blas-threads B] [--check]
//
// full_run: the whole experiment minus file output, in one timed block: train the regularized
// net (lambda 1, n 1) then the reference net (no penalty) for E epochs each (default 15) on 5,000
// random images (each epoch a randperm, full batches of 32 gathered with index_select, the last
// partial batch dropped: 156 steps per epoch), then the noise sweep p = 0, 0.05, ..., 0.5 over a
// 5,000-image test set, both nets in eval mode under no-grad, in chunks of C, accuracy read back.
// Mirrors jacreg's Experiment/Trainer/Evaluator/Noise call for call. Reports seconds (total),
// train_seconds and sweep_seconds. --epochs is ignored by the other cases.
//
// --mkldnn: oneDNN (mkldnn) convolutions on (libtorch's default), off, or grad-off: off only during the
// create_graph backward of the penalty (at::globalContext().setUserEnabledMkldnn around autograd::grad).
//
// --threads N sets ATen's intra-op threads (OpenMP) and, by default, also the
// thread count of a pthreads OpenBLAS if one is loaded (Debian's libtorch calls
// BLAS for at::linear / GEMMs, and OpenBLAS keeps its own pool sized to the
// number of cores, which at::set_num_threads does not touch in 1.13).
// --blas-threads B overrides that (0: leave OpenBLAS alone).
//
// Prints exactly one JSON line on stdout; all other messages go to stderr.
// bench/baselines/python/step_bench.py takes the same flags and computes the same things.

#include <torch/torch.h>
#include <torch/version.h>

#include <dlfcn.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr int64_t kBatch = 32;
constexpr int64_t kClasses = 10;
constexpr int64_t kFilters = 20;
constexpr int64_t kImg = 28;
constexpr int64_t kFlat = kFilters * 24 * 24;  // 11520
constexpr int64_t kPoolBatches = 50;
constexpr int64_t kTestImages = 5000;
constexpr int64_t kTrainImages = 5000;  // full_run
constexpr int kNoiseLevels = 11;        // full_run: p = 0, 0.05, ..., 0.5
constexpr double kLearnRate = 0.01;
constexpr double kMomentum = 0.9;
constexpr double kBnMomentum = 0.1;
constexpr double kBnEps = 1e-5;
constexpr double kLambda = 1.0;     // Jacobian regularisation coefficient
constexpr double kPenaltyC = 10.0;  // number of classes in R = C * sum(G^2) / B

struct Options {
  std::string bench_case = "step_jacobian";
  int threads = 1;
  int warmup = -1;  // -1: case default
  int iters = -1;
  int64_t seed = 0;
  int64_t chunk = 500;
  int64_t calls = 200000;  // small_op only
  int epochs = 15;         // full_run only
  std::string grad_api = "backward";
  std::string mkldnn = "on";  // on | off | grad-off (oneDNN convolutions off in the create_graph backward only)
  int blas_threads = -1;  // -1: same as --threads; 0: leave OpenBLAS alone
  int heap_noise = 0;     // blocks allocated (half kept) before the step cases' tensors: a fragmented heap
  bool check = false;
};

[[noreturn]] void usage(const std::string& msg) {
  std::cerr << "step_bench: " << msg << "\n"
            << "usage: step_bench --case step_plain|step_jacobian|inference_test_set|small_op|full_run"
               " [--threads N] [--warmup K] [--iters M] [--seed S] [--chunk C]"
               " [--calls N] [--epochs E] [--grad-api backward|grad] [--mkldnn on|off|grad-off]"
               " [--blas-threads B] [--heap-noise N] [--check]\n";
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string val;
    bool has_inline = false;
    auto eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
      val = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_inline = true;
    }
    auto next = [&]() -> std::string {
      if (has_inline) return val;
      if (i + 1 >= argc) usage("missing value for " + a);
      return argv[++i];
    };
    try {
      if (a == "--case") o.bench_case = next();
      else if (a == "--threads") o.threads = std::stoi(next());
      else if (a == "--warmup") o.warmup = std::stoi(next());
      else if (a == "--iters") o.iters = std::stoi(next());
      else if (a == "--seed") o.seed = std::stoll(next());
      else if (a == "--chunk") o.chunk = std::stoll(next());
      else if (a == "--calls") o.calls = std::stoll(next());
      else if (a == "--epochs") o.epochs = std::stoi(next());
      else if (a == "--grad-api") o.grad_api = next();
      else if (a == "--mkldnn") o.mkldnn = next();
      else if (a == "--blas-threads") o.blas_threads = std::stoi(next());
      else if (a == "--heap-noise") o.heap_noise = std::stoi(next());
      else if (a == "--check") o.check = true;
      else if (a == "-h" || a == "--help") usage("help");
      else usage("unknown argument " + a);
    } catch (const std::invalid_argument&) {
      usage("bad value for " + a);
    } catch (const std::out_of_range&) {
      usage("bad value for " + a);
    }
  }
  if (o.bench_case != "step_plain" && o.bench_case != "step_jacobian" &&
      o.bench_case != "inference_test_set" && o.bench_case != "small_op" &&
      o.bench_case != "full_run")
    usage("unknown case " + o.bench_case);
  if (o.grad_api != "backward" && o.grad_api != "grad") usage("--grad-api must be backward or grad");
  if (o.mkldnn != "on" && o.mkldnn != "off" && o.mkldnn != "grad-off") usage("--mkldnn must be on, off or grad-off");
  if (o.threads < 1) usage("--threads must be >= 1");
  if (o.chunk < 1) usage("--chunk must be >= 1");
  if (o.epochs < 1) usage("--epochs must be >= 1");
  bool inference = o.bench_case == "inference_test_set";
  if (o.warmup < 0) o.warmup = inference ? 1 : 20;
  if (o.iters < 0) o.iters = inference ? 3 : 100;
  if (o.iters < 1) usage("--iters must be >= 1");
  return o;
}

// ---------------------------------------------------------------------------
// Model: parameters and buffers as plain tensors.
struct Model {
  at::Tensor mean_image;  // 1x1x28x28 constant buffer (zero-centre normalisation)
  // Learnables, in this order:
  // conv1.w conv1.b bn1.g bn1.b conv2.w conv2.b bn2.g bn2.b conv3.w conv3.b bn3.g bn3.b fc.w fc.b
  std::vector<at::Tensor> params;
  std::vector<at::Tensor> velocity;
  at::Tensor running_mean[3];
  at::Tensor running_var[3];

  const at::Tensor& conv_w(int l) const { return params[4 * l + 0]; }
  const at::Tensor& conv_b(int l) const { return params[4 * l + 1]; }
  const at::Tensor& bn_g(int l) const { return params[4 * l + 2]; }
  const at::Tensor& bn_b(int l) const { return params[4 * l + 3]; }
  const at::Tensor& fc_w() const { return params[12]; }
  const at::Tensor& fc_b() const { return params[13]; }

  // Returns the logits (before softmax).
  at::Tensor logits(const at::Tensor& x, bool training) {
    at::Tensor h = x - mean_image;
    for (int l = 0; l < 3; ++l) {
      const int64_t pad = (l == 0) ? 0 : 1;
      h = at::conv2d(h, conv_w(l), conv_b(l), /*stride=*/{1, 1}, /*padding=*/{pad, pad});
      h = at::batch_norm(h, bn_g(l), bn_b(l), running_mean[l], running_var[l], training,
                         kBnMomentum, kBnEps, /*cudnn_enabled=*/true);
      h = at::relu(h);
    }
    h = h.reshape({h.size(0), kFlat});  // NCHW flattening
    return at::linear(h, fc_w(), fc_b());
  }
};

const std::vector<std::vector<int64_t>>& param_shapes() {
  static const std::vector<std::vector<int64_t>> shapes = {
      {kFilters, 1, 5, 5}, {kFilters}, {kFilters}, {kFilters},
      {kFilters, kFilters, 3, 3}, {kFilters}, {kFilters}, {kFilters},
      {kFilters, kFilters, 3, 3}, {kFilters}, {kFilters}, {kFilters},
      {kClasses, kFlat}, {kClasses}};
  return shapes;
}

// Glorot-uniform bound sqrt(6 / (fan_in + fan_out)) for a conv or linear weight.
double glorot_bound(const std::vector<int64_t>& s) {
  int64_t receptive = 1;
  for (size_t d = 2; d < s.size(); ++d) receptive *= s[d];
  const double fan_in = static_cast<double>(s[1] * receptive);
  const double fan_out = static_cast<double>(s[0] * receptive);
  return std::sqrt(6.0 / (fan_in + fan_out));
}

bool is_weight(size_t k) { return k == 0 || k == 4 || k == 8 || k == 12; }
bool is_bn_gain(size_t k) { return k == 2 || k == 6 || k == 10; }

// deterministic=false: xavier_uniform weights from the global generator.
// deterministic=true: weight[i] = bound * sin(0.7 * i + k + 1) (computed in double),
// for the cross-check with the Python version.
Model make_model(const at::Tensor& mean_image, bool deterministic) {
  Model m;
  m.mean_image = mean_image.to(at::kFloat).reshape({1, 1, kImg, kImg}).contiguous();
  const auto& shapes = param_shapes();
  for (size_t k = 0; k < shapes.size(); ++k) {
    const auto& s = shapes[k];
    at::Tensor p;
    if (is_weight(k)) {
      const double bound = glorot_bound(s);
      if (deterministic) {
        int64_t n = 1;
        for (auto d : s) n *= d;
        p = (at::sin(at::arange(n, at::kDouble) * 0.7 + static_cast<double>(k + 1)) * bound)
                .to(at::kFloat)
                .reshape(s);
      } else {
        p = at::empty(s, at::kFloat).uniform_(-bound, bound);
      }
    } else if (is_bn_gain(k)) {
      p = at::ones(s, at::kFloat);
    } else {
      p = at::zeros(s, at::kFloat);
    }
    p.set_requires_grad(true);
    m.params.push_back(p);
    m.velocity.push_back(at::zeros(s, at::kFloat));
  }
  for (int l = 0; l < 3; ++l) {
    m.running_mean[l] = at::zeros({kFilters}, at::kFloat);
    m.running_var[l] = at::ones({kFilters}, at::kFloat);
  }
  return m;
}

// --mkldnn grad-off: oneDNN convolutions off while the create_graph backward runs (its input-gradient
// convolutions are faster in ATen's native kernels here), on for the rest of the step.
bool g_mkldnn_grad_off = false;

struct StepResult {
  double total = 0, ce = 0, penalty = 0;
};

// One full training step: forward, loss (+ Jacobian penalty), backward, SGDM update.
// v (B x 10, rows of unit length) is the random projection; ignored when !jacobian.
StepResult train_step(Model& m, const at::Tensor& x_batch, const at::Tensor& t_onehot,
                      bool jacobian, const at::Tensor& v, bool use_backward) {
  at::Tensor x = x_batch;
  if (jacobian) x = x_batch.detach().requires_grad_(true);

  at::Tensor logits = m.logits(x, /*training=*/true);
  const double b = static_cast<double>(x.size(0));
  at::Tensor ce = -(t_onehot * at::log_softmax(logits, 1)).sum() / b;
  at::Tensor total = ce;
  at::Tensor penalty;
  if (jacobian) {
    at::Tensor z = at::softmax(logits, 1);
    at::Tensor s = (v * z).sum();
    if (g_mkldnn_grad_off) at::globalContext().setUserEnabledMkldnn(false);
    at::Tensor g = torch::autograd::grad({s}, {x}, /*grad_outputs=*/{}, /*retain_graph=*/true,
                                         /*create_graph=*/true)[0];
    if (g_mkldnn_grad_off) at::globalContext().setUserEnabledMkldnn(true);
    penalty = g.pow(2).sum() * (kPenaltyC / b);
    total = ce + penalty * (kLambda / 2.0);
  }

  std::vector<at::Tensor> grads;
  if (use_backward) {
    total.backward();
    for (auto& p : m.params) grads.push_back(p.grad());
  } else {
    grads = torch::autograd::grad({total}, m.params);
  }

  {
    at::NoGradGuard no_grad;
    for (size_t k = 0; k < m.params.size(); ++k) {
      // MATLAB sgdmupdate: vel <- m*vel - lr*grad; theta <- theta + vel
      m.velocity[k].mul_(kMomentum).add_(grads[k], -kLearnRate);
      m.params[k].add_(m.velocity[k]);
    }
    if (use_backward) {
      for (auto& p : m.params) p.mutable_grad() = at::Tensor();  // grads -> undefined
    }
  }

  StepResult r;
  r.total = total.item<double>();
  r.ce = ce.item<double>();
  r.penalty = penalty.defined() ? penalty.item<double>() : 0.0;
  return r;
}

at::Tensor to_one_hot(const at::Tensor& labels) {
  return at::one_hot(labels, kClasses).to(at::kFloat);
}

at::Tensor random_unit_rows(int64_t rows) {
  at::Tensor v = at::randn({rows, kClasses}, at::kFloat);
  return v / v.pow(2).sum(1, /*keepdim=*/true).sqrt();
}

// ---------------------------------------------------------------------------
// Statistics / output

struct Stats {
  double median, mean, min, p90;
};

Stats summarize(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const size_t n = xs.size();
  Stats s{};
  s.median = (n % 2) ? xs[n / 2] : 0.5 * (xs[n / 2 - 1] + xs[n / 2]);
  s.mean = std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(n);
  s.min = xs.front();
  // p90: linear interpolation between closest ranks (same as numpy's default).
  const double pos = 0.9 * static_cast<double>(n - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, n - 1);
  s.p90 = xs[lo] + (xs[hi] - xs[lo]) * (pos - static_cast<double>(lo));
  return s;
}

std::string fmt(double x, const char* f = "%.6g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// CPU time in ms of this thread (CLOCK_THREAD_CPUTIME_ID) or of the whole process: unlike wall time it
// does not grow when other processes take the core, so it compares implementations on a busy machine.
double cpu_ms(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}
double thread_cpu_ms() { return cpu_ms(CLOCK_THREAD_CPUTIME_ID); }
double process_cpu_ms() { return cpu_ms(CLOCK_PROCESS_CPUTIME_ID); }

// OpenBLAS thread control, looked up at run time (0 / -1 when no OpenBLAS is loaded).
using BlasSetThreads = void (*)(int);
using BlasGetThreads = int (*)();

int blas_get_threads() {
  auto fn = reinterpret_cast<BlasGetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return fn ? fn() : -1;
}

void blas_set_threads(int n) {
  auto fn = reinterpret_cast<BlasSetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (fn) fn(n);
  else std::cerr << "note: openblas_set_num_threads not found; BLAS threads not set\n";
}

std::string json_head(const Options& o) {
  return std::string("{\"impl\":\"cpp\",\"case\":\"") + o.bench_case +
         "\",\"threads\":" + std::to_string(at::get_num_threads()) +
         ",\"blas_threads\":" + std::to_string(blas_get_threads());
}

std::string json_stats(const Stats& s) {
  return ",\"ms_median\":" + fmt(s.median) + ",\"ms_mean\":" + fmt(s.mean) +
         ",\"ms_min\":" + fmt(s.min) + ",\"ms_p90\":" + fmt(s.p90);
}

// cpu_ms_median: median CPU time of the stepping thread per step; process_cpu_ms_per_iter: CPU time of the
// whole process over the timed steps (every thread: BLAS/OpenMP pools, and in Java the JIT and GC) / steps.
std::string json_cpu(const std::vector<double>& thread_ms, double process_ms, int iters) {
  const Stats s = summarize(thread_ms);
  return ",\"cpu_ms_median\":" + fmt(s.median) + ",\"cpu_ms_min\":" + fmt(s.min) +
         ",\"process_cpu_ms_per_iter\":" + fmt(process_ms / iters);
}

std::string json_tail() { return std::string(",\"libtorch\":\"") + TORCH_VERSION + "\"}"; }

// ---------------------------------------------------------------------------
// Cases

int run_check(const Options& o) {
  // Deterministic input, labels, projection and weights; identical recipe in step_bench.py.
  const int64_t n = kBatch * kImg * kImg;
  at::Tensor x = (at::sin(at::arange(n, at::kDouble) * 0.013 + 0.3) * 0.5 + 0.5)
                     .to(at::kFloat)
                     .reshape({kBatch, 1, kImg, kImg});
  at::Tensor labels = at::remainder(at::arange(kBatch, at::kLong), kClasses);
  at::Tensor t = to_one_hot(labels);
  at::Tensor bi = at::arange(kBatch, at::kDouble).reshape({kBatch, 1});
  at::Tensor ci = at::arange(kClasses, at::kDouble).reshape({1, kClasses});
  at::Tensor v = at::sin(bi * 0.5 + ci * 1.3 + 0.1).to(at::kFloat);
  v = v / v.pow(2).sum(1, true).sqrt();
  at::Tensor mean_image = x.mean(0, /*keepdim=*/true);

  const bool use_backward = o.grad_api == "backward";
  Model m = make_model(mean_image, /*deterministic=*/true);
  StepResult r1 = train_step(m, x, t, /*jacobian=*/true, v, use_backward);
  StepResult r2 = train_step(m, x, t, /*jacobian=*/true, v, use_backward);
  Model mp = make_model(mean_image, /*deterministic=*/true);
  StepResult p1 = train_step(mp, x, t, /*jacobian=*/false, v, use_backward);
  StepResult p2 = train_step(mp, x, t, /*jacobian=*/false, v, use_backward);

  std::cout << "{\"impl\":\"cpp\",\"case\":\"check\",\"threads\":" << at::get_num_threads()
            << ",\"blas_threads\":" << blas_get_threads()
            << ",\"total_loss_step1\":" << fmt(r1.total, "%.9g")
            << ",\"ce_step1\":" << fmt(r1.ce, "%.9g")
            << ",\"penalty_step1\":" << fmt(r1.penalty, "%.9g")
            << ",\"total_loss_step2\":" << fmt(r2.total, "%.9g")
            << ",\"plain_loss_step1\":" << fmt(p1.total, "%.9g")
            << ",\"plain_loss_step2\":" << fmt(p2.total, "%.9g")
            << json_tail() << std::endl;
  return 0;
}

// --heap-noise N: N blocks of 16 B to 64 KiB are malloc'ed and every other one freed before the step cases make their
// tensors, so the tensors land in a fragmented heap, as in a JVM process whose own threads share glibc's one arena
// (bench/results/plain-step-perf/2026-11-26/report.md). The kept blocks live until exit.
void fragment_heap(int blocks) {  // all allocated first, then the odd ones freed: holes between live blocks
  std::mt19937_64 random(12345);
  static std::vector<void*> all;
  for (int i = 0; i < blocks; ++i) all.push_back(std::malloc(16 + random() % (64 * 1024)));
  for (int i = 1; i < blocks; i += 2) std::free(all[i]);
}

int run_steps(const Options& o, bool jacobian) {
  if (o.heap_noise > 0) fragment_heap(o.heap_noise);
  // Data pool, generated once (not timed).
  at::Tensor pool_x = at::rand({kPoolBatches * kBatch, 1, kImg, kImg}, at::kFloat);
  at::Tensor pool_t = to_one_hot(at::randint(0, kClasses, {kPoolBatches * kBatch}, at::kLong));
  std::vector<at::Tensor> xs, ts;
  for (int64_t i = 0; i < kPoolBatches; ++i) {
    xs.push_back(pool_x.narrow(0, i * kBatch, kBatch).contiguous());
    ts.push_back(pool_t.narrow(0, i * kBatch, kBatch).contiguous());
  }
  Model m = make_model(pool_x.mean(0, true), /*deterministic=*/false);
  const bool use_backward = o.grad_api == "backward";

  std::vector<double> times, cpu_times;
  times.reserve(o.iters);
  cpu_times.reserve(o.iters);
  double last_loss = 0, process0 = 0;
  for (int it = 0; it < o.warmup + o.iters; ++it) {
    const auto& x = xs[it % kPoolBatches];
    const auto& t = ts[it % kPoolBatches];
    if (it == o.warmup) process0 = process_cpu_ms();
    auto t0 = Clock::now();
    const double c0 = thread_cpu_ms();
    // V = randn, rows normalised: part of the loss computation, so timed.
    at::Tensor v = jacobian ? random_unit_rows(kBatch) : at::Tensor();
    last_loss = train_step(m, x, t, jacobian, v, use_backward).total;
    const double cpu = thread_cpu_ms() - c0;
    double ms = ms_since(t0);
    if (it >= o.warmup) {
      times.push_back(ms);
      cpu_times.push_back(cpu);
    }
  }
  const double process_ms = process_cpu_ms() - process0;
  std::cerr << "cpp " << o.bench_case << ": final loss " << last_loss << "\n";
  if (!std::isfinite(last_loss)) std::cerr << "warning: non-finite loss\n";
  std::cout << json_head(o) << json_stats(summarize(times)) << json_cpu(cpu_times, process_ms, o.iters)
            << ",\"iters\":" << o.iters << ",\"warmup\":" << o.warmup << ",\"grad_api\":\"" << o.grad_api << "\""
            << json_tail() << std::endl;
  return 0;
}

int run_inference(const Options& o) {
  at::Tensor test_x = at::rand({kTestImages, 1, kImg, kImg}, at::kFloat);
  Model m = make_model(test_x.mean(0, true), /*deterministic=*/false);
  at::NoGradGuard no_grad;

  std::vector<double> times;
  int64_t checksum = 0;
  for (int it = 0; it < o.warmup + o.iters; ++it) {
    auto t0 = Clock::now();
    std::vector<at::Tensor> preds;
    for (int64_t s = 0; s < kTestImages; s += o.chunk) {
      const int64_t len = std::min(o.chunk, kTestImages - s);
      at::Tensor z = at::softmax(m.logits(test_x.narrow(0, s, len), /*training=*/false), 1);
      preds.push_back(z.argmax(1));
    }
    at::Tensor all = at::cat(preds);
    checksum = all.sum().item<int64_t>();
    double ms = ms_since(t0);
    if (it >= o.warmup) times.push_back(ms);
  }
  std::cerr << "cpp inference: prediction checksum " << checksum << "\n";
  std::cout << json_head(o) << json_stats(summarize(times)) << ",\"iters\":" << o.iters
            << ",\"warmup\":" << o.warmup << ",\"chunk\":" << o.chunk
            << ",\"images\":" << kTestImages << json_tail() << std::endl;
  return 0;
}

// full_run: one network's training, as jacreg's Trainer does it.
struct TrainRun {
  int64_t iters = 0;
  double last_loss = 0;
};

TrainRun train_epochs(Model& m, const at::Tensor& images, const at::Tensor& labels, int epochs, bool jacobian,
                      int64_t seed, bool use_backward) {
  torch::manual_seed(static_cast<uint64_t>(seed));  // Trainer seeds its shuffles and directions
  const int64_t n = images.size(0);
  const int64_t per_epoch = n / kBatch;  // the last partial batch is dropped
  TrainRun r;
  for (int e = 0; e < epochs; ++e) {
    at::Tensor order = at::randperm(n, at::kLong);
    for (int64_t i = 0; i < per_epoch; ++i) {
      at::Tensor index = order.narrow(0, i * kBatch, kBatch);
      at::Tensor x = images.index_select(0, index);
      at::Tensor t = to_one_hot(labels.index_select(0, index));
      at::Tensor v = jacobian ? random_unit_rows(kBatch) : at::Tensor();
      r.last_loss = train_step(m, x, t, jacobian, v, use_backward).total;
      ++r.iters;
    }
  }
  return r;
}

// Share of correctly classified images, eval mode, no-grad, in chunks (as jacreg's Evaluator.accuracy).
double accuracy(Model& m, const at::Tensor& images, const at::Tensor& labels, int64_t chunk) {
  at::NoGradGuard no_grad;
  const int64_t n = images.size(0);
  std::vector<at::Tensor> preds;
  for (int64_t s = 0; s < n; s += chunk) {
    const int64_t len = std::min(chunk, n - s);
    preds.push_back(m.logits(images.narrow(0, s, len), /*training=*/false).argmax(1));
  }
  return at::cat(preds).eq(labels).to(at::kDouble).mean().item<double>();
}

// Pixel-replacement noise (as jacreg's Noise.replacePixels).
at::Tensor replace_pixels(const at::Tensor& images, double p) {
  if (p == 0) return images.clone();
  at::Tensor replace = at::rand(images.sizes(), images.options()).lt(p);
  at::Tensor fresh = at::rand(images.sizes(), images.options());
  return at::where(replace, fresh, images);
}

std::string json_array(const std::vector<double>& xs) {
  std::string out = "[";
  for (size_t i = 0; i < xs.size(); ++i) out += (i ? "," : "") + fmt(xs[i]);
  return out + "]";
}

int run_full(const Options& o) {
  // Data, generated up front (not timed): uniform pixels, random labels.
  at::Tensor train_x = at::rand({kTrainImages, 1, kImg, kImg}, at::kFloat);
  at::Tensor train_y = at::randint(0, kClasses, {kTrainImages}, at::kLong);
  at::Tensor test_x = at::rand({kTestImages, 1, kImg, kImg}, at::kFloat);
  at::Tensor test_y = at::randint(0, kClasses, {kTestImages}, at::kLong);
  at::Tensor mean = train_x.mean(0, /*keepdim=*/true);
  // Both nets start from the same weights, as in jacreg's Experiment.
  torch::manual_seed(static_cast<uint64_t>(o.seed));
  Model jac = make_model(mean, /*deterministic=*/false);
  torch::manual_seed(static_cast<uint64_t>(o.seed));
  Model ref = make_model(mean, /*deterministic=*/false);
  const bool use_backward = o.grad_api == "backward";

  auto t0 = Clock::now();
  TrainRun rj = train_epochs(jac, train_x, train_y, o.epochs, /*jacobian=*/true, o.seed, use_backward);
  TrainRun rr = train_epochs(ref, train_x, train_y, o.epochs, /*jacobian=*/false, o.seed, use_backward);
  const double train_ms = ms_since(t0);
  auto t1 = Clock::now();
  std::vector<double> acc_jac, acc_ref;
  for (int i = 0; i < kNoiseLevels; ++i) {
    torch::manual_seed(static_cast<uint64_t>(o.seed + 1000 + i));  // a fresh noisy copy per level, shared by both nets
    at::Tensor noisy = replace_pixels(test_x, i * 0.05);
    acc_jac.push_back(accuracy(jac, noisy, test_y, o.chunk));
    acc_ref.push_back(accuracy(ref, noisy, test_y, o.chunk));
  }
  const double sweep_ms = ms_since(t1);
  const double total_ms = ms_since(t0);

  std::cerr << "cpp full_run: " << rj.iters << " + " << rr.iters << " iterations, final losses " << rj.last_loss
            << " / " << rr.last_loss << "; accuracy at p=0 " << acc_jac.front() << " / " << acc_ref.front()
            << ", at p=0.5 " << acc_jac.back() << " / " << acc_ref.back() << "\n";
  if (!std::isfinite(rj.last_loss) || !std::isfinite(rr.last_loss)) std::cerr << "warning: non-finite loss\n";
  std::cout << json_head(o) << ",\"seconds\":" << fmt(total_ms / 1e3)
            << ",\"train_seconds\":" << fmt(train_ms / 1e3) << ",\"sweep_seconds\":" << fmt(sweep_ms / 1e3)
            << ",\"epochs\":" << o.epochs << ",\"iters_per_epoch\":" << kTrainImages / kBatch
            << ",\"train_iters\":" << rj.iters + rr.iters << ",\"noise_levels\":" << kNoiseLevels
            << ",\"chunk\":" << o.chunk << ",\"train_images\":" << kTrainImages
            << ",\"test_images\":" << kTestImages << ",\"final_loss_jacobian\":" << fmt(rj.last_loss)
            << ",\"final_loss_reference\":" << fmt(rr.last_loss) << ",\"acc_jacobian\":" << json_array(acc_jac)
            << ",\"acc_reference\":" << json_array(acc_ref) << ",\"grad_api\":\"" << o.grad_api << "\""
            << json_tail() << std::endl;
  return 0;
}

int run_small_op(const Options& o) {
  at::Tensor a = at::rand({1}, at::kFloat);
  at::Tensor b = at::rand({1}, at::kFloat);
  at::Tensor c;
  constexpr int64_t kBlock = 1000;
  const int64_t blocks = std::max<int64_t>(1, o.calls / kBlock);
  for (int64_t i = 0; i < 10000; ++i) c = a + b;  // warm-up
  std::vector<double> per_call_ms;
  per_call_ms.reserve(blocks);
  for (int64_t blk = 0; blk < blocks; ++blk) {
    auto t0 = Clock::now();
    for (int64_t i = 0; i < kBlock; ++i) c = a + b;
    per_call_ms.push_back(ms_since(t0) / kBlock);
  }
  std::cerr << "cpp small_op: result " << c.item<float>() << "\n";
  Stats s = summarize(per_call_ms);
  std::cout << json_head(o) << ",\"us_per_call\":" << fmt(s.median * 1000.0) << json_stats(s)
            << ",\"iters\":" << blocks * kBlock << ",\"block\":" << kBlock << json_tail()
            << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  try {
    at::set_num_interop_threads(1);
  } catch (const std::exception& e) {
    std::cerr << "note: could not set interop threads: " << e.what() << "\n";
  }
  at::set_num_threads(o.check ? 1 : o.threads);
  if (o.check) blas_set_threads(1);
  else if (o.blas_threads != 0) blas_set_threads(o.blas_threads < 0 ? o.threads : o.blas_threads);
  torch::manual_seed(static_cast<uint64_t>(o.seed));
  at::globalContext().setUserEnabledMkldnn(o.mkldnn != "off");
  g_mkldnn_grad_off = o.mkldnn == "grad-off";
  try {
    if (o.check) return run_check(o);
    if (o.bench_case == "step_plain") return run_steps(o, false);
    if (o.bench_case == "step_jacobian") return run_steps(o, true);
    if (o.bench_case == "inference_test_set") return run_inference(o);
    if (o.bench_case == "full_run") return run_full(o);
    return run_small_op(o);
  } catch (const std::exception& e) {
    std::cerr << "step_bench: error: " << e.what() << "\n";
    return 1;
  }
}
