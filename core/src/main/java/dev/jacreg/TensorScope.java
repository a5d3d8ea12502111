package dev.jacreg;

import java.util.ArrayList;
import java.util.List;

/**
 * A thread-confined region that owns every tensor created on its thread while it is the innermost
 * open scope, and closes them all when it closes — in the spirit of a confined {@code Arena}.
 *
 * <pre>{@code
 * try (TensorScope scope = TensorScope.open()) {
 *     Tensor y = x.mul(x).sum();        // owned by scope
 *     return scope.keep(y);             // survives: handed to the enclosing scope (or to the caller)
 * }
 * }</pre>
 *
 * Scopes nest; closing one that is not the innermost, or closing twice, throws (both are bugs worth
 * seeing). Tensors created outside any scope belong to the caller, with a Cleaner as last resort.
 */
public final class TensorScope implements AutoCloseable {
    private static final ThreadLocal<TensorScope> CURRENT = new ThreadLocal<>();

    private final TensorScope parent;
    private final Thread owner;
    private final List<Tensor> tensors = new ArrayList<>();
    private boolean closed;

    private TensorScope(TensorScope parent) {
        this.parent = parent;
        this.owner = Thread.currentThread();
    }

    /** Opens a scope nested in the current one (if any) and makes it current on this thread. */
    public static TensorScope open() {
        TensorScope scope = new TensorScope(CURRENT.get());
        CURRENT.set(scope);
        return scope;
    }

    /** The innermost open scope of this thread, or null. */
    static TensorScope current() {
        return CURRENT.get();
    }

    /** Called for every new tensor: the current scope, if any, takes it. */
    static void adopt(Tensor tensor) {
        TensorScope scope = CURRENT.get();
        if (scope != null) scope.add(tensor);
    }

    private void add(Tensor tensor) {
        tensor.owner = this;
        tensors.add(tensor);
    }

    /**
     * Moves a tensor out of this scope into the enclosing one (or, with none, to the caller, who must
     * close it). Returns the tensor for {@code return scope.keep(result);}.
     */
    public Tensor keep(Tensor tensor) {
        checkOpen();
        if (tensor.owner != this) {
            throw new IllegalArgumentException("the tensor is not owned by this scope");
        }
        tensor.owner = null;
        if (parent != null) parent.add(tensor);
        return tensor;
    }

    /** Number of tensors this scope still owns and will close. */
    public int ownedCount() {
        int count = 0;
        for (Tensor tensor : tensors) if (tensor.owner == this && !tensor.isClosed()) count++;
        return count;
    }

    void release(Tensor tensor) {
        if (tensor.owner == this) tensor.owner = null;  // stays in the list; close() skips it
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("tensor scope already closed");
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("tensor scope used from " + Thread.currentThread() + ", owner is " + owner);
        }
    }

    @Override
    public void close() {
        checkOpen();
        if (CURRENT.get() != this) {
            throw new IllegalStateException("tensor scopes closed out of order: an inner scope is still open");
        }
        closed = true;
        CURRENT.set(parent);
        RuntimeException failure = null;
        for (Tensor tensor : tensors) {
            if (tensor.owner != this) continue;
            tensor.owner = null;
            try {
                tensor.close();
            } catch (RuntimeException e) {
                if (failure == null) failure = e; else failure.addSuppressed(e);
            }
        }
        tensors.clear();
        if (failure != null) throw failure;
    }
}
