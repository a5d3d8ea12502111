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

#ifdef __cplusplus
}
#endif

#endif /* JACREG_DISTRIBUTED_H */
