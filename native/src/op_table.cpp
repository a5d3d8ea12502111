// op_table.cpp — the bodies of every op in jacreg_ops.def, expanded from the table: nothing here names an op.
#include "guard.hpp"

// Helpers the table's expressions call.
namespace jr {

at::IntArrayRef nonempty(at::IntArrayRef dims, const char *what) {
    if (dims.empty()) throw std::invalid_argument(std::string("at least one dimension is needed in ") + what);
    return dims;
}

template <typename Other>
at::Tensor compare(const at::Tensor &x, const Other &y, int32_t op) {
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

}  // namespace jr

// Each argument kind: its C parameter(s) (named <name>_arg) and the C++ local the expression sees (<name>).
#define JR_ARG_TENSOR(n) const jr_tensor *n##_arg
#define JR_ARG_OPTIONAL(n) const jr_tensor *n##_arg
#define JR_ARG_MUTABLE(n) jr_tensor *n##_arg
#define JR_ARG_LONGS(n) const int64_t *n##_arg, int64_t n##_len
#define JR_ARG_LONG(n) int64_t n##_arg
#define JR_ARG_INT(n) int32_t n##_arg
#define JR_ARG_DOUBLE(n) double n##_arg
#define JR_ARG_FLAG(n) int32_t n##_arg
#define JR_GET_TENSOR(n) const at::Tensor &n = jr::unwrap(n##_arg, #n);
#define JR_GET_OPTIONAL(n) const at::Tensor n = jr::optional_tensor(n##_arg);
#define JR_GET_MUTABLE(n) at::Tensor &n = jr::unwrap_mut(n##_arg, #n);
#define JR_GET_LONGS(n) const at::IntArrayRef n = jr::int_list(n##_arg, n##_len, #n);
#define JR_GET_LONG(n) const int64_t n = n##_arg;
#define JR_GET_INT(n) const int32_t n = n##_arg;
#define JR_GET_DOUBLE(n) const double n = n##_arg;
#define JR_GET_FLAG(n) const bool n = n##_arg != 0;

// Every body goes through JR_TRY/JR_CATCH (NativeSurfaceTest checks these macros).
#define JR_OP1(fn, a1, expr)                                                                        \
    JR_API jr_tensor *fn(JR_ARG_##a1, jr_error *err) {                                              \
        JR_TRY { JR_GET_##a1 return jr::wrap(expr); }                                               \
        JR_CATCH(err, nullptr)                                                                      \
    }
#define JR_OP2(fn, a1, a2, expr)                                                                    \
    JR_API jr_tensor *fn(JR_ARG_##a1, JR_ARG_##a2, jr_error *err) {                                 \
        JR_TRY { JR_GET_##a1 JR_GET_##a2 return jr::wrap(expr); }                                   \
        JR_CATCH(err, nullptr)                                                                      \
    }
#define JR_OP3(fn, a1, a2, a3, expr)                                                                \
    JR_API jr_tensor *fn(JR_ARG_##a1, JR_ARG_##a2, JR_ARG_##a3, jr_error *err) {                    \
        JR_TRY { JR_GET_##a1 JR_GET_##a2 JR_GET_##a3 return jr::wrap(expr); }                       \
        JR_CATCH(err, nullptr)                                                                      \
    }
#define JR_OP4(fn, a1, a2, a3, a4, expr)                                                            \
    JR_API jr_tensor *fn(JR_ARG_##a1, JR_ARG_##a2, JR_ARG_##a3, JR_ARG_##a4, jr_error *err) {       \
        JR_TRY { JR_GET_##a1 JR_GET_##a2 JR_GET_##a3 JR_GET_##a4 return jr::wrap(expr); }           \
        JR_CATCH(err, nullptr)                                                                      \
    }
#define JR_INPLACE1(fn, a1, expr)                                                                   \
    JR_API int32_t fn(JR_ARG_##a1, jr_error *err) {                                                 \
        JR_TRY { JR_GET_##a1 expr; return JR_OK; }                                                  \
        JR_CATCH(err, -1)                                                                           \
    }
#define JR_INPLACE2(fn, a1, a2, expr)                                                               \
    JR_API int32_t fn(JR_ARG_##a1, JR_ARG_##a2, jr_error *err) {                                    \
        JR_TRY { JR_GET_##a1 JR_GET_##a2 expr; return JR_OK; }                                      \
        JR_CATCH(err, -1)                                                                           \
    }
#define JR_INPLACE3(fn, a1, a2, a3, expr)                                                           \
    JR_API int32_t fn(JR_ARG_##a1, JR_ARG_##a2, JR_ARG_##a3, jr_error *err) {                       \
        JR_TRY { JR_GET_##a1 JR_GET_##a2 JR_GET_##a3 expr; return JR_OK; }                          \
        JR_CATCH(err, -1)                                                                           \
    }
#define JR_FAIL_INT64 -1
#define JR_FAIL_INT32 -1
#define JR_FAIL_DOUBLE std::numeric_limits<double>::quiet_NaN()
#define JR_QUERY1(fn, result, a1, expr)                                                             \
    JR_API JR_RESULT_##result fn(JR_ARG_##a1, jr_error *err) {                                      \
        JR_TRY { JR_GET_##a1 return expr; }                                                         \
        JR_CATCH(err, JR_FAIL_##result)                                                             \
    }

#include "jacreg_ops.def"
