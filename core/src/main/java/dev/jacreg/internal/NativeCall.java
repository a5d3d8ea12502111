package dev.jacreg.internal;

import dev.jacreg.TorchException;
import dev.jacreg.bindings.jr_error;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Per-thread memory for calls into the shim: the jr_error slot every call takes, a small scratch area
 * for out-values (read back at once), and frames for array arguments ({@link #frame()}). One per Java thread (virtual threads included), so a call's error
 * is read back from the same slot it was written to, whatever carrier thread ran it.
 */
public final class NativeCall {
    public static final int SCRATCH_LONGS = 64;
    /** Room for the array arguments of the calls in flight on this thread (longer ones get their own memory). */
    public static final int ARGUMENT_LONGS = 256;
    private static final ThreadLocal<NativeCall> CURRENT = ThreadLocal.withInitial(NativeCall::new);

    private final MemorySegment error;
    private final MemorySegment scratch;
    private final MemorySegment arguments;
    private int depth;  // open frames
    private long top;   // bytes of arguments in use by open frames

    private NativeCall() {
        Arena arena = Arena.ofAuto();  // freed once the thread, and with it this object, is gone
        error = arena.allocate(jr_error.layout());
        scratch = arena.allocate(ValueLayout.JAVA_LONG, SCRATCH_LONGS);
        arguments = arena.allocate(ValueLayout.JAVA_LONG, ARGUMENT_LONGS);
    }

    public static NativeCall current() {
        NativeLibrary.ensureLoaded();
        return CURRENT.get();
    }

    public MemorySegment error() {
        return error;
    }

    /**
     * Whether this thread's calls run without recording autograd. The flag lives in the error slot that
     * every call passes, and the shim applies it for the length of each call (jacreg.h, jr_error.no_grad):
     * the mode is this Java thread's, whichever carrier a virtual thread runs on, and costs no extra call.
     */
    public boolean noGrad() {
        return jr_error.no_grad(error) != 0;
    }

    public void noGrad(boolean noGrad) {
        jr_error.no_grad(error, noGrad ? 1 : 0);
    }

    /**
     * Opens a frame for one call's array arguments: {@code try (NativeCall.Frame frame = call.frame()) { ...
     * frame.longs(kernel, "kernel") ... frame.longs(stride, "stride") ... }}. Each array gets its own slice, so
     * two arrays in one call never share memory (issue 9: a single per-thread slice passed the second array
     * twice). Frames nest like the calls that open them: a frame opened while another is open allocates above
     * it, and closing one frees only its own slices.
     */
    public Frame frame() {
        return new Frame(++depth, top);
    }

    /** The argument memory of one native call (see {@link #frame()}); close it when the call has returned. */
    public final class Frame implements AutoCloseable {
        private final int level;
        private final long base;
        private Arena overflow;  // arrays that do not fit the per-thread area: rare, freed at close
        private boolean closed;

        private Frame(int level, long base) {
            this.level = level;
            this.base = base;
        }

        /** Copies values into memory owned by this frame; valid until it is closed. */
        public MemorySegment longs(long[] values, String name) {
            Objects.requireNonNull(values, name);
            if (closed || level != depth) {
                throw new IllegalStateException("argument frame used " + (closed ? "after close" : "while an inner frame is open"));
            }
            long bytes = (long) values.length * Long.BYTES;
            if (top + bytes > arguments.byteSize()) {
                if (overflow == null) overflow = Arena.ofConfined();
                return overflow.allocateFrom(ValueLayout.JAVA_LONG, values);
            }
            MemorySegment slice = arguments.asSlice(top, bytes);
            MemorySegment.copy(values, 0, slice, ValueLayout.JAVA_LONG, 0, values.length);
            top += bytes;
            return slice;
        }

        @Override
        public void close() {
            if (closed) return;
            if (level != depth) throw new IllegalStateException("argument frames closed out of order");
            closed = true;
            depth--;
            top = base;
            if (overflow != null) overflow.close();
        }
    }

    /** The scratch area as room for out-values (e.g. sizes), read back right after the call that wrote them. */
    public MemorySegment scratch() {
        return scratch;
    }

    public long scratchLong(int index) {
        return scratch.getAtIndex(ValueLayout.JAVA_LONG, index);
    }

    /** A handle result: NULL means the call failed and the error slot says why. */
    public MemorySegment handle(MemorySegment result) {
        if (result.address() == 0) throw failure();
        return result;
    }

    /** A status or count result: negative means the call failed. */
    public int status(int result) {
        if (result < 0) throw failure();
        return result;
    }

    public long status(long result) {
        if (result < 0) throw failure();
        return result;
    }

    public double value(double result) {
        if (Double.isNaN(result) && jr_error.code(error) != 0) throw failure();
        return result;
    }

    /** Reads and clears the error slot. */
    public TorchException failure() {
        int code = jr_error.code(error);
        String message = jr_error.message(error).getString(0);
        jr_error.code(error, 0);
        if (code == 0) message = "the shim reported a failure without a message";
        return new TorchException(code, message);
    }
}
