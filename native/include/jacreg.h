/*
 * jacreg.h — the flat C ABI of the jacreg shim over libtorch.
 *
 * Conventions (one rule each, so the Java side can be mechanical):
 *  - Handles are opaque: jr_tensor is a libtorch tensor owned by the caller; every handle a function
 *    returns is new and must be released with jr_tensor_free (in-place ops return a status instead).
 *  - Every function takes a caller-provided jr_error as its last argument. On failure it fills
 *    err->code (non-zero) and err->message, and returns NULL (handle results), a negative number
 *    (status and count results) or NAN (double results). On success err is left untouched, so callers
 *    check the return value first. A caller-owned slot, unlike a thread-local, stays correct when a
 *    Java virtual thread moves between carrier threads.
 *  - No C++ exception ever leaves the shim; nothing in it calls abort.
 *  - Only fixed-width integers, double and pointers cross the boundary (no `long`, no enums in
 *    signatures), so the generated bindings are the same on every 64-bit platform.
 *
 * Ops whose body is one ATen expression are not written here but in the op table jacreg_ops.def,
 * expanded into declarations below (and into bodies by native/src/op_table.cpp, Java by make bindings).
 *
 * Changing a signature here means bumping JR_ABI_VERSION and regenerating the bindings (make bindings).
 */
#ifndef JACREG_H
#define JACREG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define JR_ABI_VERSION 6

/* ---- errors ------------------------------------------------------------------------------------ */

#define JR_ERROR_MESSAGE_CAPACITY 4096

#define JR_OK 0
#define JR_ERROR_TORCH 1    /* c10::Error: libtorch rejected the call (shapes, dtypes, devices...) */
#define JR_ERROR_ARGUMENT 2 /* bad argument detected by the shim itself (null handle, bad code...) */
#define JR_ERROR_MEMORY 3   /* std::bad_alloc */
#define JR_ERROR_STD 4      /* any other std::exception */
#define JR_ERROR_UNKNOWN 5  /* anything else thrown */

/* The slot is also the call's context. no_grad is an input: when it is 1 the call runs with libtorch's
   gradient mode off (as under torch::NoGradGuard) and the calling OS thread's own mode is restored
   before it returns; 0 (a zeroed slot) records autograd. So the mode belongs to whoever owns the slot
   (in Java: one per Java thread, virtual threads included), never to the carrier OS thread. */
typedef struct jr_error {
    int32_t code;
    int32_t truncated; /* 1 when message was cut to fit */
    int32_t no_grad;   /* in: 1 = run this call without recording autograd */
    int32_t reserved;  /* 0 */
    char message[JR_ERROR_MESSAGE_CAPACITY];
} jr_error;

/* ---- codes ------------------------------------------------------------------------------------- */

#define JR_DTYPE_FLOAT32 0
#define JR_DTYPE_FLOAT64 1
#define JR_DTYPE_INT64 2
#define JR_DTYPE_INT32 3
#define JR_DTYPE_BOOL 4
#define JR_DTYPE_UINT8 5

#define JR_DEVICE_CPU 0
#define JR_DEVICE_CUDA 1

#define JR_COMPARE_EQ 0
#define JR_COMPARE_NE 1
#define JR_COMPARE_LT 2
#define JR_COMPARE_LE 3
#define JR_COMPARE_GT 4
#define JR_COMPARE_GE 5

typedef struct jr_tensor jr_tensor;

/* ---- runtime ----------------------------------------------------------------------------------- */

int32_t jr_abi_version(void);
/* Does nothing: measures the bare cost of a call through the binding. */
int32_t jr_noop(void);
/* Writes a NUL-terminated string into buf (cut to capacity); returns the full length or < 0. */
int32_t jr_torch_version(char *buf, int64_t capacity, jr_error *err);
int32_t jr_torch_config(char *buf, int64_t capacity, jr_error *err);
int32_t jr_manual_seed(uint64_t seed, jr_error *err);
/* Sets libtorch's intra-op threads and, when OpenBLAS is loaded, its thread pool too. */
int32_t jr_set_num_threads(int32_t threads, jr_error *err);
int32_t jr_get_num_threads(jr_error *err);
int32_t jr_cuda_is_available(jr_error *err);
int32_t jr_cuda_device_count(jr_error *err);
int32_t jr_cuda_synchronize(int32_t device_index, jr_error *err);
/* 1 when a call made with this slot records autograd (err->no_grad == 0), 0 when it does not. libtorch keeps
   the mode per OS thread; the shim sets it from err->no_grad for the length of each call instead. */
int32_t jr_grad_mode_is_enabled(jr_error *err);
/* Tensors handed out and not yet freed, over the whole process (for leak tests). */
int64_t jr_live_tensors(void);

/* ---- creation and copy ------------------------------------------------------------------------- */

/* Copies nbytes of row-major data (must equal numel * element size) into a new tensor. */
jr_tensor *jr_tensor_from_data(const void *data, int64_t nbytes, const int64_t *shape, int64_t ndim,
                               int32_t dtype, int32_t device_type, int32_t device_index, jr_error *err);
/* Copies the tensor's elements (moved to CPU, made contiguous, same dtype) into dst. */
int32_t jr_tensor_copy_to(const jr_tensor *t, void *dst, int64_t nbytes, jr_error *err);
jr_tensor *jr_tensor_zeros(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                           int32_t device_index, jr_error *err);
jr_tensor *jr_tensor_ones(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                          int32_t device_index, jr_error *err);
jr_tensor *jr_tensor_full(const int64_t *shape, int64_t ndim, double value, int32_t dtype, int32_t device_type,
                          int32_t device_index, jr_error *err);
/* Random tensors draw from libtorch's default generator (see jr_manual_seed). */
jr_tensor *jr_tensor_rand(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                          int32_t device_index, jr_error *err);
jr_tensor *jr_tensor_randn(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                           int32_t device_index, jr_error *err);
jr_tensor *jr_tensor_randint(int64_t low, int64_t high, const int64_t *shape, int64_t ndim, int32_t device_type,
                             int32_t device_index, jr_error *err);
jr_tensor *jr_tensor_randperm(int64_t n, int32_t device_type, int32_t device_index, jr_error *err);
void jr_tensor_free(jr_tensor *t);

/* ---- queries ----------------------------------------------------------------------------------- */

/* Writes min(dim, capacity) sizes into out; returns dim. */
int64_t jr_tensor_sizes(const jr_tensor *t, int64_t *out, int64_t capacity, jr_error *err);
int32_t jr_tensor_item_int64(const jr_tensor *t, int64_t *out, jr_error *err);

/* ---- conversion and views that are not in the op table ------------------------------------------ */

jr_tensor *jr_tensor_to(const jr_tensor *t, int32_t dtype, int32_t device_type, int32_t device_index,
                        jr_error *err);
jr_tensor *jr_tensor_cat(jr_tensor *const *tensors, int64_t count, int64_t dim, jr_error *err);
jr_tensor *jr_tensor_stack(jr_tensor *const *tensors, int64_t count, int64_t dim, jr_error *err);

/* ---- neural-network ops that are not in the op table ------------------------------------------- */

jr_tensor *jr_nn_conv2d(const jr_tensor *input, const jr_tensor *weight, const jr_tensor *bias, int64_t stride_h,
                        int64_t stride_w, int64_t padding_h, int64_t padding_w, jr_error *err);
/* weight, bias, running_mean, running_var may be NULL. In training mode the running statistics are
   updated in place: running = (1 - momentum) * running + momentum * batch statistic. */
jr_tensor *jr_nn_batch_norm(const jr_tensor *input, const jr_tensor *weight, const jr_tensor *bias,
                            const jr_tensor *running_mean, const jr_tensor *running_var, int32_t training,
                            double momentum, double eps, jr_error *err);
/* Training-mode batch norm on CPU (float32/float64, weight and bias given) runs by default through the shim's own
   autograd functions: a fused forward kernel (contiguous input) and a fused double backward instead of libtorch's
   kernel and composite formula; same results to rounding. on = 0 switches to at::batch_norm for every later call
   (process-wide). Returns the previous setting (1 = fused) or -1. */
int32_t jr_set_batch_norm_fused(int32_t on, jr_error *err);
int32_t jr_batch_norm_fused(jr_error *err);
/* conv2d on CPU (float32/float64) runs by default through a shim autograd function whose gradient taken with
   create_graph, for at most 4 input channels (a first layer on images), uses ATen's native convolution kernels
   (at::_slow_conv2d_backward) instead of oneDNN's, which are much slower there; same results to rounding, same double
   backward. on = 0: at::conv2d for every later call (process-wide). Returns the previous
   setting (1 = native) or -1. */
int32_t jr_set_conv_create_graph_native(int32_t on, jr_error *err);
int32_t jr_conv_create_graph_native(jr_error *err);

/* ---- the op table (jacreg_ops.def): declarations expanded from one line per op -------------------- */

/* How each argument kind of the table crosses the boundary (see jacreg_ops.def). */
#define JR_PARAM_TENSOR(name) const jr_tensor *name
#define JR_PARAM_OPTIONAL(name) const jr_tensor *name
#define JR_PARAM_MUTABLE(name) jr_tensor *name
#define JR_PARAM_LONGS(name) const int64_t *name, int64_t name##_len
#define JR_PARAM_LONG(name) int64_t name
#define JR_PARAM_INT(name) int32_t name
#define JR_PARAM_DOUBLE(name) double name
#define JR_PARAM_FLAG(name) int32_t name
#define JR_OP1(fn, a1, expr) jr_tensor *fn(JR_PARAM_##a1, jr_error *err);
#define JR_OP2(fn, a1, a2, expr) jr_tensor *fn(JR_PARAM_##a1, JR_PARAM_##a2, jr_error *err);
#define JR_OP3(fn, a1, a2, a3, expr) jr_tensor *fn(JR_PARAM_##a1, JR_PARAM_##a2, JR_PARAM_##a3, jr_error *err);
#define JR_OP4(fn, a1, a2, a3, a4, expr) jr_tensor *fn(JR_PARAM_##a1, JR_PARAM_##a2, JR_PARAM_##a3, JR_PARAM_##a4, jr_error *err);
#define JR_INPLACE1(fn, a1, expr) int32_t fn(JR_PARAM_##a1, jr_error *err);
#define JR_INPLACE2(fn, a1, a2, expr) int32_t fn(JR_PARAM_##a1, JR_PARAM_##a2, jr_error *err);
#define JR_INPLACE3(fn, a1, a2, a3, expr) int32_t fn(JR_PARAM_##a1, JR_PARAM_##a2, JR_PARAM_##a3, jr_error *err);
#define JR_RESULT_INT64 int64_t
#define JR_RESULT_INT32 int32_t
#define JR_RESULT_DOUBLE double
#define JR_QUERY1(fn, result, a1, expr) JR_RESULT_##result fn(JR_PARAM_##a1, jr_error *err);
#include "jacreg_ops.def"
#undef JR_OP1
#undef JR_OP2
#undef JR_OP3
#undef JR_OP4
#undef JR_INPLACE1
#undef JR_INPLACE2
#undef JR_INPLACE3
#undef JR_QUERY1

/* ---- autograd ---------------------------------------------------------------------------------- */

/* Writes a new handle to the accumulated gradient into *out, or NULL when there is none. */
int32_t jr_tensor_grad(const jr_tensor *t, jr_tensor **out, jr_error *err);
/* gradient may be NULL for a scalar t. retain_graph < 0 means "same as create_graph". */
int32_t jr_tensor_backward(const jr_tensor *t, const jr_tensor *gradient, int32_t retain_graph,
                           int32_t create_graph, jr_error *err);
/* torch::autograd::grad. grad_outputs may be NULL (all implicit ones) or hold NULL entries.
   results must have room for n_inputs handles; an input the outputs do not depend on gets NULL
   when allow_unused is set (an error otherwise). retain_graph < 0 means "same as create_graph". */
int32_t jr_autograd_grad(jr_tensor *const *outputs, int64_t n_outputs, jr_tensor *const *inputs, int64_t n_inputs,
                         jr_tensor *const *grad_outputs, int32_t retain_graph, int32_t create_graph,
                         int32_t allow_unused, jr_tensor **results, jr_error *err);

#include "jacreg_distributed.h"

#ifdef __cplusplus
}
#endif

#endif /* JACREG_H */
