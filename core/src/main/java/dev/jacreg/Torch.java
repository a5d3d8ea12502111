package dev.jacreg;

import dev.jacreg.bindings.jacreg_h;
import dev.jacreg.internal.NativeCall;
import dev.jacreg.internal.NativeLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Process-wide libtorch settings: version, seed, threads, CUDA, the batch-norm and create-graph convolution
 * implementations. Threads come from {@code -Djacreg.threads=N}, the batch norm from
 * {@code -Djacreg.batchNorm=fused|aten} and the convolutions from {@code -Djacreg.convCreateGraph=native|aten} when
 * set (applied on first use of the library).
 */
public final class Torch {
    private static volatile boolean configured;

    private Torch() {}

    /** Loads the shim and applies -Djacreg.threads; every entry point calls it. */
    static NativeCall call() {
        if (!configured) configure();
        return NativeCall.current();
    }

    private static synchronized void configure() {
        if (configured) return;
        NativeLibrary.ensureLoaded();
        configured = true;
        String threads = System.getProperty("jacreg.threads");
        if (threads != null && !threads.isBlank()) {
            try {
                setNumThreads(Integer.parseInt(threads.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-Djacreg.threads must be a positive integer, got '" + threads + "'");
            }
        }
        applyChoice("jacreg.batchNorm", "fused", "aten", Torch::setBatchNormFused);
        applyChoice("jacreg.convCreateGraph", "native", "aten", Torch::setConvCreateGraphNative);
    }

    /** Applies a two-valued system property, when set: {@code on} → setter(true), {@code off} → setter(false). */
    private static void applyChoice(String property, String on, String off, java.util.function.Consumer<Boolean> setter) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) return;
        if (value.trim().equals(on)) setter.accept(true);
        else if (value.trim().equals(off)) setter.accept(false);
        else throw new IllegalArgumentException("-D" + property + " must be '" + on + "' or '" + off + "', got '" + value + "'");
    }

    /** {@return the loaded shim's path} */
    public static Path libraryPath() {
        call();
        return NativeLibrary.ensureLoaded();
    }

    /** {@return libtorch's version, e.g. "1.13.0"} */
    public static String version() {
        return text(true);
    }

    /** {@return libtorch's build configuration (BLAS, OpenMP, CUDA...), as at::show_config() prints it} */
    public static String buildConfig() {
        return text(false);
    }

    private static String text(boolean version) {
        NativeCall call = call();
        try (Arena arena = Arena.ofConfined()) {
            int capacity = 1 << 16;
            MemorySegment buf = arena.allocate(capacity);
            call.status(version ? jacreg_h.jr_torch_version(buf, capacity, call.error())
                                : jacreg_h.jr_torch_config(buf, capacity, call.error()));
            return buf.getString(0).strip();
        }
    }

    /**
     * Seeds libtorch's default generators (CPU and every CUDA device).
     *
     * @param seed any value
     */
    public static void manualSeed(long seed) {
        NativeCall call = call();
        call.status(jacreg_h.jr_manual_seed(seed, call.error()));
    }

    /**
     * Sets libtorch's intra-op thread count, process-wide (at::set_num_threads).
     *
     * @param threads the number of threads, &gt;= 1
     */
    public static void setNumThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("number of threads must be >= 1, got " + threads);
        NativeCall call = NativeCall.current();
        call.status(jacreg_h.jr_set_num_threads(threads, call.error()));
    }

    /** {@return libtorch's intra-op thread count} */
    public static int numThreads() {
        NativeCall call = call();
        return call.status(jacreg_h.jr_get_num_threads(call.error()));
    }

    /**
     * Chooses how training-mode batch norm on CPU (float32/float64, with weight and bias) is computed, process-wide,
     * for every later call: {@code true} (the default) through the shim's own kernels and autograd functions — a fused
     * forward pass (2.7× faster than libtorch 1.13's for the seed network's layers) and a fused double backward, the one
     * a Jacobian penalty's second backward runs; {@code false} through libtorch's {@code batch_norm} and its composite
     * double backward. Both give the same values up to rounding.
     * Graphs recorded before the change keep the implementation they were recorded with.
     *
     * @param fused true for the shim's kernels, false for libtorch's own
     * @return the previous setting
     */
    public static boolean setBatchNormFused(boolean fused) {
        NativeCall call = call();  // applies -Djacreg.batchNorm first, so this explicit choice wins
        return call.status(jacreg_h.jr_set_batch_norm_fused(fused ? 1 : 0, call.error())) == 1;
    }

    /** {@return whether training-mode batch norm uses the shim's fused kernels (see {@link #setBatchNormFused})} */
    public static boolean batchNormFused() {
        NativeCall call = call();
        return call.status(jacreg_h.jr_batch_norm_fused(call.error())) == 1;
    }

    /**
     * Chooses how a gradient taken with {@code createGraph} (the Jacobian penalty's input gradient) differentiates
     * conv2d on CPU (float32/float64) with at most 4 input channels (a first layer on images), process-wide, for every
     * later call: {@code true} (the default) in ATen's native convolution kernels, {@code false} as libtorch's
     * {@code conv2d} does (oneDNN for float32, several times slower on such layers). Same values up to rounding, same second derivative; the forward pass and gradients
     * without createGraph are libtorch's either way. Graphs recorded before the change keep their implementation.
     *
     * @param nativeKernels true for ATen's native kernels, false for libtorch's default path
     * @return the previous setting
     */
    public static boolean setConvCreateGraphNative(boolean nativeKernels) {
        NativeCall call = call();  // applies -Djacreg.convCreateGraph first, so this explicit choice wins
        return call.status(jacreg_h.jr_set_conv_create_graph_native(nativeKernels ? 1 : 0, call.error())) == 1;
    }

    /**
     * {@return whether create-graph conv2d gradients use ATen's native kernels (see {@link #setConvCreateGraphNative})}
     */
    public static boolean convCreateGraphNative() {
        NativeCall call = call();
        return call.status(jacreg_h.jr_conv_create_graph_native(call.error())) == 1;
    }

    /** {@return whether the loaded libtorch was built with CUDA and sees a GPU} */
    public static boolean cudaAvailable() {
        NativeCall call = call();
        return call.status(jacreg_h.jr_cuda_is_available(call.error())) == 1;
    }

    /** {@return the number of GPUs the loaded libtorch sees (0 without CUDA)} */
    public static int cudaDeviceCount() {
        NativeCall call = call();
        return call.status(jacreg_h.jr_cuda_device_count(call.error()));
    }

    /**
     * Waits for queued CUDA work on the device (no-op on CPU), so timings measure finished work.
     *
     * @param device the device waited for
     */
    public static void synchronize(Device device) {
        if (!device.isCuda()) return;
        NativeCall call = call();
        call.status(jacreg_h.jr_cuda_synchronize(device.index(), call.error()));
    }

    /** {@return the number of tensors handed out by the shim and not yet freed, process-wide} */
    public static long nativeLiveTensors() {
        call();
        return jacreg_h.jr_live_tensors();
    }

    /**
     * A native call that does nothing, for measuring the bare binding overhead.
     *
     * @return the shim's constant answer
     */
    public static int noop() {
        return jacreg_h.jr_noop();
    }

    static Device checkAvailable(Device device) {
        return checkAvailable(device, "(-Djacreg.device / JACREG_DEVICE)");
    }

    /** A clear error instead of libtorch's dispatcher text when a CUDA device is asked for on a CPU build. */
    static Device checkAvailable(Device device, String requestedBy) {
        if (!device.isCuda()) return device;
        int count = cudaAvailable() ? cudaDeviceCount() : 0;
        if (count == 0) {
            throw new TorchException("CUDA device " + device + " was requested " + requestedBy + ", but the "
                    + "loaded libtorch " + version() + " (shim " + libraryPath() + ") has no CUDA support or sees no GPU. "
                    + "Build the shim against a CUDA libtorch (make build LIBTORCH=/path/to/libtorch) or use cpu.");
        }
        if (device.index() >= count) {
            throw new TorchException("CUDA device " + device + " was requested but only " + count + " device(s) exist");
        }
        return device;
    }
}
