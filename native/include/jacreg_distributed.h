/*
 * jacreg_distributed.h — collectives over libtorch's c10d process groups (data-parallel training).
 * Included by jacreg.h; the conventions of jacreg.h hold here too (jr_error last, NULL / < 0 on failure).
 *
 * A process group joins world_size processes (or threads: each its own group and rank) through a TCPStore
 * rendezvous at host:port, where rank 0 listens. Every blocking step (rendezvous, each collective) gives
 * up after timeout_ms and fails with an error naming what it waited for; a peer that dies makes the
 * others' next collective fail (connection closed) rather than hang. Collectives are synchronous: they
 * return once the result is in the tensors, and every rank must call the same ones in the same order.
 */
#ifndef JACREG_DISTRIBUTED_H
#define JACREG_DISTRIBUTED_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jr_error jr_error;
typedef struct jr_tensor jr_tensor;
typedef struct jr_process_group jr_process_group;
typedef struct jr_grad_reducer jr_grad_reducer;

#define JR_BACKEND_GLOO 0 /* CPU tensors, TCP transport */
#define JR_BACKEND_NCCL 1 /* CUDA tensors; only in a shim built against a CUDA libtorch */

#define JR_REDUCE_SUM 0
#define JR_REDUCE_AVERAGE 1

/* 1 when this shim was built with the backend (and, for NCCL, a GPU is visible), else 0. A shim built without
   Gloo headers (make NO_GLOO=1, or a libtorch that ships none) has no CPU backend: 0 for JR_BACKEND_GLOO. */
int32_t jr_distributed_backend_available(int32_t backend, jr_error *err);
/* Joins the group; blocks until all world_size ranks have joined or timeout_ms has passed. Fails at once,
   before any networking, when the backend is not in this build (the error says why). Every rank checks
   the world size the others were started with, so a mismatch is named on each side, whichever rank
   arrives first; a rank other than 0 retries a refused connection to host:port for the whole timeout.
   Gloo binds to the loopback interface when host is a loopback address, to the interface named by
   GLOO_SOCKET_IFNAME when that is set, and to the address this machine's hostname resolves to otherwise. */
jr_process_group *jr_process_group_create(const char *host, int32_t port, int32_t world_size, int32_t rank,
                                          int64_t timeout_ms, int32_t backend, jr_error *err);
/* Leaves the group (no collective: safe after a peer was lost). NULL is ignored. */
void jr_process_group_free(jr_process_group *group);
int32_t jr_process_group_rank(const jr_process_group *group, jr_error *err);
int32_t jr_process_group_size(const jr_process_group *group, jr_error *err);
/* Reduces each tensor (contiguous, same shape on every rank) in place across the ranks. */
int32_t jr_process_group_all_reduce(jr_process_group *group, jr_tensor *const *tensors, int64_t count, int32_t op,
                                    jr_error *err);
/* Overwrites each tensor in place with root's. */
int32_t jr_process_group_broadcast(jr_process_group *group, jr_tensor *const *tensors, int64_t count, int32_t root,
                                   jr_error *err);
int32_t jr_process_group_barrier(jr_process_group *group, jr_error *err);

/* ---- collectives autograd can differentiate (each forward and each backward is a collective) ---- */

/* A new tensor: input summed over the ranks. Differentiable: its backward sums the incoming gradient over the
   ranks, and is differentiable in turn (double backward). */
jr_tensor *jr_process_group_sum(jr_process_group *group, const jr_tensor *input, jr_error *err);
/* Training-mode batch norm over N×C×... inputs with the statistics of all ranks' batches together, as
   torch.nn.SyncBatchNorm: same result, gradients and double backward as one process normalising the union of the
   batches. Updates the running statistics (when given) with the global mean and unbiased global variance. weight,
   bias, running_mean, running_var may be NULL. One all-reduce forward, one per backward pass through it. */
jr_tensor *jr_nn_sync_batch_norm(jr_process_group *group, const jr_tensor *input, const jr_tensor *weight,
                                 const jr_tensor *bias, const jr_tensor *running_mean, const jr_tensor *running_var,
                                 double momentum, double eps, jr_error *err);

/* ---- gradients all-reduced while the backward pass runs (PyTorch DDP's reducer) ---------------------------- */

/* Hooks on the parameters (which must require grad) that copy each one's gradient into a bucket of at most
   bucket_bytes (parameters of one dtype and device, filled in reverse order) as a backward pass produces it,
   and start an asynchronous all-reduce of each bucket, in bucket order, as soon as all its gradients are in.
   The hooks act only between jr_grad_reducer_prepare and jr_grad_reducer_finish. Free with jr_grad_reducer_free
   (removes the hooks) before the group. */
jr_grad_reducer *jr_grad_reducer_create(jr_process_group *group, jr_tensor *const *parameters, int64_t count,
                                        int64_t bucket_bytes, jr_error *err);
void jr_grad_reducer_free(jr_grad_reducer *reducer);
/* Arms the hooks for the next backward pass (every rank, before it, with the same extra_count). extra_count > 0
   announces that jr_grad_reducer_finish will pass that many extra values: the last bucket then waits for them in
   finish and carries them in its all-reduce (one collective per step instead of two). */
int32_t jr_grad_reducer_prepare(jr_grad_reducer *reducer, int64_t extra_count, jr_error *err);
/* After the backward pass: the gradients the hooks did not see are taken from gradients[] (count = the number
   of parameters, in their order; NULL entries count as zeros), their buckets started; then waits for every
   bucket and writes the mean over the ranks into each non-NULL gradients[i] in place. extra (may be NULL; e.g.
   the loss values, a contiguous 1-D tensor) is averaged over the ranks alongside: inside the last bucket's
   all-reduce, in its dtype, when that bucket has not started yet (always after a prepare that announced them), else
   in an all-reduce of its own. Disarms the hooks. */
int32_t jr_grad_reducer_finish(jr_grad_reducer *reducer, jr_tensor *const *gradients, int64_t count, jr_tensor *extra,
                               jr_error *err);
/* Seconds spent in jr_grad_reducer_finish waiting for collectives since creation (the exchange that the
   backward pass did not hide). */
double jr_grad_reducer_waited_seconds(const jr_grad_reducer *reducer, jr_error *err);
int64_t jr_grad_reducer_bucket_count(const jr_grad_reducer *reducer, jr_error *err);
/* How many buckets the hooks started during backward passes since creation (the rest started in finish). */
int64_t jr_grad_reducer_launched_in_backward(const jr_grad_reducer *reducer, jr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* JACREG_DISTRIBUTED_H */
