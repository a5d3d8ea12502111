package dev.jacreg.internal;

import dev.jacreg.TorchException;
import dev.jacreg.bindings.jr_error;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Per-thread memory for calls into the shim: the jr_error slot every call takes, and a small scratch
 * area for shapes and out-values. One per Java thread (virtual threads included), so a call's error
 * is read back from the same slot it was written to, whatever carrier thread ran it.
 */
public final class NativeCall {
    public static final int SCRATCH_LONGS = 64;
    private static final ThreadLocal<NativeCall> CURRENT = ThreadLocal.withInitial(NativeCall::new);

    private final MemorySegment error;
    private final MemorySegment scratch;

    private NativeCall() {
        Arena arena = Arena.ofAuto();  // freed once the thread, and with it this object, is gone
        error = arena.allocate(jr_error.layout());
        scratch = arena.allocate(ValueLayout.JAVA_LONG, SCRATCH_LONGS);
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

    /** Writes values into the scratch area and returns that slice (valid until the next call); longer lists get their own memory. */
    public MemorySegment longs(long... values) {
        Objects.requireNonNull(values, "sizes");
        if (values.length > SCRATCH_LONGS) {
            return Arena.ofAuto().allocateFrom(ValueLayout.JAVA_LONG, values);  // rare: freed once the call is done with it
        }
        MemorySegment.copy(values, 0, scratch, ValueLayout.JAVA_LONG, 0, values.length);
        return scratch.asSlice(0, (long) values.length * Long.BYTES);
    }

    /** The scratch area as room for out-values (e.g. sizes). */
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
