// runtime.cpp — library-wide settings: versions, seeds, threads, CUDA, gradient mode, handle count.
#include <torch/version.h>

#include <dlfcn.h>

#include <cstdio>

#include "guard.hpp"

std::atomic<int64_t> jr::live_tensors{0};

namespace {

// Copies text into a caller buffer, always NUL-terminated; returns the full length.
int32_t copy_text(const std::string &text, char *buf, int64_t capacity) {
    if (buf == nullptr || capacity <= 0) throw std::invalid_argument("output buffer is NULL or empty");
    size_t n = std::min<size_t>(text.size(), static_cast<size_t>(capacity - 1));
    std::memcpy(buf, text.data(), n);
    buf[n] = '\0';
    return static_cast<int32_t>(text.size());
}

// libtorch's thread setting does not reach OpenBLAS's own pthread pool (Debian's libtorch calls BLAS for
// convolutions and matmul), so "1 thread" would still keep a second core busy. Set both when OpenBLAS
// is the BLAS in this process; other BLAS builds are left alone.
void set_blas_threads(int32_t threads) {
    using setter = void (*)(int);
    if (auto set = reinterpret_cast<setter>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
}

}  // namespace

JR_API int32_t jr_abi_version(void) { return JR_ABI_VERSION; }

JR_API int32_t jr_noop(void) { return 0; }

JR_API int64_t jr_live_tensors(void) { return jr::live_tensors.load(std::memory_order_relaxed); }

JR_API int32_t jr_torch_version(char *buf, int64_t capacity, jr_error *err) {
    JR_TRY {
        std::string version = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
                              "." + std::to_string(TORCH_VERSION_PATCH);
        return copy_text(version, buf, capacity);
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_torch_config(char *buf, int64_t capacity, jr_error *err) {
    JR_TRY { return copy_text(at::show_config(), buf, capacity); }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_manual_seed(uint64_t seed, jr_error *err) {
    JR_TRY {
        torch::manual_seed(seed);  // seeds the CPU generator and, where present, every CUDA one
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_set_num_threads(int32_t threads, jr_error *err) {
    JR_TRY {
        if (threads < 1) throw std::invalid_argument("number of threads must be >= 1, got " + std::to_string(threads));
        at::set_num_threads(threads);
        set_blas_threads(threads);
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_get_num_threads(jr_error *err) {
    JR_TRY { return at::get_num_threads(); }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_cuda_is_available(jr_error *err) {
    JR_TRY { return torch::cuda::is_available() ? 1 : 0; }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_cuda_device_count(jr_error *err) {
    JR_TRY { return static_cast<int32_t>(torch::cuda::device_count()); }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_cuda_synchronize(int32_t device_index, jr_error *err) {
    JR_TRY {
        if (!torch::cuda::is_available()) throw std::invalid_argument("CUDA is not available in this libtorch");
        torch::cuda::synchronize(device_index);
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

// Reports the mode JR_TRY has just applied: what every call made with this slot runs in.
JR_API int32_t jr_grad_mode_is_enabled(jr_error *err) {
    JR_TRY { return at::GradMode::is_enabled() ? 1 : 0; }
    JR_CATCH(err, -1)
}
