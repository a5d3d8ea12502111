// tensor_create.cpp — making tensors, copying data in and out, freeing, and the code tables.
#include "guard.hpp"

namespace jr {

// The one table of dtype codes (JR_DTYPE_* in jacreg.h) and the libtorch types they stand for.
namespace {
struct DTypeCode {
    int32_t code;
    at::ScalarType type;
};
constexpr DTypeCode DTYPES[] = {
    {JR_DTYPE_FLOAT32, at::kFloat}, {JR_DTYPE_FLOAT64, at::kDouble}, {JR_DTYPE_INT64, at::kLong},
    {JR_DTYPE_INT32, at::kInt},     {JR_DTYPE_BOOL, at::kBool},      {JR_DTYPE_UINT8, at::kByte},
};
}  // namespace

at::ScalarType scalar_type(int32_t dtype_code) {
    for (const DTypeCode &entry : DTYPES)
        if (entry.code == dtype_code) return entry.type;
    throw std::invalid_argument("unknown dtype code " + std::to_string(dtype_code));
}

int32_t dtype_code(at::ScalarType type) {
    for (const DTypeCode &entry : DTYPES)
        if (entry.type == type) return entry.code;
    throw std::invalid_argument(std::string("dtype not supported by jacreg: ") + c10::toString(type));
}

at::Device device(int32_t device_type, int32_t device_index) {
    switch (device_type) {
        case JR_DEVICE_CPU: return at::Device(at::kCPU);
        case JR_DEVICE_CUDA: return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(device_index));
        default: throw std::invalid_argument("unknown device type code " + std::to_string(device_type));
    }
}

at::IntArrayRef shape(const int64_t *sizes, int64_t ndim) {
    if (ndim < 0) throw std::invalid_argument("negative number of dimensions: " + std::to_string(ndim));
    if (ndim > 0 && sizes == nullptr) throw std::invalid_argument("shape pointer is NULL");
    return at::IntArrayRef(sizes, static_cast<size_t>(ndim));
}

at::IntArrayRef int_list(const int64_t *values, int64_t length, const char *what) {
    if (length < 0) throw std::invalid_argument(std::string("negative length of ") + what + ": " + std::to_string(length));
    if (length > 0 && values == nullptr) throw std::invalid_argument(std::string(what) + " array is NULL");
    return at::IntArrayRef(values, static_cast<size_t>(length));
}

std::vector<at::Tensor> tensor_list(jr_tensor *const *handles, int64_t count, const char *what) {
    if (count < 0) throw std::invalid_argument(std::string("negative count of ") + what);
    if (count > 0 && handles == nullptr) throw std::invalid_argument(std::string(what) + " array is NULL");
    std::vector<at::Tensor> list;
    list.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) list.push_back(unwrap(handles[i], what));
    return list;
}

}  // namespace jr

namespace {

at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index) {
    return at::TensorOptions().dtype(jr::scalar_type(dtype)).device(jr::device(device_type, device_index));
}

}  // namespace

JR_API jr_tensor *jr_tensor_from_data(const void *data, int64_t nbytes, const int64_t *shape, int64_t ndim,
                                      int32_t dtype, int32_t device_type, int32_t device_index, jr_error *err) {
    JR_TRY {
        auto sizes = jr::shape(shape, ndim);
        auto type = jr::scalar_type(dtype);
        int64_t numel = c10::multiply_integers(sizes);
        for (auto s : sizes)
            if (s < 0) throw std::invalid_argument("negative size in shape " + c10::str(sizes));
        int64_t expected = numel * static_cast<int64_t>(c10::elementSize(type));
        if (nbytes != expected)
            throw std::invalid_argument("data holds " + std::to_string(nbytes) + " bytes but shape " + c10::str(sizes) +
                                        " of " + c10::toString(type) + " needs " + std::to_string(expected));
        if (expected > 0 && data == nullptr) throw std::invalid_argument("data pointer is NULL");
        at::Tensor cpu = at::empty(sizes, at::TensorOptions().dtype(type));
        if (expected > 0) std::memcpy(cpu.data_ptr(), data, static_cast<size_t>(expected));
        auto target = jr::device(device_type, device_index);
        return jr::wrap(target.is_cpu() ? cpu : cpu.to(target));
    }
    JR_CATCH(err, nullptr)
}

JR_API int32_t jr_tensor_copy_to(const jr_tensor *t, void *dst, int64_t nbytes, jr_error *err) {
    JR_TRY {
        at::Tensor cpu = jr::unwrap(t).detach().to(at::kCPU).contiguous();
        int64_t have = cpu.numel() * static_cast<int64_t>(cpu.element_size());
        if (nbytes != have)
            throw std::invalid_argument("destination holds " + std::to_string(nbytes) + " bytes but the tensor of shape " +
                                        c10::str(cpu.sizes()) + " has " + std::to_string(have));
        if (have > 0 && dst == nullptr) throw std::invalid_argument("destination pointer is NULL");
        if (have > 0) std::memcpy(dst, cpu.data_ptr(), static_cast<size_t>(have));
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

JR_API jr_tensor *jr_tensor_zeros(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                                  int32_t device_index, jr_error *err) {
    JR_TRY { return jr::wrap(at::zeros(jr::shape(shape, ndim), options(dtype, device_type, device_index))); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_ones(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                                 int32_t device_index, jr_error *err) {
    JR_TRY { return jr::wrap(at::ones(jr::shape(shape, ndim), options(dtype, device_type, device_index))); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_full(const int64_t *shape, int64_t ndim, double value, int32_t dtype,
                                 int32_t device_type, int32_t device_index, jr_error *err) {
    JR_TRY { return jr::wrap(at::full(jr::shape(shape, ndim), value, options(dtype, device_type, device_index))); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_rand(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                                 int32_t device_index, jr_error *err) {
    JR_TRY { return jr::wrap(at::rand(jr::shape(shape, ndim), options(dtype, device_type, device_index))); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_randn(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                                  int32_t device_index, jr_error *err) {
    JR_TRY { return jr::wrap(at::randn(jr::shape(shape, ndim), options(dtype, device_type, device_index))); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_randint(int64_t low, int64_t high, const int64_t *shape, int64_t ndim,
                                    int32_t device_type, int32_t device_index, jr_error *err) {
    JR_TRY {
        return jr::wrap(at::randint(low, high, jr::shape(shape, ndim), options(JR_DTYPE_INT64, device_type, device_index)));
    }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_randperm(int64_t n, int32_t device_type, int32_t device_index, jr_error *err) {
    JR_TRY { return jr::wrap(at::randperm(n, options(JR_DTYPE_INT64, device_type, device_index))); }
    JR_CATCH(err, nullptr)
}

// Freeing cannot fail in a way a caller could act on, so it takes no error slot; it still never throws.
JR_API void jr_tensor_free(jr_tensor *t) {
    jr_error *err = nullptr;  // no slot, so JR_TRY leaves the thread's gradient mode alone
    JR_TRY {
        if (t == nullptr) return;
        delete t;
        jr::live_tensors.fetch_sub(1, std::memory_order_relaxed);
    }
    JR_CATCH(err, )
}

JR_API int64_t jr_tensor_sizes(const jr_tensor *t, int64_t *out, int64_t capacity, jr_error *err) {
    JR_TRY {
        const at::Tensor &tensor = jr::unwrap(t);
        int64_t dim = tensor.dim();
        if (capacity > 0 && out == nullptr) throw std::invalid_argument("output array is NULL");
        for (int64_t i = 0; i < dim && i < capacity; ++i) out[i] = tensor.size(i);
        return dim;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_tensor_item_int64(const jr_tensor *t, int64_t *out, jr_error *err) {
    JR_TRY {
        if (out == nullptr) throw std::invalid_argument("output pointer is NULL");
        *out = jr::unwrap(t).item<int64_t>();
        return JR_OK;
    }
    JR_CATCH(err, -1)
}
