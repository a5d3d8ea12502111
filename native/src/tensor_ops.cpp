// tensor_ops.cpp — the tensor ops that do not fit the op table (jacreg_ops.def): conversion and joining lists.
#include "guard.hpp"

JR_API jr_tensor *jr_tensor_to(const jr_tensor *t, int32_t dtype, int32_t device_type, int32_t device_index,
                               jr_error *err) {
    JR_TRY {
        return jr::wrap(jr::unwrap(t).to(jr::device(device_type, device_index), jr::scalar_type(dtype)));
    }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_cat(jr_tensor *const *tensors, int64_t count, int64_t dim, jr_error *err) {
    JR_TRY { return jr::wrap(at::cat(jr::tensor_list(tensors, count, "tensors"), dim)); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_stack(jr_tensor *const *tensors, int64_t count, int64_t dim, jr_error *err) {
    JR_TRY { return jr::wrap(at::stack(jr::tensor_list(tensors, count, "tensors"), dim)); }
    JR_CATCH(err, nullptr)
}
