// tensor_ops.cpp — views, elementwise arithmetic, reductions, comparisons and in-place updates.
#include "guard.hpp"

// One-line definitions for the many ops that differ only in the ATen call; each still goes through
// JR_TRY/JR_CATCH.
#define JR_UNARY(name, expr)                                          \
    JR_API jr_tensor *name(const jr_tensor *a, jr_error *err) {      \
        JR_TRY {                                                      \
            const at::Tensor &x = jr::unwrap(a);                      \
            return jr::wrap(expr);                                    \
        }                                                             \
        JR_CATCH(err, nullptr)                                        \
    }

#define JR_BINARY(name, expr)                                                         \
    JR_API jr_tensor *name(const jr_tensor *a, const jr_tensor *b, jr_error *err) { \
        JR_TRY {                                                                      \
            const at::Tensor &x = jr::unwrap(a, "left operand");                      \
            const at::Tensor &y = jr::unwrap(b, "right operand");                     \
            return jr::wrap(expr);                                                    \
        }                                                                             \
        JR_CATCH(err, nullptr)                                                        \
    }

#define JR_WITH_SCALAR(name, expr)                                            \
    JR_API jr_tensor *name(const jr_tensor *a, double value, jr_error *err) { \
        JR_TRY {                                                              \
            const at::Tensor &x = jr::unwrap(a);                              \
            return jr::wrap(expr);                                            \
        }                                                                     \
        JR_CATCH(err, nullptr)                                                \
    }

namespace {

at::Tensor compare(const at::Tensor &x, const at::Scalar &y, int32_t op) {
    switch (op) {
        case JR_COMPARE_EQ: return x.eq(y);
        case JR_COMPARE_NE: return x.ne(y);
        case JR_COMPARE_LT: return x.lt(y);
        case JR_COMPARE_LE: return x.le(y);
        case JR_COMPARE_GT: return x.gt(y);
        case JR_COMPARE_GE: return x.ge(y);
        default: throw std::invalid_argument("unknown comparison code " + std::to_string(op));
    }
}

at::Tensor compare(const at::Tensor &x, const at::Tensor &y, int32_t op) {
    switch (op) {
        case JR_COMPARE_EQ: return x.eq(y);
        case JR_COMPARE_NE: return x.ne(y);
        case JR_COMPARE_LT: return x.lt(y);
        case JR_COMPARE_LE: return x.le(y);
        case JR_COMPARE_GT: return x.gt(y);
        case JR_COMPARE_GE: return x.ge(y);
        default: throw std::invalid_argument("unknown comparison code " + std::to_string(op));
    }
}

at::IntArrayRef dims(const int64_t *values, int64_t count) {
    if (count <= 0) throw std::invalid_argument("at least one dimension is needed, got " + std::to_string(count));
    return jr::shape(values, count);
}

}  // namespace

// ---- conversion and views ----

JR_API jr_tensor *jr_tensor_to(const jr_tensor *t, int32_t dtype, int32_t device_type, int32_t device_index,
                               jr_error *err) {
    JR_TRY {
        return jr::wrap(jr::unwrap(t).to(jr::device(device_type, device_index), jr::scalar_type(dtype)));
    }
    JR_CATCH(err, nullptr)
}

JR_UNARY(jr_tensor_clone, x.clone())
JR_UNARY(jr_tensor_detach, x.detach())
JR_UNARY(jr_tensor_contiguous, x.contiguous())

JR_API jr_tensor *jr_tensor_reshape(const jr_tensor *t, const int64_t *shape, int64_t ndim, jr_error *err) {
    JR_TRY { return jr::wrap(jr::unwrap(t).reshape(jr::shape(shape, ndim))); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_flatten(const jr_tensor *t, int64_t start_dim, int64_t end_dim, jr_error *err) {
    JR_TRY { return jr::wrap(jr::unwrap(t).flatten(start_dim, end_dim)); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_select(const jr_tensor *t, int64_t dim, int64_t index, jr_error *err) {
    JR_TRY { return jr::wrap(jr::unwrap(t).select(dim, index)); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_narrow(const jr_tensor *t, int64_t dim, int64_t start, int64_t length, jr_error *err) {
    JR_TRY { return jr::wrap(jr::unwrap(t).narrow(dim, start, length)); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_index_select(const jr_tensor *t, int64_t dim, const jr_tensor *index, jr_error *err) {
    JR_TRY { return jr::wrap(jr::unwrap(t).index_select(dim, jr::unwrap(index, "index"))); }
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

// ---- elementwise arithmetic ----

JR_BINARY(jr_tensor_add, x + y)
JR_BINARY(jr_tensor_sub, x - y)
JR_BINARY(jr_tensor_mul, x * y)
JR_BINARY(jr_tensor_div, x / y)
JR_BINARY(jr_tensor_pow, x.pow(y))
JR_BINARY(jr_tensor_matmul, at::matmul(x, y))
JR_WITH_SCALAR(jr_tensor_add_scalar, x + value)
JR_WITH_SCALAR(jr_tensor_mul_scalar, x * value)
JR_WITH_SCALAR(jr_tensor_pow_scalar, x.pow(value))
JR_UNARY(jr_tensor_neg, -x)
JR_UNARY(jr_tensor_exp, x.exp())
JR_UNARY(jr_tensor_log, x.log())
JR_UNARY(jr_tensor_sqrt, x.sqrt())
JR_UNARY(jr_tensor_abs, x.abs())

// ---- reductions ----

JR_UNARY(jr_tensor_sum, x.sum())
JR_UNARY(jr_tensor_mean, x.mean())
JR_UNARY(jr_tensor_max, x.max())
JR_UNARY(jr_tensor_min, x.min())

JR_API jr_tensor *jr_tensor_sum_dims(const jr_tensor *a, const int64_t *dim_list, int64_t ndims, int32_t keepdim,
                                     jr_error *err) {
    JR_TRY { return jr::wrap(jr::unwrap(a).sum(dims(dim_list, ndims), keepdim != 0)); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_mean_dims(const jr_tensor *a, const int64_t *dim_list, int64_t ndims, int32_t keepdim,
                                      jr_error *err) {
    JR_TRY { return jr::wrap(jr::unwrap(a).mean(dims(dim_list, ndims), keepdim != 0)); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_argmax(const jr_tensor *a, int64_t dim, int32_t keepdim, jr_error *err) {
    JR_TRY { return jr::wrap(jr::unwrap(a).argmax(dim, keepdim != 0)); }
    JR_CATCH(err, nullptr)
}

// ---- comparison and selection ----

JR_API jr_tensor *jr_tensor_compare(const jr_tensor *a, const jr_tensor *b, int32_t op, jr_error *err) {
    JR_TRY { return jr::wrap(compare(jr::unwrap(a, "left operand"), jr::unwrap(b, "right operand"), op)); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_compare_scalar(const jr_tensor *a, double value, int32_t op, jr_error *err) {
    JR_TRY { return jr::wrap(compare(jr::unwrap(a), at::Scalar(value), op)); }
    JR_CATCH(err, nullptr)
}

JR_API jr_tensor *jr_tensor_where(const jr_tensor *condition, const jr_tensor *a, const jr_tensor *b,
                                  jr_error *err) {
    JR_TRY {
        return jr::wrap(at::where(jr::unwrap(condition, "condition"), jr::unwrap(a, "where-true"),
                                  jr::unwrap(b, "where-false")));
    }
    JR_CATCH(err, nullptr)
}

// ---- in-place updates ----

JR_API int32_t jr_tensor_add_(jr_tensor *t, const jr_tensor *other, double alpha, jr_error *err) {
    JR_TRY {
        jr::unwrap_mut(t).add_(jr::unwrap(other, "other"), alpha);
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_tensor_mul_scalar_(jr_tensor *t, double value, jr_error *err) {
    JR_TRY {
        jr::unwrap_mut(t).mul_(value);
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_tensor_copy_(jr_tensor *t, const jr_tensor *src, jr_error *err) {
    JR_TRY {
        jr::unwrap_mut(t).copy_(jr::unwrap(src, "source"));
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_tensor_fill_(jr_tensor *t, double value, jr_error *err) {
    JR_TRY {
        jr::unwrap_mut(t).fill_(value);
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_tensor_zero_(jr_tensor *t, jr_error *err) {
    JR_TRY {
        jr::unwrap_mut(t).zero_();
        return JR_OK;
    }
    JR_CATCH(err, -1)
}
