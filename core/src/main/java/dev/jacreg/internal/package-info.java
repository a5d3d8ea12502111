/**
 * Not API: loading the shim (from the jar, a path or the build folder), finding libtorch, per-thread native call
 * memory with its error slot, and tensor handle bookkeeping. Anything here may change without notice.
 */
package dev.jacreg.internal;
