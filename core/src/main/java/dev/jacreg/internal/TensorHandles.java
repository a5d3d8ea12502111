package dev.jacreg.internal;

import dev.jacreg.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The native handles of tensors, for library packages outside dev.jacreg that call the shim themselves (e.g. the
 * collectives of dev.jacreg.distributed). Tensor installs the accessor when its class is initialised, so handles
 * stay out of Tensor's public API.
 */
public final class TensorHandles {
    private static volatile BiFunction<Arena, List<Tensor>, MemorySegment> access;

    private TensorHandles() {}

    /** Called once, by Tensor's static initialiser. */
    public static void install(BiFunction<Arena, List<Tensor>, MemorySegment> accessor) {
        if (access != null) throw new IllegalStateException("tensor handle access is already installed");
        access = accessor;
    }

    /** A native array (allocated in arena) of the tensors' handles; the caller keeps the tensors reachable. */
    public static MemorySegment of(Arena arena, List<Tensor> tensors) {
        if (access == null) {
            try {
                Class.forName(Tensor.class.getName(), true, Tensor.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return access.apply(arena, tensors);
    }
}
