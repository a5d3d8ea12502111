package dev.jacreg;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An owner of tensors that closes them all when it closes, in the spirit of a confined {@code Arena}. Two kinds:
 *
 * <ul>
 * <li>A <b>current scope</b> ({@link #open()}): thread-confined, it owns every tensor created on its thread while it
 * is the innermost open scope. Temporaries need no bookkeeping; survivors leave with {@link #keep(Tensor)}.
 * <pre>{@code
 * try (TensorScope scope = TensorScope.open()) {
 *     Tensor y = x.mul(x).sum();        // owned by scope
 *     return scope.keep(y);             // survives: handed to the enclosing scope (or to the caller)
 * }
 * }</pre>
 * Scopes nest; closing one that is not the innermost, or closing twice, throws (both are bugs worth seeing).
 * <li>A <b>detached owner</b> ({@link #detached()}): never current, so nothing lands in it by accident; it holds
 * what is handed to it with {@link #take(Tensor)} until it closes. Long-lived holders (a layer's parameters, a
 * dataset on the device, optimiser state) keep their tensors in one, outside any scope by construction.
 * </ul>
 *
 * Tensors created outside any scope belong to the caller, with a Cleaner as last resort; tensors owned by a
 * current scope are not registered with the Cleaner (the scope frees them, and holds them until then).
 * A closed tensor leaves its owner's list at once (in constant time), so a long scope with many explicitly
 * closed temporaries does not grow. {@link #statistics()} counts, per thread, where new tensors went.
 */
public final class TensorScope implements AutoCloseable {
    /** The calling thread's innermost scope and its creation counters. */
    private static final class ThreadState {
        TensorScope current;
        long createdInScope;
        long createdOutsideScope;
    }

    private static final ThreadLocal<ThreadState> STATE = ThreadLocal.withInitial(ThreadState::new);

    private final TensorScope parent;
    private final Thread owner;  // null for a detached owner
    private final List<Tensor> tensors = new ArrayList<>();
    private boolean closed;

    private TensorScope(TensorScope parent, Thread owner) {
        this.parent = parent;
        this.owner = owner;
    }

    /**
     * Opens a scope nested in the current one (if any) and makes it current on this thread.
     *
     * @return the scope; close it (try-with-resources) to free what it owns
     */
    public static TensorScope open() {
        ThreadState state = STATE.get();
        TensorScope scope = new TensorScope(state.current, Thread.currentThread());
        state.current = scope;
        return scope;
    }

    /**
     * A detached owner: never current, it owns only what is handed to it with {@link #take(Tensor)}, and may be
     * used and closed from any thread (one at a time).
     *
     * @return the owner; close it to free what it owns
     */
    public static TensorScope detached() {
        return new TensorScope(null, null);
    }

    /** The innermost open scope of this thread, or null. */
    static TensorScope current() {
        return STATE.get().current;
    }

    /** {@return whether this is a detached owner ({@link #detached()}) rather than a current scope} */
    public boolean isDetached() {
        return owner == null;
    }

    /** {@return whether this scope has been closed (and freed what it owned)} */
    public boolean isClosed() {
        return closed;
    }

    /** Called for every new tensor: the current scope, if any, takes it; otherwise the caller owns it. */
    static void adopt(Tensor tensor) {
        ThreadState state = STATE.get();
        TensorScope scope = state.current;
        if (scope != null) {
            state.createdInScope++;
            scope.add(tensor);
        } else {
            state.createdOutsideScope++;
            tensor.registerCleaner();
        }
    }

    private void add(Tensor tensor) {
        tensor.owner = this;
        tensor.slot = tensors.size();
        tensors.add(tensor);
        if (owner == null) tensor.registerCleaner();  // a dropped detached owner takes its tensors with it
    }

    /**
     * Moves a tensor out of this scope into the enclosing one (or, with none, to the caller, who must
     * close it). Returns the tensor for {@code return scope.keep(result);}.
     *
     * @param tensor a tensor this scope owns
     * @return the tensor
     */
    public Tensor keep(Tensor tensor) {
        Objects.requireNonNull(tensor, "tensor");
        checkOpen();
        if (tensor.owner != this) {
            throw new IllegalArgumentException("the tensor is not owned by this scope");
        }
        remove(tensor);
        if (parent != null) {
            parent.add(tensor);
        } else {
            tensor.registerCleaner();
        }
        return tensor;
    }

    /**
     * {@link #keep(Tensor)} for several results at once.
     *
     * @param first a tensor this scope owns
     * @param second another one
     * @param more any others
     */
    public void keep(Tensor first, Tensor second, Tensor... more) {
        keep(first);
        keep(second);
        for (Tensor tensor : more) keep(tensor);
    }

    /**
     * {@link #keep(Tensor)} for every tensor of a collection; returns it.
     *
     * @param tensors tensors this scope owns
     * @param <C> the collection's type
     * @return the collection
     */
    public <C extends Iterable<Tensor>> C keepAll(C tensors) {
        for (Tensor tensor : tensors) keep(tensor);
        return tensors;
    }

    /**
     * Makes this scope the tensor's owner, whoever owned it before (a scope of this thread, another detached owner,
     * or the caller). Returns the tensor, e.g. {@code weight = owner.take(Init.glorotUniform(...))}.
     *
     * @param tensor any open tensor
     * @return the tensor
     */
    public Tensor take(Tensor tensor) {
        Objects.requireNonNull(tensor, "tensor");
        if (tensor.isClosed()) throw new IllegalStateException("cannot take a closed tensor");
        synchronized (this) {
            checkOpen();
            if (tensor.owner == this) return tensor;
            if (tensor.owner != null) tensor.owner.release(tensor);
            add(tensor);
        }
        return tensor;
    }

    /** {@return number of tensors this scope owns and will close} */
    public int ownedCount() {
        synchronized (this) {
            return tensors.size();
        }
    }

    /** Takes the tensor out of this owner's list (constant time: the last one moves into its slot). */
    void release(Tensor tensor) {
        if (tensor.owner != this) return;
        if (closed) {  // being closed: close() walks the list itself
            tensor.owner = null;
            return;
        }
        if (owner != null && Thread.currentThread() != owner) {
            // Not this scope's thread: leave the list alone; close() skips tensors that are no longer its own.
            tensor.owner = null;
            return;
        }
        synchronized (this) {
            remove(tensor);
        }
    }

    private void remove(Tensor tensor) {
        int slot = tensor.slot;
        int last = tensors.size() - 1;
        if (slot < 0 || slot > last || tensors.get(slot) != tensor) {  // left by a foreign thread's close
            tensors.remove(tensor);
            for (int i = 0; i < tensors.size(); i++) tensors.get(i).slot = i;
        } else {
            Tensor moved = tensors.remove(last);
            if (slot != last) {
                tensors.set(slot, moved);
                moved.slot = slot;
            }
        }
        tensor.owner = null;
        tensor.slot = -1;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("tensor scope already closed");
        if (owner != null && Thread.currentThread() != owner) {
            throw new WrongThreadException("tensor scope used from " + Thread.currentThread() + ", owner is " + owner);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            checkOpen();
            if (owner != null) {
                ThreadState state = STATE.get();
                if (state.current != this) {
                    throw new IllegalStateException("tensor scopes closed out of order: an inner scope is still open");
                }
                state.current = parent;
            }
            closed = true;  // from here on nothing is added, and closing a tensor no longer edits the list
        }
        RuntimeException failure = null;
        for (Tensor tensor : tensors) {
            if (tensor.owner != this) continue;
            tensor.owner = null;
            tensor.slot = -1;
            try {
                tensor.close();
            } catch (RuntimeException e) {
                if (failure == null) failure = e; else failure.addSuppressed(e);
            }
        }
        tensors.clear();
        if (failure != null) throw failure;
    }

    /**
     * Where the calling thread's new tensors went since it started (as TorchSharp's dispose-scope statistics):
     * a tensor created outside any scope is the caller's to close, and a missing close shows up later in
     * {@link Tensor#freedByCleaner()}.
     *
     * @return the calling thread's counts since it started
     */
    public static Statistics statistics() {
        ThreadState state = STATE.get();
        return new Statistics(state.createdInScope, state.createdOutsideScope);
    }

    /**
     * Counts of the tensors a thread created.
     *
     * @param createdInScope created while a scope was current (the scope frees them)
     * @param createdOutsideScope created while none was (the caller frees them, or the Cleaner does)
     */
    public record Statistics(long createdInScope, long createdOutsideScope) {
        /**
         * The counts since {@code earlier}.
         *
         * @param earlier counts taken before on the same thread
         * @return the differences
         */
        public Statistics since(Statistics earlier) {
            return new Statistics(createdInScope - earlier.createdInScope, createdOutsideScope - earlier.createdOutsideScope);
        }
    }
}
