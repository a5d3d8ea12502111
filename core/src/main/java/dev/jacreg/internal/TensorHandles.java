package dev.jacreg.internal;

import dev.jacreg.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The native handles of tensors, for library packages outside dev.jacreg that call the shim themselves (e.g. the
 * collectives of dev.jacreg.distributed). Tensor installs the accessor when its class is initialised, so handles
 * stay out of Tensor's public API.
 */
public final class TensorHandles {
    private static volatile BiFunction<Arena, List<Tensor>, MemorySegment> access;
    private static volatile Function<MemorySegment, Tensor> wrapper;

    private TensorHandles() {}

    /** Called once, by Tensor's static initialiser. */
    public static void install(BiFunction<Arena, List<Tensor>, MemorySegment> accessor,
                               Function<MemorySegment, Tensor> wrap) {
        if (access != null) throw new IllegalStateException("tensor handle access is already installed");
        wrapper = wrap;
        access = accessor;
    }

    /** A native array (allocated in arena) of the tensors' handles; the caller keeps the tensors reachable. */
    public static MemorySegment of(Arena arena, List<Tensor> tensors) {
        initialiseTensor();
        return access.apply(arena, tensors);
    }

    /** The handle of one tensor, or NULL for null (an optional argument); the caller keeps the tensor reachable. */
    public static MemorySegment of(Arena arena, Tensor tensor) {
        return tensor == null ? MemorySegment.NULL : of(arena, List.of(tensor)).get(ValueLayout.ADDRESS, 0);
    }

    /** A new Tensor owning a handle a native call returned (in the current scope, as every new tensor). */
    public static Tensor wrap(MemorySegment handle) {
        initialiseTensor();
        return wrapper.apply(handle);
    }

    private static void initialiseTensor() {
        if (access != null) return;
        try {
            Class.forName(Tensor.class.getName(), true, Tensor.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
