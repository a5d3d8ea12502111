// guard.hpp — the one mechanism that keeps C++ exceptions inside the shim, plus handle plumbing.
//
// Every exported body is written as
//     JR_TRY { ...; return result; } JR_CATCH(err, fallback)
// (see JR_TRY below: it also runs the call in the caller's gradient mode)
// so a c10::Error, any std::exception or anything else thrown becomes err->code/err->message and a
// fallback return value. NativeGuardTest (Java) checks that every exported function uses it.
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "jacreg.h"

struct jr_tensor {
    at::Tensor tensor;
};

namespace jr {

extern std::atomic<int64_t> live_tensors;

inline void set_error(jr_error *err, int32_t code, const char *message) noexcept {
    if (err == nullptr) return;  // the caller opted out of messages; the return value still says "failed"
    err->code = code;
    size_t length = std::strlen(message);
    size_t capacity = JR_ERROR_MESSAGE_CAPACITY - 1;
    err->truncated = length > capacity ? 1 : 0;
    if (length > capacity) length = capacity;
    std::memcpy(err->message, message, length);
    err->message[length] = '\0';
}

// A new owning handle; the Java side frees it exactly once through jr_tensor_free.
inline jr_tensor *wrap(at::Tensor tensor) {
    auto *handle = new jr_tensor{std::move(tensor)};
    live_tensors.fetch_add(1, std::memory_order_relaxed);
    return handle;
}

inline const at::Tensor &unwrap(const jr_tensor *handle, const char *what = "tensor") {
    if (handle == nullptr) throw std::invalid_argument(std::string(what) + " handle is NULL");
    return handle->tensor;
}

inline at::Tensor &unwrap_mut(jr_tensor *handle, const char *what = "tensor") {
    if (handle == nullptr) throw std::invalid_argument(std::string(what) + " handle is NULL");
    return handle->tensor;
}

// Optional arguments (bias, running statistics...) arrive as NULL and become undefined tensors.
inline at::Tensor optional_tensor(const jr_tensor *handle) {
    return handle == nullptr ? at::Tensor() : handle->tensor;
}

at::ScalarType scalar_type(int32_t dtype_code);
int32_t dtype_code(at::ScalarType type);
at::Device device(int32_t device_type, int32_t device_index);
at::IntArrayRef shape(const int64_t *sizes, int64_t ndim);
// An int64[] argument of the op table (values, length); what names it in errors.
at::IntArrayRef int_list(const int64_t *values, int64_t length, const char *what);
std::vector<at::Tensor> tensor_list(jr_tensor *const *handles, int64_t count, const char *what);

// Runs one call in the gradient mode its caller asked for (err->no_grad) and gives the OS thread its
// own mode back afterwards, so the mode never leaks between the Java threads that share a carrier.
// A thread-local read when the modes agree (the common case), a write more when they differ.
class CallerGradMode {
public:
    explicit CallerGradMode(const jr_error *err) noexcept
        : previous_(c10::GradMode::is_enabled()), wanted_(err == nullptr ? previous_ : err->no_grad == 0) {
        if (wanted_ != previous_) c10::GradMode::set_enabled(wanted_);
    }
    ~CallerGradMode() {
        if (wanted_ != previous_) c10::GradMode::set_enabled(previous_);
    }
    CallerGradMode(const CallerGradMode &) = delete;
    CallerGradMode &operator=(const CallerGradMode &) = delete;

private:
    bool previous_;
    bool wanted_;
};

}  // namespace jr

// JR_TRY opens the try block and applies the caller's gradient mode (the function's jr_error must be
// named err); JR_CATCH closes it. The body between them is an ordinary { ... } block.
#define JR_TRY try { const jr::CallerGradMode jr_caller_grad_mode_(err);

// what_without_backtrace keeps libtorch's message and drops its C++ stack trace.
#define JR_CATCH(err, fallback)                                                    \
    }                                                                              \
    catch (const c10::Error &e) {                                                  \
        jr::set_error(err, JR_ERROR_TORCH, e.what_without_backtrace());            \
        return fallback;                                                           \
    }                                                                              \
    catch (const std::invalid_argument &e) {                                       \
        jr::set_error(err, JR_ERROR_ARGUMENT, e.what());                           \
        return fallback;                                                           \
    }                                                                              \
    catch (const std::bad_alloc &e) {                                              \
        jr::set_error(err, JR_ERROR_MEMORY, "out of memory (std::bad_alloc)");     \
        return fallback;                                                           \
    }                                                                              \
    catch (const std::exception &e) {                                              \
        jr::set_error(err, JR_ERROR_STD, e.what());                                \
        return fallback;                                                           \
    }                                                                              \
    catch (...) {                                                                  \
        jr::set_error(err, JR_ERROR_UNKNOWN, "unknown C++ exception in jacreg shim"); \
        return fallback;                                                           \
    }

#define JR_API extern "C"
