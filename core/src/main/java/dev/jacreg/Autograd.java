package dev.jacreg;

import dev.jacreg.bindings.jacreg_h;
import dev.jacreg.internal.NativeCall;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Gradients of outputs with respect to chosen inputs ({@code torch::autograd::grad}), including the
 * {@code createGraph} form whose results can be differentiated again — what the Jacobian penalty is
 * built on — and no-grad blocks.
 */
public final class Autograd {
    private Autograd() {}

    /** What to return for an input the outputs do not depend on. */
    public enum Unused {
        /** Throw a {@link TorchException} (libtorch's default). */
        FAIL,
        /** Return null in that slot. */
        NULL,
        /** Return a zero tensor shaped like the input. */
        ZEROS
    }

    /**
     * d(output)/d(input) for a scalar output.
     *
     * @param output a scalar (one-element) tensor computed from {@code input}
     * @param input a tensor that requires grad
     * @param createGraph true to keep the gradient differentiable (for a penalty on it, as the Jacobian penalty does)
     * @return the gradient, of the input's shape (new, owned by the current scope)
     */
    public static Tensor grad(Tensor output, Tensor input, boolean createGraph) {
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(input, "input");
        return grad(List.of(output), List.of(input), null, createGraph, createGraph, Unused.FAIL).get(0);
    }

    /**
     * Vector-Jacobian products: for each input, Σ_k gradOutputs[k] · ∂outputs[k]/∂input.
     *
     * @param outputs the tensors differentiated
     * @param inputs the tensors differentiated with respect to, each requiring grad
     * @param gradOutputs one seed per output, or null for all-ones seeds of scalar outputs
     * @param createGraph keep the graph of the gradient computation, so results can be differentiated
     * @param retainGraph keep the forward graph for another backward pass (libtorch defaults it to createGraph)
     * @param unused what to do with an input the outputs do not depend on
     * @return one tensor per input (new, owned by the current scope)
     */
    public static List<Tensor> grad(List<Tensor> outputs, List<Tensor> inputs, List<Tensor> gradOutputs,
                                    boolean createGraph, boolean retainGraph, Unused unused) {
        Objects.requireNonNull(outputs, "outputs");
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(unused, "unused");
        if (outputs.isEmpty() || inputs.isEmpty()) {
            throw new IllegalArgumentException("grad needs at least one output and one input");
        }
        if (gradOutputs != null && gradOutputs.size() != outputs.size()) {
            throw new IllegalArgumentException("got " + gradOutputs.size() + " grad outputs for " + outputs.size() + " outputs");
        }
        NativeCall call = Torch.call();
        MemorySegment[] raw = new MemorySegment[inputs.size()];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment outs = Tensor.handles(arena, outputs);
            MemorySegment ins = Tensor.handles(arena, inputs);
            MemorySegment seeds = gradOutputs == null ? MemorySegment.NULL : Tensor.handles(arena, gradOutputs);
            MemorySegment results = arena.allocate(ValueLayout.ADDRESS, inputs.size());
            call.status(jacreg_h.jr_autograd_grad(outs, outputs.size(), ins, inputs.size(), seeds, retainGraph ? 1 : 0,
                    createGraph ? 1 : 0, unused == Unused.FAIL ? 0 : 1, results, call.error()));
            for (int i = 0; i < raw.length; i++) raw[i] = results.getAtIndex(ValueLayout.ADDRESS, i);
        }
        // The lists hold the tensors whose handles the call used: reachable until it has returned.
        Reference.reachabilityFence(outputs);
        Reference.reachabilityFence(inputs);
        Reference.reachabilityFence(gradOutputs);
        List<Tensor> grads = new ArrayList<>(raw.length);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i].address() != 0) {
                grads.add(Tensor.wrap(raw[i]));
            } else if (unused == Unused.ZEROS) {
                Tensor input = inputs.get(i);
                try (Tensor zero = Tensor.zeros(input.dtype(), input.shape())) {
                    grads.add(zero.to(input.device()));
                }
            } else {
                grads.add(null);
            }
        }
        return Collections.unmodifiableList(grads);
    }

    /**
     * Gradients for several inputs of one scalar output.
     *
     * @param output a scalar (one-element) tensor
     * @param inputs the tensors differentiated with respect to, each requiring grad
     * @param createGraph true to keep the gradients differentiable
     * @return one gradient per input, in order (new, owned by the current scope)
     */
    public static List<Tensor> grad(Tensor output, List<Tensor> inputs, boolean createGraph) {
        Objects.requireNonNull(output, "output");
        return grad(List.of(output), inputs, null, createGraph, createGraph, Unused.FAIL);
    }

    /**
     * Turns gradient tracking off for this thread's calls until closed:
     * {@code try (var off = Autograd.noGrad()) { ... }}. The mode belongs to the Java thread (platform or
     * virtual): it is passed with every native call, never left in libtorch's per-OS-thread state, so it
     * cannot leak to other threads sharing a carrier. Close it on the thread that opened it.
     *
     * @return the scope to close, restoring the previous mode
     */
    public static GradModeScope noGrad() {
        return new GradModeScope(false);
    }

    /**
     * Turns gradient tracking on until closed (e.g. inside a no-grad block).
     *
     * @return the scope to close, restoring the previous mode
     */
    public static GradModeScope enableGrad() {
        return new GradModeScope(true);
    }

    /** {@return whether this thread's native calls record autograd (asked from libtorch inside a call)} */
    public static boolean isGradEnabled() {
        NativeCall call = Torch.call();
        return call.status(jacreg_h.jr_grad_mode_is_enabled(call.error())) == 1;
    }

    /** Restores the previous gradient mode on close. */
    public static final class GradModeScope implements AutoCloseable {
        private final boolean previous;
        private final Thread thread = Thread.currentThread();
        private boolean closed;

        private GradModeScope(boolean enabled) {
            NativeCall call = Torch.call();
            previous = !call.noGrad();
            call.noGrad(!enabled);
        }

        @Override
        public void close() {
            if (closed) return;
            if (Thread.currentThread() != thread) {
                throw new WrongThreadException("gradient mode must be restored on the thread that changed it");
            }
            closed = true;
            Torch.call().noGrad(!previous);
        }
    }
}
