/**
 * Data-parallel training across processes over libtorch's c10d: {@link dev.jacreg.distributed.ProcessGroup} (a TCPStore
 * rendezvous and the Gloo backend on CPU, NCCL on CUDA) and gradient all-reduce in buckets.
 */
package dev.jacreg.distributed;
